// Loss curves: train loss and reconstruction per step, test −ELBO per epoch, and KL in its own band beneath.
// Draws from a bounded LossHistory, so a repaint costs the same after a million steps as after a hundred.
import { CanvasSurface, cssVar } from '../canvas.js';
import type { Run, RunHistory } from '../runs.js';
import type { BucketedSeries, LossHistory } from './loss-history.js';
import { find, type PlaygroundState, type View } from './view.js';
import { countOf } from '../english.js';

interface Area { top: number; bottom: number }

export class ChartView implements View {
  #surface: CanvasSurface | null = null;
  #canvas: HTMLCanvasElement | null = null;
  #history: LossHistory | null = null;
  #runs: RunHistory | null = null;
  #drawnVersion = -1;
  #drawnRuns = -1;
  /** The time-lapse's moment shown (its step), or null when live. */
  #cursor: number | null = null;
  /** Scratch for the percentile, reused across repaints. */
  #sorted = new Float64Array(0);

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="panel chart" part="chart"><h2>Loss</h2>
      <canvas role="img" aria-label="Loss curves: train loss, reconstruction and test −ELBO per epoch, KL beneath"></canvas></div>`;
    this.#canvas = find<HTMLCanvasElement>(host, 'canvas');
    this.#surface = new CanvasSurface(this.#canvas, (s) => this.#paint(s));
  }

  update(state: Readonly<PlaygroundState>): void {
    const cursor = state.moment?.step ?? null;
    if (cursor !== this.#cursor) {
      this.#cursor = cursor;
      this.#surface?.invalidate();
    }
    this.#history = state.history;
    this.#runs = state.runs ?? null;
    if (state.history.version !== this.#drawnVersion || (state.runs?.version ?? -1) !== this.#drawnRuns) this.#surface?.invalidate();
  }

  /** The archived runs drawn over the chart. */
  #overlays(): Run[] {
    const runs = this.#runs;
    return runs ? runs.runs.filter((run) => runs.overlay.has(run.id)) : [];
  }

  /** Paints at once (the benchmark and tests time this). */
  paintNow(): void {
    this.#surface?.drawNow();
  }

  dispose(): void {
    this.#surface?.dispose();
    this.#surface = null;
  }

  #paint(s: CanvasSurface): void {
    const history = this.#history;
    const canvas = this.#canvas;
    if (!history || !canvas) return;
    this.#drawnVersion = history.version;
    this.#drawnRuns = this.#runs?.version ?? -1;
    const overlays = this.#overlays();
    canvas.setAttribute('aria-label', 'Loss curves: train loss, reconstruction and test −ELBO per epoch, KL beneath' + (overlays.length
      ? `. Drawn over them: ${overlays.map((r) => `run ${r.id} (test −ELBO ${r.epochs.at(-1)!.testElbo.toFixed(1)} after ${r.epochs.length} epochs)`).join(', ')}`
      : '') + branchWords(this.#runs?.current ?? null));
    const { ctx } = s;
    const fg = cssVar(canvas, '--vae-fg', '#222');
    const muted = cssVar(canvas, '--vae-muted', '#888');
    const accent = cssVar(canvas, '--vae-accent', '#c2410c');
    const test = cssVar(canvas, '--vae-test', '#4e79a7');
    const grid = cssVar(canvas, '--vae-grid', 'rgba(127,127,127,0.18)');
    ctx.clearRect(0, 0, s.width, s.height);
    ctx.font = '11px system-ui, sans-serif';

    const left = 40;
    const right = s.width - 8;
    const klHeight = Math.max(36, s.height * 0.24);
    const { loss, recon, kl, epochs } = history;
    // The figures in the legend are those of the time-lapse's moment while one is shown, else the latest.
    const shown = this.#cursor !== null ? history.at(this.#cursor) : { loss: loss.last, kl: kl.last, epoch: epochs.at(-1) ?? null };
    const legend = legendLayout(ctx, [
      [accent, loss.steps ? `train loss ${shown.loss.toFixed(1)}` : 'train loss'],
      [muted, 'recon'],
      [test, shown.epoch ? `test −ELBO ${shown.epoch.testElbo.toFixed(1)}` : 'test −ELBO (per epoch)'],
    ], left, right);
    // The plot starts under the legend's last line (a phone's narrow chart wraps it).
    const main = { top: legend.at(-1)!.y + 7, bottom: s.height - klHeight - 22 };
    const band = { top: s.height - klHeight - 4, bottom: s.height - 16 };

    if (loss.steps === 0 && overlays.length === 0) {
      ctx.fillStyle = muted;
      ctx.fillText('Loss curves appear here once training starts.', left, main.top + 20);
      return;
    }
    // The step axis spans the current run and every run drawn over it.
    const span = Math.max(loss.steps, ...overlays.map((r) => r.epochs.length * r.stepsPerEpoch));
    const xAt = (step: number) => left + (step / Math.max(1, span - 1)) * (right - left);

    // Skip the first buckets when scaling: the untrained loss (~543) would flatten everything after it.
    const skip = Math.min(10, Math.floor(loss.length / 5));
    let lo = Infinity;
    for (let i = skip; i < loss.length; i++) lo = Math.min(lo, loss.mean(i), recon.mean(i));
    for (const e of epochs) lo = Math.min(lo, e.testElbo);
    for (const run of overlays) for (const e of run.epochs) lo = Math.min(lo, e.testElbo);
    if (!Number.isFinite(lo)) lo = 100;
    const hi = Math.max(lo + 5, this.#percentile(loss, skip, 0.98));
    const pad = (hi - lo) * 0.08;
    const yMain = scale(lo - pad, hi + pad, main.bottom, main.top);

    axis(s, yMain, lo - pad, hi + pad, main, left, grid, muted);
    line(s, recon, xAt, yMain, muted, main, left);
    line(s, loss, xAt, yMain, accent, main, left);
    ctx.fillStyle = test;
    for (const e of epochs) {
      ctx.beginPath();
      ctx.arc(xAt(e.step - 1), clampTo(yMain(e.testElbo), main), 3, 0, 2 * Math.PI);
      ctx.fill();
    }

    overlays.forEach((run, i) => drawRun(s, run, i, xAt, yMain, main, fg));

    const branchOf = this.#runs?.current?.branchOf;
    if (branchOf) {
      // Where this run went on from another: a solid mark at that epoch's end, named.
      const x = Math.round(xAt(branchOf.epoch * (this.#runs!.current!.stepsPerEpoch) - 1)) + 0.5;
      ctx.strokeStyle = test;
      ctx.beginPath();
      ctx.moveTo(x, main.top);
      ctx.lineTo(x, main.bottom);
      ctx.stroke();
      ctx.fillStyle = test;
      const label = `branch of run ${branchOf.run}`;
      ctx.fillText(label, Math.min(x + 3, s.width - 8 - ctx.measureText(label).width), main.top + 10);
    }

    if (this.#cursor !== null) {
      // The time-lapse's moment: a line at its step.
      ctx.strokeStyle = fg;
      ctx.globalAlpha = 0.6;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(Math.round(xAt(this.#cursor)) + 0.5, main.top);
      ctx.lineTo(Math.round(xAt(this.#cursor)) + 0.5, band.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }

    const klMax = Math.max(1, this.#percentile(kl, 0, 0.99)) * 1.1;
    const yKl = scale(0, klMax, band.bottom, band.top);
    axis(s, yKl, 0, klMax, band, left, grid, muted, 2);
    line(s, kl, xAt, yKl, fg, band, left);

    // The legend, with the figures shown (the moment's or the latest).
    for (const { color, label, x, y } of legend) {
      ctx.fillStyle = color;
      ctx.fillRect(x, y - 5, 10, 3);
      ctx.fillStyle = fg;
      ctx.fillText(label, x + 14, y);
    }
    ctx.fillStyle = fg;
    const klLabel = loss.steps ? `KL ${shown.kl.toFixed(2)}` : 'KL';
    ctx.fillText(klLabel, right - ctx.measureText(klLabel).width, band.top - 3);
    ctx.fillStyle = muted;
    const stepsLabel = countOf(loss.steps, 'step');
    ctx.fillText(stepsLabel, right - ctx.measureText(stepsLabel).width, s.height - 3);
    ctx.fillText('nats / image', 4, s.height - 3);
  }

  /** The p-quantile of the bucket means from `from` on (at most CAPACITY values, sorted in a reused buffer). */
  #percentile(series: BucketedSeries, from: number, p: number): number {
    const n = series.length - from;
    if (n <= 0) return 0;
    if (this.#sorted.length < n) this.#sorted = new Float64Array(series.min.length);
    const values = this.#sorted.subarray(0, n);
    for (let i = 0; i < n; i++) values[i] = series.mean(from + i);
    values.sort();
    return values[Math.min(n - 1, Math.floor(n * p))];
  }
}

/** Dash patterns for the runs drawn over the chart: with the label at each line's end, colour is not the only carrier. */
const DASHES = [[6, 3], [2, 3], [9, 3, 2, 3], [1, 4]];

/** The chart's words for a run that branched from another (its mark on the chart). */
function branchWords(run: Run | null): string {
  return run?.branchOf ? `. This run is a branch of run ${run.branchOf.run} from its epoch ${run.branchOf.epoch} (the solid mark)` : '';
}

/** An archived run's test −ELBO per epoch, dashed, labelled "run N" at its end. */
function drawRun(s: CanvasSurface, run: Run, index: number, xAt: (step: number) => number, y: (v: number) => number, area: Area, colour: string): void {
  const { ctx } = s;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.globalAlpha = 0.75;
  ctx.lineWidth = 1.5;
  ctx.setLineDash(DASHES[index % DASHES.length]);
  ctx.beginPath();
  run.epochs.forEach((e, i) => {
    const px = xAt((i + 1) * run.stepsPerEpoch - 1);
    const py = clampTo(y(e.testElbo), area);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  });
  ctx.stroke();
  const last = run.epochs.at(-1)!;
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  ctx.fillStyle = colour;
  const label = `run ${run.id}`;
  const x = Math.min(xAt(run.epochs.length * run.stepsPerEpoch - 1) + 3, s.width - 8 - ctx.measureText(label).width);
  ctx.fillText(label, x, clampTo(y(last.testElbo), area) - 4);
  ctx.restore();
}

/** Where each legend item goes: left to right from `left`, onto a new line where one would pass `right`. */
function legendLayout(ctx: CanvasRenderingContext2D, items: [string, string][], left: number, right: number): { color: string; label: string; x: number; y: number }[] {
  let x = left;
  let y = 11;
  return items.map(([color, label]) => {
    const width = ctx.measureText(label).width + 14;
    if (x > left && x + width > right) {
      x = left;
      y += 13;
    }
    const at = { color, label, x, y };
    x += width + 14;
    return at;
  });
}

function scale(lo: number, hi: number, bottom: number, top: number): (v: number) => number {
  return (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
}

function clampTo(py: number, area: Area): number {
  return Math.max(area.top, Math.min(area.bottom, py));
}

function axis(
  s: CanvasSurface, y: (v: number) => number, lo: number, hi: number, area: Area,
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

/** Per pixel column: the lowest and highest value and the mean of the bucket means that fall in it. */
class Columns {
  min = new Float64Array(0);
  max = new Float64Array(0);
  sum = new Float64Array(0);
  count = new Uint32Array(0);

  fill(series: BucketedSeries, xAt: (step: number) => number, left: number, width: number): void {
    if (this.min.length < width) {
      this.min = new Float64Array(width);
      this.max = new Float64Array(width);
      this.sum = new Float64Array(width);
      this.count = new Uint32Array(width);
    }
    this.min.fill(Infinity, 0, width);
    this.max.fill(-Infinity, 0, width);
    this.sum.fill(0, 0, width);
    this.count.fill(0, 0, width);
    for (let i = 0; i < series.length; i++) {
      const c = Math.min(width - 1, Math.max(0, Math.floor(xAt(series.centre(i)) - left)));
      if (series.min[i] < this.min[c]) this.min[c] = series.min[i];
      if (series.max[i] > this.max[c]) this.max[c] = series.max[i];
      this.sum[c] += series.mean(i);
      this.count[c]++;
    }
  }
}
const columns = new Columns();

/**
 * A curve drawn per pixel column, so its cost is bounded by the canvas width (a software-rasterised path with
 * thousands of vertices cost 50+ ms a frame): the mean as a line, over a faint bar from the lowest to the highest
 * step in that column, so a spike stays visible however many steps share the column.
 */
function line(s: CanvasSurface, series: BucketedSeries, xAt: (step: number) => number, y: (v: number) => number, color: string, area: Area, left: number): void {
  const { ctx } = s;
  const width = Math.max(1, Math.round(s.width - 8 - left));
  columns.fill(series, xAt, left, width);
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.22;
  for (let c = 0; c < width; c++) {
    if (columns.count[c] === 0) continue;
    const top = clampTo(y(columns.max[c]), area);
    const bottom = clampTo(y(columns.min[c]), area);
    if (bottom - top >= 1) ctx.fillRect(left + c, top, 1, bottom - top);
  }
  ctx.globalAlpha = 1;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  let started = false;
  for (let c = 0; c < width; c++) {
    if (columns.count[c] === 0) continue;
    const py = clampTo(y(columns.sum[c] / columns.count[c]), area);
    if (started) ctx.lineTo(left + c + 0.5, py);
    else ctx.moveTo(left + c + 0.5, py);
    started = true;
  }
  ctx.stroke();
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}
