// Digits on a canvas: n × n digits of 784 intensities each as one picture, n·28 pixels a side, white ink on black
// as in MNIST (scaled up by CSS, pixelated). One digit is n = 1.

export const SIDE = 28;

/** The last tiles drawn on each canvas, so an overlay (a focus outline) can be redrawn without decoding again. */
const drawn = new WeakMap<HTMLCanvasElement, ImageData>();

export function drawTiles(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, n: number): void {
  const side = n * SIDE;
  if (canvas.width !== side || canvas.height !== side) {
    canvas.width = side;
    canvas.height = side;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on a canvas (2d context unavailable).');
  const image = drawn.get(canvas)?.width === side ? drawn.get(canvas)! : ctx.createImageData(side, side);
  const data = image.data;
  for (let cell = 0; cell < n * n; cell++) {
    const ox = (cell % n) * SIDE;
    const oy = Math.floor(cell / n) * SIDE;
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = Math.round(Math.max(0, Math.min(1, pixels[cell * SIDE * SIDE + i])) * 255);
      const at = 4 * ((oy + Math.floor(i / SIDE)) * side + ox + (i % SIDE));
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
