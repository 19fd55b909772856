// Recover: damage a test image (or the drawing) — erase with a brush, a preset mask, or Gaussian noise — and recover
// it by iterating encode → decode with the known pixels held fixed, step by step. Shown: original, damaged,
// recovered, and the difference; the error on the damaged pixels against filling them with the mean image.
import { MNIST_SPEC, pixelsOf, type Dataset, type ImageSpec } from '../datasets.js';
import { meanSquaredError } from '../metrics.js';
import { randomTestDigits } from './test-digits.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { DEFAULT_DATASET, WordsShown, applyWords } from './words.js';

/** Which pixels each preset leaves missing, pixel i of an image of `spec`'s size. */
const MASKS: Record<string, (i: number, spec: ImageSpec) => boolean> = {
  bottom: (i, { width, height }) => Math.floor(i / width) >= height / 2,
  top: (i, { width, height }) => Math.floor(i / width) < height / 2,
  left: (i, { width }) => i % width < width / 2,
  right: (i, { width }) => i % width >= width / 2,
  random: (i) => hash(i) % 2 === 0,
};
const ERASER = 3;

export class RecoverView implements View {
  #listeners = new Listeners();
  #host!: HTMLElement;
  #original: Float32Array | null = null;
  #spec: ImageSpec = MNIST_SPEC;
  #dataset: Dataset = DEFAULT_DATASET;
  readonly #words = new WordsShown();
  #mask = new Float32Array(pixelsOf(MNIST_SPEC));
  #noise: Float32Array | null = null;
  #steps: Float32Array | null = null;
  #mean: Float32Array | null = null;
  #testSize = 0;
  #drawing: Float32Array | null = null;
  #erasing = false;

  constructor(private readonly actions: Pick<PlaygroundActions, 'request' | 'emit'>) {}

  mount(host: HTMLElement): void {
    this.#host = host;
    host.innerHTML = `<div class="panel recover" part="recover"><h2>Recover</h2>
      <div class="controls">
        <button data-action="another" data-words="Another test {item}"></button>
        <button data-action="use-drawing" disabled>Use the drawing</button>
        <label>Damage <select class="damage">
          <option value="bottom">bottom half missing</option><option value="top">top half missing</option>
          <option value="left">left half missing</option><option value="right">right half missing</option>
          <option value="random">random 50 % missing</option><option value="noise">Gaussian noise</option>
          <option value="none">none (erase with the pointer)</option></select></label>
        <label class="sigma" hidden>σ <input type="range" class="noise" min="0.1" max="1" step="0.05" value="0.4"></label>
        <label>Iterations <input type="number" class="iterations" min="1" max="50" step="1" value="10"></label>
        <button class="primary" data-action="recover">Recover</button>
      </div>
      <div class="tiles">
        <figure><canvas class="original" role="img" data-words-label="The original {item}"></canvas><figcaption>original</figcaption></figure>
        <figure><canvas class="damaged" tabindex="0" role="img" data-words-label="The damaged {item}; drag on it to erase more"></canvas><figcaption>damaged (drag to erase)</figcaption></figure>
        <figure><canvas class="recovered" role="img" data-words-label="The recovered {item}"></canvas><figcaption>recovered <input type="range" class="step" min="1" max="10" value="10" aria-label="Recovery step"></figcaption></figure>
        <figure><canvas class="difference" role="img" aria-label="Difference between recovered and original"></canvas><figcaption>difference</figcaption></figure>
      </div>
      <p class="result" aria-live="polite" data-words="Pick {an item}, damage it, and press Recover."></p></div>`;
    applyWords(host, this.#dataset);
    const on = this.#listeners.on.bind(this.#listeners);
    on(find(host, '[data-action="another"]'), 'click', () => void this.#another());
    on(find(host, '[data-action="use-drawing"]'), 'click', () => this.#drawing && this.#start(this.#drawing));
    on(find(host, '.damage'), 'change', () => this.#damage());
    on(find(host, '.noise'), 'input', () => this.#damage());
    on(find(host, '[data-action="recover"]'), 'click', () => void this.#recover());
    on(find(host, '.step'), 'input', () => this.#showStep());
    const damaged = find<HTMLCanvasElement>(host, 'canvas.damaged');
    on(damaged, 'pointerdown', (event) => {
      this.#erasing = true;
      damaged.setPointerCapture(event.pointerId);
      this.#erase(event);
    });
    on(damaged, 'pointermove', (event) => this.#erasing && this.#erase(event));
    on(damaged, 'pointerup', () => (this.#erasing = false));
  }

  update(state: Readonly<PlaygroundState>): void {
    const changed = this.#words.changed(state.dataset);
    if (changed) {
      this.#dataset = state.dataset;
      this.#spec = state.dataset.spec;
      applyWords(this.#host, state.dataset);
    }
    this.#drawing = state.drawing;
    find<HTMLButtonElement>(this.#host, '[data-action="use-drawing"]').disabled = !state.drawing;
    const first = this.#testSize === 0 && state.ready;
    this.#testSize = state.ready?.testSize ?? 0;
    // A new dataset: a test image of it (the one shown is the old dataset's).
    if (first || (changed && this.#original && state.ready)) void this.#another();
  }

  dispose(): void {
    this.#listeners.dispose();
  }

  async #another(): Promise<void> {
    try {
      const { pixels } = await randomTestDigits(this.actions.request, 1, this.#testSize);
      this.#start(pixels);
    } catch {
      // reported through the element's error event
    }
  }

  #start(pixels: Float32Array): void {
    this.#original = Float32Array.from(pixels);
    this.#steps = null;
    this.#draw('original', this.#original);
    this.#damage();
  }

  /** Applies the chosen damage to the original: a mask of missing pixels, or noise on every pixel. */
  #damage(): void {
    const kind = find<HTMLSelectElement>(this.#host, '.damage').value;
    find<HTMLElement>(this.#host, '.sigma').hidden = kind !== 'noise';
    this.#noise = null;
    if (kind === 'noise') {
      const sigma = Number(find<HTMLInputElement>(this.#host, '.noise').value);
      this.#mask = new Float32Array(pixelsOf(this.#spec)).fill(1);
      this.#noise = Float32Array.from(this.#mask, (_, i) => sigma * gaussian(i));
    } else {
      const missing = MASKS[kind];
      this.#mask = Float32Array.from({ length: pixelsOf(this.#spec) }, (_, i) => (missing?.(i, this.#spec) ? 1 : 0));
    }
    this.#steps = null;
    this.#showDamaged();
  }

  #damaged(): Float32Array {
    const original = this.#original ?? new Float32Array(pixelsOf(this.#spec));
    return Float32Array.from(original, (v, i) => (this.#noise ? clamp(v + this.#noise[i]) : this.#mask[i] ? 0 : v));
  }

  #showDamaged(): void {
    this.#draw('damaged', this.#damaged());
    this.#draw('recovered', new Float32Array(0));
    this.#draw('difference', new Float32Array(0));
  }

  #erase(event: PointerEvent): void {
    if (this.#noise) return; // erasing applies to masks
    const canvas = find<HTMLCanvasElement>(this.#host, 'canvas.damaged');
    const rect = canvas.getBoundingClientRect();
    const { width, height } = this.#spec;
    const cx = Math.floor(((event.clientX - rect.left) / rect.width) * width);
    const cy = Math.floor(((event.clientY - rect.top) / rect.height) * height);
    for (let y = cy - ERASER + 1; y < cy + ERASER; y++) {
      for (let x = cx - ERASER + 1; x < cx + ERASER; x++) if (x >= 0 && x < width && y >= 0 && y < height) this.#mask[y * width + x] = 1;
    }
    this.#steps = null;
    this.#showDamaged();
  }

  async #recover(): Promise<void> {
    if (!this.#original) await this.#another();
    if (!this.#original) return;
    const input = find<HTMLInputElement>(this.#host, '.iterations');
    const iterations = Math.min(50, Math.max(1, Math.round(Number(input.value)) || 10));
    input.value = String(iterations);
    try {
      const reply = await this.actions.request({
        kind: 'recover', pixels: this.#damaged(), mask: Float32Array.from(this.#mask), iterations, fromGiven: this.#noise !== null,
      });
      this.#steps = reply.steps;
      this.#mean = reply.mean;
      const slider = find<HTMLInputElement>(this.#host, '.step');
      slider.max = String(iterations);
      slider.value = String(iterations);
      this.#showStep();
    } catch {
      // reported through the element's error event
    }
  }

  /** The chosen step: the recovered image, its difference from the original, and the errors in words. */
  #showStep(): void {
    const steps = this.#steps;
    const original = this.#original;
    if (!steps || !original || !this.#mean) return;
    const k = Number(find<HTMLInputElement>(this.#host, '.step').value);
    const size = pixelsOf(this.#spec);
    const recovered = steps.subarray((k - 1) * size, k * size);
    this.#draw('recovered', recovered);
    this.#draw('difference', Float32Array.from(recovered, (v, i) => Math.abs(v - original[i])));
    const error = meanSquaredError(recovered, original, this.#mask, 0, size);
    const baseline = meanSquaredError(this.#mean, original, this.#mask, 0, size);
    const better = error < baseline ? 'better than' : 'no better than';
    find(this.#host, '.result').textContent =
      `Step ${k}: error on the damaged pixels ${error.toFixed(4)} (mean squared) — ${better} filling them with the mean ${this.#dataset.item} (${baseline.toFixed(4)}).`;
    this.actions.emit('recovered', { pixels: Float32Array.from(recovered), step: k, error, baselineError: baseline });
  }

  #draw(name: string, pixels: ArrayLike<number>): void {
    drawTiles(find<HTMLCanvasElement>(this.#host, `canvas.${name}`), pixels, 1, 1, this.#spec);
  }
}

function clamp(v: number): number {
  return Math.max(0, Math.min(1, v));
}

/** A fixed pseudo-random pattern (the same "random 50 %" each time, so two runs compare). */
function hash(i: number): number {
  let h = (i + 1) * 2654435761;
  h ^= h >>> 13;
  return Math.abs(Math.imul(h, 1274126177) >>> 7);
}

/** A standard normal draw per pixel, from the fixed pattern (Box–Muller). */
function gaussian(i: number): number {
  const u = ((hash(2 * i) % 100_000) + 0.5) / 100_000;
  const v = ((hash(2 * i + 1) % 100_000) + 0.5) / 100_000;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
