// The element's model and the worker that trains it: the model's state as the worker describes it (applied by
// applyWorkerEvent), its loss history and runs, requests made only when a model is there to answer them, files loaded
// into it, and — after a trap — a new worker brought back to the last good weights.
import { validateSettings, weightsMetadata } from '../../pkg/vae_playground.js';
import type { IngestProgress } from '../data/ingest.js';
import type { DecoderDescriptor, FrameInfo, OwnImages, ReplyOf, RequestKind, RequestOf, TrainSettings, WorkerEvent, WorkerSources } from '../protocol.js';
import { RunHistory, type Run } from '../runs.js';
import { DATASETS } from '../datasets.js';
import { fromMetadata, toMetadata } from '../shared-run.js';
import type { DatasetStamp } from '../validate.js';
import { LossHistory, type SavedHistory } from '../views/loss-history.js';
import { errorMessage } from '../wasm.js';
import { WorkerClient } from '../worker-client.js';
import { AlreadySaid, Recovery } from './recovery.js';
import type { TrapReport } from './traps.js';
import { applyWorkerEvent, freshModel, initialModel, loadedModel, withShape, type ModelEffect, type ModelState, type WorkerNews } from './worker-events.js';

/** What the link tells its element. */
export interface LinkHost {
  /** News for the lifecycle, from the worker started for `boot`. */
  lifecycle(news: WorkerNews, boot: number): void;
  emit(effect: Extract<ModelEffect, { type: 'emit' }>): void;
  /** A decoder snapshot for the main thread's decoder. */
  decoder(descriptor: DecoderDescriptor, weights: Float32Array): void;
  /** The model changed in a way worth keeping (with `persist`). */
  save(): void;
  error(message: string): void;
  /** The state changed: draw. */
  changed(): void;
  /** How far reading a person's images has got. */
  ingestProgress(progress: IngestProgress): void;
  /** The person's images the settings train on, with their hash (a new worker is given them; a file names them). */
  own(): { images: OwnImages; hash: string } | null;
  /** A time-lapse frame from the worker. */
  frame(frame: FrameInfo): void;
  /** The trainer's full state at an epoch's end, for branching. */
  state(step: number, epoch: number, bytes: ArrayBuffer): void;
}

/** What a .safetensors file says besides its weights, checked; what cannot be used is named in `problems`. */
interface ModelFile {
  settings: TrainSettings;
  epoch: number;
  run: Run | null;
  curves: SavedHistory | null;
  problems: string[];
}

function readModelFile(bytes: ArrayBuffer, fallback: TrainSettings, ownHash: string | null): ModelFile {
  const { shared, problems } = fromMetadata(weightsMetadata(new Uint8Array(bytes)) as Record<string, string>, fallback);
  try {
    validateSettings(shared.settings);
  } catch (cause) {
    problems.push(`its settings are not usable (${errorMessage(cause)})`);
    shared.settings = { ...fallback };
  }
  // A model of someone's own images trains on here only with those very images (the file names them, never holds them).
  if (shared.settings.datasetId === 'own' && (!shared.dataset?.hash || shared.dataset.hash !== ownHash)) {
    const instead = fallback.datasetId === 'own' ? 'mnist' : fallback.datasetId;
    const size = shared.dataset?.size ? ` (${shared.dataset.size.toLocaleString('en-US')} images)` : '';
    problems.push(`it was trained on someone’s own images${size}, which are not the ones here, so it trains on ${DATASETS[instead].name} now`);
    shared.settings = { ...shared.settings, datasetId: instead };
  }
  return { settings: shared.settings, epoch: shared.epoch ?? 0, run: shared.run ?? null, curves: shared.curves ?? null, problems };
}

export class ModelLink {
  model: ModelState;
  readonly history = new LossHistory();
  /** Every run so far, and which are drawn over the chart. */
  readonly runs = new RunHistory();
  readonly recovery = new Recovery();
  readonly #workerUrl: string;
  readonly #host: LinkHost;
  #client: WorkerClient | null = null;
  #sources: WorkerSources | null = null;
  #workers = 1;
  /** Why requests are refused now (the worker was stopped: removed, failed, restarted). */
  #closed: Error | null = null;
  /** Between a trap and the last good weights being back. */
  #restarting = false;
  /** The worker's step count as its last progress said (an epoch's figures come a few steps later). */
  #workerStep = 0;

  constructor(workerUrl: string, host: LinkHost, settings: TrainSettings) {
    this.#workerUrl = workerUrl;
    this.#host = host;
    this.model = initialModel(settings);
  }

  get settings(): TrainSettings {
    return this.model.settings;
  }

  set settings(settings: TrainSettings) {
    this.model = { ...this.model, settings: { ...settings } };
  }

  /** Whether a model is there and has trained: what a choice that replaces it asks about first. */
  get hasTrained(): boolean {
    return this.model.ready !== null && this.history.loss.steps > 0;
  }

  /** A new worker (for boot `boot`) on `sources` with the settings in force: the model is fresh, what trapped may be tried again. */
  start(boot: number, sources: WorkerSources): void {
    this.recovery.forgetRefusals();
    this.#sources = sources;
    this.fresh();
    this.#connect(boot);
  }

  /** After a trap: a new worker on the same sources; `loadCheckpoint` then brings back the last good weights. */
  restart(boot: number): void {
    this.#restarting = true;
    this.#connect(boot);
  }

  /** Ends the worker; waiting and later requests reject with `reason`. */
  stop(reason: Error): void {
    this.#client?.terminate(reason);
    this.#client = null;
    this.#closed = reason;
    this.#restarting = false;
    this.model = { ...this.model, running: false, ready: null };
    this.runs.running(false);
  }

  /** The trapped worker ends, its waiting calls rejecting with `words`; what trapped is refused from now on. */
  abandon(trap: TrapReport, words: string): void {
    this.recovery.refuse(trap);
    this.stop(new AlreadySaid(words));
  }

  /** A fresh model's state: nothing trained, the chart empty. */
  fresh(): void {
    this.model = freshModel(this.model);
    this.history.clear();
    this.recovery.fresh(this.model.settings);
  }

  /** Training Workers asked for (the worker makes the team it can; the `team` event says which). */
  get workers(): number {
    return this.#workers;
  }

  set workers(count: number) {
    if (count === this.#workers) return;
    this.#workers = count;
    this.#client?.workers(count);
  }

  train(epochs: number): void {
    this.#client?.train(epochs);
  }

  pause(): void {
    this.#client?.pause();
  }

  /** Step mode: `steps` steps while paused, then a time-lapse frame. */
  trainSteps(steps: number): void {
    this.#client?.trainSteps(steps);
  }

  set(change: { learningRate?: number; beta?: number }): void {
    this.#client?.set(change);
  }

  cancelIngest(): void {
    this.#client?.cancelIngest();
  }

  reset(): void {
    this.fresh();
    this.#client?.reset(this.model.settings);
  }

  /** A request to the worker, typed by kind; refused at once when no model can answer it, or when it trapped before. */
  request<K extends RequestKind>(request: RequestOf<K>, transfer: Transferable[] = []): Promise<ReplyOf<K>> {
    const refused = this.#refusal(request.kind);
    return refused ? Promise.reject(refused) : this.#client!.request(request, transfer);
  }

  /** The model as a .safetensors file, its metadata carrying the settings, epochs, run figures and curves. */
  async exportFile(): Promise<Blob> {
    const { settings, progress, ready } = this.model;
    const own = settings.datasetId === 'own' ? this.#host.own() : null;
    const dataset: DatasetStamp = own
      ? { id: 'own', size: own.images.images.length / (own.images.width * own.images.height), hash: own.hash }
      : { id: ready?.dataset ?? settings.datasetId };
    const metadata = toMetadata({ settings, epoch: progress?.epoch ?? 0, run: this.runs.current, curves: this.history.save(), dataset });
    const reply = await this.request({ kind: 'export', metadata });
    return new Blob([reply.bytes], { type: 'application/octet-stream' });
  }

  /**
   * A .safetensors file becomes the model: trained on with the settings it carries (sizes from its shapes), counting
   * on from its epoch, its curves and run figures shown. Returns what it carries but could not be used; a file that
   * does not load rejects and changes nothing.
   */
  async loadFile(bytes: ArrayBuffer): Promise<string[]> {
    const file = readModelFile(bytes, this.model.settings, this.#host.own()?.hash ?? null);
    const kept = bytes.slice(0); // the original goes to the worker; this is the weights to come back to after a trap
    const reply = await this.request({ kind: 'load', bytes, settings: file.settings, epoch: file.epoch }, [bytes]);
    const settings = withShape(file.settings, reply);
    this.model = loadedModel(this.model, settings, file.epoch);
    this.history.clear();
    if (file.curves) {
      try {
        this.history.restore(file.curves);
      } catch (cause) {
        file.problems.push(errorMessage(cause));
      }
    }
    this.runs.resume(settings, file.run);
    this.recovery.keep({ bytes: kept, epoch: file.epoch, fromFile: true, settings, curves: this.history.save() });
    return file.problems;
  }

  /**
   * Training goes on from a kept full state (`bytes`, given up to the worker) with other live settings: the chart
   * forgets what came after its step, and a new run starts there, marked as a branch of the current one. A state
   * that does not fit rejects and changes nothing.
   */
  async branch(bytes: ArrayBuffer, change: { beta: number; learningRate: number }): Promise<{ step: number; epoch: number }> {
    const reply = await this.request({ kind: 'branch', state: bytes, ...change }, [bytes]);
    const settings = { ...this.model.settings, ...change };
    this.model = { ...this.model, settings, trainedEpoch: null, progress: { epoch: reply.epoch, epochProgress: 0, samplesPerSec: 0 } };
    this.history.truncate(reply.step);
    this.runs.branch(settings, reply.epoch);
    // The worker's checkpoint of the branch point came before this reply: it comes back with the branch's settings
    // and curves, should the worker trap.
    const kept = this.recovery.checkpoint;
    if (kept?.bytes && kept.epoch === reply.epoch) this.recovery.keep({ ...kept, settings: { ...settings }, curves: this.history.save() });
    this.#host.save();
    return reply;
  }

  /** After `restart`, once the new worker is ready: the last good weights, with their epoch and curves. */
  async loadCheckpoint(): Promise<void> {
    const checkpoint = this.recovery.checkpoint;
    const client = this.#client;
    try {
      if (checkpoint?.bytes && client) {
        const bytes = checkpoint.bytes.slice(0);
        const reply = await client.request({ kind: 'load', bytes, settings: this.model.settings, epoch: checkpoint.epoch }, [bytes]);
        this.model = loadedModel(this.model, withShape(this.model.settings, reply), checkpoint.epoch);
      } else {
        this.model = freshModel(this.model);
      }
      this.history.clear();
      if (checkpoint?.curves) this.history.restore(checkpoint.curves);
    } finally {
      if (client === this.#client) this.#restarting = false;
    }
  }

  #connect(boot: number): void {
    this.#closed = null;
    this.#client = new WorkerClient(this.#workerUrl, {
      onEvent: (event) => this.#receive(event, boot),
      onCrash: (message) => this.#host.lifecycle({ type: 'fatal', message }, boot),
    });
    const own = this.model.settings.datasetId === 'own' ? this.#host.own() : null;
    this.#client.init(this.model.settings, this.#sources!, own ? copyOwn(own.images) : null, this.#workers);
  }

  #refusal(kind: RequestKind): Error | null {
    if (this.#closed) return this.#closed;
    if (this.#restarting) return new AlreadySaid('The training worker is being restarted after an error: try again once it is ready.');
    if (!this.#client || !this.model.ready) return new Error('The model is not ready yet: wait for the `ready` event.');
    return this.recovery.refusal(kind);
  }

  #receive(event: WorkerEvent, boot: number): void {
    const { state, effects } = applyWorkerEvent(this.model, event);
    this.model = state;
    for (const effect of effects) this.#apply(effect, boot);
    this.#host.changed();
  }

  #apply(effect: ModelEffect, boot: number): void {
    switch (effect.type) {
      case 'steps':
        this.history.addSteps(effect.losses);
        this.#workerStep = effect.step;
        this.runs.speed(effect.samplesPerSec);
        return;
      case 'epochEnded':
        // The figures arrive after the next epoch's first steps: the point goes where the epoch ended.
        this.history.addEpoch(effect.epoch.testElbo, effect.epoch.kl, Math.max(0, this.#workerStep - effect.epoch.step));
        this.runs.addEpoch(effect.epoch, effect.settings);
        return;
      case 'runClock':
        this.runs.running(effect.running);
        return;
      case 'checkpoint':
        this.recovery.keep({ bytes: effect.bytes, epoch: effect.epoch, fromFile: false, settings: { ...this.model.settings }, curves: this.history.save() });
        return;
      case 'lifecycle':
        return this.#host.lifecycle(effect.news, boot);
      case 'emit':
        return this.#host.emit(effect);
      case 'decoder':
        return this.#host.decoder(effect.descriptor, effect.weights);
      case 'save':
        return this.#host.save();
      case 'error':
        return this.#host.error(effect.message);
      case 'ingest':
        return this.#host.ingestProgress(effect.progress);
      case 'frame':
        return this.#host.frame(effect.frame);
      case 'state':
        return this.#host.state(effect.step, effect.epoch, effect.bytes);
    }
  }
}

/** A copy of own images to give the worker (posted, so the set kept here stays whole). */
export function copyOwn(own: OwnImages): OwnImages {
  return { ...own, images: own.images.slice(), labels: own.labels?.slice() ?? null, classNames: own.classNames && [...own.classNames] };
}
