// The worker's side of the time-lapse: when to take a frame (CaptureSchedule), the training loss since the frame
// before, and what recording has cost. The worker takes a frame with the test codes it sends anyway (every second and
// at each epoch's end: no extra cost), and in between whenever the schedule says one is due, timing those.
import { CaptureSchedule } from './schedule.js';

export class FrameTaker {
  readonly #schedule = new CaptureSchedule();
  #trainedMs = 0;
  #lossSum = 0;
  #lossCount = 0;
  /** The step of the last frame taken (-1: none yet). */
  lastStep = -1;
  /** Frames taken, and those taken only for the time-lapse (with their cost). */
  readonly figures = { frames: 0, extraFrames: 0, extraMs: 0, trainedMs: 0 };

  /** A model starting (or resuming) at `step`: the first frame is due there. */
  constructor(step = 0) {
    this.#schedule.restart(step);
  }

  /** Training goes on from `step`, where a frame is already kept (a branch): the next is due after it. */
  restart(step: number): void {
    this.#schedule.restart(step);
    this.#schedule.taken(step, 0);
    this.#lossSum = 0;
    this.#lossCount = 0;
    this.lastStep = step;
  }

  /** One training step's loss. */
  addLoss(loss: number): void {
    this.#lossSum += loss;
    this.#lossCount++;
  }

  /** Time spent training (a slice of steps). */
  trained(ms: number): void {
    this.#trainedMs += ms;
    this.figures.trainedMs = this.#trainedMs;
  }

  /** Whether a frame is due at `step` (the schedule asks one, and recording is within its share of the time). */
  due(step: number): boolean {
    return this.#schedule.due(step, this.#trainedMs);
  }

  /** A frame was taken at `step`, costing `extraMs` beyond what the worker does anyway; the mean loss since the last. */
  taken(step: number, extraMs: number): number {
    const mean = this.#lossCount > 0 ? this.#lossSum / this.#lossCount : NaN;
    this.#lossSum = 0;
    this.#lossCount = 0;
    this.#schedule.taken(step, extraMs);
    this.lastStep = step;
    this.figures.frames++;
    if (extraMs > 0) {
      this.figures.extraFrames++;
      this.figures.extraMs += extraMs;
    }
    return mean;
  }
}
