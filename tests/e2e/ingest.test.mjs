// Own images in a real Chromium Worker (www/data/ingest.ts through the browser's decoders): each format, an
// 8,000 × 8,000 PNG decoded downscaled with the worker alive after it, what is skipped and why, a zip of letters in
// folders → a labelled set, a zip bomb refused. The harness (tests/e2e/fixtures/ingest*.{html,mjs}) is bundled into
// a temporary folder served by the repository's server; preparation is a stand-in there (the Rust one is wired by the
// element). Prints the time to ingest 1,000 small PNGs; asserts no time.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import { serve } from '../../scripts/serve.mjs';
import { grayGif, largeGrayPng, zipWith } from '../unit/fixtures/ingest/images.mjs';
import { launch } from './browser.mjs';

let dir;
let server;
let browser;
let page;
const problems = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vae-ingest-'));
  await build({
    entryPoints: { 'ingest-page': 'tests/e2e/fixtures/ingest-page.mjs', 'ingest-worker': 'tests/e2e/fixtures/ingest-worker.mjs' },
    outdir: dir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'error',
  });
  copyFileSync('tests/e2e/fixtures/ingest.html', join(dir, 'ingest.html'));
  let url;
  ({ server, url } = await serve(dir, { paths: 'all' }));
  browser = await launch();
  page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${url}ingest.html`);
  await page.waitForFunction(() => window.harnessReady);
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const fixture = (name) => Array.from(readFileSync(`tests/unit/fixtures/ingest/${name}`)); // small: sent as arrays

/** Ingests files made in node ({ path, bytes: Uint8Array }) in the page's worker (bytes sent as base64: a long array is slow to send). */
const ingestBytes = (files, options = {}) =>
  page.evaluate(
    ([files, options]) => {
      const bytesOf = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      return window.harness.run(files.map((f) => ({ path: f.path, file: new Blob([bytesOf(f.base64)]) })), options);
    },
    [files.map((f) => ({ path: f.path, base64: Buffer.from(f.bytes).toString('base64') })), options],
  );

/** Where the ink's mass sits in a prepared 28 × 28 image (x, y), and how much there is. */
function inkOf(images, index) {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < 784; i++) {
    const v = images[index * 784 + i];
    mass += v;
    mx += v * (i % 28);
    my += v * Math.floor(i / 28);
  }
  return { mass, x: mx / mass, y: my / mass };
}

test('PNG, JPEG, WebP (lossy, lossless, with alpha) and GIF decode in the worker, ink where it was drawn', async () => {
  // Made in the page: a black disc on white, left of centre and high, as PNG, JPEG and WebP.
  const reply = await page.evaluate(async (extra) => {
    const canvas = new OffscreenCanvas(60, 40);
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 60, 40);
    g.fillStyle = '#000';
    g.beginPath();
    g.arc(15, 12, 8, 0, 2 * Math.PI);
    g.fill();
    const files = [];
    for (const [type, name] of [['image/png', 'disc.png'], ['image/jpeg', 'disc.jpg'], ['image/webp', 'disc.webp']]) {
      files.push({ path: name, file: await canvas.convertToBlob({ type, quality: 0.9 }) });
    }
    for (const f of extra) files.push({ path: f.path, file: new Blob([new Uint8Array(f.bytes)]) });
    return window.harness.run(files);
  }, [
    { path: 'disc.gif', bytes: Array.from(grayGif(60, 40, (x, y) => ((x + 0.5 - 15) ** 2 + (y + 0.5 - 12) ** 2 <= 64 ? 0 : 255))) },
    { path: 'tiny.jpg', bytes: fixture('tiny-5x3.jpg') },
    { path: 'tiny-lossy.webp', bytes: fixture('tiny-7x4-lossy.webp') },
    { path: 'tiny-lossless.webp', bytes: fixture('tiny-6x9-lossless.webp') },
    { path: 'tiny-alpha.webp', bytes: fixture('tiny-9x5-alpha.webp') },
  ]);
  assert.equal(reply.type, 'result', JSON.stringify(reply.error));
  const { result } = reply;
  assert.deepEqual(result.paths, ['disc.gif', 'disc.jpg', 'disc.png', 'disc.webp', 'tiny-alpha.webp', 'tiny-lossless.webp', 'tiny-lossy.webp', 'tiny.jpg']);
  assert.deepEqual(result.skipped, []);
  // The disc's centre (15, 12) of 60 × 40 is (7, 8.4) on the stand-in's 28 × 28 grid: left of centre and high, in
  // the PNG; the lossy formats and the GIF put it where the PNG does.
  const png = inkOf(result.images, result.paths.indexOf('disc.png'));
  assert.ok(Math.abs(png.x - 7) < 1 && Math.abs(png.y - 8.4) < 1, `disc.png: ink at ${png.x}, ${png.y}`);
  for (const name of ['disc.gif', 'disc.jpg', 'disc.webp']) {
    const ink = inkOf(result.images, result.paths.indexOf(name));
    assert.ok(Math.abs(ink.x - png.x) < 0.2 && Math.abs(ink.y - png.y) < 0.2, `${name}: ink at ${ink.x}, ${ink.y}`);
    assert.ok(Math.abs(ink.mass - png.mass) < 0.1 * png.mass, `${name}: ink ${ink.mass} vs ${png.mass}`);
  }
  for (const d of reply.decoded) assert.deepEqual(d.got, d.header, 'small images are decoded at their own size');
  assert.deepEqual(problems, []);
});

test('an 8,000 × 8,000 PNG is decoded downscaled to 256 × 256, and the worker lives on', async () => {
  const png = largeGrayPng(8000, 8000);
  assert.ok(png.length < 100_000, `${png.length} bytes`);
  const reply = await ingestBytes([{ path: 'huge.png', bytes: png }]);
  assert.equal(reply.type, 'result', JSON.stringify(reply.error));
  assert.deepEqual(reply.decoded, [{ header: { width: 8000, height: 8000 }, asked: { width: 256, height: 256 }, got: { width: 256, height: 256 } }]);
  const ink = inkOf(reply.result.images, 0);
  assert.ok(Math.abs(ink.x - 13.5) < 0.5 && Math.abs(ink.y - 13.5) < 0.5, `the square's ink at ${ink.x}, ${ink.y}`);
  console.log(`# 8,000 × 8,000 PNG (${png.length} bytes): ingested in ${reply.ms.toFixed(0)} ms`);
  const again = await ingestBytes([{ path: 'after.gif', bytes: grayGif(8, 8, (x) => (x < 4 ? 0 : 255)) }]);
  assert.equal(again.type, 'result');
  assert.equal(again.result.count, 1);
});

test('a text file, a broken PNG, a 144-megapixel PNG and a blank image are skipped, each named with why', async () => {
  const huge = largeGrayPng(4, 4);
  new DataView(huge.buffer).setUint32(16, 12_000);
  new DataView(huge.buffer).setUint32(20, 12_000);
  const broken = largeGrayPng(40, 40);
  broken.fill(7, 40, broken.length - 12); // the header kept, the pixel data garbage
  const reply = await ingestBytes([
    { path: 'cat.txt', bytes: Buffer.from('not a cat, not a picture of one') },
    { path: 'broken.png', bytes: broken },
    { path: 'huge.png', bytes: huge },
    { path: 'blank.gif', bytes: grayGif(5, 5, () => 200) },
  ]);
  assert.equal(reply.type, 'error');
  assert.equal(reply.error.name, 'IngestError');
  assert.deepEqual(reply.error.skipped, [
    { name: 'blank.gif', reason: 'all one colour' },
    { name: 'broken.png', reason: 'the browser could not decode it' },
    { name: 'cat.txt', reason: 'not an image (PNG, JPEG, WebP or GIF)' },
    { name: 'huge.png', reason: '12000 × 12000 pixels (144 megapixels) is too large: at most 100 megapixels are decoded' },
  ]);
  assert.match(reply.error.message, /^No usable images — .*\. Pick PNG, JPEG, WebP or GIF images/);
  const reached = reply.decoded.map((d) => `${d.header.width} × ${d.header.height} → ${d.got ? 'decoded' : 'failed'}`).sort();
  assert.deepEqual(reached, ['40 × 40 → failed', '5 × 5 → decoded'], 'only the broken PNG and the blank GIF reached the decoder');
});

test('a zip of letters in sub-folders → a labelled set whose images resemble their own class', async () => {
  const reply = await page.evaluate(async () => {
    const entries = { 'letters/': new Uint8Array(0) };
    for (const letter of ['A', 'B', 'C']) {
      for (let i = 0; i < 4; i++) {
        const canvas = new OffscreenCanvas(64, 64);
        const g = canvas.getContext('2d');
        g.fillStyle = '#fff';
        g.fillRect(0, 0, 64, 64);
        g.fillStyle = '#000';
        g.font = `bold ${44 + 2 * i}px sans-serif`;
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.fillText(letter, 32 + (i % 2), 32 - (i % 2));
        const blob = await canvas.convertToBlob({ type: 'image/png' });
        entries[`letters/${letter}/${i}.png`] = new Uint8Array(await blob.arrayBuffer());
      }
    }
    entries['letters/readme.txt'] = window.harness.strToU8('three letters, four of each');
    const zip = new Blob([window.harness.zip(entries)]);
    return window.harness.run([{ path: 'letters.zip', file: zip }]);
  });
  assert.equal(reply.type, 'result', JSON.stringify(reply.error));
  const { result } = reply;
  assert.deepEqual(result.classNames, ['A', 'B', 'C']);
  assert.deepEqual(result.labels, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  assert.equal(result.paths[0], 'letters.zip/letters/A/0.png');
  assert.deepEqual(result.skipped, [{ name: 'letters.zip/letters/readme.txt', reason: 'not an image (PNG, JPEG, WebP or GIF)' }]);
  // Each image's nearest other image (by squared distance) has its label: labels and pixels travelled together.
  const distance = (a, b) => {
    let d = 0;
    for (let i = 0; i < 784; i++) d += (result.images[a * 784 + i] - result.images[b * 784 + i]) ** 2;
    return d;
  };
  for (let a = 0; a < result.count; a++) {
    const others = [...Array(result.count).keys()].filter((b) => b !== a);
    const nearest = others.reduce((best, b) => (distance(a, b) < distance(a, best) ? b : best));
    assert.equal(result.labels[nearest], result.labels[a], `${result.paths[a]}'s nearest is ${result.paths[nearest]}`);
  }
  const phases = reply.progress.map((p) => p.phase);
  assert.ok(phases.includes('reading') && phases.at(-1) === 'decoding');
});

test('zip bombs (1 GB in one file, 8 × 48 MB) are refused by their ratio after 8 MB; the worker still answers', async () => {
  const single = zipWith([{ name: 'letters/a/bomb.png', zeros: 1024 << 20 }]);
  const many = zipWith(Array.from({ length: 8 }, (_, i) => ({ name: `letters/a/${i}.png`, zeros: 48 << 20 })));
  assert.ok(single.length + many.length < 2_000_000, `${single.length} + ${many.length} bytes`);
  const reply = await ingestBytes([{ path: 'bomb.zip', bytes: single }, { path: 'many.zip', bytes: many }]);
  assert.equal(reply.type, 'error');
  console.log(`# zip bombs (1 GB in ${single.length} bytes, 384 MB in ${many.length}): refused in ${reply.ms?.toFixed(0)} ms`);
  const bomb = (file) => `${file} inflates to over 100 times its compressed size, as no image file does: refused as a zip bomb`;
  assert.deepEqual(reply.error.skipped, [
    { name: 'bomb.zip', reason: bomb('letters/a/bomb.png') },
    { name: 'many.zip', reason: bomb('letters/a/0.png') },
  ]);
  assert.match(reply.error.message, /^No usable images — letters\/a\/bomb\.png inflates to over 100 times/);
  const again = await ingestBytes([{ path: 'after.gif', bytes: grayGif(8, 8, (x) => (x < 4 ? 0 : 255)) }]);
  assert.equal(again.result.count, 1);
  assert.deepEqual(problems, []);
});

test('timing: 1,000 small PNGs (64 × 64) through the worker, loose and zipped', async () => {
  const figures = await page.evaluate(async () => {
    const files = [];
    const entries = {};
    for (let i = 0; i < 1000; i++) {
      const canvas = new OffscreenCanvas(64, 64);
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 64, 64);
      g.fillStyle = '#000';
      g.fillRect(10 + (i % 30), 12, 20, 30 + (i % 17));
      const file = await canvas.convertToBlob({ type: 'image/png' });
      files.push({ path: `set/${i}.png`, file });
      entries[`set/${i}.png`] = new Uint8Array(await file.arrayBuffer());
    }
    const zip = [{ path: 'set.zip', file: new Blob([window.harness.zip(entries)]) }];
    const figures = [];
    for (let round = 0; round < 2; round++) {
      for (const concurrency of [1, 4, 8]) {
        const reply = await window.harness.run(files, { concurrency });
        figures.push({ what: `loose, ${concurrency} at a time`, ms: reply.ms, count: reply.result.count });
      }
      const reply = await window.harness.run(zip);
      figures.push({ what: 'in one zip, 4 at a time', ms: reply.ms, count: reply.result.count });
    }
    return figures;
  });
  for (const { what, ms, count } of figures) {
    assert.equal(count, 1000);
    console.log(`# 1,000 PNGs of 64 × 64, ${what}: ${ms.toFixed(0)} ms (${(ms / count).toFixed(2)} ms each)`);
  }
});
