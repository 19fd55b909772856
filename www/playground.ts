// <vae-playground>: a VAE that trains in its own worker while you drag through its latent space.
// Everything is per instance (worker, decoder, views); several elements on one page do not share state.
import { DecoderHandle } from '../pkg/vae_playground.js';
import { LossChart } from './charts.js';
import { DIGIT_COLORS } from './colors.js';
import { DigitView } from './digit-view.js';
import { LatentView } from './latent-view.js';
import { post, type FromWorker, type ReadyInfo, type ToWorker, type TrainSettings, type WorkerReply, type WorkerRequest } from './protocol.js';
import {
  DEFAULT_SETTINGS, LIVE_SETTINGS, SETTING_ATTRIBUTES, isSettingAttribute, parseEpochs, withAttribute, type SettingAttribute,
} from './settings.js';
import { STYLES } from './styles.js';
import { errorMessage, fetchBytes, loadWasm } from './wasm.js';

export interface ProgressDetail { epoch: number; step: number; loss: number; samplesPerSec: number }
export interface EpochDetail { epoch: number; testElbo: number; recon: number; kl: number }
export interface LatentChangeDetail { z: number[]; pixels: Float32Array }
export interface TrainedDetail { epoch: number }
export interface ErrorDetail { message: string }
export type ReadyDetail = ReadyInfo;

export interface VaePlaygroundEventMap {
  ready: CustomEvent<ReadyDetail>;
  progress: CustomEvent<ProgressDetail>;
  epoch: CustomEvent<EpochDetail>;
  latentchange: CustomEvent<LatentChangeDetail>;
  trained: CustomEvent<TrainedDetail>;
  error: CustomEvent<ErrorDetail>;
}

const ASSETS = {
  wasm: new URL('./vae_playground_bg.wasm', import.meta.url).href,
  worker: new URL('./worker.js', import.meta.url).href,
  images: new URL('./data/mnist-10k-images.idx3-ubyte.gz', import.meta.url).href,
  labels: new URL('./data/mnist-10k-labels.idx1-ubyte.gz', import.meta.url).href,
};

const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

const TEMPLATE = `
<div class="root" part="root">
  <div class="toolbar" part="toolbar">
    <button class="primary" data-action="toggle" disabled>Train</button>
    <button data-action="reset" disabled>Reset</button>
    <span class="status" role="status" aria-live="polite">Loading…</span>
  </div>
  <div class="progress" part="progress" aria-hidden="true"><div></div></div>
  <div class="error" role="alert" part="error"><p></p><button data-action="retry">Retry</button><button data-action="dismiss" aria-label="Dismiss">✕</button></div>
  <div class="main">
    <div class="panel latent" part="latent">
      <h3>Latent space · test digits</h3>
      <canvas tabindex="0" role="slider" aria-label="Latent point: drag, or use the arrow keys"></canvas>
      <div class="legend" aria-hidden="true"></div>
    </div>
    <div class="side">
      <div class="panel digit" part="digit">
        <h3>Decoded digit</h3>
        <canvas aria-label="The digit decoded from the latent point" role="img"></canvas>
        <div class="z"></div>
        <div class="sliders"></div>
      </div>
      <div class="panel chart" part="chart">
        <h3>Loss</h3>
        <canvas role="img" aria-label="Loss curves"></canvas>
      </div>
    </div>
  </div>
  <div class="settings" part="settings">
    <label>β (KL weight)<input data-attr="beta" type="number" min="0" step="0.1"></label>
    <label>Learning rate<select data-attr="learning-rate">
      <option>0.0001</option><option>0.0003</option><option>0.001</option><option>0.003</option><option>0.01</option>
    </select></label>
    <label>Batch size<input data-attr="batch-size" type="number" min="1" max="4096" step="1"></label>
    <label>Hidden units<input data-attr="hidden-units" type="number" min="1" max="4096" step="1"></label>
    <label>Latent dims<input data-attr="latent-dim" type="number" min="1" max="64" step="1"></label>
    <label>Seed<input data-attr="seed" type="number" min="0" step="1"></label>
    <div class="actions">
      <button data-action="export" disabled>Export weights</button>
      <label class="file" tabindex="0">Load weights…<input type="file" accept=".safetensors"></label>
      <p class="hint">β and learning rate apply at once; the others start a new model.</p>
    </div>
  </div>
</div>`;

export class VaePlaygroundElement extends HTMLElement {
  static readonly observedAttributes = [...Object.keys(SETTING_ATTRIBUTES), 'epochs', 'autostart', 'weights', 'data'];

  #settings: TrainSettings = { ...DEFAULT_SETTINGS };
  #epochs = parseEpochs(null);
  #shadow: ShadowRoot;
  #worker: Worker | null = null;
  #decoder: DecoderHandle | null = null;
  #ready: ReadyInfo | null = null;
  #running = false;
  #epoch = 0;
  #z: number[] = [0, 0];
  #requests = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (e: Error) => void }>();
  #nextRequest = 1;
  #drawFrame = 0;
  #latentView: LatentView | null = null;
  #digitView: DigitView | null = null;
  #chart: LossChart | null = null;
  #booted = false;
  /** Counts boots: a boot still loading when a newer one starts, or the element is removed, stops there. */
  #bootGeneration = 0;
  /** Whether the next `ready` from the worker should start training (autostart, or a reset while running). */
  #trainOnReady = false;
  #firstDigitMarked = false;
  /** Attribute changes are validated one after another (the checks need wasm); boot waits for them. */
  #settingsSettled: Promise<void> = Promise.resolve();

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
    this.#shadow.innerHTML = `<style>${STYLES}</style>${TEMPLATE}`;
  }

  // ── attributes reflected as properties ──────────────────────────────────────────────────────────────
  get hiddenUnits(): number { return this.#settings.hiddenUnits; }
  set hiddenUnits(v: number) { this.setAttribute('hidden-units', String(v)); }
  get latentDim(): number { return this.#settings.latentDim; }
  set latentDim(v: number) { this.setAttribute('latent-dim', String(v)); }
  get beta(): number { return this.#settings.beta; }
  set beta(v: number) { this.setAttribute('beta', String(v)); }
  get learningRate(): number { return this.#settings.learningRate; }
  set learningRate(v: number) { this.setAttribute('learning-rate', String(v)); }
  get batchSize(): number { return this.#settings.batchSize; }
  set batchSize(v: number) { this.setAttribute('batch-size', String(v)); }
  get seed(): number { return this.#settings.seed; }
  set seed(v: number) { this.setAttribute('seed', String(v)); }
  get epochs(): number { return this.#epochs; }
  set epochs(v: number) { this.setAttribute('epochs', String(v)); }
  get autostart(): boolean { return this.hasAttribute('autostart'); }
  set autostart(v: boolean) { this.toggleAttribute('autostart', v); }
  get compact(): boolean { return this.hasAttribute('compact'); }
  set compact(v: boolean) { this.toggleAttribute('compact', v); }
  get weights(): string | null { return this.getAttribute('weights'); }
  set weights(v: string | null) { if (v === null) this.removeAttribute('weights'); else this.setAttribute('weights', v); }
  get data(): string | null { return this.getAttribute('data'); }
  set data(v: string | null) { if (v === null) this.removeAttribute('data'); else this.setAttribute('data', v); }
  /** Whether the worker is training now. */
  get running(): boolean { return this.#running; }
  /** The latent point being shown. */
  get z(): number[] { return [...this.#z]; }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────────────
  connectedCallback(): void {
    if (this.#booted) return;
    this.#booted = true;
    this.#wireUi();
    void this.#boot();
  }

  disconnectedCallback(): void {
    // Removing the element ends its worker and frees its wasm memory; adding it again starts afresh.
    this.#bootGeneration++;
    this.#shutdown();
    this.#latentView?.dispose();
    this.#chart?.dispose();
    this.#latentView = null;
    this.#chart = null;
    this.#booted = false;
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    if (name === 'epochs') {
      this.#attempt(() => { this.#epochs = parseEpochs(value); if (this.#running) this.train(); });
    } else if (isSettingAttribute(name)) {
      this.#settingsSettled = this.#settingsSettled.then(() => this.#applySetting(name, value));
    } else if ((name === 'weights' || name === 'data') && this.#booted) {
      void this.#boot(); // new inputs: start over from them
    }
  }

  // ── public API ──────────────────────────────────────────────────────────────────────────────────────
  /** Starts (or resumes) training up to `epochs` epochs. */
  train(): void {
    this.#send({ type: 'train', epochs: this.#epochs });
  }

  pause(): void {
    this.#send({ type: 'pause' });
  }

  /** A fresh model with the current settings; the loss chart starts over. */
  reset(): void {
    this.#trainOnReady ||= this.#running; // keep an autostart that is still waiting for its first `ready`
    this.#chart?.clear();
    this.#epoch = 0;
    this.#resetDecoder();
    this.#send({ type: 'reset', settings: this.#settings });
  }

  /** The 784 intensities (row by row, in [0, 1]) the decoder draws for latent point z. */
  async decode(z: ArrayLike<number>): Promise<Float32Array> {
    if (!this.#decoder) await this.#whenDecoder();
    return this.#decoder!.decode(Float32Array.from(z));
  }

  /** μ(x) for one or more 28 × 28 images (784 intensities in [0, 1] each); one latent vector per image, flattened. */
  async encode(pixels: ArrayLike<number>): Promise<Float32Array> {
    const reply = await this.#request({ kind: 'encode', pixels: Float32Array.from(pixels) });
    if (reply.kind !== 'encode') throw new Error('unexpected reply');
    return reply.z;
  }

  /** The model as a .safetensors file (tensor names per the weights contract, config in the metadata). */
  async exportWeights(): Promise<Blob> {
    const reply = await this.#request({ kind: 'export' });
    if (reply.kind !== 'export') throw new Error('unexpected reply');
    return new Blob([reply.bytes], { type: 'application/octet-stream' });
  }

  /** Continue from the weights in a .safetensors Blob or URL. A file that does not fit changes nothing. */
  async loadWeights(source: Blob | string | URL): Promise<void> {
    try {
      const bytes = source instanceof Blob
        ? await source.arrayBuffer()
        : (await fetchBytes(new URL(String(source), document.baseURI).href, 'the weights', 'URL passed to loadWeights')).slice().buffer;
      const reply = await this.#request({ kind: 'load', bytes }, [bytes]);
      if (reply.kind !== 'load') throw new Error('unexpected reply');
      this.#chart?.clear();
    } catch (cause) {
      this.#reportError(errorMessage(cause));
      throw cause;
    }
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

  #$<T extends Element>(selector: string): T {
    return this.#shadow.querySelector(selector) as T;
  }

  #wireUi(): void {
    this.#latentView = new LatentView(this.#$('.latent canvas'), (z) => this.#setZ(z));
    this.#digitView = new DigitView(this.#$('.digit canvas'));
    this.#chart = new LossChart(this.#$('.chart canvas'));

    this.#$('.legend').innerHTML = DIGIT_COLORS.map((c, d) => `<span style="--c:${c}">${d}</span>`).join('');
    this.#shadow.querySelectorAll<HTMLButtonElement>('button[data-action]').forEach((button) => {
      button.onclick = () => this.#onAction(button.dataset.action!);
    });
    this.#shadow.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-attr]').forEach((input) => {
      input.onchange = () => this.setAttribute(input.dataset.attr!, input.value);
    });
    const file = this.#$<HTMLInputElement>('.file input');
    file.onchange = () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (chosen) this.loadWeights(chosen).catch(() => undefined); // reported through the error event
    };
    this.#syncInputs();
  }

  #onAction(action: string): void {
    switch (action) {
      case 'toggle': return this.#running ? this.pause() : this.train();
      case 'reset': return this.reset();
      case 'retry': this.#hideError(); void this.#boot(); return;
      case 'dismiss': return this.#hideError();
      case 'export':
        void this.exportWeights().then((blob) => {
          const a = document.createElement('a');
          a.href = URL.createObjectURL(blob);
          a.download = `vae-h${this.#settings.hiddenUnits}-z${this.#settings.latentDim}-epoch${this.#epoch}.safetensors`;
          a.click();
          setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
        }, (cause) => this.#reportError(errorMessage(cause)));
    }
  }

  #syncInputs(): void {
    this.#shadow.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-attr]').forEach((input) => {
      const key = SETTING_ATTRIBUTES[input.dataset.attr as SettingAttribute];
      const value = String(this.#settings[key]);
      if (input instanceof HTMLSelectElement && ![...input.options].some((o) => o.value === value)) {
        input.add(new Option(value));
      }
      input.value = value;
    });
  }

  async #applySetting(attribute: SettingAttribute, value: string | null): Promise<void> {
    try {
      await loadWasm(ASSETS.wasm); // the ranges are checked by the Rust core
      const next = withAttribute(this.#settings, attribute, value);
      const key = SETTING_ATTRIBUTES[attribute];
      if (next[key] === this.#settings[key]) return;
      this.#settings = next;
      if (!this.#worker) return; // boot will use the new settings
      if (LIVE_SETTINGS.has(key)) {
        this.#send({ type: 'set', [key]: next[key] });
      } else {
        this.reset();
      }
    } catch (cause) {
      this.#reportError(errorMessage(cause)); // the last valid setting stays in force
    } finally {
      this.#syncInputs();
    }
  }

  #attempt(action: () => void): void {
    try {
      action();
    } catch (cause) {
      this.#reportError(errorMessage(cause));
    }
  }

  async #boot(): Promise<void> {
    const generation = ++this.#bootGeneration;
    this.#shutdown();
    this.#trainOnReady = this.hasAttribute('autostart');
    this.#setStatus('Loading the model…');
    try {
      await loadWasm(ASSETS.wasm);
      await this.#settingsSettled;
      if (generation !== this.#bootGeneration) return; // removed, or superseded, while loading
      this.#resetDecoder(); // a digit on screen at once, before the worker has even started
      const worker = new Worker(ASSETS.worker, { type: 'module', name: 'vae-playground trainer' });
      this.#worker = worker;
      worker.onmessage = (event: MessageEvent<FromWorker>) => this.#onWorkerMessage(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.#fail(`The training worker failed to start or crashed (${event.message || 'no details'}). Check that ${ASSETS.worker} is served.`);
      };
      const [images, labels] = this.#dataUrls();
      const weights = this.getAttribute('weights');
      this.#setStatus(weights ? 'Loading digits and weights…' : 'Loading digits…');
      this.#send({
        type: 'init',
        settings: this.#settings,
        sources: { wasm: ASSETS.wasm, images, labels, weights: weights ? new URL(weights, document.baseURI).href : null },
        simd: !new URLSearchParams(location.search).has('scalar'),
      });
    } catch (cause) {
      if (generation === this.#bootGeneration) this.#fail(errorMessage(cause));
    }
  }

  /** The `data` attribute: two URLs (images, labels), separated by spaces or a comma. */
  #dataUrls(): [string, string] {
    const value = this.getAttribute('data');
    if (value === null) return [ASSETS.images, ASSETS.labels];
    const parts = value.split(/[\s,]+/).filter(Boolean);
    if (parts.length !== 2) {
      this.#reportError(`data="${value}" needs two URLs, the images and the labels .idx-ubyte.gz files; using the bundled digits.`);
      return [ASSETS.images, ASSETS.labels];
    }
    return [new URL(parts[0], document.baseURI).href, new URL(parts[1], document.baseURI).href];
  }

  #shutdown(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#ready = null;
    this.#setRunning(false);
    for (const { reject } of this.#requests.values()) reject(new Error('The playground was reset or removed.'));
    this.#requests.clear();
    this.#decoder?.free();
    this.#decoder = null;
    cancelAnimationFrame(this.#drawFrame);
    this.#drawFrame = 0;
  }

  #resetDecoder(): void {
    try {
      const next = DecoderHandle.initial(this.#settings.hiddenUnits, this.#settings.latentDim, BigInt(this.#settings.seed));
      this.#replaceDecoder(next);
    } catch (cause) {
      this.#reportError(errorMessage(cause));
    }
  }

  #replaceDecoder(next: DecoderHandle): void {
    this.#decoder?.free();
    this.#decoder = next;
    if (this.#z.length !== next.latent()) {
      this.#z = new Array(next.latent()).fill(0);
      this.#buildSliders();
    }
    this.#scheduleDraw();
  }

  #whenDecoder(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => (this.#decoder ? resolve() : this.#booted ? setTimeout(check, 20) : reject(new Error('The playground is not connected.')));
      check();
    });
  }

  #send(message: ToWorker, transfer: Transferable[] = []): void {
    if (!this.#worker) return;
    post(this.#worker, message, transfer);
  }

  #request(request: WorkerRequest, transfer: Transferable[] = []): Promise<WorkerReply> {
    if (!this.#worker || !this.#ready) return Promise.reject(new Error('The model is not ready yet: wait for the `ready` event.'));
    const id = this.#nextRequest++;
    return new Promise((resolve, reject) => {
      this.#requests.set(id, {
        resolve: (reply) => (reply.kind === 'error' ? reject(new Error(reply.message)) : resolve(reply)),
        reject,
      });
      this.#send({ type: 'request', id, request }, transfer);
    });
  }

  #onWorkerMessage(message: FromWorker): void {
    switch (message.type) {
      case 'ready': {
        const { type: _, ...info } = message;
        this.#ready = info;
        this.#epoch = 0;
        this.#settings = { ...this.#settings, hiddenUnits: info.hidden, latentDim: info.latent };
        this.#syncInputs();
        this.#enableControls(true);
        this.#setStatus(`Ready · ${NUMBER_FORMAT.format(info.trainSize)} training digits${info.simd ? ' · SIMD' : ''}`);
        this.#emit('ready', info);
        if (this.#trainOnReady) this.train();
        this.#trainOnReady = false;
        return;
      }
      case 'decoder':
        this.#attempt(() => this.#replaceDecoder(new DecoderHandle(message.hidden, message.latent, message.weights)));
        return;
      case 'latents':
        if (message.latent === 2) this.#latentView?.setPoints(message.z, message.labels);
        return;
      case 'progress': {
        this.#epoch = message.epoch;
        this.#chart?.addSteps(message.losses);
        const n = message.losses.length;
        const loss = n >= 3 ? message.losses[n - 3] : NaN;
        this.#showProgress(message.epoch, message.epochProgress, message.samplesPerSec);
        this.#emit('progress', { epoch: message.epoch, step: message.step, loss, samplesPerSec: message.samplesPerSec });
        return;
      }
      case 'epoch': {
        const { type: _, ...detail } = message;
        this.#chart?.addEpoch(detail.testElbo, detail.kl);
        this.#emit('epoch', detail);
        return;
      }
      case 'status':
        this.#setRunning(message.running);
        return;
      case 'trained':
        this.#setStatus(`Trained ${message.epoch} epochs · press Train to go on`);
        this.#emit('trained', { epoch: message.epoch });
        return;
      case 'reply': {
        const pending = this.#requests.get(message.id);
        this.#requests.delete(message.id);
        pending?.resolve(message.reply);
        return;
      }
      case 'error':
        if (message.fatal) this.#fail(message.message);
        else this.#reportError(message.message);
        return;
    }
  }

  #setZ(z: number[]): void {
    this.#z = z.slice();
    this.#scheduleDraw();
  }

  /** Decodes and draws on the next frame: however fast the pointer moves, one decode per displayed frame. */
  #scheduleDraw(): void {
    if (this.#drawFrame) return;
    this.#drawFrame = requestAnimationFrame(() => {
      this.#drawFrame = 0;
      this.#drawDigit();
    });
  }

  #drawDigit(): void {
    if (!this.#decoder) return;
    let pixels: Float32Array;
    try {
      pixels = this.#decoder.decode(Float32Array.from(this.#z));
    } catch (cause) {
      this.#reportError(errorMessage(cause));
      return;
    }
    this.#digitView?.draw(pixels);
    if (!this.#firstDigitMarked) {
      this.#firstDigitMarked = true;
      performance.mark('vae-playground:first-digit'); // read by the benchmark
    }
    if (this.#latentView && this.#z.length === 2) this.#latentView.z = [this.#z[0], this.#z[1]];
    this.#$('.z').textContent = `z = (${this.#z.map((v) => v.toFixed(2)).join(', ')})`;
    this.#emit('latentchange', { z: this.z, pixels });
  }

  #buildSliders(): void {
    const latent = this.#$<HTMLElement>('.latent');
    const sliders = this.#$<HTMLElement>('.sliders');
    const twoD = this.#z.length === 2;
    latent.style.display = twoD ? '' : 'none';
    this.#$('.main').classList.toggle('no-latent', !twoD);
    sliders.innerHTML = '';
    if (twoD) return;
    this.#z.forEach((_, i) => {
      const label = document.createElement('label');
      label.innerHTML = `<span>z${i}</span><input type="range" min="-3" max="3" step="0.01" value="0" aria-label="latent dimension ${i}">`;
      const input = label.querySelector('input')!;
      input.oninput = () => {
        this.#z[i] = Number(input.value);
        this.#scheduleDraw();
      };
      sliders.append(label);
    });
  }

  #setRunning(running: boolean): void {
    this.#running = running;
    const toggle = this.#$<HTMLButtonElement>('[data-action="toggle"]');
    toggle.textContent = running ? 'Pause' : 'Train';
    toggle.setAttribute('aria-pressed', String(running));
  }

  #enableControls(enabled: boolean): void {
    this.#shadow.querySelectorAll<HTMLButtonElement>('[data-action="toggle"], [data-action="reset"], [data-action="export"]')
      .forEach((b) => (b.disabled = !enabled));
  }

  #showProgress(epoch: number, epochProgress: number, samplesPerSec: number): void {
    const of = this.#epochs > 0 ? ` / ${this.#epochs}` : '';
    this.#setStatus(
      `<strong>epoch ${epoch + (epochProgress > 0 ? 1 : 0)}${of}</strong> · ${NUMBER_FORMAT.format(samplesPerSec)} samples/s${this.#ready?.simd ? ' · SIMD' : ''}`,
      true,
    );
    const bar = this.#$<HTMLElement>('.progress > div');
    const total = this.#epochs > 0 ? (epoch + epochProgress) / this.#epochs : epochProgress;
    bar.style.width = `${Math.min(100, total * 100).toFixed(1)}%`;
  }

  #setStatus(text: string, html = false): void {
    const status = this.#$<HTMLElement>('.status');
    if (html) status.innerHTML = text;
    else status.textContent = text;
  }

  /** A problem the widget survives: shown on the page and sent as an `error` event. */
  #reportError(message: string): void {
    const box = this.#$<HTMLElement>('.error');
    box.querySelector('p')!.textContent = message;
    (box.querySelector('[data-action="retry"]') as HTMLElement).style.display = 'none';
    box.classList.add('shown');
    this.#emit('error', { message });
  }

  /** A problem that stops the widget (nothing loaded): the same, plus a Retry button. */
  #fail(message: string): void {
    this.#shutdown();
    this.#enableControls(false);
    this.#setStatus('Stopped');
    this.#reportError(message);
    (this.#$<HTMLElement>('.error [data-action="retry"]')).style.display = '';
  }

  #hideError(): void {
    this.#$<HTMLElement>('.error').classList.remove('shown');
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vae-playground': VaePlaygroundElement;
  }
}
