// Loss curves: train loss and reconstruction per step, test −ELBO per epoch, and KL in its own band beneath.
import { CanvasSurface, cssVar } from './canvas.js';

interface EpochPoint {
  step: number;
  testElbo: number;
  kl: number;
}

export class LossChart {
  #surface: CanvasSurface;
  #loss: number[] = [];
  #recon: number[] = [];
  #kl: number[] = [];
  #epochs: EpochPoint[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.#surface = new CanvasSurface(canvas, (s) => this.#paint(s));
  }

  get steps(): number {
    return this.#loss.length;
  }

  /** Flattened (loss, recon, kl) triples, one per step. */
  addSteps(triples: Float32Array): void {
    for (let i = 0; i + 2 < triples.length; i += 3) {
      this.#loss.push(triples[i]);
      this.#recon.push(triples[i + 1]);
      this.#kl.push(triples[i + 2]);
    }
    this.#surface.invalidate();
  }

  addEpoch(testElbo: number, kl: number): void {
    this.#epochs.push({ step: this.#loss.length, testElbo, kl });
    this.#surface.invalidate();
  }

  clear(): void {
    this.#loss = [];
    this.#recon = [];
    this.#kl = [];
    this.#epochs = [];
    this.#surface.invalidate();
  }

  dispose(): void {
    this.#surface.dispose();
  }

  #paint(s: CanvasSurface): void {
    const { ctx } = s;
    const fg = cssVar(this.canvas, '--vae-fg', '#222');
    const muted = cssVar(this.canvas, '--vae-muted', '#888');
    const accent = cssVar(this.canvas, '--vae-accent', '#e4572e');
    const test = cssVar(this.canvas, '--vae-test', '#4e79a7');
    const grid = cssVar(this.canvas, '--vae-grid', 'rgba(127,127,127,0.18)');
    ctx.clearRect(0, 0, s.width, s.height);
    ctx.font = '11px system-ui, sans-serif';

    const left = 40;
    const right = s.width - 8;
    const klHeight = Math.max(36, s.height * 0.24);
    const main = { top: 18, bottom: s.height - klHeight - 22 };
    const band = { top: s.height - klHeight - 4, bottom: s.height - 16 };

    if (this.#loss.length === 0) {
      ctx.fillStyle = muted;
      ctx.fillText('Loss curves appear here once training starts.', left, main.top + 20);
      return;
    }
    const n = Math.max(this.#loss.length, 2);
    const xAt = (step: number) => left + (step / (n - 1)) * (right - left);

    // Skip the first steps when scaling: the untrained loss (~543) would flatten everything after it.
    const settled = this.#loss.slice(Math.min(10, Math.floor(this.#loss.length / 5)));
    const values = [...settled, ...this.#recon.slice(-settled.length), ...this.#epochs.map((e) => e.testElbo)];
    const lo = Math.min(...values);
    const hi = Math.max(lo + 5, percentile(settled, 0.98));
    const pad = (hi - lo) * 0.08;
    const yMain = scale(lo - pad, hi + pad, main.bottom, main.top);

    this.#axis(s, yMain, lo - pad, hi + pad, main, left, grid, muted);
    this.#line(s, this.#recon, xAt, yMain, muted, main);
    this.#line(s, this.#loss, xAt, yMain, accent, main);
    ctx.fillStyle = test;
    for (const e of this.#epochs) {
      ctx.beginPath();
      ctx.arc(xAt(e.step - 1), clampTo(yMain(e.testElbo), main), 3, 0, 2 * Math.PI);
      ctx.fill();
    }

    const klMax = Math.max(1, percentile(this.#kl, 0.99)) * 1.1;
    const yKl = scale(0, klMax, band.bottom, band.top);
    this.#axis(s, yKl, 0, klMax, band, left, grid, muted, 2);
    this.#line(s, this.#kl, xAt, yKl, fg, band);

    // Legend and the latest figures.
    const last = this.#epochs[this.#epochs.length - 1];
    const items: [string, string][] = [
      [accent, `train loss ${this.#loss[this.#loss.length - 1].toFixed(1)}`],
      [muted, 'recon'],
      [test, last ? `test −ELBO ${last.testElbo.toFixed(1)}` : 'test −ELBO (per epoch)'],
    ];
    let x = left;
    let y = 11;
    for (const [color, label] of items) {
      const width = ctx.measureText(label).width + 14;
      if (x > left && x + width > right) {
        // No room on this line (a phone): continue beneath, over the plot's empty top.
        x = left;
        y += 13;
      }
      ctx.fillStyle = color;
      ctx.fillRect(x, y - 5, 10, 3);
      ctx.fillStyle = fg;
      ctx.fillText(label, x + 14, y);
      x += width + 14;
    }
    ctx.fillStyle = fg;
    const klLabel = `KL ${this.#kl[this.#kl.length - 1].toFixed(2)}`;
    ctx.fillText(klLabel, right - ctx.measureText(klLabel).width, band.top - 3);
    ctx.fillStyle = muted;
    const epochsLabel = `${this.#loss.length} steps`;
    ctx.fillText(epochsLabel, right - ctx.measureText(epochsLabel).width, s.height - 3);
    ctx.fillText('nats / image', 4, s.height - 3);
  }

  #axis(
    s: CanvasSurface, y: (v: number) => number, lo: number, hi: number, area: { top: number; bottom: number },
    left: number, grid: string, muted: string, ticks = 4,
  ): void {
    const { ctx } = s;
    ctx.strokeStyle = grid;
    ctx.fillStyle = muted;
    ctx.lineWidth = 1;
    for (const v of niceTicks(lo, hi, ticks)) {
      const py = Math.round(y(v)) + 0.5;
      if (py < area.top - 1 || py > area.bottom + 1) continue;
      ctx.beginPath();
      ctx.moveTo(left, py);
      ctx.lineTo(s.width - 8, py);
      ctx.stroke();
      const label = Number.isInteger(v) ? String(v) : v.toFixed(1);
      ctx.fillText(label, left - 6 - ctx.measureText(label).width, py + 4);
    }
  }

  /** One value per step, averaged per pixel column once there are more steps than pixels. */
  #line(s: CanvasSurface, series: number[], xAt: (i: number) => number, y: (v: number) => number, color: string, area: { top: number; bottom: number }): void {
    const { ctx } = s;
    const perPixel = Math.max(1, Math.floor(series.length / (s.width - 48)));
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < series.length; i += perPixel) {
      let sum = 0;
      const end = Math.min(series.length, i + perPixel);
      for (let j = i; j < end; j++) sum += series[j];
      const px = xAt(i + (end - i - 1) / 2);
      const py = clampTo(y(sum / (end - i)), area);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.stroke();
  }
}

function scale(lo: number, hi: number, bottom: number, top: number): (v: number) => number {
  return (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
}

function clampTo(py: number, area: { top: number; bottom: number }): number {
  return Math.max(area.top, Math.min(area.bottom, py));
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}
