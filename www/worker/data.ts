// The worker's datasets: each loaded once, when a model first trains on it (Fashion-MNIST is never fetched for a
// page that does not choose it), and the person's own images made into a dataset of their own or mixed into MNIST.
// Until the Rust core reads own images directly (`DataHandle.fromImages` / `mixed`), they reach it as the gzip IDX
// pair it already reads: own images first, then MNIST's, so the split rule (the last tenth, at most 1,000, is the test
// set) keeps exactly MNIST's test set and every own image trains.
import { DataHandle } from '../../pkg/vae_playground.js';
import { CLASSIFIER_CLASSES, DATASETS, type DatasetChoice, type DatasetId } from '../datasets.js';
import { gunzip, gzip, idxBody, idxImages, idxLabels } from '../data/idx.js';
import type { IdxFiles, OwnImages, WorkerSources } from '../protocol.js';
import { fetchBytes } from '../wasm.js';
import type { TrapGuard } from './traps.js';

export { CLASSIFIER_CLASSES };
/** The split rule, as the Rust core applies it: the last tenth, at most 1,000, at least one image. */
export function testSizeOf(n: number): number {
  return Math.min(n, Math.max(1, Math.min(1000, Math.floor(n / 10))));
}

export interface LoadedData {
  id: DatasetId;
  handle: DataHandle;
  /** Whether it has labels a classifier can learn (at most CLASSIFIER_CLASSES classes). */
  classifiable: boolean;
  /** The test split's labels when the core's would be wrong (own sets given to it with stand-in labels); else null. */
  testLabels: Uint8Array | null;
  /** With own images mixed in: them (white on black, u8) and their labels, for the markers and nearest neighbours. */
  own: { images: Uint8Array; labels: Uint8Array; pixels: number } | null;
}

export class DataShelf {
  readonly #sources: WorkerSources;
  readonly #guard: TrapGuard;
  readonly #loaded = new Map<DatasetId, LoadedData>();
  readonly #loading = new Map<DatasetId, Promise<LoadedData>>();
  /** The bundled MNIST files as fetched: own images are mixed into them. */
  #mnistFiles: { images: Uint8Array; labels: Uint8Array } | null = null;

  constructor(sources: WorkerSources, guard: TrapGuard) {
    this.#sources = sources;
    this.#guard = guard;
  }

  /** Which data a model with this choice trains on: the `data` attribute's files replace the bundled sets. */
  idOf(choice: DatasetChoice): DatasetId {
    return choice === 'own' ? 'own' : this.#sources.url ? 'url' : choice;
  }

  /** The data for `choice` if it is loaded. */
  peek(choice: DatasetChoice): LoadedData | null {
    return this.#loaded.get(this.idOf(choice)) ?? null;
  }

  /** The data for `choice`, fetched and read the first time. The own set must have been given (`setOwn`). */
  get(choice: DatasetChoice): Promise<LoadedData> {
    const id = this.idOf(choice);
    const loaded = this.#loaded.get(id);
    if (loaded) return Promise.resolve(loaded);
    if (id === 'own') return Promise.reject(new Error('There are no images of yours to train on yet: drop some on the playground, or add drawings to your set in Draw.'));
    let loading = this.#loading.get(id);
    if (!loading) {
      loading = this.#fetch(id).finally(() => this.#loading.delete(id));
      this.#loading.set(id, loading);
    }
    return loading;
  }

  /**
   * The person's images become the `own` dataset; `hash` names them in metadata. The own set it replaces is returned:
   * the worker frees it (`release`) once no session trains on it.
   */
  async setOwn(own: OwnImages): Promise<{ data: LoadedData; hash: string; replaced: LoadedData | null }> {
    const pixels = own.width * own.height;
    const count = own.images.length / pixels;
    if (!Number.isInteger(count) || count < 1) throw new Error(`Your images: ${own.images.length} bytes are not whole ${own.width} × ${own.height} images.`);
    const hash = await hashOf(own);
    const classifiable = own.labels !== null && (own.classNames?.length ?? 0) <= CLASSIFIER_CLASSES;
    // A set alone is split as every set is (the last tenth tests), so its order is shuffled first, seeded: files come
    // in path order, and the last tenth of that would be the last class only.
    const order = seededOrder(count);
    let images = permuted(own.images, order, pixels);
    const shuffledLabels = own.labels && permuted(own.labels, order, 1);
    let labels = shuffledLabels && classifiable ? shuffledLabels : new Uint8Array(count); // stand-ins the core accepts (0–9)
    let testLabels: Uint8Array | null = shuffledLabels ? shuffledLabels.slice(count - testSizeOf(count)) : new Uint8Array(testSizeOf(count));
    let mixedIn: LoadedData['own'] = null;
    if (own.mixed) {
      const mnist = await this.#mnist();
      // MNIST's digits after the person's: its last 1,000 stay the test set, every own image trains.
      const base = { images: idxBody(await gunzip(mnist.images), 3), labels: idxBody(await gunzip(mnist.labels), 1) };
      const ownLabels = digitLabels(own, count);
      images = concat(own.images, base.images);
      labels = concat(Uint8Array.from(ownLabels, (l) => (l === NO_LABEL ? 0 : l)), base.labels);
      testLabels = null;
      mixedIn = { images: own.images, labels: ownLabels, pixels };
    }
    const n = images.length / pixels;
    const [imagesGz, labelsGz] = await Promise.all([gzip(idxImages(images, n, own.height, own.width)), gzip(idxLabels(labels))]);
    const handle = this.#guard.run('own', () => new DataHandle('your images', imagesGz, 'their labels', labelsGz));
    const data: LoadedData = {
      id: 'own', handle, classifiable: own.mixed || classifiable, testLabels, own: mixedIn,
    };
    const replaced = this.#loaded.get('own') ?? null;
    this.#loaded.set('own', data);
    return { data, hash: hashText(hash), replaced };
  }

  /** Frees a loaded dataset no session trains on any more (an own set replaced by another). */
  release(data: LoadedData): void {
    if ([...this.#loaded.values()].includes(data)) return;
    this.#guard.run('own', () => data.handle.free());
  }

  async #mnist(): Promise<{ images: Uint8Array; labels: Uint8Array }> {
    if (!this.#mnistFiles) {
      const files = this.#sources.bundled.mnist;
      const what = describe('mnist');
      const [images, labels] = await Promise.all([
        fetchBytes(files.images, `${what.where} (images)`, what.fix),
        fetchBytes(files.labels, `${what.where} (labels)`, what.fix),
      ]);
      this.#mnistFiles = { images, labels };
    }
    return this.#mnistFiles;
  }

  async #fetch(id: Exclude<DatasetId, 'own'>): Promise<LoadedData> {
    const files: IdxFiles = id === 'url' ? this.#sources.url! : this.#sources.bundled[id];
    let bytes: { images: Uint8Array; labels: Uint8Array };
    if (id === 'mnist') {
      bytes = await this.#mnist();
    } else {
      const what = describe(id);
      const [images, labels] = await Promise.all([
        fetchBytes(files.images, `${what.where} (images)`, what.fix),
        fetchBytes(files.labels, `${what.where} (labels)`, what.fix),
      ]);
      bytes = { images, labels };
    }
    const handle = this.#guard.run('data', () => new DataHandle(files.images, bytes.images, files.labels, bytes.labels));
    const data: LoadedData = { id, handle, classifiable: true, testLabels: null, own: null };
    this.#loaded.set(id, data);
    return data;
  }
}

/** What a failed fetch names, and what to do (the bundled sets: the package is incomplete). */
function describe(id: Exclude<DatasetId, 'own'>): { where: string; fix: string } {
  if (id === 'url') return { where: 'the digits named by the `data` attribute', fix: 'check the `data` attribute' };
  return { where: `the ${DATASETS[id].items} bundled with vae-playground`, fix: 'serve the package’s dist/data/ folder beside vae-playground.js' };
}

const NO_LABEL = 255;

/** Own images' labels as digits 0–9 where their class names are digits (to mix into MNIST); 255 where not. */
function digitLabels(own: OwnImages, count: number): Uint8Array {
  const out = new Uint8Array(count).fill(NO_LABEL);
  if (!own.labels || !own.classNames) return out;
  const digitOf = own.classNames.map((name) => (/^\s*[0-9]\s*$/.test(name) ? Number(name) : NO_LABEL));
  own.labels.forEach((label, i) => (out[i] = digitOf[label] ?? NO_LABEL));
  return out;
}

/** A permutation of 0…n−1 (Fisher–Yates with a fixed-seed xorshift): the same set is always split the same way. */
export function seededOrder(n: number, seed = 0x9e3779b9): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const j = x % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Items of `size` bytes in the order `order` gives. */
function permuted(items: Uint8Array, order: Uint32Array, size: number): Uint8Array {
  const out = new Uint8Array(order.length * size);
  order.forEach((from, to) => out.set(items.subarray(from * size, (from + 1) * size), to * size));
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** SHA-256 of the images, then the labels (if any): names an own set in a file's metadata without its images. */
async function hashOf(own: OwnImages): Promise<ArrayBuffer | Uint8Array> {
  const bytes = own.labels ? concat(own.images, own.labels) : own.images;
  if (globalThis.crypto?.subtle) return crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  // No SubtleCrypto outside a secure context: FNV-1a, 64 bits from two 32-bit lanes, names the set well enough.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i] ^ (i & 0xff), 0x01000193);
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, a >>> 0);
  new DataView(out.buffer).setUint32(4, b >>> 0);
  return out;
}

function hashText(digest: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Own images by a hash of their bytes, built on first use, for `ownIndexOf`. */
const ownIndex = new WeakMap<NonNullable<LoadedData['own']>, Map<number, number[]>>();

function bytesHash(bytes: ArrayLike<number>, from: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ bytes[from + i], 0x01000193);
  return h >>> 0;
}

/**
 * Which of the person's mixed-in images `pixels` (intensities in [0, 1], as the core returns training images) is, or
 * -1: how Judge tells a nearest neighbour that is one of theirs.
 */
export function ownIndexOf(data: LoadedData | null, pixels: ArrayLike<number>): number {
  const own = data?.own;
  if (!own || pixels.length !== own.pixels) return -1;
  let index = ownIndex.get(own);
  if (!index) {
    index = new Map();
    for (let i = 0; i * own.pixels < own.images.length; i++) {
      const key = bytesHash(own.images, i * own.pixels, own.pixels);
      index.set(key, [...(index.get(key) ?? []), i]);
    }
    ownIndex.set(own, index);
  }
  const bytes = Uint8Array.from(pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  for (const i of index.get(bytesHash(bytes, 0, bytes.length)) ?? []) {
    if (bytes.every((v, p) => v === own.images[i * own.pixels + p])) return i;
  }
  return -1;
}
