// What every view of <vae-playground> is: it builds its own DOM inside the host it is given, draws from the
// element's state, and on dispose removes every listener it added (so a view can never outlive its element).
import type { LatentProjection, ReadyInfo, ReplyOf, RequestKind, RequestOf, TrainSettings } from '../protocol.js';
import type { RunHistory } from '../runs.js';
import type { LossHistory } from './loss-history.js';

export interface View {
  mount(host: HTMLElement): void;
  /** Called whenever the state may have changed; a view redraws only what did. */
  update(state: Readonly<PlaygroundState>): void;
  dispose(): void;
}

/** The ranges the Rust core accepts, for the inputs' bounds (see `settingLimits` in src/bindings.rs). */
export type SettingLimits = Record<'hiddenUnits' | 'latentDim' | 'beta' | 'learningRate' | 'batchSize', {
  min: number;
  max?: number;
  minExclusive: boolean;
}>;

export interface PlaygroundState {
  settings: TrainSettings;
  epochs: number;
  limits: SettingLimits | null;
  /** What is loading now, in words; null once the worker is ready or has failed. */
  loading: string | null;
  ready: ReadyInfo | null;
  running: boolean;
  /** The epoch count training last stopped at because it reached `epochs`. */
  trainedEpoch: number | null;
  progress: { epoch: number; epochProgress: number; samplesPerSec: number } | null;
  history: LossHistory;
  /** Every run so far, and which are drawn over the chart. */
  runs: RunHistory;
  latents: { z: Float32Array; labels: Uint8Array; projection: LatentProjection | null } | null;
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
  /**
   * A problem (`fatal`: nothing works until Retry), or with `notice` a piece of news that is no error; `offer` labels
   * the one choice a notice may give (a button; `acceptOffer` takes it).
   */
  error: { message: string; fatal: boolean; notice?: boolean; offer?: string } | null;
  /** Whether the model is kept across reloads (the `persist` attribute): the toolbar then offers "Start over". */
  persist: boolean;
  /** The time-lapse's moment shown instead of now (the chart marks its step); null or absent when live. */
  moment?: { step: number } | null;
}

/** What views may ask the element to do. */
export interface PlaygroundActions {
  train(): void;
  pause(): void;
  reset(): void;
  retry(): void;
  /** Forgets the kept models and starts a fresh one. */
  startOver(): void;
  dismissError(): void;
  /** Takes the choice the notice offers (and the notice goes). */
  acceptOffer(): void;
  moveTo(z: readonly number[]): void;
  setAttribute(name: string, value: string): void;
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
