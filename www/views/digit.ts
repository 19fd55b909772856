// The decoded image (a digit on MNIST): the dataset's width × height intensities drawn at native size and scaled up by
// CSS (pixelated), the latent point in numbers, and one slider per latent dimension when there is no 2-D panel.
import { classPhrase, hasClassifier } from '../datasets.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { WordsShown, applyWords } from './words.js';

const SLIDER_RANGE = 3;

/** How long the digit must stay the same before the classifier is asked what it looks like (for its text alternative). */
const DESCRIBE_AFTER_MS = 300;

export interface DigitActions extends Pick<PlaygroundActions, 'moveTo'> {
  classify(pixels: Float32Array): Promise<{ digit: number; probabilities: Float32Array }>;
}

export class DigitView implements View {
  #listeners = new Listeners();
  #describeTimer = 0;
  #canvas!: HTMLCanvasElement;
  #zText!: HTMLElement;
  #sliders!: HTMLElement;
  #drawn: Float32Array | null = null;
  #sliderCount = -1;
  readonly #words = new WordsShown();
  #panel!: HTMLElement;

  constructor(private readonly actions: DigitActions) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="panel digit" part="digit"><h2 data-words="Decoded {item}"></h2>
      <canvas role="img" data-words-label="The {item} decoded from the latent point"></canvas>
      <div class="z" aria-hidden="true"></div><div class="sliders"></div></div>`;
    this.#panel = find(host, '.panel');
    this.#canvas = find<HTMLCanvasElement>(host, 'canvas');
    this.#zText = find(host, '.z');
    this.#sliders = find(host, '.sliders');
  }

  update(state: Readonly<PlaygroundState>): void {
    const { dataset } = state;
    if (this.#words.changed(dataset)) {
      applyWords(this.#panel, dataset);
      this.#drawn = null; // the text alternative names the new word
    }
    const sliders = state.z.length === 2 ? 0 : state.z.length;
    if (sliders !== this.#sliderCount) this.#buildSliders(sliders);
    if (sliders > 0) {
      this.#sliders.querySelectorAll('input').forEach((input, i) => {
        if (Number(input.value) !== state.z[i]) input.value = String(state.z[i]);
      });
    }
    if (state.pixels && state.pixels !== this.#drawn) {
      this.#drawn = state.pixels;
      drawTiles(this.#canvas, state.pixels, 1, 1, dataset.spec);
      const where = `z = (${state.z.map((v) => v.toFixed(2)).join(', ')})`;
      this.#zText.textContent = where;
      this.#canvas.setAttribute('aria-label', `Decoded ${dataset.item} at ${where}`);
      // Once the classifier exists (it is never trained just for this), the text alternative says what it looks like.
      clearTimeout(this.#describeTimer);
      if (state.classifier?.accuracy != null && hasClassifier(dataset)) {
        const pixels = state.pixels;
        this.#describeTimer = window.setTimeout(() => {
          this.actions.classify(pixels).then(({ digit, probabilities }) => {
            if (this.#drawn === pixels) {
              this.#canvas.setAttribute('aria-label', `Decoded ${dataset.item} at ${where}, looks like ${classPhrase(dataset, digit)} (${Math.round(probabilities[digit] * 100)} %)`);
            }
          }, () => undefined);
        }, DESCRIBE_AFTER_MS);
      }
    }
  }

  dispose(): void {
    this.#listeners.dispose();
    clearTimeout(this.#describeTimer);
  }

  #buildSliders(count: number): void {
    this.#listeners.dispose();
    this.#sliderCount = count;
    this.#sliders.innerHTML = Array.from({ length: count }, (_, i) =>
      `<label><span>z${i}</span><input type="range" min="${-SLIDER_RANGE}" max="${SLIDER_RANGE}" step="0.01" value="0" aria-label="latent dimension ${i}"></label>`,
    ).join('');
    const inputs = [...this.#sliders.querySelectorAll('input')];
    for (const input of inputs) {
      this.#listeners.on(input, 'input', () => this.actions.moveTo(inputs.map((s) => Number(s.value))));
    }
  }
}
