// One question at a time in a modal dialog (the platform's <dialog>: focus moves into it, Escape cancels, focus
// returns after), for the choices that would throw away work — a structural setting while a trained model exists.
import { Listeners, find, type View } from './view.js';

/**
 * The question before a change that replaces a trained model, saying what becomes of that model: its figures stay in
 * the run history; its weights stay in this browser where the element keeps models (`persist`: each under its own
 * settings, so choosing them again brings it back), and are dropped otherwise.
 */
export function newModelQuestion(change: string, keptInBrowser: boolean): string {
  const weights = keptInBrowser
    ? 'its weights stay kept in this browser and come back when you choose its settings again'
    : 'its weights are dropped (export them first to keep them)';
  return `${change} starts a new model. The one trained so far stays in the run history as figures; ${weights}.`;
}

export class ConfirmView implements View {
  #listeners = new Listeners();
  #dialog!: HTMLDialogElement;
  #answer: ((yes: boolean) => void) | null = null;

  mount(host: HTMLElement): void {
    host.innerHTML = `<dialog class="confirm" part="dialog" aria-labelledby="confirm-question">
      <p id="confirm-question"></p>
      <div class="dialog-buttons"><button data-answer="no">Keep training this model</button>
      <button class="primary" data-answer="yes">Start a new model</button></div></dialog>`;
    this.#dialog = find(host, 'dialog');
    this.#listeners.on(find(host, '[data-answer="yes"]'), 'click', () => this.#close(true));
    this.#listeners.on(find(host, '[data-answer="no"]'), 'click', () => this.#close(false));
    this.#listeners.on(this.#dialog, 'cancel', (event) => {
      event.preventDefault();
      this.#close(false); // Escape
    });
  }

  update(): void {}

  /** Asks `question`; resolves true for "Start a new model". A question asked while one is open answers the first no. */
  ask(question: string): Promise<boolean> {
    this.#answer?.(false);
    find(this.#dialog, 'p').textContent = question;
    if (!this.#dialog.open) this.#dialog.showModal();
    find<HTMLButtonElement>(this.#dialog, '[data-answer="no"]').focus(); // the safe choice has the focus
    return new Promise((resolve) => (this.#answer = resolve));
  }

  dispose(): void {
    this.#close(false);
    this.#listeners.dispose();
  }

  #close(yes: boolean): void {
    if (this.#dialog?.open) this.#dialog.close();
    const answer = this.#answer;
    this.#answer = null;
    answer?.(yes);
  }
}
