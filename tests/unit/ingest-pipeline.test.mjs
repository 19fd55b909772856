// The whole ingest (www/data/ingest.ts) in node: real PNG bytes and zips, the browser's decoder replaced by a PNG
// reader, the project's preparation (Rust) by a stand-in. The limit, the one-colour rules, the error that names
// every skipped file, labels through zips, order, progress and cancelling; and the gray conversion's alpha rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { importWww } from './bundle.mjs';
import { decodeOwnPng, encodePng, grayPng, zipWith } from './fixtures/ingest/images.mjs';

const { ingest } = await importWww('www/data/ingest.ts');
const { toGray, isAllOneColour } = await importWww('www/data/decode.ts');

const rasterise = async (blob) => decodeOwnPng(new Uint8Array(await blob.arrayBuffer()));
const SIDE = 28;
/**
 * Stand-in for the Rust preparation: light backgrounds inverted, nearest-neighbour onto 28 × 28, and (as Rust does)
 * intensities up to 0.05 are not ink.
 */
function prepare(gray, width, height) {
  const mean = gray.reduce((s, v) => s + v, 0) / gray.length;
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const g = gray[Math.floor((y * height) / SIDE) * width + Math.floor((x * width) / SIDE)];
      const v = mean > 0.5 ? 1 - g : g;
      out[y * SIDE + x] = v > 0.05 ? v : 0;
    }
  }
  return out;
}
const file = (path, bytes) => ({ path, file: new Blob([bytes]) });
const dotAt = (dx, dy) => grayPng(4, 4, (x, y) => (x === dx && y === dy ? 0 : 255));
const run = (files, options = {}) => ingest(files, { prepare, rasterise, ...options });

test('a folder of images: prepared 0–255, in path order, unlabelled', async () => {
  const result = await run([file('set/10.png', dotAt(3, 3)), file('set/9.png', dotAt(0, 0)), file('set/notes.txt', strToU8('hi'))]);
  assert.equal(result.count, 2);
  assert.deepEqual(result.paths, ['set/9.png', 'set/10.png']);
  assert.equal(result.images.length, 2 * 784);
  // 9.png's dot is the top-left 7 × 7 block after the stand-in's scaling; 10.png's the bottom-right one.
  const ink = (image) => Array.from(result.images.subarray(image * 784, (image + 1) * 784)).flatMap((v, i) => (v ? [i] : []));
  assert.equal(ink(0).length, 49);
  assert.equal(ink(0)[0], 0);
  assert.equal(ink(1).at(-1), 783);
  assert.ok(ink(0).every((i) => result.images[i] === 255));
  assert.equal(result.labels, null);
  assert.equal(result.classNames, null);
  assert.deepEqual(result.skipped, [{ name: 'set/notes.txt', reason: 'not an image (PNG, JPEG, WebP or GIF)' }]);
});

test('20,001 images: the first 20,000 in path order are kept, the last is named as not read', async () => {
  // One image's bytes for all, held as a Blob-shaped object that answers at once: node's Blob reads take ~0.25 ms
  // each, one at a time, which is most of this test's time otherwise.
  const bytes = dotAt(1, 2);
  const decoded = decodeOwnPng(bytes);
  const memoryBlob = { size: bytes.length, slice: () => memoryBlob, arrayBuffer: async () => bytes.slice().buffer };
  const files = Array.from({ length: 20_001 }, (_, i) => ({ path: `set/${20_001 - i}.png`, file: memoryBlob }));
  const result = await run(files, { rasterise: async () => decoded });
  assert.equal(result.count, 20_000);
  assert.equal(result.images.length, 20_000 * 784);
  assert.equal(result.paths[0], 'set/1.png');
  assert.equal(result.paths.at(-1), 'set/20000.png');
  assert.deepEqual(result.unread, [{ count: 1, first: ['set/20001.png'], reason: 'over the limit of 20,000 images: not read' }]);
});

test('all one colour, no ink left after preparation, no ink found by preparation, a preparation error: each skipped with its reason', async () => {
  const faint = grayPng(4, 4, (x) => (x === 0 ? 250 : 253)); // varies, but by less than the stand-in's ink threshold
  const prepareRefusingWide = (gray, width, height) => {
    if (width === 5) throw new Error('image: 4 values for 5 × 4');
    if (width === 6) return null; // the Rust preparation's word for an image with no ink
    return prepare(gray, width, height);
  };
  const result = await run(
    [
      file('blank.png', grayPng(4, 4, () => 255)), file('black.png', grayPng(4, 4, () => 0)), file('faint.png', faint),
      file('wide.png', grayPng(5, 4, (x) => x * 60)), file('shadow.png', grayPng(6, 4, (x) => x * 40)), file('ok.png', dotAt(1, 1)),
    ],
    { prepare: prepareRefusingWide },
  );
  assert.deepEqual(result.paths, ['ok.png']);
  assert.deepEqual(result.skipped, [
    { name: 'black.png', reason: 'all one colour' },
    { name: 'blank.png', reason: 'all one colour' },
    { name: 'faint.png', reason: 'no ink (nothing in it stands out from its background)' },
    { name: 'shadow.png', reason: 'no ink (nothing in it stands out from its background)' },
    { name: 'wide.png', reason: 'could not be prepared (image: 4 values for 5 × 4)' },
  ]);
});

test('a file that can no longer be read (moved or deleted since the drop) is named, the rest used', async () => {
  const gone = { size: 100, slice: () => gone, arrayBuffer: () => Promise.reject(new DOMException('gone', 'NotReadableError')) };
  const result = await run([{ path: 'gone.png', file: gone }, { path: 'gone.zip', file: gone }, file('ok.png', dotAt(1, 1))]);
  assert.deepEqual(result.paths, ['ok.png']);
  assert.deepEqual(result.skipped, [
    { name: 'gone.png', reason: 'could not be read (moved, deleted, or not allowed)' },
    { name: 'gone.zip', reason: 'could not be read (moved, deleted, or not allowed)' },
  ]);
});

test('no usable image: an error naming why each file was skipped, summarised when many', async () => {
  const failing = async (blob) => {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (bytes.length < 40) throw new Error('decode failed');
    return decodeOwnPng(bytes);
  };
  const texts = Array.from({ length: 10 }, (_, i) => file(`notes/${i}.txt`, strToU8('not an image')));
  const broken = grayPng(4, 4, () => 0).subarray(0, 30); // a whole header, no pixels
  const files = [...texts, file('blank.png', grayPng(3, 3, () => 9)), file('broken.png', broken), file('cat.png', strToU8('meow'))];
  await assert.rejects(run(files, { rasterise: failing }), (error) => {
    assert.equal(error.name, 'IngestError');
    assert.equal(
      error.message,
      'No usable images — not an image (PNG, JPEG, WebP or GIF): cat.png, notes/0.txt, notes/1.txt and 8 others; ' +
        'all one colour: blank.png; the browser could not decode it: broken.png. ' +
        'Pick PNG, JPEG, WebP or GIF images (files, a folder or a .zip), each with something that stands out from its background.',
    );
    assert.equal(error.skipped.length, 13);
    return true;
  });
  await assert.rejects(run([]), { name: 'IngestError', message: 'No files were given. Pick PNG, JPEG, WebP or GIF images (files, a folder or a .zip), each with something that stands out from its background.' });
});

test('a zip of letters in folders: labels from the folders under its root; a bomb beside it is named, the rest used', async () => {
  const letters = zipSync({
    'letters/': new Uint8Array(0),
    'letters/a/1.png': dotAt(0, 0),
    'letters/a/2.png': dotAt(0, 1),
    'letters/B/1.png': dotAt(3, 3),
    'letters/b /2.png': dotAt(3, 2),
    '__MACOSX/letters/a/._1.png': strToU8('resource fork'),
  });
  const bomb = zipWith([{ name: 'x/huge.png', zeros: 2 << 20 }]);
  const result = await run([file('letters.zip', letters), file('zz-bomb.zip', bomb)], { limits: { zipMaxTotalBytes: 1 << 20 } });
  assert.deepEqual(result.paths, ['letters.zip/letters/a/1.png', 'letters.zip/letters/a/2.png', 'letters.zip/letters/b /2.png', 'letters.zip/letters/B/1.png']);
  assert.deepEqual(result.classNames, ['a', 'b']); // 'B' and 'b ' once each: the tie goes to the spelling sorted first
  assert.deepEqual(Array.from(result.labels), [0, 0, 1, 1]);
  assert.deepEqual(result.merged, [{ className: 'b', spellings: ['B', 'b '] }]);
  assert.equal(result.skipped.length, 1);
  assert.equal(result.skipped[0].name, 'zz-bomb.zip');
  assert.match(result.skipped[0].reason, /^inflates to more than 1 MB/);
});

test('zips are folders named after them: two zips make two classes', async () => {
  const result = await run([file('cats.zip', zipSync({ '1.png': dotAt(0, 0) })), file('dogs.zip', zipSync({ '1.png': dotAt(1, 1) }))]);
  assert.deepEqual(result.classNames, ['cats', 'dogs']);
});

test('a mostly labelled set leaves the unlabelled files out and names them', async () => {
  const result = await run([file('s/a/1.png', dotAt(0, 0)), file('s/b/1.png', dotAt(1, 1)), file('s/loose.png', dotAt(2, 2))]);
  assert.deepEqual(result.classNames, ['a', 'b']);
  assert.equal(result.count, 2);
  assert.deepEqual(result.skipped, [{ name: 's/loose.png', reason: 'no label, while most images have one (a folder or a label_ name): left out' }]);
  assert.equal(result.notes.length, 1);
});

test('decoding several at once keeps each image with its own path', async () => {
  const files = Array.from({ length: 40 }, (_, i) => file(`d/${i}.png`, dotAt(i % 4, Math.floor(i / 4) % 4)));
  const jittery = async (blob) => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    return rasterise(blob);
  };
  const result = await run(files.reverse(), { rasterise: jittery, concurrency: 6 });
  const alone = await Promise.all(files.map((f) => run([f])));
  const byPath = new Map(alone.map((r) => [r.paths[0], r.images]));
  result.paths.forEach((path, i) => assert.deepEqual(result.images.subarray(i * 784, (i + 1) * 784), byPath.get(path), path));
  assert.deepEqual(result.paths.slice(0, 3), ['d/0.png', 'd/1.png', 'd/2.png']);
});

test('progress: reading the zips in bytes, then decoding in images, ending at the total', async () => {
  const zip = zipSync(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`${i}.png`, dotAt(i % 4, 0)])));
  const events = [];
  await run([file('a.zip', zip), file('b.png', dotAt(1, 1))], { onProgress: (p) => events.push(p), progressInterval: 0 });
  const reading = events.filter((e) => e.phase === 'reading');
  const decoding = events.filter((e) => e.phase === 'decoding');
  assert.deepEqual(reading.at(-1), { phase: 'reading', done: zip.length, total: zip.length });
  assert.deepEqual(decoding.at(-1), { phase: 'decoding', done: 7, total: 7 });
  assert.ok(events.indexOf(reading.at(-1)) < events.indexOf(decoding[0]));
  for (let i = 1; i < decoding.length; i++) assert.ok(decoding[i].done >= decoding[i - 1].done);
});

test('cancelling rejects with an AbortError and no result', async () => {
  const controller = new AbortController();
  const files = Array.from({ length: 50 }, (_, i) => file(`${i}.png`, dotAt(0, 0)));
  let decoded = 0;
  const counting = async (blob) => {
    if (++decoded === 10) controller.abort();
    return rasterise(blob);
  };
  await assert.rejects(run(files, { rasterise: counting, signal: controller.signal, concurrency: 1 }), { name: 'AbortError' });
  assert.ok(decoded < 50, `${decoded} decoded`);
});

test('gray: luma of sRGB; transparency over white under dark ink, over black under light ink', () => {
  const rgba = (pixels) => ({ data: Uint8ClampedArray.from(pixels.flat()), width: pixels.length, height: 1 });
  const near = (actual, expected) => actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${i}: ${v} vs ${expected[i]}`));
  near(toGray(rgba([[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [255, 255, 255, 255]])), [0.2126, 0.7152, 0.0722, 1]);
  // Black strokes on a transparent background (whatever colour its transparent pixels hold): over white.
  near(toGray(rgba([[0, 0, 0, 255], [0, 0, 0, 0], [255, 255, 255, 0], [0, 0, 0, 128]])), [0, 1, 1, 1 - 128 / 255]);
  // White strokes on a transparent background: over black, so they stay visible.
  near(toGray(rgba([[255, 255, 255, 255], [0, 0, 0, 0], [255, 255, 255, 0], [255, 255, 255, 128]])), [1, 0, 0, 128 / 255]);
  // Nothing visible at all: one colour.
  assert.ok(isAllOneColour(toGray(rgba([[0, 0, 0, 0], [255, 0, 0, 0]]))));
  assert.ok(!isAllOneColour(Float32Array.of(0.5, 0.5 + 2 / 255)));
  assert.ok(isAllOneColour(Float32Array.of(0.5, 0.5 + 1 / 255)));
});

test('an RGBA PNG with alpha goes through the same rule', async () => {
  const pixels = new Uint8Array(4 * 4 * 4); // transparent black everywhere…
  pixels.set([0, 0, 0, 255], (1 * 4 + 2) * 4); // …and one opaque black pixel at (2, 1)
  const result = await run([file('ink.png', encodePng(4, 4, 4, pixels))]);
  assert.equal(result.count, 1, JSON.stringify(result.skipped));
  const inked = Array.from(result.images).flatMap((v, i) => (v ? [i] : []));
  assert.equal(inked.length, 49); // one 7 × 7 block: the one pixel, black on white, inverted
  assert.equal(inked[0], 7 * 28 + 14);
});
