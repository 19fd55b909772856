// Several Workers train one model (www/team/): on a cross-origin-isolated page they share each step over shared
// memory, elsewhere they exchange it by messages; either way they reach one Worker's figures. Everything a
// person does with the element works with two, and a share Worker that fails stops training without changing the model.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { servedRepository, shareWorkers, trainingWorkers } from './browser.mjs';

const session = servedRepository(); // cross-origin isolated (COOP/COEP), as `npm start` serves the page
const PAGE = 'tests/e2e/fixtures/traps.html';

let plain;
before(async () => (plain = await serve('.', { isolate: false })));
after(() => plain?.server.close());

async function open(base, query) {
  const page = await session.browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(`${base}${PAGE}?${query}`);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'ready'), null, { timeout: 30_000 });
  return { page, problems };
}

const diagnostics = (page, read) => trainingWorkers(page)[0].evaluate(read);
const team = (page) => diagnostics(page, () => globalThis.vaePlaygroundDiagnostics.team());
const status = (page) => page.evaluate(() => document.getElementById('t').shadowRoot.querySelector('.status').textContent);
const epochFigures = (page) => page.evaluate(() => window.__events.filter((e) => e.type === 'epoch').map((e) => e.detail.testElbo));

async function trainEpochs(page, epochs) {
  await page.evaluate(() => document.getElementById('t').train());
  await page.waitForFunction((n) => window.__events.filter((e) => e.type === 'epoch').length >= n, epochs, { timeout: 60_000 });
}

async function weights(page) {
  return page.evaluate(async () => {
    const bytes = new Uint8Array(await (await document.getElementById('t').exportWeights()).arrayBuffer());
    // The tensors, not the metadata (which carries the time the file was written).
    const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const digest = await crypto.subtle.digest('SHA-256', bytes.slice(8 + header));
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  });
}

const EXCHANGES = [
  { page: 'a cross-origin-isolated page', exchange: 'shared-memory', words: '2 Workers · shared memory', base: () => session.url },
  { page: 'a page that is not cross-origin isolated', exchange: 'messages', words: '2 Workers · by messages', base: () => plain.url },
];

for (const { page: kind, exchange, words, base } of EXCHANGES) {
  test(`${kind} trains with 2 Workers (${exchange}), to one Worker’s figures within 0.2 %`, async () => {
    const two = await open(base(), 'workers=2&seed=3&epochs=2');
    await two.page.evaluate(() => document.getElementById('t').train());
    await two.page.waitForFunction(() => document.getElementById('t').running);
    await two.page.waitForFunction((words) => document.getElementById('t').shadowRoot.querySelector('.status').textContent.includes(words), words, { timeout: 10_000 });
    // The benchmark's profile of shared steps, from here on (in one turn of the worker: no step comes between).
    const profiledFrom = await diagnostics(two.page, () => {
      globalThis.vaePlaygroundDiagnostics.profileTeam(true);
      return globalThis.vaePlaygroundDiagnostics.team().sharedSteps;
    });
    await trainEpochs(two.page, 2);
    const shared = await team(two.page);
    const profile = await diagnostics(two.page, () => globalThis.vaePlaygroundDiagnostics.profileTeam(false));
    // Every step shared over memory is profiled, part by part; steps exchanged by messages are not.
    assert.equal(profile.steps, exchange === 'shared-memory' ? shared.sharedSteps - profiledFrom : 0);
    for (const part of ['begin', 'own', 'wait', 'add', 'update']) {
      if (exchange === 'shared-memory') assert.ok(profile[part] > 0, `${part}: ${profile[part]} ms`);
      else assert.equal(profile[part], 0, `${part} of steps by messages`);
    }
    assert.deepEqual({ ...shared, sharedSteps: null }, { workers: 2, asked: 2, exchange, why: null, sharedSteps: null });
    assert.ok(shared.sharedSteps > 100, `steps shared: ${shared.sharedSteps} of 142`);
    assert.equal(shareWorkers(two.page).length, 1);

    const one = await open(base(), 'workers=1&seed=3&epochs=2');
    await trainEpochs(one.page, 2);
    assert.equal((await team(one.page)).sharedSteps, 0);
    assert.equal(shareWorkers(one.page).length, 0);
    const [a, b] = [await epochFigures(two.page), await epochFigures(one.page)];
    for (const epoch of [0, 1]) {
      assert.ok(Math.abs(a[epoch] - b[epoch]) <= 0.002 * b[epoch], `epoch ${epoch + 1}: ${a[epoch]} with 2 Workers, ${b[epoch]} with 1`);
    }
    assert.deepEqual([...two.problems, ...one.problems], []);
    await two.page.close();
    await one.page.close();
  });
}

test('with 2 Workers: pause and train in one tick leave one loop, nothing trains while paused, reset trains on, a move keeps the Workers and removal ends them', async () => {
  const { page, problems } = await open(session.url, 'workers=2&seed=3');
  await page.evaluate(() => document.getElementById('t').train());
  await page.waitForFunction(() => document.getElementById('t').running);
  const sharing = () => team(page).then((t) => t.sharedSteps);
  const waitShared = async (beyond) => {
    for (let i = 0; i < 100 && (await sharing()) <= beyond; i++) await page.waitForTimeout(100);
    return sharing();
  };
  await waitShared(20);
  await page.evaluate(() => {
    const el = document.getElementById('t');
    el.pause();
    el.train();
  });
  await page.waitForTimeout(800);
  assert.equal(await diagnostics(page, () => globalThis.vaePlaygroundDiagnostics.maxActiveLoops), 1);
  await page.evaluate(() => document.getElementById('t').pause());
  await page.waitForFunction(() => !document.getElementById('t').running);
  await page.waitForTimeout(300); // a slice under way ends
  const paused = await sharing();
  await page.waitForTimeout(800);
  assert.equal(await sharing(), paused, 'no step while paused');

  await page.evaluate(() => {
    const el = document.getElementById('t');
    el.reset();
    el.train();
  });
  const afterReset = await waitShared(paused + 20);
  assert.ok(afterReset > paused + 20, `the new model's steps are shared: ${paused} → ${afterReset}`);

  const before = page.workers().length;
  await page.evaluate(() => {
    const el = document.getElementById('t');
    el.parentElement.append(el); // a move: removed and inserted in one task
  });
  await page.waitForTimeout(500);
  assert.equal(page.workers().length, before, 'a move keeps every Worker');
  assert.ok((await waitShared(afterReset + 10)) > afterReset + 10, 'and training goes on shared');

  const closed = Promise.all(page.workers().map((w) => new Promise((done) => w.once('close', done))));
  await page.evaluate(() => document.getElementById('t').remove());
  await closed;
  assert.deepEqual(page.workers(), [], 'removing the element ends the training worker, its evaluator and its share Worker');
  assert.deepEqual(problems, []);
  await page.close();
});

for (const exchange of ['shared memory', 'messages']) {
test(`a share Worker that fails (${exchange}) stops training with a message, keeps the model as it was, and Train goes on with one Worker`, async () => {
  const { page, problems } = await open(exchange === 'messages' ? plain.url : session.url, 'workers=2&seed=3');
  await page.evaluate(() => document.getElementById('t').train());
  await page.waitForFunction(() => document.getElementById('t').running);
  for (let i = 0; i < 100 && (await team(page)).sharedSteps < 20; i++) await page.waitForTimeout(100);
  await page.evaluate(() => document.getElementById('t').pause());
  await page.waitForFunction(() => !document.getElementById('t').running);
  const kept = await weights(page);

  await shareWorkers(page)[0].evaluate(() => (globalThis.vaePlaygroundShareDiagnostics.failNext = true));
  await page.evaluate(() => document.getElementById('t').train());
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'error'), null, { timeout: 20_000 });
  await page.waitForFunction(() => !document.getElementById('t').running);
  const error = await page.evaluate(() => window.__events.find((e) => e.type === 'error').detail.message);
  assert.match(error, /training Worker 2 of 2 failed on its share of step \d+; the model is as it was before that step\. Press Train to go on without it\./);
  assert.equal(await weights(page), kept, 'the failed step changed nothing');
  assert.equal(shareWorkers(page).length, 0, 'the failed Worker is ended');

  const steps = (await page.evaluate(() => window.__events.filter((e) => e.type === 'progress').length));
  await page.evaluate(() => document.getElementById('t').train());
  await page.waitForFunction((n) => window.__events.filter((e) => e.type === 'progress').length > n + 3, steps, { timeout: 20_000 });
  assert.match(await status(page), /1 Worker \(2 asked: (training Worker 2 failed at step \d+|a training Worker failed \(unreachable \(injected by a test\)\))\)/);
  assert.equal((await team(page)).workers, 1);
  assert.deepEqual(problems, []);
  await page.close();
});
}
