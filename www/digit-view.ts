// The decoded digit: 28 × 28 intensities drawn at native size and scaled up by CSS (pixelated).
const SIDE = 28;

export class DigitView {
  #ctx: CanvasRenderingContext2D;
  #image: ImageData;

  constructor(canvas: HTMLCanvasElement) {
    canvas.width = SIDE;
    canvas.height = SIDE;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot draw on a canvas (2d context unavailable).');
    this.#ctx = ctx;
    this.#image = ctx.createImageData(SIDE, SIDE);
  }

  /** Draws 784 intensities in [0, 1], white ink on black as in MNIST. */
  draw(pixels: ArrayLike<number>): void {
    const data = this.#image.data;
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = Math.round(Math.max(0, Math.min(1, pixels[i])) * 255);
      data[4 * i] = v;
      data[4 * i + 1] = v;
      data[4 * i + 2] = v;
      data[4 * i + 3] = 255;
    }
    this.#ctx.putImageData(this.#image, 0, 0);
  }
}
