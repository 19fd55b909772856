// How many Workers train, over which exchange, and how the status line says it. Pure: the element and the tests
// call it; the training worker acts on what it says.
import { countOf } from '../english.js';

/** The `workers` setting: 'auto' or a whole number of training Workers. */
export type WorkersSetting = 'auto' | number;

/** The most training Workers a widget starts (each holds a copy of the training images). */
export const MAX_WORKERS = 8;

/** Reads the `workers` attribute; an Error naming it and the text as typed if it is neither `auto` nor 1 to 8. */
export function parseWorkers(text: string | null): WorkersSetting {
  const trimmed = (text ?? 'auto').trim();
  if (trimmed === 'auto') return 'auto';
  const n = Number(trimmed);
  if (trimmed === '' || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new Error(`workers="${text}" is not allowed: "auto", or a whole number of Workers from 1 to ${MAX_WORKERS}`);
  }
  return n;
}

/** `auto`: one Worker fewer than the machine's cores (the page needs one), at most 8, at least 1. */
export function resolveWorkers(setting: WorkersSetting, cores: number | undefined): number {
  if (setting !== 'auto') return setting;
  return Math.max(1, Math.min((cores ?? 1) - 1, MAX_WORKERS));
}

/** How the training Workers exchange a step's gradients. */
export type Exchange = 'shared-memory' | 'messages' | 'none';

/** What trains: the Workers that do, the exchange, and why there are fewer than asked for (null: as asked). */
export interface TeamInfo {
  workers: number;
  asked: number;
  exchange: Exchange;
  why: string | null;
}

/**
 * The team a Worker can make for `asked` Workers: they share memory on a cross-origin-isolated page, the only kind
 * with a `SharedArrayBuffer`; elsewhere they exchange each step by messages (a transferred buffer there and back),
 * which costs ~0.5 ms a step more and still beats one Worker (the README's benchmark).
 */
export function planTeam(asked: number, isolated: boolean): TeamInfo {
  if (asked <= 1) return { workers: 1, asked, exchange: 'none', why: null };
  return { workers: asked, asked, exchange: isolated ? 'shared-memory' : 'messages', why: null };
}

const EXCHANGE_WORDS: Record<Exchange, string> = { 'shared-memory': ' · shared memory', messages: ' · by messages', none: '' };

/** The status line's words: "2 Workers · shared memory", "2 Workers · by messages", "1 Worker (2 asked: …)". */
export function describeTeam(team: TeamInfo): string {
  const workers = countOf(team.workers, 'Worker');
  if (team.why) return `${workers}${EXCHANGE_WORDS[team.exchange]} (${team.asked} asked: ${team.why})`;
  return `${workers}${EXCHANGE_WORDS[team.exchange]}`;
}
