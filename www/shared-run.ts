// What a .safetensors file carries besides the weights, so a shared file reproduces the picture: the settings, the
// epochs trained, the run's per-epoch figures and its loss curves. They travel as strings in the file's metadata
// (the format allows nothing else); the weights contract (tensor names and shapes) is untouched. A file without
// them — from PyTorch, or an older version — still loads: it is then a model at epoch 0 with an empty chart.
import type { TrainSettings } from './protocol.js';
import type { Run } from './runs.js';
import { MODEL_KEYS } from './settings.js';
import type { SavedHistory } from './views/loss-history.js';

/** The metadata entries this module writes and reads (the Rust side writes `format`, `hidden`, `latent`, `beta`). */
const KEY = { settings: 'vae-playground.settings', epoch: 'vae-playground.epoch', run: 'vae-playground.run', curves: 'vae-playground.curves' } as const;

export interface SharedRun {
  settings: TrainSettings;
  /** Epochs the weights have been trained for. */
  epoch: number;
  /** The run's per-epoch figures, wall time and speed, if it reached an epoch. */
  run: Run | null;
  curves: SavedHistory;
}

/** The metadata for a file (an object of strings). */
export function toMetadata(shared: SharedRun): Record<string, string> {
  // Typed arrays become plain arrays: JSON writes a Float64Array as an object with numbered keys.
  const plain = (_: string, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value);
  const metadata: Record<string, string> = {
    [KEY.settings]: JSON.stringify(shared.settings),
    [KEY.epoch]: String(shared.epoch),
    [KEY.curves]: JSON.stringify(shared.curves, plain),
  };
  if (shared.run) metadata[KEY.run] = JSON.stringify(shared.run);
  return metadata;
}

/**
 * What a file's metadata says, with `fallback` settings where it says nothing. A part that cannot be read is left
 * out and named in `problems` (the weights still load); the settings' ranges are the Rust core's to check.
 */
export function fromMetadata(metadata: Record<string, string>, fallback: TrainSettings): { shared: Partial<SharedRun> & { settings: TrainSettings }; problems: string[] } {
  const problems: string[] = [];
  const parse = (key: string, what: string): unknown => {
    if (!(key in metadata)) return undefined;
    try {
      return JSON.parse(metadata[key]);
    } catch {
      problems.push(`its ${what} are not readable JSON`);
      return undefined;
    }
  };
  const settings = { ...fallback };
  const stored = parse(KEY.settings, 'settings');
  if (stored !== undefined) {
    const record = (stored ?? {}) as Record<string, unknown>;
    const bad = MODEL_KEYS.filter((k) => k in record && typeof record[k] !== 'number');
    if (typeof stored !== 'object' || stored === null || bad.length) problems.push(`its settings are not numbers${bad.length ? ` (${bad.join(', ')})` : ''}`);
    else for (const k of MODEL_KEYS) if (typeof record[k] === 'number') settings[k] = record[k] as number;
  }
  const shared: Partial<SharedRun> & { settings: TrainSettings } = { settings };
  if (KEY.epoch in metadata) {
    const epoch = Number(metadata[KEY.epoch]);
    if (Number.isInteger(epoch) && epoch >= 0 && epoch < 2 ** 32) shared.epoch = epoch;
    else problems.push(`its epoch count "${metadata[KEY.epoch]}" is not a whole number`);
  }
  const run = parse(KEY.run, 'run figures') as Run | undefined;
  if (run !== undefined) {
    if (run && Array.isArray(run.epochs) && run.epochs.every((e) => typeof e?.epoch === 'number' && typeof e.testElbo === 'number')) shared.run = run;
    else problems.push('its run figures are not in the expected form');
  }
  const curves = parse(KEY.curves, 'loss curves') as SavedHistory | undefined;
  if (curves !== undefined) shared.curves = curves; // checked where it is restored (LossHistory.restore)
  return { shared, problems };
}
