// The training worker's side of evaluation away from training: each epoch's parameters go to the evaluator (a Worker
// of its own) and the figures come back while training goes on. Where a Worker cannot start another (or the evaluator
// fails), the same evaluation runs in the training worker itself, on the same wasm function: the figures are the
// same either way, only where the time goes differs.
import type { DecoderDescriptor } from '../protocol.js';
import { startWorker } from '../start-worker.js';
import { Trapped, type TrapGuard } from '../worker/traps.js';
import type { Figures, FromEvaluator, ToEvaluator } from './protocol.js';
import { TestSet } from './test-set.js';

interface Pending {
  model: number;
  parameters: Float32Array;
  resolve(figures: Figures): void;
  reject(cause: Error): void;
}

/** Where the evaluations run: 'worker' (away from training) or 'here' (in the training worker). */
export type EvaluationPlace = 'worker' | 'here';

export class Evaluation {
  #worker: Worker | null;
  readonly #guard: TrapGuard;
  /** The current model's number (0: none yet). */
  #model = 0;
  /** The current model's test set here, for evaluating in this worker should it come to that. */
  readonly #here = new TestSet();
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  /** `evaluatorUrl`: the evaluator's script, or null to evaluate here. */
  constructor(evaluatorUrl: string | null, wasmUrl: string, guard: TrapGuard) {
    this.#guard = guard;
    this.#worker = evaluatorUrl !== null && typeof Worker === 'function' ? tryStart(evaluatorUrl) : null;
    if (!this.#worker) return;
    this.#worker.onmessage = (event: MessageEvent<FromEvaluator>) => this.#receive(event.data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#moveHere(`the evaluator failed to start or crashed (${event.message || 'no details'})`);
    };
    this.#post({ type: 'load', wasm: wasmUrl });
  }

  get place(): EvaluationPlace {
    return this.#worker ? 'worker' : 'here';
  }

  /** The model that later evaluations are for: its structure and test images. */
  model(descriptor: DecoderDescriptor, testImages: Uint8Array): void {
    this.#model++;
    this.#here.model(this.#model, descriptor, testImages);
    this.#post({ type: 'model', model: this.#model, descriptor, testImages });
  }

  /**
   * The test −ELBO of the current model's parameters (`parametersNow` copies them, at once); rejects with `Trapped`
   * if the wasm evaluating them traps.
   */
  evaluate(parametersNow: () => Float32Array): Promise<Figures> {
    const model = this.#model;
    if (model === 0) return Promise.reject(new Error('No model to evaluate yet.'));
    // An injected trap (end-to-end tests) is for the wasm that evaluates: the evaluator's, when there is one.
    const injectTrap = this.#worker !== null && this.#guard.injectAt === 'evaluate';
    if (injectTrap) this.#guard.injectAt = null;
    let parameters: Float32Array;
    try {
      parameters = this.#guard.run('evaluate', parametersNow);
    } catch (cause) {
      return Promise.reject(cause);
    }
    if (!this.#worker) return Promise.resolve().then(() => this.#evaluateHere(model, parameters));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { model, parameters, resolve, reject });
      this.#post({ type: 'evaluate', id, model, parameters, injectTrap });
    });
  }

  #receive(message: FromEvaluator): void {
    const pending = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    if (!pending) return;
    switch (message.type) {
      case 'figures':
        return pending.resolve(message.figures);
      case 'trapped':
        // As if the trainer's own wasm had trapped: said once, and nothing more is asked of either.
        this.#guard.trappedElsewhere('evaluate', message.message);
        pending.reject(new Trapped(message.message));
        for (const other of this.#pending.values()) other.reject(new Trapped(message.message));
        this.#pending.clear();
        return;
      case 'failed':
        this.#pending.set(message.id, pending);
        return this.#moveHere(message.message);
    }
  }

  /** From now on every evaluation runs here, those still waiting first. */
  #moveHere(why: string): void {
    console.warn(`vae-playground: evaluating in the training worker: ${why}`);
    this.#worker?.terminate();
    this.#worker = null;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      try {
        pending.resolve(this.#evaluateHere(pending.model, pending.parameters));
      } catch (cause) {
        pending.reject(cause instanceof Error ? cause : new Error(String(cause)));
      }
    }
  }

  #evaluateHere(model: number, parameters: Float32Array): Figures {
    return this.#guard.run('evaluate', () => this.#here.evaluate(model, parameters));
  }

  #post(message: ToEvaluator): void {
    this.#worker?.postMessage(message);
  }
}

function tryStart(url: string): Worker | null {
  try {
    return startWorker(url, 'vae-playground evaluator');
  } catch (cause) {
    console.warn(`vae-playground: evaluating in the training worker: the evaluator could not start (${cause})`);
    return null;
  }
}
