// Compress: a digit becomes L numbers — its code — instead of 784 bytes. Shown: the ratio, the reconstruction from
// the code in f32 and quantised to 16 bits, and the same for PCA with L components fitted on the training digits;
// and per digit class over the test split, which of the two codes loses less.
import { meanSquaredError } from '../metrics.js';
import { randomTestDigits } from './test-digits.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';

/** 16-bit codes cover z in [−RANGE, RANGE]: beyond it the prior has almost no mass. */
const RANGE = 8;

export class CompressView implements View {
  #listeners = new Listeners();
  #host!: HTMLElement;
  #testSize = 0;
  #latent = 2;
  #pixels: Float32Array | null = null;
  #seenDecoder = -1;

  constructor(private readonly actions: Pick<PlaygroundActions, 'request' | 'decodeNow'>) {}

  mount(host: HTMLElement): void {
    this.#host = host;
    host.innerHTML = `<div class="panel compress" part="compress"><h2>Compress</h2>
      <div class="controls"><button data-action="another">Another test digit</button>
        <button data-action="stats">Compare over the test split</button></div>
      <div class="tiles">
        <figure><canvas class="original" role="img" aria-label="The original digit"></canvas><figcaption>784 bytes</figcaption></figure>
        <figure><canvas class="vae" role="img" aria-label="Reconstruction from the VAE code in f32"></canvas><figcaption class="vae-note">VAE</figcaption></figure>
        <figure><canvas class="vae16" role="img" aria-label="Reconstruction from the VAE code quantised to 16 bits"></canvas><figcaption class="vae16-note">VAE, 16-bit</figcaption></figure>
        <figure><canvas class="pca" role="img" aria-label="Reconstruction from PCA with as many components"></canvas><figcaption class="pca-note">PCA</figcaption></figure>
      </div>
      <p class="result" aria-live="polite"></p>
      <table class="stats" hidden><caption>Mean squared error per digit over the test split (lower is better; the better code in bold)</caption>
        <thead><tr><th scope="col">digit</th>${Array.from({ length: 10 }, (_, d) => `<th scope="col">${d}</th>`).join('')}</tr></thead><tbody></tbody></table></div>`;
    this.#listeners.on(find(host, '[data-action="another"]'), 'click', () => void this.#another());
    this.#listeners.on(find(host, '[data-action="stats"]'), 'click', () => void this.#stats());
  }

  update(state: Readonly<PlaygroundState>): void {
    const first = this.#testSize === 0 && state.ready;
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
    const vae16 = this.actions.decodeNow(quantised) ?? new Float32Array(784);
    const L = this.#latent;
    const errors = { vae: meanSquaredError(reply.vae, pixels), vae16: meanSquaredError(vae16, pixels), pca: meanSquaredError(reply.pca, pixels) };
    this.#draw('original', pixels);
    this.#draw('vae', reply.vae);
    this.#draw('vae16', vae16);
    this.#draw('pca', reply.pca);
    find(this.#host, '.vae-note').textContent = `VAE: ${4 * L} bytes (×${(784 / (4 * L)).toFixed(0)}) · MSE ${errors.vae.toFixed(4)}`;
    find(this.#host, '.vae16-note').textContent = `16-bit: ${2 * L} bytes (×${(784 / (2 * L)).toFixed(0)}) · MSE ${errors.vae16.toFixed(4)}`;
    find(this.#host, '.pca-note').textContent = `PCA, ${L} components: ${4 * L} bytes · MSE ${errors.pca.toFixed(4)}`;
    const winner = errors.vae < errors.pca ? 'the VAE' : 'PCA';
    find(this.#host, '.result').textContent =
      `${L} numbers instead of 784: for this digit ${winner} loses less. PCA's ${L} components hold ${(reply.explained * 100).toFixed(1)} % of the training digits' variance.`;
  }

  async #stats(): Promise<void> {
    try {
      const { vae, pca } = await this.actions.request({ kind: 'compressStats' });
      const cell = (a: number, b: number) => (a < b ? `<td><strong>${a.toFixed(4)}</strong></td>` : `<td>${a.toFixed(4)}</td>`);
      const row = (name: string, a: Float32Array, b: Float32Array) =>
        `<tr><th scope="row">${name}</th>${Array.from(a, (v, d) => cell(v, b[d])).join('')}</tr>`;
      const table = find<HTMLTableElement>(this.#host, 'table.stats');
      table.tBodies[0].innerHTML = row('VAE', vae, pca) + row('PCA', pca, vae);
      table.hidden = false;
    } catch {
      // reported through the element's error event
    }
  }

  #draw(name: string, pixels: ArrayLike<number>): void {
    drawTiles(find<HTMLCanvasElement>(this.#host, `canvas.${name}`), pixels, 1);
  }
}
