// An image's format and size from its first bytes, before any decoding: the decoder refuses absurd sizes and asks
// the browser for a downscaled decode from these, so an 8,000 × 8,000 PNG is never decoded at full size by choice.
// Pure functions over bytes (tested in node on real files).

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';
export type Sniffed = ImageFormat | 'zip';

export interface ImageSize {
  width: number;
  height: number;
}

/** Bytes from the start of a file that hold the size of every PNG, GIF and WebP, and of most JPEGs. */
export const HEADER_BYTES = 64 * 1024;
/** How far into a JPEG its frame header is looked for (EXIF, ICC and XMP segments come before it, 64 KB each at most). */
export const JPEG_HEADER_BYTES = 1024 * 1024;

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const ZIP_ENTRY = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];

/** The format the bytes are in, by their signature; null when none of the four (or a zip). */
export function sniffFormat(bytes: Uint8Array): Sniffed | null {
  if (startsWith(bytes, PNG)) return 'png';
  if (startsWith(bytes, JPEG)) return 'jpeg';
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return 'gif';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'webp';
  if (startsWith(bytes, ZIP_ENTRY) || startsWith(bytes, ZIP_EMPTY)) return 'zip';
  return null;
}

/** The image's size from its header, or null when the header is cut short, damaged, or says 0 pixels. */
export function imageSize(bytes: Uint8Array, format: ImageFormat): ImageSize | null {
  const size = { png: pngSize, jpeg: jpegSize, gif: gifSize, webp: webpSize }[format](bytes);
  return size && size.width > 0 && size.height > 0 ? size : null;
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** PNG: the IHDR chunk comes first, width and height as big-endian u32. */
function pngSize(bytes: Uint8Array): ImageSize | null {
  if (bytes.length < 24 || !startsWith(bytes, ascii('IHDR'), 12)) return null;
  const v = view(bytes);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** GIF: the logical screen's width and height, little-endian u16, right after the signature. */
function gifSize(bytes: Uint8Array): ImageSize | null {
  if (bytes.length < 10) return null;
  const v = view(bytes);
  return { width: v.getUint16(6, true), height: v.getUint16(8, true) };
}

/** The start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC are not frames. */
const isStartOfFrame = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** JPEG: walk the marker segments to the first start-of-frame; its height and width are big-endian u16. */
function jpegSize(bytes: Uint8Array): ImageSize | null {
  const v = view(bytes);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image, or the scan, before any frame
    const length = v.getUint16(at + 2);
    if (isStartOfFrame(marker)) return at + 9 <= bytes.length ? { height: v.getUint16(at + 5), width: v.getUint16(at + 7) } : null;
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}

/** WebP: the first chunk says which of lossy (VP8), lossless (VP8L) or extended (VP8X, canvas size) it is. */
function webpSize(bytes: Uint8Array): ImageSize | null {
  if (bytes.length < 30) return null;
  const v = view(bytes);
  const chunk = String.fromCharCode(...bytes.subarray(12, 16));
  if (chunk === 'VP8 ') {
    // 3-byte frame tag, the start code 9d 01 2a, then 14-bit width and height (2 bits of scale above each).
    if (!startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) return null;
    return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    // Signature 0x2f, then width − 1 and height − 1 in 14 bits each, least significant bits first.
    if (bytes[20] !== 0x2f) return null;
    const bits = v.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    // Flags and 3 reserved bytes, then canvas width − 1 and height − 1 as 24-bit little-endian.
    const u24 = (at: number) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
    return { width: u24(24) + 1, height: u24(27) + 1 };
  }
  return null;
}

/** The size to ask the browser to decode to: within `fit` × `fit`, aspect kept, never larger than the image. */
export function fitWithin(size: ImageSize, fit: number): ImageSize {
  const scale = Math.min(1, fit / Math.max(size.width, size.height));
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}
