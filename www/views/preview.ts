// The person's images before anything trains on them, in a modal dialog: while they are read, how far it has got
// (with Cancel); then a grid of the images as prepared, how many per class, every file skipped and why, the
// spellings taken as one class and other notes — and "Train on these", "Mix with MNIST" or "Cancel". When nothing
// could be used, the message names the files and why. Everything a person's files name (paths, folder names) goes
// into the page as text, never as markup.
import { MNIST_SPEC, pixelsOf } from '../datasets.js';
import type { IngestResult } from '../data/ingest.js';
import { formatBytes } from '../data/limits.js';
import { summariseSkipped } from '../data/report.js';
import { newModelQuestion } from './confirm.js';
import { drawTiles } from './tiles.js';
import { Listeners, find, type IngestState, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { countOf } from '../english.js';

/** Images shown in the preview's grid, at most (spread evenly over the set). */
const GRID_COLUMNS = 12;
const GRID_ROWS = 8;
/** Skipped files listed one by one, at most (the summary above the list names the rest by count). */
const LISTED = 200;

const COUNT = new Intl.NumberFormat('en-US');

export class PreviewView implements View {
  #listeners = new Listeners();
  #dialog!: HTMLDialogElement;
  #shown: IngestState | null = null;

  constructor(private readonly actions: Pick<PlaygroundActions, 'cancelImages' | 'trainOnImages'>) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<dialog class="preview" part="preview" aria-labelledby="preview-title">
      <h2 id="preview-title">Your images</h2>
      <div class="preview-reading"><p class="preview-phase" role="status" aria-live="polite"></p><progress class="preview-progress"></progress></div>
      <div class="preview-result">
        <p class="preview-summary"></p>
        <figure><canvas class="preview-grid" role="img"></canvas><figcaption class="preview-grid-note"></figcaption></figure>
        <table class="preview-classes"><caption>Images per class</caption><thead><tr><th scope="col">class</th><th scope="col">images</th></tr></thead><tbody></tbody></table>
        <ul class="preview-notes"></ul>
        <div class="preview-skipped"><p class="preview-skipped-summary"></p>
          <details><summary>Every file not used</summary><ul class="preview-skipped-list"></ul></details></div>
        <p class="hint preview-new-model"></p>
      </div>
      <p class="preview-failed" role="alert"></p>
      <div class="dialog-buttons">
        <button data-answer="cancel">Cancel</button>
        <button data-answer="mix" title="Your images train beside MNIST's digits, shown as diamonds in the latent panel">Mix with MNIST</button>
        <button class="primary" data-answer="train">Train on these</button>
      </div></dialog>`;
    this.#dialog = find(host, 'dialog');
    this.#listeners.on(find(host, '[data-answer="cancel"]'), 'click', () => this.actions.cancelImages());
    this.#listeners.on(find(host, '[data-answer="train"]'), 'click', () => this.actions.trainOnImages(false));
    this.#listeners.on(find(host, '[data-answer="mix"]'), 'click', () => this.actions.trainOnImages(true));
    this.#listeners.on(this.#dialog, 'cancel', (event) => {
      event.preventDefault();
      this.actions.cancelImages(); // Escape
    });
  }

  update(state: Readonly<PlaygroundState>): void {
    const newModel = find(this.#dialog, '.preview-new-model');
    const words = newModelQuestion('Training on them', state.persist);
    if (newModel.textContent !== words) newModel.textContent = words;
    const ingest = state.own.ingest;
    if (ingest === this.#shown) return;
    const before = this.#shown;
    this.#shown = ingest;
    if (!ingest) {
      if (this.#dialog.open) this.#dialog.close();
      return;
    }
    const phase = ingest.phase;
    find<HTMLElement>(this.#dialog, '.preview-reading').hidden = phase !== 'collecting' && phase !== 'reading';
    find<HTMLElement>(this.#dialog, '.preview-result').hidden = phase !== 'preview';
    const failed = find<HTMLElement>(this.#dialog, '.preview-failed');
    failed.hidden = phase !== 'failed';
    for (const answer of ['train', 'mix']) find<HTMLElement>(this.#dialog, `[data-answer="${answer}"]`).hidden = phase !== 'preview';
    find(this.#dialog, '[data-answer="cancel"]').textContent = phase === 'failed' ? 'Close' : 'Cancel';
    if (phase === 'collecting' || phase === 'reading') this.#showReading(ingest);
    else if (phase === 'preview') this.#showResult(ingest.result);
    else failed.textContent = ingest.message;
    if (!this.#dialog.open) this.#dialog.showModal();
    // Focus: Cancel while reading or after a failure; once the preview is there, still Cancel (nothing changes
    // until the person chooses), moved only when the dialog's content changed kind.
    if (!before || before.phase !== phase) find<HTMLButtonElement>(this.#dialog, '[data-answer="cancel"]').focus();
  }

  dispose(): void {
    if (this.#dialog?.open) this.#dialog.close();
    this.#listeners.dispose();
  }

  #showReading(ingest: Extract<IngestState, { phase: 'collecting' | 'reading' }>): void {
    const text = find(this.#dialog, '.preview-phase');
    const bar = find<HTMLProgressElement>(this.#dialog, '.preview-progress');
    if (ingest.phase === 'collecting') {
      text.textContent = ingest.files ? `Looking through what you gave: ${COUNT.format(ingest.files)} files so far…` : 'Looking through what you gave…';
      bar.removeAttribute('value');
      return;
    }
    const p = ingest.progress;
    if (!p) {
      text.textContent = 'Reading your images…';
      bar.removeAttribute('value');
    } else if (p.phase === 'reading') {
      text.textContent = `Opening zips: ${formatBytes(p.done)} of ${formatBytes(p.total)}…`;
      bar.max = Math.max(1, p.total);
      bar.value = p.done;
    } else {
      text.textContent = `Decoding and preparing: ${COUNT.format(p.done)} of ${COUNT.format(p.total)} images…`;
      bar.max = Math.max(1, p.total);
      bar.value = p.done;
    }
  }

  #showResult(result: IngestResult): void {
    const spec = { ...MNIST_SPEC, width: result.width, height: result.height };
    const size = pixelsOf(spec);
    const shown = Math.min(result.count, GRID_COLUMNS * GRID_ROWS);
    const columns = Math.min(GRID_COLUMNS, shown);
    const rows = Math.ceil(shown / columns);
    // Spread over the whole set (files come in path order, so the first ones would often be one class only).
    const pixels = new Float32Array(shown * size);
    for (let k = 0; k < shown; k++) {
      const i = Math.floor((k * result.count) / shown);
      for (let p = 0; p < size; p++) pixels[k * size + p] = result.images[i * size + p] / 255;
    }
    const grid = find<HTMLCanvasElement>(this.#dialog, 'canvas.preview-grid');
    drawTiles(grid, pixels, columns, rows, spec);
    const first = shown < result.count ? `${COUNT.format(shown)} of the ${COUNT.format(result.count)}, spread over the set` : `All ${COUNT.format(result.count)}`;
    grid.setAttribute('aria-label', `Your images (${first}), prepared as they will train: white on black, ${result.width} × ${result.height}`);
    find(this.#dialog, '.preview-grid-note').textContent = `${first}, prepared as they will train: grayscale, inverted where the background is light, the background under uneven light taken away, the ink fitted into 20 × 20 and centred by mass in ${result.width} × ${result.height}.`;

    const labelled = result.labels !== null && result.classNames !== null;
    find(this.#dialog, '.preview-summary').textContent = `${countOf(result.count, 'image')} ready, ` +
      (labelled ? `in ${countOf(result.classNames!.length, 'class', 'classes')} (from folder names or label_ names).` : 'without labels (no folders or label_ names to take them from).');
    const table = find<HTMLTableElement>(this.#dialog, 'table.preview-classes');
    table.hidden = !labelled;
    if (labelled) {
      const counts = new Array<number>(result.classNames!.length).fill(0);
      for (const label of result.labels!) counts[label]++;
      table.tBodies[0].replaceChildren(...result.classNames!.map((name, i) => row(name, COUNT.format(counts[i]))));
    }

    const notes = find<HTMLElement>(this.#dialog, '.preview-notes');
    notes.replaceChildren(...result.notes.map((note) => item(note)));
    notes.hidden = result.notes.length === 0;

    const skippedCount = result.skipped.length + result.unread.reduce((sum, u) => sum + u.count, 0);
    const skipped = find<HTMLElement>(this.#dialog, '.preview-skipped');
    skipped.hidden = skippedCount === 0;
    find(this.#dialog, '.preview-skipped-summary').textContent = skippedCount === 0 ? ''
      : `${COUNT.format(skippedCount)} file${skippedCount === 1 ? ' was' : 's were'} not used — ${summariseSkipped(result.skipped, result.unread).join('; ')}.`;
    const list = result.skipped.slice(0, LISTED).map((s) => item(`${s.name}: ${s.reason}`));
    if (result.skipped.length > LISTED) list.push(item(`and ${COUNT.format(result.skipped.length - LISTED)} more`));
    for (const u of result.unread) list.push(item(`${COUNT.format(u.count)} not read (${u.reason}), from ${u.first.join(', ')} on`));
    find(this.#dialog, '.preview-skipped-list').replaceChildren(...list);
  }
}

function item(text: string): HTMLLIElement {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}

function row(...cells: string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}
