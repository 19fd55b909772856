// The time-lapse inside <vae-playground>: frames from the worker recorded (a new record for each model), the moment
// the timeline points at shown through the element's own views (the scatter's codes, the digit and the manifold drawn
// by that moment's decoder, the loss chart's cursor), the live decoder held back meanwhile and shown again on "Back to
// now", the record mirrored into IndexedDB with `persist` and adopted again when the kept model comes back, the
// export's files offered as downloads. The element calls in a handful of places; everything else is here.
import type { ElementKey } from '../persistence.js';
import type { DecoderDescriptor, FrameInfo, LatentProjection } from '../protocol.js';
import { Timelapse, type BranchSettings, type Moment, type TimelapseHost } from './controller.js';
import { decoderOf, type Frame, type TimelapseHeader } from './frames.js';
import { TimelapseStore, type LoadedTimelapse } from './store.js';
import { TIMELINE_STYLES } from './styles.js';

/** The `framechange` event's detail: the moment shown (`live`: following training again, after "Back to now"). */
export interface FrameChangeDetail {
  step: number;
  epoch: number;
  live: boolean;
  trainLoss: number;
  testElbo: number | null;
  /** μ of the test images at that moment, row-major [count × latent]. */
  codes: Float32Array;
}

/** What the time-lapse needs of its element. */
export interface TimelapseElementHost {
  /** Draw the views on the next frame. */
  render(): void;
  /** Put this decoder snapshot on the main thread's decoder (a moment's, or the live one back). */
  showDecoder(descriptor: DecoderDescriptor, weights: Float32Array): void;
  /** The manifold a snapshot draws, from the worker. */
  manifoldOf(descriptor: DecoderDescriptor, weights: Float32Array, n: number, x: number, y: number, base: Float32Array): Promise<{ pixels: Float32Array; z: Float32Array }>;
  framechange(detail: FrameChangeDetail): void;
  download(name: string, file: Blob): void;
  /** News that is no error (storage unavailable). */
  notice(message: string): void;
  /** Step mode: whether training runs; stop it, start it again, train a few steps while stopped. */
  running(): boolean;
  pause(): void;
  train(): void;
  trainSteps(steps: number): void;
  /** Train on from a kept state with other live settings, as a new run (the state's bytes are the host's to give away). */
  branch(state: ArrayBuffer, settings: BranchSettings): Promise<void>;
  /** The live settings in force, which a branch starts from. */
  branchSettings(): BranchSettings;
}

/** What the views are shown for the moment: the codes and their plane, and where the chart's cursor goes. */
export interface MomentView {
  /** The test images' codes then (the person's own images mixed in are not recorded: no markers for them). */
  latents: { z: Float32Array; labels: Uint8Array; projection: LatentProjection | null; own: null };
  step: number;
  /** Step mode: each point a frame ago (in the panel's plane), so the panel can draw what the last step changed. */
  trail: Float32Array | null;
}

const EMPTY: TimelapseHeader = { latent: 2, count: 0, labels: new Uint8Array(0), decoder: { architecture: 'mlp', latent: 2, values: 0 } };

let sheet: CSSStyleSheet | null = null;

/** The timeline's styles beside the element's own (a constructed sheet: no inline style for a strict CSP). */
export function adoptTimelineStyles(root: ShadowRoot): void {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(TIMELINE_STYLES);
  }
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

function sameSizes(a: TimelapseHeader, b: TimelapseHeader): boolean {
  return a.latent === b.latent && a.count === b.count && a.decoder.architecture === b.decoder.architecture && a.decoder.values === b.decoder.values;
}

export class ElementTimelapse {
  readonly timelapse: Timelapse;
  readonly #host: TimelapseElementHost;
  /** What the record's decoder snapshots are (the model's structure and sizes). */
  #descriptor: DecoderDescriptor | null = null;
  /** The frame whose decoder is on screen (null: live). */
  #shownFrame: Frame | null = null;
  #view: MomentView | null = null;
  /** The worker's latest decoder, held back while a moment is shown. */
  #live: { descriptor: DecoderDescriptor; weights: Float32Array } | null = null;
  /** The next frame starts a new record (a new model, a loaded file, a restored one). */
  #newRun = true;
  #store: TimelapseStore | null = null;
  /** The time-lapse kept from an earlier visit (undefined while it loads; null when there is none or it was used). */
  #kept: LoadedTimelapse | null | undefined = null;
  /**
   * A record that began at step 0 is written to storage only once training moves: the untrained model a page shows
   * before it restores the kept one must not wipe the kept time-lapse.
   */
  #unwritten: { run: string } | null = null;
  /** Step mode was entered while training ran: leaving it trains on. */
  #resumeAfterSteps = false;

  constructor(host: TimelapseElementHost, { reducedMotion = false } = {}) {
    this.#host = host;
    const timelapseHost: TimelapseHost = {
      show: (moment) => this.#show(moment),
      // A copy goes to the worker: the record keeps its own, to branch from again.
      branch: (state, settings) => this.#host.branch(state.state.slice(0), settings),
      branchSettings: () => this.#host.branchSettings(),
      holdTraining: (hold) => {
        if (hold) {
          this.#resumeAfterSteps = this.#host.running();
          this.#host.pause();
        } else if (this.#resumeAfterSteps) {
          this.#resumeAfterSteps = false;
          this.#host.train();
        }
      },
      trainSteps: (steps) => this.#host.trainSteps(steps),
      manifold: (_frame, decoder, n) => {
        const { latent } = this.timelapse.recorder.header;
        return this.#host.manifoldOf(this.#snapshotDescriptor(), decoder, n, 0, Math.min(1, latent - 1), new Float32Array(latent)).then((reply) => reply.pixels);
      },
      download: (name, file) => this.#host.download(name, file),
    };
    this.timelapse = new Timelapse(EMPTY, timelapseHost, { reducedMotion, offers: { branch: true, stepMode: true } });
  }

  /** The element API's `frames`. */
  frames(): { count: number; steps: number[] } {
    return this.timelapse.frames();
  }

  /** The element API's `seek(step)`: the step of the frame shown, or null when nothing is recorded yet. */
  seek(step: number): number | null {
    if (!Number.isFinite(step)) throw new RangeError(`seek: the step must be a number, not ${String(step)}`);
    return this.timelapse.seek(step);
  }

  /** What the views show instead of the live state while a moment is shown; null when live. */
  get view(): MomentView | null {
    return this.#view;
  }

  /** With `persist`: mirror into IndexedDB under this element's key, and read back what an earlier visit kept. */
  keep(key: ElementKey): void {
    this.#store = new TimelapseStore(key);
    this.#store.onError = (message) => this.#host.notice(message);
    this.#kept = undefined;
    this.#store.load().then((kept) => {
      if (this.#kept === undefined) this.#kept = kept;
    }, () => {
      this.#kept = null;
    });
  }

  /** "Start over": the kept time-lapse goes. */
  async forget(): Promise<void> {
    this.#kept = null;
    await this.#store?.clear().catch(() => {});
  }

  /** Before a reload: the changes still waiting are written. */
  flush(): void {
    void this.#store?.flush().catch(() => {});
  }

  /** A new model: its first frame starts a new record. */
  newRun(): void {
    this.#newRun = true;
  }

  /** A decoder snapshot from the worker: true if it is held back (a moment is shown), false to show it now. */
  liveDecoder(descriptor: DecoderDescriptor, weights: Float32Array): boolean {
    this.#live = { descriptor, weights };
    return this.#shownFrame !== null;
  }

  /** A frame from the worker; `run` names the model's structure (a kept time-lapse is adopted only by its own). */
  frame(info: FrameInfo, run: string): void {
    this.#descriptor = info.descriptor;
    const header: TimelapseHeader = {
      latent: info.latent, count: info.labels.length, labels: info.labels, decoder: { ...info.descriptor, values: info.decoder.length },
    };
    const recorder = this.timelapse.recorder;
    const last = recorder.frames.at(-1);
    if (this.#newRun || !sameSizes(recorder.header, header) || (last !== undefined && info.step < last.step)) {
      this.#newRun = false;
      this.#begin(header, info.step, run);
    }
    this.timelapse.record({
      step: info.step, epoch: info.epoch, losses: { train: info.trainLoss, testElbo: info.testElbo },
      codes: info.codes, decoder: info.decoder, projection: info.projection,
    });
    if (this.#unwritten && info.step > 0) this.#startWriting(this.#unwritten.run);
  }

  /** The trainer's full state at `step` (an epoch's end), kept for branching if it fits the bound. */
  state(step: number, epoch: number, bytes: ArrayBuffer): void {
    const last = this.timelapse.recorder.frames.at(-1);
    // Only beside this run's own frame at that step (the worker sends the state right after it).
    if (last?.step === step) this.timelapse.addState(step, epoch, bytes);
  }

  dispose(): void {
    this.flush();
    this.timelapse.dispose();
  }

  /** A new record from `step`: the kept one continued if it is this model's (a restored model resumes its time-lapse). */
  #begin(header: TimelapseHeader, step: number, run: string): void {
    this.timelapse.mirrorTo(null, run);
    // Back to live: the next animation frame shows the new model (its decoder, held while a moment was shown).
    this.timelapse.reset(header);
    this.#unwritten = null;
    const store = this.#store;
    if (!store) return;
    if (step === 0) {
      this.#unwritten = { run };
      return;
    }
    const kept = this.#kept;
    this.#kept = null; // used once: a later model starts afresh
    // The kept model resumes where its time-lapse had got to (a file loaded at another step starts afresh).
    const covers = kept !== null && kept !== undefined && kept.frames.length > 0 && kept.frames[0].step <= step && step <= kept.frames.at(-1)!.step;
    if (kept && covers && kept.header.run === run && sameSizes(kept.header, header)) {
      // The kept model is back: its time-lapse up to here (with the training states kept, to branch from), and what
      // comes next written after it.
      this.timelapse.adopt(kept.frames.filter((f) => f.step < step), kept.states.filter((s) => s.step <= step));
      void store.truncate(step, { ...header, run, savedAt: Date.now() }).catch(() => {});
      this.timelapse.mirrorTo(store, run);
    } else {
      this.#startWriting(run);
    }
  }

  /** This record replaces the stored one: written whole now, then mirrored change by change. */
  #startWriting(run: string): void {
    const store = this.#store;
    this.#unwritten = null;
    if (!store) return;
    this.#kept = null;
    const recorder = this.timelapse.recorder;
    void store.begin({ ...recorder.header, run, savedAt: Date.now() }).catch(() => {});
    for (const frame of recorder.frames) store.write({ added: { frame }, removedFrames: [], removedStates: [] });
    this.timelapse.mirrorTo(store, run);
  }

  #show(moment: Moment | null): void {
    const frame = moment?.frame ?? null;
    this.#view = moment ? { latents: { z: moment.codes, labels: moment.labels, projection: planeView(moment), own: null }, step: moment.step, trail: moment.trail } : null;
    if (frame !== this.#shownFrame) {
      this.#shownFrame = frame;
      if (moment && frame) {
        this.#host.showDecoder(this.#snapshotDescriptor(), moment.decoder());
      } else if (this.#live) {
        this.#host.showDecoder(this.#live.descriptor, this.#live.weights);
      }
      const shownFrame = frame ?? this.timelapse.recorder.frames.at(-1);
      if (shownFrame) {
        this.#host.framechange({
          step: shownFrame.step, epoch: shownFrame.epoch, live: frame === null, trainLoss: shownFrame.losses.train,
          testElbo: shownFrame.losses.testElbo, codes: shownFrame.codes.slice(),
        });
      }
    }
    this.#host.render();
  }

  /** The manifold of the moment shown (null when live: the model's own). */
  manifold(n: number, x: number, y: number, base: Float32Array): Promise<{ pixels: Float32Array; z: Float32Array }> | null {
    const frame = this.#shownFrame;
    if (!frame) return null;
    return this.#host.manifoldOf(this.#snapshotDescriptor(), decoderOf(frame), n, x, y, base);
  }

  /** The record's decoder snapshots are this model's: a moment is only shown once a frame has come. */
  #snapshotDescriptor(): DecoderDescriptor {
    if (!this.#descriptor) throw new Error('No time-lapse frame has been recorded yet.');
    return this.#descriptor;
  }
}

/** The plane the panel draws a moment in (L > 2): the frame's axes with the (possibly morphed) points. */
function planeView(moment: Moment): LatentProjection | null {
  const p = moment.projection;
  if (!p) return null;
  return moment.points ? { ...p, points: moment.points } : p;
}
