// Interpolate: pick two test images (one of each class, or the first ten of an unlabelled set); the decoded path
// between their codes as a strip of frames and an animation, and beneath it the same number of frames blended in
// pixel space, so the difference is there to see.
import { className, pixelsOf, type Dataset } from '../datasets.js';
import { oneOfEachClass, type TestDigits } from './test-digits.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { DEFAULT_DATASET, WordsShown, applyWords } from './words.js';

/** Thumbnails to pick from: one per class, at most this many. */
const THUMBS = 10;

const FRAME_MS = 140;

export class InterpolateView implements View {
  #listeners = new Listeners();
  #host!: HTMLElement;
  #digits: TestDigits | null = null;
  #codes: Float32Array | null = null;
  #picked: number[] = [];
  #frames: Float32Array | null = null;
  #timer = 0;
  #testSize = 0;
  #seenDecoder = -1;
  #latent = 2;
  #reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
  #dataset: Dataset = DEFAULT_DATASET;
  readonly #words = new WordsShown();

  constructor(private readonly actions: Pick<PlaygroundActions, 'request' | 'decodeNow' | 'emit'>) {}

  mount(host: HTMLElement): void {
    this.#host = host;
    host.innerHTML = `<div class="panel interpolate" part="interpolate"><h2>Interpolate</h2>
      <div class="controls"><span class="hint" data-words="Pick two {items}:"></span><span class="thumbs" role="group" data-words-label="Test {items} to interpolate between"></span>
        <label>Frames <input type="number" class="frames" min="8" max="16" step="1" value="10"></label></div>
      <div class="strips">
        <figure><canvas class="latent-strip" width="280" height="28" role="img" aria-label="Decoded path between the two codes"></canvas><figcaption>through the latent space</figcaption></figure>
        <figure><canvas class="pixel-strip" width="280" height="28" role="img" data-words-label="The two {items} blended in pixel space"></canvas><figcaption>blended pixels</figcaption></figure>
        <figure class="movie"><canvas class="animation" role="img" aria-label="The latent path as an animation"></canvas><figcaption class="movie-note">animation</figcaption></figure>
      </div></div>`;
    applyWords(host, this.#dataset);
    this.#listeners.on(find(host, '.frames'), 'change', () => this.#interpolate());
    // The thumbnails' buttons are there from the start and filled in once the test digits come: the view draws
    // only once it is on screen, and buttons made then would appear behind a person who tabbed into it.
    this.#thumbButtons(THUMBS);
  }

  update(state: Readonly<PlaygroundState>): void {
    const changed = this.#words.changed(state.dataset);
    if (changed) {
      this.#dataset = state.dataset;
      applyWords(this.#host, state.dataset);
    }
    const first = (this.#testSize === 0 && state.ready) || (changed && this.#digits && state.ready);
    this.#testSize = state.ready?.testSize ?? 0;
    this.#latent = state.z.length;
    if (first) void this.#loadThumbs();
    if (state.decoderVersion !== this.#seenDecoder && !state.running && this.#picked.length === 2) void this.#encodePicked();
    this.#seenDecoder = state.decoderVersion;
  }

  dispose(): void {
    this.#listeners.dispose();
    clearInterval(this.#timer);
  }

  async #loadThumbs(): Promise<void> {
    try {
      const dataset = this.#dataset;
      this.#digits = await oneOfEachClass(this.actions.request, this.#testSize, dataset.labelled ? Math.min(THUMBS, dataset.classNames.length) : 0, THUMBS, pixelsOf(dataset.spec));
    } catch {
      return; // reported through the element's error event
    }
    const dataset = this.#dataset;
    const digits = this.#digits;
    const size = pixelsOf(dataset.spec);
    this.#thumbButtons(digits.labels.length).forEach((button, d) => {
      // Class names may be a person's folder names: an attribute set as text.
      const label = digits.labels[d];
      button.setAttribute('aria-label', dataset.labelled ? `test ${dataset.item} ${className(dataset, label)}` : `test ${dataset.item} ${d + 1}`);
      button.removeAttribute('aria-disabled');
      drawTiles(find<HTMLCanvasElement>(button, 'canvas'), digits.pixels.subarray(d * size, (d + 1) * size), 1, 1, dataset.spec);
    });
    this.#picked = [];
    this.#pick(Math.min(1, digits.labels.length - 1));
    this.#pick(Math.min(7, digits.labels.length - 1));
  }

  /** Exactly `count` thumbnail buttons, the ones there kept (one may have the focus); new ones wait for a digit. */
  #thumbButtons(count: number): HTMLButtonElement[] {
    const thumbs = find(this.#host, '.thumbs');
    const buttons = [...thumbs.querySelectorAll<HTMLButtonElement>('button.thumb')];
    for (const extra of buttons.splice(count)) extra.remove();
    while (buttons.length < count) {
      const d = buttons.length;
      const button = document.createElement('button');
      button.className = 'thumb';
      button.dataset.index = String(d);
      button.setAttribute('aria-pressed', 'false');
      // Not `disabled`: a disabled button cannot hold the focus a person tabbed to it.
      button.setAttribute('aria-disabled', 'true');
      button.setAttribute('aria-label', `test ${this.#dataset.item} ${d + 1} (loading)`);
      button.append(document.createElement('canvas'));
      this.#listeners.on(button, 'click', () => this.#digits && this.#pick(d));
      thumbs.append(button);
      buttons.push(button);
    }
    return buttons;
  }

  #pick(index: number): void {
    this.#picked = [...this.#picked.filter((i) => i !== index), index].slice(-2);
    find(this.#host, '.thumbs').querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(this.#picked.includes(Number(b.dataset.index)))));
    if (this.#picked.length === 2) void this.#encodePicked();
  }

  async #encodePicked(): Promise<void> {
    const digits = this.#digits;
    if (!digits) return;
    const size = pixelsOf(this.#dataset.spec);
    const pixels = new Float32Array(2 * size);
    this.#picked.forEach((d, k) => pixels.set(digits.pixels.subarray(d * size, (d + 1) * size), k * size));
    try {
      this.#codes = (await this.actions.request({ kind: 'encode', pixels })).z;
      this.#interpolate();
    } catch {
      // reported through the element's error event
    }
  }

  #interpolate(): void {
    const codes = this.#codes;
    const digits = this.#digits;
    if (!codes || !digits || this.#picked.length !== 2) return;
    const input = find<HTMLInputElement>(this.#host, '.frames');
    const n = Math.min(16, Math.max(8, Math.round(Number(input.value)) || 10));
    input.value = String(n);
    const L = this.#latent;
    const { spec } = this.#dataset;
    const size = pixelsOf(spec);
    const [a, b] = this.#picked.map((d) => digits.pixels.subarray(d * size, (d + 1) * size));
    const latent = new Float32Array(n * size);
    const blend = new Float32Array(n * size);
    for (let f = 0; f < n; f++) {
      const t = f / (n - 1);
      const z = Array.from({ length: L }, (_, i) => (1 - t) * codes[i] + t * codes[L + i]);
      latent.set(this.actions.decodeNow(z) ?? new Float32Array(size), f * size);
      for (let p = 0; p < size; p++) blend[f * size + p] = (1 - t) * a[p] + t * b[p];
    }
    drawTiles(find(this.#host, 'canvas.latent-strip'), latent, n, 1, spec);
    drawTiles(find(this.#host, 'canvas.pixel-strip'), blend, n, 1, spec);
    this.#frames = latent;
    this.#animate(n);
    this.actions.emit('interpolated', { latent, pixels: blend, frames: n, from: Array.from(codes.subarray(0, L)), to: Array.from(codes.subarray(L)) });
  }

  /** Cycles the latent frames, unless the person asked for reduced motion (then the middle frame stands still). */
  #animate(n: number): void {
    clearInterval(this.#timer);
    const canvas = find<HTMLCanvasElement>(this.#host, 'canvas.animation');
    const frames = this.#frames!;
    const { spec } = this.#dataset;
    const size = pixelsOf(spec);
    if (this.#reducedMotion.matches) {
      drawTiles(canvas, frames.subarray(Math.floor(n / 2) * size, (Math.floor(n / 2) + 1) * size), 1, 1, spec);
      find(this.#host, '.movie-note').textContent = 'animation off (reduced motion)';
      return;
    }
    let f = 0;
    this.#timer = window.setInterval(() => {
      const k = f < n ? f : 2 * n - 2 - f; // there and back
      drawTiles(canvas, frames.subarray(k * size, (k + 1) * size), 1, 1, spec);
      f = (f + 1) % (2 * n - 2);
    }, FRAME_MS);
  }
}
