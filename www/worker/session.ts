// One model being trained in the worker, with its counters and clocks, and what it tells the element about itself:
// its sizes, decoder snapshots, test codes, progress, and checkpoints (its weights, for a worker that replaces this
// one after a trap). An epoch's end is taken at its step and sent once its test figures are in (they are computed
// away from training): until then nothing that is ordered by step (frames, codes) is sent. Every call into wasm goes
// through the worker's trap guard.
import { StepResult, TrainerHandle, projectLatents, relaxedSimd, simdKernelEnabled } from '../../pkg/vae_playground.js';
import type { Figures } from '../evaluation/protocol.js';
import type { Architecture, DecoderDescriptor, FrameInfo, FromWorker, Generation, LatentProjection, ModelShape, OwnCodes, WorkerEvent } from '../protocol.js';
import { FrameTaker } from '../timelapse/taker.js';
import type { LoadedData } from './data.js';
import type { TrapGuard } from './traps.js';

/** Own images mixed into MNIST whose codes the latent panel marks, at most (the panel shows 1,000 test codes). */
export const OWN_MARKERS = 1000;

export type Post = (message: FromWorker, transfer?: Transferable[]) => void;

type Codes = { z: Float32Array; labels: Uint8Array; latent: number; projection: LatentProjection | null; own: OwnCodes | null };

/** Everything an epoch's end sends but its test figures, taken at its step (see `Session.takeEpochEnd`). */
export interface EpochEnd {
  /** The line of training it belongs to (a branch starts a new one: what the old one took is then dropped). */
  line: number;
  epoch: number;
  step: number;
  /** The weights as a .safetensors file, unless a checkpoint was already taken at this step. */
  checkpoint: ArrayBuffer | null;
  /** What had been sent when it was taken (`Session`'s counts). */
  sent: { checkpoints: number; codes: number };
  codes: Codes;
  /** The time-lapse's frame at this step (its test −ELBO filled in when sent), while recording. */
  frame: FrameInfo | null;
  /** The trainer's full state (for branching), while recording. */
  state: ArrayBuffer | null;
}

/** A trainer's structure and sizes. Called within a guarded call. */
export function shapeOf(trainer: TrainerHandle): ModelShape {
  return { architecture: trainer.architecture() as Architecture, hidden: trainer.hidden(), latent: trainer.latent() };
}

export class Session {
  readonly trainer: TrainerHandle;
  /** Where each step reports (one object, reused: a step allocates nothing). */
  readonly report = new StepResult();
  epoch = 0;
  step = 0;
  pendingLosses: number[] = [];
  /** Images trained and milliseconds spent on them, over a rolling window of about two seconds. */
  throughput = { samples: 0, ms: 0 };
  lastProgress = 0;
  lastDecoder = 0;
  lastLatents = 0;
  /** The time-lapse's frames: when one is due, the loss since the last. */
  readonly frames: FrameTaker;
  /** Whether the time-lapse is recorded (frames and states); off only for the benchmark's comparison. */
  recording = true;
  /** The step the last checkpoint was taken at (none yet: -1). */
  #checkpointStep = -1;
  /** Checkpoints and codes sent so far: an epoch's end sends its own only if none went while it waited. */
  #sent = { checkpoints: 0, codes: 0 };
  /** Epoch ends taken and not yet sent or dropped (their figures are being computed). */
  #epochEndsPending = 0;
  #line = 0;
  readonly #post: Post;
  readonly #guard: TrapGuard;
  /** What the decoder snapshots hold: fixed for the session's model (a file that changes it makes a new session). */
  readonly #decoder: DecoderDescriptor;

  /** Called within a guarded call (it reads the trainer's counters). */
  constructor(trainer: TrainerHandle, readonly data: LoadedData, readonly generation: Generation, post: Post, guard: TrapGuard) {
    this.trainer = trainer;
    this.#post = post;
    this.#guard = guard;
    this.epoch = trainer.epoch();
    this.step = this.#checkpointStep = trainer.stepCount();
    this.#decoder = trainer.decoderDescriptor() as DecoderDescriptor;
    this.frames = new FrameTaker(this.step);
  }

  /** What the model is: structure, sizes, image (what its decoder snapshots and evaluations are for). */
  get descriptor(): DecoderDescriptor {
    return this.#decoder;
  }

  send(event: WorkerEvent, transfer: Transferable[] = []): void {
    this.#post({ ...event, generation: this.generation } as FromWorker, transfer);
  }

  /**
   * Tells the page what it now has: whether it trains, sizes, the decoder, where the test digits sit. Called within
   * a guarded call (init, reset, a load request).
   */
  announce(running: boolean): void {
    // The decoder first: by the time the page hears `ready`, its own decoder already draws this model.
    this.sendDecoder();
    const t = this.trainer;
    const ready = {
      ...shapeOf(t), trainSize: t.trainSize(), testSize: t.testSize(), stepsPerEpoch: t.stepsPerEpoch(),
      simd: simdKernelEnabled(), relaxedSimd: relaxedSimd(), dataset: this.data.id,
    };
    // A new generation starts by saying whether it trains: the status sent under the one before may have been dropped.
    this.send({ type: 'status', running });
    this.send({ type: 'ready', ...ready });
    this.sendLatents();
  }

  sendDecoder(): void {
    const weights = this.#guard.run('decoder', () => this.trainer.decoderSnapshot());
    this.send({ type: 'decoder', descriptor: this.#decoder, weights }, [weights.buffer]);
    this.lastDecoder = performance.now();
  }

  /**
   * The test codes for the latent panel, and with them a time-lapse frame — unless an epoch's end waits for its
   * figures: frames are ordered by step, and that epoch's frame goes first.
   */
  sendLatents(): void {
    const codes = this.#codes(true);
    const frame = this.recording && this.#epochEndsPending === 0 ? this.#takeFrame(copyCodes(codes), 0) : null;
    if (frame) this.#sendFrame(frame);
    this.#sendCodes(codes);
  }

  #sendCodes({ z, labels, latent, projection, own }: Codes): void {
    const transfer = [z.buffer, labels.buffer, ...(projection ? projectionBuffers(projection) : []), ...(own ? [own.z.buffer, own.labels.buffer] : [])];
    this.send({ type: 'latents', z, labels, latent, projection, own }, transfer as ArrayBuffer[]);
    this.lastLatents = performance.now();
    this.#sent.codes++;
  }

  /**
   * Takes the epoch's end at this step — codes, frame, checkpoint, state — to be sent with its figures
   * (`sendEpochEnd`) or dropped (`dropEpochEnd`).
   */
  takeEpochEnd(): EpochEnd {
    const codes = this.#codes(true);
    const frame = this.recording ? this.#takeFrame(copyCodes(codes), 0) : null;
    const checkpoint = this.#takeCheckpoint();
    const state = this.recording ? ownBuffer(this.#guard.run('state', () => this.trainer.exportState())) : null;
    this.#epochEndsPending++;
    return { line: this.#line, epoch: this.epoch, step: this.step, checkpoint, sent: { ...this.#sent }, codes, frame, state };
  }

  /**
   * An epoch's end with its figures, in the order the element expects: epoch, checkpoint, frame, codes, state
   * (the checkpoint and codes only if nothing newer was sent while it waited).
   */
  sendEpochEnd(end: EpochEnd, figures: Figures): void {
    this.#epochEndsPending--;
    if (end.line !== this.#line) return;
    this.send({ type: 'epoch', epoch: end.epoch, step: end.step, ...figures });
    // A checkpoint sent since (training stopped) is newer: the element keeps the last one it hears. So are codes.
    if (end.checkpoint && end.sent.checkpoints === this.#sent.checkpoints) this.#sendCheckpointBytes(end.checkpoint, end.epoch);
    if (end.frame) this.#sendFrame({ ...end.frame, testElbo: figures.testElbo });
    if (end.sent.codes === this.#sent.codes) this.#sendCodes(end.codes);
    if (end.state) this.send({ type: 'state', step: end.step, epoch: end.epoch, bytes: end.state }, [end.state]);
  }

  /** An epoch's end whose figures will not come (its evaluation failed; the reason is said elsewhere). */
  dropEpochEnd(): void {
    this.#epochEndsPending--;
  }

  /** Whether a frame of its own is due now (the schedule's, while recording). */
  frameDue(): boolean {
    return this.recording && this.#epochEndsPending === 0 && this.frames.due(this.step);
  }

  /** A time-lapse frame on its own (its codes computed for it): its time counts against the recording's share. */
  sendFrame(): void {
    const start = performance.now();
    this.#sendFrame(this.#takeFrame(this.#codes(false), start));
  }

  /** `start`: when the frame's own work began (0: it came with codes sent anyway, at no extra cost). */
  #takeFrame({ z, labels, latent, projection }: Codes, start: number): FrameInfo {
    const decoder = this.#guard.run('decoder', () => this.trainer.decoderSnapshot());
    const extraMs = start > 0 ? performance.now() - start : 0;
    const trainLoss = this.frames.taken(this.step, extraMs);
    return { step: this.step, epoch: this.epoch, trainLoss, testElbo: null, codes: z, labels, descriptor: this.#decoder, latent, decoder, projection };
  }

  #sendFrame(frame: FrameInfo): void {
    const transfer = [frame.codes.buffer, frame.labels.buffer, frame.decoder.buffer, ...(frame.projection ? projectionBuffers(frame.projection) : [])];
    this.send({ type: 'frame', ...frame }, transfer as ArrayBuffer[]);
  }

  /** The test codes (and, with `withOwn`, the codes of the person's images mixed in, for their markers). */
  #codes(withOwn: boolean): Codes {
    return this.#guard.run('latents', () => {
      const z = this.trainer.testLatents();
      const latent = this.trainer.latent();
      const labels = this.data.testLabels?.slice() ?? this.trainer.testLabels();
      return { z, labels, latent, projection: latent > 2 ? projection2d(z, latent) : null, own: withOwn ? this.#ownCodes() : null };
    });
  }

  /** μ of the person's images mixed into MNIST (the first OWN_MARKERS of them), for their markers. */
  #ownCodes(): OwnCodes | null {
    const own = this.data.own;
    if (!own) return null;
    const count = Math.min(OWN_MARKERS, own.images.length / own.pixels);
    const pixels = new Float32Array(count * own.pixels);
    for (let i = 0; i < pixels.length; i++) pixels[i] = own.images[i] / 255;
    return { z: this.trainer.encode(pixels), labels: own.labels.slice(0, count) };
  }

  sendProgress(now: number): void {
    const epochProgress = this.#guard.run('progress', () => this.trainer.epochProgress());
    const losses = new Float32Array(this.pendingLosses);
    this.pendingLosses = [];
    const { samples, ms } = this.throughput;
    // A rolling window of about two seconds, so the figure follows changes without jittering.
    if (ms > 2000) this.throughput = { samples: samples / 2, ms: ms / 2 };
    this.send({ type: 'progress', epoch: this.epoch, step: this.step, epochProgress, samplesPerSec: ms > 0 ? (samples * 1000) / ms : 0, losses }, [losses.buffer]);
    this.lastProgress = now;
  }

  /** The weights as a .safetensors file (transferred), unless they have not changed since the last one. */
  sendCheckpoint(): void {
    const bytes = this.#takeCheckpoint();
    if (bytes) this.#sendCheckpointBytes(bytes, this.epoch);
  }

  /** The weights as a .safetensors file, unless one was already taken at this step. */
  #takeCheckpoint(): ArrayBuffer | null {
    if (this.step === this.#checkpointStep) return null;
    const file = this.#guard.run('checkpoint', () => this.trainer.exportWeights({}));
    this.#checkpointStep = this.step;
    return ownBuffer(file);
  }

  #sendCheckpointBytes(bytes: ArrayBuffer, epoch: number): void {
    this.send({ type: 'checkpoint', bytes, epoch }, [bytes]);
    this.#sent.checkpoints++;
  }

  /**
   * Goes on from a kept `state` with the live settings given (within a guarded call). The element truncates its
   * time-lapse to that step, which already holds the frame there: the next frame is the branch's first step. The
   * branch point's weights are the checkpoint now: a worker that traps before the next epoch's end comes back to them.
   */
  branchFrom(state: ArrayBuffer, beta: number, learningRate: number): void {
    this.trainer.loadState(new Uint8Array(state));
    this.#line++; // epoch ends taken on the old line are not sent
    this.trainer.setBeta(beta);
    this.trainer.setLearningRate(learningRate);
    this.epoch = this.trainer.epoch();
    this.step = this.trainer.stepCount();
    this.pendingLosses = [];
    this.frames.restart(this.step);
    this.sendDecoder();
    this.sendCheckpoint();
  }

  /** Called within a guarded call. */
  free(): void {
    this.report.free();
    this.trainer.free();
  }
}

/** The bytes a wasm export returned as an ArrayBuffer of their own, to transfer (a copy only if they share one). */
function ownBuffer(view: Uint8Array): ArrayBuffer {
  return (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view.buffer : view.slice().buffer) as ArrayBuffer;
}

function copyCodes(codes: Codes): Codes {
  return { ...codes, z: codes.z.slice(), labels: codes.labels.slice(), projection: codes.projection && copyProjection(codes.projection), own: null };
}

function projectionBuffers(p: LatentProjection): ArrayBuffer[] {
  return [p.points.buffer, p.mean.buffer, p.axes.buffer] as ArrayBuffer[];
}

function copyProjection(p: LatentProjection): LatentProjection {
  return { points: p.points.slice(), mean: p.mean.slice(), axes: p.axes.slice(), explained: [p.explained[0], p.explained[1]] };
}

/** The test codes' PCA plane (see `projectLatents` in src/wasm/explore.rs for the packed layout). */
function projection2d(z: Float32Array, latent: number): LatentProjection {
  const packed = projectLatents(z, latent);
  const n = z.length / latent;
  let at = 2 * n;
  const take = (length: number) => packed.slice(at, (at += length));
  return { points: packed.slice(0, 2 * n), mean: take(latent), axes: take(2 * latent), explained: [packed[at], packed[at + 1]] };
}
