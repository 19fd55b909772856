// The loss curves' data, bounded: however long training runs, each curve keeps at most CAPACITY buckets of equal
// width in steps. When the buckets are full, neighbours merge and the width doubles, so memory and the cost of a
// repaint stay constant. Each bucket keeps min and max beside the mean, so a spike stays visible after merging.
// The epoch points are bounded as a run's epochs are (the latest MAX_RUN_EPOCHS).
import { MAX_RUN_EPOCHS } from '../runs.js';

export const CAPACITY = 2000;

export class BucketedSeries {
  readonly min = new Float64Array(CAPACITY);
  readonly max = new Float64Array(CAPACITY);
  readonly #sum = new Float64Array(CAPACITY);
  readonly #count = new Uint32Array(CAPACITY);
  /** Buckets in use. */
  length = 0;
  /** Steps per full bucket. */
  width = 1;
  /** Values pushed in all. */
  steps = 0;
  last = NaN;

  push(value: number): void {
    if (this.length === 0 || this.#count[this.length - 1] === this.width) {
      if (this.length === CAPACITY) this.#mergePairs();
      const i = this.length++;
      this.min[i] = Infinity;
      this.max[i] = -Infinity;
      this.#sum[i] = 0;
      this.#count[i] = 0;
    }
    const i = this.length - 1;
    if (value < this.min[i]) this.min[i] = value;
    if (value > this.max[i]) this.max[i] = value;
    this.#sum[i] += value;
    this.#count[i]++;
    this.steps++;
    this.last = value;
  }

  mean(i: number): number {
    return this.#sum[i] / this.#count[i];
  }

  /** The mean of the bucket that holds step `step` (the last bucket past the end), NaN when empty. */
  meanAt(step: number): number {
    if (this.length === 0) return NaN;
    return this.mean(Math.min(this.length - 1, Math.max(0, Math.floor(step / this.width))));
  }

  /** The step at the middle of bucket i. */
  centre(i: number): number {
    return i * this.width + (this.#count[i] - 1) / 2;
  }

  clear(): void {
    this.length = 0;
    this.width = 1;
    this.steps = 0;
    this.last = NaN;
  }

  /**
   * Forgets what came after step `steps` (a branch goes on from there): whole buckets are kept, so with buckets of
   * `width` steps up to width − 1 steps before it go too.
   */
  truncate(steps: number): void {
    if (steps >= this.steps) return;
    this.length = Math.min(this.length, Math.floor(Math.max(0, steps) / this.width));
    this.steps = this.length * this.width;
    this.last = this.length > 0 ? this.mean(this.length - 1) : NaN;
  }

  /** A plain copy for storage (IndexedDB's structured clone): only the buckets in use. */
  save(): SavedSeries {
    const n = this.length;
    return {
      min: this.min.slice(0, n), max: this.max.slice(0, n), sum: this.#sum.slice(0, n), count: this.#count.slice(0, n),
      width: this.width, steps: this.steps, last: this.last,
    };
  }

  /** Whether a stored copy can be restored (another version or a damaged record cannot). */
  static fits(saved: SavedSeries | undefined): boolean {
    const n = saved?.min?.length ?? -1;
    return n >= 0 && n <= CAPACITY && saved!.max?.length === n && saved!.sum?.length === n && saved!.count?.length === n;
  }

  /** Back from `save()`; a copy that does not fit is refused and changes nothing. */
  restore(saved: SavedSeries): void {
    if (!BucketedSeries.fits(saved)) throw new Error('the saved loss curve does not fit this version');
    const n = saved.min.length;
    this.min.set(saved.min);
    this.max.set(saved.max);
    this.#sum.set(saved.sum);
    this.#count.set(saved.count);
    this.length = n;
    this.width = saved.width;
    this.steps = saved.steps;
    this.last = saved.last;
  }

  #mergePairs(): void {
    const half = CAPACITY / 2;
    for (let i = 0; i < half; i++) {
      const a = 2 * i;
      const b = a + 1;
      this.min[i] = Math.min(this.min[a], this.min[b]);
      this.max[i] = Math.max(this.max[a], this.max[b]);
      this.#sum[i] = this.#sum[a] + this.#sum[b];
      this.#count[i] = this.#count[a] + this.#count[b];
    }
    this.length = half;
    this.width *= 2;
  }
}

export interface SavedSeries {
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  count: Uint32Array;
  width: number;
  steps: number;
  last: number;
}

export interface SavedHistory {
  loss: SavedSeries;
  recon: SavedSeries;
  kl: SavedSeries;
  epochs: EpochPoint[];
}

export interface EpochPoint {
  /** Steps trained when the epoch ended. */
  step: number;
  testElbo: number;
  kl: number;
}

/** Train loss, reconstruction and KL per step, and test −ELBO per epoch. `version` changes with every addition. */
export class LossHistory {
  readonly loss = new BucketedSeries();
  readonly recon = new BucketedSeries();
  readonly kl = new BucketedSeries();
  readonly epochs: EpochPoint[] = [];
  version = 0;

  /** Flattened (loss, recon, kl) triples, one per step. */
  addSteps(triples: ArrayLike<number>): void {
    for (let i = 0; i + 2 < triples.length; i += 3) {
      this.loss.push(triples[i]);
      this.recon.push(triples[i + 1]);
      this.kl.push(triples[i + 2]);
    }
    this.version++;
  }

  /** An epoch's test figures; `stepsSince`: steps already added that came after the epoch ended. */
  addEpoch(testElbo: number, kl: number, stepsSince = 0): void {
    this.epochs.push({ step: Math.max(0, this.loss.steps - stepsSince), testElbo, kl });
    if (this.epochs.length > MAX_RUN_EPOCHS) this.epochs.shift();
    this.version++;
  }

  /** The figures at step `step` (a time-lapse moment): train loss and KL there, and the last epoch ended by then. */
  at(step: number): { loss: number; kl: number; epoch: EpochPoint | null } {
    let epoch: EpochPoint | null = null;
    for (const e of this.epochs) if (e.step <= step) epoch = e;
    return { loss: this.loss.meanAt(step), kl: this.kl.meanAt(step), epoch };
  }

  /** Forgets what came after step `step` (a branch goes on from there). */
  truncate(step: number): void {
    for (const series of [this.loss, this.recon, this.kl]) series.truncate(step);
    while (this.epochs.length > 0 && this.epochs.at(-1)!.step > step) this.epochs.pop();
    this.version++;
  }

  clear(): void {
    this.loss.clear();
    this.recon.clear();
    this.kl.clear();
    this.epochs.length = 0;
    this.version++;
  }

  save(): SavedHistory {
    return { loss: this.loss.save(), recon: this.recon.save(), kl: this.kl.save(), epochs: this.epochs.map((e) => ({ ...e })) };
  }

  /** Back from `save()`; what comes from a file or storage has been through `validCurves` (validate.ts). */
  restore(saved: SavedHistory): void {
    if (![saved.loss, saved.recon, saved.kl].every(BucketedSeries.fits) || !Array.isArray(saved.epochs)) {
      throw new Error('the saved loss curves do not fit this version');
    }
    this.loss.restore(saved.loss);
    this.recon.restore(saved.recon);
    this.kl.restore(saved.kl);
    this.epochs.splice(0, this.epochs.length, ...saved.epochs.slice(-MAX_RUN_EPOCHS).map((e) => ({ step: e.step, testElbo: e.testElbo, kl: e.kl })));
    this.version++;
  }
}
