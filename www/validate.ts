// What comes from outside the element's own memory — a .safetensors file's metadata, an IndexedDB record — is
// checked against the shapes the code relies on before anything reads it: one validator per shape (settings, epoch
// count, run, the kept runs, loss curves). Each is a pure function that never throws: it returns new objects holding
// only the fields the shape has, and names in words, for a notice, what it dropped and why. A file's text is never
// echoed (a value is described by its kind: "a string", "null", "Infinity"). Sizes are bounded as the live
// structures bound them (a run's epochs, the runs kept, a curve's buckets, the chart's epoch points), so a file
// cannot make the page hold, draw or export more than training itself would.
import { DATASETS, type DatasetId } from './datasets.js';
import type { OwnImages, TrainSettings } from './protocol.js';
import { KEEP_RUNS, MAX_RUN_EPOCHS, type Run, type RunEpoch } from './runs.js';
import { CHOICE_KEYS, NUMBER_KEYS, SETTINGS } from './settings.js';
import { CAPACITY, type EpochPoint, type SavedHistory, type SavedSeries } from './views/loss-history.js';

/** Integers cross into Rust as u32 (see settings.ts). */
const LARGEST_U32 = 2 ** 32 - 1;
const COUNT = new Intl.NumberFormat('en-US');

/**
 * Every validator returns what can be used beside `dropped`: one phrase per kind of thing left out, e.g.
 * "its run figures: epoch 2 dropped (recon is a string, not a finite number)", for a notice.
 */
type Dropped = { dropped: string[] };

type Fields = { readonly [key: string]: unknown };

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** How a value that is not what was expected looks, in words, without repeating a file's text. */
function kind(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return 'a string';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'a typed array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** `value` as a number the rule allows, or why not ("recon is a string, not a finite number"). */
function numberOf(field: string, value: unknown, { integer = false, min = -Infinity, max = Infinity }: NumberRule = {}): number | { why: string } {
  const ok = typeof value === 'number' && Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= min && value <= max;
  if (ok) return value;
  if (value === undefined) return { why: `${field} is missing` };
  const expected = integer
    ? `a whole number from ${COUNT.format(min)} to ${COUNT.format(max)}`
    : min > -Infinity ? `a finite number of at least ${min}` : 'a finite number';
  return { why: `${field} is ${kind(value)}, not ${expected}` };
}

const failed = (checked: number | { why: string }): checked is { why: string } => typeof checked !== 'number';

/**
 * What a validator leaves out, grouped by reason, so that 10,000 entries with the same fault make one phrase:
 * "its run figures: epoch 4, epoch 5, epoch 6 and 24 more dropped (recon is a string, not a finite number)".
 */
class Drops {
  readonly #byReason = new Map<string, string[]>();

  add(what: string, why: string): void {
    const whats = this.#byReason.get(why);
    if (whats) whats.push(what);
    else this.#byReason.set(why, [what]);
  }

  phrases(subject: string): string[] {
    return [...this.#byReason].map(([why, whats]) => {
      const named = whats.length > 3 ? `${whats.slice(0, 3).join(', ')} and ${COUNT.format(whats.length - 3)} more` : whats.join(', ');
      return `${subject}: ${named} dropped (${why})`;
    });
  }
}

/** The model settings a record holds, and why each one that is there or missing cannot be used. */
function checkSettings(value: unknown): { settings: Partial<TrainSettings>; whys: Map<keyof TrainSettings, string> } | { why: string } {
  if (!isRecord(value)) return { why: `settings is ${kind(value)}, not an object of numbers` };
  const settings: Partial<TrainSettings> = {};
  const whys = new Map<keyof TrainSettings, string>();
  for (const key of NUMBER_KEYS) {
    const integer = SETTINGS[key].type === 'integer';
    const checked = numberOf(key, value[key], integer ? { integer, min: 0, max: LARGEST_U32 } : {});
    if (failed(checked)) whys.set(key, checked.why);
    else settings[key] = checked;
  }
  for (const key of CHOICE_KEYS) {
    const { choices, default: before } = SETTINGS[key];
    const given = value[key];
    // Files and records from before a choice existed were all made with what is now its default (MNIST, the MLP).
    if (given === undefined) (settings as Record<string, unknown>)[key] = before;
    else if (typeof given === 'string' && (choices as readonly string[]).includes(given)) (settings as Record<string, unknown>)[key] = given;
    else whys.set(key, `${key} is ${kind(given)}, not one of ${choices.map((c) => `"${c}"`).join(', ')}`);
  }
  return { settings, whys };
}

/**
 * The model settings in `value`. With `fallback` (a file's settings over those in force): each number that is missing
 * is the fallback's, silently (older files carry fewer), and each value that is there but not usable is the
 * fallback's and named. Without (a kept record): every number is needed, or the settings are null. A missing choice
 * (the dataset) is its default either way: what every file and record was made with before it existed.
 * Ranges are the Rust core's to check (`validateSettings`); here, a finite number, and for integers a whole number a
 * u32 holds; a choice, one of its choices.
 */
export function validSettings(value: unknown, fallback: TrainSettings, subject?: string): { settings: TrainSettings } & Dropped;
export function validSettings(value: unknown, fallback?: undefined, subject?: string): { settings: TrainSettings | null } & Dropped;
export function validSettings(value: unknown, fallback?: TrainSettings, subject = 'its settings'): { settings: TrainSettings | null } & Dropped {
  const checked = checkSettings(value);
  if ('why' in checked) return { settings: fallback ? { ...fallback } : null, dropped: [`${subject} dropped (${checked.why})`] };
  if (!fallback) {
    if (!checked.whys.size) return { settings: checked.settings as TrainSettings, dropped: [] };
    return { settings: null, dropped: [`${subject} dropped (${[...checked.whys.values()].join('; ')})`] };
  }
  const present = isRecord(value) ? value : {};
  const dropped = [...checked.whys].filter(([key]) => present[key] !== undefined).map(([, why]) => `${subject}: ${why}; the value in force is kept`);
  return { settings: { ...fallback, ...checked.settings }, dropped };
}

/** Epochs trained: a whole number a u32 holds, as a number (IndexedDB) or written in decimal digits (a file). */
export function validEpoch(value: unknown): number | null {
  const number = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 && number <= LARGEST_U32 ? number : null;
}

/** One epoch's test figures, or why not. */
function checkRunEpoch(value: unknown): RunEpoch | { why: string } {
  if (!isRecord(value)) return { why: `it is ${kind(value)}, not an epoch's figures` };
  const epoch = numberOf('epoch', value.epoch, { integer: true, min: 0, max: LARGEST_U32 });
  if (failed(epoch)) return epoch;
  const figures: Partial<RunEpoch> = { epoch };
  for (const key of ['testElbo', 'recon', 'kl'] as const) {
    const checked = numberOf(key, value[key]);
    if (failed(checked)) return checked;
    figures[key] = checked;
  }
  // The live settings the epoch ended with: runs kept before they were recorded have none, and the run's own
  // settings stand in for them; one that is there must be a setting's value.
  for (const key of ['beta', 'learningRate'] as const) {
    if (value[key] === undefined) continue;
    const checked = numberOf(key, value[key], { min: 0 });
    if (failed(checked)) return checked;
    figures[key] = checked;
  }
  return figures as RunEpoch;
}

/**
 * One run (the run figures of a file, or one of the kept runs). Its id, settings, steps per epoch and list of epochs
 * are needed, or the run is dropped; an epoch whose figures are not finite numbers is dropped, the rest kept; past
 * MAX_RUN_EPOCHS only the latest are kept (as a live run keeps them); wall time and speed that are not usable are 0.
 * A run left without an epoch is dropped (the table shows a run's last epoch).
 */
export function validRun(value: unknown, subject = 'the run'): { run: Run | null } & Dropped {
  if (!isRecord(value)) return { run: null, dropped: [`${subject} dropped (${kind(value)}, not a run)`] };
  const whys: string[] = [];
  const id = numberOf('id', value.id, { integer: true, min: 1, max: LARGEST_U32 });
  if (failed(id)) whys.push(id.why);
  const settings = checkSettings(value.settings);
  if ('why' in settings) whys.push(settings.why);
  else whys.push(...[...settings.whys.values()].map((why) => `settings.${why}`));
  const stepsPerEpoch = numberOf('stepsPerEpoch', value.stepsPerEpoch, { integer: true, min: 1, max: LARGEST_U32 });
  if (failed(stepsPerEpoch)) whys.push(stepsPerEpoch.why);
  if (!Array.isArray(value.epochs)) whys.push(`epochs is ${kind(value.epochs)}, not a list`);
  if (whys.length || failed(id) || failed(stepsPerEpoch) || 'why' in settings) return { run: null, dropped: [`${subject} dropped (${whys.join('; ')})`] };

  const dropped: string[] = [];
  const all = value.epochs as unknown[];
  const skipped = Math.max(0, all.length - MAX_RUN_EPOCHS);
  if (skipped) dropped.push(`${subject}: the first ${COUNT.format(skipped)} epochs dropped (a run keeps its latest ${COUNT.format(MAX_RUN_EPOCHS)})`);
  const drops = new Drops();
  const epochs: RunEpoch[] = [];
  for (let i = skipped; i < all.length; i++) {
    const checked = checkRunEpoch(all[i]);
    if ('why' in checked) {
      const n = isRecord(all[i]) ? validEpoch((all[i] as Fields).epoch) : null;
      drops.add(n === null ? `entry ${COUNT.format(i + 1)}` : `epoch ${n}`, checked.why);
    } else {
      epochs.push(checked);
    }
  }
  dropped.push(...drops.phrases(subject));
  if (!epochs.length) return { run: null, dropped: [...dropped, `${subject} dropped (no epoch left with usable figures)`] };

  const measure = (field: 'wallMs' | 'samplesPerSec'): number => {
    const checked = numberOf(field, value[field], { min: 0 });
    if (!failed(checked)) return checked;
    dropped.push(`${subject}: ${checked.why}; 0 instead`);
    return 0;
  };
  const run: Run = { id, settings: settings.settings as TrainSettings, stepsPerEpoch, epochs, wallMs: measure('wallMs'), samplesPerSec: measure('samplesPerSec') };
  if (value.branchOf !== undefined) {
    const from = isRecord(value.branchOf) ? value.branchOf : {};
    const parent = numberOf('branchOf.run', from.run, { integer: true, min: 1, max: LARGEST_U32 });
    const epoch = numberOf('branchOf.epoch', from.epoch, { integer: true, min: 0, max: LARGEST_U32 });
    if (failed(parent) || failed(epoch)) dropped.push(`${subject}: its branch point dropped (${failed(parent) ? parent.why : (epoch as { why: string }).why})`);
    else run.branchOf = { run: parent, epoch };
  }
  return { run, dropped };
}

/**
 * The runs kept from an earlier visit (IndexedDB). Each is checked with `validRun`; a run whose id another run
 * already has is dropped; past KEEP_RUNS only the latest are kept. What is dropped is named per run ("run 3 …").
 */
export function validRuns(value: unknown, subject = 'the kept runs'): { runs: Run[] } & Dropped {
  if (!Array.isArray(value)) return { runs: [], dropped: value === undefined ? [] : [`${subject} dropped (${kind(value)}, not a list of runs)`] };
  const dropped: string[] = [];
  const skipped = Math.max(0, value.length - KEEP_RUNS);
  if (skipped) dropped.push(`${subject}: the oldest ${COUNT.format(skipped)} dropped (at most ${KEEP_RUNS} are kept)`);
  const runs: Run[] = [];
  const ids = new Set<number>();
  for (let i = skipped; i < value.length; i++) {
    const item: unknown = value[i];
    const id = isRecord(item) ? numberOf('id', item.id, { integer: true, min: 1, max: LARGEST_U32 }) : null;
    const name = typeof id === 'number' ? `run ${id}` : `entry ${i + 1}`;
    const { run, dropped: why } = validRun(item, name);
    dropped.push(...why);
    if (!run) continue;
    if (ids.has(run.id)) {
      dropped.push(`${name} dropped (another run has the same id)`);
      continue;
    }
    ids.add(run.id);
    runs.push(run);
  }
  return { runs, dropped };
}

const listLike = (value: unknown): value is ArrayLike<unknown> => Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));

/**
 * One bucketed curve (see BucketedSeries), or why not: four lists of one length, at most CAPACITY; finite values;
 * a width that is a power of two; every bucket but the last full (count = width), the last holding 1 to width; the
 * counts adding up to `steps`; min ≤ max. These are the invariants the chart's positions and means rely on.
 */
function checkSeries(name: string, value: unknown): SavedSeries | { why: string } {
  if (!isRecord(value)) return { why: `the ${name} curve is ${kind(value)}` };
  for (const key of ['min', 'max', 'sum', 'count'] as const) {
    if (!listLike(value[key])) return { why: `the ${name} curve's ${key} is ${kind(value[key])}${value[key] === undefined ? '' : ', not a list'}` };
  }
  const { min, max, sum, count } = value as { [K in 'min' | 'max' | 'sum' | 'count']: ArrayLike<unknown> };
  const n = min.length;
  if (n > CAPACITY) return { why: `the ${name} curve holds ${COUNT.format(n)} buckets, more than ${COUNT.format(CAPACITY)}` };
  if (max.length !== n || sum.length !== n || count.length !== n) return { why: `the ${name} curve's lists differ in length` };
  const width = numberOf('width', value.width, { integer: true, min: 1, max: 2 ** 52 });
  if (failed(width) || !isPowerOfTwo(width)) return { why: `the ${name} curve's bucket width is ${kind(value.width)}, not a power of two` };
  const steps = numberOf('steps', value.steps, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  if (failed(steps)) return { why: `the ${name} curve's ${steps.why}` };
  const saved: SavedSeries = {
    min: new Float64Array(n), max: new Float64Array(n), sum: new Float64Array(n), count: new Uint32Array(n), width, steps, last: NaN,
  };
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const [lo, hi, total, c] = [min[i], max[i], sum[i], count[i]];
    if (![lo, hi, total].every((v) => typeof v === 'number' && Number.isFinite(v)) || (lo as number) > (hi as number)) {
      return { why: `the ${name} curve's bucket ${COUNT.format(i + 1)} does not hold finite numbers with min ≤ max` };
    }
    const full = i < n - 1;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > width || (full && c !== width)) {
      return { why: `the ${name} curve's bucket ${COUNT.format(i + 1)} counts ${kind(c)} steps, which does not fit its width ${width}` };
    }
    saved.min[i] = lo as number;
    saved.max[i] = hi as number;
    saved.sum[i] = total as number;
    saved.count[i] = c;
    counted += c;
  }
  if (counted !== steps) return { why: `the ${name} curve's buckets count ${COUNT.format(counted)} steps, not its ${COUNT.format(steps)}` };
  if (n > 0) {
    const last = numberOf(`the ${name} curve's last value`, value.last);
    if (failed(last)) return last;
    saved.last = last;
  }
  return saved;
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

/** One epoch point of the chart, or why not; `steps` is the curves' length in steps. */
function checkEpochPoint(value: unknown, steps: number): EpochPoint | { why: string } {
  if (!isRecord(value)) return { why: `it is ${kind(value)}, not an epoch point` };
  const step = numberOf('step', value.step, { integer: true, min: 0, max: steps });
  if (failed(step)) return step;
  const testElbo = numberOf('testElbo', value.testElbo);
  if (failed(testElbo)) return testElbo;
  const kl = numberOf('kl', value.kl);
  if (failed(kl)) return kl;
  return { step, testElbo, kl };
}

/**
 * The loss chart's curves (`LossHistory.save()`, from a file's JSON or IndexedDB's clone). The three step curves
 * must each be whole and cover the same steps, or the curves are dropped; an epoch point that is not usable is
 * dropped, the rest kept; past MAX_RUN_EPOCHS points only the latest are kept (as the live chart keeps them).
 */
export function validCurves(value: unknown, subject = 'its loss curves'): { curves: SavedHistory | null } & Dropped {
  const whole = (why: string) => ({ curves: null, dropped: [`${subject} dropped (${why})`] });
  if (!isRecord(value)) return whole(`${kind(value)}, not the chart's curves`);
  const series: SavedSeries[] = [];
  for (const name of ['loss', 'recon', 'kl'] as const) {
    const checked = checkSeries(name, value[name]);
    if ('why' in checked) return whole(checked.why);
    series.push(checked);
  }
  const [loss, recon, kl] = series;
  if (!series.every((s) => s.steps === loss.steps && s.width === loss.width && s.min.length === loss.min.length)) {
    return whole('the loss, recon and kl curves do not cover the same steps');
  }
  if (!Array.isArray(value.epochs)) return whole(`epochs is ${kind(value.epochs)}, not a list`);
  const dropped: string[] = [];
  const all: unknown[] = value.epochs;
  const skipped = Math.max(0, all.length - MAX_RUN_EPOCHS);
  if (skipped) dropped.push(`${subject}: the first ${COUNT.format(skipped)} epoch points dropped (the chart keeps its latest ${COUNT.format(MAX_RUN_EPOCHS)})`);
  const drops = new Drops();
  const epochs: EpochPoint[] = [];
  for (let i = skipped; i < all.length; i++) {
    const checked = checkEpochPoint(all[i], loss.steps);
    if ('why' in checked) drops.add(`epoch point ${COUNT.format(i + 1)}`, checked.why);
    else epochs.push(checked);
  }
  dropped.push(...drops.phrases(subject));
  return { curves: { loss, recon, kl, epochs }, dropped };
}

/** What a file says it was trained on: a dataset's id, and for the person's own images their count and hash. */
export interface DatasetStamp {
  id: DatasetId;
  size?: number;
  hash?: string;
}

/** Own sets hold at most this many images (www/element/own-set.ts): a larger count is no file this page wrote. */
const MAX_STAMP_SIZE = 1_000_000;

/**
 * A file's `vae-playground.dataset` entry: the id must be one of the dataset table's, or the entry is dropped; a size
 * that is not a whole number, or a hash that is not 8 to 128 hexadecimal digits, is dropped and named.
 */
export function validDatasetStamp(value: unknown, subject = 'its dataset'): { dataset: DatasetStamp | null } & Dropped {
  if (!isRecord(value)) return { dataset: null, dropped: [`${subject} dropped (${kind(value)}, not an object)`] };
  const ids = Object.keys(DATASETS);
  if (typeof value.id !== 'string' || !ids.includes(value.id)) {
    return { dataset: null, dropped: [`${subject} dropped (id is ${kind(value.id)}, not one of ${ids.map((id) => `"${id}"`).join(', ')})`] };
  }
  const dataset: DatasetStamp = { id: value.id as DatasetId };
  const dropped: string[] = [];
  if (value.size !== undefined) {
    const size = numberOf('size', value.size, { integer: true, min: 1, max: MAX_STAMP_SIZE });
    if (failed(size)) dropped.push(`${subject}: ${size.why}`);
    else dataset.size = size;
  }
  if (value.hash !== undefined) {
    if (typeof value.hash === 'string' && /^[0-9a-f]{8,128}$/.test(value.hash)) dataset.hash = value.hash;
    else dropped.push(`${subject}: hash is ${kind(value.hash)}, not 8 to 128 hexadecimal digits`);
  }
  return { dataset, dropped };
}

/** Images a kept own set may hold (the README's bound, as element/own-set.ts keeps it). */
export const MAX_KEPT_OWN = 20_000;
const MAX_CLASS_NAME = 200;

/**
 * The person's images kept with a model (IndexedDB): 28 × 28 bytes each, at most MAX_KEPT_OWN of them, labels (if
 * any) one per image below the number of class names, names short strings. Anything else: null, and why.
 */
export function validOwn(value: unknown): { own: OwnImages | null } & Dropped {
  const no = (why: string) => ({ own: null, dropped: [`the kept images dropped (${why})`] });
  if (!isRecord(value)) return no(`${kind(value)}, not a set of images`);
  const { images, width, height, labels, classNames, mixed } = value;
  if (width !== 28 || height !== 28) return no(`they are ${kind(width)} × ${kind(height)}, not 28 × 28`);
  if (!(images instanceof Uint8Array) || images.length === 0 || images.length % (28 * 28) !== 0) return no('the images are not whole 28 × 28 byte images');
  const count = images.length / (28 * 28);
  if (count > MAX_KEPT_OWN) return no(`${COUNT.format(count)} images, more than the ${COUNT.format(MAX_KEPT_OWN)} kept at most`);
  if (typeof mixed !== 'boolean') return no(`mixed is ${kind(mixed)}, not true or false`);
  if (labels === null && classNames === null) return { own: { images, width, height, labels: null, classNames: null, mixed }, dropped: [] };
  if (!Array.isArray(classNames) || classNames.length === 0 || classNames.length > 100 ||
    !classNames.every((n) => typeof n === 'string' && n.length > 0 && n.length <= MAX_CLASS_NAME)) return no('its class names are not a list of up to 100 short names');
  if (!(labels instanceof Uint8Array) || labels.length !== count || labels.some((l) => l >= classNames.length)) return no('its labels do not name one class per image');
  return { own: { images, width, height, labels, classNames: [...classNames] as string[], mixed }, dropped: [] };
}
