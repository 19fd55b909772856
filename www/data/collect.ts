// Gathering what a person dropped or picked, on the main thread (folder entries exist only there): each file with its
// path relative to what was dropped, for labels. Reading is bounded twice: folder listing stops after `maxListed`
// names, and only the first `maxImages` images and zips in path order are opened (`entry.file()` costs a round trip
// to the browser each), the rest named as not read. What comes out is structured-cloneable: post it to the worker.
import type { Collected, SourceFile } from './ingest.js';
import { limitsWith, type IngestLimits } from './limits.js';
import { comparePaths, isSilentlySkipped, UNREADABLE } from './paths.js';
import type { Skipped } from './report.js';
import { selectFiles } from './select.js';

export interface CollectOptions {
  limits?: Partial<Pick<IngestLimits, 'maxImages' | 'maxListed'>>;
  /** Called now and then while folders are listed, with the number of files found so far. */
  onListed?: (files: number) => void;
}

/** The parts of the File and Directory Entries API read here (so tests can pass stand-ins). */
export interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
}
export interface FileEntryLike extends EntryLike {
  file(success: (file: File) => void, failure?: (error: unknown) => void): void;
}
export interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(success: (entries: EntryLike[]) => void, failure?: (error: unknown) => void): void };
}

interface Listed {
  path: string;
  entry: FileEntryLike;
}

const relative = (entry: EntryLike) => entry.fullPath.replace(/^\/+/, '') || entry.name;

/**
 * Every file under `roots`, depth first, folders read to the end (`readEntries` answers in batches until it answers
 * nothing), without descending into dot-folders or `__MACOSX`. Stops after `maxListed` files: `stoppedIn` then names
 * the folder being read.
 */
export async function listEntries(
  roots: readonly EntryLike[],
  maxListed: number,
  onListed?: (files: number) => void,
): Promise<{ files: Listed[]; skipped: Skipped[]; stoppedIn: string | null }> {
  const files: Listed[] = [];
  const skipped: Skipped[] = [];
  const stack = [...roots].reverse();
  while (stack.length) {
    const entry = stack.pop()!;
    const path = relative(entry);
    if (isSilentlySkipped(path)) continue;
    if (entry.isFile) {
      if (files.length >= maxListed) return { files, skipped, stoppedIn: path.split('/').slice(0, -1).join('/') || path };
      files.push({ path, entry: entry as FileEntryLike });
      if (files.length % 1000 === 0) onListed?.(files.length);
    } else if (entry.isDirectory) {
      const reader = (entry as DirectoryEntryLike).createReader();
      const children: EntryLike[] = [];
      try {
        for (;;) {
          const batch = await new Promise<EntryLike[]>((resolve, reject) => reader.readEntries(resolve, reject));
          if (batch.length === 0) break;
          children.push(...batch);
        }
      } catch {
        skipped.push({ name: path, reason: 'this folder could not be read (moved, deleted, or not allowed)' });
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  onListed?.(files.length);
  return { files, skipped, stoppedIn: null };
}

const fileOf = (entry: FileEntryLike) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** Opens the kept entries, a batch at a time; an entry that cannot be opened is named. */
async function open(listed: readonly Listed[], skipped: Skipped[]): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  const BATCH = 64;
  for (let i = 0; i < listed.length; i += BATCH) {
    const batch = listed.slice(i, i + BATCH);
    const opened = await Promise.allSettled(batch.map((l) => fileOf(l.entry)));
    opened.forEach((result, j) => {
      if (result.status === 'fulfilled') files.push({ path: batch[j].path, file: result.value });
      else skipped.push({ name: batch[j].path, reason: UNREADABLE });
    });
  }
  return files;
}

/** Listed entries and loose files → what the worker reads. */
async function collectEntries(
  roots: EntryLike[],
  loose: SourceFile[],
  options: CollectOptions,
): Promise<Collected> {
  const limits = limitsWith(options.limits);
  const listing = await listEntries(roots, limits.maxListed, options.onListed);
  const skipped = [...listing.skipped];
  if (listing.stoppedIn !== null) {
    skipped.push({ name: listing.stoppedIn, reason: `reading stopped after ${limits.maxListed.toLocaleString('en')} files: the rest were not read` });
  }
  type Item = { path: string; entry?: FileEntryLike; file?: Blob };
  const items: Item[] = [...listing.files, ...loose];
  const selection = selectFiles(items, (item) => item.path, limits.maxImages);
  skipped.push(...selection.skipped);
  const toOpen = selection.kept.filter((item): item is Listed => item.entry !== undefined);
  const opened = await open(toOpen, skipped);
  const files = [...opened, ...selection.kept.filter((item) => item.file !== undefined).map((item) => ({ path: item.path, file: item.file! }))];
  files.sort((a, b) => comparePaths(a.path, b.path));
  return { files, skipped, unread: selection.unread ? [selection.unread] : [] };
}

/**
 * What a drop carries: files, folders (read recursively) and zips. Call it from the `drop` handler itself: the items
 * are taken synchronously, before the first await, as the DataTransfer is emptied once the handler returns.
 */
export function collectDropped(dataTransfer: DataTransfer, options: CollectOptions = {}): Promise<Collected> {
  const roots: EntryLike[] = [];
  const loose: SourceFile[] = [];
  for (const item of Array.from(dataTransfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.() ?? null;
    if (entry) roots.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push({ path: file.name, file });
    }
  }
  if (roots.length === 0 && loose.length === 0) {
    for (const file of Array.from(dataTransfer.files)) loose.push({ path: file.name, file });
  }
  return collectEntries(roots, loose, options);
}

/**
 * What an `<input type=file multiple>` gave, with or without `webkitdirectory` (each file then knows its path under
 * the picked folder).
 */
export function collectPicked(files: FileList | readonly File[], options: CollectOptions = {}): Promise<Collected> {
  const loose = Array.from(files, (file) => ({ path: file.webkitRelativePath || file.name, file }));
  return collectEntries([], loose, options);
}
