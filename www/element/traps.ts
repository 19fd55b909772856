// When the worker's wasm traps: what to tell the person (what broke, that it was restarted, from which epoch), and
// which requests are not made again. A request that trapped would trap again if a view asked for it on its own (the
// Compress view fitting PCA on a data set too large for wasm's 4 GB): it is refused with these words instead, until
// the element starts over from its inputs (new `data`/`weights`, Retry).
import type { RequestKind, TrapSite } from '../protocol.js';
import { countOf } from '../english.js';

export interface TrapReport {
  where: TrapSite;
  /** The RuntimeError's own message ("unreachable", "memory access out of bounds", …). */
  message: string;
  /** The worker's wasm memory when it trapped. */
  heapBytes: number;
}

/** The model the new worker starts from. */
export interface RestartPoint {
  /** Epochs the weights had been trained for; null for a fresh model. */
  epoch: number | null;
  /** Whether the weights came from a file (the `weights` attribute, a kept run, loadWeights) and no epoch was trained since. */
  fromFile: boolean;
}

const DOING: Record<TrapSite, string> = {
  init: 'loading the digits and building the model',
  command: 'handling a command',
  step: 'taking a training step',
  progress: 'reporting progress',
  decoder: 'copying the decoder for the page',
  evaluate: 'evaluating the test digits at the end of an epoch',
  latents: 'computing the test digits’ codes for the latent panel',
  checkpoint: 'keeping a copy of the weights',
  state: 'keeping the training state for the time-lapse',
  classifier: 'training the digit classifier',
  export: 'exporting the weights',
  load: 'loading weights',
  encode: 'encoding a digit',
  manifold: 'decoding the manifold (Generate)',
  sample: 'decoding random samples',
  recover: 'recovering a damaged digit (Recover)',
  testDigits: 'reading test digits',
  compress: 'compressing a digit with the VAE and with PCA fitted on the training digits (Compress)',
  compressStats: 'comparing the VAE and PCA over the test digits (Compress)',
  nearest: 'finding the nearest training digits (Judge)',
  coverage: 'measuring digit coverage (Judge)',
  classify: 'classifying a digit',
  prepare: 'preparing your images',
  data: 'loading a dataset',
  own: 'building a dataset from your images',
  ingest: 'reading your images',
  branch: 'going on from a recorded training state (time-lapse)',
  manifoldOf: 'decoding the manifold of a recorded moment (time-lapse)',
};

/** What the worker was doing, in words. */
export function doing(where: TrapSite): string {
  return DOING[where];
}

/** At or above this much wasm memory, a trap is most likely a failed allocation (Rust aborts with `unreachable`). */
const LARGE_HEAP = 1024 ** 3;

/** What broke, in words: "ran out of memory (…)" when the heap was large, else the error itself. */
export function whatBroke(trap: TrapReport): string {
  const gb = (trap.heapBytes / 1e9).toFixed(1);
  if (trap.heapBytes >= LARGE_HEAP && /unreachable|out of memory/i.test(trap.message)) {
    return `most likely ran out of memory (its WebAssembly memory had grown to ${gb} GB; 4 GB is the most a wasm module can have)`;
  }
  return `stopped with a WebAssembly error (${trap.message})`;
}

/** The requests not made again after this trap: the kind that trapped, or the ones that start the classifier's training. */
export function blockedBy(trap: TrapReport): RequestKind[] {
  if (trap.where === 'classifier') return ['classify', 'coverage'];
  if (trap.where === 'load' || trap.where === 'own' || trap.where === 'data') return []; // how the worker is brought back: never refused
  if (trap.where === 'prepare') return ['ingest'];
  return isRequestKind(trap.where) ? [trap.where] : [];
}

const LOOP_SITES: readonly TrapSite[] = ['init', 'command', 'step', 'progress', 'decoder', 'evaluate', 'latents', 'checkpoint', 'classifier', 'prepare'];
function isRequestKind(where: TrapSite): where is RequestKind {
  return !LOOP_SITES.includes(where);
}

/** The words shown when the worker trapped and a new one was started from the last good weights. */
export function recoveryWords(trap: TrapReport, from: RestartPoint): string {
  const restarted = from.epoch === null
    ? 'It was restarted with a fresh model (nothing had been trained yet)'
    : from.fromFile
      ? `It was restarted with the weights it had loaded (epoch ${from.epoch})`
      : `It was restarted with the weights it had after ${countOf(from.epoch, 'epoch')}`;
  const blocked = blockedBy(trap);
  const refused = blocked.length ? ` It is not asked for ${blocked.length > 1 ? 'those' : 'that'} again until the playground starts over (new data, or a reload).` : '';
  return `The training worker ${whatBroke(trap)} while ${doing(trap.where)}. ${restarted}; press Train to go on.${refused}`;
}

/** The words when the worker trapped before a model was ready, or again while being brought back. */
export function trapFailureWords(trap: TrapReport, when: string): string {
  return `The training worker ${whatBroke(trap)} while ${doing(trap.where)}, ${when}, so it could not be brought back. Press Retry to start again.`;
}

/** The error a refused request rejects with. */
export function refusedWords(trap: TrapReport): string {
  return `Not asked for again: the training worker ${whatBroke(trap)} while ${doing(trap.where)} earlier, and would again. Reload the page to try once more.`;
}
