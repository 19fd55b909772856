// What ingesting says back to a person: the files it left out and why, and the one error type of this side.

/** A file that was not used, with a reason a person can act on ("cat.txt" / "not an image (PNG, JPEG, WebP or GIF)"). */
export interface Skipped {
  name: string;
  reason: string;
}

/** Files never read because a limit was reached: how many, and the first few names in path order. */
export interface Unread {
  count: number;
  first: string[];
  reason: string;
}

/** How many names a summary shows before "and N others". */
const NAMES_SHOWN = 3;

/** "a.png, b.png, c.png and 17 others" */
export function listNames(names: readonly string[], total = names.length, shown = NAMES_SHOWN): string {
  const head = names.slice(0, shown);
  const rest = total - head.length;
  if (rest <= 0) return head.length <= 1 ? head.join('') : `${head.slice(0, -1).join(', ')} and ${head[head.length - 1]}`;
  return `${head.join(', ')} and ${rest} other${rest === 1 ? '' : 's'}`;
}

/** The first `shown` names of a sorted list and how many there were: what a limit reports. */
export function unread(names: readonly string[], reason: string, shown = NAMES_SHOWN): Unread | null {
  return names.length ? { count: names.length, first: names.slice(0, shown), reason } : null;
}

/**
 * One line per reason, the files under it named (a few, then a count), the most common reason first:
 * "not an image (PNG, JPEG, WebP or GIF): cat.txt, notes.md and 3 others".
 */
export function summariseSkipped(skipped: readonly Skipped[], unreadFiles: readonly Unread[] = []): string[] {
  const byReason = new Map<string, string[]>();
  for (const { name, reason } of skipped) {
    const names = byReason.get(reason);
    if (names) names.push(name);
    else byReason.set(reason, [name]);
  }
  const lines = [...byReason].sort((a, b) => b[1].length - a[1].length).map(([reason, names]) => `${reason}: ${listNames(names)}`);
  for (const u of unreadFiles) lines.push(`${u.reason}: ${listNames(u.first, u.count)}`);
  return lines;
}

/** What went wrong reading a person's images, with what was skipped and why: this side's one error type. */
export class IngestError extends Error {
  override readonly name = 'IngestError';

  constructor(
    message: string,
    readonly skipped: readonly Skipped[] = [],
    readonly unread: readonly Unread[] = [],
  ) {
    super(message);
  }
}
