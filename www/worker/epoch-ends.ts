// Epoch ends waiting for their test figures, which are computed away from training (www/evaluation/): each is taken
// at its step, and sent when its figures are in, after every earlier one, while training goes on.
import type { Evaluation } from '../evaluation/client.js';
import type { Session } from './session.js';
import { Trapped } from './traps.js';

export class EpochEnds {
  /** The last end of the chain (each is sent after the one before), or null when none waits. */
  #last: Promise<void> | null = null;
  #waiting = 0;
  readonly #evaluation: Evaluation;
  /** An evaluation failed (not a trap: that is reported already) while `session` was current. */
  readonly #failed: (session: Session, cause: unknown) => void;

  constructor(evaluation: Evaluation, failed: (session: Session, cause: unknown) => void) {
    this.#evaluation = evaluation;
    this.#failed = failed;
  }

  /** How many ends wait for their figures. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Takes `session`'s epoch end now and has its figures computed; it is sent once they are in. */
  take(session: Session): void {
    const end = session.takeEpochEnd();
    const figures = this.#evaluation.evaluate(() => session.trainer.parameters());
    figures.catch(() => {}); // handled below, once the ends before it are sent
    this.#waiting++;
    this.#last = (this.#last ?? Promise.resolve())
      .then(() => figures)
      .then(
        (done) => session.sendEpochEnd(end, done),
        (cause) => {
          session.dropEpochEnd();
          if (!(cause instanceof Trapped)) this.#failed(session, cause);
        },
      )
      .finally(() => {
        if (--this.#waiting === 0) this.#last = null;
      });
  }

  /** Once every end taken so far has been sent (at once if none waits). */
  async sent(): Promise<void> {
    if (this.#last) await this.#last;
  }
}
