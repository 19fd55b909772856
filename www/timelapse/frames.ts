// The time-lapse's record of one run: frames (the test images' codes, the decoder in f16, step, epoch, losses) kept
// densely at first and thinning as training goes on, and full training states (weights and Adam moments, opaque
// bytes from the trainer) at fewer moments, for branching. Everything here is plain data and arithmetic: it runs
// wherever the recorder lives (the main thread or an evaluation Worker) and is tested in node.
//
// The memory bound: frames and states together hold at most MEMORY_BOUND bytes (64 MiB) — at most MAX_FRAMES frames
// and MAX_STATES states, fewer when each is bigger. States get at most STATE_SHARE of it (a state is weights + two
// Adam moments, 12 bytes per parameter: 2.4 MB for the default MLP, so 10 of them); frames the rest. Default MLP
// (128 hidden units, 2 latent dimensions, 1,000 test images): a frame is 8 KB of codes + 203 KB of f16 decoder, so
// 200 frames (42 MB) and 10 states (24 MB) ≤ 64 MiB. At the largest settings (4,096 hidden, 64 latent) a frame is
// 7.2 MB and a state 87 MB: 9 frames and no state (branching says why).
import type { LatentProjection } from '../protocol.js';
import { fromF16, toF16 } from './f16.js';
import { atOrBefore, victim } from './thinning.js';

export const MEMORY_BOUND = 64 * 2 ** 20;
export const MAX_FRAMES = 200;
export const MAX_STATES = 16;
export const STATE_SHARE = 24 * 2 ** 20;
/** What a frame costs besides its arrays (the object, its numbers): counted so that the bound is honest. */
export const FRAME_OVERHEAD = 256;

/** What the decoder snapshot is, for the decoder that turns it back into digits (see `DecoderHandle.fromSnapshot`). */
export interface DecoderDescriptor {
  architecture: string;
  latent: number;
  /** Values in the flat snapshot. */
  values: number;
  /** Whatever else the structure needs (hidden units, image size …), carried as given. */
  [detail: string]: unknown;
}

/** What stays the same through a run: the test images' labels, the sizes, what the decoder snapshots are. */
export interface TimelapseHeader {
  latent: number;
  /** Test images coded in each frame. */
  count: number;
  labels: Uint8Array;
  decoder: DecoderDescriptor;
}

export interface FrameLosses {
  /** Mean training loss (−ELBO per image) over the steps since the frame before. */
  train: number;
  /** The test −ELBO, when the frame is at an epoch's end (the worker evaluates there); otherwise null. */
  testElbo: number | null;
}

/** What the trainer hands the recorder at a moment. */
export interface FrameInput {
  step: number;
  epoch: number;
  losses: FrameLosses;
  /** μ of the test images, row-major [count × latent]. */
  codes: Float32Array;
  /** The decoder's flat snapshot in f32, as the worker sends it. */
  decoder: Float32Array;
  /** With more than two latent dimensions: the codes' main plane, as the latent panel shows it. */
  projection?: LatentProjection | null;
}

export interface Frame {
  readonly step: number;
  readonly epoch: number;
  readonly losses: FrameLosses;
  readonly codes: Float32Array;
  /** The decoder snapshot's f16 bits. */
  readonly decoder: Uint16Array;
  /** The plane (axes' signs kept from frame to frame, so a morph does not flip the picture); null with L ≤ 2. */
  readonly projection: LatentProjection | null;
}

/** Full training state at a moment: what the trainer needs to go on from there (opaque to the time-lapse). */
export interface StateFrame {
  readonly step: number;
  readonly epoch: number;
  readonly state: ArrayBuffer;
}

/** What one call changed: for a store that mirrors the recorder (one record per frame). */
export interface RecordChange {
  added: { frame?: Frame; state?: StateFrame };
  removedFrames: number[];
  removedStates: number[];
}

export class TimelapseError extends Error {
  override name = 'TimelapseError';
}

export function frameBytes(frame: Pick<Frame, 'codes' | 'decoder' | 'projection'>): number {
  const p = frame.projection;
  const projection = p ? p.points.byteLength + p.mean.byteLength + p.axes.byteLength : 0;
  return frame.codes.byteLength + frame.decoder.byteLength + projection + FRAME_OVERHEAD;
}

export interface Capacity {
  frames: number;
  states: number;
}

/**
 * How many frames and states fit: states first within STATE_SHARE (none if one alone is bigger), frames in the rest
 * of `bound`. With `stateBytes` unknown (no state yet), STATE_SHARE is held back for them.
 */
export function capacity(bytesPerFrame: number, bytesPerState: number | null, bound = MEMORY_BOUND): Capacity {
  const share = Math.min(STATE_SHARE, bound / 2);
  const states = bytesPerState === null ? 0 : Math.min(MAX_STATES, Math.floor(share / bytesPerState));
  const reserved = bytesPerState === null ? share : states * bytesPerState;
  const frames = Math.min(MAX_FRAMES, Math.floor((bound - reserved) / bytesPerFrame));
  return { frames, states };
}

export interface RecorderOptions {
  bound?: number;
}

/** One run's time-lapse: frames and states, thinned to stay within the bound. */
export class FrameRecorder {
  readonly header: TimelapseHeader;
  readonly bound: number;
  #frames: Frame[] = [];
  #states: StateFrame[] = [];
  #frameBytes = 0;
  #stateBytes = 0;
  #capacity: Capacity | null = null;
  /** The size of a state, once one has come (kept after every state has gone: the plan still needs it). */
  #stateSize: number | null = null;
  /** Bumped by every change: views redraw when it moves. */
  version = 0;

  constructor(header: TimelapseHeader, { bound = MEMORY_BOUND }: RecorderOptions = {}) {
    if (header.labels.length !== header.count) {
      throw new TimelapseError(`the time-lapse header has ${header.labels.length} labels for ${header.count} test images`);
    }
    this.header = header;
    this.bound = bound;
  }

  get frames(): readonly Frame[] {
    return this.#frames;
  }

  get states(): readonly StateFrame[] {
    return this.#states;
  }

  /** Bytes held now (frames and states). */
  get bytes(): number {
    return this.#frameBytes + this.#stateBytes;
  }

  /** How many fit (known once the first frame has come; the states' share once the first state has). */
  get capacity(): Capacity | null {
    return this.#capacity;
  }

  /** Whether a training state fits the bound: null until one has come. */
  get statesFit(): boolean | null {
    return this.#stateSize === null ? null : (this.#capacity?.states ?? 0) > 0;
  }

  /** The recorded steps, ascending. */
  steps(): number[] {
    return this.#frames.map((f) => f.step);
  }

  /** Records a moment (its decoder converted to f16). A frame at a step already recorded replaces it. */
  record(input: FrameInput): RecordChange {
    const { header } = this;
    if (input.codes.length !== header.count * header.latent) {
      throw new TimelapseError(`a frame's codes have ${input.codes.length} values; ${header.count} test images × ${header.latent} latent dimensions were expected`);
    }
    if (input.decoder.length !== header.decoder.values) {
      throw new TimelapseError(`a frame's decoder snapshot has ${input.decoder.length} values; ${header.decoder.values} were expected`);
    }
    const last = this.#frames.at(-1);
    if (last && input.step < last.step) {
      throw new TimelapseError(`frames come in training order: step ${input.step} came after step ${last.step}`);
    }
    const frame: Frame = {
      step: input.step,
      epoch: input.epoch,
      losses: { train: input.losses.train, testElbo: input.losses.testElbo ?? null },
      codes: input.codes.slice(),
      decoder: toF16(input.decoder),
      projection: alignedProjection(input.projection ?? null, last?.projection ?? null),
    };
    return this.#insertFrame(frame);
  }

  /** Adds an already recorded frame (back from storage or a parent run), in step order. */
  adopt(frame: Frame): RecordChange {
    const last = this.#frames.at(-1);
    if (last && frame.step < last.step) throw new TimelapseError(`frames come in training order: step ${frame.step} came after step ${last.step}`);
    return this.#insertFrame(frame);
  }

  /** Keeps the trainer's full state at `step` for branching (subject to the bound: it may go at once if none fits). */
  addState(step: number, epoch: number, state: ArrayBuffer): RecordChange {
    const last = this.#states.at(-1);
    if (last && step < last.step) throw new TimelapseError(`states come in training order: step ${step} came after step ${last.step}`);
    const removedStates: number[] = [];
    if (last?.step === step) {
      this.#stateBytes -= last.state.byteLength;
      this.#states.pop();
      removedStates.push(step);
    }
    const entry: StateFrame = { step, epoch, state };
    this.#states.push(entry);
    this.#stateBytes += state.byteLength;
    this.#plan(state.byteLength);
    const change: RecordChange = { added: { state: entry }, removedFrames: [], removedStates };
    this.#thin(change);
    this.version++;
    return change;
  }

  /** The frame at or before `step` (the first frame for a step before it); null before any frame. */
  seek(step: number): Frame | null {
    if (this.#frames.length === 0) return null;
    return this.#frames[Math.max(0, atOrBefore(this.steps(), step))];
  }

  /** The frame recorded at exactly `step`, if kept. */
  frameAt(step: number): Frame | null {
    const i = atOrBefore(this.steps(), step);
    return i >= 0 && this.#frames[i].step === step ? this.#frames[i] : null;
  }

  /** The states a run could branch from at `step`: those at or before it, oldest first. */
  statesAtOrBefore(step: number): StateFrame[] {
    return this.#states.filter((s) => s.step <= step);
  }

  /** The state kept at exactly `step`, if any ("Branch from here" is offered only there). */
  stateAt(step: number): StateFrame | null {
    return this.#states.find((s) => s.step === step) ?? null;
  }

  /** Forgets everything (a new model). */
  clear(): RecordChange {
    const change: RecordChange = { added: {}, removedFrames: this.steps(), removedStates: this.#states.map((s) => s.step) };
    this.#frames = [];
    this.#states = [];
    this.#frameBytes = 0;
    this.#stateBytes = 0;
    this.#capacity = null;
    this.#stateSize = null;
    this.version++;
    return change;
  }

  /**
   * A branch's record: this run's frames up to `step` (shared: frames never change) and its states up to there, so
   * the new run's time-lapse shows how it got to the branch point.
   */
  branchAt(step: number): FrameRecorder {
    const branch = new FrameRecorder(this.header, { bound: this.bound });
    for (const frame of this.#frames) if (frame.step <= step) branch.adopt(frame);
    for (const s of this.#states) if (s.step <= step) branch.addState(s.step, s.epoch, s.state);
    return branch;
  }

  #insertFrame(frame: Frame): RecordChange {
    const removedFrames: number[] = [];
    const last = this.#frames.at(-1);
    if (last?.step === frame.step) {
      this.#frameBytes -= frameBytes(last);
      this.#frames.pop();
      removedFrames.push(frame.step);
    }
    this.#frames.push(frame);
    this.#frameBytes += frameBytes(frame);
    this.#plan(null, frameBytes(frame));
    const change: RecordChange = { added: { frame }, removedFrames, removedStates: [] };
    this.#thin(change);
    this.version++;
    return change;
  }

  /** The capacity, from the sizes seen (a frame's is fixed by the header; a state's by the trainer). */
  #plan(stateBytes: number | null, bytesPerFrame?: number): void {
    const perFrame = bytesPerFrame ?? this.#frames.reduce((m, f) => Math.max(m, frameBytes(f)), 0);
    if (stateBytes !== null) this.#stateSize = Math.max(this.#stateSize ?? 0, stateBytes);
    const perState = this.#stateSize;
    if (!perFrame) {
      this.#capacity = perState === null ? null : { frames: 0, states: capacity(1, perState, this.bound).states };
      return;
    }
    const next = capacity(perFrame, perState, this.bound);
    if (next.frames < 2) {
      throw new TimelapseError(`one frame of this model (${(perFrame / 2 ** 20).toFixed(1)} MB) is too large for the time-lapse's ${(this.bound / 2 ** 20).toFixed(0)} MB`);
    }
    this.#capacity = next;
  }

  /** Drops states and frames beyond their counts, then frames (and, if it must, states) until the bytes fit. */
  #thin(change: RecordChange): void {
    const cap = this.#capacity;
    if (!cap) return;
    const dropState = () => {
      // With room for one or none, the newest is the one to keep (branching from now is the likeliest wish).
      const i = this.#states.length <= 2 ? 0 : Math.max(0, victim(this.#states.map((s) => s.step)));
      const [gone] = this.#states.splice(i, 1);
      this.#stateBytes -= gone.state.byteLength;
      change.removedStates.push(gone.step);
    };
    while (this.#states.length > cap.states) dropState();
    while (this.#frames.length > cap.frames || this.bytes > this.bound) {
      const steps = this.steps();
      const withState = new Set(this.#states.map((s) => s.step));
      let i = victim(steps, (k) => withState.has(steps[k]));
      if (i < 0) i = victim(steps);
      if (i < 0) break; // only the first and the latest are left
      const [gone] = this.#frames.splice(i, 1);
      this.#frameBytes -= frameBytes(gone);
      change.removedFrames.push(gone.step);
    }
    while (this.#states.length > 0 && this.bytes > this.bound) dropState();
  }
}

/** Where `position` (a step) falls between two kept frames: indices of the frames before and after, and how far. */
export interface Between {
  from: number;
  to: number;
  /** 0 at `from`, towards 1 at `to`. */
  t: number;
}

export function between(steps: readonly number[], position: number): Between | null {
  if (steps.length === 0) return null;
  const i = atOrBefore(steps, position);
  if (i < 0) return { from: 0, to: 0, t: 0 };
  if (i === steps.length - 1 || steps[i] === position) return { from: i, to: i, t: 0 };
  return { from: i, to: i + 1, t: (position - steps[i]) / (steps[i + 1] - steps[i]) };
}

/**
 * Codes on the way from `a` to `b`: (1 − t)·a + t·b, which is exactly a at t = 0 and exactly b at t = 1 (a + t·(b − a)
 * is not: its rounding can miss b).
 */
export function interpolateCodes(a: Float32Array, b: Float32Array, t: number, out: Float32Array = new Float32Array(a.length)): Float32Array {
  if (a.length !== b.length || out.length !== a.length) throw new RangeError('interpolateCodes: the arrays differ in length');
  const s = 1 - t;
  for (let i = 0; i < a.length; i++) out[i] = s * a[i] + t * b[i];
  return out;
}

/** A frame's decoder back in f32 (for the decoder that draws it). */
export function decoderOf(frame: Frame, out?: Float32Array): Float32Array {
  return fromF16(frame.decoder, out);
}

/**
 * The projection with each axis's sign chosen to agree with the frame before (PCA's axes have no sign of their own:
 * a flip from one frame to the next would mirror the picture mid-morph).
 */
export function alignedProjection(next: LatentProjection | null, previous: LatentProjection | null): LatentProjection | null {
  if (!next) return null;
  const L = next.mean.length;
  const axes = next.axes.slice();
  const points = next.points.slice();
  if (previous && previous.mean.length === L) {
    for (let k = 0; k < 2; k++) {
      let dot = 0;
      for (let i = 0; i < L; i++) dot += axes[k * L + i] * previous.axes[k * L + i];
      if (dot >= 0) continue;
      for (let i = 0; i < L; i++) axes[k * L + i] = -axes[k * L + i];
      for (let p = k; p < points.length; p += 2) points[p] = -points[p];
    }
  }
  return { points, mean: next.mean.slice(), axes, explained: [next.explained[0], next.explained[1]] };
}

/** The 2-D points the latent panel shows for a frame: the codes with L = 2, the plane's points with more. */
export function planeOf(frame: Frame, latent: number): Float32Array | null {
  if (latent === 2) return frame.codes;
  return frame.projection?.points ?? null;
}

/** What one step changed, in step mode: between the last two frames, how far the codes moved and the loss. */
export interface StepChange {
  from: number;
  to: number;
  /** Mean and largest distance a test image's code moved (in latent units). */
  meanMove: number;
  maxMove: number;
  /** The training loss of the step (−ELBO per image). */
  loss: number;
}

export function stepChangeOf(before: Frame | undefined, after: Frame | undefined, latent: number): StepChange | null {
  if (!before || !after || before.codes.length !== after.codes.length) return null;
  const count = after.codes.length / latent;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < count; i++) {
    let d2 = 0;
    for (let j = 0; j < latent; j++) d2 += (after.codes[i * latent + j] - before.codes[i * latent + j]) ** 2;
    const d = Math.sqrt(d2);
    sum += d;
    max = Math.max(max, d);
  }
  return { from: before.step, to: after.step, meanMove: count > 0 ? sum / count : 0, maxMove: max, loss: after.losses.train };
}
