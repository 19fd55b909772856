// Reading a zip under bounds (www/data/zip.ts): bombs refused while inflating (and shown never to be fully inflated),
// crafted paths and nested zips named, junk skipped silently, archives made as people's tools make them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strToU8, Zip, ZipDeflate, zipSync } from 'fflate';
import { importWww } from './bundle.mjs';
import { grayPng, zipWith } from './fixtures/ingest/images.mjs';

const { readZip } = await importWww('www/data/zip.ts');
const MB = 1024 * 1024;
const LIMITS = { zipMaxEntryBytes: 4 * MB, zipMaxTotalBytes: 16 * MB, maxListed: 1000 };
const read = (bytes, options = {}) => readZip(new Blob([bytes]), 'set.zip', { limits: LIMITS, ...options });
const dot = grayPng(4, 4, (x, y) => (x === 1 && y === 2 ? 0 : 255));
const reasonOf = (contents, name) => contents.skipped.find((s) => s.name === name)?.reason;

test('images come out whole, by path, stored or deflated', async () => {
  const zip = zipSync({ 'a/1.png': [dot, { level: 0 }], 'b/2.png': dot, 'c.PNG': dot, 'noext': dot });
  const contents = await read(zip);
  assert.deepEqual(contents.files.map((f) => f.path), ['a/1.png', 'b/2.png', 'c.PNG', 'noext']);
  for (const file of contents.files) assert.deepEqual(new Uint8Array(await file.data.arrayBuffer()), dot);
  assert.deepEqual(contents.skipped, []);
});

test('directories, __MACOSX/, dotfiles and OS thumbnails are skipped without a word', async () => {
  const zip = zipSync({ 'letters/': new Uint8Array(0), 'letters/a/1.png': dot, '__MACOSX/letters/._1.png': dot, 'letters/.DS_Store': strToU8('x'), 'letters/Thumbs.db': strToU8('x') });
  const contents = await read(zip);
  assert.deepEqual(contents.files.map((f) => f.path), ['letters/a/1.png']);
  assert.deepEqual(contents.skipped, []);
});

test('paths that leave the archive, absolute paths and drive letters are named and not read', async () => {
  const zip = zipSync({ '../x.png': dot, 'a/../../y.png': dot, '/etc/z.png': dot, 'C:\\w.png': dot, 'ok.png': dot, '..\\v.png': dot });
  const contents = await read(zip);
  assert.deepEqual(contents.files.map((f) => f.path), ['ok.png']);
  assert.match(reasonOf(contents, 'set.zip/../x.png'), /leaves the archive/);
  assert.match(reasonOf(contents, 'set.zip/a/../../y.png'), /leaves the archive/);
  assert.match(reasonOf(contents, 'set.zip/..\\v.png'), /leaves the archive/);
  assert.match(reasonOf(contents, 'set.zip//etc/z.png'), /absolute path/);
  assert.match(reasonOf(contents, 'set.zip/C:\\w.png'), /drive letter/);
});

test('a zip inside the zip is named, not opened; other files are named as not images', async () => {
  const inner = zipSync({ 'deep.png': dot });
  const contents = await read(zipSync({ 'inner.zip': inner, 'notes.txt': strToU8('hello'), 'a.png': dot }));
  assert.deepEqual(contents.files.map((f) => f.path), ['a.png']);
  assert.equal(reasonOf(contents, 'set.zip/inner.zip'), 'a zip inside a zip is not opened');
  assert.equal(reasonOf(contents, 'set.zip/notes.txt'), 'not an image (PNG, JPEG, WebP or GIF)');
});

test('a zip bomb (64 MB of zeros in 64 KB) is refused by its ratio after 8 MB, with a message', async () => {
  const bomb = zipWith([{ name: 'bomb.png', zeros: 64 * MB }]);
  assert.ok(bomb.length < 100_000, `${bomb.length} bytes`);
  const budget = { inflated: 0 };
  const limits = { ...LIMITS, zipMaxEntryBytes: 64 * MB, zipMaxTotalBytes: 64 * MB };
  await assert.rejects(read(bomb, { budget, limits }), (error) => {
    assert.equal(error.name, 'IngestError');
    assert.equal(error.message, 'set.zip: bomb.png inflates to over 100 times its compressed size, as no image file does: refused as a zip bomb');
    assert.deepEqual(error.skipped.map((s) => s.name), ['set.zip']);
    return true;
  });
  // Stopped within one inflate step (4 KB of input, ~4 MB of output) of 8 MB, far from the 64 MB inside.
  assert.ok(budget.inflated > 8 * MB && budget.inflated < 13 * MB, `${budget.inflated} bytes inflated`);
});

test('a file that compresses well but stays under 8 MB is read (images in a zip barely compress; this is the margin)', async () => {
  const contents = await read(zipWith([{ name: 'flat.png', zeros: 3 * MB }]));
  assert.equal(contents.files.length, 1);
  assert.equal(contents.files[0].data.size, 3 * MB);
});

/** Bytes that do not compress, as image files in a zip do not. */
function incompressible(length, seed = 7) {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  return bytes;
}

test('files adding up past the total are refused as a whole, as soon as the total is passed', async () => {
  const noise = incompressible(3 * MB);
  const entries = Array.from({ length: 10 }, (_, i) => ({ name: `${i}.png`, data: noise }));
  const budget = { inflated: 0 };
  await assert.rejects(read(zipWith(entries), { budget }), {
    message: 'set.zip: inflates to more than 16 MB, the most read from zips at once: refused (a set this large, or a zip bomb)',
  });
  assert.ok(budget.inflated > 16 * MB && budget.inflated < 17 * MB, `${budget.inflated} bytes inflated`);
});

test('one file past the per-file bound is stopped and named; the rest of the archive is read', async () => {
  const budget = { inflated: 0 };
  const zip = zipWith([{ name: 'a.png', data: dot }, { name: 'big.png', data: incompressible(12 * MB) }, { name: 'z.png', data: dot }]);
  const contents = await read(zip, { budget });
  assert.deepEqual(contents.files.map((f) => f.path), ['a.png', 'z.png']);
  assert.equal(reasonOf(contents, 'set.zip/big.png'), 'inflates to more than 4 MB, too large for an image: not read');
  assert.ok(budget.inflated < 5 * MB, `${budget.inflated} bytes inflated of the 12 MB file`);
});

test('headers and central directory that lie about the size refuse the archive as soon as the lie shows', async () => {
  const liar = zipWith([{ name: 'a.png', zeros: 32 * MB, declared: 1000 }]);
  const budget = { inflated: 0 };
  await assert.rejects(read(liar, { budget, limits: { ...LIMITS, zipMaxEntryBytes: 64 * MB, zipMaxTotalBytes: 64 * MB } }), (error) => {
    assert.match(error.message, /^set\.zip: a\.png inflates to more than the 1,000 bytes its header declares: the archive is damaged or crafted/);
    return true;
  });
  assert.ok(budget.inflated < 5 * MB, `${budget.inflated} bytes inflated of 32 MB`);
});

test('an archive written as a stream (sizes after the data, in data descriptors) is read', async () => {
  const parts = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    parts.push(chunk);
  });
  for (const name of ['x/1.png', 'y/2.png']) {
    const entry = new ZipDeflate(name);
    zip.add(entry);
    entry.push(dot, true);
  }
  zip.end();
  const contents = await read(new Blob(parts));
  assert.deepEqual(contents.files.map((f) => f.path), ['x/1.png', 'y/2.png']);
  assert.deepEqual(new Uint8Array(await contents.files[1].data.arrayBuffer()), dot);
});

test('a zip cut short keeps the files before the cut and names the rest', async () => {
  const zip = zipSync({ 'a.png': dot, 'b.png': grayPng(64, 64, (x, y) => (x * y) & 255) }, { level: 0 });
  const cut = zip.subarray(0, zip.length - 200 - 22);
  const contents = await read(cut);
  assert.deepEqual(contents.files.map((f) => f.path), ['a.png']);
  assert.equal(reasonOf(contents, 'set.zip/b.png'), 'cut short in the archive: not read');
});

test('something that is not a zip, or an empty one, is named', async () => {
  const contents = await read(strToU8('PK but not really a zip'));
  assert.deepEqual(contents, { files: [], skipped: [{ name: 'set.zip', reason: 'no files found in it (an empty or damaged zip)' }] });
});

test('an archive with more entries than the bound stops there and says so', async () => {
  const entries = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${String(i).padStart(2, '0')}.png`, dot]));
  const contents = await read(zipSync(entries), { limits: { ...LIMITS, maxListed: 20 } });
  assert.equal(contents.files.length, 20);
  assert.equal(reasonOf(contents, 'set.zip'), 'holds more than 20 files: the rest were not read');
});

test('cancelling stops the reading', async () => {
  const controller = new AbortController();
  let seed = 1;
  const noise = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  const zip = zipSync(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`${i}.png`, grayPng(64, 64, noise)])), { level: 0 });
  assert.ok(zip.length > 2 * 64 * 1024, `${zip.length} bytes: several chunks`);
  let reads = 0;
  const reading = read(zip, { signal: controller.signal, onRead: () => ++reads === 1 && controller.abort() });
  await assert.rejects(reading, { name: 'AbortError' });
  assert.equal(reads, 1);
});
