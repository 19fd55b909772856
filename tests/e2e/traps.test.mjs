// After a WebAssembly trap in the worker (out of memory, `unreachable`): the element says what broke, starts a new
// worker with the last good weights, settles every waiting call, and never restarts in a loop. Traps are injected at
// each of the places that used to run outside the loop's error handling (through the worker's test hook, which only
// code running in the worker can reach), and one is real: a data set too large for the Compress view's PCA.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { openPage, servedRepository, trainingWorkers } from './browser.mjs';

const session = servedRepository();
const PAGE = 'tests/e2e/fixtures/traps.html';

const count = (page, type, match = '') =>
  page.evaluate(([type, match]) => window.__events.filter((e) => e.type === type && new RegExp(match).test(e.detail?.message ?? '')).length, [type, match]);
const waitForCount = (page, type, n, timeout = 60_000) =>
  page.waitForFunction(([type, n]) => window.__events.filter((e) => e.type === type).length >= n, [type, n], { timeout });
const lastOf = (page, type) => page.evaluate((type) => window.__events.filter((e) => e.type === type).at(-1)?.detail, type);
const TRAP_WORDS = 'WebAssembly';

const SITES = [
  ['evaluate', 'evaluating the test digits at the end of an epoch'],
  ['latents', 'computing the test digits’ codes for the latent panel'],
  ['classifier', 'training the digit classifier'],
];

for (const [site, doing] of SITES) {
  test(`a trap at ${site}: said in words, pending classify() settled, a new worker from the last epoch's weights, one loop`, async () => {
    const { page, problems } = await openPage(session.browser, `${session.url}${PAGE}`);
    await waitForCount(page, 'ready', 1);
    await page.evaluate(() => document.getElementById('t').train());
    await waitForCount(page, 'epoch', 1);
    const [trapping] = trainingWorkers(page);
    const ended = new Promise((done) => trapping.once('close', done));
    // A classify() waiting for the classifier, which trains in the loop's spare slices for a few seconds; asked before
    // the trap is set, so it is waiting when the trap comes (asked after, on a busy machine it could find the worker
    // already restarting, and be told to try again).
    await page.evaluate(() => {
      window.__classified = document.getElementById('t').classify(new Float32Array(784)).then(() => 'resolved', (e) => `rejected: ${e.message}`);
    });
    await trapping.evaluate((site) => globalThis.vaePlaygroundDiagnostics.injectTrap(site), site);

    await page.waitForFunction((words) => window.__events.some((e) => e.type === 'error' && e.detail.message.includes(words)), TRAP_WORDS, { timeout: 30_000 });
    const { message } = await lastOf(page, 'error');
    const said = message.match(new RegExp(`^The training worker stopped with a WebAssembly error \\(injected at ${site}\\) while ${doing}\\. ` +
      'It was restarted with the weights it had after (\\d+) epochs?; press Train to go on\\.'));
    assert.ok(said, message);
    const restartedFrom = Number(said[1]);
    assert.ok(restartedFrom >= 1, 'from a trained epoch, not from scratch');
    assert.equal(await page.locator('#t >> .error p').textContent(), message, 'shown in the widget');
    assert.match(await page.evaluate(() => window.__classified), /^rejected: The training worker stopped with a WebAssembly error/, 'the waiting call settled');
    await ended;

    await waitForCount(page, 'ready', 2); // the new worker, with the last good weights in
    assert.equal(trainingWorkers(page).length, 1, 'the trapped worker is gone, one new one');
    assert.equal(await page.evaluate(() => document.getElementById('t').running), false, 'it waits to be asked');
    const epochs = (await page.evaluate(() => window.__events.filter((e) => e.type === 'epoch').length));
    await page.evaluate(() => document.getElementById('t').train());
    await waitForCount(page, 'epoch', epochs + 1);
    assert.equal((await lastOf(page, 'epoch')).epoch, restartedFrom + 1, 'training goes on from the restored epoch');
    const [fresh] = trainingWorkers(page);
    const loops = await fresh.evaluate(() => globalThis.vaePlaygroundDiagnostics);
    assert.deepEqual([loops.activeLoops, loops.maxActiveLoops], [1, 1], 'one loop');

    if (site === 'classifier') {
      const again = await page.evaluate(() => document.getElementById('t').classify(new Float32Array(784)).then(() => 'resolved', (e) => `rejected: ${e.message}`));
      assert.match(again, /^rejected: Not asked for again: the training worker stopped with a WebAssembly error \(injected at classifier\) while training the digit classifier/);
    } else {
      const classified = await page.evaluate(async () => (await document.getElementById('t').classify(new Float32Array(784))).probabilities.length);
      assert.equal(classified, 10, 'the new worker answers');
    }
    assert.equal(await count(page, 'error', TRAP_WORDS), 1, 'one trap, one message');
    assert.deepEqual(problems, []);
    await page.close();
  });
}

/**
 * A data set of `n` images — the 10,000 bundled digits, then blank ones — as gzip'd IDX files (mostly zeros, so a few
 * hundred kilobytes on the wire for a quarter of a gigabyte in wasm).
 */
function bigDataSet(n) {
  const digits = gunzipSync(readFileSync('data/mnist-10k-images.idx3-ubyte.gz')).subarray(16);
  const digitLabels = gunzipSync(readFileSync('data/mnist-10k-labels.idx1-ubyte.gz')).subarray(8);
  const images = Buffer.alloc(16 + n * 784);
  [2051, n, 28, 28].forEach((v, i) => images.writeUInt32BE(v, 4 * i));
  digits.copy(images, 16);
  const labels = Buffer.alloc(8 + n);
  [2049, n].forEach((v, i) => labels.writeUInt32BE(v, 4 * i));
  for (let i = 0; i < n; i++) labels[8 + i] = i < digitLabels.length ? digitLabels[i] : i % 10;
  return { images: gzipSync(images, { level: 1 }), labels: gzipSync(labels, { level: 1 }) };
}

// The largest data set the IDX reader takes (256 MiB of images) now fits Compress's PCA in the 4 GB a wasm module can
// address, so the test first leaves only 1.5 GB of the worker's heap free (a test hook; PCA on these digits needs
// about 3 GB): the allocation that then fails is real.
test('a real out-of-memory: with 1.5 GB of the heap left, Compress fitting PCA on 340,000 digits traps the worker; the message says so once, and the widget still works', async () => {
  const { images, labels } = bigDataSet(340_000);
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.route('**/big-images.gz', (route) => route.fulfill({ body: images, contentType: 'application/octet-stream' }));
  await page.route('**/big-labels.gz', (route) => route.fulfill({ body: labels, contentType: 'application/octet-stream' }));
  // Compress is shown only once the heap is left small: shown from the start, it could fit its PCA before that.
  await page.goto(`${session.url}${PAGE}?data=big-images.gz%20big-labels.gz&views=latent`);
  await waitForCount(page, 'ready', 1, 120_000);
  assert.equal((await lastOf(page, 'ready')).trainSize, 339_000);
  const [worker] = trainingWorkers(page);
  const heap = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.leaveMemory(1.5e9));
  assert.ok(heap > 2.5e9, `the heap grew to ${heap} bytes, leaving 1.5 GB`);
  await page.evaluate(() => document.getElementById('t').setAttribute('views', 'latent compress'));
  await page.locator('#t >> .panel.compress').scrollIntoViewIfNeeded();

  await page.waitForFunction((words) => window.__events.some((e) => e.type === 'error' && e.detail.message.includes(words)), TRAP_WORDS, { timeout: 120_000 });
  const { message } = await lastOf(page, 'error');
  assert.match(message, /^The training worker most likely ran out of memory \(its WebAssembly memory had grown to \d\.\d GB; 4 GB is the most a wasm module can have\) while compressing a digit with the VAE and with PCA fitted on the training digits \(Compress\)\. It was restarted with a fresh model/);
  assert.match(message, /It is not asked for that again until the playground starts over/);
  await waitForCount(page, 'ready', 2, 120_000);
  await page.waitForTimeout(3000); // the Compress view sees the new model: it must not ask again
  assert.equal(await count(page, 'error', TRAP_WORDS), 1, 'one trap: no restart loop');
  assert.equal(await page.locator('#t >> .error p').textContent(), message, 'the message stays shown');
  assert.equal(trainingWorkers(page).length, 1);

  await page.evaluate(() => document.getElementById('t').train());
  const progress = await count(page, 'progress');
  await waitForCount(page, 'progress', progress + 3);
  const pixels = await page.evaluate(async () => (await document.getElementById('t').decode([0, 0])).length);
  assert.equal(pixels, 784);
  assert.deepEqual(problems, []);
  await page.close();
});
