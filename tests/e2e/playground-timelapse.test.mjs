// The time-lapse inside the real <vae-playground> (wasm, worker, the built dist/): frames are recorded while it
// trains; `seek(step)` shows the codes and the decoder of that moment (compared with the test codes and a decode taken
// from the live model when training stood at that step); "Back to now"; keyboard-only scrubbing; a 390 px phone; with
// `persist` a reload keeps the time-lapse; "Export time-lapse" writes a WebM of the expected duration and frame size
// and the frames as JSON. Prints what recording cost in the worker; asserts no time.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { servedRepository, watchMainThread, trainingWorkers } from './browser.mjs';
import { webmFacts } from './fixtures/timelapse/ebml.mjs';
import { scrubCost } from './fixtures/timelapse/measure.mjs';
import { STEPS_PER_EPOCH, events, openTimelapsePage, waitFor } from './fixtures/timelapse/page.mjs';

const session = servedRepository();
const SHOTS = 'shots';

/** The bundled test split (the last 1,000 digits) as bytes, base64: encoded in the page to compare codes. */
const TEST_IMAGES = (() => {
  const idx = gunzipSync(readFileSync('data/mnist-10k-images.idx3-ubyte.gz'));
  const count = idx.readUInt32BE(4);
  return Buffer.from(idx.subarray(16 + (count - 1000) * 784, 16 + count * 784)).toString('base64');
})();

const settle = (page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
const open = (query, options) => openTimelapsePage(session, query, options);

/** μ of the 1,000 test digits through the element's public `encode`, now. */
const testCodes = (page) => page.evaluate(async (base64) => {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return Array.from(await document.getElementById('p').encode(Float32Array.from(bytes, (b) => b / 255)));
}, TEST_IMAGES);

const lastFrameChange = async (page) => (await events(page, 'framechange')).at(-1) ?? null;
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('a seek shows the codes and the decoder recorded at that step; Back to now shows the live model again', async () => {
  const { page, context, problems } = await open();
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
  // The model now stands at step 71 (one epoch): its test codes and a digit, from the live model.
  const codesAt71 = await testCodes(page);
  const digitAt71 = await page.evaluate(async () => Array.from(await document.getElementById('p').decode([0.5, -0.5])));
  const first = await page.evaluate(() => document.getElementById('p').frames);
  assert.equal(first.steps[0], 0);
  assert.equal(first.steps.at(-1), STEPS_PER_EPOCH);
  // Dense at first (the schedule's steps 0, 2, 4, …) for as long as recording stays within its share of the time
  // (how many that is depends on how fast this machine encodes the test digits).
  assert.deepEqual(first.steps.slice(0, 3), [0, 2, 4], `the first epoch's frames: ${first.steps}`);
  console.log(`# frames in the first epoch: ${first.count} (${first.steps})`);

  // Train on to epoch 2: the moment at step 71 is in the past now.
  await page.evaluate(() => {
    const el = document.getElementById('p');
    el.setAttribute('epochs', '2');
    el.train();
  });
  await waitFor(page, 'trained', 2);
  const liveCodes = await testCodes(page);
  const liveDigit = await page.evaluate(async () => Array.from(await document.getElementById('p').decode([0.5, -0.5])));
  assert.ok(maxDiff(liveCodes, codesAt71) > 0.05, 'the codes did not move in the second epoch');

  const shownStep = await page.evaluate((s) => document.getElementById('p').seek(s), STEPS_PER_EPOCH);
  assert.equal(shownStep, STEPS_PER_EPOCH);
  await settle(page);
  const change = await lastFrameChange(page);
  assert.deepEqual([change.step, change.epoch, change.live], [STEPS_PER_EPOCH, 1, false]);
  assert.ok(Number.isFinite(change.testElbo), 'the epoch-end frame carries its test −ELBO');
  // The codes recorded at step 71 are the codes the model had at step 71 (f32; encode and the worker's codes are
  // one computation, so they agree to rounding).
  const recorded = Array.from(change.codes);
  assert.equal(recorded.length, codesAt71.length);
  assert.ok(maxDiff(recorded, codesAt71) < 1e-4, `recorded codes differ from step 71's by ${maxDiff(recorded, codesAt71)}`);
  // The digit is drawn by the decoder recorded at step 71 (kept as f16: within a grey level of the f32 decoder's).
  const digitShown = await page.evaluate(async () => Array.from(await document.getElementById('p').decode([0.5, -0.5])));
  assert.ok(maxDiff(digitShown, digitAt71) < 2 / 255, `the shown digit differs from step 71's by ${maxDiff(digitShown, digitAt71)}`);
  assert.ok(maxDiff(digitShown, liveDigit) > 4 / 255, 'the shown digit is the live one');
  // The timeline says the moment.
  const track = page.locator('#p >> .timeline-track');
  assert.match(await track.getAttribute('aria-valuetext'), /^step 71 · epoch 1 · /);
  // A step between frames shows the frame at or before it.
  const between = await page.evaluate(() => {
    const { steps } = document.getElementById('p').frames;
    const i = steps.findIndex((s, k) => k > 0 && s - steps[k - 1] > 1);
    return { asked: steps[i] - 1, expected: steps[i - 1] };
  });
  assert.equal(await page.evaluate((s) => document.getElementById('p').seek(s), between.asked), between.expected);

  // Back to now: the live model's digit and a live framechange.
  await page.locator('#p >> button[data-timeline="now"]').click();
  await settle(page);
  const back = await lastFrameChange(page);
  assert.equal(back.live, true);
  assert.equal(back.step, 2 * STEPS_PER_EPOCH);
  const digitNow = await page.evaluate(async () => Array.from(await document.getElementById('p').decode([0.5, -0.5])));
  assert.deepEqual(digitNow, liveDigit);
  const figures = await recordingFigures(page);
  console.log(`# recording over 2 epochs: ${JSON.stringify(figures)}`);
  assert.deepEqual(problems, []);
  await context.close();
});

/** What recording cost in the worker (frames, those taken only for the time-lapse, their time and the training time). */
async function recordingFigures(page) {
  const [worker] = trainingWorkers(page);
  const f = await worker.evaluate(() => self.vaePlaygroundDiagnostics.timelapse());
  return { ...f, extraMs: +f.extraMs.toFixed(1), trainedMs: Math.round(f.trainedMs), share: `${((100 * f.extraMs) / f.trainedMs).toFixed(2)} %` };
}

test('keyboard only: Tab to the timeline, arrows move a frame, Home the first, End back to now', async () => {
  const { page, context, problems } = await open();
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
  const { steps } = await page.evaluate(() => document.getElementById('p').frames);
  const focusedIsTrack = () => page.evaluate(() => document.getElementById('p').shadowRoot.activeElement?.classList.contains('timeline-track') ?? false);
  let tabs = 0;
  while (!(await focusedIsTrack())) {
    await page.keyboard.press('Tab');
    assert.ok(++tabs < 60, 'Tab never reached the timeline');
  }
  const track = page.locator('#p >> .timeline-track');
  await page.keyboard.press('ArrowLeft');
  await settle(page);
  assert.equal(Number(await track.getAttribute('aria-valuenow')), steps.at(-2));
  assert.equal((await lastFrameChange(page)).step, steps.at(-2));
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowRight');
  await settle(page);
  assert.equal((await lastFrameChange(page)).step, steps.at(-2));
  await page.keyboard.press('Home');
  await settle(page);
  assert.equal(Number(await track.getAttribute('aria-valuenow')), 0);
  assert.match(await track.getAttribute('aria-valuetext'), new RegExp(`^step 0 · epoch 0.*frame 1 of ${steps.length}`));
  await page.keyboard.press('End');
  await settle(page);
  assert.equal((await lastFrameChange(page)).live, true);
  assert.match(await track.getAttribute('aria-valuetext'), /now, following training/);
  assert.deepEqual(problems, []);
  await context.close();
});

// (That reduced motion shows whole frames, never a morph, is checked on the views in timelapse.test.mjs.)
test('replay at 4× (reduced motion): Play moves through the recorded moments in order and reaches now', async () => {
  const { page, context, problems } = await open('', { reducedMotion: 'reduce' });
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
  const { steps } = await page.evaluate(() => document.getElementById('p').frames);
  const before = (await events(page, 'framechange')).length;
  await page.selectOption('#p >> select[data-timeline="speed"]', '4');
  await page.locator('#p >> button[data-timeline="play"]').click();
  await page.waitForFunction((n) => window.__events.filter((e) => e.type === 'framechange').slice(n).some((e) => e.detail.live), before, { timeout: 30_000 });
  const seen = (await events(page, 'framechange')).slice(before);
  const replayed = seen.filter((e) => !e.live).map((e) => e.step);
  assert.ok(replayed.length >= Math.min(4, steps.length - 1), `replayed ${replayed}`);
  for (const step of replayed) assert.ok(steps.includes(step), `step ${step} is not a recorded frame`);
  for (let i = 1; i < replayed.length; i++) assert.ok(replayed[i] > replayed[i - 1], `out of order: ${replayed}`);
  assert.equal(seen.at(-1).live, true);
  assert.equal(await page.locator('#p >> button[data-timeline="play"]').textContent(), 'Play');
  assert.deepEqual(problems, []);
  await context.close();
});

test('step mode holds training; "Train one step" trains one step and shows its frame; leaving it trains on', async () => {
  const { page, context, problems } = await open('?epochs=0');
  await page.evaluate(() => document.getElementById('p').train());
  await page.waitForFunction(() => document.getElementById('p').frames.count >= 5, null, { timeout: 60_000 });
  const mode = page.locator('#p >> button[data-timeline="step-mode"]');
  const step = page.locator('#p >> button[data-timeline="step"]');
  assert.equal(await step.isVisible(), false);
  await mode.click();
  await page.waitForFunction(() => !document.getElementById('p').running, null, { timeout: 10_000 });
  assert.equal(await mode.getAttribute('aria-pressed'), 'true');
  const last = () => page.evaluate(() => document.getElementById('p').frames.steps.at(-1));
  // The first step's frame says where the model stands (training may have stopped between two frames).
  const before = await last();
  await step.click();
  await page.waitForFunction((s) => document.getElementById('p').frames.steps.at(-1) > s, before, { timeout: 10_000 });
  const from = await last();
  for (const k of [1, 2]) {
    await step.click();
    await page.waitForFunction((s) => document.getElementById('p').frames.steps.at(-1) === s, from + k, { timeout: 10_000 });
    await settle(page);
    const change = await lastFrameChange(page);
    assert.equal(change.step, from + k, 'the new frame is shown');
    // What the step changed, in words (its lines on the latent panel are often under a pixel).
    const note = await page.locator('#p >> .timeline-note').textContent();
    const said = note.match(/^Step ([\d,]+) → ([\d,]+): the test codes moved ([\d.e-]+) on average \(([\d.e-]+) at most\)/);
    assert.ok(said, note);
    assert.deepEqual([Number(said[1].replace(/,/g, '')), Number(said[2].replace(/,/g, ''))], [from + k - 1, from + k]);
    assert.ok(Number(said[3]) > 0 && Number(said[4]) >= Number(said[3]), note);
  }
  assert.equal(await page.evaluate(() => document.getElementById('p').running), false, 'held between steps');
  await mode.click();
  await page.waitForFunction(() => document.getElementById('p').running, null, { timeout: 10_000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a 390 px phone: the timeline fits, a finger on it shows an earlier moment; screenshots', async () => {
  mkdirSync(SHOTS, { recursive: true });
  const { page, context, problems } = await open('', { viewport: { width: 390, height: 844 }, touch: true });
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
  const track = page.locator('#p >> .timeline-track');
  await track.scrollIntoViewIfNeeded();
  const box = await track.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `the track spans ${box.x}–${box.x + box.width}`);
  assert.ok(box.height >= 40, `the track is ${box.height} px high: too small for a finger`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
  await page.touchscreen.tap(box.x + box.width * 0.3, box.y + box.height / 2);
  await settle(page);
  const change = await lastFrameChange(page);
  assert.equal(change?.live, false);
  assert.ok(change.step < STEPS_PER_EPOCH, `a tap at 30 % showed step ${change?.step}`);
  await page.locator('#p >> .panel.timeline').screenshot({ path: `${SHOTS}/timeline-390.png` });
  await page.screenshot({ path: `${SHOTS}/page-390x844.png` });
  assert.deepEqual(problems, []);
  await context.close();

  const wide = await open();
  await wide.page.evaluate(() => document.getElementById('p').train());
  await waitFor(wide.page, 'trained');
  await wide.page.evaluate(() => document.getElementById('p').seek(20));
  await settle(wide.page);
  await wide.page.locator('#p >> .main').screenshot({ path: `${SHOTS}/latent-and-timeline-1280.png` });
  await wide.page.screenshot({ path: `${SHOTS}/page-1280x800.png` });
  assert.deepEqual(wide.problems, []);
  await wide.context.close();
});

test('with persist a reload keeps the time-lapse; the kept model resumes it', async () => {
  const first = await open('?persist');
  await first.page.evaluate(() => document.getElementById('p').train());
  await waitFor(first.page, 'trained');
  const before = await first.page.evaluate(() => document.getElementById('p').frames);
  await first.page.waitForTimeout(1500); // the time-lapse is written a second after its last change
  await first.page.reload();
  await waitFor(first.page, 'restored');
  await first.page.waitForFunction((n) => document.getElementById('p').frames.count >= n, before.count, { timeout: 10_000 });
  const after = await first.page.evaluate(() => document.getElementById('p').frames);
  assert.deepEqual(after.steps, before.steps);
  // The restored frames are shown as they were: the first one is the untrained model's.
  assert.equal(await first.page.evaluate(() => document.getElementById('p').seek(0)), 0);
  // The training state kept at epoch 1's end came back too: a branch from it starts.
  await first.page.evaluate((step) => document.getElementById('p').branch(step, { beta: 2 }), STEPS_PER_EPOCH);
  assert.equal(await first.page.evaluate(() => document.getElementById('p').beta), 2);
  // "Start over" forgets the kept time-lapse with the kept model.
  assert.ok((await storedRecords(first.page)) > before.count, 'the frames are in IndexedDB');
  await first.page.locator('#p >> [data-action="start-over"]').click();
  await first.page.locator('#p >> dialog.confirm [data-answer="yes"]').click();
  await first.page.waitForFunction(() => document.getElementById('p').frames.count <= 1, null, { timeout: 10_000 });
  await first.page.waitForTimeout(300);
  assert.equal(await storedRecords(first.page), 0, 'Start over left time-lapse records in IndexedDB');
  assert.deepEqual(first.problems, []);
  await first.context.close();
});

/** How many time-lapse records (header, frames, states) IndexedDB holds for this page. */
const storedRecords = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('vae-playground-timelapse');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('records')) return resolve(0);
    const count = db.transaction('records').objectStore('records').count();
    count.onsuccess = () => resolve(count.result);
  };
}));

test('Export time-lapse: a WebM of (frames − 1) × 3 + 1 frames at 24 fps, 960 × 540, and the frames as JSON', async () => {
  const { page, context, problems } = await open();
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
  const { count } = await page.evaluate(() => document.getElementById('p').frames);
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  const started = Date.now();
  await page.locator('#p >> .timeline button[data-timeline="export"]').click();
  const note = page.locator('#p >> .timeline-note');
  await page.waitForFunction(() => /^Saved|could not|cannot/.test(document.getElementById('p').shadowRoot.querySelector('.timeline-note').textContent), null, { timeout: 300_000 });
  const ms = Date.now() - started;
  assert.match(await note.textContent(), /^Saved vae-timelapse\.webm/);
  while (downloads.length < 2) await page.waitForTimeout(100);
  const byName = Object.fromEntries(await Promise.all(downloads.map(async (d) => [d.suggestedFilename(), readFileSync(await d.path())])));
  const facts = webmFacts(new Uint8Array(byName['vae-timelapse.webm']));
  const videoFrames = (count - 1) * 3 + 1;
  console.log(`# export: ${count} frames → ${videoFrames} video frames, 960 × 540 at 24 fps, in ${ms} ms, ${byName['vae-timelapse.webm'].length.toLocaleString('en-US')} bytes`);
  assert.equal(facts.codec, 'V_VP8');
  assert.deepEqual([facts.width, facts.height], [960, 540]);
  assert.equal(facts.blocks.length, videoFrames);
  assert.equal(Math.round(facts.durationMs), Math.round((videoFrames / 24) * 1000));
  const json = JSON.parse(byName['vae-timelapse.json'].toString('utf8'));
  assert.equal(json.frames.length, count);
  assert.equal(json.frames[0].codes.length, 1000 * 2);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a scrub while training: no main-thread task over 50 ms; figures: what it costs (seek, then the views\u2019 frame)', async () => {
  const { page, context, problems } = await open('?epochs=0');
  await page.evaluate(() => document.getElementById('p').train());
  await page.waitForFunction(() => document.getElementById('p').frames.count >= 12, null, { timeout: 60_000 });
  const mainThread = await watchMainThread(page);
  const figures = await page.evaluate(scrubCost, 80);
  const { tasks, overCpu } = await mainThread.stop();
  assert.deepEqual(overCpu, [], `no main-thread task over 50 ms while scrubbing during training (over 50 ms of wall-clock: ${JSON.stringify(tasks)})`);
  console.log(`# a scrub while training (ms, ${figures.seeks} seeks): seek ${JSON.stringify(figures.seek)}, the views' frame ${JSON.stringify(figures.views)}, both ${JSON.stringify(figures.total)}`);
  assert.equal(figures.running, true, 'training went on while scrubbing');
  console.log(`# recording while training until paused: ${JSON.stringify(await recordingFigures(page))}`);
  assert.deepEqual(problems, []);
  await context.close();
});
