// Bad input through the widget (issue 16): each kind of file a person might drop or pick that cannot all be used gets
// a message naming the files and why, and changes nothing — the model decodes the same z to the same bytes, the
// dataset in force is still MNIST, and the worker still answers. The pipeline's own tests (tests/unit/ingest-*.mjs,
// tests/e2e/ingest.test.mjs) cover each case in depth; these check that the widget says it and stays whole.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { grayPng, largeGrayPng, zipWith } from '../unit/fixtures/ingest/images.mjs';
import { launch, openPage } from './browser.mjs';

let server, url, browser, page, problems;
const Z = [0.35, -0.6];

before(async () => {
  ({ server, url } = await serve('.'));
  browser = await launch();
  ({ page, problems } = await openPage(browser, `${url}#epochs=1`));
  await page.evaluate(() => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of ['ready', 'trained', 'error']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
  });
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'trained'), null, { timeout: 90_000 });
});

after(async () => {
  await browser?.close();
  server?.close();
});

const shadow = (selector) => page.locator(`vae-playground >> ${selector}`);
const decoded = () => page.evaluate(async (z) => Array.from(await document.querySelector('vae-playground').decode(z)), Z);

/** A PNG with a dark stroke on white: an image the pipeline can use. */
const inked = (width = 40, height = 40, offset = 0) => grayPng(width, height, (x, y) => (Math.abs(x - y - offset) < 3 && x > 8 && x < 32 ? 0 : 255));

/** Picks `files` ({ name, bytes }) through "Use your images…". */
const pick = (files) => shadow('.images-file').setInputFiles(files.map((f) => ({ name: f.name, mimeType: f.type ?? 'application/octet-stream', buffer: Buffer.from(f.bytes) })));

/** Drops `files` ({ name, bytes }) on the widget as a browser would hand them over (files without entries). */
const drop = (files) => page.evaluate((files) => {
  const transfer = new DataTransfer();
  for (const f of files) transfer.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
  const root = document.querySelector('vae-playground').shadowRoot.querySelector('[part="root"]');
  root.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
}, files.map((f) => ({ name: f.name, base64: Buffer.from(f.bytes).toString('base64') })));

/** The dialog's outcome: 'failed' with its message, or 'preview' with its summary, skipped files and notes. */
async function outcome(timeout = 60_000) {
  await page.waitForFunction(() => {
    const d = document.querySelector('vae-playground').shadowRoot.querySelector('dialog[part="preview"]');
    return d?.open && (!d.querySelector('.preview-failed').hidden || !d.querySelector('.preview-result').hidden);
  }, null, { timeout });
  return page.evaluate(() => {
    const d = document.querySelector('vae-playground').shadowRoot.querySelector('dialog[part="preview"]');
    const text = (s) => d.querySelector(s).textContent;
    if (!d.querySelector('.preview-failed').hidden) return { phase: 'failed', message: text('.preview-failed'), alert: d.querySelector('.preview-failed').getAttribute('role') };
    return {
      phase: 'preview', summary: text('.preview-summary'), skipped: text('.preview-skipped-summary'),
      list: Array.from(d.querySelectorAll('.preview-skipped-list li'), (li) => li.textContent), notes: Array.from(d.querySelectorAll('.preview-notes li'), (li) => li.textContent),
      classes: Array.from(d.querySelectorAll('table.preview-classes tbody tr'), (tr) => tr.textContent),
    };
  });
}

/** Closes the dialog as a person would (Cancel / Close), then checks that nothing changed and the worker answers. */
async function closeAndCheckUnchanged(before) {
  await shadow('dialog[part="preview"] [data-answer="cancel"]').click();
  await page.waitForFunction(() => !document.querySelector('vae-playground').shadowRoot.querySelector('dialog[part="preview"]').open);
  assert.deepEqual(await decoded(), before, 'the model decodes z exactly as before');
  const state = await page.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    const z = await el.encode(new Float32Array(784).fill(0.5)); // a round trip to the worker
    return { dataset: el.datasetId, z: z.length, readies: window.__events.filter((e) => e.type === 'ready').length };
  });
  assert.deepEqual(state, { dataset: 'mnist', z: 2, readies: 1 }, 'still MNIST, the same model, the worker answers');
}

test('nothing usable (text, a broken PNG, a one-colour image), dropped: one message names each file and why', async () => {
  const before = await decoded();
  await drop([
    { name: 'notes.txt', bytes: Buffer.from('not an image') },
    { name: 'broken.png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]) },
    { name: 'blank.png', bytes: grayPng(32, 32, () => 255) },
  ]);
  const result = await outcome();
  assert.equal(result.phase, 'failed');
  assert.equal(result.alert, 'alert', 'said to assistive technology at once');
  for (const name of ['notes.txt', 'broken.png', 'blank.png']) assert.ok(result.message.includes(name), `names ${name}: ${result.message}`);
  assert.match(result.message, /all one colour/);
  await closeAndCheckUnchanged(before);
});

test('a zip bomb (1 GB of zeros in one entry) is refused by name; nothing else is read from it', async () => {
  const before = await decoded();
  await pick([{ name: 'bomb.zip', bytes: zipWith([{ name: 'letters/a/bomb.png', zeros: 1024 << 20 }]) }]);
  const result = await outcome();
  assert.equal(result.phase, 'failed');
  assert.match(result.message, /bomb\.zip/);
  assert.match(result.message, /zip bomb/);
  await closeAndCheckUnchanged(before);
});

test('a zip with ../ paths: those entries are named as leaving the archive and skipped; the rest previews', async () => {
  const before = await decoded();
  const zip = zipWith([
    { name: '../x.png', data: inked() },
    { name: 'a/../../y.png', data: inked(40, 40, 4) },
    { name: 'ok/one.png', data: inked(40, 40, -4) },
  ]);
  await pick([{ name: 'set.zip', bytes: zip }]);
  const result = await outcome();
  assert.equal(result.phase, 'preview');
  assert.match(result.summary, /^1 image ready/);
  const listed = result.list.join('\n');
  assert.match(listed, /set\.zip\/\.\.\/x\.png: .*leaves the archive/);
  assert.match(listed, /set\.zip\/a\/\.\.\/\.\.\/y\.png: .*leaves the archive/);
  await closeAndCheckUnchanged(before);
});

test('an 8,000 × 8,000 PNG is decoded downscaled (no crash): one prepared image in the preview', async () => {
  const before = await decoded();
  await pick([{ name: 'huge.png', bytes: largeGrayPng(8000, 8000), type: 'image/png' }]);
  const result = await outcome();
  assert.equal(result.phase, 'preview');
  assert.match(result.summary, /^1 image ready/);
  await closeAndCheckUnchanged(before);
});

test('labels in two spellings ("cat", "Cat") are one class, and the preview says so', async () => {
  const before = await decoded();
  await pick([
    { name: 'label_cat_1.png', bytes: inked(), type: 'image/png' },
    { name: 'label_Cat_2.png', bytes: inked(40, 40, 3), type: 'image/png' },
    { name: 'label_dog_1.png', bytes: inked(40, 40, -3), type: 'image/png' },
  ]);
  const result = await outcome();
  assert.equal(result.phase, 'preview');
  assert.match(result.summary, /^3 images ready, in 2 classes/);
  assert.equal(result.classes.length, 2);
  assert.ok(result.notes.some((n) => n.includes('cat') && n.includes('Cat')), `a note names both spellings: ${result.notes}`);
  await closeAndCheckUnchanged(before);
});

test('Escape while reading cancels: the read stops, nothing changes, and a new pick still works', async () => {
  const before = await decoded();
  // Many images keep the worker reading long enough to cancel.
  const files = Array.from({ length: 400 }, (_, i) => ({ name: `img_${String(i).padStart(3, '0')}.png`, bytes: inked(200, 200, (i % 9) - 4), type: 'image/png' }));
  await pick(files);
  await page.waitForFunction(() => document.querySelector('vae-playground').shadowRoot.querySelector('dialog[part="preview"]')?.open);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('vae-playground').shadowRoot.querySelector('dialog[part="preview"]').open);
  await page.waitForTimeout(500);
  const shown = await page.evaluate(() => document.querySelector('vae-playground').shadowRoot.querySelector('dialog[part="preview"]').open);
  assert.equal(shown, false, 'a cancelled read shows no preview later');
  assert.deepEqual(await decoded(), before);
  await pick([{ name: 'label_a_1.png', bytes: inked(), type: 'image/png' }]);
  const result = await outcome();
  assert.match(result.summary, /^1 image ready/);
  await closeAndCheckUnchanged(before);
  assert.deepEqual(problems, []);
  assert.equal(await page.evaluate(() => window.__events.filter((e) => e.type === 'error').length), 0);
});

test('more images than the limit (20,003 in a zip): the first 20,000 in path order are previewed, the other 3 named as not read', async () => {
  const before = await decoded();
  const png = Buffer.from(inked(28, 28));
  const zip = zipWith(Array.from({ length: 20_003 }, (_, i) => ({ name: `many/img-${String(i).padStart(5, '0')}.png`, data: png })));
  await pick([{ name: 'many.zip', bytes: zip }]);
  const started = Date.now();
  const result = await outcome(300_000);
  console.log(`# 20,003 images in a zip read and prepared in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(result.phase, 'preview');
  assert.match(result.summary, /^20,000 images ready/);
  assert.match(result.skipped, /^3 files were not used/);
  assert.ok(result.list.some((line) => /^3 not read \(.*\), from many\.zip\/many\/img-20000\.png/.test(line)), result.list.join('\n'));
  await closeAndCheckUnchanged(before);
});
