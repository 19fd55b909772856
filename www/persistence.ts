// What lasts across a reload: the trained model (as safetensors bytes), its settings and its loss history, in
// IndexedDB, one record per page and element id. Storage can fail (private mode, full disk, blocked): every call
// resolves or rejects with a message a person can act on, and the widget goes on without it.
import type { TrainSettings } from './protocol.js';
import type { SavedHistory } from './views/loss-history.js';

const DB = 'vae-playground';
const STORE = 'models';
const VERSION = 1;

export interface SavedRun {
  version: 1;
  savedAt: number;
  settings: TrainSettings;
  epoch: number;
  weights: ArrayBuffer;
  history: SavedHistory;
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
  return !!run && run.version === 1 && run.weights instanceof ArrayBuffer && typeof run.settings === 'object' && typeof run.history === 'object';
}
