// The run history: every run (its settings, per-epoch test figures, wall time, speed) is kept, so "β = 1 vs β = 4"
// is one glance. The current run grows as epochs end; a reset, a structural change or a loaded file archives it.
import type { TrainSettings } from './protocol.js';

export interface RunEpoch {
  epoch: number;
  testElbo: number;
  recon: number;
  kl: number;
  /** The live settings in force when the epoch ended (absent in runs kept before they were recorded). */
  beta?: number;
  learningRate?: number;
}

/** The settings that may change during a run, each epoch keeping its own. */
type LiveSetting = 'beta' | 'learningRate';

export interface Run {
  /** 1, 2, 3 … in the order runs started. */
  id: number;
  settings: TrainSettings;
  stepsPerEpoch: number;
  epochs: RunEpoch[];
  /** Milliseconds spent training. */
  wallMs: number;
  samplesPerSec: number;
  /** A branch ("branch from here" on the timeline): the run it went on from, and the epoch it left it at. */
  branchOf?: { run: number; epoch: number };
}

/** Runs kept at most (the oldest go first). */
export const KEEP_RUNS = 20;
/**
 * Epochs a run keeps at most (the earliest go first): training "until paused" overnight must not grow the table,
 * the chart's overlays, the CSV or a saved file without end. The chart keeps as many epoch points.
 */
export const MAX_RUN_EPOCHS = 10_000;
/** Runs drawn over the chart at most. */
export const MAX_OVERLAY = 4;

/** A live setting of a run in words: its value, or its values in the order the run had them ("1 → 4 → 1"; the
 * first and the last two where it changed more often). */
export function runSetting(run: Run, key: LiveSetting): string {
  const values = run.epochs.map((e) => e[key] ?? run.settings[key]).filter((v, i, all) => i === 0 || v !== all[i - 1]);
  if (values.length === 0) return `${run.settings[key]}`;
  return (values.length > 4 ? [values[0], '…', ...values.slice(-2)] : values).join(' → ');
}

/** Whether `run`'s figures begin with all of `earlier`'s: the same run, trained on since. */
function continues(run: Run, earlier: Run): boolean {
  return earlier.epochs.length <= run.epochs.length && earlier.epochs.every((e, i) => e.epoch === run.epochs[i].epoch && e.testElbo === run.epochs[i].testElbo);
}

export class RunHistory {
  runs: Run[] = [];
  /** Ids of archived runs drawn over the chart. */
  overlay = new Set<number>();
  version = 0;
  #current: Run | null = null;
  #runningSince: number | null = null;
  #nextId = 1;

  /** The run of the model now training, if it has reached an epoch. */
  get current(): Run | null {
    return this.#current && this.#current.epochs.length > 0 ? this.#current : null;
  }

  /** A new model: the run so far goes into the history (if it reached an epoch), a new one starts. */
  startRun(settings: TrainSettings, stepsPerEpoch: number): void {
    this.#archive();
    this.#current = { id: this.#nextId++, settings: { ...settings }, stepsPerEpoch, epochs: [], wallMs: 0, samplesPerSec: 0 };
    this.#runningSince = null;
    this.version++;
  }

  /**
   * The model goes on from epoch `epoch` of the current run with other live settings: a new run that starts with the
   * current one's figures up to there (its curve continues them) and names where it branched.
   */
  branch(settings: TrainSettings, epoch: number): void {
    const parent = this.#current;
    if (!parent) return;
    this.startRun(settings, parent.stepsPerEpoch);
    const run = this.#current!;
    run.branchOf = { run: parent.id, epoch };
    run.epochs = parent.epochs.filter((e) => e.epoch <= epoch).map((e) => ({ ...e }));
    this.version++;
  }

  /**
   * An epoch ended, with the settings in force then (β and the learning rate can change during a run). The run's time
   * is brought up to now, so the table and the exports of a run in progress show what it has trained so far.
   */
  addEpoch(epoch: RunEpoch, settings: TrainSettings, now = performance.now()): void {
    if (!this.#current) return;
    this.#count(now);
    const { beta, learningRate } = settings;
    this.#current.epochs.push({ epoch: epoch.epoch, testElbo: epoch.testElbo, recon: epoch.recon, kl: epoch.kl, beta, learningRate });
    if (this.#current.epochs.length > MAX_RUN_EPOCHS) this.#current.epochs.shift();
    this.#current.settings = { ...settings };
    this.version++;
  }

  /**
   * The current run is a loaded model's: its settings, and (if the file carried them) the figures of the run that
   * trained it, which this run continues. `run` has been through `validRun` (validate.ts).
   */
  resume(settings: TrainSettings, run: Run | null): void {
    if (!this.#current) return;
    this.#current.settings = { ...settings };
    if (run) {
      // A kept model coming back (its structure or data chosen again) goes on as the run it was, not beside it.
      const same = this.runs.findIndex((r) => r.id === run.id && continues(run, r));
      if (same >= 0) {
        this.overlay.delete(run.id);
        this.runs.splice(same, 1);
        this.#current.id = run.id;
      }
      this.#current.epochs = run.epochs.map((e) => ({ ...e }));
      this.#current.wallMs = Number(run.wallMs) || 0;
      this.#current.samplesPerSec = Number(run.samplesPerSec) || 0;
    }
    this.version++;
  }

  running(isRunning: boolean, now = performance.now()): void {
    if (isRunning && this.#runningSince === null) this.#runningSince = now;
    if (!isRunning && this.#runningSince !== null) {
      this.#count(now);
      this.#runningSince = null;
      this.version++;
    }
  }

  /** Adds the training time since the clock last counted to the current run's. */
  #count(now: number): void {
    if (this.#runningSince === null || !this.#current) return;
    this.#current.wallMs += now - this.#runningSince;
    this.#runningSince = now;
  }

  speed(samplesPerSec: number): void {
    if (this.#current) this.#current.samplesPerSec = samplesPerSec;
  }

  /** Draws archived run `id` over the chart or stops; at most MAX_OVERLAY at once (false if refused). */
  toggleOverlay(id: number, on: boolean): boolean {
    if (on && !this.overlay.has(id) && this.overlay.size >= MAX_OVERLAY) return false;
    if (on) this.overlay.add(id);
    else this.overlay.delete(id);
    this.version++;
    return true;
  }

  /**
   * The runs kept from an earlier visit, before the current one (whose ids then follow theirs). `runs` come from
   * storage: pass them through `validRuns` (validate.ts) first.
   */
  restore(runs: Run[]): void {
    this.runs = runs.slice(-KEEP_RUNS);
    const last = Math.max(0, ...this.runs.map((r) => r.id));
    if (this.#current) this.#current.id = last + 1;
    this.#nextId = last + 2;
    this.version++;
  }

  clear(): void {
    this.runs = [];
    this.overlay.clear();
    this.#current = null;
    this.version++;
  }

  /** Every run with an epoch, archived first, then the current one. */
  all(): Run[] {
    return this.current ? [...this.runs, this.current] : [...this.runs];
  }

  /** One row per run and epoch. */
  toCsv(): string {
    // New columns go at the end: a script that reads the columns by position keeps working.
    const header = 'run,hidden_units,latent_dim,beta,learning_rate,batch_size,seed,epoch,test_neg_elbo,test_recon,test_kl,wall_seconds,samples_per_sec,architecture,dataset';
    const rows = this.all().flatMap((run) => run.epochs.map((e) => {
      const s = run.settings;
      return [run.id, s.hiddenUnits, s.latentDim, e.beta ?? s.beta, e.learningRate ?? s.learningRate, s.batchSize, s.seed, e.epoch,
        e.testElbo.toFixed(3), e.recon.toFixed(3), e.kl.toFixed(3), (run.wallMs / 1000).toFixed(1), Math.round(run.samplesPerSec),
        s.architecture, s.datasetId].join(',');
    }));
    return [header, ...rows].join('\n') + '\n';
  }

  toJson(): string {
    return JSON.stringify({ format: 'vae-playground-runs/1', runs: this.all() }, null, 2);
  }

  #archive(): void {
    const run = this.current;
    if (!run) return;
    this.running(false);
    this.runs.push(run);
    while (this.runs.length > KEEP_RUNS) this.overlay.delete(this.runs.shift()!.id);
  }
}
