// Interpolate: pick two test digits; the decoded path between their codes as a strip of frames and an animation,
// and beneath it the same number of frames blended in pixel space, so the difference is there to see.
import { oneOfEachDigit, type TestDigits } from './test-digits.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';

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

  constructor(private readonly actions: Pick<PlaygroundActions, 'request' | 'decodeNow' | 'emit'>) {}

  mount(host: HTMLElement): void {
    this.#host = host;
    host.innerHTML = `<div class="panel interpolate" part="interpolate"><h2>Interpolate</h2>
      <div class="controls"><span class="hint">Pick two digits:</span><span class="thumbs" role="group" aria-label="Test digits to interpolate between"></span>
        <label>Frames <input type="number" class="frames" min="8" max="16" step="1" value="10"></label></div>
      <div class="strips">
        <figure><canvas class="latent-strip" width="280" height="28" role="img" aria-label="Decoded path between the two codes"></canvas><figcaption>through the latent space</figcaption></figure>
        <figure><canvas class="pixel-strip" width="280" height="28" role="img" aria-label="The two digits blended in pixel space"></canvas><figcaption>blended pixels</figcaption></figure>
        <figure class="movie"><canvas class="animation" role="img" aria-label="The latent path as an animation"></canvas><figcaption class="movie-note">animation</figcaption></figure>
      </div></div>`;
    this.#listeners.on(find(host, '.frames'), 'change', () => this.#interpolate());
  }

  update(state: Readonly<PlaygroundState>): void {
    const first = this.#testSize === 0 && state.ready;
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
      this.#digits = await oneOfEachDigit(this.actions.request, this.#testSize);
    } catch {
      return; // reported through the element's error event
    }
    const thumbs = find(this.#host, '.thumbs');
    thumbs.innerHTML = Array.from({ length: 10 }, (_, d) =>
      `<button class="thumb" data-index="${d}" aria-pressed="false" aria-label="test digit ${this.#digits!.labels[d]}"><canvas></canvas></button>`).join('');
    thumbs.querySelectorAll<HTMLButtonElement>('button').forEach((button) => {
      const d = Number(button.dataset.index);
      drawTiles(button.querySelector('canvas')!, this.#digits!.pixels.subarray(d * 784, (d + 1) * 784), 1);
      this.#listeners.on(button, 'click', () => this.#pick(d));
    });
    this.#pick(1);
    this.#pick(7);
  }

  #pick(index: number): void {
    this.#picked = [...this.#picked.filter((i) => i !== index), index].slice(-2);
    find(this.#host, '.thumbs').querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(this.#picked.includes(Number(b.dataset.index)))));
    if (this.#picked.length === 2) void this.#encodePicked();
  }

  async #encodePicked(): Promise<void> {
    const digits = this.#digits;
    if (!digits) return;
    const pixels = new Float32Array(2 * 784);
    this.#picked.forEach((d, k) => pixels.set(digits.pixels.subarray(d * 784, (d + 1) * 784), k * 784));
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
    const [a, b] = this.#picked.map((d) => digits.pixels.subarray(d * 784, (d + 1) * 784));
    const latent = new Float32Array(n * 784);
    const blend = new Float32Array(n * 784);
    for (let f = 0; f < n; f++) {
      const t = f / (n - 1);
      const z = Array.from({ length: L }, (_, i) => (1 - t) * codes[i] + t * codes[L + i]);
      latent.set(this.actions.decodeNow(z) ?? new Float32Array(784), f * 784);
      for (let p = 0; p < 784; p++) blend[f * 784 + p] = (1 - t) * a[p] + t * b[p];
    }
    drawTiles(find(this.#host, 'canvas.latent-strip'), latent, n, 1);
    drawTiles(find(this.#host, 'canvas.pixel-strip'), blend, n, 1);
    this.#frames = latent;
    this.#animate(n);
    this.actions.emit('interpolated', { latent, pixels: blend, frames: n, from: Array.from(codes.subarray(0, L)), to: Array.from(codes.subarray(L)) });
  }

  /** Cycles the latent frames, unless the person asked for reduced motion (then the middle frame stands still). */
  #animate(n: number): void {
    clearInterval(this.#timer);
    const canvas = find<HTMLCanvasElement>(this.#host, 'canvas.animation');
    const frames = this.#frames!;
    if (this.#reducedMotion.matches) {
      drawTiles(canvas, frames.subarray(Math.floor(n / 2) * 784, (Math.floor(n / 2) + 1) * 784), 1);
      find(this.#host, '.movie-note').textContent = 'animation off (reduced motion)';
      return;
    }
    let f = 0;
    this.#timer = window.setInterval(() => {
      const k = f < n ? f : 2 * n - 2 - f; // there and back
      drawTiles(canvas, frames.subarray(k * 784, (k + 1) * 784), 1);
      f = (f + 1) % (2 * n - 2);
    }, FRAME_MS);
  }
}
