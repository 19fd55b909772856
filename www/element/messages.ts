// The message box's content: a problem the widget survives, one that stops it (Retry), or news that is no error — a
// notice, which may offer one choice (a kept model that does not fit: "Restore it").
import type { PlaygroundState } from '../views/view.js';

export interface Offer {
  label: string;
  accept(): void;
}

export class Messages {
  shown: PlaygroundState['error'] = null;
  #offer: Offer | null = null;

  notice(message: string, offer?: Offer): void {
    this.shown = { message, fatal: false, notice: true, offer: offer?.label };
    this.#offer = offer ?? null;
  }

  problem(message: string): void {
    this.shown = { message, fatal: false };
    this.#offer = null;
  }

  fatal(message: string): void {
    this.shown = { message, fatal: true };
    this.#offer = null;
  }

  clear(): void {
    this.shown = null;
    this.#offer = null;
  }

  /** The person took the offer: the message goes, the choice is made. */
  accept(): void {
    const offer = this.#offer;
    this.clear();
    offer?.accept();
  }
}
