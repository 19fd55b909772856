// What every view of <vae-playground> is: it builds its own DOM inside the host it is given, draws from the
// element's state, and on dispose removes every listener it added (so a view can never outlive its element).
import type { TeamInfo } from '../team/count.js';
import type { IngestProgress, IngestResult } from '../data/ingest.js';
import type { Dataset, OwnSummary } from '../datasets.js';
import type { LatentProjection, OwnCodes, ReadyInfo, ReplyOf, RequestKind, RequestOf, TrainSettings } from '../protocol.js';
import type { RunHistory } from '../runs.js';
import type { LossHistory } from './loss-history.js';

export interface View {
  mount(host: HTMLElement): void;
  /** Called whenever the state may have changed; a view redraws only what did. */
  update(state: Readonly<PlaygroundState>): void;
  dispose(): void;
}

/** The ranges the Rust core accepts, for the inputs' bounds (see `settingLimits` in src/wasm/settings.rs). */
export type SettingLimits = Record<'hiddenUnits' | 'latentDim' | 'beta' | 'learningRate' | 'batchSize', {
  min: number;
  max?: number;
  minExclusive: boolean;
}>;

/** Reading a person's images: listing what was dropped, reading it (with progress), its preview, or why it failed. */
export type IngestState =
  | { phase: 'collecting'; files: number }
  | { phase: 'reading'; progress: IngestProgress | null }
  | { phase: 'preview'; result: IngestResult }
  | { phase: 'failed'; message: string };

/** The person's own images: "my set" as it grows, the set a model trains on now, and a drop being read. */
export interface OwnState {
  /** Changes whenever the set does. */
  version: number;
  count: number;
  classes: { name: string; count: number }[];
  unlabelled: number;
  /** The set the model trains on, if it trains on the person's images. */
  inForce: OwnSummary | null;
  ingest: IngestState | null;
  /** The most images a set may hold. */
  max: number;
}

export interface PlaygroundState {
  settings: TrainSettings;
  /** What the model trains on: words, class names, image size (views read these instead of assuming digits). */
  dataset: Dataset;
  own: OwnState;
  epochs: number;
  limits: SettingLimits | null;
  /** What is loading now, in words; null once the worker is ready or has failed. */
  loading: string | null;
  ready: ReadyInfo | null;
  running: boolean;
  /** The epoch count training last stopped at because it reached `epochs`. */
  trainedEpoch: number | null;
  /** A model is there and has trained: what a choice that replaces it asks about first (`ModelLink.hasTrained`). */
  hasTrained: boolean;
  progress: { epoch: number; epochProgress: number; samplesPerSec: number } | null;
  history: LossHistory;
  /** Every run so far, and which are drawn over the chart. */
  runs: RunHistory;
  /** The test codes, their labels, and (with own images mixed into MNIST) the codes of the person's images. */
  latents: { z: Float32Array; labels: Uint8Array; projection: LatentProjection | null; own: OwnCodes | null } | null;
  z: readonly number[];
  /** The decoded digit at z. */
  pixels: Float32Array | null;
  /** Counts decoder changes (snapshots, resets, loaded files): views that decode many points redraw when it moves. */
  decoderVersion: number;
  /** The code of the person's drawing (Draw view), shown as a cross in the latent panel. */
  marker: readonly number[] | null;
  /** The person's drawing prepared as an MNIST digit, for the views that can start from it. */
  drawing: Float32Array | null;
  /** The digit classifier's training in the worker, and its test accuracy once trained. */
  classifier: { progress: number; accuracy: number | null } | null;
  /** How many Workers train, and over which exchange (null until the worker says). */
  team: TeamInfo | null;
  /**
   * A problem (`fatal`: nothing works until Retry), or with `notice` a piece of news that is no error; `offer` labels
   * the one choice a notice may give (a button; `acceptOffer` takes it).
   */
  error: { message: string; fatal: boolean; notice?: boolean; offer?: string } | null;
  /** Whether the model is kept across reloads (the `persist` attribute): the toolbar then offers "Start over". */
  persist: boolean;
  /** The time-lapse's moment shown instead of now (the chart marks its step); null or absent when live. */
  moment?: { step: number; trail: Float32Array | null } | null;
}

/** What views may ask the element to do. */
export interface PlaygroundActions {
  train(): void;
  pause(): void;
  /** A new model with the settings in force, asking first when one has trained. */
  reset(): void;
  retry(): void;
  /** Forgets the kept models and starts a fresh one, asking first. */
  startOver(): void;
  dismissError(): void;
  /** Takes the choice the notice offers (and the notice goes). */
  acceptOffer(): void;
  moveTo(z: readonly number[]): void;
  setAttribute(name: string, value: string): void;
  /** Why `text` is not allowed for setting `key` with the others as they are (checked as the Rust core checks it), or null. */
  checkSetting(key: keyof TrainSettings, text: string): string | null;
  loadWeightsFile(file: File): void;
  saveWeights(): void;
  /** A request to the worker, typed by kind; a failure is also reported through the element's error event. */
  request<K extends RequestKind>(request: RequestOf<K>): Promise<ReplyOf<K>>;
  /** Decodes on the main thread, now (null before any decoder exists). */
  decodeNow(z: readonly number[]): Float32Array | null;
  /** Asks the person before something that throws work away; true to go ahead. */
  confirm(question: string): Promise<boolean>;
  /** Sends a view's result as an event of the element. */
  emit(type: 'recovered' | 'interpolated', detail: object): void;
  /**
   * Reads a person's images (dropped: call from the `drop` handler itself, before any await; or picked) in the worker,
   * then shows their preview. Nothing else changes until the person accepts it.
   */
  bringImages(from: DataTransfer | FileList | readonly File[]): void;
  /** Stops reading them, or closes their preview or its message. */
  cancelImages(): void;
  /** The previewed images become "my set", and a new model trains on them (alone, or mixed into MNIST). */
  trainOnImages(mixed: boolean): void;
  /** Adds a prepared image (the Draw pad's) to "my set", with a label or none. */
  addToSet(pixels: Float32Array, label: string): void;
  clearSet(): void;
  /** A new model trains on "my set" (alone, or mixed into MNIST), after asking if a trained model would go. */
  trainOnSet(mixed: boolean): void;
  /** "My set" as two gzip IDX files (what `vae train --data DIR` and the `data` attribute read). */
  exportDataset(): void;
}

/** Adds listeners that all go when `dispose` is called: one AbortController per view. */
export class Listeners {
  #controller = new AbortController();

  on<K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K, listener: (event: HTMLElementEventMap[K]) => void): void {
    target.addEventListener(type, listener as EventListener, { signal: this.#controller.signal });
  }

  dispose(): void {
    this.#controller.abort();
    this.#controller = new AbortController();
  }
}

/** The host's first element matching `selector`; a missing one is a bug in the view's own template. */
export function find<T extends Element>(host: ParentNode, selector: string): T {
  const found = host.querySelector<T>(selector);
  if (!found) throw new Error(`vae-playground: the view lost its ${selector}`);
  return found;
}
