// Judge: how good is the model? Test reconstruction, KL and −ELBO per epoch; for generated samples, the nearest
// training digit beside each (new digits, or copies?); and digit coverage — a classifier trained on the labels names
// every manifold cell, giving the share of the latent square that decodes to each digit and the digits it cannot make.
import { DIGIT_COLORS } from '../colors.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';

const SAMPLES = 8;
const COVERAGE_N = 20;

export class JudgeView implements View {
  #listeners = new Listeners();
  #host!: HTMLElement;
  #epochsShown = -1;
  #sampleSeed = 1000;

  constructor(private readonly actions: Pick<PlaygroundActions, 'request'> & { sample(n: number, seed: number): Promise<Float32Array> }) {}

  mount(host: HTMLElement): void {
    this.#host = host;
    host.innerHTML = `<div class="panel judge" part="judge"><h2>Judge</h2>
      <table class="epochs"><caption>Test set, nats per image (per epoch, latest five)</caption>
        <thead><tr><th scope="col">epoch</th><th scope="col">−ELBO</th><th scope="col">recon</th><th scope="col">KL</th></tr></thead><tbody></tbody></table>
      <div class="controls"><button data-action="nearest">Samples vs nearest training digits</button>
        <button data-action="coverage">Measure digit coverage</button></div>
      <figure class="nearest" hidden><canvas class="samples" role="img" aria-label="Generated samples"></canvas>
        <canvas class="neighbours" role="img" aria-label="The nearest training digit to each sample"></canvas>
        <figcaption class="nearest-note"></figcaption></figure>
      <figure class="coverage" hidden><canvas class="coverage-grid" role="img" aria-label="Each manifold cell labelled by the classifier"></canvas>
        <figcaption><ol class="shares" aria-label="Share of the latent square per digit"></ol><p class="coverage-note" aria-live="polite"></p></figcaption></figure>
    </div>`;
    this.#listeners.on(find(host, '[data-action="nearest"]'), 'click', () => void this.#nearest());
    this.#listeners.on(find(host, '[data-action="coverage"]'), 'click', () => void this.#coverage());
  }

  update(state: Readonly<PlaygroundState>): void {
    const epochs = state.history.epochs;
    if (epochs.length === this.#epochsShown) return;
    this.#epochsShown = epochs.length;
    find(this.#host, 'table.epochs tbody').innerHTML = epochs.slice(-5).map((e, i, shown) =>
      `<tr><td>${epochs.length - shown.length + i + 1}</td><td>${e.testElbo.toFixed(1)}</td><td>${(e.testElbo - e.kl).toFixed(1)}</td><td>${e.kl.toFixed(2)}</td></tr>`).join('')
      || '<tr><td colspan="4">after the first epoch</td></tr>';
  }

  dispose(): void {
    this.#listeners.dispose();
  }

  async #nearest(): Promise<void> {
    try {
      const samples = await this.actions.sample(SAMPLES, this.#sampleSeed++);
      const { pixels, distances } = await this.actions.request({ kind: 'nearest', pixels: samples });
      drawTiles(find(this.#host, 'canvas.samples'), samples, SAMPLES, 1);
      drawTiles(find(this.#host, 'canvas.neighbours'), pixels, SAMPLES, 1);
      const mean = distances.reduce((a, b) => a + b, 0) / distances.length;
      find(this.#host, '.nearest-note').textContent =
        `Top: ${SAMPLES} samples from the prior. Beneath: the nearest of the training digits to each (distance ${Array.from(distances, (d) => d.toFixed(1)).join(', ')}; mean ${mean.toFixed(1)}). Far from every training digit means new, not copied.`;
      find<HTMLElement>(this.#host, 'figure.nearest').hidden = false;
    } catch {
      // reported through the element's error event
    }
  }

  async #coverage(): Promise<void> {
    const note = find(this.#host, '.coverage-note');
    note.textContent = 'Training the classifier in the worker (first time only), then labelling the manifold…';
    find<HTMLElement>(this.#host, 'figure.coverage').hidden = false;
    try {
      const { digits, shares, accuracy } = await this.actions.request({ kind: 'coverage', n: COVERAGE_N });
      drawCoverage(find(this.#host, 'canvas.coverage-grid'), digits, COVERAGE_N);
      const list = find(this.#host, '.shares');
      list.innerHTML = Array.from(shares, (share, d) =>
        `<li><span class="swatch">${d}</span><span class="bar"></span>${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)} %</li>`).join('');
      // Colours and widths through the CSSOM, not style="" attributes: a strict CSP refuses inline style attributes.
      list.querySelectorAll('li').forEach((li, d) => {
        find<HTMLElement>(li, '.swatch').style.setProperty('--c', DIGIT_COLORS[d]);
        find<HTMLElement>(li, '.bar').style.setProperty('--w', `${(shares[d] * 100).toFixed(1)}%`);
      });
      const missing = Array.from(shares).flatMap((s, d) => (s === 0 ? [d] : []));
      note.textContent = `Classifier test accuracy ${(accuracy * 100).toFixed(1)} %. ` +
        (missing.length ? `Digits the model cannot make anywhere on the ${COVERAGE_N} × ${COVERAGE_N} grid: ${missing.join(', ')}.` : 'Every digit appears somewhere on the grid.');
    } catch {
      note.textContent = 'Coverage could not be measured (see the message above).';
    }
  }
}

/** Each cell coloured by its digit, with the digit written in it (colour is not the only carrier). */
function drawCoverage(canvas: HTMLCanvasElement, digits: Uint8Array, n: number): void {
  const cell = 18;
  canvas.width = canvas.height = n * cell;
  const ctx = canvas.getContext('2d')!;
  ctx.font = `bold ${cell - 6}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  digits.forEach((d, i) => {
    const x = (i % n) * cell;
    const y = Math.floor(i / n) * cell;
    ctx.fillStyle = DIGIT_COLORS[d];
    ctx.fillRect(x, y, cell, cell);
    ctx.fillStyle = '#111';
    ctx.fillText(String(d), x + cell / 2, y + cell / 2 + 1);
  });
}
