// Images on a canvas: columns × rows images of the dataset's spec (width × height intensities each, row by row) as
// one picture, white ink on black as in MNIST (scaled up by CSS, pixelated). One image is 1 × 1; a strip is n × 1.
import { MNIST_SPEC, type ImageSpec } from '../datasets.js';

/** The last tiles drawn on each canvas, so an overlay (a focus outline) can be redrawn without decoding again. */
const drawn = new WeakMap<HTMLCanvasElement, ImageData>();

export function drawTiles(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, columns: number, rows = columns, spec: ImageSpec = MNIST_SPEC): void {
  const { width: w, height: h } = spec;
  const width = columns * w;
  const height = rows * h;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on a canvas (2d context unavailable).');
  const previous = drawn.get(canvas);
  const image = previous && previous.width === width && previous.height === height ? previous : ctx.createImageData(width, height);
  // One 32-bit write per pixel (opaque grey: alpha 255 and v in each colour byte, little-endian as every browser is).
  const words = new Uint32Array(image.data.buffer);
  for (let cell = 0; cell < columns * rows; cell++) {
    const ox = (cell % columns) * w;
    const oy = Math.floor(cell / columns) * h;
    const from = cell * w * h;
    for (let y = 0; y < h; y++) {
      const row = (oy + y) * width + ox;
      for (let x = 0; x < w; x++) {
        const p = pixels[from + y * w + x];
        // Past the end of `pixels` (a grid not quite full): black.
        const v = !(p > 0) ? 0 : p >= 1 ? 255 : Math.round(p * 255);
        words[row + x] = 0xff000000 | (v << 16) | (v << 8) | v;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  drawn.set(canvas, image);
}

export function lastTiles(canvas: HTMLCanvasElement): ImageData | null {
  return drawn.get(canvas) ?? null;
}
