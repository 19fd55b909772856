// <vae-playground>: a VAE that trains in its own worker while you drag through its latent space.
// The element is a shell: attributes ⇄ settings (settings.ts), the worker behind a typed client (worker-client.ts),
// the main thread's decoder (live-decoder.ts), and views that draw the state (views/*.ts). It holds no view's DOM.
import { prepareDrawing, settingLimits, validateSettings, weightsMetadata } from '../pkg/vae_playground.js';
import { LiveDecoder } from './live-decoder.js';
import { RunKeeper } from './persistence.js';
import { RunHistory } from './runs.js';
import { fromMetadata, toMetadata } from './shared-run.js';
import type { ReadyInfo, TrainSettings, WorkerEvent, WorkerSources } from './protocol.js';
import {
  ATTRIBUTES, DEFAULT_SETTINGS, MODEL_KEYS, SETTINGS, SETTING_KEYS, VIEW_NAMES, descriptor, isLive, keyOfAttribute, parseDataUrls,
  parseNumberSetting, parseUrl, parseViews, type SettingKey, type SettingProperties, type ViewName,
} from './settings.js';
import { STYLES } from './styles.js';
import { ChartView } from './views/chart.js';
import { DigitView } from './views/digit.js';
import { DrawView, type DrawResult } from './views/draw.js';
import { DropView } from './views/drop.js';
import { CompressView } from './views/compress.js';
import { ConfirmView } from './views/confirm.js';
import { GenerateView } from './views/generate.js';
import { HistoryView } from './views/history.js';
import { InterpolateView } from './views/interpolate.js';
import { JudgeView } from './views/judge.js';
import { RecoverView } from './views/recover.js';
import { LatentView } from './views/latent.js';
import { LossHistory } from './views/loss-history.js';
import { SettingsView } from './views/settings.js';
import { StatusView } from './views/status.js';
import type { PlaygroundActions, PlaygroundState, SettingLimits, View } from './views/view.js';
import { chooseWasmBuild, errorMessage, fetchBytes, loadWasm } from './wasm.js';
import { WorkerClient } from './worker-client.js';

export interface ProgressDetail { epoch: number; step: number; loss: number; samplesPerSec: number }
export interface EpochDetail { epoch: number; testElbo: number; recon: number; kl: number }
export interface LatentChangeDetail { z: number[]; pixels: Float32Array }
export interface TrainedDetail { epoch: number }
export interface DrawChangeDetail { pixels: Float32Array; z: number[] }
export interface RecoveredDetail { pixels: Float32Array; step: number; error: number; baselineError: number }
export interface RestoredDetail { epoch: number; savedAt: number }
export interface InterpolatedDetail { latent: Float32Array; pixels: Float32Array; frames: number; from: number[]; to: number[] }
export interface ErrorDetail { message: string }
export interface Classification { digit: number; probabilities: Float32Array }
export type ReadyDetail = ReadyInfo;

export interface VaePlaygroundEventMap {
  ready: CustomEvent<ReadyDetail>;
  progress: CustomEvent<ProgressDetail>;
  epoch: CustomEvent<EpochDetail>;
  latentchange: CustomEvent<LatentChangeDetail>;
  trained: CustomEvent<TrainedDetail>;
  drawchange: CustomEvent<DrawChangeDetail>;
  recovered: CustomEvent<RecoveredDetail>;
  interpolated: CustomEvent<InterpolatedDetail>;
  restored: CustomEvent<RestoredDetail>;
  error: CustomEvent<ErrorDetail>;
}

/** Milliseconds of view updates per frame before the rest wait for the next frame. */
const FRAME_BUDGET_MS = 8;

const ASSETS = {
  wasm: chooseWasmBuild({
    relaxed: new URL('./vae_playground_relaxed_bg.wasm', import.meta.url).href,
    simd128: new URL('./vae_playground_bg.wasm', import.meta.url).href,
  }),
  worker: new URL('./worker.js', import.meta.url).href,
  images: new URL('./data/mnist-10k-images.idx3-ubyte.gz', import.meta.url).href,
  labels: new URL('./data/mnist-10k-labels.idx1-ubyte.gz', import.meta.url).href,
};

// Layout only: each view fills its own host (`display: contents`, so the hosts do not change the grid).
const TEMPLATE = `
<div class="root" part="root" data-view="drop">
  <div class="host" data-view="status"></div>
  <div class="main" data-section="latent">
    <div class="host" data-view="latent"></div>
    <div class="side"><div class="host" data-view="digit"></div><div class="host" data-view="chart"></div></div>
  </div>
  <div class="host" data-view="generate" data-section="generate"></div>
  <div class="host" data-view="draw" data-section="draw"></div>
  <div class="host" data-view="recover" data-section="recover"></div>
  <div class="host" data-view="compress" data-section="compress"></div>
  <div class="host" data-view="interpolate" data-section="interpolate"></div>
  <div class="host" data-view="judge" data-section="judge"></div>
  <div class="host" data-view="history" data-section="history"></div>
  <div class="host" data-view="settings"></div>
  <div class="host" data-view="confirm"></div>
</div>`;

/**
 * A variational autoencoder that trains on MNIST in its own Web Worker while you drag through its latent space.
 * Every attribute is reflected as a property (see `SETTINGS` in settings.ts: hidden-units, latent-dim, beta,
 * learning-rate, batch-size, seed, epochs, autostart, compact, weights, data).
 *
 * @event ready - The model is loaded and can train (with `weights` or a kept run, once that is loaded): sizes of the data and the model.
 * @event progress - While training, about eight times a second: epoch, step, loss, samples/s.
 * @event epoch - After each epoch: test −ELBO with its reconstruction and KL terms.
 * @event latentchange - The latent point moved or the decoder changed: z and the 784 decoded intensities.
 * @event trained - Training reached `epochs`.
 * @event drawchange - The person's drawing changed: the drawing prepared as an MNIST digit, and its code.
 * @event recovered - A recovery step is shown: the image, its error on the damaged pixels, and the mean-digit baseline's.
 * @event restored - With `persist`: the model kept from an earlier visit is back (its epoch and when it was saved).
 * @event interpolated - A new interpolation: the frames through the latent space and blended in pixel space.
 * @event error - Something went wrong; the message says what and what to do. The widget keeps working unless
 *   nothing could be loaded (then it shows Retry).
 *
 * @csspart root - The whole widget.
 * @csspart toolbar - Train/Pause, Reset and the status line.
 * @csspart progress - The progress bar.
 * @csspart error - The message box.
 * @csspart latent - The 2-D latent panel.
 * @csspart digit - The decoded digit.
 * @csspart chart - The loss chart.
 * @csspart generate - The manifold and the random samples.
 * @csspart draw - The drawing pad, the drawing as MNIST, its reconstruction and what the classifier says.
 * @csspart recover - Damage and recovery. @csspart compress - The VAE's code against PCA.
 * @csspart interpolate - Paths between two digits. @csspart judge - Test figures, nearest training digits, coverage.
 * @csspart settings - The settings form.
 *
 * @cssproperty --vae-bg - Background. @cssproperty --vae-panel - Panel background.
 * @cssproperty --vae-fg - Text. @cssproperty --vae-muted - Secondary text.
 * @cssproperty --vae-border - Borders. @cssproperty --vae-grid - Grid lines.
 * @cssproperty --vae-accent - Buttons, the latent point, the train loss. @cssproperty --vae-test - Test −ELBO.
 * @cssproperty --vae-radius - Corner radius. @cssproperty --vae-font - Font family.
 */
export class VaePlaygroundElement extends HTMLElement {
  static readonly observedAttributes = ATTRIBUTES;

  static {
    // One reflected property per setting, from the table: numbers read the value in force, flags and URLs the
    // attribute; setting a property sets the attribute, which is then parsed and checked like any other.
    for (const key of SETTING_KEYS) {
      const { attribute, type } = SETTINGS[key];
      Object.defineProperty(this.prototype, key, {
        configurable: true,
        enumerable: true,
        get(this: VaePlaygroundElement) {
          return type === 'boolean' ? this.hasAttribute(attribute) : type === 'url' ? this.getAttribute(attribute) : this.#numberSetting(key);
        },
        set(this: VaePlaygroundElement, value: unknown) {
          if (type === 'boolean') this.toggleAttribute(attribute, Boolean(value));
          else if (value === null || value === undefined) this.removeAttribute(attribute);
          else this.setAttribute(attribute, String(value));
        },
      });
    }
  }

  readonly #shadow: ShadowRoot;
  readonly #decoder = new LiveDecoder();
  #client: WorkerClient | null = null;
  #state: PlaygroundState = {
    settings: { ...DEFAULT_SETTINGS },
    epochs: SETTINGS.epochs.default,
    limits: null,
    loading: 'Loading…',
    ready: null,
    running: false,
    trainedEpoch: null,
    progress: null,
    history: new LossHistory(),
    runs: new RunHistory(),
    latents: null,
    z: [0, 0],
    pixels: null,
    decoderVersion: 0,
    marker: null,
    drawing: null,
    classifier: null,
    error: null,
    persist: false,
  };
  /** With `persist`: keeps the run across reloads. */
  #keeper: RunKeeper | null = null;
  /** Seeds for `sample()` without a seed: each call draws new digits, and a page reload repeats the sequence. */
  #nextSampleSeed = 1;
  #views: View[] = [];
  #viewsByName = new Map<string, View>();
  /** The views whose section is shown: only these update (a hidden Generate view asks the worker for nothing). */
  #visible = new Set<View>();
  /** Sections at least partly in the viewport: views below the fold wait until scrolled to (no work, no jank). */
  #onScreen = new Set<string>();
  #sectionObserver: IntersectionObserver | null = null;
  #sectionOfView = new Map<View, ViewName | null>();
  #mounted = false;
  #frame = 0;
  #needsDecode = false;
  /** Which of the views beyond the latent section updates first next frame (see #drawFrame). */
  #turn = 0;
  #firstDigitMarked = false;
  /** Counts boots: a boot still loading when a newer one starts, or the element is removed, stops there. */
  #bootGeneration = 0;
  /** Whether the next `ready` from the worker should start training (autostart, train() before ready, a reset while running). */
  #trainOnReady = false;
  /** The `weights` file, loaded once the first model is ready (so what it carries applies as for any loaded file). */
  #weightsOnReady: string | null = null;
  /** While the first model is being replaced by the `weights` file or the kept run. */
  #startingUp = false;
  /** Attribute changes are checked one after another (the checks need wasm); boot waits for them. */
  #settingsSettled: Promise<void> = Promise.resolve();

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
    this.#shadow.innerHTML = `<style>${STYLES}</style>${TEMPLATE}`;
  }

  /** Whether the worker is training now. */
  get running(): boolean {
    return this.#state.running;
  }

  /** The latent point being shown. */
  get z(): number[] {
    return [...this.#state.z];
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────────────
  connectedCallback(): void {
    if (this.#mounted) return; // moved within the page: the model, the worker and the views are all still here
    this.#mounted = true;
    const confirm = new ConfirmView();
    const actions = this.#actions(confirm);
    const views: [string, View][] = [
      ['confirm', confirm],
      ['drop', new DropView(actions)],
      ['status', new StatusView(actions)],
      ['latent', new LatentView(actions)],
      ['digit', new DigitView({ moveTo: actions.moveTo, classify: (pixels) => this.classify(pixels) })],
      ['chart', new ChartView()],
      ['generate', new GenerateView({
        moveTo: actions.moveTo,
        manifold: (n, x, y) => this.#manifold(n, x, y),
        sample: (n, seed) => this.sample(n, seed),
      })],
      ['recover', new RecoverView(actions)],
      ['compress', new CompressView(actions)],
      ['interpolate', new InterpolateView(actions)],
      ['judge', new JudgeView({ request: actions.request, sample: (n, seed) => this.sample(n, seed) })],
      ['history', new HistoryView({
        download: (name, text, type) => offerDownload(new Blob([text], { type }), name),
        redraw: () => this.#render(),
      })],
      ['draw', new DrawView({
        encodeDrawing: (pixels, width, height) => this.#encodeDrawing(pixels, width, height),
        classify: (pixels) => this.classify(pixels),
        clearDrawing: () => {
          this.#state.marker = null;
          this.#render();
        },
      })],
      ['settings', new SettingsView(actions)],
    ];
    for (const [name, view] of views) view.mount(this.#host(name));
    this.#views = views.map(([, view]) => view);
    this.#viewsByName = new Map(views);
    this.#observeSections();
    this.#applyViews();
    this.#render();
    void this.#boot();
  }

  disconnectedCallback(): void {
    // Frameworks move elements by removing and re-inserting them in one task: only a removal that lasts past this
    // task ends the worker and frees the model.
    queueMicrotask(() => {
      if (!this.isConnected && this.#mounted) this.#teardown();
    });
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    const key = keyOfAttribute(name);
    if (!key) return;
    const { type } = descriptor(key);
    if (type === 'url') {
      if (this.#mounted) void this.#boot(); // new inputs: start over from them
    } else if (type === 'list' || key === 'compact') {
      if (this.#mounted) this.#applyViews();
    } else if (key === 'epochs') {
      try {
        this.#state.epochs = parseNumberSetting('epochs', value);
        if (this.#state.running) this.#client?.train(this.#state.epochs);
        this.#render();
      } catch (cause) {
        this.#reportError(errorMessage(cause));
      }
    } else if (type !== 'boolean') {
      const modelKey = key as keyof TrainSettings;
      this.#settingsSettled = this.#settingsSettled.then(() => this.#applySetting(modelKey, value));
    }
  }

  // ── public API ──────────────────────────────────────────────────────────────────────────────────────
  /** Starts (or resumes) training up to `epochs` epochs; before `ready`, training starts once ready. */
  train(): void {
    if (!this.#state.ready || !this.#client) {
      this.#trainOnReady = true;
      return;
    }
    this.#client.train(this.#state.epochs);
  }

  pause(): void {
    this.#trainOnReady = false;
    this.#client?.pause();
  }

  /** A fresh model with the current settings; the loss chart starts over. */
  reset(): void {
    this.#trainOnReady ||= this.#state.running; // keep an autostart that is still waiting for its first `ready`
    this.#showFreshModel();
    this.#client?.reset(this.#state.settings);
  }

  /** The 784 intensities (row by row, in [0, 1]) the decoder draws for latent point z. */
  decode(z: ArrayLike<number>): Promise<Float32Array> {
    return this.#decoder.decode(z);
  }

  /** μ(x) for one or more 28 × 28 images (784 intensities in [0, 1] each); one latent vector per image, flattened. */
  async encode(pixels: ArrayLike<number>): Promise<Float32Array> {
    const reply = await this.#readyClient().request({ kind: 'encode', pixels: Float32Array.from(pixels) });
    return reply.z;
  }

  /**
   * The model as a .safetensors file: tensor names per the weights contract; in the metadata the model's sizes and β,
   * and the settings, epochs trained, per-epoch figures and loss curves, so a shared file reproduces the picture.
   */
  async exportWeights(): Promise<Blob> {
    const { settings, history, runs, progress } = this.#state;
    const metadata = toMetadata({ settings, epoch: progress?.epoch ?? 0, run: runs.current, curves: history.save() });
    const reply = await this.#readyClient().request({ kind: 'export', metadata });
    return new Blob([reply.bytes], { type: 'application/octet-stream' });
  }

  /**
   * Continue from the weights in a .safetensors Blob or URL, with the settings, epoch count and curves the file
   * carries (if it has them). A file that does not fit changes nothing.
   */
  async loadWeights(source: Blob | string | URL): Promise<void> {
    try {
      const bytes = source instanceof Blob
        ? await source.arrayBuffer()
        : (await fetchBytes(parseUrl('loadWeights', String(source), document.baseURI), 'the weights', 'check the URL passed to loadWeights')).slice().buffer;
      await this.#resume(bytes);
    } catch (cause) {
      this.#reportError(errorMessage(cause));
      throw cause;
    }
  }

  /** n digits decoded from z ~ N(0, I): n·784 intensities. Each call draws new ones; the same `seed` the same ones. */
  async sample(n: number, seed: number = this.#nextSampleSeed++): Promise<Float32Array> {
    const reply = await this.#readyClient().request({ kind: 'sample', n: wholeNumber('sample: n', n), seed: wholeNumber('sample: seed', seed) });
    return reply.pixels;
  }

  /**
   * The manifold: n × n digits over the Gaussian quantiles of latent dimensions `dims` (across, up; default the
   * first two, every other at 0), n·n·784 intensities, cells row by row from the top-left.
   */
  async manifold(n: number, dims: readonly [number, number] = [0, 1]): Promise<Float32Array> {
    return (await this.#manifold(n, dims[0], dims[1])).pixels;
  }

  /**
   * Fills the missing pixels of a 28 × 28 image (784 intensities in [0, 1]; `mask` is 784 values, 1 where a pixel is
   * missing) by iterating encode → decode with the known pixels held fixed; the known pixels come back unchanged.
   */
  async recover(pixels: ArrayLike<number>, mask: ArrayLike<number>, iterations = 10): Promise<Float32Array> {
    const reply = await this.#readyClient().request({
      kind: 'recover', pixels: Float32Array.from(pixels), mask: Float32Array.from(mask), iterations: wholeNumber('recover: iterations', iterations), fromGiven: false,
    });
    return reply.steps.slice(-784);
  }

  /** What digit an image (784 intensities) looks like to a classifier trained in the worker on the training labels. */
  async classify(pixels: ArrayLike<number>): Promise<Classification> {
    const reply = await this.#readyClient().request({ kind: 'classify', pixels: Float32Array.from(pixels) });
    const probabilities = reply.probabilities;
    let digit = 0;
    for (let d = 1; d < 10; d++) if (probabilities[d] > probabilities[digit]) digit = d;
    return { digit, probabilities };
  }

  override addEventListener<K extends keyof VaePlaygroundEventMap>(type: K, listener: (this: VaePlaygroundElement, ev: VaePlaygroundEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  override removeEventListener<K extends keyof VaePlaygroundEventMap>(type: K, listener: (this: VaePlaygroundElement, ev: VaePlaygroundEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options);
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────────
  #emit<K extends keyof VaePlaygroundEventMap>(type: K, detail: VaePlaygroundEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #host(name: string): HTMLElement {
    const host = this.#shadow.querySelector<HTMLElement>(`[data-view="${name}"]`);
    if (!host) throw new Error(`vae-playground: the template lost its ${name} host`);
    return host;
  }

  #numberSetting(key: SettingKey): number {
    return key === 'epochs' ? this.#state.epochs : this.#state.settings[key as keyof TrainSettings];
  }

  #actions(confirm: ConfirmView): PlaygroundActions {
    return {
      confirm: (question) => confirm.ask(question),
      train: () => this.train(),
      pause: () => this.pause(),
      reset: () => this.reset(),
      startOver: () => void this.#keeper?.forget().then(() => {
        this.pause();
        this.#state.runs.clear();
        this.reset();
      }),
      retry: () => {
        this.#state.error = null;
        void this.#boot();
      },
      dismissError: () => {
        this.#state.error = null;
        this.#render();
      },
      moveTo: (z) => this.#moveTo(z),
      setAttribute: (name, value) => this.setAttribute(name, value),
      loadWeightsFile: (file) => void this.loadWeights(file).catch(() => undefined), // reported through the error event
      saveWeights: () => void this.#saveWeights(),
      request: (request) => {
        try {
          return this.#readyClient().request(request).catch((cause) => {
            this.#reportError(errorMessage(cause));
            throw cause;
          });
        } catch (cause) {
          this.#reportError(errorMessage(cause));
          return Promise.reject(cause);
        }
      },
      decodeNow: (z) => this.#decoder.decodeNow(z),
      emit: (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail })),
    };
  }

  #manifold(n: number, x: number, y: number): Promise<{ pixels: Float32Array; z: Float32Array }> {
    const base = new Float32Array(this.#state.z.length);
    return this.#readyClient().request({ kind: 'manifold', n: wholeNumber('manifold: n', n), x: wholeNumber('manifold: dims', x), y: wholeNumber('manifold: dims', y), base });
  }

  async #encodeDrawing(pixels: Float32Array, width: number, height: number): Promise<DrawResult> {
    try {
      const prepared = Float32Array.from(prepareDrawing(pixels, width, height));
      const z = await this.encode(prepared);
      const reconstruction = this.#decoder.decodeNow(Array.from(z)) ?? new Float32Array(784);
      this.#state.marker = Array.from(z);
      this.#state.drawing = prepared;
      this.#render();
      this.#emit('drawchange', { pixels: prepared, z: Array.from(z) });
      return { prepared, z, reconstruction };
    } catch (cause) {
      this.#reportError(errorMessage(cause));
      throw cause;
    }
  }

  /** The keeper for a `persist` element: what it needs of the element, and nothing more. */
  #newKeeper(): RunKeeper {
    return new RunKeeper(this.id, {
      settings: () => this.#state.settings,
      epoch: () => this.#state.progress?.epoch ?? 0,
      runs: () => this.#state.runs,
      exportWeights: () => this.exportWeights(),
      resume: (bytes) => this.#resume(bytes),
      notice: (message) => this.#reportNotice(message),
      restored: (run) => this.#emit('restored', { epoch: run.epoch, savedAt: run.savedAt }),
    });
  }

  /** The first model: the `weights` file (if any), then the run kept from a last visit (if any) over it. */
  async #startFrom(weightsUrl: string | null): Promise<void> {
    if (weightsUrl) {
      try {
        await this.#resume((await fetchBytes(weightsUrl, 'the weights', 'check the `weights` attribute')).slice().buffer);
      } catch (cause) {
        // The digits are here, so the playground still works: from fresh weights, with the reason shown.
        this.#reportError(`${errorMessage(cause)} Starting from fresh weights instead.`);
      }
    }
    if (this.#keeper?.restorePending) await this.#keeper.restore();
  }

  /**
   * A model from a .safetensors file becomes the model: trained on with the settings the file carries (sizes from its
   * shapes), counting on from its epoch, its curves in the chart and its figures in the current run. What the file
   * carries but cannot be used is named in a notice; a file that does not load changes nothing.
   */
  async #resume(bytes: ArrayBuffer): Promise<void> {
    const client = this.#readyClient();
    const { shared, problems } = fromMetadata(weightsMetadata(new Uint8Array(bytes)) as Record<string, string>, this.#state.settings);
    try {
      validateSettings(shared.settings);
    } catch (cause) {
      problems.push(`its settings are not usable (${errorMessage(cause)})`);
      shared.settings = { ...this.#state.settings };
    }
    const epoch = shared.epoch ?? 0;
    const reply = await client.request({ kind: 'load', bytes, settings: shared.settings, epoch }, [bytes]);
    const state = this.#state;
    state.settings = { ...shared.settings, hiddenUnits: reply.hidden, latentDim: reply.latent };
    state.history.clear();
    if (shared.curves) {
      try {
        state.history.restore(shared.curves);
      } catch (cause) {
        problems.push(errorMessage(cause));
      }
    }
    state.runs.resume(state.settings, shared.run ?? null);
    state.progress = epoch > 0 ? { epoch, epochProgress: 0, samplesPerSec: 0 } : null;
    state.trainedEpoch = epoch > 0 ? epoch : null;
    this.#reflectSettings();
    if (problems.length) this.#reportNotice(`The weights are loaded, but not all the file carries: ${problems.join('; ')}.`);
    this.#render();
  }

  /** Attributes follow settings that changed without them (a loaded file's): the page's link then reproduces them. */
  #reflectSettings(): void {
    for (const key of MODEL_KEYS) {
      const { attribute } = SETTINGS[key];
      let current: number | null = null;
      try {
        current = parseNumberSetting(key, this.getAttribute(attribute));
      } catch {
        // an unparsable attribute is replaced by the value in force
      }
      // #applySetting sees the value already in force and does nothing more.
      if (current !== this.#state.settings[key]) this.setAttribute(attribute, String(this.#state.settings[key]));
    }
  }

  /** Shows the sections the `views` attribute names, in its order; an unknown name is reported. */
  #applyViews(): void {
    const { views, unknown } = parseViews(this.getAttribute('views'), this.hasAttribute('compact'));
    if (unknown.length) this.#reportError(`views="${this.getAttribute('views')}": no view called ${unknown.map((u) => `"${u}"`).join(', ')}; the views are ${VIEW_NAMES.join(', ')}.`);
    const settings = this.#host('settings');
    for (const name of VIEW_NAMES) {
      const section = this.#shadow.querySelector<HTMLElement>(`[data-section="${name}"]`)!;
      section.hidden = !views.includes(name);
    }
    for (const name of views) settings.before(this.#shadow.querySelector(`[data-section="${name}"]`)!);
    const shown = new Set<string>(views);
    this.#visible = new Set([...this.#sectionOfView].filter(([, section]) => section === null || shown.has(section)).map(([view]) => view));
    this.#render();
  }

  /** Which section each view belongs to, and an observer that tells which sections are on screen. */
  #observeSections(): void {
    const sectionOf: Record<string, ViewName | null> = { confirm: null, drop: null, status: null, settings: null, digit: 'latent', chart: 'latent', latent: 'latent' };
    this.#sectionOfView = new Map([...this.#viewsByName].map(([name, view]) => [view, name in sectionOf ? sectionOf[name] : (name as ViewName)]));
    this.#sectionObserver = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const section = (entry.target as HTMLElement).dataset.observedSection!;
        if (entry.isIntersecting) this.#onScreen.add(section);
        else this.#onScreen.delete(section);
      }
      this.#render();
    }, { rootMargin: '200px' });
    // Hosts are `display: contents` (no box to observe): observe the panel each view builds.
    for (const name of VIEW_NAMES) {
      const section = this.#shadow.querySelector<HTMLElement>(`[data-section="${name}"]`)!;
      const box = section.classList.contains('host') ? section.firstElementChild : section;
      if (box) {
        (box as HTMLElement).dataset.observedSection = name;
        this.#sectionObserver.observe(box);
      }
    }
  }

  #readyClient(): WorkerClient {
    if (this.#state.error?.fatal) throw new Error(this.#state.error.message);
    if (!this.#client || !this.#state.ready) throw new Error('The model is not ready yet: wait for the `ready` event.');
    return this.#client;
  }

  async #saveWeights(): Promise<void> {
    try {
      const blob = await this.exportWeights();
      const { hiddenUnits, latentDim } = this.#state.settings;
      offerDownload(blob, `vae-h${hiddenUnits}-z${latentDim}-epoch${this.#state.progress?.epoch ?? 0}.safetensors`);
    } catch (cause) {
      this.#reportError(errorMessage(cause));
    }
  }

  async #applySetting(key: keyof TrainSettings, text: string | null): Promise<void> {
    const { attribute } = SETTINGS[key];
    try {
      const value = parseNumberSetting(key, text);
      if (value === this.#state.settings[key]) return;
      const next = { ...this.#state.settings, [key]: value };
      await loadWasm(ASSETS.wasm); // the ranges are checked by the Rust core
      try {
        validateSettings(next);
      } catch (cause) {
        throw new Error(`${attribute}="${text}": ${errorMessage(cause)}`);
      }
      this.#state.settings = next;
      if (!this.#client) return; // boot will use the new settings
      if (isLive(key)) this.#client.set({ [key]: value });
      else this.reset();
    } catch (cause) {
      this.#state.settings = { ...this.#state.settings }; // the form goes back to the value in force
      this.#reportError(errorMessage(cause)); // the last valid setting stays in force
    } finally {
      this.#render();
    }
  }

  async #boot(): Promise<void> {
    const boot = ++this.#bootGeneration;
    this.#stopWorker(new Error('The playground was restarted.'));
    this.#trainOnReady = this.hasAttribute('autostart');
    this.#state.persist = this.hasAttribute('persist');
    this.#keeper?.dispose();
    this.#keeper = this.#state.persist ? this.#newKeeper() : null;
    this.#state.loading = 'Loading the model…';
    this.#state.ready = null;
    this.#render();
    try {
      await loadWasm(ASSETS.wasm);
      this.#state.limits ??= settingLimits() as SettingLimits;
      await this.#settingsSettled;
      if (boot !== this.#bootGeneration) return; // removed, or superseded, while loading
      this.#showFreshModel();
      const sources = this.#sources();
      this.#client = new WorkerClient(ASSETS.worker, {
        onEvent: (event) => this.#onWorkerEvent(event),
        onCrash: (message) => this.#fail(message),
      });
      this.#client.init(this.#state.settings, sources);
      this.#state.loading = 'Loading digits…';
      this.#render();
    } catch (cause) {
      if (boot === this.#bootGeneration) this.#fail(errorMessage(cause));
    }
  }

  /** Where the worker finds its inputs. A URL attribute that cannot be read is reported and the default used. */
  #sources(): WorkerSources {
    const sources: WorkerSources = { wasm: ASSETS.wasm, images: ASSETS.images, labels: ASSETS.labels, bundledData: true };
    this.#weightsOnReady = null;
    const data = this.getAttribute('data');
    if (data !== null) {
      try {
        [sources.images, sources.labels] = parseDataUrls(data, document.baseURI);
        sources.bundledData = false;
      } catch (cause) {
        this.#reportError(`${errorMessage(cause)}; using the bundled digits.`);
      }
    }
    const weights = this.getAttribute('weights');
    if (weights !== null) {
      try {
        this.#weightsOnReady = parseUrl('weights', weights, document.baseURI);
      } catch (cause) {
        this.#reportError(`${errorMessage(cause)}; starting from fresh weights.`);
      }
    }
    return sources;
  }

  /** A fresh model's picture: empty chart, the initial decoder (a digit at once, before the worker answers). */
  #showFreshModel(): void {
    this.#state.history.clear();
    this.#state.progress = null;
    this.#state.trainedEpoch = null;
    this.#state.latents = null;
    try {
      this.#decoder.showInitial(this.#state.settings);
      this.#onDecoderChanged();
    } catch (cause) {
      this.#reportError(errorMessage(cause));
    }
  }

  #stopWorker(reason: Error): void {
    this.#client?.terminate(reason);
    this.#client = null;
    this.#state.running = false;
  }

  #teardown(): void {
    this.#bootGeneration++; // a boot still loading stops where it is
    this.#keeper?.dispose();
    const reason = new Error('The playground was removed from the page.');
    this.#stopWorker(reason);
    this.#decoder.fail(reason);
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    for (const view of this.#views) view.dispose();
    this.#views = [];
    this.#visible.clear();
    this.#sectionObserver?.disconnect();
    this.#onScreen.clear();
    this.#mounted = false;
  }

  #onWorkerEvent(event: WorkerEvent): void {
    const state = this.#state;
    switch (event.type) {
      case 'ready': {
        const { type: _, ...info } = event;
        state.ready = info;
        state.loading = null;
        state.settings = { ...state.settings, hiddenUnits: info.hidden, latentDim: info.latent };
        state.runs.startRun(state.settings, info.stepsPerEpoch); // every model is a run of its own
        // While starting up, the first model is replaced (the `weights` file, a kept run): `ready` waits for that.
        if (this.#startingUp) break;
        const train = this.#trainOnReady;
        this.#trainOnReady = false;
        const weightsUrl = this.#weightsOnReady;
        this.#weightsOnReady = null;
        if (weightsUrl || this.#keeper?.restorePending) {
          this.#startingUp = true;
          void this.#startFrom(weightsUrl).finally(() => {
            this.#startingUp = false;
            if (this.#state.ready) this.#emit('ready', this.#state.ready);
            if (train) this.train();
          });
        } else {
          this.#emit('ready', info);
          if (train) this.train();
        }
        break;
      }
      case 'decoder':
        try {
          this.#decoder.showSnapshot(event.hidden, event.latent, event.weights);
          this.#onDecoderChanged();
        } catch (cause) {
          this.#reportError(errorMessage(cause));
        }
        break;
      case 'latents':
        state.latents = { z: event.z, labels: event.labels, projection: event.projection };
        break;
      case 'progress': {
        state.progress = { epoch: event.epoch, epochProgress: event.epochProgress, samplesPerSec: event.samplesPerSec };
        state.history.addSteps(event.losses);
        state.runs.speed(event.samplesPerSec);
        const n = event.losses.length;
        const loss = n >= 3 ? event.losses[n - 3] : NaN;
        this.#emit('progress', { epoch: event.epoch, step: event.step, loss, samplesPerSec: event.samplesPerSec });
        break;
      }
      case 'epoch': {
        const { type: _, ...detail } = event;
        state.history.addEpoch(detail.testElbo, detail.kl);
        state.runs.addEpoch(detail, state.settings);
        this.#emit('epoch', detail);
        this.#keeper?.scheduleSave();
        break;
      }
      case 'status':
        state.running = event.running;
        state.runs.running(event.running);
        if (event.running) state.trainedEpoch = null;
        else this.#keeper?.scheduleSave();
        break;
      case 'classifier':
        state.classifier = { progress: event.progress, accuracy: event.accuracy };
        break;
      case 'trained':
        state.trainedEpoch = event.epoch;
        this.#emit('trained', { epoch: event.epoch });
        break;
      case 'error':
        if (event.fatal) this.#fail(event.message);
        else this.#reportError(event.message);
        return;
    }
    this.#render();
  }

  /** The decoder's latent size may differ from z's (a new model, a loaded file): z starts at the origin then. */
  #onDecoderChanged(): void {
    this.#state.decoderVersion++;
    const latent = this.#decoder.latent;
    if (latent !== null && latent !== this.#state.z.length) {
      this.#state.z = new Array(latent).fill(0);
      // Two dimensions are drawn as they are; more, in the plane of their two main axes; one has no panel.
      this.#host('latent').hidden = latent < 2;
      this.#shadow.querySelector('.main')?.classList.toggle('no-latent', latent < 2);
    }
    this.#needsDecode = true;
    this.#render();
  }

  #moveTo(z: readonly number[]): void {
    if (z.length !== this.#state.z.length) return;
    this.#state.z = [...z];
    this.#needsDecode = true;
    this.#render();
  }

  /** Draws on the next frame: however often the state changes, views update and the decoder runs once a frame. */
  #render(): void {
    if (this.#frame || !this.#mounted) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#drawFrame();
    });
  }

  #drawFrame(): void {
    if (this.#needsDecode) {
      this.#needsDecode = false;
      try {
        const pixels = this.#decoder.decodeNow(this.#state.z);
        if (pixels) {
          this.#state.pixels = pixels;
          if (!this.#firstDigitMarked) {
            this.#firstDigitMarked = true;
            performance.mark('vae-playground:first-digit'); // read by the benchmark
          }
          this.#emit('latentchange', { z: this.z, pixels });
        }
      } catch (cause) {
        this.#reportError(errorMessage(cause));
      }
    }
    const start = performance.now();
    const others: View[] = [];
    for (const view of this.#visible) {
      const section = this.#sectionOfView.get(view);
      // The latent section always updates: it is the widget's first picture, and the chart's data lives there.
      if (section === null || section === 'latent') view.update(this.#state);
      else if (this.#onScreen.has(section!)) others.push(view);
    }
    // The other views share what is left of the frame's budget, taking turns: a frame with every view to fill at
    // once (the first one after `ready`) is spread over a few frames instead of becoming one long task.
    let updated = 0;
    for (; updated < others.length; updated++) {
      if (updated > 0 && performance.now() - start > FRAME_BUDGET_MS) {
        this.#render(); // the rest on the next frame
        break;
      }
      others[(this.#turn + updated) % others.length].update(this.#state);
    }
    this.#turn = others.length ? (this.#turn + updated) % others.length : 0;
  }

  /** News that is no error (a kept model that does not fit, storage unavailable): shown, no `error` event. */
  #reportNotice(message: string): void {
    this.#state.error = { message, fatal: false, notice: true };
    this.#render();
  }

  /** A problem the widget survives: shown on the page and sent as an `error` event. */
  #reportError(message: string): void {
    this.#state.error = { message, fatal: false };
    this.#render();
    this.#emit('error', { message });
  }

  /** A problem that stops the widget (nothing loaded): the worker ends, waiting calls reject, Retry appears. */
  #fail(message: string): void {
    const reason = new Error(message);
    this.#stopWorker(reason);
    this.#decoder.fail(reason);
    this.#state.ready = null;
    this.#state.loading = null;
    this.#state.error = { message, fatal: true };
    this.#render();
    this.#emit('error', { message });
  }
}

/** Hands a file to the browser's downloads. */
function offerDownload(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** A whole number ≥ 0, checked before it crosses into Rust (where a negative or fractional one would wrap or be cut). */
function wholeNumber(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} = ${value} is not allowed: a whole number ≥ 0`);
  return value;
}

// The reflected properties, typed from the settings table (declaration merging with the class above).
export interface VaePlaygroundElement extends SettingProperties {}

declare global {
  interface HTMLElementTagNameMap {
    'vae-playground': VaePlaygroundElement;
  }
}
