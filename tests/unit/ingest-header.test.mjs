// An image's format and size read from its first bytes (www/data/image-header.ts), and the checks made from them
// before decoding (inspectImage in www/data/decode.ts), on real files: PNG and GIF made here, JPEG and WebP as
// Chromium's encoders wrote them (tests/unit/fixtures/ingest/).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';
import { grayGif, grayPng } from './fixtures/ingest/images.mjs';

const header = await importWww('www/data/image-header.ts');
const decode = await importWww('www/data/decode.ts');
const fixture = (name) => new Uint8Array(readFileSync(new URL(`./fixtures/ingest/${name}`, import.meta.url)));
const LIMITS = { maxImageBytes: 1 << 20, maxPixels: 100_000_000, decodeFit: 256 };

test('PNG, JPEG, GIF and the three kinds of WebP: format and size from the header', () => {
  const cases = [
    [grayPng(13, 7, () => 0), 'png', 13, 7],
    [fixture('tiny-5x3.jpg'), 'jpeg', 5, 3], // an ICC profile segment comes before its frame header
    [grayGif(11, 6, () => 0), 'gif', 11, 6],
    [fixture('tiny-7x4-lossy.webp'), 'webp', 7, 4], // VP8
    [fixture('tiny-6x9-lossless.webp'), 'webp', 6, 9], // VP8L
    [fixture('tiny-9x5-alpha.webp'), 'webp', 9, 5], // VP8X (ICC profile, alpha)
  ];
  for (const [bytes, format, width, height] of cases) {
    assert.equal(header.sniffFormat(bytes), format);
    assert.deepEqual(header.imageSize(bytes, format), { width, height }, format);
  }
});

test('the size is read from the header alone: the first bytes suffice', () => {
  const png = grayPng(300, 200, (x) => x & 255);
  assert.deepEqual(header.imageSize(png.subarray(0, 24), 'png'), { width: 300, height: 200 });
  assert.equal(header.imageSize(png.subarray(0, 23), 'png'), null, 'cut inside IHDR');
  assert.equal(header.imageSize(fixture('tiny-5x3.jpg').subarray(0, 100), 'jpeg'), null, 'cut before the frame header');
});

test('a JPEG whose frame header sits past the first 64 KB (a large EXIF segment) is still measured', async () => {
  const jpeg = fixture('tiny-5x3.jpg');
  const app1 = new Uint8Array(4 + 65_000);
  app1.set([0xff, 0xe1, (65_002 >> 8) & 0xff, 65_002 & 0xff]);
  const padded = new Uint8Array(jpeg.length + 2 * app1.length);
  padded.set(jpeg.subarray(0, 2));
  padded.set(app1, 2);
  padded.set(app1, 2 + app1.length);
  padded.set(jpeg.subarray(2), 2 + 2 * app1.length);
  assert.equal(header.imageSize(padded.subarray(0, header.HEADER_BYTES), 'jpeg'), null);
  assert.deepEqual(header.imageSize(padded, 'jpeg'), { width: 5, height: 3 });
  const inspected = await decode.inspectImage(new Blob([padded]), { ...LIMITS, maxImageBytes: 1 << 22 });
  assert.deepEqual(inspected.size, { width: 5, height: 3 });
});

test('progressive and other frame kinds count, Huffman tables (C4) do not', () => {
  const sof = (marker, width, height) => [0xff, marker, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, ...new Array(9).fill(0)];
  const dht = [0xff, 0xc4, 0, 4, 0, 0];
  const progressive = new Uint8Array([0xff, 0xd8, ...dht, ...sof(0xc2, 640, 480), 0xff, 0xd9]);
  assert.deepEqual(header.imageSize(progressive, 'jpeg'), { width: 640, height: 480 });
  const scanFirst = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, ...sof(0xc0, 1, 1)]);
  assert.equal(header.imageSize(scanFirst, 'jpeg'), null, 'a scan before any frame header');
});

test('zero-sized, damaged and foreign headers give no size; zips and text are told apart', () => {
  assert.equal(header.imageSize(grayPng(1, 1, () => 0).fill(0, 16, 20), 'png'), null, 'width 0');
  assert.equal(header.imageSize(new Uint8Array(40), 'webp'), null);
  assert.equal(header.sniffFormat(new TextEncoder().encode('cat, not a picture of one')), null);
  assert.equal(header.sniffFormat(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0])), 'zip');
  assert.equal(header.sniffFormat(new Uint8Array(0)), null);
});

test('fitWithin keeps the aspect ratio and never enlarges', () => {
  assert.deepEqual(header.fitWithin({ width: 8000, height: 8000 }, 256), { width: 256, height: 256 });
  assert.deepEqual(header.fitWithin({ width: 8000, height: 2000 }, 256), { width: 256, height: 64 });
  assert.deepEqual(header.fitWithin({ width: 30, height: 9000 }, 256), { width: 1, height: 256 });
  assert.deepEqual(header.fitWithin({ width: 28, height: 20 }, 256), { width: 28, height: 20 });
});

test('inspectImage: not an image, too many pixels, too many bytes, a damaged header — each with its reason', async () => {
  const text = await decode.inspectImage(new Blob(['cat, not a picture of one']), LIMITS);
  assert.equal(text.reason, 'not an image (PNG, JPEG, WebP or GIF)');

  const huge = grayPng(1, 1, () => 0);
  new DataView(huge.buffer).setUint32(16, 12_000);
  new DataView(huge.buffer).setUint32(20, 12_000);
  const tooLarge = await decode.inspectImage(new Blob([huge]), LIMITS);
  assert.match(tooLarge.reason, /^12000 × 12000 pixels \(144 megapixels\) is too large: at most 100 megapixels/);

  const big = await decode.inspectImage(new Blob([new Uint8Array((1 << 20) + 1)]), LIMITS);
  assert.match(big.reason, /^larger than 1 MB/);

  const cut = await decode.inspectImage(new Blob([grayPng(5, 5, () => 0).subarray(0, 20)]), LIMITS);
  assert.equal(cut.reason, 'the browser could not decode it (its header is damaged or cut short)');

  const zip = await decode.inspectImage(new Blob([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0])]), LIMITS);
  assert.match(zip.reason, /^a zip archive, not an image/);

  const fine = await decode.inspectImage(new Blob([grayPng(8000, 1, () => 0)]), LIMITS);
  assert.deepEqual(fine, { format: 'png', size: { width: 8000, height: 1 }, target: { width: 256, height: 1 } });
});
