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
  const data = image.data;
  for (let cell = 0; cell < columns * rows; cell++) {
    const ox = (cell % columns) * SIDE;
    const oy = Math.floor(cell / columns) * SIDE;
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = Math.round(Math.max(0, Math.min(1, pixels[cell * SIDE * SIDE + i])) * 255);
      const at = 4 * ((oy + Math.floor(i / SIDE)) * width + ox + (i % SIDE));
      data[at] = data[at + 1] = data[at + 2] = v;
      data[at + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  drawn.set(canvas, image);
}

export function lastTiles(canvas: HTMLCanvasElement): ImageData | null {
  return drawn.get(canvas) ?? null;
}
