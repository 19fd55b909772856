// The person's own images, owned here: "my set" as it grows (drawings added in Draw, or the images of a drop or pick
// once its preview is accepted), and the set a model trains on now (what the worker was given, with the hash that
// names it in metadata). Pure data and rules; the element sends the set to the worker and keeps it with the model.
import { classKey } from '../data/labels.js';
import { INGEST_LIMITS } from '../data/limits.js';
import { MNIST_SPEC, pixelsOf, type ImageSpec, type OwnSummary } from '../datasets.js';
import type { OwnImages } from '../protocol.js';

/** Images a set holds at most: as many as a drop keeps (the README's bound; also what `persist` keeps). */
export const MAX_OWN_IMAGES = INGEST_LIMITS.maxImages;
/** A label index meaning "no label given". */
export const NO_LABEL = 255;
/** Classes a set's labels may name (a label is a byte, and 255 means none). */
const MAX_CLASSES = 100;

/** What the views show of "my set": how many, per class, and how many have no label. */
export interface SetSummary {
  count: number;
  classes: { name: string; count: number }[];
  unlabelled: number;
}

/** The set a model trains on, with what names it (its hash) and whether it is mixed into MNIST. */
export interface OwnInForce extends OwnSummary {
  hash: string;
  images: OwnImages;
}

export class OwnSet {
  readonly spec: ImageSpec = MNIST_SPEC;
  #images = new Uint8Array(0);
  #count = 0;
  /** A class index per image (NO_LABEL: none). */
  #labels = new Uint8Array(0);
  #classNames: string[] = [];
  /** Bumped on every change: views redraw what depends on the set. */
  version = 0;
  inForce: OwnInForce | null = null;

  get count(): number {
    return this.#count;
  }

  summary(): SetSummary {
    const counts = new Array<number>(this.#classNames.length).fill(0);
    let unlabelled = 0;
    for (let i = 0; i < this.#count; i++) {
      if (this.#labels[i] === NO_LABEL) unlabelled++;
      else counts[this.#labels[i]]++;
    }
    return { count: this.#count, classes: this.#classNames.map((name, i) => ({ name, count: counts[i] })).filter((c) => c.count > 0), unlabelled };
  }

  /** Image `i` as intensities in [0, 1] (for a preview). */
  image(i: number): Float32Array {
    const n = pixelsOf(this.spec);
    return Float32Array.from(this.#images.subarray(i * n, (i + 1) * n), (v) => v / 255);
  }

  /**
   * Adds one prepared image (`pixels` intensities in [0, 1], white ink on black) with an optional label; a label is
   * taken as the class it names whatever its case or spacing ("Seven", "seven "). Throws with a sentence when full.
   */
  add(pixels: ArrayLike<number>, label: string | null): void {
    const n = pixelsOf(this.spec);
    if (pixels.length !== n) throw new Error(`An image of ${pixels.length} values is not ${this.spec.width} × ${this.spec.height}.`);
    if (this.#count >= MAX_OWN_IMAGES) throw new Error(`Your set holds ${MAX_OWN_IMAGES.toLocaleString('en-US')} images, the most it can: clear it to start another.`);
    const index = this.#classOf(label);
    if (this.#images.length < (this.#count + 1) * n) {
      const grown = new Uint8Array(Math.max(n * 64, this.#images.length * 2));
      grown.set(this.#images);
      this.#images = grown;
      const labels = new Uint8Array(grown.length / n).fill(NO_LABEL);
      labels.set(this.#labels);
      this.#labels = labels;
    }
    const at = this.#count * n;
    for (let p = 0; p < n; p++) this.#images[at + p] = Math.round(Math.min(1, Math.max(0, pixels[p])) * 255);
    this.#labels[this.#count] = index;
    this.#count++;
    this.version++;
  }

  /** The set becomes these images (a drop's, accepted in its preview). */
  replace(images: Uint8Array, labels: Uint8Array | null, classNames: string[] | null): void {
    const n = pixelsOf(this.spec);
    const count = images.length / n;
    if (!Number.isInteger(count)) throw new Error(`${images.length} bytes are not whole ${this.spec.width} × ${this.spec.height} images.`);
    if (count > MAX_OWN_IMAGES) throw new Error(`${count.toLocaleString('en-US')} images are more than the ${MAX_OWN_IMAGES.toLocaleString('en-US')} a set may hold.`);
    this.#images = images.slice();
    this.#count = count;
    this.#labels = labels ? labels.slice() : new Uint8Array(count).fill(NO_LABEL);
    this.#classNames = classNames ? [...classNames] : [];
    this.version++;
  }

  clear(): void {
    this.#images = new Uint8Array(0);
    this.#labels = new Uint8Array(0);
    this.#classNames = [];
    this.#count = 0;
    this.version++;
  }

  /**
   * The set as the worker takes it: labelled only if every image has a label (else `note` says why it is not).
   * Copies: the worker may be given them while the set grows on.
   */
  forWorker(mixed: boolean): { own: OwnImages; note: string | null } {
    const n = pixelsOf(this.spec);
    if (this.#count === 0) throw new Error('Your set is empty: add drawings in Draw, or drop images on the playground.');
    const images = this.#images.slice(0, this.#count * n);
    const labels = this.#labels.subarray(0, this.#count);
    const unlabelled = labels.filter((l) => l === NO_LABEL).length;
    const base = { images, width: this.spec.width, height: this.spec.height, mixed };
    if (unlabelled === this.#count) return { own: { ...base, labels: null, classNames: null }, note: null };
    if (unlabelled > 0) {
      const note = `${unlabelled} of your ${this.#count} images ha${unlabelled === 1 ? 's' : 've'} no label, so the set is used without labels.`;
      return { own: { ...base, labels: null, classNames: null }, note };
    }
    // Only the classes in use, in their order, so that labels run 0…k−1.
    const used = [...new Set(labels)].sort((a, b) => a - b);
    const to = new Map(used.map((old, i) => [old, i]));
    return { own: { ...base, labels: Uint8Array.from(labels, (l) => to.get(l)!), classNames: used.map((l) => this.#classNames[l]) }, note: null };
  }

  /** The worker has this set (under `hash`): a model trains on it now. */
  commit(own: OwnImages, hash: string): void {
    this.inForce = { count: own.images.length / (own.width * own.height), classNames: own.classNames, mixed: own.mixed, hash, images: own };
    this.version++;
  }

  #classOf(label: string | null): number {
    const tidy = label?.trim().normalize('NFC') ?? '';
    if (!tidy) return NO_LABEL;
    const key = classKey(tidy);
    const found = this.#classNames.findIndex((name) => classKey(name) === key);
    if (found >= 0) return found;
    if (this.#classNames.length >= MAX_CLASSES) throw new Error(`Your set has ${MAX_CLASSES} classes already, the most it can tell apart.`);
    this.#classNames.push(tidy);
    return this.#classNames.length - 1;
  }
}
