// A model's test set, evaluated in this realm's wasm: what the evaluator Worker runs, and what the training worker
// runs in its place where that Worker cannot. Its wasm handle is made on the first evaluation (wasm is loaded by then).
import { EvaluatorHandle } from '../../pkg/vae_playground.js';
import type { DecoderDescriptor } from '../protocol.js';
import type { Figures } from './protocol.js';

export class TestSet {
  #model: { id: number; descriptor: DecoderDescriptor; testImages: Uint8Array; handle: EvaluatorHandle | null } | null = null;

  /** The model `id` later evaluations are for (the handle of the one before is freed). */
  model(id: number, descriptor: DecoderDescriptor, testImages: Uint8Array): void {
    this.#model?.handle?.free();
    this.#model = { id, descriptor, testImages, handle: null };
  }

  /** The test −ELBO of `parameters` of model `id`; throws if that is not the model held. */
  evaluate(id: number, parameters: Float32Array): Figures {
    const model = this.#model;
    if (model?.id !== id) throw new Error(`no model ${id} to evaluate`);
    model.handle ??= new EvaluatorHandle(model.descriptor, model.testImages);
    const result = model.handle.evaluate(parameters);
    const figures = { testElbo: result.negElbo, recon: result.recon, kl: result.kl };
    result.free();
    return figures;
  }
}
