// The 2-D latent panel: where the test digits sit (μ of q(z|x), coloured by label) and a point to drag.
// Pointer (mouse, pen, touch) and keyboard (arrows; Shift for bigger steps) both move the point.
import { CanvasSurface, cssVar } from '../canvas.js';
import { UNLABELLED_COLOR, classColor } from '../colors.js';
import type { Dataset } from '../datasets.js';
import type { LatentProjection, OwnCodes } from '../protocol.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { DEFAULT_DATASET, WordsShown, applyWords } from './words.js';

/** Classes the legend names one by one; with more, it says how many there are. */
const LEGEND_NAMES = 20;

const KEY_STEP = 0.05;
const MIN_EXTENT = 3;

export class LatentView implements View {
  #listeners = new Listeners();
  #surface: CanvasSurface | null = null;
  #canvas!: HTMLCanvasElement;
  #z: [number, number] = [0, 0];
  #points: Float32Array = new Float32Array(0);
  /** Step mode: where each point was a frame ago (a short line from there shows what the step changed). */
  #trail: Float32Array | null = null;
  #labels: Uint8Array = new Uint8Array(0);
  #latents: PlaygroundState['latents'] = null;
  /** With more than two latent dimensions: the test codes' main plane, and the full z the ring stands for. */
  #projection: LatentProjection | null = null;
  #fullZ: number[] = [0, 0];
  #marker: PlaygroundState['marker'] = null;
  #dataset: Dataset = DEFAULT_DATASET;
  readonly #words = new WordsShown();
  /** The codes of the person's images mixed into MNIST, drawn as diamonds. */
  #own: OwnCodes | null = null;
  #legend!: HTMLElement;
  /** Half-width of the visible square of latent space. */
  #extent = MIN_EXTENT;
  #dragging = false;

  constructor(private readonly actions: Pick<PlaygroundActions, 'moveTo'>) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="panel latent" part="latent"><h2 data-words="Latent space · test {items}"></h2>
      <canvas tabindex="0" role="slider" aria-label="Latent point: drag, or use the arrow keys (Shift for bigger steps, Home for the centre)"></canvas>
      <div class="legend" aria-hidden="true"></div></div>`;
    this.#legend = find(host, '.legend');
    this.#showDataset(host, this.#dataset);
    this.#canvas = find<HTMLCanvasElement>(host, 'canvas');
    this.#surface = new CanvasSurface(this.#canvas, (s) => this.#paint(s));
    const on = this.#listeners.on.bind(this.#listeners);
    on(this.#canvas, 'pointerdown', this.#pointerDown);
    on(this.#canvas, 'pointermove', this.#pointerMove);
    on(this.#canvas, 'pointerup', this.#pointerUp);
    on(this.#canvas, 'pointercancel', this.#pointerUp);
    on(this.#canvas, 'keydown', this.#keyDown);
    this.#updateLabel();
  }

  update(state: Readonly<PlaygroundState>): void {
    if (this.#words.changed(state.dataset)) this.#showDataset(this.#legend.parentElement!, state.dataset);
    if (state.latents !== this.#latents) {
      this.#latents = state.latents;
      this.#own = state.latents?.own ?? null;
      this.#showOwnInLegend();
      const projection = state.latents?.projection ?? null;
      this.#projection = projection;
      if (state.latents && state.z.length === 2) this.#setPoints(state.latents.z, state.latents.labels);
      else if (state.latents && projection) this.#setPoints(projection.points, state.latents.labels);
      this.#fullZ = [...state.z];
      this.#showZ(this.#planeOf(state.z));
    }
    if (state.z.length > 2 && state.z.some((v, i) => v !== this.#fullZ[i])) {
      this.#fullZ = [...state.z];
      this.#showZ(this.#planeOf(state.z));
    }
    const trail = state.moment?.trail ?? null;
    if (trail !== this.#trail) {
      this.#trail = trail;
      this.#surface?.invalidate();
    }
    if (state.marker !== this.#marker) {
      this.#marker = state.marker;
      this.#surface?.invalidate();
    }
    if (state.z.length === 2 && (state.z[0] !== this.#z[0] || state.z[1] !== this.#z[1])) this.#showZ([state.z[0], state.z[1]]);
  }

  /** The heading's words and the legend: a colour per class by name, or how many classes, or one colour for none. */
  #showDataset(panel: HTMLElement, dataset: Dataset): void {
    this.#dataset = dataset;
    applyWords(panel, dataset);
    const names = dataset.classNames;
    const entries: [string, string][] = !dataset.labelled
      ? [[`unlabelled: every test ${dataset.item} in one colour`, UNLABELLED_COLOR]]
      : names.length <= LEGEND_NAMES
        ? names.map((name, i) => [name, classColor(i, names.length)])
        : [[`${names.length} classes, a colour each`, classColor(0, names.length)]];
    this.#legend.replaceChildren(...entries.map(([text, colour]) => {
      const span = document.createElement('span');
      span.textContent = text;
      // Through the CSSOM, not a style="" attribute: a strict CSP refuses inline style attributes.
      span.style.setProperty('--c', colour);
      return span;
    }));
    this.#showOwnInLegend();
    this.#surface?.invalidate();
  }

  /** With own images mixed in, the legend says what the diamonds are. */
  #showOwnInLegend(): void {
    this.#legend.querySelector('.own-key')?.remove();
    const count = this.#own ? this.#own.labels.length : 0;
    if (!count) return;
    const key = document.createElement('span');
    key.className = 'own-key';
    key.textContent = `yours (${count.toLocaleString('en-US')}${this.#dataset.own && this.#dataset.own.count > count ? ` of ${this.#dataset.own.count.toLocaleString('en-US')}` : ''})`;
    this.#legend.append(key);
  }

  #showZ(z: [number, number]): void {
    this.#z = z;
    this.#updateLabel();
    this.#surface?.invalidate();
  }

  /** Where z sits in the panel: z itself with two dimensions, its projection on the main axes with more. */
  #planeOf(z: readonly number[]): [number, number] {
    const p = this.#projection;
    if (z.length === 2 || !p) return [z[0] ?? 0, z[1] ?? 0];
    const L = z.length;
    let a = 0;
    let b = 0;
    for (let i = 0; i < L; i++) {
      a += p.axes[i] * (z[i] - p.mean[i]);
      b += p.axes[L + i] * (z[i] - p.mean[i]);
    }
    return [a, b];
  }

  /** A point of the panel as z: itself, or mean + a·axis₁ + b·axis₂ (the other components at their mean). */
  #zOf([a, b]: [number, number]): number[] {
    const p = this.#projection;
    const L = this.#fullZ.length;
    if (L <= 2 || !p) return [a, b];
    return Array.from({ length: L }, (_, i) => p.mean[i] + a * p.axes[i] + b * p.axes[L + i]);
  }

  dispose(): void {
    this.#listeners.dispose();
    this.#surface?.dispose();
    this.#surface = null;
  }

  /** μ of the test digits, [n × 2], and their labels. The view widens to keep nearly all of them in sight. */
  #setPoints(points: Float32Array, labels: Uint8Array): void {
    this.#points = points;
    this.#labels = labels;
    const radii = Array.from({ length: labels.length }, (_, i) => Math.max(Math.abs(points[2 * i]), Math.abs(points[2 * i + 1])));
    radii.sort((a, b) => a - b);
    const p98 = radii.length ? radii[Math.floor(radii.length * 0.98)] : 0;
    this.#extent = Math.max(MIN_EXTENT, Math.ceil(p98 * 1.1 * 2) / 2);
    this.#surface?.invalidate();
  }

  #toScreen(x: number, y: number, s: CanvasSurface): [number, number] {
    const e = this.#extent;
    return [((x + e) / (2 * e)) * s.width, ((e - y) / (2 * e)) * s.height];
  }

  #fromEvent(event: PointerEvent): [number, number] {
    const rect = this.#canvas.getBoundingClientRect();
    const e = this.#extent;
    const clamp = (v: number) => Math.max(-e, Math.min(e, v));
    return [
      clamp(((event.clientX - rect.left) / rect.width) * 2 * e - e),
      clamp(e - ((event.clientY - rect.top) / rect.height) * 2 * e),
    ];
  }

  #move(z: [number, number]): void {
    // Kept here at once: several keys can arrive before the next frame's update(), each stepping from the last.
    this.#showZ(z);
    if (this.#fullZ.length > 2 && !this.#projection) return; // no plane yet to move in
    this.#fullZ = this.#zOf(z);
    this.actions.moveTo(this.#fullZ);
  }

  #pointerDown = (event: PointerEvent) => {
    this.#dragging = true;
    this.#canvas.setPointerCapture(event.pointerId);
    // Focus so the arrow keys work next, without the keyboard-focus ring a click should not show.
    this.#canvas.focus({ preventScroll: true, focusVisible: false } as FocusOptions);
    this.#move(this.#fromEvent(event));
    event.preventDefault();
  };

  #pointerMove = (event: PointerEvent) => {
    if (!this.#dragging) return;
    // Coalesced events carry every position the pointer passed; the last one is where it is now.
    const events = event.getCoalescedEvents?.() ?? [];
    this.#move(this.#fromEvent(events.length ? events[events.length - 1] : event));
  };

  #pointerUp = (event: PointerEvent) => {
    this.#dragging = false;
    if (this.#canvas.hasPointerCapture(event.pointerId)) this.#canvas.releasePointerCapture(event.pointerId);
  };

  #keyDown = (event: KeyboardEvent) => {
    const step = KEY_STEP * this.#extent * (event.shiftKey ? 4 : 1);
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step],
    };
    if (event.key === 'Home') {
      this.#move([0, 0]);
    } else if (event.key in moves) {
      const [dx, dy] = moves[event.key];
      const e = this.#extent;
      const clamp = (v: number) => Math.max(-e, Math.min(e, v));
      this.#move([clamp(this.#z[0] + dx), clamp(this.#z[1] + dy)]);
    } else {
      return;
    }
    event.preventDefault();
  };

  #updateLabel(): void {
    const where = this.#fullZ.length > 2 && this.#projection
      ? `PC1 ${this.#z[0].toFixed(2)}, PC2 ${this.#z[1].toFixed(2)}`
      : `z = (${this.#z[0].toFixed(2)}, ${this.#z[1].toFixed(2)})`;
    this.#canvas.setAttribute('aria-valuetext', where);
  }

  /**
   * The person's images mixed into MNIST: hollow diamonds with a light halo, larger than the test dots (shape, not
   * only colour, tells them apart), filled with their digit's colour when they have a digit label.
   */
  #paintOwn(s: CanvasSurface, fg: string, colourOf: (label: number) => string): void {
    const own = this.#own;
    if (!own) return;
    const L = own.z.length / Math.max(1, own.labels.length);
    if (L > 2 && !this.#projection) return; // no plane yet
    const { ctx } = s;
    const r = Math.max(4, Math.min(6, s.width / 80));
    for (let i = 0; i < own.labels.length; i++) {
      const [a, b] = this.#planeOf(Array.from(own.z.subarray(i * L, (i + 1) * L)));
      const [x, y] = this.#toScreen(a, b, s);
      ctx.beginPath();
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      if (own.labels[i] !== 255) {
        ctx.fillStyle = colourOf(own.labels[i]);
        ctx.fill();
      }
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = 'rgba(255,255,255,0.85)';
      ctx.stroke();
      ctx.lineWidth = 1.6;
      ctx.strokeStyle = fg;
      ctx.stroke();
    }
  }

  #paint(s: CanvasSurface): void {
    const { ctx } = s;
    const grid = cssVar(this.#canvas, '--vae-grid', 'rgba(127,127,127,0.18)');
    const fg = cssVar(this.#canvas, '--vae-fg', '#222');
    const accent = cssVar(this.#canvas, '--vae-accent', '#c2410c');
    ctx.clearRect(0, 0, s.width, s.height);

    // Integer grid lines, and the axes a little stronger.
    const e = this.#extent;
    ctx.lineWidth = 1;
    for (let v = Math.ceil(-e); v <= e; v++) {
      ctx.strokeStyle = grid;
      ctx.globalAlpha = v === 0 ? 1 : 0.6;
      const [x] = this.#toScreen(v, 0, s);
      const [, y] = this.#toScreen(0, v, s);
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, 0);
      ctx.lineTo(Math.round(x) + 0.5, s.height);
      ctx.moveTo(0, Math.round(y) + 0.5);
      ctx.lineTo(s.width, Math.round(y) + 0.5);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;

    const radius = Math.max(1.6, Math.min(3, s.width / 160));
    const classes = this.#dataset.classNames.length;
    const colourOf = (label: number) => (this.#dataset.labelled ? classColor(label, classes) : UNLABELLED_COLOR);
    const trail = this.#trail;
    if (trail && trail.length === this.#points.length) {
      // Step mode: a line from where each code was a frame ago to where it is.
      ctx.strokeStyle = fg;
      ctx.globalAlpha = 0.35;
      ctx.beginPath();
      for (let i = 0; i < this.#labels.length; i++) {
        const [x0, y0] = this.#toScreen(trail[2 * i], trail[2 * i + 1], s);
        const [x1, y1] = this.#toScreen(this.#points[2 * i], this.#points[2 * i + 1], s);
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 0.75;
    for (let i = 0; i < this.#labels.length; i++) {
      const [x, y] = this.#toScreen(this.#points[2 * i], this.#points[2 * i + 1], s);
      ctx.fillStyle = colourOf(this.#labels[i]);
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    this.#paintOwn(s, fg, colourOf);

    ctx.fillStyle = fg;
    ctx.globalAlpha = 0.55;
    ctx.font = '11px system-ui, sans-serif';
    const p = this.#projection;
    ctx.fillText(p && this.#fullZ.length > 2
      ? `PCA of the codes: PC1 ${(p.explained[0] * 100).toFixed(0)} % →, PC2 ${(p.explained[1] * 100).toFixed(0)} % ↑ (±${e})`
      : `z₁  ±${e}`, 6, 14);
    ctx.globalAlpha = 1;

    // The drawing's code: a cross with a halo.
    const marker = this.#marker && (this.#marker.length === 2 || this.#projection) ? this.#planeOf(this.#marker) : null;
    if (marker) {
      const [mx, my] = this.#toScreen(marker[0], marker[1], s);
      ctx.lineCap = 'round';
      for (const [width, colour] of [[5, 'rgba(255,255,255,0.85)'], [2.5, fg]] as const) {
        ctx.lineWidth = width;
        ctx.strokeStyle = colour;
        ctx.beginPath();
        ctx.moveTo(mx - 7, my - 7);
        ctx.lineTo(mx + 7, my + 7);
        ctx.moveTo(mx + 7, my - 7);
        ctx.lineTo(mx - 7, my + 7);
        ctx.stroke();
      }
    }

    // The draggable point: a ring with a halo so it reads on any colour beneath.
    const [px, py] = this.#toScreen(this.#z[0], this.#z[1], s);
    ctx.lineWidth = 5;
    ctx.strokeStyle = 'rgba(255,255,255,0.85)';
    ctx.beginPath();
    ctx.arc(px, py, 9, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = accent;
    ctx.stroke();
    ctx.fillStyle = accent;
    ctx.beginPath();
    ctx.arc(px, py, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  }
}
