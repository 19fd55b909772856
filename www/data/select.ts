// Which of many files are read: silent ones dropped, non-images named, the rest in path order up to the limit.
// The collector runs it on dropped or picked files (so that only the kept ones are opened), the ingest again on
// everything once zips are expanded; both see the same rules.
import { comparePaths, isSilentlySkipped, kindByName, NOT_AN_IMAGE } from './paths.js';
import { unread, type Skipped, type Unread } from './report.js';

export interface Selection<T> {
  /** Images and zips by name, in path order, at most `limit` of them. */
  kept: T[];
  /** Files whose names say they are not images, named. */
  skipped: Skipped[];
  /** Files past the limit, never opened. */
  unread: Unread | null;
}

export function limitReason(limit: number): string {
  return `over the limit of ${limit.toLocaleString('en')} images: not read`;
}

export function selectFiles<T>(items: readonly T[], pathOf: (item: T) => string, limit: number): Selection<T> {
  const skipped: Skipped[] = [];
  const candidates: { item: T; path: string }[] = [];
  for (const item of items) {
    const path = pathOf(item);
    if (isSilentlySkipped(path)) continue;
    if (kindByName(path) === 'other') skipped.push({ name: path, reason: NOT_AN_IMAGE });
    else candidates.push({ item, path });
  }
  candidates.sort((a, b) => comparePaths(a.path, b.path));
  skipped.sort((a, b) => comparePaths(a.name, b.name));
  const rest = candidates.slice(limit).map((c) => c.path);
  return { kept: candidates.slice(0, limit).map((c) => c.item), skipped, unread: unread(rest, limitReason(limit)) };
}
