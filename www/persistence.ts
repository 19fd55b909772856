// What lasts across a reload: the trained model as the .safetensors file "Export weights" writes (its metadata
// carries the settings, epoch count, the run's figures and loss curves) and the earlier runs, in IndexedDB, one
// record per page and element id. Records from before version 2 are not read: that visit starts fresh. Storage can fail (private mode, full disk, blocked): every call
// resolves or rejects with a message a person can act on, and the widget goes on without it.
import type { TrainSettings } from './protocol.js';
import type { Run, RunHistory } from './runs.js';
import { errorMessage } from './wasm.js';

const DB = 'vae-playground';
const STORE = 'models';
const VERSION = 1;

export interface SavedRun {
  version: 2;
  savedAt: number;
  /** Also in the file's metadata; here to check the fit without reading the file. */
  settings: TrainSettings;
  epoch: number;
  /** The exported .safetensors file. */
  weights: ArrayBuffer;
  /** The runs before this one. */
  runs: Run[];
}

export class ModelStore {
  readonly key: string;
  #db: Promise<IDBDatabase> | null = null;

  /** One record per page (path) and element id. */
  constructor(elementId: string) {
    this.key = `${location.pathname}#${elementId || 'vae-playground'}`;
  }

  load(): Promise<SavedRun | null> {
    return this.#run('readonly', (store) => store.get(this.key)).then((value) => (isSavedRun(value) ? value : null));
  }

  save(run: SavedRun): Promise<void> {
    return this.#run('readwrite', (store) => store.put(run, this.key)).then(() => undefined);
  }

  clear(): Promise<void> {
    return this.#run('readwrite', (store) => store.delete(this.key)).then(() => undefined);
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') throw new Error('this browser offers no IndexedDB');
      const request = indexedDB.open(DB, VERSION);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
      request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page'));
    }).catch((cause) => {
      this.#db = null; // a later call may try again
      throw cause;
    });
    return this.#db;
  }

  async #run(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest): Promise<unknown> {
    const db = await this.#open();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error ?? new Error('the browser refused to store the model'));
      transaction.onabort = () => reject(transaction.error ?? new Error('storing the model was aborted (is the disk full?)'));
    });
  }
}

function isSavedRun(value: unknown): value is SavedRun {
  const run = value as SavedRun | undefined;
  return !!run && run.version === 2 && run.weights instanceof ArrayBuffer && typeof run.settings === 'object' && Array.isArray(run.runs);
}

/** What the keeper needs from its element. */
export interface KeeperHost {
  settings(): TrainSettings;
  epoch(): number;
  runs(): RunHistory;
  exportWeights(): Promise<Blob>;
  /** Makes an exported file the model, with what its metadata carries (rejects, changing nothing, if it does not fit). */
  resume(bytes: ArrayBuffer): Promise<void>;
  /** News that is no error, for the person to read. */
  notice(message: string): void;
  /** The kept run is the model now. */
  restored(run: SavedRun): void;
}

/** The settings a kept model must share with the settings in force to be restored. */
const STRUCTURAL = ['hiddenUnits', 'latentDim', 'batchSize', 'seed'] as const;

/**
 * Keeps one element's run across reloads: restores it once the first model is ready, saves a moment after it
 * changed, forgets it on "Start over". Nothing it does can break the widget: failures become notices.
 */
export class RunKeeper {
  readonly #store: ModelStore;
  readonly #host: KeeperHost;
  /** Until the kept run has been restored (or found missing), nothing is saved over it. */
  #phase: 'waiting' | 'restoring' | 'done' = 'waiting';
  #timer = 0;
  #failed = false;

  constructor(elementId: string, host: KeeperHost) {
    this.#store = new ModelStore(elementId);
    this.#host = host;
  }

  /** Whether `restore()` is still to be called: once, when the first model is ready. */
  get restorePending(): boolean {
    return this.#phase === 'waiting';
  }

  async restore(): Promise<void> {
    this.#phase = 'restoring';
    try {
      const saved = await this.#store.load();
      if (!saved) return;
      const now = this.#host.settings();
      if (!STRUCTURAL.every((k) => saved.settings[k] === now[k])) {
        const { hiddenUnits, latentDim, batchSize, seed } = saved.settings;
        this.#host.notice(`The model kept from your last visit (${hiddenUnits} hidden units, ${latentDim} latent dimensions, batch ${batchSize}, seed ${seed}) does not fit the settings now in force, so this is a fresh model. “Start over” forgets the kept one; training this one replaces it.`);
        return;
      }
      await this.#host.resume(saved.weights.slice(0));
      this.#host.runs().restore(saved.runs);
      this.#host.restored(saved);
    } catch (cause) {
      this.#host.notice(`The model kept from your last visit could not be restored (${errorMessage(cause)}); this is a fresh model.`);
    } finally {
      this.#phase = 'done';
    }
  }

  /** Saves a moment after the run changed (an epoch ended, training stopped): several changes, one save. */
  scheduleSave(): void {
    if (this.#phase !== 'done') return;
    clearTimeout(this.#timer);
    this.#timer = window.setTimeout(() => void this.#save(), 400);
  }

  async forget(): Promise<void> {
    clearTimeout(this.#timer);
    try {
      await this.#store.clear();
    } catch (cause) {
      this.#host.notice(`The kept model could not be removed (${errorMessage(cause)}).`);
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }

  async #save(): Promise<void> {
    try {
      const weights = await (await this.#host.exportWeights()).arrayBuffer();
      await this.#store.save({
        version: 2, savedAt: Date.now(), settings: { ...this.#host.settings() }, epoch: this.#host.epoch(),
        weights, runs: this.#host.runs().runs,
      });
      this.#failed = false;
    } catch (cause) {
      if (this.#failed) return; // said once is enough
      this.#failed = true;
      this.#host.notice(`The model cannot be kept for your next visit (${errorMessage(cause)}). Everything else works; “Export weights” saves it as a file.`);
    }
  }
}
