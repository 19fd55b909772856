// <vae-playground>: a VAE that trains in its own worker while you drag through its latent space.
// The element wires the parts in www/element/: its life as a state machine (lifecycle.ts) whose effects it runs, the
// model and its worker (model-link.ts, worker events applied by worker-events.ts), what it starts from (startup.ts),
// the latent point and its digit (picture.ts), and the views (view-registry.ts, view-host.ts, view-wiring.ts) — with
// attributes ⇄ settings, public methods and events. It holds no view's DOM.
import { defineSettingProperties, offerDownload, reflectSettings, settingsWith, wholeNumber } from './element/attributes.js';
import { PlaygroundEventTarget, type Classification, type VaePlaygroundEventMap } from './element/events.js';
import { ASSETS } from './element/inputs.js';
import { INITIAL, loadingText, transition, type Effect, type LifeEvent, type LifeState } from './element/lifecycle.js';
import { Messages, type Offer } from './element/messages.js';
import { DatasetChoice } from './element/dataset-choice.js';
import { ModelLink } from './element/model-link.js';
import { OwnFlow } from './element/own-flow.js';
import { Picture } from './element/picture.js';
import { AlreadySaid } from './element/recovery.js';
import { SettingChanges } from './element/setting-changes.js';
import { Startup } from './element/startup.js';
import { recoveryWords } from './element/traps.js';
import { ViewHost } from './element/view-host.js';
import { SECTIONS, viewTemplate, type ViewContext } from './element/view-registry.js';
import { manifoldCells, viewContext } from './element/view-wiring.js';
import { className, type Dataset, type OwnSummary } from './datasets.js';
import type { TrainSettings } from './protocol.js';
import {
  ATTRIBUTES, DEFAULT_SETTINGS, SETTINGS, descriptor, keyOfAttribute, parseNumberSetting, parseUrl, parseViews, type SettingKey,
  type SettingProperties,
} from './settings.js';
import { adoptStyles } from './styles.js';
import { ElementTimelapse, adoptTimelineStyles } from './timelapse/element-link.js';
import { elementKeyOf } from './persistence.js';
import { newModelQuestion } from './views/confirm.js';
import { parseWorkers, resolveWorkers, type WorkersSetting } from './team/count.js';
import type { PlaygroundState } from './views/view.js';
import { errorMessage, fetchBytes, loadWasm } from './wasm.js';

export type * from './element/events.js';

/**
 * A variational autoencoder that trains on MNIST (or Fashion-MNIST, or your own images) in its own Web Worker while
 * you drag through its latent space. Every attribute is reflected as a property (see `SETTINGS` in settings.ts:
 * hidden-units, latent-dim, beta, learning-rate, batch-size, seed, dataset — as `datasetId`, since
 * HTMLElement's `dataset` is the data-* attributes — epochs, autostart, compact, persist, views, weights, data).
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
 * @event framechange - The time-lapse shows another recorded moment (its step, epoch, losses and test codes), or now again (`live`).
 * @event error - Something went wrong; the message says what and what to do. The widget keeps working unless
 *   nothing could be loaded (then it shows Retry).
 *
 * @csspart root - The whole widget.
 * @csspart toolbar - Train/Pause, Reset and the status line.
 * @csspart progress - The progress bar.
 * @csspart error - The message box.
 * @csspart latent - The 2-D latent panel.
 * @csspart timeline - The time-lapse under it: the recorded moments of training, replay, export.
 * @csspart digit - The decoded digit.
 * @csspart chart - The loss chart.
 * @csspart generate - The manifold and the random samples.
 * @csspart draw - The drawing pad, the drawing as MNIST, its reconstruction and what the classifier says.
 * @csspart recover - Damage and recovery. @csspart compress - The VAE's code against PCA.
 * @csspart interpolate - Paths between two digits. @csspart judge - Test figures, nearest training digits, coverage.
 * @csspart history - The runs table and its export. @csspart settings - The settings form.
 * @csspart dialog - The question asked before a setting throws a trained model away.
 * @csspart preview - Your images as read and prepared, before anything trains on them.
 *
 * @cssproperty --vae-bg - Background. @cssproperty --vae-panel - Panel background.
 * @cssproperty --vae-fg - Text. @cssproperty --vae-muted - Secondary text.
 * @cssproperty --vae-border - Borders. @cssproperty --vae-grid - Grid lines.
 * @cssproperty --vae-accent - Buttons, the latent point, the train loss. @cssproperty --vae-test - Test −ELBO.
 * @cssproperty --vae-radius - Corner radius. @cssproperty --vae-font - Font family.
 */
export class VaePlaygroundElement extends PlaygroundEventTarget {
  static readonly observedAttributes = ATTRIBUTES;

  static {
    defineSettingProperties(this.prototype, (element: VaePlaygroundElement, key) => element.#inForce(key));
  }

  readonly #shadow: ShadowRoot;
  readonly #views: ViewHost;
  readonly #link: ModelLink;
  readonly #startup: Startup;
  readonly #settingChanges: SettingChanges;
  readonly #picture = new Picture();
  readonly #messages = new Messages();
  /** The person's own images: "my set", the set in force, a drop being read. */
  readonly #own: OwnFlow;
  readonly #datasets: DatasetChoice;
  #context: ViewContext | null = null;
  #life: LifeState = INITIAL;
  readonly #timelapse: ElementTimelapse;
  /** Events that arrive while effects run wait their turn: one transition at a time. */
  readonly #queue: LifeEvent[] = [];
  #dispatching = false;
  #epochs: number = SETTINGS.epochs.default;
  #workers: WorkersSetting = SETTINGS.workers.default;
  /** Seeds for `sample()` without a seed: each call draws new digits, and a page reload repeats the sequence. */
  #nextSampleSeed = 1;

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
    adoptStyles(this.#shadow);
    adoptTimelineStyles(this.#shadow);
    this.#shadow.innerHTML = viewTemplate();
    this.#views = new ViewHost(this.#shadow, { state: () => this.#viewState(), beforeFrame: () => this.#decodeIfMoved() });
    this.#link = new ModelLink(ASSETS.worker, {
      lifecycle: (news, boot) => this.#dispatch({ ...news, boot } as LifeEvent),
      emit: ({ name, detail }) => this.#emit(name, detail as never),
      // While the time-lapse shows a moment, the live decoder waits (it is shown again on "Back to now").
      decoder: (descriptor, weights) => {
        if (!this.#timelapse.liveDecoder(descriptor, weights)) this.#showDecoder(() => this.#picture.showSnapshot(descriptor, weights));
      },
      state: (step, epoch, bytes) => this.#timelapse.state(step, epoch, bytes),
      frame: (frame) => {
        const { architecture, hiddenUnits, latentDim, batchSize, seed, datasetId } = this.#link.settings;
        this.#timelapse.frame(frame, JSON.stringify({ architecture, hiddenUnits, latentDim, batchSize, seed, datasetId }));
      },
      save: () => this.#startup.keeper?.scheduleSave(),
      error: (message) => this.#reportError(message),
      changed: () => this.#views.render(),
      ingestProgress: (progress) => this.#own.progress(progress),
      own: () => {
        const inForce = this.#own.set.inForce;
        return inForce && { images: inForce.images, hash: inForce.hash };
      },
    }, DEFAULT_SETTINGS);
    this.#link.workers = resolveWorkers(this.#workers, navigator.hardwareConcurrency);
    this.#own = new OwnFlow({
      link: this.#link,
      render: () => this.#views.render(),
      reportError: (message) => this.#reportError(message),
      notice: (message) => this.#notice(message),
      confirmNewModel: (change) => this.#confirmNewModel(change),
      startOwnModel: () => this.#startOwnModel(),
      download: (blob, name) => offerDownload(blob, name),
    });
    this.#datasets = new DatasetChoice(this.#link, this.#own, () => this.#views.render());
    this.#timelapse = new ElementTimelapse({
      render: () => this.#views.render(),
      showDecoder: (descriptor, weights) => this.#showDecoder(() => this.#picture.showSnapshot(descriptor, weights)),
      manifoldOf: (descriptor, weights, n, x, y, base) => this.#link.request({ kind: 'manifoldOf', descriptor, weights, n, x, y, base }),
      framechange: (detail) => this.#emit('framechange', detail),
      download: (name, file) => offerDownload(file, name),
      notice: (message) => this.#notice(message),
      running: () => this.running,
      pause: () => this.pause(),
      train: () => this.train(),
      trainSteps: (steps) => this.#link.trainSteps(steps),
      branch: (state, settings) => this.#branchFrom(state, settings),
      branchSettings: () => ({ beta: this.#link.settings.beta, learningRate: this.#link.settings.learningRate }),
    }, { reducedMotion: matchMedia('(prefers-reduced-motion: reduce)').matches });
    this.#startup = new Startup({
      element: this,
      link: this.#link,
      current: (boot) => this.#life.boot === boot,
      dispatch: (event) => this.#dispatch(event),
      reportError: (message) => this.#reportError(message),
      resume: (bytes) => this.#resume(bytes),
      notice: (message, offer) => this.#notice(message, offer),
      restored: (model) => this.#emit('restored', { epoch: model.epoch, savedAt: model.savedAt }),
      own: () => this.#own.set.inForce?.images ?? null,
      useOwn: (own) => this.#own.give(own),
    });
    this.#settingChanges = new SettingChanges({
      link: this.#link,
      datasets: this.#datasets,
      wasmUrl: ASSETS.wasm,
      enqueue: (task) => (this.#startup.settled = this.#startup.settled.then(task)),
      flushSave: () => this.#startup.keeper?.flush(),
      reset: () => this.reset(),
      reportError: (message) => this.#reportError(message),
      render: () => this.#views.render(),
    });
  }

  /** Whether the worker is training now. */
  get running(): boolean {
    return this.#link.model.running;
  }

  /** The latent point being shown. */
  get z(): number[] {
    return [...this.#picture.z];
  }

  // ── lifecycle: the browser's callbacks become the state machine's events ─────────────────────────────────
  connectedCallback(): void {
    this.#dispatch({ type: 'connect', autostart: this.hasAttribute('autostart') }); // a move within the page changes nothing
  }

  disconnectedCallback(): void {
    // Frameworks move elements by removing and re-inserting them in one task: only a removal that lasts past this
    // task ends the worker and frees the model.
    queueMicrotask(() => {
      if (!this.isConnected) this.#dispatch({ type: 'disconnect' });
    });
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    const key = keyOfAttribute(name);
    if (!key) return;
    const { type } = descriptor(key);
    if (type === 'url') {
      this.#dispatch({ type: 'inputsChanged', autostart: this.hasAttribute('autostart') });
    } else if (type === 'list' || key === 'compact') {
      if (this.#views.mounted) this.#applyViews();
    } else if (key === 'workers') {
      try {
        this.#workers = parseWorkers(value);
        this.#link.workers = resolveWorkers(this.#workers, navigator.hardwareConcurrency);
      } catch (cause) {
        this.#reportError(errorMessage(cause));
      }
    } else if (key === 'epochs') {
      try {
        this.#epochs = parseNumberSetting('epochs', value);
        if (this.#link.model.running) this.#link.train(this.#epochs);
        this.#views.render();
      } catch (cause) {
        this.#reportError(errorMessage(cause));
      }
    } else if (type !== 'boolean') {
      this.#settingChanges.change(key as keyof TrainSettings, value);
    }
  }

  // ── public API ──────────────────────────────────────────────────────────────────────────────────────
  /** Starts (or resumes) training up to `epochs` epochs; before `ready`, training starts once ready. */
  train(): void {
    this.#dispatch({ type: 'train' });
  }

  pause(): void {
    this.#dispatch({ type: 'pause' });
  }

  /** A fresh model with the current settings; the loss chart starts over. */
  reset(): void {
    this.#dispatch({ type: 'reset' });
  }

  /** The intensities (row by row, in [0, 1]; 784 for the 28 × 28 images of every dataset so far) the decoder draws for z. */
  decode(z: ArrayLike<number>): Promise<Float32Array> {
    return this.#picture.decoder.decode(z);
  }

  /** μ(x) for one or more images of the dataset's size (784 intensities in [0, 1] each); one latent vector per image, flattened. */
  async encode(pixels: ArrayLike<number>): Promise<Float32Array> {
    return (await this.#link.request({ kind: 'encode', pixels: Float32Array.from(pixels) })).z;
  }

  /**
   * The model as a .safetensors file: tensor names per the weights contract; in the metadata the model's sizes and β,
   * and the settings, epochs trained, per-epoch figures and loss curves, so a shared file reproduces the picture.
   */
  exportWeights(): Promise<Blob> {
    return this.#link.exportFile();
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
      if (!(cause instanceof AlreadySaid)) this.#reportError(errorMessage(cause));
      throw cause;
    }
  }

  /** n digits decoded from z ~ N(0, I): n·784 intensities. Each call draws new ones; the same `seed` the same ones. */
  async sample(n: number, seed: number = this.#nextSampleSeed++): Promise<Float32Array> {
    return (await this.#link.request({ kind: 'sample', n: wholeNumber('sample: n', n), seed: wholeNumber('sample: seed', seed) })).pixels;
  }

  /**
   * The manifold: n × n digits over the Gaussian quantiles of latent dimensions `dims` (across, up; default the
   * first two, every other at 0), n·n·784 intensities, cells row by row from the top-left.
   */
  async manifold(n: number, dims: readonly [number, number] = [0, 1]): Promise<Float32Array> {
    return (await manifoldCells({ link: this.#link, picture: this.#picture }, n, dims[0], dims[1])).pixels;
  }

  /**
   * Fills the missing pixels of a 28 × 28 image (784 intensities in [0, 1]; `mask` is 784 values, 1 where a pixel is
   * missing) by iterating encode → decode with the known pixels held fixed; the known pixels come back unchanged.
   */
  async recover(pixels: ArrayLike<number>, mask: ArrayLike<number>, iterations = 10): Promise<Float32Array> {
    const reply = await this.#link.request({
      kind: 'recover', pixels: Float32Array.from(pixels), mask: Float32Array.from(mask), iterations: wholeNumber('recover: iterations', iterations), fromGiven: false,
    });
    return reply.steps.slice(-pixels.length);
  }

  /**
   * What class an image (784 intensities) looks like to a classifier trained in the worker on the training labels:
   * `digit` is the class's index (the digit itself on MNIST), `label` its name ("7", "Sneaker", a folder's name).
   */
  async classify(pixels: ArrayLike<number>): Promise<Classification> {
    const { probabilities } = await this.#link.request({ kind: 'classify', pixels: Float32Array.from(pixels) });
    let digit = 0;
    for (let d = 1; d < probabilities.length; d++) if (probabilities[d] > probabilities[digit]) digit = d;
    return { digit, label: className(this.#datasetNow(this.#own.state().inForce), digit), probabilities };
  }

  /** The time-lapse's recorded moments: how many are kept, and their training steps (ascending). */
  get frames(): { count: number; steps: number[] } {
    return this.#timelapse.frames();
  }

  /**
   * Shows the recorded moment at or before `step` (the first one for an earlier step) in the latent panel, the digit,
   * the manifold and the chart, while training goes on; returns the step shown (null before anything is recorded).
   * "Back to now" on the timeline (or End) returns to the live model. A `framechange` event follows.
   */
  seek(step: number): number | null {
    return this.#timelapse.seek(step);
  }

  /**
   * Trains on from the recorded moment at exactly `step` where the full training state was kept (marked ◆ on the
   * timeline; `frames` lists the steps, at epochs' ends) with other live settings (`beta`, `learningRate`; those
   * in force otherwise), as a new run in the history that names its branch point. Rejects, changing nothing, when
   * no state is kept at `step` or a setting is not allowed.
   */
  async branch(step: number, settings: { beta?: number; learningRate?: number } = {}): Promise<void> {
    const timelapse = this.#timelapse.timelapse;
    await timelapse.branch(wholeNumber('branch: step', step), { ...timelapse.branchSettings(), ...settings });
  }

  // ── the state machine's effects ─────────────────────────────────────────────────────────────────────
  #dispatch(event: LifeEvent): void {
    this.#queue.push(event);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const { state, effects } = transition(this.#life, next);
        this.#life = state;
        for (const effect of effects) {
          try {
            this.#run(effect);
          } catch (cause) {
            this.#reportError(errorMessage(cause)); // one effect failing does not stop the others
          }
        }
      }
    } finally {
      this.#dispatching = false;
    }
    this.#views.render();
  }

  #run(effect: Effect): void {
    const link = this.#link;
    switch (effect.type) {
      case 'mountViews':
        this.#context = viewContext({
          element: this, link, picture: this.#picture, messages: this.#messages, keeper: () => this.#startup.keeper, own: this.#own,
          retry: () => this.#dispatch({ type: 'retry', autostart: this.hasAttribute('autostart') }),
          reportError: (message) => this.#reportError(message),
          render: () => this.#views.render(),
          timelapse: this.#timelapse,
        });
        this.#views.mount(this.#context);
        return this.#applyViews();
      case 'teardown':
        this.#startup.dispose();
        this.#timelapse.flush();
        this.#end(new Error('The playground was removed from the page.'));
        return this.#views.dispose();
      case 'loadWasm':
        if (this.hasAttribute('persist')) this.#timelapse.keep(elementKeyOf(this));
        return void this.#startup.prepare(effect.boot);
      case 'startWorker':
        link.start(effect.boot, this.#startup.inputs!.sources);
        return this.#showDecoder(() => this.#picture.showInitial(link.settings));
      case 'restartWorker': return link.restart(effect.boot);
      case 'stopWorker': return link.stop(new Error(effect.reason));
      case 'restore': return void this.#startup.restore(effect.boot);
      case 'loadCheckpoint': return void this.#loadCheckpoint(effect.boot);
      case 'startRun':
        this.#timelapse.newRun();
        return link.runs.startRun(link.settings, link.model.ready?.stepsPerEpoch ?? 0); // every model is a run of its own
      case 'emitReady': return void (link.model.ready && this.#emit('ready', link.model.ready));
      case 'train': return link.train(this.#epochs);
      case 'pause': return link.pause();
      case 'reset':
        this.#startup.keeper?.flush(); // a save still waiting keeps the model being replaced
        link.reset();
        return this.#showDecoder(() => this.#picture.showInitial(link.settings));
      case 'reportTrap': {
        // The trapped worker ends, its waiting calls rejecting with these words; a `restartWorker` follows.
        const words = recoveryWords(effect.trap, link.recovery.restartPoint());
        link.abandon(effect.trap, words);
        return this.#reportError(words);
      }
      case 'fail': // nothing can go on: the worker ends, waiting calls reject, Retry appears
        this.#end(new Error(effect.message));
        this.#messages.fatal(effect.message);
        return this.#emit('error', { message: effect.message });
      case 'clearError': return this.#messages.clear();
    }
  }

  /** The worker ends and the decoder with it: waiting and later calls reject with `reason`. */
  #end(reason: Error): void {
    this.#link.stop(reason);
    this.#picture.decoder.fail(reason);
  }

  async #loadCheckpoint(boot: number): Promise<void> {
    try {
      await this.#link.loadCheckpoint();
    } catch (cause) {
      if (this.#life.boot !== boot || this.#life.name !== 'recovering') return; // removed, restarted, or failed meanwhile
      this.#link.fresh();
      this.#messages.notice(`The last good weights could not be loaded into the new worker (${errorMessage(cause)}); this is a fresh model.`);
    }
    this.#dispatch({ type: 'restoreDone', boot });
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────────
  #viewState(): PlaygroundState {
    const { model, history, runs } = this.#link;
    const { z, pixels, decoderVersion, marker, drawing } = this.#picture;
    const own = this.#own.state();
    const dataset = this.#datasetNow(own.inForce);
    const moment = this.#timelapse.view;
    return {
      ...model, dataset, own, history, runs, z, pixels, decoderVersion, marker, drawing, epochs: this.#epochs, limits: this.#startup.limits,
      loading: this.#datasets.fetching ?? loadingText(this.#life), error: this.#messages.shown, persist: this.#startup.keeper !== null, hasTrained: this.#link.hasTrained,
      latents: moment?.latents ?? model.latents, moment: moment && { step: moment.step, trail: moment.trail },
    };
  }

  #emit<K extends keyof VaePlaygroundEventMap>(type: K, detail: VaePlaygroundEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** The dataset the model trains on, the same object until it changes (views redraw their words when it does). */
  #datasetNow(own: OwnSummary | null): Dataset {
    return this.#datasets.now((this.#startup.inputs?.sources.url ?? null) !== null, own);
  }

  #inForce(key: SettingKey): number | string {
    if (key === 'workers') return this.#workers;
    return key === 'epochs' ? this.#epochs : this.#link.settings[key as keyof TrainSettings];
  }

  /** Shows the sections the `views` attribute names, in its order; an unknown name is reported. */
  #applyViews(): void {
    const { views, unknown } = parseViews(this.getAttribute('views'), this.hasAttribute('compact'));
    if (unknown.length) this.#reportError(`views="${this.getAttribute('views')}": no view called ${unknown.map((u) => `"${u}"`).join(', ')}; the views are ${SECTIONS.join(', ')}.`);
    this.#views.show(views);
  }

  /** The person's set in force becomes the dataset, and a new model trains on it. */
  #startOwnModel(): void {
    this.#startup.keeper?.flush(); // a save still waiting keeps the model trained before
    this.#link.settings = { ...this.#link.settings, datasetId: 'own' };
    reflectSettings(this, this.#link.settings);
    this.reset();
    this.train();
  }

  /** Asks before `change` replaces a trained model (through the one dialog); true at once when nothing is trained yet. */
  async #confirmNewModel(change: string): Promise<boolean> {
    if (!this.#link.hasTrained || !this.#context) return true;
    return this.#context.actions.confirm(newModelQuestion(change, this.#startup.keeper !== null));
  }

  /** The time-lapse's "branch from here": the settings checked, training held, the state loaded, a new run trained. */
  async #branchFrom(state: ArrayBuffer, change: { beta: number; learningRate: number }): Promise<void> {
    try {
      let next = this.#link.settings;
      await loadWasm(ASSETS.wasm);
      for (const key of ['beta', 'learningRate'] as const) next = settingsWith(key, String(change[key]), next) ?? next;
      this.pause();
      await this.#link.branch(state, { beta: next.beta, learningRate: next.learningRate });
    } catch (cause) {
      this.#reportError(`The branch did not start: ${errorMessage(cause)}`);
      throw new AlreadySaid(errorMessage(cause));
    }
    reflectSettings(this, this.#link.settings);
    this.#views.render();
    this.train();
  }

  /** A .safetensors file becomes the model; the attributes follow its settings, what it carries but cannot be used is named. */
  async #resume(bytes: ArrayBuffer): Promise<void> {
    this.#startup.keeper?.flush();
    const problems = await this.#link.loadFile(bytes);
    reflectSettings(this, this.#link.settings); // the page's link then reproduces them
    if (problems.length) this.#notice(`The weights are loaded, but not all the file carries: ${problems.join('; ')}.`);
    this.#views.render();
  }

  /** A new decoder on screen (`show` returns the latent size if it changed: the panel follows). */
  #showDecoder(show: () => number | null): void {
    try {
      const latent = show();
      if (latent !== null) this.#views.showLatentPanel(latent);
    } catch (cause) {
      this.#reportError(errorMessage(cause));
    }
    this.#views.render();
  }

  /** Each frame, first: the latent point decoded on the main thread, if it moved or the decoder changed. */
  #decodeIfMoved(): void {
    try {
      this.#picture.decodeIfMoved((pixels) => this.#emit('latentchange', { z: this.z, pixels }));
    } catch (cause) {
      this.#reportError(errorMessage(cause));
    }
  }

  /** News that is no error (a kept model that does not fit, storage unavailable): shown, no `error` event. */
  #notice(message: string, offer?: Offer): void {
    this.#messages.notice(message, offer);
    this.#views.render();
  }

  /** A problem the widget survives: shown on the page and sent as an `error` event. */
  #reportError(message: string): void {
    this.#messages.problem(message);
    this.#views.render();
    this.#emit('error', { message });
  }
}

// The reflected properties, typed from the settings table (declaration merging with the class above).
export interface VaePlaygroundElement extends SettingProperties {}

declare global {
  interface HTMLElementTagNameMap {
    'vae-playground': VaePlaygroundElement;
  }
}
