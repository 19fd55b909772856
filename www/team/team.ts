// The training worker's team: the share Workers it starts, the model they are ready for, and one step shared among
// them over shared memory. The training worker stays the one owner of the model, the optimizer and the data order:
// it begins each step (the batch's indices and noise), publishes its parameters, computes its own rows while the
// share Workers compute theirs, adds their gradients and makes the one update. A share Worker that fails or does not
// start leaves the team smaller, never the model changed.
import { ShareSums, type StepResult, type TrainerHandle } from '../../pkg/vae_playground.js';
import type { DecoderDescriptor } from '../protocol.js';
import { startWorker } from '../start-worker.js';
import { errorMessage } from '../wasm.js';
import { planTeam, type TeamInfo } from './count.js';
import { Float, Status, Word, createBuffer, helperWords, views, type Views } from './layout.js';
import type { FromShareWorker, ToShareWorker } from './protocol.js';
import { announce, awaitChange } from './wait.js';

/** A share Worker that has not finished its rows in this long is taken for hung: the step fails, the model is kept. */
const SHARE_TIMEOUT_MS = 10_000;

interface Helper {
  worker: Worker;
  /** The model it said it is ready for (0: none). */
  ready: number;
}

/** What a team's model needs from the session that trains it. */
export interface TeamModel {
  readonly trainer: TrainerHandle;
  readonly descriptor: DecoderDescriptor;
}

export class Team {
  #info: TeamInfo;
  #helpers: Helper[] = [];
  /** The model the helpers were last sent (0: none), and its buffer. */
  #model = 0;
  #for: TeamModel | null = null;
  #views: Views | null = null;
  readonly #own = new ShareSums();
  readonly #onChange: (info: TeamInfo) => void;
  /** This Worker's part of each batch's rows (see #balance). */
  #ownShare = 0.5;
  /** Steps shared among several Workers so far (the tests' and the benchmark's evidence that they were). */
  sharedSteps = 0;

  /**
   * `asked` training Workers in all (this one included); fewer where the page cannot share memory or a Worker does not
   * start. `onChange` hears every change of what trains.
   */
  constructor(asked: number, scriptUrl: string, readonly wasmUrl: string, onChange: (info: TeamInfo) => void) {
    this.#onChange = onChange;
    const isolated = typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    this.#info = planTeam(asked, isolated);
    for (let k = 0; k + 1 < this.#info.workers; k++) {
      let worker: Worker;
      try {
        worker = startWorker(scriptUrl, `vae-playground share ${k + 2}`);
      } catch (cause) {
        this.#shrink(`a training Worker could not start (${errorMessage(cause)})`);
        break;
      }
      const helper: Helper = { worker, ready: 0 };
      worker.onmessage = (event: MessageEvent<FromShareWorker>) => this.#receive(helper, event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.#drop(helper, `a training Worker failed to start or crashed (${event.message || 'no details'})`);
      };
      this.#post(helper, { type: 'load', wasm: wasmUrl });
      this.#helpers.push(helper);
    }
  }

  get info(): TeamInfo {
    return this.#info;
  }

  /** Ends the share Workers (the team is replaced). */
  close(): void {
    for (const helper of this.#helpers.splice(0)) helper.worker.terminate();
  }

  /**
   * One training step of `model`, shared when every share Worker is ready for it, else taken here alone (the first
   * steps of a new model, while the share Workers make it). Called within the trap guard.
   */
  step(model: TeamModel, report: StepResult): void {
    if (!this.#readyFor(model)) {
      model.trainer.step(report);
      return;
    }
    const team = this.#views!;
    const { header, floats, sums } = team;
    const t = model.trainer;
    t.copyParametersTo(team.parameters);
    const rows = t.beginSharedStep(team.indices, team.noise);
    floats[Float.beta] = t.beta();
    floats[Float.scale] = 1 / rows;
    // Contiguous shares, this Worker's first, as large as keeps it from waiting for the others (see #balance).
    const workers = this.#helpers.length + 1;
    const own = Math.min(rows - 1, Math.max(1, Math.round(rows * this.#ownShare)));
    const per = (rows - own) / this.#helpers.length;
    for (let k = 0; k < this.#helpers.length; k++) {
      const words = helperWords(k);
      Atomics.store(header, words.start, own + Math.round(k * per));
      Atomics.store(header, words.end, own + Math.round((k + 1) * per));
    }
    Atomics.store(header, Word.rows, rows);
    Atomics.store(header, Word.finished, 0);
    announce(header, Word.dispatched, 1, Word.helpersAsleep);
    t.shareGradients(0, own, this.#own);
    this.#balance(this.#awaitShares(header));
    let recon = this.#own.recon;
    let kl = this.#own.kl;
    for (let k = 0; k < this.#helpers.length; k++) {
      const words = helperWords(k);
      if (Atomics.load(header, words.status) !== Status.ok) {
        const step = t.stepCount() + 1;
        this.#drop(this.#helpers[k], `training Worker ${k + 2} failed at step ${step}`);
        throw new Error(
          `Training stopped: training Worker ${k + 2} of ${workers} failed on its share of step ${step}; the model is as it was before that step. ` +
            'Press Train to go on without it.',
        );
      }
      if (Atomics.load(header, words.end) > Atomics.load(header, words.start)) {
        t.addGradients(team.gradients[k]);
        recon += sums[2 * k];
        kl += sums[2 * k + 1];
      }
    }
    t.finishSharedStep(recon, kl, report);
    this.sharedSteps++;
  }

  /**
   * This Worker's share of each batch moves a row's worth at a time towards where it finishes its rows as the others
   * finish theirs: it does more between steps than they do (the sum, the update, publishing), and they copy the
   * parameters in and the gradients out, so equal shares would leave one side waiting.
   */
  #balance(waited: boolean): void {
    const step = 1 / 256;
    this.#ownShare = Math.min(0.9, Math.max(0.1, this.#ownShare + (waited ? step : -step)));
  }

  /** Waits until every share Worker has finished; returns whether it had to wait. */
  #awaitShares(header: Int32Array): boolean {
    const expected = this.#helpers.length;
    for (let waited = false; ; waited = true) {
      const finished = Atomics.load(header, Word.finished);
      if (finished >= expected) return waited;
      if (awaitChange(header, Word.finished, finished, Word.trainerAsleep, SHARE_TIMEOUT_MS) === 'timed-out') {
        // Which one hangs is not known, and a late answer would count for the next step: all of them go.
        const seconds = SHARE_TIMEOUT_MS / 1000;
        for (const helper of [...this.#helpers]) this.#drop(helper, `a training Worker did not answer within ${seconds} s`);
        throw new Error(
          `Training stopped: a training Worker did not finish its share of a step within ${seconds} s; the model is as it was before that step. ` +
            'Press Train to go on with this Worker alone.',
        );
      }
    }
  }

  /** Whether the share Workers are ready for `model`; sends it to them the first time it is asked about. */
  #readyFor(model: TeamModel): boolean {
    if (this.#helpers.length === 0) return false;
    if (this.#for !== model) this.#send(model);
    return this.#views !== null && this.#helpers.every((h) => h.ready === this.#model);
  }

  #send(model: TeamModel): void {
    const t = model.trainer;
    this.#for = model;
    this.#model++;
    const sizes = { helpers: this.#helpers.length, parameters: t.parameterCount(), batch: t.batchSize(), latent: t.latent() };
    const buffer = createBuffer(sizes);
    this.#views = views(buffer, sizes);
    const trainImages = t.trainImages();
    for (const [index, helper] of this.#helpers.entries()) {
      this.#post(helper, { type: 'model', model: this.#model, index, descriptor: model.descriptor, trainImages, buffer, sizes });
    }
  }

  #receive(helper: Helper, message: FromShareWorker): void {
    if (message.type === 'ready') helper.ready = message.model;
    else this.#drop(helper, `a training Worker failed (${message.message})`);
  }

  #post(helper: Helper, message: ToShareWorker): void {
    helper.worker.postMessage(message);
  }

  /** One share Worker fewer: it is ended, and the next model's buffer is made for those left. */
  #drop(helper: Helper, why: string): void {
    const at = this.#helpers.indexOf(helper);
    if (at < 0) return;
    helper.worker.terminate();
    this.#helpers.splice(at, 1);
    // Each share Worker's index in the buffer changes: those left are sent the model again, with a new buffer.
    for (const other of this.#helpers) other.ready = 0;
    this.#for = null;
    this.#views = null;
    this.#shrink(why);
  }

  #shrink(why: string): void {
    this.#info = { ...this.#info, workers: this.#helpers.length + 1, exchange: this.#helpers.length > 0 ? 'shared-memory' : 'none', why };
    this.#onChange(this.#info);
  }
}
