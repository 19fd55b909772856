// What the element keeps so that a worker that traps can be replaced: the last good weights (the worker's checkpoint
// at each epoch's end and when training stops, or the file the model was loaded from) with their epoch and the loss
// curves as they were then; and the requests that trapped, which are refused from then on instead of made again.
import type { RequestKind, TrainSettings } from '../protocol.js';
import type { SavedHistory } from '../views/loss-history.js';
import { blockedBy, refusedWords, type RestartPoint, type TrapReport } from './traps.js';

export interface Checkpoint {
  /** A .safetensors file; null for a fresh model (the new worker builds the same one from the settings). */
  bytes: ArrayBuffer | null;
  epoch: number;
  /** The weights are a loaded file's, not trained on since. */
  fromFile: boolean;
  /** The settings the weights were trained with. */
  settings: TrainSettings;
  /** The loss curves as they were at this point (later steps are trained again). */
  curves: SavedHistory | null;
}

export class Recovery {
  #checkpoint: Checkpoint | null = null;
  readonly #refused = new Map<RequestKind, string>();

  get checkpoint(): Checkpoint | null {
    return this.#checkpoint;
  }

  /** The model is fresh (a boot, a reset): a new worker would build the same one. */
  fresh(settings: TrainSettings): void {
    this.#checkpoint = { bytes: null, epoch: 0, fromFile: false, settings: { ...settings }, curves: null };
  }

  keep(checkpoint: Checkpoint): void {
    this.#checkpoint = checkpoint;
  }

  /** Where a new worker would start from, for the words. */
  restartPoint(): RestartPoint {
    const c = this.#checkpoint;
    return { epoch: c?.bytes ? c.epoch : null, fromFile: c?.fromFile ?? false };
  }

  /** The requests this trap stops from being made again. */
  refuse(trap: TrapReport): void {
    for (const kind of blockedBy(trap)) this.#refused.set(kind, refusedWords(trap));
  }

  /** Why a request of this kind is not made, or null. */
  refusal(kind: RequestKind): Error | null {
    const words = this.#refused.get(kind);
    return words ? new AlreadySaid(words) : null;
  }

  /** Starting over from the inputs: what trapped may be tried again. */
  forgetRefusals(): void {
    this.#refused.clear();
  }
}

/**
 * An error whose news the person already has — a request refused because it trapped before, a call cut short by the
 * trap itself or by the restart after it: the trap's message said it, so a view does not report it again.
 */
export class AlreadySaid extends Error {}
