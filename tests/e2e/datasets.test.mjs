// The datasets through the widget (issue 16): Fashion-MNIST fetched only when chosen and every word and legend from
// it; the person's own images picked → read in the worker → previewed → trained on, separated in the latent space,
// named (size and hash, not the images) in the exported weights and exported as gzip IDX; drawings added to "my set"
// and mixed into MNIST, shown as markers. Each assertion reads the public surface: events, methods, ::part and the
// text a person sees.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { serve } from '../../scripts/serve.mjs';
import { grayPng } from '../unit/fixtures/ingest/images.mjs';
import { launch, openPage } from './browser.mjs';

let server, url, browser;

before(async () => {
  ({ server, url } = await serve('.'));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const EVENTS = ['ready', 'trained', 'epoch', 'error'];

/** The page with its widget's events recorded, and every data file any of its contexts (worker included) asks for. */
async function openPlayground(hash, viewport) {
  const { page, problems } = await openPage(browser, `${url}${hash}`, viewport);
  const dataRequests = [];
  page.context().on('request', (r) => r.url().includes('/data/') && dataRequests.push(r.url().replace(/.*\/data\//, '')));
  await page.evaluate((types) => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of types) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
  }, EVENTS);
  return { page, problems, dataRequests };
}

const count = (page, type) => page.evaluate((type) => window.__events.filter((e) => e.type === type).length, type);
const waitForCount = (page, type, n, timeout = 90_000) =>
  page.waitForFunction(([type, n]) => window.__events.filter((e) => e.type === type).length >= n, [type, n], { timeout });
const lastOf = (page, type) => page.evaluate((type) => window.__events.filter((e) => e.type === type).at(-1)?.detail, type);
const shadow = (page, selector) => page.locator(`vae-playground >> ${selector}`);
/** Views off screen wait to be seen before they redraw: bring one on screen, and give it a frame or two. */
async function look(page, panel) {
  await shadow(page, `.panel.${panel}`).scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
}

/** The metadata of the widget's exported weights (safetensors header). */
async function exportedMetadata(page) {
  const bytes = await page.evaluate(async () => Array.from(new Uint8Array(await (await document.querySelector('vae-playground').exportWeights()).arrayBuffer())));
  const buffer = Buffer.from(bytes);
  const length = Number(buffer.readBigUInt64LE(0));
  return JSON.parse(buffer.subarray(8, 8 + length).toString('utf8')).__metadata__;
}

test('Fashion-MNIST: never fetched on first load; chosen in the form (through the dialog), in the hash, and every word and legend is its own', async () => {
  const { page, problems, dataRequests } = await openPlayground('#epochs=1');
  await waitForCount(page, 'trained', 1);
  assert.deepEqual(dataRequests.filter((f) => f.startsWith('fashion')), [], 'the first load fetches MNIST only');
  assert.ok(dataRequests.some((f) => f.startsWith('mnist-10k-images')));
  assert.match(await shadow(page, '.panel.latent h2').textContent(), /test digits$/);

  // A structural setting in the form while a trained model exists: the dialog asks first.
  await shadow(page, 'select[data-attr="dataset"]').selectOption('fashion');
  const dialog = shadow(page, 'dialog[part="dialog"]');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.innerText(), /Changing “Dataset” to Fashion-MNIST starts a new model/);
  await dialog.locator('button', { hasText: /new model/i }).click();
  await waitForCount(page, 'ready', 2);
  assert.equal((await lastOf(page, 'ready')).dataset, 'fashion');
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').datasetId), 'fashion');
  assert.match(await page.evaluate(() => location.hash), /(^#|&)dataset=fashion(&|$)/, 'a link carries the bundled dataset');
  assert.deepEqual(dataRequests.filter((f) => f.startsWith('fashion')).sort(), ['fashion-10k-images.idx3-ubyte.gz', 'fashion-10k-labels.idx1-ubyte.gz']);

  await page.evaluate(() => document.querySelector('vae-playground').train());
  await waitForCount(page, 'trained', 2);
  const elbo = (await lastOf(page, 'epoch')).testElbo;
  assert.ok(Number.isFinite(elbo) && elbo > 0, `a test −ELBO on Fashion-MNIST: ${elbo}`);
  assert.match(await shadow(page, '.panel.latent h2').textContent(), /test garments$/);
  const legend = await shadow(page, '.panel.latent .legend').textContent();
  for (const name of ['T-shirt/top', 'Trouser', 'Sneaker', 'Ankle boot']) assert.ok(legend.includes(name), `legend names ${name}: ${legend}`);
  await look(page, 'draw');
  assert.match(await shadow(page, '.panel.draw .verdict').textContent(), /Draw a garment/);
  await look(page, 'judge');
  assert.match(await shadow(page, '[data-action="nearest"]').textContent(), /nearest training garments/);

  // The classifier and Judge's coverage name garments.
  const item = await page.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    return el.classify(await el.decode([0, 0]));
  });
  assert.ok(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'].includes(item.label), item.label);
  // Every view's work on it: the manifold, samples, recovery, and Judge's coverage naming garments.
  const works = await page.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    const grid = await el.manifold(4);
    const samples = await el.sample(3, 7);
    const image = await el.decode([0.5, 0.5]);
    const mask = Float32Array.from({ length: 784 }, (_, i) => (i < 392 ? 1 : 0));
    const recovered = await el.recover(image, mask, 5);
    const inRange = (a) => a.every((v) => v >= 0 && v <= 1);
    return [grid.length, samples.length, recovered.length, inRange(grid) && inRange(samples) && inRange(recovered)];
  });
  assert.deepEqual(works, [16 * 784, 3 * 784, 784, true]);
  await shadow(page, '[data-action="coverage"]').click();
  await page.waitForFunction(() => /Classifier test accuracy/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.coverage-note').textContent), null, { timeout: 120_000 });
  const shares = await shadow(page, '.shares').textContent();
  for (const name of ['Trouser', 'Bag', 'Ankle boot']) assert.ok(shares.includes(name), `coverage names ${name}: ${shares}`);
  const metadata = await exportedMetadata(page);
  assert.deepEqual(JSON.parse(metadata['vae-playground.dataset']), { id: 'fashion' });
  assert.equal(JSON.parse(metadata['vae-playground.settings']).datasetId, undefined, 'the settings entry keeps its numbers only');

  // A link with the dataset in it: Fashion-MNIST only, MNIST never fetched.
  const other = await openPlayground('#dataset=fashion&epochs=1');
  await waitForCount(other.page, 'ready', 1);
  assert.equal((await lastOf(other.page, 'ready')).dataset, 'fashion');
  assert.deepEqual(other.dataRequests.filter((f) => f.startsWith('mnist')), [], 'a Fashion-MNIST link does not fetch MNIST');
  assert.deepEqual(other.problems, []);
  await other.page.close();
  // dataset=own cannot come from a link (there are no images in it).
  const own = await openPlayground('#dataset=own&epochs=1');
  await waitForCount(own.page, 'ready', 1);
  assert.equal((await lastOf(own.page, 'ready')).dataset, 'mnist');
  await own.page.close();
  assert.deepEqual(problems, []);
  await page.close();
});

/** Letters rendered in the page as PNGs (black on white, varied font, size, shift, slant), named `label_<letter>_<i>.png`. */
function renderLetters(page, letters, perLetter) {
  return page.evaluate(async ([letters, perLetter]) => {
    const out = [];
    for (const letter of letters) {
      for (let i = 0; i < perLetter; i++) {
        const c = new OffscreenCanvas(64, 64);
        const g = c.getContext('2d');
        g.fillStyle = '#fff';
        g.fillRect(0, 0, 64, 64);
        g.fillStyle = '#000';
        g.font = `bold ${36 + (i % 5) * 4}px ${['sans-serif', 'serif', 'monospace'][i % 3]}`;
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.translate(32 + (i % 7) - 3, 32 + (i % 5) - 2);
        g.rotate(((i % 9) - 4) * 0.05);
        g.fillText(letter, 0, 0);
        const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
        let s = '';
        for (const b of bytes) s += String.fromCharCode(b);
        out.push({ name: `label_${letter}_${String(i).padStart(3, '0')}.png`, base64: btoa(s) });
      }
    }
    return out;
  }, [letters, perLetter]);
}

const asFiles = (files) => files.map((f) => ({ name: f.name, mimeType: f.mimeType ?? 'image/png', buffer: f.buffer ?? Buffer.from(f.base64, 'base64') }));

test('own images: picked → read in the worker → preview (grid, count per class) → trained on; the latent space separates them; exported', async () => {
  const { page, problems } = await openPlayground('#batch-size=32&epochs=60');
  await waitForCount(page, 'ready', 1);
  const letters = await renderLetters(page, ['O', 'L', 'X'], 60);
  await shadow(page, '.images-file').setInputFiles(asFiles(letters));
  const preview = shadow(page, 'dialog[part="preview"]');
  await shadow(page, '[data-answer="train"]').waitFor({ state: 'visible', timeout: 60_000 });
  assert.match(await preview.locator('.preview-summary').textContent(), /^180 images ready, in 3 classes/);
  const rows = await preview.locator('table.preview-classes tbody tr').allTextContents();
  assert.deepEqual(rows, ['L60', 'O60', 'X60']);
  const ink = await preview.locator('canvas.preview-grid').evaluate((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let lit = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > 128) lit++;
    return lit / (data.length / 4);
  });
  assert.ok(ink > 0.05 && ink < 0.6, `white ink on black in the grid: ${ink}`);
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').datasetId), 'mnist', 'nothing changes before the person accepts');

  await shadow(page, '[data-answer="train"]').click();
  await waitForCount(page, 'ready', 2);
  const ready = await lastOf(page, 'ready');
  assert.deepEqual([ready.dataset, ready.trainSize, ready.testSize], ['own', 162, 18]);
  assert.equal(await page.evaluate(() => location.hash.includes('dataset=own')), false, 'a link cannot carry the person’s images');
  await page.evaluate(() => document.querySelector('vae-playground').train());
  await waitForCount(page, 'trained', 1, 180_000);
  const legend = await shadow(page, '.panel.latent .legend').textContent();
  for (const name of ['L', 'O', 'X']) assert.ok(legend.includes(name), legend);

  // Separated: each letter's codes lie nearer their own centre than another letter's (nearest-centre accuracy).
  const separation = await page.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    const canvasOf = (letter, i) => {
      const c = new OffscreenCanvas(28, 28);
      const g = c.getContext('2d');
      g.fillStyle = '#000';
      g.fillRect(0, 0, 28, 28);
      g.fillStyle = '#fff';
      g.font = `bold ${18 + (i % 3)}px ${['sans-serif', 'serif', 'monospace'][i % 3]}`;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText(letter, 14, 15);
      const d = g.getImageData(0, 0, 28, 28).data;
      return Float32Array.from({ length: 784 }, (_, p) => d[4 * p] / 255);
    };
    const codes = {};
    for (const letter of ['O', 'L', 'X']) {
      const pixels = new Float32Array(9 * 784);
      for (let i = 0; i < 9; i++) pixels.set(canvasOf(letter, i), i * 784);
      const z = await el.encode(pixels);
      codes[letter] = Array.from({ length: 9 }, (_, i) => [z[2 * i], z[2 * i + 1]]);
    }
    const centre = (points) => [points.reduce((s, p) => s + p[0], 0) / points.length, points.reduce((s, p) => s + p[1], 0) / points.length];
    const centres = Object.fromEntries(Object.entries(codes).map(([k, v]) => [k, centre(v)]));
    let right = 0;
    let all = 0;
    for (const [letter, points] of Object.entries(codes)) {
      for (const p of points) {
        const nearest = Object.entries(centres).sort((a, b) => Math.hypot(p[0] - a[1][0], p[1] - a[1][1]) - Math.hypot(p[0] - b[1][0], p[1] - b[1][1]))[0][0];
        right += nearest === letter ? 1 : 0;
        all++;
      }
    }
    return right / all;
  });
  assert.ok(separation >= 0.8, `letters fall in their own regions of the latent space: ${separation}`);

  const metadata = await exportedMetadata(page);
  const stamp = JSON.parse(metadata['vae-playground.dataset']);
  assert.equal(stamp.id, 'own');
  assert.equal(stamp.size, 180);
  assert.match(stamp.hash, /^[0-9a-f]{64}$/, 'named by a hash, not carried');
  assert.ok(Object.values(metadata).every((v) => v.length < 200_000), 'no images in the metadata');

  // "Export dataset": gzip IDX, images then labels, that `data` and `vae train --data` read.
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await look(page, 'draw');
  await shadow(page, '[data-action="export-set"]').click();
  for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
  assert.deepEqual(downloads.map((d) => d.suggestedFilename()).sort(), ['own-images.idx3-ubyte.gz', 'own-labels.idx1-ubyte.gz']);
  const byName = Object.fromEntries(await Promise.all(downloads.map(async (d) => [d.suggestedFilename(), gunzipSync(readFileSync(await d.path()))])));
  const images = byName['own-images.idx3-ubyte.gz'];
  const labels = byName['own-labels.idx1-ubyte.gz'];
  assert.deepEqual([images.readUInt32BE(0), images.readUInt32BE(4), images.readUInt32BE(8), images.readUInt32BE(12), images.length], [2051, 180, 28, 28, 16 + 180 * 784]);
  assert.deepEqual([labels.readUInt32BE(0), labels.readUInt32BE(4)], [2049, 180]);
  assert.deepEqual([...new Set(labels.subarray(8))].sort(), [0, 1, 2]);
  assert.deepEqual(problems, []);
  await page.close();
});

test('drawings added to "my set" with a label, mixed into MNIST: their markers show in the latent panel and Judge finds them', async () => {
  const { page, problems } = await openPlayground('#epochs=2');
  await waitForCount(page, 'trained', 1);
  const pad = shadow(page, 'canvas.pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await shadow(page, '.set-label').fill('7');
  for (let i = 0; i < 20; i++) {
    const dx = (i % 5) * 3 - 6;
    const dy = (i % 4) * 3 - 4;
    await page.mouse.move(box.x + box.width * 0.3 + dx, box.y + box.height * 0.25 + dy);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7 + dx, box.y + box.height * 0.25 + dy, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.45 + dx, box.y + box.height * 0.8 + dy, { steps: 6 });
    await page.mouse.up();
    const add = shadow(page, '[data-action="add-to-set"]');
    await page.waitForFunction(() => !document.querySelector('vae-playground').shadowRoot.querySelector('[data-action="add-to-set"]').disabled);
    await add.click();
    // The views draw on the next animation frame: the next stroke waits until this drawing is counted (and the pad
    // cleared), or a stroke begun before then would be cleared with it.
    await page.waitForFunction((n) => document.querySelector('vae-playground').shadowRoot.querySelector('.set-count').textContent.startsWith(`My set: ${n} image`), i + 1);
  }
  assert.equal(await shadow(page, '.set-count').textContent(), 'My set: 20 images (7: 20).');

  await shadow(page, '[data-action="mix-set"]').click();
  const dialog = shadow(page, 'dialog[part="dialog"]');
  await dialog.waitFor({ state: 'visible' });
  await dialog.locator('button', { hasText: /new model/i }).click();
  await waitForCount(page, 'ready', 2);
  const ready = await lastOf(page, 'ready');
  assert.deepEqual([ready.dataset, ready.trainSize, ready.testSize], ['own', 9020, 1000], 'MNIST’s split, every drawing trains');
  await page.evaluate(() => document.querySelector('vae-playground').train());
  await waitForCount(page, 'trained', 2);
  await page.waitForFunction(() => /yours \(20\)/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.panel.latent .legend').textContent), null, { timeout: 30_000 });
  assert.match(await shadow(page, '.panel.latent h2').textContent(), /test digits$/, 'MNIST’s words stay');

  // Judge: the nearest training images are looked up among the drawings too, and it says how many are theirs.
  await look(page, 'judge');
  await shadow(page, '[data-action="nearest"]').click();
  await shadow(page, 'figure.nearest').waitFor({ state: 'visible', timeout: 30_000 });
  const nearest = await shadow(page, '.nearest-note').textContent();
  assert.match(nearest, /of the nearest (is|are) yours|None of the nearest is one of yours/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('an unlabelled set: one colour in the legend, coverage hidden with a sentence why, Draw names no class', async () => {
  const { page, problems } = await openPlayground('#batch-size=32&epochs=2');
  await waitForCount(page, 'ready', 1);
  const letters = (await renderLetters(page, ['O', 'L'], 20)).map((f, i) => ({ ...f, name: `scan-${String(i).padStart(3, '0')}.png` }));
  await shadow(page, '.images-file').setInputFiles(asFiles(letters));
  await shadow(page, '[data-answer="train"]').waitFor({ state: 'visible', timeout: 60_000 });
  assert.match(await shadow(page, '.preview-summary').textContent(), /^40 images ready, without labels/);
  assert.equal(await shadow(page, 'table.preview-classes').isHidden(), true, 'no count per class without classes');
  await shadow(page, '[data-answer="train"]').click();
  await waitForCount(page, 'ready', 2);
  assert.equal((await lastOf(page, 'ready')).dataset, 'own');
  assert.match(await shadow(page, '.panel.latent .legend').textContent(), /unlabelled/);
  await look(page, 'judge');
  assert.equal(await shadow(page, '[data-action="coverage"]').isHidden(), true);
  assert.match(await shadow(page, '.coverage-why').textContent(), /^Coverage is not measured: these images have no labels/);
  const classified = await page.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    return el.classify(new Float32Array(784)).then(() => 'answered', (e) => e.message);
  });
  assert.match(classified, /needs a labelled set/);
  assert.deepEqual(problems.filter((p) => !/needs a labelled set/.test(p)), []);
  await page.close();
});

test('persist: a model of own images comes back with its images after a reload; "Start over" forgets both', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // The fixture records ready, restored, trained and error in window.__events from before the element boots.
  await page.goto(`${url}tests/e2e/fixtures/persist.html?batch-size=32&epochs=3`);
  await waitForCount(page, 'ready', 1);
  await shadow(page, '.images-file').setInputFiles(asFiles(await renderLetters(page, ['O', 'L'], 30)));
  await shadow(page, '[data-answer="train"]').click({ timeout: 60_000 });
  await waitForCount(page, 'ready', 2);
  await page.evaluate(() => document.querySelector('vae-playground').train());
  await waitForCount(page, 'trained', 1, 120_000);
  const z = [0.2, -0.3];
  const decodeAt = () => page.evaluate(async (z) => Array.from(await document.querySelector('vae-playground').decode(z)), z);
  const trained = await decodeAt();
  await page.waitForTimeout(1000); // the save a moment after training stops

  await page.reload();
  await waitForCount(page, 'restored', 1, 60_000);
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').datasetId), 'own', 'nothing names a dataset: the model left last comes back');
  assert.deepEqual(await decodeAt(), trained, 'the same model, bit for bit');
  const metadata = await exportedMetadata(page);
  assert.equal(JSON.parse(metadata['vae-playground.dataset']).size, 60, 'trained on the kept images');

  await shadow(page, '[data-action="start-over"]').click();
  await shadow(page, 'dialog.confirm [data-answer="yes"]').click();
  await page.waitForFunction(() => document.querySelector('vae-playground').datasetId === 'mnist', null, { timeout: 30_000 });
  const kept = () => page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('vae-playground');
    open.onsuccess = () => {
      const all = open.result.transaction('models', 'readonly').objectStore('models').getAll();
      all.onsuccess = () => resolve(all.result.filter((r) => r?.own).length);
    };
  }));
  assert.equal(await kept(), 0, 'no images kept');
  await page.reload();
  await waitForCount(page, 'ready', 1);
  await page.waitForTimeout(1000);
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').datasetId), 'mnist', 'forgotten: MNIST again');
  assert.equal(await count(page, 'restored'), 0);
  await context.close();
});

/** The lines (columns or rows, by `at(line, along)`) of a 28 × 28 image holding some ink. */
const inkedLines = (image, at) =>
  [...Array(28).keys()].filter((line) => [...Array(28).keys()].some((along) => image[at(line, along)] > 127));

test('a photo under uneven light: the page prepares it as the CLI does — the dark corners are background, only the bar is ink', async () => {
  // Light paper (0.85) darkening towards the corners (0.35), a dark bar (0.05): as tests/dataset.rs gives Rust's
  // prepare_image, which `vae train --data` uses. Reading the border's median alone would make the corners ink.
  const dir = mkdtempSync(join(tmpdir(), 'vae-photos-'));
  const [w, h] = [160, 120];
  const vignette = (x, y) => 0.85 - 0.5 * (Math.hypot((x - w / 2) / (w / 2), (y - h / 2) / (h / 2)) / Math.SQRT2) ** 3;
  for (const [name, left] of [['near', 50], ['far', 95]]) {
    mkdirSync(join(dir, 'photos', name), { recursive: true });
    for (let i = 0; i < 10; i++) {
      const bar = (x, y) => x >= left + i && x < left + i + 12 && y >= 20 && y < 100;
      writeFileSync(join(dir, 'photos', name, `${i}.png`), grayPng(w, h, (x, y) => Math.round(255 * (bar(x, y) ? 0.05 : vignette(x, y)))));
    }
  }
  const { page, problems } = await openPlayground('#epochs=1');
  await waitForCount(page, 'ready', 1);
  await shadow(page, '.images-folder').setInputFiles(join(dir, 'photos'));
  await shadow(page, '[data-answer="train"]').waitFor({ state: 'visible', timeout: 60_000 });
  assert.match(await shadow(page, '.preview-summary').textContent(), /^20 images ready, in 2 classes/);
  await shadow(page, '[data-answer="train"]').click();
  await waitForCount(page, 'ready', 2);
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await look(page, 'draw');
  await shadow(page, '[data-action="export-set"]').click();
  for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
  const download = downloads.find((d) => d.suggestedFilename() === 'own-images.idx3-ubyte.gz');
  const images = gunzipSync(readFileSync(await download.path())).subarray(16);
  assert.equal(images.length, 20 * 784);
  for (let n = 0; n < 20; n++) {
    const image = images.subarray(n * 784, (n + 1) * 784);
    const inkedColumns = inkedLines(image, (x, y) => y * 28 + x);
    const inkedRows = inkedLines(image, (y, x) => y * 28 + x);
    // The bar, 12 × 80, boxed into 20 rows: 20 rows by 3 or 4 columns; the corners' ink would fill the box's width.
    assert.equal(inkedRows.length, 20, `image ${n}: rows ${inkedRows}`);
    assert.ok(inkedColumns.length <= 4, `image ${n}: only the bar is ink, columns ${inkedColumns}`);
  }
  assert.deepEqual(problems, []);
  await page.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a folder picked with "…or a folder": classes from its sub-folders, a file outside any named in the preview', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vae-folder-'));
  const shapes = {
    ring: (x, y, i) => Math.abs(Math.hypot(x - 20, y - 20) - 10 - (i % 3)) < 2,
    bar: (x, y, i) => Math.abs(x - 18 - (i % 4)) < 3 && y > 6 && y < 34,
  };
  for (const [name, inked] of Object.entries(shapes)) {
    mkdirSync(join(dir, 'shapes', name), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'shapes', name, `${i}.png`), grayPng(40, 40, (x, y) => (inked(x, y, i) ? 0 : 255)));
  }
  writeFileSync(join(dir, 'shapes', 'notes.md'), '# not an image');
  const { page, problems } = await openPlayground('#epochs=1');
  await waitForCount(page, 'ready', 1);
  await shadow(page, '.images-folder').setInputFiles(join(dir, 'shapes'));
  await shadow(page, '[data-answer="train"]').waitFor({ state: 'visible', timeout: 60_000 });
  assert.match(await shadow(page, '.preview-summary').textContent(), /^10 images ready, in 2 classes/);
  assert.deepEqual(await shadow(page, 'table.preview-classes tbody tr').allTextContents(), ['bar5', 'ring5']);
  assert.match(await shadow(page, '.preview-skipped-summary').textContent(), /notes\.md/);
  await shadow(page, '[data-answer="cancel"]').click();
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').datasetId), 'mnist');
  assert.deepEqual(problems, []);
  await page.close();
  rmSync(dir, { recursive: true, force: true });
});
