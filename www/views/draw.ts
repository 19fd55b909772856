// Draw: a pad to draw a digit on (mouse, touch, pen; brush size; clear). Each stroke is prepared the way MNIST's
// digits were (src/drawing.rs), encoded: a marker shows its code in the latent panel, the decoder's reconstruction
// appears beside it, and the classifier says what it looks like.
import { drawTiles } from './tiles.js';
import { Listeners, find, type PlaygroundState, type View } from './view.js';

/** The pad's backing store: enough detail for a 20-pixel box, small enough to prepare in about a millisecond. */
const PAD = 140;
const DEFAULT_BRUSH = 11;
/** While a stroke goes on, the drawing is encoded at most this often. */
const LIVE_MS = 120;

export interface DrawResult {
  /** The drawing prepared as an MNIST digit (784 intensities). */
  prepared: Float32Array;
  /** μ of the prepared digit. */
  z: Float32Array;
  /** The decoder's image at z. */
  reconstruction: Float32Array;
}

export interface DrawActions {
  /** Prepares, encodes and decodes a drawing, and shows its code in the latent panel. */
  encodeDrawing(pixels: Float32Array, width: number, height: number): Promise<DrawResult>;
  classify(pixels: Float32Array): Promise<{ digit: number; probabilities: Float32Array }>;
  clearDrawing(): void;
}

export class DrawView implements View {
  #listeners = new Listeners();
  #pad!: HTMLCanvasElement;
  #ctx!: CanvasRenderingContext2D;
  #prepared!: HTMLCanvasElement;
  #reconstruction!: HTMLCanvasElement;
  #verdict!: HTMLElement;
  #brush = DEFAULT_BRUSH;
  #last: { x: number; y: number } | null = null;
  #inked = false;
  #lastSent = 0;
  #busy = false;
  #again = false;
  #ready = false;

  constructor(private readonly actions: DrawActions) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="panel draw" part="draw"><h2>Draw</h2>
      <div class="draw-body">
        <figure><canvas class="pad" width="${PAD}" height="${PAD}" tabindex="0" role="img"
          aria-label="Drawing pad: draw a digit with the mouse, a finger or a pen"></canvas>
          <figcaption><label>Brush <input type="range" class="brush" min="5" max="20" step="1" value="${DEFAULT_BRUSH}"></label>
          <button data-action="clear">Clear</button></figcaption></figure>
        <figure><canvas class="prepared" role="img" aria-label="The drawing as an MNIST digit"></canvas><figcaption>as MNIST</figcaption></figure>
        <figure><canvas class="reconstruction" role="img" aria-label="The decoder's reconstruction of the drawing"></canvas><figcaption>decoded</figcaption></figure>
      </div>
      <p class="verdict" aria-live="polite">Draw a digit; its code appears in the latent panel as a cross.</p></div>`;
    this.#pad = find(host, 'canvas.pad');
    this.#ctx = this.#pad.getContext('2d', { willReadFrequently: true })!;
    this.#prepared = find(host, 'canvas.prepared');
    this.#reconstruction = find(host, 'canvas.reconstruction');
    this.#verdict = find(host, '.verdict');
    this.#clear();
    const brush = find<HTMLInputElement>(host, '.brush');
    this.#listeners.on(brush, 'input', () => (this.#brush = Number(brush.value)));
    this.#listeners.on(find(host, '[data-action="clear"]'), 'click', () => {
      this.#clear();
      this.actions.clearDrawing();
    });
    this.#listeners.on(this.#pad, 'pointerdown', (event) => {
      this.#pad.setPointerCapture(event.pointerId);
      this.#last = this.#point(event);
      this.#stroke(this.#last, this.#last);
      event.preventDefault();
    });
    this.#listeners.on(this.#pad, 'pointermove', (event) => {
      if (!this.#last) return;
      for (const e of event.getCoalescedEvents?.() ?? [event]) {
        const next = this.#point(e);
        this.#stroke(this.#last, next);
        this.#last = next;
      }
      if (performance.now() - this.#lastSent > LIVE_MS) void this.#encode();
    });
    const end = (event: PointerEvent) => {
      if (!this.#last) return;
      this.#last = null;
      if (this.#pad.hasPointerCapture(event.pointerId)) this.#pad.releasePointerCapture(event.pointerId);
      void this.#encode();
    };
    this.#listeners.on(this.#pad, 'pointerup', end);
    this.#listeners.on(this.#pad, 'pointercancel', end);
  }

  update(state: Readonly<PlaygroundState>): void {
    this.#ready = state.ready !== null;
  }

  dispose(): void {
    this.#listeners.dispose();
  }

  #point(event: PointerEvent): { x: number; y: number } {
    const rect = this.#pad.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * PAD, y: ((event.clientY - rect.top) / rect.height) * PAD };
  }

  #stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const ctx = this.#ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.#brush;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x + 0.01, to.y);
    ctx.stroke();
    this.#inked = true;
  }

  #clear(): void {
    this.#ctx.fillStyle = '#000';
    this.#ctx.fillRect(0, 0, PAD, PAD);
    this.#inked = false;
    for (const canvas of [this.#prepared, this.#reconstruction]) drawTiles(canvas, new Float32Array(784), 1);
    this.#verdict.textContent = 'Draw a digit; its code appears in the latent panel as a cross.';
  }

  /** Encodes the pad now, or once the encoding under way has finished (never two at a time). */
  async #encode(): Promise<void> {
    if (!this.#inked || !this.#ready) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    this.#lastSent = performance.now();
    try {
      const rgba = this.#ctx.getImageData(0, 0, PAD, PAD).data;
      const pixels = new Float32Array(PAD * PAD);
      for (let i = 0; i < pixels.length; i++) pixels[i] = rgba[4 * i] / 255;
      const result = await this.actions.encodeDrawing(pixels, PAD, PAD);
      drawTiles(this.#prepared, result.prepared, 1);
      drawTiles(this.#reconstruction, result.reconstruction, 1);
      const z = Array.from(result.z, (v) => v.toFixed(2)).join(', ');
      this.#verdict.textContent = `z = (${z}) · asking the classifier…`;
      const { digit, probabilities } = await this.actions.classify(result.prepared);
      this.#verdict.textContent = `z = (${z}) · looks like a ${digit} (${Math.round(probabilities[digit] * 100)} %)`;
    } catch {
      // reported through the element's error event
    } finally {
      this.#busy = false;
      if (this.#again) {
        this.#again = false;
        void this.#encode();
      }
    }
  }
}
