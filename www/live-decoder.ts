// The main thread's own decoder: the worker sends snapshots of the decoder's weights, this turns a latent point into
// a digit within the frame. Waiting for it ends at once, with the reason, once the element has failed or gone.
import { DecoderHandle } from '../pkg/vae_playground.js';
import type { DecoderDescriptor, TrainSettings } from './protocol.js';

export class LiveDecoder {
  #handle: DecoderHandle | null = null;
  #failure: Error | null = null;
  #waiting: { resolve(): void; reject(e: Error): void }[] = [];

  get latent(): number | null {
    return this.#handle?.latent() ?? null;
  }

  /** The decoder a fresh model with these settings starts from (either structure): a picture before the worker is up. */
  showInitial(settings: TrainSettings): void {
    this.replace(DecoderHandle.initialFor(settings));
  }

  /** A snapshot from the worker: its weights, flat, and what structure and sizes they are for. */
  showSnapshot(descriptor: DecoderDescriptor, weights: Float32Array): void {
    this.replace(DecoderHandle.fromSnapshot(descriptor, weights));
  }

  replace(next: DecoderHandle): void {
    this.#handle?.free();
    this.#handle = next;
    this.#failure = null;
    for (const w of this.#waiting.splice(0)) w.resolve();
  }

  /** 784 intensities for z, now; null before any decoder exists. */
  decodeNow(z: readonly number[]): Float32Array | null {
    return this.#handle ? this.#handle.decode(Float32Array.from(z)) : null;
  }

  /** Decodes as soon as a decoder exists; rejects at once if the element has failed or been removed. */
  async decode(z: ArrayLike<number>): Promise<Float32Array> {
    if (this.#failure) throw this.#failure;
    if (!this.#handle) await new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    return this.#handle!.decode(Float32Array.from(z));
  }

  /** No decoder from now on until the next `replace`: waiting and later calls reject with `reason`. */
  fail(reason: Error): void {
    this.#handle?.free();
    this.#handle = null;
    this.#failure = reason;
    for (const w of this.#waiting.splice(0)) w.reject(reason);
  }
}
