// The rules on file names, shared by the collector (dropped and picked files), the zip reader and the ingest:
// which names are skipped silently, which are unsafe, what a name says a file is, and the one order of files.

/** The extensions read as images; the format itself is then told by the file's first bytes, not its name. */
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'jpe', 'jfif', 'webp', 'gif']);
/** What operating systems leave beside files, skipped without a word (as dotfiles and `__MACOSX/` are). */
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db']);

export const NOT_AN_IMAGE = 'not an image (PNG, JPEG, WebP or GIF)';
/** A file the browser would not hand over: moved or deleted since it was dropped, or not readable. */
export const UNREADABLE = 'could not be read (moved, deleted, or not allowed)';

/** The components of a relative path, with `\` taken as a separator (zips made on Windows) and empty or `.` parts dropped. */
export function splitPath(path: string): string[] {
  return path.split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
}

/** The last component of a path. */
export function baseName(path: string): string {
  const parts = splitPath(path);
  return parts[parts.length - 1] ?? '';
}

/** Directories, dotfiles (`.DS_Store`, `._x.png`, anything under `.git/`), `__MACOSX/` and OS thumbnails: never mentioned. */
export function isSilentlySkipped(path: string): boolean {
  if (path.endsWith('/') || path.endsWith('\\')) return true;
  const parts = splitPath(path);
  if (parts.length === 0) return true;
  if (parts.some((part) => part.startsWith('.') || part === '__MACOSX')) return true;
  return SYSTEM_FILES.has(parts[parts.length - 1].toLowerCase());
}

/**
 * Why a path from an archive must not be used, or null when it is safe: a `..` component, an absolute path, a drive
 * letter or a NUL. Nothing is ever written to disk, but such a name is a crafted archive, and its folders would make
 * labels.
 */
export function unsafePathReason(path: string): string | null {
  if (path.includes('\0')) return 'its name holds a NUL character: not read';
  if (/^[\\/]/.test(path)) return 'an absolute path: not read';
  if (/^[a-zA-Z]:/.test(path)) return 'a path with a drive letter: not read';
  if (path.split(/[\\/]/).includes('..')) return 'a path that leaves the archive (..): not read';
  return null;
}

export type NameKind = 'image' | 'zip' | 'other';

/** What a file's name says it is. A name without an extension counts as an image: its first bytes decide. */
export function kindByName(path: string): NameKind {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'image';
  const extension = name.slice(dot + 1).toLowerCase();
  if (extension === 'zip') return 'zip';
  return IMAGE_EXTENSIONS.has(extension) ? 'image' : 'other';
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/**
 * The one order of files, the order in which the limit keeps the first ones: as a file manager shows them
 * (numbers by value, so 9.png before 10.png), character codes breaking any tie so the order is total.
 */
export function comparePaths(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
