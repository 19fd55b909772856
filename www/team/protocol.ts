// Between the training worker and the Workers that compute shares of its steps (www/share-worker.ts), typed once.
// Messages carry the set-up; the steps go through the shared buffer (layout.ts) and Atomics where the page is
// cross-origin isolated, and as `step` / `stepped` messages (a buffer transferred there and back) elsewhere.
import type { DecoderDescriptor } from '../protocol.js';
import type { Sizes } from './layout.js';

/** To a share Worker, in order: the wasm to load, then each model it computes shares of. */
export type ToShareWorker =
  | { type: 'load'; wasm: string }
  /**
   * A new model (or data, or team): its structure, the training images its indices name, the buffer of its steps,
   * and which share Worker this one is in it.
   */
  | {
      type: 'model'; model: number; index: number; descriptor: DecoderDescriptor; trainImages: Uint8Array; sizes: Sizes;
      /** The shared buffer of its steps; null when steps come by message (`step`). */
      buffer: SharedArrayBuffer | null;
    }
  /** Exchanging by messages: a step's share, in this Worker's own buffer (laid out for one helper), transferred. */
  | { type: 'step'; model: number; buffer: ArrayBuffer };

export type FromShareWorker =
  /** Ready for the steps of `model`. */
  | { type: 'ready'; model: number }
  /** A `step`'s buffer back, its share's gradient and sums in it (or its failure in its status word). */
  | { type: 'stepped'; model: number; buffer: ArrayBuffer }
  /** It could not make the model or compute a share (`trapped`: its wasm trapped); it computes nothing more. */
  | { type: 'failed'; model: number; message: string; trapped: boolean };
