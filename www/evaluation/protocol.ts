// Between the training worker and its evaluator — a Worker of its own that never trains — typed once.
import type { DecoderDescriptor } from '../protocol.js';

/** The test negative ELBO per image and its two terms, in nats. */
export interface Figures {
  testElbo: number;
  recon: number;
  kl: number;
}

/** To the evaluator, in order: the wasm to load, then a model's structure and test images, then its parameters. */
export type ToEvaluator =
  | { type: 'load'; wasm: string }
  | { type: 'model'; model: number; descriptor: DecoderDescriptor; testImages: Uint8Array }
  /** `injectTrap`: for the end-to-end tests, this evaluation traps (as `TrapGuard.injectAt` does in the trainer). */
  | { type: 'evaluate'; id: number; model: number; parameters: Float32Array; injectTrap: boolean };

/** From the evaluator, one per `evaluate`: its figures, or why there are none. */
export type FromEvaluator =
  | { type: 'figures'; id: number; figures: Figures }
  /** Not a trap (the model could not be made, the wasm did not load): the trainer evaluates in its own Worker. */
  | { type: 'failed'; id: number; message: string }
  /** Its wasm trapped: it answers nothing more. */
  | { type: 'trapped'; id: number; message: string };
