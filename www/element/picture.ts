// The latent point and the digit it decodes to, on the main thread: the decoder (initial, or the worker's latest
// snapshot), z, its pixels (decoded at most once a frame), and the person's drawing and its code.
import { LiveDecoder } from '../live-decoder.js';
import type { DecoderDescriptor, TrainSettings } from '../protocol.js';

export class Picture {
  readonly decoder = new LiveDecoder();
  z: readonly number[] = [0, 0];
  /** The decoded digit at z. */
  pixels: Float32Array | null = null;
  /** Counts decoder changes (snapshots, resets, loaded files): views that decode many points redraw when it moves. */
  decoderVersion = 0;
  /** The code of the person's drawing, shown as a cross in the latent panel. */
  marker: readonly number[] | null = null;
  /** The person's drawing prepared as an MNIST digit. */
  drawing: Float32Array | null = null;
  #needsDecode = false;
  #firstDigitMarked = false;

  /** The decoder a fresh model with these settings starts from. Returns the new latent size if it changed. */
  showInitial(settings: TrainSettings): number | null {
    return this.#changed(() => this.decoder.showInitial(settings));
  }

  /** A snapshot from the worker. Returns the new latent size if it changed. */
  showSnapshot(descriptor: DecoderDescriptor, weights: Float32Array): number | null {
    return this.#changed(() => this.decoder.showSnapshot(descriptor, weights));
  }

  /** Moves z (of the decoder's size; another size is ignored). */
  moveTo(z: readonly number[]): boolean {
    if (z.length !== this.z.length) return false;
    this.z = [...z];
    this.#needsDecode = true;
    return true;
  }

  /** Decodes z if it moved or the decoder changed since the last frame; `decoded` hears of the new pixels. */
  decodeIfMoved(decoded: (pixels: Float32Array) => void): void {
    if (!this.#needsDecode) return;
    this.#needsDecode = false;
    const pixels = this.decoder.decodeNow(this.z);
    if (!pixels) return;
    this.pixels = pixels;
    if (!this.#firstDigitMarked) {
      this.#firstDigitMarked = true;
      performance.mark('vae-playground:first-digit'); // read by the benchmark
    }
    decoded(pixels);
  }

  /** The decoder's latent size may differ from z's (a new model, a loaded file): z starts at the origin then. */
  #changed(show: () => void): number | null {
    show();
    this.decoderVersion++;
    this.#needsDecode = true;
    const latent = this.decoder.latent;
    if (latent === null || latent === this.z.length) return null;
    this.z = new Array(latent).fill(0);
    return latent;
  }
}
