// A person's files (dropped, picked, or in zips) → a prepared, labelled image set. Runs in the worker (it also runs
// on a page); the files come from collect.ts on the main thread. The preparation itself (MNIST-style: ink box into
// 20 × 20, centre of mass at the centre) is the project's Rust code, passed in as `prepare`, so the page prepares a
// person's images as the CLI prepares a folder of them.
import { browserRasterise, inspectImage, isAllOneColour, toGray, UNDECODABLE, type Rasterise } from './decode.js';
import { inferLabels, NO_LABEL, type MergedSpellings } from './labels.js';
import { limitsWith, type IngestLimits } from './limits.js';
import { comparePaths, kindByName, splitPath, UNREADABLE } from './paths.js';
import { IngestError, summariseSkipped, unread, type Skipped, type Unread } from './report.js';
import { limitReason, selectFiles } from './select.js';
import { readZip } from './zip.js';

/** What an error that finds no usable image asks for instead. */
const WHAT_TO_PICK = 'Pick PNG, JPEG, WebP or GIF images (files, a folder or a .zip), each with something that stands out from its background.';

/** A file and its path relative to what was dropped or picked ("letters/a/1.png"; `/`-separated). */
export interface SourceFile {
  path: string;
  file: Blob;
}

/** What the main thread hands the worker: the files to read, and what it already left out. */
export interface Collected {
  files: SourceFile[];
  skipped: Skipped[];
  unread: Unread[];
}

/**
 * The project's preparation: `gray` is `width` × `height` intensities in [0, 1] with 1 = white (as the image looks);
 * the result is the prepared image (white ink on black, e.g. 28 × 28), or `null` when the image has no ink. It may
 * throw: the image is then skipped with the error's message.
 */
export type Prepare = (gray: Float32Array, width: number, height: number) => Float32Array | null;

export interface IngestProgress {
  /** Reading zips (in bytes of the zips), then decoding and preparing images (in images). */
  phase: 'reading' | 'decoding';
  done: number;
  total: number;
}

export interface IngestOptions {
  prepare: Prepare;
  /** The prepared images' size (what `prepare` returns). */
  spec?: { width: number; height: number };
  signal?: AbortSignal;
  /** At most every `progressInterval` ms, and at the end of each phase. */
  onProgress?: (progress: IngestProgress) => void;
  progressInterval?: number;
  limits?: Partial<IngestLimits>;
  /** Images decoded at once (the browser decodes off the calling thread). */
  concurrency?: number;
  /** The decoder: the browser's by default; tests pass a stand-in. */
  rasterise?: Rasterise;
}

export interface IngestResult {
  width: number;
  height: number;
  count: number;
  /** count × width × height intensities, 0–255, white ink on black. */
  images: Uint8Array;
  /** Class index per image, or null for an unlabelled set. */
  labels: Uint8Array | null;
  /** Sorted; labels index into it. */
  classNames: string[] | null;
  /** Where each image came from, as a person would name it ("letters.zip/a/1.png"). */
  paths: string[];
  /** Files not used, each with why; in path order. */
  skipped: Skipped[];
  /** Files never read because a limit was reached. */
  unread: Unread[];
  merged: MergedSpellings[];
  /** Sentences for the person about the labels. */
  notes: string[];
}

/** An image to decode: its name for people, its path components for labels. */
interface Candidate {
  name: string;
  parts: string[];
  blob: Blob;
}

const NO_INK = 'no ink (nothing in it stands out from its background)';
const ONE_COLOUR = 'all one colour';

/** A zip's name as a folder for labels and order: `letters.zip` holds `letters/…`. */
const asFolder = (zipPath: string) => splitPath(zipPath).map((part, i, all) => (i === all.length - 1 ? part.replace(/\.zip$/i, '') : part));

function throttled(onProgress: IngestOptions['onProgress'], interval: number) {
  let last = -Infinity;
  return (progress: IngestProgress, force = false) => {
    if (!onProgress) return;
    const now = performance.now();
    if (force || now - last >= interval) {
      last = now;
      onProgress(progress);
    }
  };
}

/**
 * The prepared set: zips opened under their bounds, the first `maxImages` images in path order decoded (downscaled to
 * `decodeFit`), grayed, checked, prepared by `prepare`, quantised to 0–255 and labelled. Every file not used is in
 * `skipped` (or `unread`) with why. Rejects with an IngestError when no image is usable (its message names why each
 * file was skipped, summarised) or there are too many classes; with the signal's reason when aborted.
 */
export async function ingest(input: Collected | SourceFile[], options: IngestOptions): Promise<IngestResult> {
  const collected: Collected = Array.isArray(input) ? { files: input, skipped: [], unread: [] } : input;
  const limits = limitsWith(options.limits);
  const { prepare, signal } = options;
  const spec = options.spec ?? { width: 28, height: 28 };
  const pixels = spec.width * spec.height;
  const rasterise = options.rasterise ?? browserRasterise;
  const report = throttled(options.onProgress, options.progressInterval ?? 100);
  const skipped: Skipped[] = [...collected.skipped];
  const unreadFiles: Unread[] = [...collected.unread];

  // 1. Zips opened (bounded), every image candidate listed, then the first `maxImages` in path order kept.
  const top = selectFiles(collected.files, (f) => f.path, Infinity);
  skipped.push(...top.skipped);
  const candidates: Candidate[] = [];
  const zips = top.kept.filter((f) => kindByName(f.path) === 'zip');
  const zipBytes = zips.reduce((sum, z) => sum + z.file.size, 0);
  let zipBytesRead = 0;
  const budget = { inflated: 0 };
  for (const source of top.kept) {
    signal?.throwIfAborted();
    if (!zips.includes(source)) {
      candidates.push({ name: source.path, parts: splitPath(source.path), blob: source.file });
      continue;
    }
    const before = zipBytesRead;
    try {
      const contents = await readZip(source.file, source.path, {
        limits,
        budget,
        signal,
        onRead: (bytes) => report({ phase: 'reading', done: before + bytes, total: zipBytes }),
      });
      skipped.push(...contents.skipped);
      for (const file of contents.files) {
        candidates.push({ name: `${source.path}/${file.path}`, parts: [...asFolder(source.path), ...splitPath(file.path)], blob: file.data });
      }
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      skipped.push(...error.skipped);
    }
    zipBytesRead = before + source.file.size;
  }
  if (zips.length) report({ phase: 'reading', done: zipBytes, total: zipBytes }, true);
  candidates.sort((a, b) => comparePaths(a.name, b.name));
  const overLimit = unread(candidates.slice(limits.maxImages).map((c) => c.name), limitReason(limits.maxImages));
  if (overLimit) unreadFiles.push(overLimit);
  candidates.length = Math.min(candidates.length, limits.maxImages);

  // 2. Each image decoded, grayed, checked and prepared, a few at a time, results kept in path order.
  const images = new Uint8Array(candidates.length * pixels);
  const usable: boolean[] = new Array(candidates.length).fill(false);
  const reasons: (string | null)[] = new Array(candidates.length).fill(null);
  const prepareOne = async (candidate: Candidate, index: number) => {
    let inspected: Awaited<ReturnType<typeof inspectImage>>;
    try {
      inspected = await inspectImage(candidate.blob, limits);
    } catch {
      return (reasons[index] = UNREADABLE);
    }
    if ('reason' in inspected) return (reasons[index] = inspected.reason);
    let gray: Float32Array;
    let width: number;
    let height: number;
    try {
      const rgba = await rasterise(candidate.blob, inspected.size, inspected.target);
      ({ width, height } = rgba);
      gray = toGray(rgba);
    } catch {
      return (reasons[index] = UNDECODABLE);
    }
    if (isAllOneColour(gray)) return (reasons[index] = ONE_COLOUR);
    let prepared: Float32Array | null;
    try {
      prepared = prepare(gray, width, height);
    } catch (error) {
      return (reasons[index] = `could not be prepared (${error instanceof Error ? error.message : String(error)})`);
    }
    if (prepared === null) return (reasons[index] = NO_INK);
    if (prepared.length !== pixels) throw new Error(`prepare returned ${prepared.length} values, not ${spec.width} × ${spec.height}`);
    let ink = false;
    const out = images.subarray(index * pixels, (index + 1) * pixels);
    for (let i = 0; i < pixels; i++) {
      const v = Math.round(Math.min(1, Math.max(0, prepared[i])) * 255);
      out[i] = v;
      ink ||= v > 0;
    }
    if (!ink) return (reasons[index] = NO_INK);
    usable[index] = true;
    return null;
  };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  let done = 0;
  report({ phase: 'decoding', done: 0, total: candidates.length }, true);
  const runner = async () => {
    while (next < candidates.length) {
      signal?.throwIfAborted();
      const index = next++;
      await prepareOne(candidates[index], index);
      report({ phase: 'decoding', done: ++done, total: candidates.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, candidates.length) }, runner));
  signal?.throwIfAborted();
  report({ phase: 'decoding', done: candidates.length, total: candidates.length }, true);
  candidates.forEach((c, i) => reasons[i] !== null && skipped.push({ name: c.name, reason: reasons[i]! }));

  // 3. Labels over the usable images; unlabelled ones may be left out of a labelled set.
  const usableIndices = candidates.map((_, i) => i).filter((i) => usable[i]);
  if (usableIndices.length === 0) {
    skipped.sort((a, b) => comparePaths(a.name, b.name));
    const why = summariseSkipped(skipped, unreadFiles);
    const none = collected.files.length + collected.skipped.length === 0;
    const what = none ? 'No files were given.' : why.length ? `No usable images — ${why.join('; ')}.` : 'No usable images.';
    throw new IngestError(`${what} ${WHAT_TO_PICK}`, skipped, unreadFiles);
  }
  const labelling = inferLabels(usableIndices.map((i) => candidates[i].parts), limits.maxClasses);
  for (const j of labelling.leftOut) skipped.push({ name: candidates[usableIndices[j]].name, reason: NO_LABEL });
  const keptIndices = labelling.kept.map((j) => usableIndices[j]);
  const result = new Uint8Array(keptIndices.length * pixels);
  keptIndices.forEach((from, to) => result.set(images.subarray(from * pixels, (from + 1) * pixels), to * pixels));
  skipped.sort((a, b) => comparePaths(a.name, b.name));
  return {
    width: spec.width,
    height: spec.height,
    count: keptIndices.length,
    images: result,
    labels: labelling.labels,
    classNames: labelling.classNames,
    paths: keptIndices.map((i) => candidates[i].name),
    skipped,
    unread: unreadFiles,
    merged: labelling.merged,
    notes: labelling.notes,
  };
}
