// The time-lapse across reloads (`persist`): IndexedDB, one record per frame and per state, keyed by the element's
// record (page path and id, or order, as the kept models are: persistence.ts) and the step; a header record says which
// run it is. The store mirrors the recorder — what thinning drops is deleted — so it holds what the recorder holds,
// within the same bound, and it is read back in small batches so no single task deserialises tens of megabytes (one
// 64 MB value blocks a thread for about a second). Its own database, so that it never interferes with the models'.
// "Start over" clears it. Storage can fail (private mode, a full disk): every call rejects with a sentence, and the
// time-lapse goes on in memory.
import type { ElementKey } from '../persistence.js';
import { MAX_FRAMES, MAX_STATES, MEMORY_BOUND, frameBytes, type Frame, type RecordChange, type StateFrame, type TimelapseHeader } from './frames.js';

export const DATABASE = 'vae-playground-timelapse';
const STORE = 'records';
const VERSION = 1;
/** Frames read per transaction when loading (~3.4 MB for the default MLP). */
const BATCH = 16;
/** Changes are written together after this long (one transaction a second while training, not one per frame). */
export const FLUSH_MS = 1000;

export interface StoredHeader extends TimelapseHeader {
  /** Which run the frames belong to, in the element's words (its model's configuration and run id, say). */
  run: string;
  savedAt: number;
}

interface FrameRecord {
  version: 1;
  step: number;
  epoch: number;
  losses: Frame['losses'];
  codes: Float32Array;
  decoder: Uint16Array;
  projection: Frame['projection'];
}
interface StateRecord {
  version: 1;
  step: number;
  epoch: number;
  state: ArrayBuffer;
}

export interface LoadedTimelapse {
  header: StoredHeader;
  frames: Frame[];
  states: StateFrame[];
  /** Records that could not be used (another version, damaged), in words. */
  dropped: string[];
}

export class TimelapseStore {
  readonly #prefix: IDBValidKey[];
  readonly #database: string;
  #db: Promise<IDBDatabase> | null = null;
  #pending: { put: Map<string, [IDBValidKey, unknown]>; remove: Map<string, IDBValidKey> } = { put: new Map(), remove: new Map() };
  #timer: ReturnType<typeof setTimeout> | 0 = 0;
  #writing: Promise<void> = Promise.resolve();
  /** Told once when a write fails (the time-lapse goes on in memory). */
  onError: (message: string) => void = () => {};

  constructor(element: ElementKey, path = location.pathname, database = DATABASE) {
    this.#prefix = 'id' in element ? [path, 'id', element.id] : [path, 'order', element.order];
    this.#database = database;
  }

  /** A new run: this element's earlier time-lapse is forgotten, and `header` written. */
  async begin(header: StoredHeader): Promise<void> {
    this.#dropPending();
    await this.#run('readwrite', (store) => {
      store.delete(this.#range());
      store.put({ version: 1, ...header }, this.#key('header'));
    });
  }

  /** A branch at `step`: the frames and states after it go (those before are the branch's own history now). */
  async truncate(step: number, header: StoredHeader): Promise<void> {
    await this.flush();
    await this.#run('readwrite', (store) => {
      for (const kind of ['frame', 'state']) store.delete(IDBKeyRange.bound(this.#key(kind, step), this.#key(kind, Infinity), true, false));
      store.put({ version: 1, ...header }, this.#key('header'));
    });
  }

  /** Mirrors a recorder's change (written with the others within FLUSH_MS). */
  write(change: RecordChange): void {
    const { put, remove } = this.#pending;
    for (const [kind, steps] of [['frame', change.removedFrames], ['state', change.removedStates]] as const) {
      for (const step of steps) {
        const id = `${kind}:${step}`;
        put.delete(id);
        remove.set(id, this.#key(kind, step));
      }
    }
    const { frame, state } = change.added;
    if (frame) {
      const record: FrameRecord = { version: 1, step: frame.step, epoch: frame.epoch, losses: frame.losses, codes: frame.codes, decoder: frame.decoder, projection: frame.projection };
      remove.delete(`frame:${frame.step}`);
      put.set(`frame:${frame.step}`, [this.#key('frame', frame.step), record]);
    }
    if (state) {
      const record: StateRecord = { version: 1, step: state.step, epoch: state.epoch, state: state.state };
      remove.delete(`state:${state.step}`);
      put.set(`state:${state.step}`, [this.#key('state', state.step), record]);
    }
    if (!this.#timer) this.#timer = setTimeout(() => void this.flush().catch(() => {}), FLUSH_MS);
  }

  /** Writes what is waiting now (before a reload, a branch, a new run). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = 0;
    const { put, remove } = this.#pending;
    this.#pending = { put: new Map(), remove: new Map() };
    if (put.size === 0 && remove.size === 0) return this.#writing;
    this.#writing = this.#writing.then(() => this.#run('readwrite', (store) => {
      for (const key of remove.values()) store.delete(key);
      for (const [key, record] of put.values()) store.put(record, key);
    })).catch((cause) => {
      this.onError(`The time-lapse cannot be kept for your next visit (${message(cause)}); it goes on here.`);
      throw cause;
    });
    return this.#writing;
  }

  /** The kept time-lapse, or null if there is none. Read in batches; records that do not fit are left out (and named). */
  async load(): Promise<LoadedTimelapse | null> {
    const header = await this.#get(this.#key('header'));
    if (!isHeader(header)) return null;
    const dropped: string[] = [];
    const frames: Frame[] = [];
    let bytes = 0;
    for (let from = -Infinity; ;) {
      const batch = await this.#getAll(IDBKeyRange.bound(this.#key('frame', from), this.#key('frame', Infinity), true, false), BATCH);
      for (const record of batch) {
        if (!isFrameRecord(record, header)) {
          dropped.push(`a frame that does not fit this version (step ${(record as FrameRecord)?.step})`);
          continue;
        }
        const frame: Frame = { step: record.step, epoch: record.epoch, losses: record.losses, codes: record.codes, decoder: record.decoder, projection: record.projection ?? null };
        bytes += frameBytes(frame);
        if (frames.length >= MAX_FRAMES || bytes > MEMORY_BOUND) {
          dropped.push(`frames beyond the time-lapse's bound (from step ${record.step})`);
          break;
        }
        frames.push(frame);
      }
      if (batch.length < BATCH || dropped.some((d) => d.startsWith('frames beyond'))) break;
      from = (batch.at(-1) as FrameRecord).step;
    }
    const states: StateFrame[] = [];
    for (let from = -Infinity; ;) {
      const batch = await this.#getAll(IDBKeyRange.bound(this.#key('state', from), this.#key('state', Infinity), true, false), 1);
      if (batch.length === 0) break;
      const record = batch[0] as StateRecord;
      from = record?.step;
      if (!isStateRecord(record)) {
        dropped.push('a training state that does not fit this version');
        break;
      }
      if (states.length >= MAX_STATES || bytes + record.state.byteLength > MEMORY_BOUND) {
        dropped.push(`training states beyond the time-lapse's bound (from step ${record.step})`);
        break;
      }
      bytes += record.state.byteLength;
      states.push({ step: record.step, epoch: record.epoch, state: record.state });
    }
    return { header, frames, states, dropped };
  }

  /** Forgets this element's time-lapse ("Start over"). */
  async clear(): Promise<void> {
    this.#dropPending();
    await this.#writing.catch(() => {});
    await this.#run('readwrite', (store) => store.delete(this.#range()));
  }

  #dropPending(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = 0;
    this.#pending = { put: new Map(), remove: new Map() };
  }

  #key(kind: string, step?: number): IDBValidKey {
    return step === undefined ? [...this.#prefix, kind] : [...this.#prefix, kind, step];
  }

  /** Every key of this element: arrays sort after strings and numbers, so [...prefix, []] bounds them all. */
  #range(): IDBKeyRange {
    return IDBKeyRange.bound(this.#prefix, [...this.#prefix, []]);
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') throw new Error('this browser offers no IndexedDB');
      const open = indexedDB.open(this.#database, VERSION);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error ?? new Error('IndexedDB could not be opened'));
      open.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page'));
    }).catch((cause) => {
      this.#db = null;
      throw cause;
    });
    return this.#db;
  }

  async #run(mode: IDBTransactionMode, work: (store: IDBObjectStore) => void): Promise<void> {
    const db = await this.#open();
    await new Promise<void>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error ?? new Error('the browser refused to store the time-lapse'));
      transaction.onabort = () => reject(transaction.error ?? new Error('storing the time-lapse was aborted (is the disk full?)'));
    });
  }

  async #get(key: IDBValidKey): Promise<unknown> {
    let value: unknown;
    await this.#run('readonly', (store) => {
      const request = store.get(key);
      request.onsuccess = () => (value = request.result);
    });
    return value;
  }

  async #getAll(range: IDBKeyRange, count: number): Promise<unknown[]> {
    let values: unknown[] = [];
    await this.#run('readonly', (store) => {
      const request = store.getAll(range, count);
      request.onsuccess = () => (values = request.result);
    });
    return values;
  }
}

function message(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function isHeader(value: unknown): value is StoredHeader {
  const h = value as StoredHeader | undefined;
  return !!h && (h as unknown as { version: number }).version === 1 && typeof h.run === 'string' && Number.isSafeInteger(h.latent) &&
    Number.isSafeInteger(h.count) && h.labels instanceof Uint8Array && h.labels.length === h.count &&
    !!h.decoder && typeof h.decoder.architecture === 'string' && Number.isSafeInteger(h.decoder.values);
}

function isFrameRecord(value: unknown, header: TimelapseHeader): value is FrameRecord {
  const r = value as FrameRecord | undefined;
  return !!r && r.version === 1 && Number.isFinite(r.step) && Number.isFinite(r.epoch) && !!r.losses &&
    r.codes instanceof Float32Array && r.codes.length === header.count * header.latent &&
    r.decoder instanceof Uint16Array && r.decoder.length === header.decoder.values;
}

function isStateRecord(value: unknown): value is StateRecord {
  const r = value as StateRecord | undefined;
  return !!r && r.version === 1 && Number.isFinite(r.step) && r.state instanceof ArrayBuffer;
}
