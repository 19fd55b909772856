// A share Worker: computes the gradient of its rows of each of the training worker's steps, at the parameters the
// training worker publishes, and nothing else — no optimizer, no position in the data, no model of its own that
// could drift (www/team/). Sharing memory, it waits between steps on the shared buffer (www/team/wait.ts) and reads
// its messages (a new model) when no step has come for a while; elsewhere each step comes as a message.
import { ShareHandle, ShareSums } from '../pkg/vae_playground.js';
import { Float, Status, Word, helperWords, views, type Sizes, type Views } from './team/layout.js';
import type { FromShareWorker, ToShareWorker } from './team/protocol.js';
import { announce, awaitChange } from './team/wait.js';
import { errorMessage, loadWasm } from './wasm.js';
import { yieldToEvents } from './worker/yield.js';

/** How long a wait for the next step lasts before the Worker looks at its messages. */
const IDLE_MS = 50;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToShareWorker>) => void) | null;
  postMessage(message: FromShareWorker, transfer?: Transferable[]): void;
};

let wasm: Promise<void> = Promise.reject(new Error('This share Worker was given no wasm to load.'));
wasm.catch(() => {});
let index = -1;

/** The model whose steps it computes shares of. */
interface Current {
  model: number;
  handle: ShareHandle;
  sizes: Sizes;
  /** The shared buffer's views (null: steps come by message), and the dispatch count last answered. */
  views: Views | null;
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
        const team = message.buffer && views(message.buffer, message.sizes);
        index = message.index;
        current = { model: message.model, handle, sizes: message.sizes, views: team, seen: team ? Atomics.load(team.header, Word.dispatched) : 0 };
        scope.postMessage({ type: 'ready', model: message.model });
        if (team && !looping) void loop();
      } catch (cause) {
        fail(message.model, cause);
      }
      return;
    }
    case 'step': {
      // Its own buffer, laid out for one helper: this Worker is helper 0 in it. A step for a model it no longer
      // holds (or after a trap, which it has reported) goes back as it came: the training worker drops it.
      if (current?.model === message.model && !failed) computeShare(current.handle, views(message.buffer, { ...current.sizes, helpers: 1 }), 0);
      scope.postMessage({ type: 'stepped', model: message.model, buffer: message.buffer }, [message.buffer]);
    }
  }
}

function fail(model: number, cause: unknown): void {
  failed = cause instanceof WebAssembly.RuntimeError; // a trapped instance may be half-changed: nothing more
  scope.postMessage({ type: 'failed', model, message: errorMessage(cause), trapped: failed });
}

/** Sharing memory: answers steps while it has a model; looks at its messages whenever no step came for IDLE_MS. */
async function loop(): Promise<void> {
  looping = true;
  while (current?.views && !failed) {
    const { header } = current.views;
    const seen = Atomics.load(header, Word.dispatched);
    if (seen !== current.seen) {
      current.seen = seen;
      computeShare(current.handle, current.views, index);
      announce(header, Word.finished, 1, Word.trainerAsleep);
      continue;
    }
    if (awaitChange(header, Word.dispatched, current.seen, Word.helpersAsleep, IDLE_MS) === 'timed-out') await yieldToEvents();
  }
  looping = false;
}

/** This Worker's share of the step in `team` (it is helper `k` there): gradient, sums and status into the buffer. */
function computeShare(handle: ShareHandle, team: Views, k: number): void {
  const { header, floats, sums: teamSums, indices, noise, parameters, gradients } = team;
  const words = helperWords(k);
  const start = Atomics.load(header, words.start);
  const end = Atomics.load(header, words.end);
  let status: number = Status.ok;
  try {
    if (diagnostics.failNext) {
      diagnostics.failNext = false;
      throw new WebAssembly.RuntimeError('unreachable (injected by a test)');
    }
    if (end > start) {
      const latent = team.sizes.latent;
      const into = sums!;
      handle.compute(parameters, indices.subarray(start, end), noise.subarray(start * latent, end * latent), end - start, floats[Float.beta], floats[Float.scale], into);
      handle.copyGradientsTo(gradients[k]);
      teamSums[2 * k] = into.recon;
      teamSums[2 * k + 1] = into.kl;
    }
  } catch (cause) {
    status = Status.failed;
    fail(current?.model ?? 0, cause);
  }
  team.finishedAt[k] = performance.timeOrigin + performance.now();
  Atomics.store(header, words.status, status);
}
