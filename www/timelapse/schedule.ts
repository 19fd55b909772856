// When the trainer takes a frame for the time-lapse (run where training runs: the worker). A frame costs the
// encoding of the test images (1,000 images through the MLP: ~4–8 training steps' time, 8–20 ms measured in a
// Worker on this machine, loaded) and a decoder snapshot (0.3–0.4 ms), so it is taken on
// a geometric schedule of steps — many early, when the codes move fastest, ever fewer later — and only while the
// time spent on frames stays within SHARE of the time spent training, counted over at least HORIZON_MS (so the first
// frames, before much has trained, can be taken: for the default MLP, steps 0–70 get about twenty). Frames the worker
// takes anyway (its test codes every second, each epoch's end) are not counted: they cost nothing more.
import { EARLY_STEPS } from './thinning.js';

/**
 * Extra frames may take at most this share of training time. The target is ≤ 3 % of samples/s for all of
 * recording: this leaves room for the main thread's side (f16, storage) and the messages.
 */
export const SHARE = 0.02;
/**
 * The share is of the training time, but of at least this much: the first frames spend the allowance of a run's first
 * 10 s (200 ms: the first epoch's dense frames, where the codes move most), and over any run longer than that the
 * share holds. A shorter horizon (5 s was tried) leaves the first epoch with about half the frames.
 */
export const HORIZON_MS = 10_000;
/** Frames asked for per doubling of (step + EARLY_STEPS): the first at steps 0, 2, 4, 6, …, then ever sparser. */
export const PER_OCTAVE = 8;

/** The first step after `step` that the geometric schedule asks a frame at. */
export function nextScheduledStep(step: number, perOctave = PER_OCTAVE): number {
  return Math.max(step + 1, Math.ceil((step + EARLY_STEPS) * 2 ** (1 / perOctave) - EARLY_STEPS));
}

export interface ScheduleOptions {
  share?: number;
  horizonMs?: number;
  perOctave?: number;
}

export class CaptureSchedule {
  readonly share: number;
  readonly horizonMs: number;
  readonly perOctave: number;
  #next = 0;
  #spentMs = 0;

  constructor({ share = SHARE, horizonMs = HORIZON_MS, perOctave = PER_OCTAVE }: ScheduleOptions = {}) {
    this.share = share;
    this.horizonMs = horizonMs;
    this.perOctave = perOctave;
  }

  /** Milliseconds spent on frames that were taken only for the time-lapse. */
  get spentMs(): number {
    return this.#spentMs;
  }

  /** Whether to take a frame now, at `step`, after `trainedMs` of training. */
  due(step: number, trainedMs: number): boolean {
    return step >= this.#next && this.#spentMs < this.share * Math.max(trainedMs, this.horizonMs);
  }

  /**
   * A frame was taken at `step`; `extraMs` is what it cost beyond what the worker does anyway (0 when it came with
   * the codes the worker sends every second or at an epoch's end).
   */
  taken(step: number, extraMs: number): void {
    this.#spentMs += extraMs;
    this.#next = nextScheduledStep(step, this.perOctave);
  }

  /** A new model (or a branch) starts counting afresh from `step`. */
  restart(step = 0): void {
    this.#next = step;
    this.#spentMs = 0;
  }
}
