// Draw: a pad to draw a digit on (mouse, touch, pen; brush size; clear). Each stroke is prepared the way MNIST's
// digits were (src/drawing.rs), encoded: a marker shows its code in the latent panel, the decoder's reconstruction
// appears beside it, and the classifier says what it looks like. Drawings can be added, with a label or none, to
// "my set", which a new model trains on alone or mixed into MNIST ("where does my handwriting land?").
import { classPhrase, hasClassifier, type Dataset } from '../datasets.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type OwnState, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { DEFAULT_DATASET, WordsShown, applyWords } from './words.js';
import { countOf, withArticle } from '../english.js';

/** The pad's backing store: enough detail for a 20-pixel box, small enough to prepare in about a millisecond. */
const PAD = 140;
const DEFAULT_BRUSH = 11;
/** While a stroke goes on, the drawing is encoded at most this often. */
const LIVE_MS = 120;

export interface DrawResult {
  /** The drawing prepared as an MNIST digit (784 intensities). */
  prepared: Float32Array;
  /** μ of the prepared digit. */
  z: Float32Array;
  /** The decoder's image at z. */
  reconstruction: Float32Array;
}

export interface DrawActions extends Pick<PlaygroundActions, 'addToSet' | 'clearSet' | 'trainOnSet' | 'exportDataset'> {
  /** Prepares, encodes and decodes a drawing, and shows its code in the latent panel. */
  encodeDrawing(pixels: Float32Array, width: number, height: number): Promise<DrawResult>;
  classify(pixels: Float32Array): Promise<{ digit: number; probabilities: Float32Array }>;
  clearDrawing(): void;
}

export class DrawView implements View {
  #listeners = new Listeners();
  #pad!: HTMLCanvasElement;
  #ctx!: CanvasRenderingContext2D;
  #prepared!: HTMLCanvasElement;
  #reconstruction!: HTMLCanvasElement;
  #verdict!: HTMLElement;
  #brush = DEFAULT_BRUSH;
  #last: { x: number; y: number } | null = null;
  #inked = false;
  #lastSent = 0;
  #busy = false;
  #again = false;
  #ready = false;
  /** The pad's drawing as prepared, once encoded: what "Add to my set" adds. */
  #lastPrepared: Float32Array | null = null;
  #dataset: Dataset = DEFAULT_DATASET;
  readonly #words = new WordsShown();
  #panel!: HTMLElement;
  #ownShown = -1;

  constructor(private readonly actions: DrawActions) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="panel draw" part="draw"><h2>Draw</h2>
      <div class="draw-body">
        <figure><canvas class="pad" width="${PAD}" height="${PAD}" tabindex="0" role="img"
          data-words-label="Drawing pad: draw {an item} with the mouse, a finger or a pen"></canvas>
          <figcaption><label>Brush <input type="range" class="brush" min="5" max="20" step="1" value="${DEFAULT_BRUSH}"></label>
          <button data-action="clear">Clear</button></figcaption></figure>
        <figure><canvas class="prepared" role="img" aria-label="The drawing prepared as MNIST's digits were"></canvas><figcaption>prepared</figcaption></figure>
        <figure><canvas class="reconstruction" role="img" aria-label="The decoder's reconstruction of the drawing"></canvas><figcaption>decoded</figcaption></figure>
      </div>
      <p class="verdict" aria-live="polite"></p>
      <div class="my-set" role="group" aria-label="My set: drawings to train on">
        <label>Label <input type="text" class="set-label" maxlength="40" placeholder="optional" autocomplete="off" spellcheck="false"></label>
        <button data-action="add-to-set" disabled>Add to my set</button>
        <span class="set-count" aria-live="polite">My set is empty.</span>
        <button data-action="clear-set" disabled>Clear my set</button>
        <button data-action="train-set" disabled>Train on my set</button>
        <button data-action="mix-set" disabled title="Your drawings train beside MNIST's digits and show as diamonds in the latent panel">Mix with MNIST</button>
        <button data-action="export-set" disabled>Export dataset</button>
      </div></div>`;
    this.#panel = find(host, '.panel');
    applyWords(this.#panel, this.#dataset);
    this.#pad = find(host, 'canvas.pad');
    this.#ctx = this.#pad.getContext('2d', { willReadFrequently: true })!;
    this.#prepared = find(host, 'canvas.prepared');
    this.#reconstruction = find(host, 'canvas.reconstruction');
    this.#verdict = find(host, '.verdict');
    this.#clear();
    const brush = find<HTMLInputElement>(host, '.brush');
    this.#listeners.on(brush, 'input', () => (this.#brush = Number(brush.value)));
    this.#listeners.on(find(host, '[data-action="clear"]'), 'click', () => {
      this.#clear();
      this.actions.clearDrawing();
    });
    const label = find<HTMLInputElement>(host, '.set-label');
    const add = () => {
      if (!this.#lastPrepared) return;
      this.actions.addToSet(this.#lastPrepared, label.value);
      this.#clear(); // ready for the next one, the label kept
      this.actions.clearDrawing();
    };
    this.#listeners.on(find(host, '[data-action="add-to-set"]'), 'click', add);
    this.#listeners.on(label, 'keydown', (event) => {
      if (event.key === 'Enter') add();
    });
    this.#listeners.on(find(host, '[data-action="clear-set"]'), 'click', () => this.actions.clearSet());
    this.#listeners.on(find(host, '[data-action="train-set"]'), 'click', () => this.actions.trainOnSet(false));
    this.#listeners.on(find(host, '[data-action="mix-set"]'), 'click', () => this.actions.trainOnSet(true));
    this.#listeners.on(find(host, '[data-action="export-set"]'), 'click', () => this.actions.exportDataset());
    this.#listeners.on(this.#pad, 'pointerdown', (event) => {
      this.#pad.setPointerCapture(event.pointerId);
      this.#last = this.#point(event);
      this.#stroke(this.#last, this.#last);
      event.preventDefault();
    });
    this.#listeners.on(this.#pad, 'pointermove', (event) => {
      if (!this.#last) return;
      for (const e of event.getCoalescedEvents?.() ?? [event]) {
        const next = this.#point(e);
        this.#stroke(this.#last, next);
        this.#last = next;
      }
      if (performance.now() - this.#lastSent > LIVE_MS) void this.#encode();
    });
    const end = (event: PointerEvent) => {
      if (!this.#last) return;
      this.#last = null;
      if (this.#pad.hasPointerCapture(event.pointerId)) this.#pad.releasePointerCapture(event.pointerId);
      void this.#encode();
    };
    this.#listeners.on(this.#pad, 'pointerup', end);
    this.#listeners.on(this.#pad, 'pointercancel', end);
  }

  update(state: Readonly<PlaygroundState>): void {
    this.#ready = state.ready !== null;
    if (this.#words.changed(state.dataset)) {
      this.#dataset = state.dataset;
      applyWords(this.#panel, state.dataset);
      if (!this.#inked) this.#verdict.textContent = this.#invitation();
    }
    find<HTMLButtonElement>(this.#panel, '[data-action="add-to-set"]').disabled = !this.#lastPrepared || state.own.count >= state.own.max;
    if (state.own.version !== this.#ownShown) {
      this.#ownShown = state.own.version;
      this.#showSet(state.own);
    }
    for (const action of ['train-set', 'mix-set']) find<HTMLButtonElement>(this.#panel, `[data-action="${action}"]`).disabled = !this.#ready || state.own.count === 0;
  }

  /** What "my set" holds: how many, per label, and how many have none. */
  #showSet(own: OwnState): void {
    const classes = own.classes.map((c) => `${c.name}: ${c.count}`);
    if (own.unlabelled && classes.length) classes.push(`no label: ${own.unlabelled}`);
    find(this.#panel, '.set-count').textContent = own.count === 0
      ? 'My set is empty.'
      : `My set: ${countOf(own.count, 'image')}${classes.length ? ` (${classes.join(', ')})` : ''}.`;
    for (const action of ['clear-set', 'export-set']) find<HTMLButtonElement>(this.#panel, `[data-action="${action}"]`).disabled = own.count === 0;
  }

  #invitation(): string {
    return `Draw ${withArticle(this.#dataset.item)}; its code appears in the latent panel as a cross.`;
  }

  dispose(): void {
    this.#listeners.dispose();
  }

  #point(event: PointerEvent): { x: number; y: number } {
    const rect = this.#pad.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * PAD, y: ((event.clientY - rect.top) / rect.height) * PAD };
  }

  #stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const ctx = this.#ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.#brush;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x + 0.01, to.y);
    ctx.stroke();
    this.#inked = true;
  }

  #clear(): void {
    this.#ctx.fillStyle = '#000';
    this.#ctx.fillRect(0, 0, PAD, PAD);
    this.#inked = false;
    this.#lastPrepared = null;
    for (const canvas of [this.#prepared, this.#reconstruction]) drawTiles(canvas, new Float32Array(0), 1, 1, this.#dataset.spec);
    this.#verdict.textContent = this.#invitation();
  }

  /** Encodes the pad now, or once the encoding under way has finished (never two at a time). */
  async #encode(): Promise<void> {
    if (!this.#inked || !this.#ready) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    this.#lastSent = performance.now();
    try {
      const rgba = this.#ctx.getImageData(0, 0, PAD, PAD).data;
      const pixels = new Float32Array(PAD * PAD);
      for (let i = 0; i < pixels.length; i++) pixels[i] = rgba[4 * i] / 255;
      const result = await this.actions.encodeDrawing(pixels, PAD, PAD);
      if (!this.#inked) return; // cleared meanwhile
      this.#lastPrepared = result.prepared;
      find<HTMLButtonElement>(this.#panel, '[data-action="add-to-set"]').disabled = false;
      drawTiles(this.#prepared, result.prepared, 1, 1, this.#dataset.spec);
      drawTiles(this.#reconstruction, result.reconstruction, 1, 1, this.#dataset.spec);
      const z = Array.from(result.z, (v) => v.toFixed(2)).join(', ');
      const dataset = this.#dataset;
      if (!hasClassifier(dataset)) {
        this.#verdict.textContent = `z = (${z})`;
        return;
      }
      this.#verdict.textContent = `z = (${z}) · asking the classifier…`;
      const { digit, probabilities } = await this.actions.classify(result.prepared);
      this.#verdict.textContent = `z = (${z}) · looks like ${classPhrase(dataset, digit)} (${Math.round(probabilities[digit] * 100)} %)`;
    } catch {
      // reported through the element's error event
    } finally {
      this.#busy = false;
      if (this.#again) {
        this.#again = false;
        void this.#encode();
      }
    }
  }
}
