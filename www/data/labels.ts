// Labels from where a person put their files: the first folder under what they dropped or zipped, else a `label_`
// prefix on the file name, else none. Pure functions over paths (as components), tested in node.
import { comparePaths } from './paths.js';
import { IngestError } from './report.js';

/** Several spellings taken as one class. */
export interface MergedSpellings {
  className: string;
  /** Each spelling as it was written (so "cat " with its space), sorted. */
  spellings: string[];
}

export interface Labelling {
  /** The class index of each kept image (in the order of `kept`), or null for an unlabelled set. */
  labels: Uint8Array | null;
  classNames: string[] | null;
  /** Indices (into the paths given) of the images kept: all, unless unlabelled ones were left out of a labelled set. */
  kept: number[];
  /** Indices of images left out because they had no label while most others did. */
  leftOut: number[];
  merged: MergedSpellings[];
  /** Sentences for the person: spellings merged, images left out, labels ignored. */
  notes: string[];
}

/** How many folders every file sits under in common: the dropped or zipped root, which names no class. */
export function commonFolderDepth(paths: readonly (readonly string[])[]): number {
  if (paths.length === 0) return 0;
  let depth = paths[0].length - 1;
  for (const parts of paths) {
    depth = Math.min(depth, parts.length - 1);
    for (let i = 0; i < depth; i++) {
      if (parts[i] !== paths[0][i]) {
        depth = i;
        break;
      }
    }
  }
  return Math.max(0, depth);
}

/**
 * The `label_` prefix rule: a file name starting with `label_` (any case) is labelled with the text after it up to the
 * next `_` or `.`: `label_cat_01.png` → "cat", `label_cat.png` → "cat", `label_.png` and `labelcat.png` → none.
 */
export function prefixLabel(fileName: string): string | null {
  const match = /^label_([^_.]+)/i.exec(fileName);
  return match ? match[1] : null;
}

/**
 * The label a file's path gives, as written: the first folder below the common root when it has one, else the
 * `label_` prefix of its name, else null.
 */
export function rawLabel(parts: readonly string[], commonDepth: number): string | null {
  if (parts.length - 1 > commonDepth) return parts[commonDepth];
  return prefixLabel(parts[parts.length - 1] ?? '');
}

/** One spelling of a class: trimmed, Unicode NFC. */
const tidy = (label: string) => label.trim().normalize('NFC');

/**
 * The class a spelling belongs to: trimmed, NFC, case-folded ("Cat", "cat " and "CAT" are one). Upper- then
 * lower-casing folds what lower-casing alone misses (ß and SS; final and medial sigma).
 */
export function classKey(label: string): string {
  return tidy(label).toUpperCase().toLowerCase().normalize('NFC');
}

const quoted = (s: string) => `"${s}"`;
const andList = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/**
 * Labels for images at `paths` (each as path components). A set where only some images have labels: when at least
 * half have one, it is a labelled set and the others are left out (a person who sorted files into folders and left a
 * few loose expects the folders to count); when fewer than half, the labels are ignored (a few `label_…` names among
 * many plain ones are more likely chance than intent). More than `maxClasses` classes: an IngestError.
 */
export function inferLabels(paths: readonly (readonly string[])[], maxClasses: number): Labelling {
  const depth = commonFolderDepth(paths);
  const raw = paths.map((parts) => {
    const label = rawLabel(parts, depth);
    return label !== null && tidy(label) !== '' ? label : null;
  });
  const labelled = raw.filter((label) => label !== null).length;
  const all = paths.map((_, i) => i);
  const none: Labelling = { labels: null, classNames: null, kept: all, leftOut: [], merged: [], notes: [] };
  if (labelled === 0) return none;
  const unlabelled = paths.length - labelled;
  if (labelled < unlabelled) {
    const s = labelled === 1 ? '' : 's';
    none.notes.push(
      `Only ${labelled} of ${paths.length} images ha${labelled === 1 ? 's' : 've'} a label (a folder or a label_ name): ` +
        `the set is used without labels, and the label${s} ignored.`,
    );
    return none;
  }

  const kept = all.filter((i) => raw[i] !== null);
  const leftOut = all.filter((i) => raw[i] === null);
  const classes = new Map<string, Map<string, number>>(); // key → spelling as written → count
  for (const i of kept) {
    const key = classKey(raw[i]!);
    const spellings = classes.get(key) ?? new Map<string, number>();
    spellings.set(raw[i]!, (spellings.get(raw[i]!) ?? 0) + 1);
    classes.set(key, spellings);
  }
  if (classes.size > maxClasses) {
    throw new IngestError(
      `${classes.size} classes (one per first-level folder, or per label_ name): at most ${maxClasses} can be told apart. ` +
        'Put the images in fewer folders, or drop the folder one level further in.',
    );
  }
  // Each class is shown in its most common tidy spelling (ties: the one that sorts first).
  const named = [...classes].map(([key, spellings]) => {
    const tidyCounts = new Map<string, number>();
    for (const [spelling, count] of spellings) tidyCounts.set(tidy(spelling), (tidyCounts.get(tidy(spelling)) ?? 0) + count);
    const name = [...tidyCounts].sort((a, b) => b[1] - a[1] || comparePaths(a[0], b[0]))[0][0];
    return { key, name, spellings: [...spellings.keys()].sort(comparePaths) };
  });
  named.sort((a, b) => comparePaths(a.name, b.name) || comparePaths(a.key, b.key));
  const index = new Map(named.map((c, i) => [c.key, i]));
  const labels = Uint8Array.from(kept, (i) => index.get(classKey(raw[i]!))!);
  const merged = named.filter((c) => c.spellings.length > 1).map((c) => ({ className: c.name, spellings: c.spellings }));

  const notes = merged.map((m) => `${andList(m.spellings.map(quoted))} are taken as one class, ${quoted(m.className)}.`);
  if (leftOut.length) {
    notes.push(
      `${leftOut.length} image${leftOut.length === 1 ? '' : 's'} without a label ${leftOut.length === 1 ? 'was' : 'were'} left out: ` +
        `the other ${kept.length} have labels (from folder names or a label_ prefix).`,
    );
  }
  return { labels, classNames: named.map((c) => c.name), kept, leftOut, merged, notes };
}

export const NO_LABEL = 'no label, while most images have one (a folder or a label_ name): left out';
