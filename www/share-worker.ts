// A share Worker: computes the gradient of its rows of each of the training worker's steps, at the parameters the
// training worker publishes, and nothing else — no optimizer, no position in the data, no model of its own that
// could drift (www/team/). Between steps it waits on the shared buffer (www/team/wait.ts); it reads its messages (a
// new model) when no step has come for a while.
import { ShareHandle, ShareSums } from '../pkg/vae_playground.js';
import { Float, Status, Word, helperWords, views, type Views } from './team/layout.js';
import type { FromShareWorker, ToShareWorker } from './team/protocol.js';
import { announce, awaitChange } from './team/wait.js';
import { errorMessage, loadWasm } from './wasm.js';
import { yieldToEvents } from './worker/yield.js';

/** How long a wait for the next step lasts before the Worker looks at its messages. */
const IDLE_MS = 50;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToShareWorker>) => void) | null;
  postMessage(message: FromShareWorker): void;
};

let wasm: Promise<void> = Promise.reject(new Error('This share Worker was given no wasm to load.'));
wasm.catch(() => {});
let index = -1;

/** The model whose steps it computes shares of. */
interface Current {
  model: number;
  handle: ShareHandle;
  views: Views;
  /** The dispatch count last answered. */
  seen: number;
}
let current: Current | null = null;
/** For the end-to-end tests (Playwright evaluates in this Worker): `failNext` makes the next share fail as a trap. */
const diagnostics = { failNext: false };
(self as unknown as { vaePlaygroundShareDiagnostics: typeof diagnostics }).vaePlaygroundShareDiagnostics = diagnostics;
let looping = false;
let failed = false;
/** Where a share's sums go (one object, made once the wasm is loaded: a step allocates nothing). */
let sums: ShareSums | null = null;

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event) => {
  queue = queue.then(() => handle(event.data));
};

async function handle(message: ToShareWorker): Promise<void> {
  switch (message.type) {
    case 'load':
      wasm = loadWasm(message.wasm);
      wasm.catch(() => {}); // said when a model is made
      return;
    case 'model': {
      if (failed) return;
      const previous = current;
      current = null;
      previous?.handle.free();
      try {
        await wasm;
        sums ??= new ShareSums();
        const handle = new ShareHandle(message.descriptor, message.trainImages, message.sizes.batch);
        const team = views(message.buffer, message.sizes);
        index = message.index;
        current = { model: message.model, handle, views: team, seen: Atomics.load(team.header, Word.dispatched) };
        scope.postMessage({ type: 'ready', model: message.model });
        if (!looping) void loop();
      } catch (cause) {
        fail(message.model, cause);
      }
    }
  }
}

function fail(model: number, cause: unknown): void {
  failed = cause instanceof WebAssembly.RuntimeError; // a trapped instance may be half-changed: nothing more
  scope.postMessage({ type: 'failed', model, message: errorMessage(cause), trapped: failed });
}

/** Answers steps while it has a model; looks at its messages whenever no step came for IDLE_MS. */
async function loop(): Promise<void> {
  looping = true;
  while (current && !failed) {
    const { header } = current.views;
    if (Atomics.load(header, Word.dispatched) !== current.seen) {
      computeShare(current);
      continue;
    }
    if (awaitChange(header, Word.dispatched, current.seen, Word.helpersAsleep, IDLE_MS) === 'timed-out') await yieldToEvents();
  }
  looping = false;
}

function computeShare(team: Current): void {
  const { header, floats, sums: teamSums, indices, noise, parameters, gradients } = team.views;
  team.seen = Atomics.load(header, Word.dispatched);
  const words = helperWords(index);
  const start = Atomics.load(header, words.start);
  const end = Atomics.load(header, words.end);
  let status: number = Status.ok;
  try {
    if (diagnostics.failNext) {
      diagnostics.failNext = false;
      throw new WebAssembly.RuntimeError('unreachable (injected by a test)');
    }
    if (end > start) {
      const latent = team.views.sizes.latent;
      const rows = end - start;
      const into = sums!;
      team.handle.compute(parameters, indices.subarray(start, end), noise.subarray(start * latent, end * latent), rows, floats[Float.beta], floats[Float.scale], into);
      team.handle.copyGradientsTo(gradients[index]);
      teamSums[2 * index] = into.recon;
      teamSums[2 * index + 1] = into.kl;
    }
  } catch (cause) {
    status = Status.failed;
    fail(team.model, cause);
  }
  Atomics.store(header, words.status, status);
  announce(header, Word.finished, 1, Word.trainerAsleep);
}
