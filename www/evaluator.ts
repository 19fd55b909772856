// The evaluator: a Worker that never trains. The training worker hands it a model's structure and test images, then
// the parameters at each epoch's end, and goes on training while it computes the test −ELBO (www/evaluation/).
import { EvaluatorHandle } from '../pkg/vae_playground.js';
import type { FromEvaluator, ToEvaluator } from './evaluation/protocol.js';
import { errorMessage, loadWasm } from './wasm.js';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToEvaluator>) => void) | null;
  postMessage(message: FromEvaluator): void;
};

let wasm: Promise<void> = Promise.reject(new Error('The evaluator was given no wasm to load.'));
wasm.catch(() => {});
/** The model it evaluates for: made when its first evaluation comes (wasm is loaded by then). */
let model: { id: number; descriptor: unknown; testImages: Uint8Array; handle: EvaluatorHandle | null } | null = null;
let trapped = false;

// One message at a time, in order: an evaluation always finds the model sent before it.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event) => {
  queue = queue.then(() => handle(event.data));
};

async function handle(message: ToEvaluator): Promise<void> {
  switch (message.type) {
    case 'load':
      wasm = loadWasm(message.wasm);
      wasm.catch(() => {}); // said with the first evaluation
      return;
    case 'model':
      model?.handle?.free();
      model = { id: message.model, descriptor: message.descriptor, testImages: message.testImages, handle: null };
      return;
    case 'evaluate': {
      if (trapped) return;
      const { id } = message;
      try {
        await wasm;
        if (model?.id !== message.model) throw new Error(`no model ${message.model} to evaluate`);
        model.handle ??= new EvaluatorHandle(model.descriptor, model.testImages);
        if (message.injectTrap) throw new WebAssembly.RuntimeError('injected at evaluate');
        const result = model.handle.evaluate(message.parameters);
        const figures = { testElbo: result.negElbo, recon: result.recon, kl: result.kl };
        result.free();
        scope.postMessage({ type: 'figures', id, figures });
      } catch (cause) {
        // After a trap the instance may be half-changed: nothing more is asked of it.
        trapped = cause instanceof WebAssembly.RuntimeError;
        scope.postMessage({ type: trapped ? 'trapped' : 'failed', id, message: errorMessage(cause) });
      }
    }
  }
}
