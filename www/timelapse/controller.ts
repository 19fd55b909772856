// The time-lapse of one element: the record (FrameRecorder), what is shown (the replay machine), the replay's clock,
// the mirror in storage, branching and export. The element feeds it frames and states from the worker and shows what
// it says through `TimelapseHost.show`; the timeline view reads and drives it through `TimelineModel` only.
import { decoderOf, FrameRecorder, interpolateCodes, planeOf, type Frame, type FrameInput, type FrameLosses, type RecordChange, type StateFrame, type StepChange, type TimelapseHeader, stepChangeOf } from './frames.js';
import { timelapseJson } from './json.js';
import { describeMoment, drawPicture, extentOf } from './render.js';
import { initialReplay, reduce, shown, type ReplayEvent, type ReplayState, type Shown } from './replay.js';
import { encodeVideo, videoUnsupported } from './video.js';
import type { LatentProjection } from '../protocol.js';

/** The live settings a branch may change. */
export interface BranchSettings {
  beta: number;
  learningRate: number;
}

/** A recorded moment, ready to show. */
export interface Moment {
  step: number;
  epoch: number;
  losses: FrameLosses;
  /** The codes shown: one frame's exactly, or a morph between two. [count × latent]. */
  codes: Float32Array;
  /** The latent panel's points ([count × 2]: the codes with L = 2, the plane's points with more), morphed likewise. */
  points: Float32Array | null;
  /** The plane the points are in (L > 2), the frame's. */
  projection: LatentProjection | null;
  labels: Uint8Array;
  /** The frame shown (morphed from). */
  frame: Frame;
  /** Whether the codes are exactly that frame's (no morph in progress). */
  exact: boolean;
  /** The frame's decoder in f32, converted on first use and kept while the frame is shown. */
  decoder(): Float32Array;
  /** Step mode: the points a frame ago. */
  trail: Float32Array | null;
  live: boolean;
}

/** What the time-lapse needs from its element. */
export interface TimelapseHost {
  /** Show a moment (latent panel, digit, manifold, the chart's cursor), or the live state again (null). */
  show(moment: Moment | null): void;
  /** Train on from `state` as a new run with `settings` (the element archives the run and marks the branch point). */
  branch(state: StateFrame, settings: BranchSettings): Promise<void>;
  /** The live settings in force, which a branch starts from. */
  branchSettings(): BranchSettings;
  /** Step mode: hold training (true) or let it go on (false). */
  holdTraining(hold: boolean): void;
  /** Step mode: train `steps` steps and take a frame. */
  trainSteps(steps: number): void;
  /** The manifold of a frame's decoder (n·n·784), for the video. */
  manifold(frame: Frame, decoder: Float32Array, n: number): Float32Array | Promise<Float32Array>;
  /** Offer a file to the person. */
  download(name: string, file: Blob): void;
}

/** What the timeline view draws from. */
export interface TimelineSnapshot {
  version: number;
  steps: readonly number[];
  /** Per frame: mean training loss, test −ELBO where known, epoch. */
  losses: readonly number[];
  testElbo: readonly (number | null)[];
  epochs: readonly number[];
  /** Steps with full training state (branching is offered there). */
  stateSteps: readonly number[];
  /** Where this run branched from its parent, if it did. */
  branchedAt: number | null;
  replay: ReplayState;
  shown: Shown | null;
  /** Why there is no branching at all (no state fits the bound), in words; null when there is. */
  branchBlocked: string | null;
  exporting: boolean;
  /** Step mode: what the last step changed (null otherwise). */
  stepChange: StepChange | null;
  /** What this host offers: branching and step mode need a trainer that can hand over its state and train by steps. */
  offers: { branch: boolean; stepMode: boolean };
}

/** What the timeline view may do: its whole interface to the time-lapse (so the wiring stays small). */
export interface TimelineModel {
  /** Changes whenever anything the timeline shows does (read every frame; the snapshot only when it moved). */
  readonly version: number;
  snapshot(): TimelineSnapshot;
  dispatch(event: ReplayEvent): void;
  branch(step: number, settings: BranchSettings): Promise<void>;
  branchSettings(): BranchSettings;
  /** Step mode: train one step (or `steps`) and show what changed. */
  stepTraining(steps?: number): void;
  /** Writes the video and the JSON; resolves to what to tell the person. */
  exportTimelapse(onProgress: (fraction: number) => void): Promise<string>;
  subscribe(listener: () => void): () => void;
}

export interface ExportOptions {
  width: number;
  height: number;
  fps: number;
  /** Video frames per recorded frame (the codes morph between): 1 = one per recorded frame. */
  tween: number;
  /** The manifold's grid in the video. */
  grid: number;
  /** Each frame's decoder in the JSON too (large). */
  decoders: boolean;
}

export const EXPORT_DEFAULTS: ExportOptions = { width: 960, height: 540, fps: 24, tween: 3, grid: 12, decoders: false };

/** The scheduling the controller uses (an animation frame in a page; replaced in tests). */
export interface Clock {
  request(callback: (now: number) => void): number;
  cancel(handle: number): void;
  now(): number;
}

const animationClock: Clock = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
  now: () => performance.now(),
};

/** Where the record is mirrored (a TimelapseStore, with `persist`). */
export interface TimelapseSink {
  write(change: RecordChange): void;
  truncate(step: number, header: TimelapseHeader & { run: string; savedAt: number }): Promise<void>;
}

export class Timelapse implements TimelineModel {
  #recorder: FrameRecorder;
  #replay: ReplayState;
  #host: TimelapseHost;
  #clock: Clock;
  #sink: TimelapseSink | null = null;
  #run = '';
  #listeners = new Set<() => void>();
  #version = 0;
  #frameRequest = 0;
  #lastTick: number | null = null;
  #showPending = false;
  #branchedAt: number | null = null;
  #exporting = false;
  /** The f32 decoder of the frame last shown. */
  #decoderCache: { frame: Frame; values: Float32Array } | null = null;
  #morph: Float32Array | null = null;
  #morphPoints: Float32Array | null = null;
  #showedLive = true;
  readonly #offers: { branch: boolean; stepMode: boolean };
  exportOptions: ExportOptions = { ...EXPORT_DEFAULTS };

  constructor(
    header: TimelapseHeader, host: TimelapseHost,
    { clock = animationClock, reducedMotion = false, offers = { branch: true, stepMode: true } }: { clock?: Clock; reducedMotion?: boolean; offers?: { branch: boolean; stepMode: boolean } } = {},
  ) {
    this.#offers = { ...offers };
    this.#recorder = new FrameRecorder(header);
    this.#host = host;
    this.#clock = clock;
    this.#replay = initialReplay(reducedMotion);
  }

  get version(): number {
    return this.#version;
  }

  get recorder(): FrameRecorder {
    return this.#recorder;
  }

  get replay(): ReplayState {
    return this.#replay;
  }

  /** Mirrors every change into `sink` from now on, under the run name `run`. */
  mirrorTo(sink: TimelapseSink | null, run: string): void {
    this.#sink = sink;
    this.#run = run;
  }

  /** A moment from the trainer. */
  record(input: FrameInput): void {
    this.#apply(this.#recorder.record(input));
  }

  /** Full training state from the trainer, for branching. */
  addState(step: number, epoch: number, state: ArrayBuffer): void {
    this.#apply(this.#recorder.addState(step, epoch, state));
  }

  /** Frames and states back from storage (or a file): added in step order, thinned as if recorded. */
  adopt(frames: readonly Frame[], states: readonly StateFrame[]): void {
    for (const frame of frames) this.#recorder.adopt(frame);
    for (const s of states) this.#recorder.addState(s.step, s.epoch, s.state);
    this.#changed();
  }

  /** A new model: a new record; the view goes live. */
  reset(header: TimelapseHeader): void {
    this.#recorder = new FrameRecorder(header);
    this.#branchedAt = null;
    this.#decoderCache = null;
    this.#replay = reduce(this.#replay, { type: 'now' }, []);
    this.#changed();
  }

  /** The element's API: `frames` → { count, steps }. */
  frames(): { count: number; steps: number[] } {
    const steps = this.#recorder.steps();
    return { count: steps.length, steps };
  }

  /** The element's API: `seek(step)` shows the frame at or before `step`; resolves with its step once shown. */
  seek(step: number): number | null {
    this.dispatch({ type: 'seek', step });
    this.showNow();
    return shown(this.#replay, this.#recorder.steps())?.step ?? null;
  }

  dispatch(event: ReplayEvent): void {
    const before = this.#replay;
    this.#replay = reduce(before, event, this.#recorder.steps());
    if (event.type === 'stepMode' && event.on !== before.stepMode) this.#host.holdTraining(event.on);
    if (this.#replay === before) return;
    if (this.#replay.mode === 'replaying' && before.mode !== 'replaying') this.#lastTick = null;
    this.#changed();
  }

  branchSettings(): BranchSettings {
    return this.#host.branchSettings();
  }

  async branch(step: number, settings: BranchSettings): Promise<void> {
    const state = this.#recorder.stateAt(step);
    if (!state) throw new Error(`There is no training state kept at step ${step}: branch from a marked moment.`);
    await this.#host.branch(state, settings);
    this.#recorder = this.#recorder.branchAt(step);
    this.#branchedAt = step;
    this.#replay = reduce(this.#replay, { type: 'now' }, this.#recorder.steps());
    await this.#sink?.truncate(step, { ...this.#recorder.header, run: this.#run, savedAt: Date.now() });
    this.#changed();
  }

  stepTraining(steps = 1): void {
    if (!this.#replay.stepMode) return;
    this.#host.trainSteps(steps);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): TimelineSnapshot {
    const frames = this.#recorder.frames;
    return {
      version: this.#version,
      steps: frames.map((f) => f.step),
      losses: frames.map((f) => f.losses.train),
      testElbo: frames.map((f) => f.losses.testElbo),
      epochs: frames.map((f) => f.epoch),
      stateSteps: this.#recorder.states.map((s) => s.step),
      branchedAt: this.#branchedAt,
      replay: this.#replay,
      shown: shown(this.#replay, frames.map((f) => f.step)),
      branchBlocked: this.#recorder.statesFit === false
        ? `This model’s training state is too large to keep within the time-lapse’s ${Math.round(this.#recorder.bound / 2 ** 20)} MB, so it cannot branch.`
        : null,
      exporting: this.#exporting,
      stepChange: this.#replay.stepMode ? stepChangeOf(frames.at(-2), frames.at(-1), this.#recorder.header.latent) : null,
      offers: this.#offers,
    };
  }

  /** The moment the replay state points at, computed now (the element calls `host.show` with it once a frame). */
  moment(): Moment | null {
    const frames = this.#recorder.frames;
    const view = shown(this.#replay, frames.map((f) => f.step));
    if (!view) return null;
    const { header } = this.#recorder;
    const from = frames[view.from];
    const to = frames[view.to];
    let codes = from.codes;
    let points = planeOf(from, header.latent);
    if (view.t > 0) {
      this.#morph = interpolateCodes(from.codes, to.codes, view.t, this.#morph?.length === from.codes.length ? this.#morph : undefined);
      codes = this.#morph;
      const a = planeOf(from, header.latent);
      const b = planeOf(to, header.latent);
      if (header.latent === 2) points = codes;
      else if (a && b) points = this.#morphPoints = interpolateCodes(a, b, view.t, this.#morphPoints?.length === a.length ? this.#morphPoints : undefined);
    }
    const trail = view.trail === null ? null : planeOf(frames[view.trail], header.latent);
    return {
      step: view.t > 0 ? from.step + view.t * (to.step - from.step) : from.step,
      epoch: from.epoch,
      losses: from.losses,
      codes,
      points,
      projection: from.projection,
      labels: header.labels,
      frame: from,
      exact: view.t === 0,
      decoder: () => this.#decoderOf(from),
      trail,
      live: view.live,
    };
  }

  /** Shows the current moment through the host now (a seek from the API; the view's changes wait for a frame). */
  showNow(): void {
    this.#showPending = false;
    const moment = this.#replay.mode === 'live' && !this.#replay.stepMode ? null : this.moment();
    // Live is the element's own picture: said once, not at every frame recorded.
    if (moment === null && this.#showedLive) return;
    this.#showedLive = moment === null;
    this.#host.show(moment);
  }

  async exportTimelapse(onProgress: (fraction: number) => void = () => {}): Promise<string> {
    if (this.#exporting) return 'An export is already under way.';
    const recorder = this.#recorder;
    const frames = recorder.frames.slice();
    if (frames.length === 0) return 'There is nothing recorded to export yet: train first.';
    this.#exporting = true;
    this.#changed();
    try {
      const o = this.exportOptions;
      const json = new Blob([timelapseJson(recorder, { decoders: o.decoders })], { type: 'application/json' });
      const width = o.width - (o.width % 2);
      const height = o.height - (o.height % 2);
      const why = await videoUnsupported(width, height, o.fps);
      if (why) {
        this.#host.download('vae-timelapse.json', json);
        return `${why} The frames are saved as JSON (vae-timelapse.json).`;
      }
      const video = await this.#video(frames, width, height, o, onProgress);
      this.#host.download('vae-timelapse.webm', video.blob);
      this.#host.download('vae-timelapse.json', json);
      return `Saved vae-timelapse.webm (${video.count} video frames, ${(video.count / o.fps).toFixed(1)} s) and vae-timelapse.json (${frames.length} frames).`;
    } catch (cause) {
      return `The time-lapse could not be exported: ${cause instanceof Error ? cause.message : String(cause)}`;
    } finally {
      this.#exporting = false;
      this.#changed();
    }
  }

  dispose(): void {
    this.#clock.cancel(this.#frameRequest);
    this.#frameRequest = 0;
    this.#listeners.clear();
  }

  async #video(frames: Frame[], width: number, height: number, o: ExportOptions, onProgress: (f: number) => void): Promise<{ blob: Blob; count: number }> {
    const { header } = this.#recorder;
    const planes = frames.map((f) => planeOf(f, header.latent));
    const extent = extentOf(planes);
    const count = (frames.length - 1) * o.tween + 1;
    const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!ctx) throw new Error('this browser cannot draw on a canvas');
    let manifoldOf: { index: number; pixels: Float32Array } | null = null;
    let morph: Float32Array | undefined;
    const blob = await encodeVideo(canvas, count, async (i) => {
      const index = i / o.tween;
      const k = Math.floor(index);
      const t = index - k;
      const from = frames[k];
      const to = frames[Math.min(frames.length - 1, k + 1)];
      const a = planes[k];
      const b = planes[Math.min(frames.length - 1, k + 1)];
      const points = a && b && t > 0 ? (morph = interpolateCodes(a, b, t, morph?.length === a.length ? morph : undefined)) : a ?? new Float32Array(0);
      if (manifoldOf?.index !== k) manifoldOf = { index: k, pixels: await this.#host.manifold(from, decoderOf(from), o.grid) };
      const step = from.step + t * (to.step - from.step);
      drawPicture(ctx, width, height, {
        points, labels: header.labels, extent, manifold: { pixels: manifoldOf.pixels, n: o.grid },
        caption: describeMoment(step, from.epoch, from.losses.train, from.losses.testElbo),
      });
    }, { fps: o.fps }, onProgress);
    return { blob, count };
  }

  #decoderOf(frame: Frame): Float32Array {
    if (this.#decoderCache?.frame !== frame) {
      const reuse = this.#decoderCache?.values.length === frame.decoder.length ? this.#decoderCache.values : undefined;
      this.#decoderCache = { frame, values: decoderOf(frame, reuse) };
    }
    return this.#decoderCache.values;
  }

  #apply(change: RecordChange): void {
    this.#sink?.write(change);
    this.#replay = reduce(this.#replay, { type: 'frames' }, this.#recorder.steps());
    this.#changed();
  }

  /** Something the view shows changed: tell the listeners, and show the moment on the next frame. */
  #changed(): void {
    this.#version++;
    this.#showPending = true;
    for (const listener of this.#listeners) listener();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#frameRequest) return;
    this.#frameRequest = this.#clock.request((now) => {
      this.#frameRequest = 0;
      if (this.#replay.mode === 'replaying') {
        const ms = this.#lastTick === null ? 0 : now - this.#lastTick;
        this.#lastTick = now;
        const before = this.#replay;
        this.#replay = reduce(before, { type: 'tick', ms }, this.#recorder.steps());
        if (this.#replay !== before) {
          this.#version++;
          this.#showPending = true;
          for (const listener of this.#listeners) listener();
        }
        if (this.#replay.mode === 'replaying') this.#schedule();
      } else {
        this.#lastTick = null;
      }
      if (this.#showPending) this.showNow();
    });
  }
}
