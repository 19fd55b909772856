// Generate: the manifold — an N × N grid of images (digits, garments…) decoded over the latent square at Gaussian quantiles, redrawn
// as training runs — and a grid of random samples from the prior. Clicking a cell (or choosing it with the arrow
// keys and Enter) moves the latent point there. With more than two latent dimensions, the person picks the two
// the grid spans; the others stay at 0.
import { cssVar } from '../canvas.js';
import { MNIST_SPEC, type ImageSpec } from '../datasets.js';
import { drawTiles, lastTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { DEFAULT_DATASET, WordsShown, applyWords } from './words.js';

const MIN_N = 8;
const MAX_N = 30;
const DEFAULT_N = 20;
const SAMPLES_SIDE = 8;
/** However fast snapshots arrive, the manifold is asked for at most this often. */
const REFRESH_MS = 1000;

export interface GenerateActions extends Pick<PlaygroundActions, 'moveTo'> {
  manifold(n: number, x: number, y: number): Promise<{ pixels: Float32Array; z: Float32Array }>;
  sample(n: number, seed: number): Promise<Float32Array>;
}

export class GenerateView implements View {
  #listeners = new Listeners();
  #grid!: HTMLCanvasElement;
  #samples!: HTMLCanvasElement;
  #size!: HTMLInputElement;
  #dims!: HTMLElement;
  #n = DEFAULT_N;
  #plane: [number, number] = [0, 1];
  #latent = 2;
  #cellZ: Float32Array | null = null;
  #cellsDrawn = 0;
  #focusCell = 0;
  #pending = false;
  #lastAsked = 0;
  #seenDecoder = -1;
  #stale = true;
  /** The one timer for a refresh that had to wait (updates arrive every frame; they must not each add a timer). */
  #waiting = 0;
  #ready = false;
  /** The samples' seed: the same digits are redrawn as the decoder learns, until "New samples" draws others. */
  #sampleSeed = 1;
  /** Whether a cell has been chosen (by click or key): only then is it outlined. */
  #picked = false;
  #spec: ImageSpec = MNIST_SPEC;
  readonly #words = new WordsShown();
  #panel!: HTMLElement;

  constructor(private readonly actions: GenerateActions) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="panel generate" part="generate"><h2>Generate</h2>
      <div class="generate-body">
        <figure><canvas class="manifold" tabindex="0" role="grid" data-words-label="Manifold: {items} decoded over the latent square. Arrow keys choose a cell, Enter moves the latent point there."></canvas>
          <figcaption><label>Grid <input type="number" class="grid-size" min="${MIN_N}" max="${MAX_N}" step="1" value="${DEFAULT_N}"></label>
          <span class="dims"></span> <span class="cell-note" aria-live="polite"></span></figcaption></figure>
        <figure><canvas class="samples" role="img" data-words-label="Random samples: {items} decoded from z drawn from N(0, I)"></canvas>
          <figcaption><button data-action="new-samples">New samples</button></figcaption></figure>
      </div></div>`;
    this.#panel = find(host, '.panel');
    applyWords(this.#panel, DEFAULT_DATASET);
    this.#grid = find(host, 'canvas.manifold');
    this.#samples = find(host, 'canvas.samples');
    this.#size = find(host, '.grid-size');
    this.#dims = find(host, '.dims');
    this.#listeners.on(this.#size, 'change', () => {
      const n = Math.round(Number(this.#size.value));
      this.#n = Number.isFinite(n) ? Math.min(MAX_N, Math.max(MIN_N, n)) : DEFAULT_N;
      this.#size.value = String(this.#n);
      this.#refresh(true);
    });
    this.#listeners.on(this.#grid, 'click', (event) => {
      const rect = this.#grid.getBoundingClientRect();
      const col = Math.floor(((event.clientX - rect.left) / rect.width) * this.#cellsDrawn);
      const row = Math.floor(((event.clientY - rect.top) / rect.height) * this.#cellsDrawn);
      this.#pick(row * this.#cellsDrawn + col);
    });
    this.#listeners.on(this.#grid, 'keydown', (event) => {
      const n = this.#cellsDrawn;
      if (n === 0) return;
      const moves: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -n, ArrowDown: n };
      this.#picked = true;
      if (event.key in moves) {
        this.#focusCell = Math.min(n * n - 1, Math.max(0, this.#focusCell + moves[event.key]));
        this.#drawFocus();
      } else if (event.key === 'Enter' || event.key === ' ') {
        this.#pick(this.#focusCell);
      } else {
        return;
      }
      event.preventDefault();
    });
    this.#listeners.on(find(host, '[data-action="new-samples"]'), 'click', () => {
      this.#sampleSeed++;
      void this.#drawSamples();
    });
  }

  update(state: Readonly<PlaygroundState>): void {
    this.#ready = state.ready !== null;
    if (this.#words.changed(state.dataset)) {
      applyWords(this.#panel, state.dataset);
      this.#spec = state.dataset.spec;
    }
    if (state.z.length !== this.#latent) {
      this.#latent = state.z.length;
      this.#plane = [0, Math.min(1, this.#latent - 1)];
      this.#buildDimPickers();
      this.#stale = true;
    }
    if (state.decoderVersion !== this.#seenDecoder) {
      this.#seenDecoder = state.decoderVersion;
      this.#stale = true;
    }
    if (this.#ready && this.#stale) this.#refresh(false);
  }

  dispose(): void {
    this.#listeners.dispose();
    clearTimeout(this.#waiting);
    this.#waiting = 0;
    this.#ready = false;
  }

  /** Asks for the manifold unless one is on its way or was asked for within REFRESH_MS (unless `now`). */
  #refresh(now: boolean): void {
    const since = performance.now() - this.#lastAsked;
    if (this.#pending || (!now && since < REFRESH_MS)) {
      if (!this.#pending && !this.#waiting) {
        this.#waiting = window.setTimeout(() => {
          this.#waiting = 0;
          if (this.#ready && this.#stale) this.#refresh(false);
        }, REFRESH_MS - since);
      }
      return;
    }
    this.#pending = true;
    this.#stale = false;
    this.#lastAsked = performance.now();
    const n = this.#n;
    this.actions.manifold(n, this.#plane[0], this.#plane[1]).then(({ pixels, z }) => {
      this.#cellZ = z;
      this.#cellsDrawn = n;
      this.#focusCell = Math.min(this.#focusCell, n * n - 1);
      drawTiles(this.#grid, pixels, n, n, this.#spec);
      this.#drawFocus();
      return this.#drawSamples();
    }).catch(() => undefined /* reported through the element's error event */).finally(() => {
      this.#pending = false;
    });
  }

  async #drawSamples(): Promise<void> {
    if (!this.#ready) return;
    try {
      drawTiles(this.#samples, await this.actions.sample(SAMPLES_SIDE * SAMPLES_SIDE, this.#sampleSeed), SAMPLES_SIDE, SAMPLES_SIDE, this.#spec);
    } catch {
      // reported through the element's error event
    }
  }

  #pick(cell: number): void {
    const z = this.#cellZ;
    if (!z || cell < 0 || cell >= this.#cellsDrawn ** 2) return;
    this.#focusCell = cell;
    this.#picked = true;
    this.#drawFocus();
    this.actions.moveTo(Array.from(z.subarray(cell * this.#latent, (cell + 1) * this.#latent)));
  }

  /** The chosen cell: an outline on the grid and its coordinates in words. */
  #drawFocus(): void {
    const n = this.#cellsDrawn;
    const z = this.#cellZ;
    if (!n || !z) return;
    const ctx = this.#grid.getContext('2d')!;
    const row = Math.floor(this.#focusCell / n);
    const col = this.#focusCell % n;
    const tiles = lastTiles(this.#grid);
    if (tiles) ctx.putImageData(tiles, 0, 0);
    if (!this.#picked) return;
    ctx.strokeStyle = cssVar(this.#grid, '--vae-accent', '#c2410c');
    ctx.lineWidth = 2;
    const { width, height } = this.#spec;
    ctx.strokeRect(col * width + 1, row * height + 1, width - 2, height - 2);
    const cz = Array.from(z.subarray(this.#focusCell * this.#latent, (this.#focusCell + 1) * this.#latent));
    find(this.#grid.parentElement!, '.cell-note').textContent = `cell ${row + 1}, ${col + 1}: z = (${cz.map((v) => v.toFixed(2)).join(', ')})`;
  }

  #buildDimPickers(): void {
    this.#dims.innerHTML = '';
    if (this.#latent <= 2) return;
    const options = Array.from({ length: this.#latent }, (_, i) => `<option value="${i}">z${i}</option>`).join('');
    this.#dims.innerHTML = `<label>across <select data-axis="0">${options}</select></label>
      <label>up <select data-axis="1">${options}</select></label>`;
    this.#dims.querySelectorAll('select').forEach((select) => {
      const axis = Number(select.dataset.axis) as 0 | 1;
      select.value = String(this.#plane[axis]);
      this.#listeners.on(select, 'change', () => {
        this.#plane[axis] = Number(select.value);
        this.#refresh(true);
      });
    });
  }
}
