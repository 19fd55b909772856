// Keeps a canvas's backing store at its CSS size × devicePixelRatio, and redraws at most once a frame.
export class CanvasSurface {
  readonly ctx: CanvasRenderingContext2D;
  width = 0;
  height = 0;
  #frame = 0;
  #observer: ResizeObserver;
  #cssWidth = 0;
  #cssHeight = 0;

  constructor(readonly canvas: HTMLCanvasElement, private readonly paint: (surface: CanvasSurface) => void) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot draw on a canvas (2d context unavailable).');
    this.ctx = ctx;
    // The size comes from the observer, after layout: reading clientWidth in the frame callback would force one.
    this.#observer = new ResizeObserver(([entry]) => {
      this.#cssWidth = entry.contentRect.width;
      this.#cssHeight = entry.contentRect.height;
      this.invalidate();
    });
    this.#observer.observe(canvas);
  }

  /** Schedules a redraw on the next animation frame; several calls in one frame draw once. */
  invalidate(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.drawNow();
    });
  }

  drawNow(): void {
    const dpr = window.devicePixelRatio || 1;
    const width = this.#cssWidth;
    const height = this.#cssHeight;
    if (width === 0 || height === 0) return;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
    }
    this.width = width;
    this.height = height;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.paint(this);
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    this.#observer.disconnect();
  }
}

/** A CSS custom property's value on an element, with a fallback. */
export function cssVar(element: Element, name: string, fallback: string): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}
