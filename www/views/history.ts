// The run history: one row per run (what differs is easy to spot), up to four drawn over the loss chart, and the
// whole history exported as CSV or JSON.
import { DATASETS } from '../datasets.js';
import { MAX_OVERLAY, runSetting, type Run, type RunHistory } from '../runs.js';
import type { TrainSettings } from '../protocol.js';
import { Listeners, find, type PlaygroundState, type View } from './view.js';

export class HistoryView implements View {
  #listeners = new Listeners();
  #host!: HTMLElement;
  #runs: RunHistory | null = null;
  #shown = -1;

  constructor(private readonly actions: {
    download(name: string, text: string, type: string): void;
    /** The overlay changed: the chart must redraw even while nothing trains. */
    redraw(): void;
  }) {}

  mount(host: HTMLElement): void {
    this.#host = host;
    host.innerHTML = `<div class="panel history" part="history"><h2>Runs</h2>
      <p class="hint" id="runs-caption">Every run so far; tick up to ${MAX_OVERLAY} to draw their test −ELBO over the loss chart</p>
      <table class="runs" aria-labelledby="runs-caption">
        <thead><tr><th scope="col">in chart</th><th scope="col">run</th><th scope="col">structure</th><th scope="col">latent</th><th scope="col">β</th>
        <th scope="col">lr</th><th scope="col">batch</th><th scope="col">seed</th><th scope="col">epochs</th><th scope="col">−ELBO</th>
        <th scope="col">recon</th><th scope="col">KL</th><th scope="col">time</th><th scope="col">samples/s</th><th scope="col">data</th></tr></thead><tbody></tbody></table>
      <div class="controls"><button data-action="csv">Export CSV</button><button data-action="json">Export JSON</button></div></div>`;
    this.#listeners.on(find(host, '[data-action="csv"]'), 'click', () => this.#runs && this.actions.download('vae-runs.csv', this.#runs.toCsv(), 'text/csv'));
    this.#listeners.on(find(host, '[data-action="json"]'), 'click', () => this.#runs && this.actions.download('vae-runs.json', this.#runs.toJson(), 'application/json'));
    this.#listeners.on(find(host, 'tbody'), 'change', (event) => {
      const box = event.target as HTMLInputElement;
      if (!this.#runs || box.type !== 'checkbox') return;
      if (!this.#runs.toggleOverlay(Number(box.dataset.run), box.checked)) box.checked = false;
      this.actions.redraw();
    });
  }

  update(state: Readonly<PlaygroundState>): void {
    this.#runs = state.runs;
    if (state.runs.version === this.#shown) return;
    this.#shown = state.runs.version;
    const current = state.runs.current;
    find(this.#host, 'tbody').innerHTML = state.runs.all().map((run) => row(run, run === current, state.runs.overlay.has(run.id))).join('')
      || `<tr><td colspan="15">The first run appears after its first epoch.</td></tr>`;
  }

  dispose(): void {
    this.#listeners.dispose();
  }
}

/** "MLP 128" (its hidden units) or "conv". */
function structureOf(s: TrainSettings): string {
  return s.architecture === 'conv' ? 'conv' : `MLP ${s.hiddenUnits}`;
}

function row(run: Run, current: boolean, overlaid: boolean): string {
  const s = run.settings;
  const last = run.epochs.at(-1)!;
  const box = current
    ? '<td>drawn</td>'
    : `<td><input type="checkbox" data-run="${run.id}" ${overlaid ? 'checked' : ''} aria-label="Draw run ${run.id} over the chart"></td>`;
  return `<tr${current ? ' class="current"' : ''}>${box}<td>${run.id}${current ? ' (now)' : ''}${run.branchOf ? `<span class="branch-of"> · from run ${run.branchOf.run} at epoch ${run.branchOf.epoch}</span>` : ''}</td><td>${structureOf(s)}</td><td>${s.latentDim}</td>
    <td>${runSetting(run, 'beta')}</td><td>${runSetting(run, 'learningRate')}</td><td>${s.batchSize}</td><td>${s.seed}</td><td>${run.epochs.length}</td>
    <td>${last.testElbo.toFixed(1)}</td><td>${last.recon.toFixed(1)}</td><td>${last.kl.toFixed(2)}</td>
    <td>${(run.wallMs / 1000).toFixed(0)} s</td><td>${Math.round(run.samplesPerSec).toLocaleString('en-US')}</td><td>${DATASETS[s.datasetId]?.name ?? s.datasetId}</td></tr>`;
}
