// Digits on a canvas: columns × rows digits of 784 intensities each (row by row) as one picture, white ink on black
// as in MNIST (scaled up by CSS, pixelated). One digit is 1 × 1; a strip is n × 1.

export const SIDE = 28;

/** The last tiles drawn on each canvas, so an overlay (a focus outline) can be redrawn without decoding again. */
const drawn = new WeakMap<HTMLCanvasElement, ImageData>();

export function drawTiles(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, columns: number, rows = columns): void {
  const width = columns * SIDE;
  const height = rows * SIDE;
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
    const ox = (cell % columns) * SIDE;
    const oy = Math.floor(cell / columns) * SIDE;
    const from = cell * SIDE * SIDE;
    for (let y = 0; y < SIDE; y++) {
      const row = (oy + y) * width + ox;
      for (let x = 0; x < SIDE; x++) {
        const p = pixels[from + y * SIDE + x];
        const v = p <= 0 ? 0 : p >= 1 ? 255 : Math.round(p * 255);
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
