// The toolbar (Train/Pause, Reset, what is happening in words), the progress bar, and the error box with Retry.
import { describeTeam } from '../team/count.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type View } from './view.js';
import { countOf } from '../english.js';

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export class StatusView implements View {
  #listeners = new Listeners();
  #toggle!: HTMLButtonElement;
  #reset!: HTMLButtonElement;
  #status!: HTMLElement;
  #bar!: HTMLElement;
  #error!: HTMLElement;
  #shown = { status: '', bar: '', error: null as PlaygroundState['error'] };

  constructor(private readonly actions: PlaygroundActions) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="toolbar" part="toolbar">
        <button class="primary" data-action="toggle" disabled>Train</button>
        <button data-action="reset" disabled>Reset</button>
        <button data-action="start-over" hidden title="Forget every model kept for the next visit (for all settings) and start a fresh one">Start over</button>
        <span class="status" role="status" aria-live="polite">Loading…</span>
      </div>
      <div class="progress" part="progress" aria-hidden="true"><div></div></div>
      <div class="error" role="alert" part="error"><p></p><button data-action="offer" hidden></button><button data-action="retry">Retry</button><button data-action="dismiss" aria-label="Dismiss the message">✕</button></div>`;
    this.#toggle = find(host, '[data-action="toggle"]');
    this.#reset = find(host, '[data-action="reset"]');
    this.#status = find(host, '.status');
    this.#bar = find(host, '.progress > div');
    this.#error = find(host, '.error');
    this.#listeners.on(this.#toggle, 'click', () => (this.#toggle.getAttribute('aria-pressed') === 'true' ? this.actions.pause() : this.actions.train()));
    this.#listeners.on(this.#reset, 'click', () => this.actions.reset());
    this.#listeners.on(find(host, '[data-action="start-over"]'), 'click', () => this.actions.startOver());
    this.#listeners.on(find(host, '[data-action="retry"]'), 'click', () => this.actions.retry());
    this.#listeners.on(find(host, '[data-action="offer"]'), 'click', () => this.actions.acceptOffer());
    this.#listeners.on(find(host, '[data-action="dismiss"]'), 'click', () => this.actions.dismissError());
  }

  update(state: Readonly<PlaygroundState>): void {
    const enabled = state.ready !== null;
    this.#toggle.disabled = !enabled;
    this.#reset.disabled = !enabled;
    find<HTMLButtonElement>(this.#toggle.parentElement!, '[data-action="start-over"]').hidden = !state.persist;
    this.#toggle.textContent = state.running ? 'Pause' : 'Train';
    this.#toggle.setAttribute('aria-pressed', String(state.running));

    const status = statusHtml(state);
    if (status !== this.#shown.status) this.#status.innerHTML = this.#shown.status = status;
    const bar = barWidth(state);
    if (bar !== this.#shown.bar) this.#bar.style.width = this.#shown.bar = bar;

    if (state.error !== this.#shown.error) {
      this.#shown.error = state.error;
      this.#error.classList.toggle('shown', state.error !== null);
      this.#error.classList.toggle('notice', state.error?.notice === true);
      this.#error.setAttribute('role', state.error?.notice ? 'status' : 'alert');
      find(this.#error, 'p').textContent = state.error?.message ?? '';
      find<HTMLElement>(this.#error, '[data-action="retry"]').hidden = !state.error?.fatal;
      const offer = find<HTMLButtonElement>(this.#error, '[data-action="offer"]');
      offer.hidden = !state.error?.offer;
      offer.textContent = state.error?.offer ?? '';
    }
  }

  dispose(): void {
    this.#listeners.dispose();
  }
}

/** The status line. Only numbers and fixed words go into it, so building it as HTML is safe. */
function statusHtml(state: Readonly<PlaygroundState>): string {
  if (state.loading) return escape(state.loading);
  if (!state.ready) return state.error?.fatal ? 'Stopped' : 'Loading…';
  const simd = state.ready.relaxedSimd ? ' · relaxed SIMD' : state.ready.simd ? ' · SIMD' : '';
  // The tutorial's MLP goes without saying; the other structure is named, as its speed differs so much.
  const structure = state.ready.architecture === 'conv' ? ' · convolutional' : '';
  const team = state.team ? ` · ${escape(describeTeam(state.team))}` : '';
  const p = state.progress;
  if (state.running && p) {
    const of = state.epochs > 0 ? ` / ${state.epochs}` : '';
    // Colour, not weight, marks the epoch: see `.status strong` in styles.ts.
    return `<strong>epoch ${p.epoch + (p.epochProgress > 0 ? 1 : 0)}${of}</strong> · ${COUNT.format(p.samplesPerSec)} samples/s${team}${structure}${simd}`;
  }
  if (state.trainedEpoch !== null) return `Trained ${countOf(state.trainedEpoch, 'epoch')} · press Train to go on`;
  if (p) return `Paused in epoch ${p.epoch + 1} · press Train to go on`;
  return `Ready · ${COUNT.format(state.ready.trainSize)} training ${escape(state.dataset.items)}${team}${simd}`;
}

function barWidth(state: Readonly<PlaygroundState>): string {
  const p = state.progress;
  if (!p) return '0%';
  const total = state.epochs > 0 ? (p.epoch + p.epochProgress) / state.epochs : p.epochProgress;
  return `${Math.min(100, total * 100).toFixed(1)}%`;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
