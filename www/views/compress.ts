// Compress: an image (784 bytes for a 28 × 28 digit) becomes L numbers — its code. Shown: the ratio, the
// reconstruction from the code in f32 and quantised to 16 bits, and the same for PCA with L components fitted on the
// training images; and per class over the test split, which of the two codes loses less.
import { className, pixelsOf, type Dataset } from '../datasets.js';
import { meanSquaredError } from '../metrics.js';
import { randomTestDigits } from './test-digits.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { DEFAULT_DATASET, WordsShown, applyWords } from './words.js';

/** 16-bit codes cover z in [−RANGE, RANGE]: beyond it the prior has almost no mass. */
const RANGE = 8;

export class CompressView implements View {
  #listeners = new Listeners();
  #host!: HTMLElement;
  #testSize = 0;
  #latent = 2;
  #pixels: Float32Array | null = null;
  #seenDecoder = -1;
  #dataset: Dataset = DEFAULT_DATASET;
  readonly #words = new WordsShown();

  constructor(private readonly actions: Pick<PlaygroundActions, 'request' | 'decodeNow'>) {}

  mount(host: HTMLElement): void {
    this.#host = host;
    host.innerHTML = `<div class="panel compress" part="compress"><h2>Compress</h2>
      <div class="controls"><button data-action="another" data-words="Another test {item}"></button>
        <button data-action="stats">Compare over the test split</button></div>
      <div class="tiles">
        <figure><canvas class="original" role="img" data-words-label="The original {item}"></canvas><figcaption data-words="{pixels} bytes"></figcaption></figure>
        <figure><canvas class="vae" role="img" aria-label="Reconstruction from the VAE code in f32"></canvas><figcaption class="vae-note">VAE</figcaption></figure>
        <figure><canvas class="vae16" role="img" aria-label="Reconstruction from the VAE code quantised to 16 bits"></canvas><figcaption class="vae16-note">VAE, 16-bit</figcaption></figure>
        <figure><canvas class="pca" role="img" aria-label="Reconstruction from PCA with as many components"></canvas><figcaption class="pca-note">PCA</figcaption></figure>
      </div>
      <p class="result" aria-live="polite"></p>
      <table class="stats" hidden><caption>Mean squared error per class over the test split (lower is better; the better code in bold)</caption>
        <thead><tr></tr></thead><tbody></tbody></table></div>`;
    applyWords(host, this.#dataset);
    this.#listeners.on(find(host, '[data-action="another"]'), 'click', () => void this.#another());
    this.#listeners.on(find(host, '[data-action="stats"]'), 'click', () => void this.#stats());
  }

  update(state: Readonly<PlaygroundState>): void {
    const changed = this.#words.changed(state.dataset);
    if (changed) {
      this.#dataset = state.dataset;
      applyWords(this.#host, state.dataset);
      find<HTMLElement>(this.#host, 'table.stats').hidden = true; // measured on another dataset
    }
    const first = (this.#testSize === 0 && state.ready) || (changed && this.#pixels && state.ready);
    this.#testSize = state.ready?.testSize ?? 0;
    this.#latent = state.z.length;
    // The element updates this view only once it is on screen, so PCA (fitted on first use, about a second of the
    // worker's time) is fitted only for a person who scrolled here.
    if (first) void this.#another();
    else if (this.#pixels && state.decoderVersion !== this.#seenDecoder && !state.running) {
      this.#show(this.#pixels).catch(() => {
        // reported through the element's error event (or already said: a worker being restarted)
      });
    }
    this.#seenDecoder = state.decoderVersion;
  }

  dispose(): void {
    this.#listeners.dispose();
  }

  async #another(): Promise<void> {
    try {
      const { pixels } = await randomTestDigits(this.actions.request, 1, this.#testSize);
      await this.#show(pixels);
    } catch {
      // reported through the element's error event
    }
  }

  async #show(pixels: Float32Array): Promise<void> {
    this.#pixels = pixels;
    const reply = await this.actions.request({ kind: 'compress', pixels });
    const quantised = Array.from(reply.z, (v) => {
      const q = Math.round(((Math.max(-RANGE, Math.min(RANGE, v)) + RANGE) / (2 * RANGE)) * 65535);
      return (q / 65535) * 2 * RANGE - RANGE;
    });
    const size = pixelsOf(this.#dataset.spec);
    const vae16 = this.actions.decodeNow(quantised) ?? new Float32Array(size);
    const L = this.#latent;
    const mse = (a: Float32Array) => meanSquaredError(a, pixels, undefined, 0, size);
    const errors = { vae: mse(reply.vae), vae16: mse(vae16), pca: mse(reply.pca) };
    this.#draw('original', pixels);
    this.#draw('vae', reply.vae);
    this.#draw('vae16', vae16);
    this.#draw('pca', reply.pca);
    find(this.#host, '.vae-note').textContent = `VAE: ${4 * L} bytes (×${(size / (4 * L)).toFixed(0)}) · MSE ${errors.vae.toFixed(4)}`;
    find(this.#host, '.vae16-note').textContent = `16-bit: ${2 * L} bytes (×${(size / (2 * L)).toFixed(0)}) · MSE ${errors.vae16.toFixed(4)}`;
    find(this.#host, '.pca-note').textContent = `PCA, ${L} components: ${4 * L} bytes · MSE ${errors.pca.toFixed(4)}`;
    const winner = errors.vae < errors.pca ? 'the VAE' : 'PCA';
    find(this.#host, '.result').textContent =
      `${L} numbers instead of ${size}: for this ${this.#dataset.item} ${winner} loses less. PCA's ${L} components hold ${(reply.explained * 100).toFixed(1)} % of the training ${this.#dataset.items}' variance.`;
  }

  async #stats(): Promise<void> {
    try {
      const { vae, pca, counts } = await this.actions.request({ kind: 'compressStats' });
      const dataset = this.#dataset;
      // An unlabelled set is one class ("all"); otherwise the classes present in the test split.
      const shown = Array.from(counts.keys()).filter((d) => counts[d] > 0);
      const cell = (a: number, b: number) => (a < b ? `<td><strong>${a.toFixed(4)}</strong></td>` : `<td>${a.toFixed(4)}</td>`);
      const row = (name: string, a: Float32Array, b: Float32Array) =>
        `<tr><th scope="row">${name}</th>${shown.map((d) => cell(a[d], b[d])).join('')}</tr>`;
      const table = find<HTMLTableElement>(this.#host, 'table.stats');
      const head = table.tHead!.rows[0];
      head.replaceChildren(...[dataset.labelled ? 'class' : '', ...shown.map((d) => (dataset.labelled ? className(dataset, d) : 'all'))].map((text) => {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = text; // class names may be a person's folder names: text, never HTML
        return th;
      }));
      table.tBodies[0].innerHTML = row('VAE', vae, pca) + row('PCA', pca, vae);
      table.hidden = false;
    } catch {
      // reported through the element's error event
    }
  }

  #draw(name: string, pixels: ArrayLike<number>): void {
    drawTiles(find<HTMLCanvasElement>(this.#host, `canvas.${name}`), pixels, 1, 1, this.#dataset.spec);
  }
}
