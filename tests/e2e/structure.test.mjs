// The convolutional structure on the served page: chosen by the hash, trained in the worker, drawn by the main
// thread's own decoder, every method behind the views answering for it, its weights file carrying it to a page set to
// the MLP, and the run history putting the two structures side by side.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { dragAcross, launch, openPage } from './browser.mjs';

let server, url, browser, page, problems;

const recordEvents = (page) =>
  page.evaluate(() => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of ['ready', 'epoch', 'trained', 'latentchange', 'error']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
  });
const eventsOf = (page, type) => page.evaluate((type) => window.__events.filter((e) => e.type === type).map((e) => e.detail), type);
const shadowText = (page, selector) => page.evaluate((s) => document.querySelector('vae-playground').shadowRoot.querySelector(s).textContent, selector);

before(async () => {
  ({ server, url } = await serve('.'));
  browser = await launch();
  // One epoch, then still: the pixels compared below do not move under the test.
  ({ page, problems } = await openPage(browser, `${url}#architecture=conv&epochs=1`));
  await recordEvents(page);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'trained' || e.type === 'error'), null, { timeout: 300_000 });
});

after(async () => {
  await browser?.close();
  server?.close();
});

describe('the convolutional structure', () => {
  test('trains in the worker: ready names it, an epoch is reported, the status line and the form say so', async () => {
    const [ready] = await eventsOf(page, 'ready');
    assert.equal(ready.architecture, 'conv');
    assert.equal(ready.latent, 2);
    const [epoch] = await eventsOf(page, 'epoch');
    // Untrained, the loss is ≈ 543 nats; after one epoch the Keras example is at 210–215 on this split (issue 19's table).
    assert.ok(epoch.testElbo > 150 && epoch.testElbo < 260 && Math.abs(epoch.testElbo - epoch.recon - epoch.kl) < 0.1, JSON.stringify(epoch));
    assert.deepEqual(await eventsOf(page, 'error'), []);
    assert.equal(await page.evaluate(() => document.querySelector('vae-playground').architecture), 'conv');
    const form = await page.evaluate(() => {
      const root = document.querySelector('vae-playground').shadowRoot;
      return { structure: root.querySelector('[data-attr="architecture"]').value, hiddenDisabled: root.querySelector('[data-attr="hidden-units"]').disabled };
    });
    assert.deepEqual(form, { structure: 'conv', hiddenDisabled: true });
    await page.evaluate(() => document.querySelector('vae-playground').train());
    await page.waitForFunction(() => /convolutional/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.status').textContent), null, { timeout: 30_000 });
    await page.evaluate(() => document.querySelector('vae-playground').pause());
    await page.waitForFunction(() => !document.querySelector('vae-playground').running);
  });

  test('the main thread decodes it: dragging changes the digit, and decode() equals the worker’s manifold cell', async () => {
    const canvas = page.locator('vae-playground >> .latent canvas');
    const before = (await eventsOf(page, 'latentchange')).length;
    await dragAcross(page, canvas, [0.5, 0.5], [0.8, 0.25], 6);
    await page.waitForFunction((n) => window.__events.filter((e) => e.type === 'latentchange').length > n, before);
    const change = (await eventsOf(page, 'latentchange')).at(-1);
    assert.equal(change.pixels.length ?? Object.keys(change.pixels).length, 784);
    const result = await page.evaluate(async () => {
      const el = document.querySelector('vae-playground');
      const [grid, centre, corner] = [await el.manifold(5), await el.decode([0, 0]), await el.decode([2, -2])];
      const middle = grid.subarray(12 * 784, 13 * 784);
      const differs = centre.some((v, i) => Math.abs(v - corner[i]) > 0.05);
      return { length: grid.length, diff: Math.max(...middle.map((v, i) => Math.abs(v - centre[i]))), differs, inRange: grid.every((v) => v >= 0 && v <= 1) };
    });
    assert.equal(result.length, 5 * 5 * 784);
    assert.ok(result.diff < 1e-4, `the worker's middle cell (z = 0) and the page's decode(0, 0) differ by ${result.diff}`);
    assert.ok(result.differs, 'two codes far apart decode to different pictures');
    assert.ok(result.inRange);
  });

  test('encode, sample, recover and classify answer for it', async () => {
    const result = await page.evaluate(async () => {
      const el = document.querySelector('vae-playground');
      const digits = await el.sample(2, 3);
      const again = await el.sample(2, 3);
      const z = await el.encode(digits.subarray(0, 784));
      const mask = new Float32Array(784).map((_, i) => (i < 392 ? 1 : 0)); // the top half missing
      const recovered = await el.recover(digits.subarray(0, 784), mask, 30);
      const kept = recovered.subarray(392).every((v, i) => v === digits[392 + i]);
      const verdict = await el.classify(digits.subarray(0, 784));
      return { samples: digits.length, seeded: digits.every((v, i) => v === again[i]), z: Array.from(z), kept, digit: verdict.digit, sum: verdict.probabilities.reduce((a, b) => a + b, 0) };
    });
    assert.equal(result.samples, 2 * 784);
    assert.ok(result.seeded, 'the same seed draws the same samples');
    assert.equal(result.z.length, 2);
    assert.ok(result.z.every(Number.isFinite), `μ = ${result.z}`);
    assert.ok(result.kept, 'known pixels come back unchanged');
    assert.ok(Number.isInteger(result.digit) && result.digit >= 0 && result.digit <= 9);
    assert.ok(Math.abs(result.sum - 1) < 1e-4);
  });

  test('its weights file carries it: loaded into a page set to the MLP, that page becomes convolutional and decodes the same', async () => {
    const bytes = await page.evaluate(async () => Array.from(new Uint8Array(await (await document.querySelector('vae-playground').exportWeights()).arrayBuffer())));
    const z = [0.7, -1.1];
    const here = await page.evaluate(async (z) => Array.from(await document.querySelector('vae-playground').decode(z)), z);
    const other = await openPage(browser, `${url}#epochs=0`);
    await other.page.waitForFunction(() => /^Ready/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.status').textContent), null, { timeout: 60_000 });
    const there = await other.page.evaluate(async ({ bytes, z }) => {
      const el = document.querySelector('vae-playground');
      await el.loadWeights(new Blob([new Uint8Array(bytes)]));
      return { architecture: el.architecture, decoded: Array.from(await el.decode(z)) };
    }, { bytes, z });
    assert.equal(there.architecture, 'conv');
    assert.deepEqual(there.decoded, here, 'the same decode, bit for bit');
    assert.deepEqual(other.problems, []);
    await other.page.close();
  });

  test('the run history puts an MLP run beside the conv run, each with its structure', async () => {
    await page.evaluate(() => document.querySelector('vae-playground').setAttribute('architecture', 'mlp'));
    await page.waitForFunction(() => window.__events.filter((e) => e.type === 'ready').at(-1)?.detail.architecture === 'mlp', null, { timeout: 60_000 });
    const epochs = (await eventsOf(page, 'epoch')).length;
    await page.evaluate(() => document.querySelector('vae-playground').train());
    await page.waitForFunction((n) => window.__events.filter((e) => e.type === 'epoch').length > n, epochs, { timeout: 120_000 });
    await page.evaluate(() => document.querySelector('vae-playground').pause());
    await page.locator('vae-playground >> table.runs').scrollIntoViewIfNeeded(); // views below the fold update once shown
    await page.waitForFunction(() => document.querySelector('vae-playground').shadowRoot.querySelectorAll('table.runs tbody tr').length === 2);
    const rows = await page.evaluate(() =>
      Array.from(document.querySelector('vae-playground').shadowRoot.querySelectorAll('table.runs tbody tr'), (tr) => tr.cells[2].textContent));
    assert.deepEqual(rows, ['conv', 'MLP 128']);
    assert.match(await shadowText(page, 'table.runs thead'), /structure/);
    assert.deepEqual(problems, []);
  });
});
