// The buffer of a team's model — one SharedArrayBuffer all Workers share, or (exchanging by messages) one ordinary
// buffer per share Worker, laid out for one helper and transferred back and forth each step: a header of Int32 words
// (the step's dispatch count, the helpers that have finished it, who sleeps, each helper's rows and status), β and
// the scale, each helper's sums and finishing time, then the step's batch (training-set indices and noise), the
// parameters and one gradient slot per helper. Made for one model (its parameter count, batch and latent size); a
// new model gets a new buffer. Every module reads the buffer through these views only.

export const Word = {
  /** Steps dispatched so far: a helper computes its share when this moves (Atomics.wait on it). */
  dispatched: 0,
  /** Helpers that have finished the current step (the training worker waits on it). */
  finished: 1,
  /** Share Workers asleep waiting for `dispatched`, and whether the training worker sleeps waiting for `finished`. */
  helpersAsleep: 3,
  trainerAsleep: 4,
  /** From here, per helper: the first and end row of its share, and its status (see `Status`). */
  helpers: 8,
} as const;
const WORDS_PER_HELPER = 3;
export const Status = { ok: 0, failed: 1 } as const;

/** β and the gradient's scale (1 / rows) of the current step, as f32. */
export const Float = { beta: 0, scale: 1 } as const;

export interface Sizes {
  helpers: number;
  parameters: number;
  batch: number;
  latent: number;
}

export interface Views {
  readonly header: Int32Array;
  readonly floats: Float32Array;
  /** Per helper: Σ recon, Σ kl of its share. */
  readonly sums: Float64Array;
  /** Per helper: when it finished its share (ms since 1970, `performance.timeOrigin + now`: comparable across Workers). */
  readonly finishedAt: Float64Array;
  readonly indices: Uint32Array;
  readonly noise: Float32Array;
  readonly parameters: Float32Array;
  /** One per helper, laid out as the parameters. */
  readonly gradients: Float32Array[];
  readonly sizes: Sizes;
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64; // a cache line: no two writers share one

function plan({ helpers, parameters, batch, latent }: Sizes) {
  let at = 0;
  const take = (bytes: number) => {
    const start = at;
    at = align(at + bytes);
    return start;
  };
  const header = take(4 * (Word.helpers + WORDS_PER_HELPER * helpers));
  const floats = take(4 * 2);
  const sums = take(8 * 2 * helpers);
  const finishedAt = take(8 * helpers);
  const indices = take(4 * batch);
  const noise = take(4 * batch * latent);
  const params = take(4 * parameters);
  const gradients = Array.from({ length: helpers }, () => take(4 * parameters));
  return { header, floats, sums, finishedAt, indices, noise, params, gradients, bytes: at };
}

export function createBuffer(sizes: Sizes): SharedArrayBuffer {
  return new SharedArrayBuffer(plan(sizes).bytes);
}

/** A buffer for one share Worker, exchanged by messages (it is laid out for one helper: that Worker, index 0). */
export function createMessageBuffer(sizes: Sizes): ArrayBuffer {
  return new ArrayBuffer(plan({ ...sizes, helpers: 1 }).bytes);
}

export function views(buffer: ArrayBufferLike, sizes: Sizes): Views {
  const p = plan(sizes);
  if (buffer.byteLength !== p.bytes) throw new Error(`a team buffer of ${buffer.byteLength} bytes for a layout of ${p.bytes}`);
  return {
    header: new Int32Array(buffer, p.header, Word.helpers + WORDS_PER_HELPER * sizes.helpers),
    floats: new Float32Array(buffer, p.floats, 2),
    sums: new Float64Array(buffer, p.sums, 2 * sizes.helpers),
    finishedAt: new Float64Array(buffer, p.finishedAt, sizes.helpers),
    indices: new Uint32Array(buffer, p.indices, sizes.batch),
    noise: new Float32Array(buffer, p.noise, sizes.batch * sizes.latent),
    parameters: new Float32Array(buffer, p.params, sizes.parameters),
    gradients: p.gradients.map((at) => new Float32Array(buffer, at, sizes.parameters)),
    sizes,
  };
}

/** Helper `k`'s words: its share's first row, end row, status. */
export function helperWords(k: number): { start: number; end: number; status: number } {
  const base = Word.helpers + WORDS_PER_HELPER * k;
  return { start: base, end: base + 1, status: base + 2 };
}
