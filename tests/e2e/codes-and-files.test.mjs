// Codes with more than two dimensions (a PCA plane to drag in), weights dropped on the widget, and the decoded
// digit's text alternative once the classifier exists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dragAcross, openPage, servedRepository } from './browser.mjs';

const session = servedRepository();

const recordEvents = (page) => page.evaluate(() => {
  window.__events = [];
  const el = document.querySelector('vae-playground');
  for (const type of ['latentchange', 'trained', 'error', 'ready']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
});
const lastEvent = (page, type) => page.evaluate((type) => window.__events.filter((e) => e.type === type).at(-1)?.detail, type);
const digitPixels = (page) => page.evaluate(() => {
  const canvas = document.querySelector('vae-playground').shadowRoot.querySelector('.digit canvas');
  return Array.from(canvas.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0));
});

test('latent size 5: the panel shows the codes’ PCA plane, and dragging in it changes z (5 values) and the digit', async () => {
  const { page, problems } = await openPage(session.browser, `${session.url}#latent-dim=5&epochs=2`);
  await recordEvents(page);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'trained'), null, { timeout: 60_000 });
  await page.waitForTimeout(300);
  const canvas = page.locator('vae-playground >> .latent canvas');
  assert.ok(await canvas.isVisible(), 'the 2-D panel is shown for 5 dimensions');
  const before = await digitPixels(page);
  await dragAcross(page, canvas, [0.5, 0.5], [0.8, 0.25], 6);
  await page.waitForTimeout(150);
  const change = await lastEvent(page, 'latentchange');
  assert.equal(change.z.length, 5);
  assert.notDeepEqual(await digitPixels(page), before, 'dragging in the plane changed the digit');
  assert.match(await canvas.getAttribute('aria-valuetext'), /^PC1 -?\d+\.\d\d, PC2 -?\d+\.\d\d$/);
  assert.equal(await page.locator('vae-playground >> .sliders input').count(), 5, 'the sliders stay for precise control');
  const sliders = await page.evaluate(() => [...document.querySelector('vae-playground').shadowRoot.querySelectorAll('.sliders input')].map((s) => Number(s.value)));
  const onSlider = (v) => Math.max(-3, Math.min(3, v)).toFixed(2); // the sliders span ±3
  assert.deepEqual(sliders.map((v) => v.toFixed(2)), change.z.map(onSlider), 'the sliders follow the drag');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a file dropped on the widget loads; a bad one gives the message naming the tensor and changes nothing', async () => {
  const { page, problems } = await openPage(session.browser, `${session.url}#epochs=1`);
  await recordEvents(page);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'trained'), null, { timeout: 60_000 });
  const outcome = await page.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    const root = el.shadowRoot.querySelector('.root');
    const drop = async (bytes, name) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name));
      root.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      const outlined = root.classList.contains('dropping');
      root.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      await new Promise((r) => setTimeout(r, 500));
      return outlined;
    };
    const z = [0.3, -0.4];
    const before = Array.from(await el.decode(z));
    const header = new TextEncoder().encode(JSON.stringify({ 'enc.fc.weight': { dtype: 'F32', shape: [2, 784], data_offsets: [0, 6272] } }));
    const bad = new Uint8Array(8 + header.length + 6272);
    new DataView(bad.buffer).setBigUint64(0, BigInt(header.length), true);
    bad.set(header, 8);
    const outlined = await drop(bad, 'bad.safetensors');
    const afterBad = Array.from(await el.decode(z));
    const errors = window.__events.filter((e) => e.type === 'error').map((e) => e.detail.message);
    // A good file: a fresh model with another seed, exported by a second widget.
    const other = document.createElement('vae-playground');
    other.setAttribute('seed', '9');
    other.setAttribute('views', 'latent');
    const ready = new Promise((r) => other.addEventListener('ready', r, { once: true }));
    document.body.append(other);
    await ready;
    const good = await (await other.exportWeights()).arrayBuffer();
    const expected = Array.from(await other.decode(z));
    other.remove();
    await drop(good, 'good.safetensors');
    const afterGood = Array.from(await el.decode(z));
    return { outlined, unchanged: before.every((v, i) => v === afterBad[i]), errors, loaded: expected.every((v, i) => v === afterGood[i]) };
  });
  assert.ok(outcome.outlined, 'the widget is outlined while a file is over it');
  assert.ok(outcome.unchanged, 'a bad file leaves the model as it was');
  assert.match(outcome.errors.at(-1), /tensor `enc\.mu\.weight` is missing/);
  assert.ok(outcome.loaded, 'a good dropped file is the model now');
  assert.deepEqual(problems, []);
  await page.close();
});

test('once the classifier exists, the decoded digit’s text alternative says what it looks like', async () => {
  const { page } = await openPage(session.browser, `${session.url}#epochs=3`);
  await recordEvents(page);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'trained'), null, { timeout: 60_000 });
  const digit = page.locator('vae-playground >> .digit canvas');
  assert.match(await digit.getAttribute('aria-label'), /^Decoded digit at z = \(/);
  await page.evaluate(async () => document.querySelector('vae-playground').classify(new Float32Array(784))); // trains it
  await page.locator('vae-playground >> .latent canvas').focus();
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => /looks like a \d \(\d+ %\)$/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.digit canvas').getAttribute('aria-label')), null, { timeout: 10_000 });
  await page.close();
});
