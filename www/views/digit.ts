// The decoded digit: 28 × 28 intensities drawn at native size and scaled up by CSS (pixelated), the latent point in
// numbers, and one slider per latent dimension when there is no 2-D panel to drag in.
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';

const SLIDER_RANGE = 3;

export class DigitView implements View {
  #listeners = new Listeners();
  #canvas!: HTMLCanvasElement;
  #zText!: HTMLElement;
  #sliders!: HTMLElement;
  #drawn: Float32Array | null = null;
  #sliderCount = -1;

  constructor(private readonly actions: Pick<PlaygroundActions, 'moveTo'>) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="panel digit" part="digit"><h2>Decoded digit</h2>
      <canvas role="img" aria-label="The digit decoded from the latent point"></canvas>
      <div class="z" aria-hidden="true"></div><div class="sliders"></div></div>`;
    this.#canvas = find<HTMLCanvasElement>(host, 'canvas');
    this.#zText = find(host, '.z');
    this.#sliders = find(host, '.sliders');
  }

  update(state: Readonly<PlaygroundState>): void {
    const sliders = state.z.length === 2 ? 0 : state.z.length;
    if (sliders !== this.#sliderCount) this.#buildSliders(sliders);
    if (sliders > 0) {
      this.#sliders.querySelectorAll('input').forEach((input, i) => {
        if (Number(input.value) !== state.z[i]) input.value = String(state.z[i]);
      });
    }
    if (state.pixels && state.pixels !== this.#drawn) {
      this.#drawn = state.pixels;
      drawTiles(this.#canvas, state.pixels, 1);
      this.#zText.textContent = `z = (${state.z.map((v) => v.toFixed(2)).join(', ')})`;
    }
  }

  dispose(): void {
    this.#listeners.dispose();
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
