// What lasts across a reload (`persist`): trained models as the .safetensors files "Export weights" writes (their
// metadata carries the settings, epoch count, the run's figures and loss curves) with the earlier runs, in IndexedDB.
// Each element has its own records (by its id; by its order among the page's `persist` elements without one), and
// keeps one model per structural configuration — the settings that start a new model, from the settings table — at
// most KEPT_MODELS, the least recently saved forgotten first. A model is only ever replaced by one trained with the
// same structural settings. Records of version 2 (one model per page and id) are moved into this form when read.
// Storage can fail (private mode, full disk, blocked): every call resolves or rejects with a message a person can act
// on, and the widget goes on without it.
import { DATASETS } from './datasets.js';
import type { OwnImages, TrainSettings } from './protocol.js';
import type { Run, RunHistory } from './runs.js';
import { MODEL_KEYS, SETTINGS, isLive, isNumberSetting } from './settings.js';
import { validEpoch, validOwn, validRuns, validSettings } from './validate.js';
import { errorMessage } from './wasm.js';

const DB = 'vae-playground';
const STORE = 'models';
const VERSION = 1;

/** Models kept per element at most. */
export const KEPT_MODELS = 8;

/** The settings a kept model must share with the settings in force to be restored: every model setting not live. */
export const STRUCTURAL_KEYS: readonly (keyof TrainSettings)[] = MODEL_KEYS.filter((key) => !isLive(key));

/**
 * A structural configuration as one string (the settings in table order). A choice at its default is left out, so a
 * model kept before that choice existed (all were MNIST) keeps its configuration.
 */
export function configurationOf(settings: TrainSettings): string {
  return STRUCTURAL_KEYS.filter((key) => isNumberSetting(key) || (settings[key] ?? SETTINGS[key].default) !== SETTINGS[key].default)
    .map((key) => `${key}=${settings[key]}`).join('&');
}

/** Which element a record belongs to on its page. */
export type ElementKey = { id: string } | { order: number };

/** An element's key: its id, or where it is among the `persist` elements without one in its document or shadow root. */
export function elementKeyOf(element: HTMLElement): ElementKey {
  if (element.id) return { id: element.id };
  const root = element.getRootNode() as Document | ShadowRoot;
  const unnamed = [...root.querySelectorAll<HTMLElement>(`${element.localName}[persist]`)].filter((e) => !e.id);
  return { order: Math.max(0, unnamed.indexOf(element)) };
}

/** A kept model, as listed (the weights are read only for the one restored). */
export interface KeptModel {
  configuration: string;
  savedAt: number;
  /** Also in the file's metadata; here to check the fit without reading the file. */
  settings: TrainSettings;
  epoch: number;
}
interface Index {
  version: 3;
  /** Most recently saved first. */
  models: KeptModel[];
}
interface ModelRecord {
  version: 3;
  /** The exported .safetensors file. */
  weights: ArrayBuffer;
  /** The runs before this one. */
  runs: Run[];
  /** A model of the person's own images keeps them (at most MAX_OWN_IMAGES), checked by `validOwn` when read. */
  own?: OwnImages;
}
/** What version 2 kept: one record per page and id (`${pathname}#${id || 'vae-playground'}`). */
interface RecordV2 {
  version: 2;
  savedAt: number;
  settings: TrainSettings;
  epoch: number;
  weights: ArrayBuffer;
  runs: Run[];
}
export interface SavedModel extends KeptModel {
  weights: ArrayBuffer;
  runs: Run[];
  own?: OwnImages | null;
}

/** One element's kept models in IndexedDB. */
export class ModelStore {
  readonly #prefix: IDBValidKey[];
  /** Where version 2 kept this element's model (only the first element without an id had the shared default). */
  readonly #legacy: string | null;
  #db: Promise<IDBDatabase> | null = null;

  constructor(element: ElementKey, path = location.pathname) {
    this.#prefix = 'id' in element ? [path, 'id', element.id] : [path, 'order', element.order];
    this.#legacy = 'id' in element ? `${path}#${element.id}` : element.order === 0 ? `${path}#vae-playground` : null;
  }

  /** The models kept, most recently saved first (a version 2 record is moved into this form first). */
  async list(): Promise<KeptModel[]> {
    const index = await this.#run('readwrite', (store, done) => {
      request(store.get(this.#prefix), (found) => {
        if (isIndex(found)) return done(found);
        if (!this.#legacy) return done(null);
        request(store.get(this.#legacy), (old) => {
          if (!isRecordV2(old)) return done(null);
          const settings = validSettings(old.settings).settings!; // checked by isRecordV2; a version 2 model was MNIST's
          const model: KeptModel = { configuration: configurationOf(settings), savedAt: old.savedAt, settings, epoch: old.epoch };
          const migrated: Index = { version: 3, models: [model] };
          store.put({ version: 3, weights: old.weights, runs: old.runs } satisfies ModelRecord, this.#modelKey(model.configuration));
          store.put(migrated, this.#prefix);
          store.delete(this.#legacy!);
          done(migrated);
        });
      });
    });
    return (index as Index | null)?.models ?? [];
  }

  /** A kept model with its weights and runs; null if it is gone. */
  async load(model: KeptModel): Promise<SavedModel | null> {
    const record = await this.#run('readonly', (store, done) => request(store.get(this.#modelKey(model.configuration)), done));
    if (!isModelRecord(record)) return null;
    const saved: SavedModel = { ...model, weights: record.weights, runs: record.runs };
    if (record.own !== undefined) saved.own = validOwn(record.own).own;
    return saved;
  }

  /** Keeps `model`, replacing only the one of the same configuration; beyond KEPT_MODELS the oldest go. */
  async save(model: SavedModel): Promise<void> {
    const { weights, runs, own, ...entry } = model;
    await this.#run('readwrite', (store, done) => {
      request(store.get(this.#prefix), (found) => {
        const models = [entry, ...(isIndex(found) ? found.models : []).filter((m) => m.configuration !== entry.configuration)];
        for (const old of models.splice(KEPT_MODELS)) store.delete(this.#modelKey(old.configuration));
        store.put({ version: 3, weights, runs, ...(own ? { own } : {}) } satisfies ModelRecord, this.#modelKey(entry.configuration));
        store.put({ version: 3, models } satisfies Index, this.#prefix);
        done(null);
      });
    });
  }

  /** Forgets every model this element kept. */
  async clear(): Promise<void> {
    await this.#run('readwrite', (store, done) => {
      // The index key and every model key under it: arrays sort after strings, so [...prefix, []] bounds them all.
      store.delete(IDBKeyRange.bound(this.#prefix, [...this.#prefix, []]));
      if (this.#legacy) store.delete(this.#legacy);
      done(null);
    });
  }

  #modelKey(configuration: string): IDBValidKey {
    return [...this.#prefix, configuration];
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') throw new Error('this browser offers no IndexedDB');
      const open = indexedDB.open(DB, VERSION);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error ?? new Error('IndexedDB could not be opened'));
      open.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page'));
    }).catch((cause) => {
      this.#db = null; // a later call may try again
      throw cause;
    });
    return this.#db;
  }

  /** One transaction; `done(value)` gives its result once the transaction has completed. */
  async #run(mode: IDBTransactionMode, work: (store: IDBObjectStore, done: (value: unknown) => void) => void): Promise<unknown> {
    const db = await this.#open();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      let result: unknown = null;
      work(transaction.objectStore(STORE), (value) => (result = value));
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = () => reject(transaction.error ?? new Error('the browser refused to store the model'));
      transaction.onabort = () => reject(transaction.error ?? new Error('storing the model was aborted (is the disk full?)'));
    });
  }
}

function request(req: IDBRequest, then: (value: unknown) => void): void {
  req.onsuccess = () => then(req.result);
}

function isSettings(value: unknown): value is TrainSettings {
  return validSettings(value).settings !== null;
}
function isIndex(value: unknown): value is Index {
  const index = value as Index | undefined;
  return !!index && index.version === 3 && Array.isArray(index.models) && index.models.every((m) =>
    typeof m?.configuration === 'string' && Number.isFinite(m.savedAt) && validEpoch(m.epoch) !== null && isSettings(m.settings));
}
function isModelRecord(value: unknown): value is ModelRecord {
  const record = value as ModelRecord | undefined;
  return !!record && record.version === 3 && record.weights instanceof ArrayBuffer && Array.isArray(record.runs);
}
function isRecordV2(value: unknown): value is RecordV2 {
  const run = value as RecordV2 | undefined;
  return !!run && run.version === 2 && run.weights instanceof ArrayBuffer && isSettings(run.settings) && Array.isArray(run.runs) &&
    Number.isFinite(run.savedAt) && validEpoch(run.epoch) !== null;
}

/** What the keeper needs from its element. */
export interface KeeperHost {
  settings(): TrainSettings;
  epoch(): number;
  runs(): RunHistory;
  exportWeights(): Promise<Blob>;
  /** Makes an exported file the model, with what its metadata carries (rejects, changing nothing, if it does not fit). */
  resume(bytes: ArrayBuffer): Promise<void>;
  /** News that is no error, for the person to read; `offer` is a choice the notice gives. */
  notice(message: string, offer?: { label: string; accept(): void }): void;
  /** A kept model is the model now. */
  restored(model: SavedModel): void;
  /** The person's images the model trains on (kept with it), or null. */
  own(): OwnImages | null;
  /** Gives the worker a kept model's images before its weights are restored (rejects if it cannot). */
  useOwn(own: OwnImages): Promise<void>;
  /** Whether the element names its dataset (the `dataset` attribute); a link never names the person's images. */
  datasetNamed(): boolean;
}

/** "128 hidden units, 2 latent dimensions, batch 128, seed 0; on Fashion-MNIST": a configuration in words. */
export function describeSettings(s: TrainSettings): string {
  const structure = s.architecture === 'conv' ? 'convolutional' : `${s.hiddenUnits} hidden units`;
  const sizes = `${structure}, ${s.latentDim} latent dimensions, batch ${s.batchSize}, seed ${s.seed}`;
  return s.datasetId !== 'mnist' ? `${sizes}; on ${DATASETS[s.datasetId].name}` : sizes;
}

/**
 * Keeps one element's models across reloads: restores the one that fits the settings in force once the first model
 * is ready (or offers the latest that does not), saves a moment after the model changed, forgets them on "Start
 * over". Nothing it does can break the widget: failures become notices.
 */
export class RunKeeper {
  readonly #store: ModelStore;
  readonly #host: KeeperHost;
  /** Until the kept models have been looked at, nothing is saved. */
  #restored = false;
  #timer = 0;
  #failed = false;

  constructor(element: ElementKey, host: KeeperHost) {
    this.#store = new ModelStore(element);
    this.#host = host;
  }

  /** Restores the model kept for the settings in force; if there is none, offers the most recent other one. */
  async restore(): Promise<void> {
    try {
      const models = await this.#store.list();
      const settings = this.#host.settings();
      const now = configurationOf(settings);
      // A link cannot name the person's images, so when nothing names a dataset and the model kept last trained on
      // theirs (with the settings in force otherwise), that is the one the person left: it comes back.
      const ownLast = !this.#host.datasetNamed() && models[0]?.configuration === configurationOf({ ...settings, datasetId: 'own' }) ? models[0] : null;
      const fits = ownLast ?? models.find((m) => m.configuration === now);
      if (fits) await this.#bringBack(fits);
      else if (models.length) this.#offer(models[0], models.length - 1);
    } catch (cause) {
      this.#host.notice(`The model kept from your last visit could not be restored (${errorMessage(cause)}); this is a fresh model.`);
    } finally {
      this.#restored = true;
    }
  }

  /** Saves a moment after the model changed (an epoch ended, training stopped): several changes, one save. */
  scheduleSave(): void {
    if (!this.#restored) return;
    clearTimeout(this.#timer);
    this.#timer = window.setTimeout(() => void this.#save(), 400);
  }

  /** A save still waiting is made now: the model is about to be replaced (a reset, a loaded file). */
  flush(): void {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    void this.#save();
  }

  /** Forgets every model kept for this element. */
  async forget(): Promise<void> {
    clearTimeout(this.#timer);
    try {
      await this.#store.clear();
    } catch (cause) {
      this.#host.notice(`The kept models could not be removed (${errorMessage(cause)}).`);
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }

  async #bringBack(model: KeptModel): Promise<void> {
    const saved = await this.#store.load(model);
    if (!saved) throw new Error('its record is gone');
    if (saved.settings.datasetId === 'own') {
      // Trained on the person's images: they come back first, or the model cannot be restored.
      if (!saved.own) throw new Error('the images it was trained on were not kept, or could not be read back');
      await this.#host.useOwn(saved.own);
    }
    await this.#host.resume(saved.weights.slice(0));
    // The runs come from storage another version (or a hand) may have written: checked like a file's.
    const { runs, dropped } = validRuns(saved.runs);
    this.#host.runs().restore(runs);
    this.#host.restored(saved);
    if (dropped.length) this.#host.notice(`Part of the kept run history could not be used: ${dropped.join('; ')}.`);
  }

  #offer(model: KeptModel, others: number): void {
    const more = others > 0 ? ` (${others} more kept for other settings)` : '';
    this.#host.notice(
      `The model kept from your last visit (${describeSettings(model.settings)}; epoch ${model.epoch}) does not fit the settings now in force, so this is a fresh model${more}. ` +
        'It stays kept: training this one keeps it beside it.',
      {
        label: 'Restore it',
        accept: () => void this.#bringBack(model).catch((cause) => {
          this.#host.notice(`The kept model could not be restored (${errorMessage(cause)}).`);
        }),
      },
    );
  }

  async #save(): Promise<void> {
    this.#timer = 0;
    // What the model is, read now: the export answers later, and the model in force may have changed by then.
    const settings = { ...this.#host.settings() };
    const epoch = this.#host.epoch();
    const runs = [...this.#host.runs().runs];
    const own = settings.datasetId === 'own' ? this.#host.own() : null;
    try {
      const weights = await (await this.#host.exportWeights()).arrayBuffer();
      await this.#store.save({ configuration: configurationOf(settings), savedAt: Date.now(), settings, epoch, weights, runs, own });
      this.#failed = false;
    } catch (cause) {
      if (this.#failed) return; // said once is enough
      this.#failed = true;
      this.#host.notice(`The model cannot be kept for your next visit (${errorMessage(cause)}). Everything else works; “Export weights” saves it as a file.`);
    }
  }
}
