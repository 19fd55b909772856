// One image file → grayscale intensities, through the browser's own decoders (createImageBitmap + OffscreenCanvas).
// Meant for the worker; works on a page too (both have OffscreenCanvas). The size is read from the header first, so
// an absurd image is refused before decoding and a large one is decoded downscaled.
import { fitWithin, HEADER_BYTES, imageSize, JPEG_HEADER_BYTES, sniffFormat, type ImageFormat, type ImageSize } from './image-header.js';
import { formatBytes, type IngestLimits } from './limits.js';
import { NOT_AN_IMAGE } from './paths.js';

export const UNDECODABLE = 'the browser could not decode it';

/** A file worth decoding: its format, its size from the header, and the size to decode it to. */
export interface Inspected {
  format: ImageFormat;
  size: ImageSize;
  target: ImageSize;
}

/** RGBA pixels, not premultiplied, row by row (what getImageData returns). */
export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Decodes `blob` (whose header said `size`) to about `target` pixels: the browser's decoders, or a stand-in in tests. */
export type Rasterise = (blob: Blob, size: ImageSize, target: ImageSize) => Promise<Rgba>;

async function bytesOf(blob: Blob, length: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(0, length).arrayBuffer());
}

/** What the file is and how large, or why it is not read: runs before any decoding. */
export async function inspectImage(
  blob: Blob,
  limits: Pick<IngestLimits, 'maxImageBytes' | 'maxPixels' | 'decodeFit'>,
): Promise<Inspected | { reason: string }> {
  if (blob.size > limits.maxImageBytes) return { reason: `larger than ${formatBytes(limits.maxImageBytes)}, the most read for one image` };
  let head = await bytesOf(blob, HEADER_BYTES);
  const format = sniffFormat(head);
  if (format === 'zip') return { reason: 'a zip archive, not an image (zips are opened when their name ends in .zip, and not inside a zip)' };
  if (format === null) return { reason: NOT_AN_IMAGE };
  let size = imageSize(head, format);
  if (!size && format === 'jpeg' && blob.size > head.length) {
    head = await bytesOf(blob, JPEG_HEADER_BYTES);
    size = imageSize(head, format);
  }
  if (!size) return { reason: `${UNDECODABLE} (its header is damaged or cut short)` };
  const pixels = size.width * size.height;
  if (pixels > limits.maxPixels) {
    const mp = (n: number) => `${+(n / 1e6).toFixed(1)} megapixels`;
    return { reason: `${size.width} × ${size.height} pixels (${mp(pixels)}) is too large: at most ${mp(limits.maxPixels)} are decoded` };
  }
  return { format, size, target: fitWithin(size, limits.decodeFit) };
}

let canvas: OffscreenCanvas | null = null;

/**
 * The browser's decoders: createImageBitmap with a resize, so that neither the bitmap nor the canvas nor the pixels
 * read back are ever at a large image's full size (how the decoder itself gets there is the browser's business; the
 * e2e test decodes an 8,000 × 8,000 PNG this way in a worker). Only the longer side's size is given: the browser
 * keeps the aspect ratio, which also holds for JPEGs that EXIF rotates. Animated GIF and WebP give their first frame.
 */
export const browserRasterise: Rasterise = async (blob, size, target) => {
  const options: ImageBitmapOptions = { resizeQuality: 'high', colorSpaceConversion: 'default' };
  if (target.width < size.width || target.height < size.height) {
    if (size.width >= size.height) options.resizeWidth = target.width;
    else options.resizeHeight = target.height;
  }
  const bitmap = await createImageBitmap(blob, options);
  try {
    canvas ??= new OffscreenCanvas(1, 1);
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('no 2D context on OffscreenCanvas');
    context.clearRect(0, 0, bitmap.width, bitmap.height);
    context.drawImage(bitmap, 0, 0);
    return { data: context.getImageData(0, 0, bitmap.width, bitmap.height).data, width: bitmap.width, height: bitmap.height };
  } finally {
    bitmap.close();
  }
};

/** Rec. 709 luma weights, applied to the sRGB-encoded values (luma, not linear luminance: the gray a person sees). */
const LUMA = [0.2126, 0.7152, 0.0722] as const;

/**
 * Grayscale in [0, 1] (1 = white), row by row. Transparent pixels are composited over white, unless what is drawn
 * (the alpha-weighted mean luma of the visible pixels) is light, then over black: either way the transparent area
 * contrasts with the ink, so dark strokes on a transparent background and light ones both survive. (Over white
 * always, a white-on-transparent letter would vanish; over black always, the far more common black-on-transparent
 * one.) Opaque images are unchanged by this. Which way round the ink is, preparation decides.
 */
export function toGray({ data, width, height }: Rgba): Float32Array {
  const n = width * height;
  const luma = new Float32Array(n);
  const alpha = new Float32Array(n);
  let weight = 0;
  let weightedLuma = 0;
  for (let i = 0; i < n; i++) {
    const y = (LUMA[0] * data[4 * i] + LUMA[1] * data[4 * i + 1] + LUMA[2] * data[4 * i + 2]) / 255;
    const a = data[4 * i + 3] / 255;
    luma[i] = y;
    alpha[i] = a;
    weight += a;
    weightedLuma += a * y;
  }
  const backdrop = weight > 0 && weightedLuma / weight > 0.5 ? 0 : 1;
  for (let i = 0; i < n; i++) luma[i] = Math.min(1, Math.max(0, luma[i] * alpha[i] + backdrop * (1 - alpha[i])));
  return luma;
}

/** True when every pixel has the same gray, to within one step of 8 bits: an image with nothing drawn on it. */
export function isAllOneColour(gray: Float32Array): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (const v of gray) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min <= 1.5 / 255;
}
