// A person's files, read in the worker: www/data/ingest.ts decodes them with the browser's decoders, and the Rust
// core prepares each one the MNIST way through the same code as the Draw pad (src/drawing.rs). One ingest at a time;
// Cancel aborts it. Progress goes to the element as `ingest` events.
import { prepareDrawing } from '../../pkg/vae_playground.js';
import { ingest, type Collected, type IngestProgress, type IngestResult, type Prepare } from '../data/ingest.js';
import { MNIST_SPEC } from '../datasets.js';
import type { TrapGuard } from './traps.js';

/**
 * The MNIST way for a photo, a scan or a drawing on paper: `gray` has 1 = white as the image looks; MNIST's digits
 * are white ink on black, so an image whose background is light (the median of its border) is inverted first; then
 * `prepareDrawing` boxes the ink into 20 × 20 and centres its mass in 28 × 28. (The Rust core's `prepareImage` will do
 * both in one call.)
 */
export function prepareImageWith(prepareDrawing: (pixels: Float32Array, width: number, height: number) => ArrayLike<number>): Prepare {
  return (gray, width, height) => {
    const ink = lightBackground(gray, width, height) ? gray.map((v) => 1 - v) : gray;
    return Float32Array.from(prepareDrawing(ink, width, height));
  };
}

/** Whether the image's border is mostly light: the median of the pixels on its edge above one half. */
export function lightBackground(gray: Float32Array, width: number, height: number): boolean {
  const edge: number[] = [];
  for (let x = 0; x < width; x++) edge.push(gray[x], gray[(height - 1) * width + x]);
  for (let y = 1; y < height - 1; y++) edge.push(gray[y * width], gray[y * width + width - 1]);
  edge.sort((a, b) => a - b);
  return edge[Math.floor(edge.length / 2)] > 0.5;
}

export class OwnImageReader {
  readonly #guard: TrapGuard;
  readonly #progress: (progress: IngestProgress) => void;
  #under: AbortController | null = null;

  constructor(guard: TrapGuard, progress: (progress: IngestProgress) => void) {
    this.#guard = guard;
    this.#progress = progress;
  }

  /** The files read and prepared; an IngestError names what could not be used, an AbortError means Cancel. */
  async read(collected: Collected): Promise<IngestResult> {
    this.cancel(); // one at a time: a newer drop replaces one still being read
    const controller = (this.#under = new AbortController());
    const prepare = prepareImageWith((pixels, width, height) => this.#guard.run('prepare', () => prepareDrawing(pixels, width, height)));
    try {
      return await ingest(collected, {
        prepare, spec: MNIST_SPEC, signal: controller.signal, onProgress: this.#progress, progressInterval: 150,
      });
    } finally {
      if (this.#under === controller) this.#under = null;
    }
  }

  cancel(): void {
    this.#under?.abort(new DOMException('Reading your images was cancelled.', 'AbortError'));
    this.#under = null;
  }
}
