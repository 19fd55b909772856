// A person's files, read in the worker: www/data/ingest.ts decodes them with the browser's decoders, and the Rust
// core prepares each one the MNIST way (`prepareImage`, what the CLI's `--data` uses for a folder of images). One
// ingest at a time; Cancel aborts it. Progress goes to the element as `ingest` events.
import { prepareImage } from '../../pkg/vae_playground.js';
import { ingest, type Collected, type IngestProgress, type IngestResult } from '../data/ingest.js';
import { MNIST_SPEC } from '../datasets.js';
import type { TrapGuard } from './traps.js';

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
    const prepare = (gray: Float32Array, width: number, height: number) =>
      this.#guard.run('prepare', () => prepareImage(gray, width, height)) ?? null;
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
