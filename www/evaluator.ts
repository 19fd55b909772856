// The evaluator: a Worker that never trains. The training worker hands it a model's structure and test images, then
// the parameters at each epoch's end, and goes on training while it computes the test −ELBO (www/evaluation/).
import type { FromEvaluator, ToEvaluator } from './evaluation/protocol.js';
import { TestSet } from './evaluation/test-set.js';
import { errorMessage, loadWasm } from './wasm.js';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToEvaluator>) => void) | null;
  postMessage(message: FromEvaluator): void;
};

let wasm: Promise<void> = Promise.reject(new Error('The evaluator was given no wasm to load.'));
wasm.catch(() => {});
const testSet = new TestSet();
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
      testSet.model(message.model, message.descriptor, message.testImages);
      return;
    case 'evaluate': {
      if (trapped) return;
      const { id } = message;
      try {
        await wasm;
        if (message.injectTrap) throw new WebAssembly.RuntimeError('injected at evaluate');
        scope.postMessage({ type: 'figures', id, figures: testSet.evaluate(message.model, message.parameters) });
      } catch (cause) {
        // After a trap the instance may be half-changed: nothing more is asked of it.
        trapped = cause instanceof WebAssembly.RuntimeError;
        scope.postMessage({ type: trapped ? 'trapped' : 'failed', id, message: errorMessage(cause) });
      }
    }
  }
}
