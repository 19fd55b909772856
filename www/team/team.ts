// The training worker's team: the share Workers it starts, the model they are ready for, and one step shared among
// them — over shared memory where the page is cross-origin isolated, by messages elsewhere. The training worker stays
// the one owner of the model, the optimizer and the data order: it begins each step (the batch's indices and noise),
// publishes its parameters, computes its own rows while the share Workers compute theirs, adds their gradients and
// makes the one update. A share Worker that fails or does not start leaves the team smaller, never the model changed.
import { ShareSums, type StepResult, type TrainerHandle } from '../../pkg/vae_playground.js';
import type { DecoderDescriptor } from '../protocol.js';
import { startWorker } from '../start-worker.js';
import { errorMessage } from '../wasm.js';
import { planTeam, type TeamInfo } from './count.js';
import { Float, Status, Word, createBuffer, createMessageBuffer, helperWords, views, type Sizes, type Views } from './layout.js';
import type { FromShareWorker, ToShareWorker } from './protocol.js';
import { announce, awaitChange } from './wait.js';

/**
 * Where shared-memory steps' time goes in the training worker, in ms summed over `steps`: beginning the step (the
 * batch and parameters published), its own rows, waiting for the share Workers, adding their gradients, the update.
 */
export interface SharedStepProfile {
  steps: number;
  begin: number;
  own: number;
  wait: number;
  add: number;
  update: number;
}
type Part = Exclude<keyof SharedStepProfile, 'steps'>;

/** A profile with nothing counted yet. */
export function emptyProfile(): SharedStepProfile {
  return { steps: 0, begin: 0, own: 0, wait: 0, add: 0, update: 0 };
}

/** A share Worker that has not finished its rows in this long is taken for hung: the step fails, the model is kept. */
const SHARE_TIMEOUT_MS = 10_000;

interface Helper {
  worker: Worker;
  /** The model it said it is ready for (0: none). */
  ready: number;
  /** Exchanging by messages: its buffer when home (null while it computes a share), and the reply awaited. */
  buffer: ArrayBuffer | null;
  reply: { model: number; resolve(): void } | null;
}

/** What a team's model needs from the session that trains it. */
export interface TeamModel {
  readonly trainer: TrainerHandle;
  readonly descriptor: DecoderDescriptor;
}

/** Where a helper's share of a step lies: the views it is written in, and its index there. */
interface Slot {
  views: Views;
  index: number;
}

export class Team {
  #info: TeamInfo;
  #helpers: Helper[] = [];
  /** The model the helpers were last sent (0: none), and (sharing memory) its one buffer. */
  #model = 0;
  #for: TeamModel | null = null;
  #shared: Views | null = null;
  readonly #own = new ShareSums();
  readonly #onChange: (info: TeamInfo) => void;
  /** This Worker's part of each batch's rows (see #balance). */
  #ownShare = 0.5;
  /** Steps shared among several Workers so far (the tests' and the benchmark's evidence that they were). */
  sharedSteps = 0;
  /** The benchmark's: set, it is added to at each step shared over memory. */
  profile: SharedStepProfile | null = null;
  /** When the profile's last part ended; null outside a step shared over memory (a step by messages is not profiled). */
  #lastMark: number | null = null;

  /**
   * `asked` training Workers in all (this one included); fewer where a Worker does not start. `onChange` hears every
   * change of what trains.
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
      const helper: Helper = { worker, ready: 0, buffer: null, reply: null };
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

  /** Whether steps are shared by messages, which the training loop awaits (`stepByMessages`). */
  get byMessages(): boolean {
    return this.#info.exchange === 'messages' && this.#helpers.length > 0;
  }

  /** Ends the share Workers (the team is replaced). */
  close(): void {
    for (const helper of this.#helpers.splice(0)) {
      helper.worker.terminate();
      helper.reply?.resolve(); // the step awaiting it finds its team replaced, and is dropped
    }
  }

  /**
   * One training step of `model`, shared over memory when every share Worker is ready for it, else taken here alone
   * (the first steps of a new model, while the share Workers make it; and every step that cannot wait for messages).
   * Called within the trap guard.
   */
  step(model: TeamModel, report: StepResult): void {
    if (this.byMessages || !this.#readyFor(model)) {
      model.trainer.step(report);
      return;
    }
    const team = this.#shared!;
    const { header } = team;
    const slots = this.#helpers.map((_, index) => ({ views: team, index }));
    this.#lastMark = this.profile ? performance.now() : null;
    try {
      const own = this.#begin(model.trainer, team, slots);
      Atomics.store(header, Word.finished, 0);
      announce(header, Word.dispatched, 1, Word.helpersAsleep);
      this.#mark('begin');
      model.trainer.shareGradients(0, own, this.#own);
      this.#mark('own');
      this.#balance(this.#awaitShares(header));
      this.#mark('wait');
      this.#finish(model.trainer, slots, report);
      if (this.profile) this.profile.steps++;
    } finally {
      this.#lastMark = null;
    }
  }

  /** The time since the last mark, to `part` of the profile (within a profiled step). */
  #mark(part: Part): void {
    if (!this.profile || this.#lastMark === null) return;
    const now = performance.now();
    this.profile[part] += now - this.#lastMark;
    this.#lastMark = now;
  }

  /**
   * One training step of `model` shared by messages: each share Worker's buffer goes out with the parameters and its
   * rows, and comes back with their gradient, while this Worker computes its own rows. `run` is the trap guard's;
   * `current` says whether `model` is still the one to train once the replies are in (a reset or a loaded file may
   * have replaced it meanwhile). Returns whether a step was taken (a step begun and then abandoned — the trainer
   * loaded weights or a state meanwhile — changes nothing).
   */
  async stepByMessages(model: TeamModel, report: StepResult, run: <T>(fn: () => T) => T, current: () => boolean): Promise<boolean> {
    if (!this.#readyFor(model) || this.#helpers.some((h) => h.buffer === null)) {
      run(() => model.trainer.step(report));
      return true;
    }
    const t = model.trainer;
    const helpers = [...this.#helpers];
    const sizes = { ...this.#sizes(t), helpers: 1 }; // each share Worker's own buffer holds one helper
    const slots = helpers.map((h) => ({ views: views(h.buffer!, sizes), index: 0 }));
    const begun = run(() => {
      const own = this.#begin(t, slots[0].views, slots);
      const replies = helpers.map((helper) => this.#dispatch(helper));
      t.shareGradients(0, own, this.#own);
      return { step: t.begunStep(), replies, ownDone: performance.timeOrigin + performance.now() };
    });
    await Promise.all(begun.replies);
    if (!current()) return false;
    const gone = helpers.findIndex((h) => !this.#helpers.includes(h) || h.buffer === null);
    if (gone >= 0) {
      const step = run(() => t.stepCount()) + 1;
      throw new Error(
        `Training stopped: training Worker ${gone + 2} of ${helpers.length + 1} failed on its share of step ${step}; the model is as it was before that step. ` +
          'Press Train to go on without it.',
      );
    }
    return run(() => {
      if (t.begunStep() !== begun.step) return false;
      // The buffers came back: read each where it now is.
      const back = helpers.map((h) => ({ views: views(h.buffer!, sizes), index: 0 }));
      // A message's own delay is not a share's: balance on when each finished, as memory-sharing does on waiting.
      this.#balance(back.some(({ views }) => views.finishedAt[0] > begun.ownDone));
      this.#finish(t, back, report);
      return true;
    });
  }

  #sizes(t: TrainerHandle): Sizes {
    return { helpers: this.#helpers.length, parameters: t.parameterCount(), batch: t.batchSize(), latent: t.latent() };
  }

  /**
   * Begins a step: parameters, the batch's indices and noise, β, the scale and each helper's rows into their views.
   * Returns this Worker's rows (those before the first helper's).
   */
  #begin(t: TrainerHandle, first: Views, slots: Slot[]): number {
    const rows = t.beginSharedStep(first.indices, first.noise);
    // Contiguous shares, this Worker's first, as large as keeps it from waiting for the others (see #balance).
    const own = Math.min(rows - 1, Math.max(1, Math.round(rows * this.#ownShare)));
    const per = (rows - own) / slots.length;
    const written = new Set<Views>();
    slots.forEach(({ views, index }, k) => {
      if (!written.has(views)) {
        written.add(views);
        t.copyParametersTo(views.parameters);
        if (views !== first) {
          views.indices.set(first.indices.subarray(0, rows));
          views.noise.set(first.noise.subarray(0, rows * t.latent()));
        }
        views.floats[Float.beta] = t.beta();
        views.floats[Float.scale] = 1 / rows;
      }
      const words = helperWords(index);
      Atomics.store(views.header, words.start, own + Math.round(k * per));
      Atomics.store(views.header, words.end, own + Math.round((k + 1) * per));
      Atomics.store(views.header, words.status, Status.ok);
    });
    return own;
  }

  /** Adds each helper's gradient and sums to this Worker's and makes the update; a helper that failed stops it. */
  #finish(t: TrainerHandle, slots: Slot[], report: StepResult): void {
    let recon = this.#own.recon;
    let kl = this.#own.kl;
    const workers = slots.length + 1;
    const helpers = [...this.#helpers];
    slots.forEach(({ views, index }, k) => {
      const words = helperWords(index);
      if (Atomics.load(views.header, words.status) !== Status.ok) {
        const step = t.stepCount() + 1;
        this.#drop(helpers[k], `training Worker ${k + 2} failed at step ${step}`);
        throw new Error(
          `Training stopped: training Worker ${k + 2} of ${workers} failed on its share of step ${step}; the model is as it was before that step. ` +
            'Press Train to go on without it.',
        );
      }
      if (Atomics.load(views.header, words.end) > Atomics.load(views.header, words.start)) {
        t.addGradients(views.gradients[index]);
        recon += views.sums[2 * index];
        kl += views.sums[2 * index + 1];
      }
    });
    this.#mark('add');
    t.finishSharedStep(recon, kl, report);
    this.#mark('update');
    this.sharedSteps++;
  }

  /** Sends a helper its buffer with a step in it; resolves when the buffer is back. */
  #dispatch(helper: Helper): Promise<void> {
    const buffer = helper.buffer!;
    helper.buffer = null;
    const model = this.#model;
    const reply = new Promise<void>((resolve) => (helper.reply = { model, resolve }));
    helper.worker.postMessage({ type: 'step', model, buffer } satisfies ToShareWorker, [buffer]);
    return reply;
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
    return this.#helpers.every((h) => h.ready === this.#model);
  }

  #send(model: TeamModel): void {
    const t = model.trainer;
    this.#for = model;
    this.#model++;
    const sizes = this.#sizes(t);
    const shared = this.#info.exchange === 'shared-memory' ? createBuffer(sizes) : null;
    this.#shared = shared && views(shared, sizes);
    const trainImages = t.trainImages();
    for (const [index, helper] of this.#helpers.entries()) {
      // By messages, each share Worker has a buffer of its own (one from an earlier model that is still out is dropped
      // when it comes back).
      if (!shared) helper.buffer = createMessageBuffer(sizes);
      this.#post(helper, { type: 'model', model: this.#model, index, descriptor: model.descriptor, trainImages, buffer: shared, sizes });
    }
  }

  #receive(helper: Helper, message: FromShareWorker): void {
    if (message.type === 'ready') {
      helper.ready = message.model;
    } else if (message.type === 'stepped') {
      // A buffer of an earlier model is dropped (the helper has a new one), and answers no later step's wait.
      if (message.model === this.#model) helper.buffer = message.buffer;
      if (helper.reply?.model === message.model) {
        const reply = helper.reply;
        helper.reply = null;
        reply.resolve();
      }
    } else {
      this.#drop(helper, `a training Worker failed (${message.message})`);
    }
  }

  #post(helper: Helper, message: ToShareWorker): void {
    helper.worker.postMessage(message);
  }

  /** One share Worker fewer: it is ended, and the next model's buffer is made for those left. */
  #drop(helper: Helper, why: string): void {
    const at = this.#helpers.indexOf(helper);
    if (at < 0) return;
    helper.worker.terminate();
    helper.reply?.resolve(); // a step awaiting it finds its status, or is abandoned
    this.#helpers.splice(at, 1);
    // Each share Worker's index in the buffer changes: those left are sent the model again, with a new buffer.
    for (const other of this.#helpers) other.ready = 0;
    this.#for = null;
    this.#shared = null;
    this.#shrink(why);
  }

  #shrink(why: string): void {
    this.#info = { ...this.#info, workers: this.#helpers.length + 1, exchange: this.#helpers.length > 0 ? this.#info.exchange : 'none', why };
    this.#onChange(this.#info);
  }
}
