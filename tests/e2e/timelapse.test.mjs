// The time-lapse's modules in Chromium, without the element (tests/e2e/fixtures/timelapse/: the real latent, digit
// and timeline views and the Timelapse controller on a synthetic run, under a strict CSP). A seek shows the codes
// recorded at that step; keyboard-only and pointer scrubbing; a finger on a 390 px phone; replay, reduced motion,
// step mode, "Back to now" while training goes on; branching only where full state was kept; the time-lapse kept
// across a reload and forgotten by "Start over"; f16 against Chromium's Math.f16round; the exported video's duration
// and frame size (parsed in node, and read by a <video> in a page without a policy). Prints the figures (f16
// conversion, scrub frame cost, record cost, encode time, file size, restore time); asserts no time.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './browser.mjs';
import { webmFacts } from './fixtures/timelapse/ebml.mjs';

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
let dir;
let server;
let browser;
let url;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vae-timelapse-'));
  await build({
    entryPoints: { harness: 'tests/e2e/fixtures/timelapse/harness.mjs' },
    outdir: dir, bundle: true, format: 'esm', target: 'es2022', logLevel: 'error',
  });
  copyFileSync('tests/e2e/fixtures/timelapse/timelapse.html', join(dir, 'timelapse.html'));
  ({ server, url } = await serve(dir, { paths: 'all' }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh harness page (its own browser context: its own IndexedDB unless `context` is given). */
async function open({ viewport = { width: 1280, height: 800 }, query = '', context = null, touch = false, reducedMotion = 'no-preference' } = {}) {
  const ctx = context ?? (await browser.newContext({ viewport, hasTouch: touch, isMobile: touch, acceptDownloads: true, reducedMotion }));
  const page = await ctx.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__longTasks.push({ start: Math.round(e.startTime), ms: Math.round(e.duration) }))).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${url}timelapse.html${query}`);
  await page.waitForFunction(() => window.harnessReady);
  return { page, problems, context: ctx };
}

const slider = (page) => page.locator('#host .timeline-track');
const valuetext = (page) => slider(page).getAttribute('aria-valuetext');
const shown = (page) => page.evaluate(() => window.__shown);
const settle = (page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

test('a seek shows the codes and the decoder recorded at that step, and the slider says the step, epoch and loss', async () => {
  const { page, problems, context } = await open();
  const { steps } = await page.evaluate(() => window.harness.seed(71 * 30));
  assert.ok(steps.length > 40 && steps[0] === 0 && steps.at(-1) === 71 * 30, `${steps.length} frames`);
  for (const step of [steps[5], 142, steps.at(-3)]) {
    const at = await page.evaluate((s) => window.harness.timelapse.seek(s), step);
    assert.equal(at, step);
    await settle(page);
    const now = await shown(page);
    assert.deepEqual([now.frameStep, now.exact, now.live], [step, true, false]);
    // What is shown is what was recorded, and what was recorded is the run's codes at that step (f32, exact).
    const recorded = await page.evaluate((s) => window.harness.recordedAt(s), step);
    assert.deepEqual(now.codes, recorded.codes);
    const truth = (await page.evaluate((s) => window.harness.truthAt(s), step)).map(Math.fround);
    assert.deepEqual(recorded.codes, truth);
    // The digit is the recorded decoder's (f16 → f32), within one grey level of the f32 decoder's.
    const digit = await page.evaluate((s) => window.harness.digitCheck(s), step);
    assert.equal(digit.shownVsRecorded, 0);
    assert.ok(digit.recordedVsF32 < 1 / 255, `f16 moved a pixel by ${digit.recordedVsF32}`);
  }
  // Between frames, a seek lands on the frame before.
  assert.equal(await page.evaluate((s) => window.harness.timelapse.seek(s), 150), 142);
  await settle(page);
  const text = await valuetext(page);
  assert.match(text, /^step 142 · epoch 2 · train loss \d+\.\d · test −ELBO \d+\.\d; frame \d+ of \d+; training state kept here: you can branch$/);
  assert.equal(await slider(page).getAttribute('role'), 'slider');
  assert.equal(await slider(page).getAttribute('aria-valuenow'), '142');
  assert.deepEqual(problems, []);
  assert.deepEqual(await page.evaluate(() => window.__violations), [], 'a CSP violation');
  await context.close();
});

test('keyboard only: Tab to the timeline, arrows, Page keys, Home and End; Enter on the buttons', async () => {
  const { page, context } = await open();
  const { steps } = await page.evaluate(() => window.harness.seed(71 * 20));
  await page.click('h1'); // a start for Tab that is no control
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.querySelector('#host').shadowRoot.activeElement?.classList.contains('timeline-track'))) break;
  }
  assert.ok(await page.evaluate(() => document.querySelector('#host').shadowRoot.activeElement?.classList.contains('timeline-track')), 'Tab never reached the timeline');
  const now = async () => Number(await slider(page).getAttribute('aria-valuenow'));
  const scrolled = await page.evaluate(() => scrollY); // focus brought the timeline into view
  await page.keyboard.press('Home');
  assert.equal(await now(), 0);
  assert.match(await valuetext(page), /^step 0 · epoch 0/);
  await page.keyboard.press('ArrowRight');
  assert.equal(await now(), steps[1]);
  await page.keyboard.press('PageUp');
  assert.equal(await now(), steps[11]);
  await page.keyboard.press('Shift+ArrowLeft');
  assert.equal(await now(), steps[1]);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await now(), 0);
  await page.keyboard.press('End');
  assert.match(await valuetext(page), /now, following training/);
  assert.equal(await now(), steps.at(-1));
  // The page did not scroll for those keys (the slider takes them).
  assert.equal(await page.evaluate(() => scrollY), scrolled);
  // Play with Enter, pause with Enter: the replay runs.
  await page.keyboard.press('Home');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(400);
  await page.keyboard.press('Enter');
  const position = await now();
  assert.ok(position > 0 && position < steps.at(-1), `replay at ${position}`);
  assert.equal(await page.evaluate(() => window.harness.timelapse.replay.mode), 'scrubbing');
  await context.close();
});

test('a mouse drag morphs between frames while it moves and ends on a frame; live training goes on meanwhile; Back to now', async () => {
  const { page, context } = await open();
  await page.evaluate(() => window.harness.seed(71 * 10));
  await page.evaluate(() => window.harness.live(true));
  await slider(page).scrollIntoViewIfNeeded();
  const box = await slider(page).boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  const seen = [];
  for (let i = 0; i < 12; i++) {
    await page.mouse.move(box.x + box.width * (0.3 + i * 0.023), box.y + box.height / 2);
    await settle(page);
    seen.push(await shown(page));
  }
  assert.ok(seen.some((s) => !s.exact), 'no morph while dragging between frames');
  assert.ok(seen.every((s) => !s.live));
  await page.mouse.up();
  await settle(page);
  const held = await shown(page);
  assert.ok(held.exact, 'a drag ends on a recorded frame');
  const before = await page.evaluate(() => window.harness.timelapse.frames().steps.at(-1));
  await page.waitForTimeout(600);
  const later = await page.evaluate(() => window.harness.timelapse.frames().steps.at(-1));
  assert.ok(later > before, 'training stopped while scrubbing');
  assert.equal((await shown(page)).frameStep, held.frameStep, 'the chosen moment moved with training');
  await page.locator('#host [data-timeline="now"]').click();
  await settle(page);
  assert.equal(await page.evaluate(() => window.harness.timelapse.replay.mode), 'live');
  await page.evaluate(() => window.harness.live(false));
  const latest = await page.evaluate(() => window.harness.timelapse.frames().steps.at(-1));
  await page.evaluate(() => window.harness.seed(window.harness.trainer.step + 200));
  await settle(page);
  assert.ok((await shown(page)).frameStep > latest, 'live does not follow the latest frame');
  assert.ok(await page.locator('#host [data-timeline="now"]').isDisabled(), '"Back to now" is offered while live');
  await context.close();
});

test('a 390 px phone: a finger drags the timeline without scrolling the page; the controls fit', async () => {
  const { page, context } = await open({ viewport: { width: 390, height: 844 }, touch: true });
  await page.evaluate(() => window.harness.seed(71 * 10));
  const track = slider(page);
  await track.scrollIntoViewIfNeeded();
  assert.equal(await track.evaluate((e) => getComputedStyle(e).touchAction), 'none');
  const box = await track.boundingBox();
  const scrolled = await page.evaluate(() => scrollY);
  const cdp = await context.newCDPSession(page);
  const touch = (type, x) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y: box.y + box.height / 2 }] });
  await touch('touchStart', box.x + box.width * 0.9);
  for (let i = 1; i <= 10; i++) await touch('touchMove', box.x + box.width * (0.9 - i * 0.06));
  await touch('touchEnd');
  await settle(page);
  const now = await shown(page);
  assert.equal(now.live, false, 'the finger did not move the timeline');
  assert.ok(now.frameStep < 710 && now.exact);
  assert.equal(await page.evaluate(() => scrollY), scrolled, 'the page scrolled under the finger');
  // Nothing sticks out of the phone's width.
  const overflow = await page.evaluate(() => [...document.querySelector('#host').shadowRoot.querySelectorAll('.timeline *')]
    .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5).map((e) => e.className || e.tagName));
  assert.deepEqual(overflow, []);
  mkdirSync('test-results', { recursive: true });
  await page.evaluate(() => window.harness.timelapse.seek(300));
  await page.waitForTimeout(400);
  await page.screenshot({ path: 'test-results/timelapse-390.png', fullPage: true });
  await context.close();
});

test('replay at a speed; with reduced motion it jumps from frame to frame; step mode holds training and steps', async () => {
  const { page, context } = await open();
  await page.evaluate(() => window.harness.seed(71 * 10));
  // Replay at 4×: it moves, morphing between frames, and reaches now.
  await page.selectOption('#host [data-timeline="speed"]', '4');
  await page.locator('#host [data-timeline="play"]').click();
  const during = [];
  for (let i = 0; i < 10; i++) {
    await settle(page);
    during.push(await shown(page));
  }
  assert.ok(during.some((s) => !s.exact), 'a replay without motion, without reduced motion asked for');
  await page.waitForFunction(() => window.harness.timelapse.replay.mode === 'live', null, { timeout: 20_000 });
  await context.close();

  const reduced = await open({ reducedMotion: 'reduce' });
  await reduced.page.evaluate(() => window.harness.seed(71 * 10));
  await reduced.page.locator('#host [data-timeline="play"]').click();
  const jumps = [];
  for (let i = 0; i < 20; i++) {
    await settle(reduced.page);
    jumps.push(await shown(reduced.page));
  }
  assert.ok(jumps.every((s) => s.exact), 'a morph under reduced motion');
  assert.ok(new Set(jumps.map((s) => s.frameStep)).size > 2, 'the replay did not move');
  // Step mode: training is held, each press trains one step, and what moved since the frame before is shown.
  await reduced.page.locator('#host [data-timeline="step-mode"]').click();
  assert.deepEqual(await reduced.page.evaluate(() => window.harness.calls.hold), [true]);
  const before = await reduced.page.evaluate(() => window.harness.trainer.step);
  await reduced.page.locator('#host [data-timeline="step"]').click();
  await settle(reduced.page);
  assert.equal(await reduced.page.evaluate(() => window.harness.trainer.step), before + 1);
  const stepped = await shown(reduced.page);
  assert.deepEqual([stepped.frameStep, stepped.trail], [before + 1, true]);
  await reduced.page.locator('#host [data-timeline="step-mode"]').click();
  assert.deepEqual(await reduced.page.evaluate(() => window.harness.calls.hold), [true, false]);
  await reduced.context.close();
});

test('branching is offered only where full state was kept, and starts from that state with the settings given', async () => {
  const { page, context } = await open();
  await page.evaluate(() => window.harness.seed(71 * 6));
  const branch = page.locator('#host [data-timeline="branch"]');
  await page.evaluate(() => window.harness.timelapse.seek(100)); // a frame without state
  await settle(page);
  assert.ok(await branch.isDisabled());
  await page.evaluate(() => window.harness.timelapse.seek(142)); // epoch 2's end: state kept
  await settle(page);
  assert.ok(await branch.isEnabled());
  await branch.click();
  const beta = page.locator('#host .branch-form input[name="beta"]');
  assert.equal(await beta.evaluate((e) => e === e.getRootNode().activeElement), true, 'the form did not take the focus');
  assert.equal(await beta.inputValue(), '1');
  await beta.fill('4');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.harness.calls.branch.length === 1);
  const [call] = await page.evaluate(() => window.harness.calls.branch);
  assert.deepEqual(call, { step: 142, stamp: 142, beta: 4, learningRate: 0.001 }, 'branched from another state');
  await settle(page);
  const frames = await page.evaluate(() => window.harness.timelapse.frames());
  assert.equal(frames.steps.at(-1), 142, 'the branch keeps its history up to the branch point, nothing after');
  assert.equal(await page.evaluate(() => window.harness.timelapse.snapshot().branchedAt), 142);
  assert.match(await page.locator('#host .timeline-note').textContent(), /new run trains on from step 142 with β = 4/);
  // The branch trains on with β = 4: its clusters pull in compared with the parent's at the same step.
  await page.evaluate(() => window.harness.seed(71 * 6));
  const radius = (codes) => codes.reduce((s, v) => s + Math.abs(v), 0);
  const branched = await page.evaluate(() => window.harness.recordedAt(426).codes);
  const parent = await page.evaluate(() => {
    const b = window.harness.trainer.branch;
    window.harness.trainer.branch = null;
    const codes = window.harness.truthAt(426);
    window.harness.trainer.branch = b;
    return codes;
  });
  assert.ok(radius(branched) < radius(parent));
  await context.close();
});

test('with persist the time-lapse survives a reload (one record per frame, read back in batches); Start over forgets it', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const first = await open({ query: '?persist', context });
  await first.page.evaluate(() => window.harness.seed(71 * 40));
  const kept = await first.page.evaluate(async () => {
    await window.harness.store.flush();
    const t = window.harness.timelapse;
    return { steps: t.frames().steps, states: t.recorder.states.map((s) => s.step), codes: Array.from(t.recorder.frameAt(142).codes.subarray(0, 10)) };
  });
  await first.page.close();

  const second = await open({ query: '?persist', context });
  const restored = await second.page.evaluate(() => window.harness.restored);
  const during = await second.page.evaluate(([from, to]) => window.__longTasks.filter((t) => t.start + t.ms > from && t.start < to).map((t) => t.ms), restored.window);
  console.log(`# restored ${restored.frames} frames and ${restored.states} states (${restored.mb} MB) in ${restored.ms} ms; long tasks meanwhile (ms): ${JSON.stringify(during)}`);
  assert.deepEqual(restored.dropped, []);
  const back = await second.page.evaluate(() => {
    const t = window.harness.timelapse;
    return { steps: t.frames().steps, states: t.recorder.states.map((s) => s.step), codes: Array.from(t.recorder.frameAt(142).codes.subarray(0, 10)) };
  });
  assert.deepEqual(back, kept);
  assert.equal(await second.page.evaluate(() => window.harness.timelapse.seek(142)), 142);
  // One record per frame and per state, and nothing else but the header.
  const records = await second.page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('vae-playground-timelapse');
    open.onsuccess = () => {
      const request = open.result.transaction('records').objectStore('records').getAllKeys();
      request.onsuccess = () => resolve(request.result.map((k) => k.slice(3, 4)[0]));
    };
  }));
  assert.equal(records.filter((k) => k === 'frame').length, kept.steps.length);
  assert.equal(records.filter((k) => k === 'state').length, kept.states.length);
  assert.equal(records.length, kept.steps.length + kept.states.length + 1);
  // Training on after the reload adds to the kept time-lapse; "Start over" forgets it all.
  await second.page.evaluate(() => window.harness.store.clear());
  await second.page.close();
  const third = await open({ query: '?persist', context });
  assert.equal(await third.page.evaluate(() => window.harness.restored), null);
  assert.equal(await third.page.evaluate(() => window.harness.timelapse.frames().count), 0);
  await context.close();
});

test('f16: the fallback rounds as Chromium’s Math.f16round does (every f16 neighbourhood, 10⁶ random values); its cost', async () => {
  const { page, context } = await open();
  const compared = await page.evaluate(() => window.harness.compareWithF16round(1_000_000));
  assert.equal(compared.available, true, 'this Chromium has no Math.f16round');
  assert.equal(compared.mismatches, 0, JSON.stringify(compared.examples));
  const cost = await page.evaluate(() => window.harness.measureF16());
  console.log(`# f16 (${cost.values.toLocaleString('en-US')} values, median of 30): ${JSON.stringify(cost)}`);
  assert.equal(cost.backend, 'native');
  assert.ok(cost.same, 'the browser’s Float16Array and the fallback differ');
  await context.close();
});

test('export: N frames at F fps of a W × H canvas make a WebM of N ÷ F seconds and W × H, which a <video> plays', async () => {
  const { page, context, problems } = await open();
  await page.evaluate(() => window.harness.seed(71 * 12));
  const count = await page.evaluate(() => window.harness.timelapse.frames().count);
  const download = page.waitForEvent('download');
  const result = await page.evaluate(() => window.harness.exportVideo({ width: 480, height: 270, fps: 12, tween: 1, grid: 8 }));
  assert.match(result.message, new RegExp(`^Saved vae-timelapse.webm \\(${count} video frames`));
  const file = await (await download).path();
  const bytes = new Uint8Array(readFileSync(file));
  const facts = webmFacts(bytes);
  console.log(`# export: ${count} frames, 480 × 270 at 12 fps: ${result.ms} ms, ${bytes.length.toLocaleString('en-US')} bytes (${(bytes.length / count / 1024).toFixed(1)} KB a frame)`);
  assert.equal(facts.codec, 'V_VP8');
  assert.deepEqual([facts.width, facts.height], [480, 270]);
  assert.equal(facts.blocks.length, count);
  assert.equal(Math.round(facts.durationMs), Math.round((count / 12) * 1000));
  assert.ok(facts.blocks[0].key);
  // Byte for byte the file the page made; and a <video> in a page without a policy reads the same facts.
  assert.deepEqual(Array.from(bytes), result.bytes);
  const plain = await context.newPage();
  await plain.setContent('<!doctype html><title>video</title>');
  const video = await plain.evaluate(async (base64) => {
    const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const v = document.createElement('video');
    v.muted = true;
    v.src = URL.createObjectURL(new Blob([data], { type: 'video/webm' }));
    await new Promise((ok, fail) => {
      v.onloadedmetadata = ok;
      v.onerror = () => fail(new Error(v.error?.message));
    });
    const presented = new Promise((ok) => v.requestVideoFrameCallback((_, m) => ok(m.mediaTime)));
    v.currentTime = 1.0;
    return { duration: v.duration, width: v.videoWidth, height: v.videoHeight, seekedTo: await presented };
  }, Buffer.from(bytes).toString('base64'));
  assert.ok(Math.abs(video.duration - count / 12) < 0.002, `the video lasts ${video.duration} s`);
  assert.deepEqual([video.width, video.height], [480, 270]);
  assert.equal(video.seekedTo, 1, 'a seek to 1 s does not land on the frame at 1 s');
  // The frames as JSON too.
  const json = await page.evaluate(async () => JSON.parse(await window.__downloads['vae-timelapse.json'].text()));
  assert.equal(json.frames.length, count);
  assert.deepEqual(problems, []);
  await context.close();
});

test('figures: a scrubbed frame’s work while training, what recording costs; the page under axe; screenshots', async () => {
  const { page, context } = await open();
  await page.evaluate(() => window.harness.seed(71 * 50));
  await page.evaluate(() => (window.__longTasks.length = 0));
  const scrub = await page.evaluate(() => window.harness.measureScrub(240, 2));
  const record = await page.evaluate(() => window.harness.recordCosts());
  const longTasks = await page.evaluate(() => window.__longTasks.map((t) => t.ms));
  console.log(`# a frame of scrubbing while training (ms, latent panel + digit + timeline): ${JSON.stringify(scrub)}; long tasks: ${JSON.stringify(longTasks)}`);
  console.log(`# recording a frame on the main thread (f16, thinning, copy; ms): ${JSON.stringify(record)}`);
  await page.evaluate(AXE);
  await page.evaluate(() => window.harness.timelapse.seek(142));
  const violations = await page.evaluate(async () => (await window.axe.run(document.querySelector('#host').shadowRoot.querySelector('.timeline'), { resultTypes: ['violations'] })).violations);
  assert.deepEqual(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), []);
  await page.evaluate(() => window.harness.timelapse.seek(300));
  await page.waitForTimeout(400);
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/timelapse-1280.png', fullPage: true });
  await context.close();
});
