// Judge: how good is the model? Test reconstruction, KL and −ELBO per epoch; for generated samples, the nearest
// training image beside each (new images, or copies? with own images mixed in, which neighbours are the person's);
// and coverage — a classifier trained on the labels names every manifold cell, giving the share of the latent square
// that decodes to each class and the classes it cannot make. Coverage needs a labelled set the classifier can learn:
// otherwise it is hidden, with a sentence why.
import { classColor } from '../colors.js';
import { CLASSIFIER_CLASSES, className, hasClassifier, type Dataset } from '../datasets.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { DEFAULT_DATASET, WordsShown, applyWords } from './words.js';

const SAMPLES = 8;
const COVERAGE_N = 20;

export class JudgeView implements View {
  #listeners = new Listeners();
  #host!: HTMLElement;
  #epochsShown = -1;
  #sampleSeed = 1000;
  #dataset: Dataset = DEFAULT_DATASET;
  readonly #words = new WordsShown();

  constructor(private readonly actions: Pick<PlaygroundActions, 'request'> & { sample(n: number, seed: number): Promise<Float32Array> }) {}

  mount(host: HTMLElement): void {
    this.#host = host;
    host.innerHTML = `<div class="panel judge" part="judge"><h2>Judge</h2>
      <table class="epochs"><caption>Test set, nats per image (per epoch, latest five)</caption>
        <thead><tr><th scope="col">epoch</th><th scope="col">−ELBO</th><th scope="col">recon</th><th scope="col">KL</th></tr></thead><tbody></tbody></table>
      <div class="controls"><button data-action="nearest" data-words="Samples vs nearest training {items}"></button>
        <button data-action="coverage" data-words="Measure {item} coverage"></button></div>
      <p class="coverage-why" hidden></p>
      <figure class="nearest" hidden><canvas class="samples" role="img" aria-label="Generated samples"></canvas>
        <canvas class="neighbours" role="img" data-words-label="The nearest training {item} to each sample"></canvas>
        <figcaption class="nearest-note"></figcaption></figure>
      <figure class="coverage" hidden><canvas class="coverage-grid" role="img" aria-label="Each manifold cell labelled by the classifier"></canvas>
        <figcaption><ol class="shares" aria-label="Share of the latent square per class"></ol><p class="coverage-note" aria-live="polite"></p></figcaption></figure>
    </div>`;
    applyWords(host, this.#dataset);
    this.#listeners.on(find(host, '[data-action="nearest"]'), 'click', () => void this.#nearest());
    this.#listeners.on(find(host, '[data-action="coverage"]'), 'click', () => void this.#coverage());
  }

  update(state: Readonly<PlaygroundState>): void {
    if (this.#words.changed(state.dataset)) this.#showDataset(state.dataset);
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

  /** The words; coverage offered only where a classifier can learn the labels, else a sentence why not. */
  #showDataset(dataset: Dataset): void {
    this.#dataset = dataset;
    applyWords(this.#host, dataset);
    const why = !dataset.labelled
      ? `Coverage is not measured: these ${dataset.items} have no labels, and coverage needs a classifier trained on labels to name what each part of the latent square draws.`
      : !hasClassifier(dataset)
        ? `Coverage is not measured: these ${dataset.items} have ${dataset.classNames.length} classes, and the classifier that names each part of the latent square tells at most ${CLASSIFIER_CLASSES} apart.`
        : null;
    find<HTMLButtonElement>(this.#host, '[data-action="coverage"]').hidden = why !== null;
    const note = find<HTMLElement>(this.#host, '.coverage-why');
    note.hidden = why === null;
    note.textContent = why ?? '';
    find<HTMLElement>(this.#host, 'figure.coverage').hidden = true; // measured for another dataset
    find<HTMLElement>(this.#host, 'figure.nearest').hidden = true;
  }

  async #nearest(): Promise<void> {
    try {
      const dataset = this.#dataset;
      const samples = await this.actions.sample(SAMPLES, this.#sampleSeed++);
      const { pixels, distances, own } = await this.actions.request({ kind: 'nearest', pixels: samples });
      drawTiles(find(this.#host, 'canvas.samples'), samples, SAMPLES, 1, dataset.spec);
      const neighbours = find<HTMLCanvasElement>(this.#host, 'canvas.neighbours');
      drawTiles(neighbours, pixels, SAMPLES, 1, dataset.spec);
      markOwn(neighbours, own, dataset);
      const mean = distances.reduce((a, b) => a + b, 0) / distances.length;
      const yours = own.reduce((a, b) => a + b, 0);
      const ownNote = dataset.own
        ? yours ? ` ${yours} of the nearest ${yours === 1 ? 'is' : 'are'} yours (outlined): the model draws like your images there.` : ' None of the nearest is one of yours.'
        : '';
      find(this.#host, '.nearest-note').textContent =
        `Top: ${SAMPLES} samples from the prior. Beneath: the nearest of the training ${dataset.items} to each (distance ${Array.from(distances, (d) => d.toFixed(1)).join(', ')}; mean ${mean.toFixed(1)}). Far from every training ${dataset.item} means new, not copied.${ownNote}`;
      neighbours.setAttribute('aria-label', `The nearest training ${dataset.item} to each sample${yours ? `; numbers ${Array.from(own).flatMap((o, i) => (o ? [i + 1] : [])).join(', ')} are yours` : ''}`);
      find<HTMLElement>(this.#host, 'figure.nearest').hidden = false;
    } catch {
      // reported through the element's error event
    }
  }

  async #coverage(): Promise<void> {
    const dataset = this.#dataset;
    const note = find(this.#host, '.coverage-note');
    note.textContent = 'Training the classifier in the worker (first time only), then labelling the manifold…';
    find<HTMLElement>(this.#host, 'figure.coverage').hidden = false;
    try {
      const { digits, shares, accuracy } = await this.actions.request({ kind: 'coverage', n: COVERAGE_N });
      const classes = Math.min(shares.length, dataset.classNames.length || shares.length);
      drawCoverage(find(this.#host, 'canvas.coverage-grid'), digits, COVERAGE_N, classes);
      const list = find(this.#host, '.shares');
      list.innerHTML = Array.from({ length: classes }, (_, d) =>
        `<li><span class="swatch">${d}</span><span class="class-name"></span><span class="bar"></span>${(shares[d] * 100).toFixed(shares[d] > 0 && shares[d] < 0.1 ? 1 : 0)} %</li>`).join('');
      // Colours, widths and names through the CSSOM and textContent: a strict CSP refuses inline style attributes,
      // and class names may be a person's folder names.
      list.querySelectorAll('li').forEach((li, d) => {
        find<HTMLElement>(li, '.swatch').style.setProperty('--c', classColor(d, classes));
        find<HTMLElement>(li, '.bar').style.setProperty('--w', `${(shares[d] * 100).toFixed(1)}%`);
        find<HTMLElement>(li, '.class-name').textContent = dataset.classWords === 'digit' ? '' : className(dataset, d);
      });
      const missing = Array.from(shares.subarray(0, classes)).flatMap((s, d) => (s === 0 ? [className(dataset, d)] : []));
      note.textContent = `Classifier test accuracy ${(accuracy * 100).toFixed(1)} %. ` +
        (missing.length ? `${dataset.items.replace(/^./, (c) => c.toUpperCase())} the model cannot make anywhere on the ${COVERAGE_N} × ${COVERAGE_N} grid: ${missing.join(', ')}.` : `Every ${dataset.item} class appears somewhere on the grid.`);
    } catch {
      note.textContent = 'Coverage could not be measured (see the message above).';
    }
  }
}

/** Neighbours that are the person's own images: outlined in the accent colour. */
function markOwn(canvas: HTMLCanvasElement, own: Uint8Array, dataset: Dataset): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.strokeStyle = '#f28e2b';
  ctx.lineWidth = 2;
  own.forEach((o, i) => o && ctx.strokeRect(i * dataset.spec.width + 1, 1, dataset.spec.width - 2, dataset.spec.height - 2));
}

/** Each cell coloured by its class, with the class number written in it (colour is not the only carrier). */
function drawCoverage(canvas: HTMLCanvasElement, digits: Uint8Array, n: number, classes: number): void {
  const cell = 18;
  canvas.width = canvas.height = n * cell;
  const ctx = canvas.getContext('2d')!;
  ctx.font = `bold ${cell - 6}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  digits.forEach((d, i) => {
    const x = (i % n) * cell;
    const y = Math.floor(i / n) * cell;
    ctx.fillStyle = classColor(d, classes);
    ctx.fillRect(x, y, cell, cell);
    ctx.fillStyle = '#111';
    ctx.fillText(String(d), x + cell / 2, y + cell / 2 + 1);
  });
}
