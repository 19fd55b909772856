// The served playground page in headless Chromium: training in a worker, live decoding while dragging,
// controls, errors shown in words, and a responsive main thread.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dragAcross, openPage, servedRepository, watchMainThread } from './browser.mjs';

const session = servedRepository();

/** The decoded digit's pixels, read back from its canvas inside the shadow root. */
const digitPixels = (page) =>
  page.evaluate(() => {
    const canvas = document.querySelector('vae-playground').shadowRoot.querySelector('.digit canvas');
    return Array.from(canvas.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0));
  });

/** Records the widget's events in window.__events from now on. */
const recordEvents = (page) =>
  page.evaluate(() => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of ['ready', 'progress', 'epoch', 'latentchange', 'trained', 'error']) {
      el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail, t: performance.now() }));
    }
  });

const events = (page, type) => page.evaluate((type) => window.__events.filter((e) => e.type === type).map((e) => e.detail), type);
const shadowText = (page, selector) => page.evaluate((s) => document.querySelector('vae-playground').shadowRoot.querySelector(s).textContent, selector);
const clickButton = (page, action) => page.locator(`vae-playground >> button[data-action="${action}"]`).click();
const isRunning = (page) => page.evaluate(() => document.querySelector('vae-playground').running);

describe('the playground page', () => {
  test('trains in a worker, the loss falls, dragging decodes live, the main thread stays free', async () => {
    const { page, problems } = await openPage(session.browser, session.url);
    await recordEvents(page);
    await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 20_000 });
    assert.ok(page.workers().some((w) => w.url().endsWith('/dist/worker.js')), 'training runs in dist/worker.js');
    const mainThread = await watchMainThread(page);

    // The loss falls within 20 s: compare the first reported losses with the latest ones.
    await page.waitForFunction(() => window.__events.filter((e) => e.type === 'progress').length >= 30, null, { timeout: 20_000 });
    const progress = await events(page, 'progress');
    const early = progress.slice(0, 3).map((p) => p.loss);
    const late = progress.slice(-3).map((p) => p.loss);
    // The first report is the untrained model (≈ 543); a fast machine is already far down by the second or third.
    const lateMean = late.reduce((a, b) => a + b, 0) / late.length;
    assert.ok(early[0] > 400 && lateMean < early[0] - 150, `loss ${early} → ${late}`);
    assert.ok(progress.at(-1).samplesPerSec > 500, `samples/s ${progress.at(-1).samplesPerSec}`);
    // How many Workers train depends on the cores (auto: one fewer than the machine has); the line says it.
    assert.match(await shadowText(page, '.status'), /epoch \d+ \/ 50 · [\d,]+ samples\/s · \d+ Workers?( · shared memory)? · relaxed SIMD/);

    // Drag the point with the mouse while training runs: the digit changes, latentchange reports where.
    const canvas = page.locator('vae-playground >> .latent canvas');
    const before = await digitPixels(page);
    await dragAcross(page, canvas, [0.5, 0.5], [0.85, 0.2]);
    await page.waitForTimeout(100);
    const dragged = await digitPixels(page);
    assert.notDeepEqual(dragged, before, 'dragging changed the decoded digit');
    const change = (await events(page, 'latentchange')).at(-1);
    assert.ok(change.z[0] > 0.5 && change.z[1] > 0.5, `z after dragging right and up: ${change.z}`);
    assert.equal(change.pixels.length ?? Object.keys(change.pixels).length, 784);
    assert.ok(await isRunning(page), 'still training while dragging');

    // The keyboard moves it too.
    await canvas.focus();
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowLeft');
    await page.waitForTimeout(100);
    const keyed = (await events(page, 'latentchange')).at(-1);
    assert.ok(keyed.z[0] < change.z[0] - 0.5, `ArrowLeft moves z₀ left: ${change.z[0]} → ${keyed.z[0]}`);
    assert.notDeepEqual(await digitPixels(page), dragged, 'the keyboard changed the decoded digit');

    // Test latents arrive for the scatter, and an epoch's test −ELBO is reported.
    await page.waitForFunction(() => window.__events.some((e) => e.type === 'epoch'), null, { timeout: 20_000 });
    const [epoch] = await events(page, 'epoch');
    assert.ok(epoch.testElbo > 100 && epoch.testElbo < 300 && Math.abs(epoch.testElbo - epoch.recon - epoch.kl) < 0.1, JSON.stringify(epoch));

    const { tasks, overCpu } = await mainThread.stop();
    assert.deepEqual(overCpu, [], `no main-thread task over 50 ms while training and dragging (over 50 ms of wall-clock: ${JSON.stringify(tasks)})`);
    assert.deepEqual(problems, [], 'no console errors');
    await page.close();
  });

  test('Pause stops the steps, Reset starts a fresh model, Train resumes', async () => {
    const { page, problems } = await openPage(session.browser, session.url);
    await recordEvents(page);
    await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 20_000 });
    await page.waitForTimeout(1500);
    await clickButton(page, 'toggle');
    await page.waitForFunction(() => !document.querySelector('vae-playground').running);
    await page.waitForTimeout(300); // a message already on its way may still land
    const count = (await events(page, 'progress')).length;
    await page.waitForTimeout(1200);
    assert.equal((await events(page, 'progress')).length, count, 'no progress while paused');
    assert.equal(await shadowText(page, 'button[data-action="toggle"]'), 'Train');

    // A trained model: Reset asks first.
    await clickButton(page, 'reset');
    const question = page.locator('vae-playground >> dialog.confirm');
    await question.waitFor({ state: 'visible' });
    assert.match(await question.locator('p').textContent(), /^Reset starts a new model\. The one trained so far stays in the run history as figures; its weights are dropped/);
    await question.locator('[data-answer="yes"]').click();
    await page.waitForFunction(() => window.__events.filter((e) => e.type === 'ready').length >= 1, null, { timeout: 10_000 });
    assert.equal(await isRunning(page), false, 'a paused model stays paused after Reset');
    await clickButton(page, 'toggle');
    await page.waitForFunction((n) => window.__events.filter((e) => e.type === 'progress').length > n + 3, count, { timeout: 10_000 });
    const fresh = (await events(page, 'progress')).slice(count);
    assert.ok(fresh[0].loss > 300, `a reset model starts untrained (loss ≈ 543), got ${fresh[0].loss}`);
    assert.equal(fresh[0].epoch, 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a divergent run stops with a message and Reset recovers', async () => {
    const { page } = await openPage(session.browser, `${session.url}#learning-rate=1`);
    await recordEvents(page);
    await page.waitForFunction(() => window.__events.some((e) => e.type === 'error'), null, { timeout: 30_000 });
    const [error] = await events(page, 'error');
    assert.match(error.message, /training diverged at step \d+: the (loss|gradient) became .* lower the learning rate \(now 1\)/);
    assert.equal(await isRunning(page), false);
    assert.match(await shadowText(page, '.error p'), /diverged/);
    await page.locator('vae-playground >> select[data-attr="learning-rate"]').selectOption('0.001');
    await clickButton(page, 'reset');
    await page.locator('vae-playground >> dialog.confirm [data-answer="yes"]').click();
    await clickButton(page, 'toggle');
    await page.waitForFunction(() => window.__events.filter((e) => e.type === 'progress').length > 5, null, { timeout: 10_000 });
    assert.ok(await isRunning(page), 'trains again after Reset');
    await page.close();
  });

  for (const [what, pattern, message] of [
    ['wasm', '**/vae_playground_*bg.wasm', /Could not load the WebAssembly module/],
    ['digits', '**/mnist-10k-images.idx3-ubyte.gz', /Could not fetch the digits bundled with vae-playground \(images\) from .*HTTP 404.*serve the package’s dist\/data\/ folder/],
  ]) {
    test(`a ${what} file that fails to load ends in a clear message with Retry`, async () => {
      const page = await session.browser.newPage();
      await page.route(pattern, (route) => route.fulfill({ status: 404, body: 'gone' }));
      await page.goto(session.url);
      const box = page.locator('vae-playground >> .error');
      await box.waitFor({ state: 'visible', timeout: 15_000 });
      assert.match(await box.locator('p').textContent(), message);
      assert.ok(await box.locator('[data-action="retry"]').isVisible(), 'Retry is offered');
      await page.unroute(pattern);
      await box.locator('[data-action="retry"]').click();
      await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 20_000 });
      await page.close();
    });
  }

  test('fits a 390 × 844 phone screen without sideways scrolling', async () => {
    const { page, problems } = await openPage(session.browser, session.url, { width: 390, height: 844 });
    await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 20_000 });
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `page is ${widths[0]} px wide in a ${widths[1]} px window`);
    const latent = await page.locator('vae-playground >> .latent canvas').boundingBox();
    assert.ok(latent.width > 250 && latent.x >= 0 && latent.x + latent.width <= 390, JSON.stringify(latent));
    assert.deepEqual(problems, []);
    await page.close();
  });
});
