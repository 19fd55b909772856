// What a .safetensors file carries besides the weights, so a shared file reproduces the picture: the settings, the
// epochs trained, the run's per-epoch figures and its loss curves. They travel as strings in the file's metadata
// (the format allows nothing else); the weights contract (tensor names and shapes) is untouched. A file without
// them — from PyTorch, or an older version — still loads: it is then a model at epoch 0 with an empty chart.
import type { TrainSettings } from './protocol.js';
import type { Run } from './runs.js';
import { validCurves, validDatasetStamp, validEpoch, validRun, validSettings, type DatasetStamp } from './validate.js';
import type { SavedHistory } from './views/loss-history.js';

/** The metadata entries this module writes and reads (the Rust side writes the model's own: `OWN_KEYS` in src/weights.rs). */
const KEY = {
  settings: 'vae-playground.settings', epoch: 'vae-playground.epoch', run: 'vae-playground.run', curves: 'vae-playground.curves',
  dataset: 'vae-playground.dataset',
} as const;

export interface SharedRun {
  settings: TrainSettings;
  /** Epochs the weights have been trained for. */
  epoch: number;
  /** The run's per-epoch figures, wall time and speed, if it reached an epoch. */
  run: Run | null;
  curves: SavedHistory;
  /** What it was trained on: the dataset's id, and for the person's own images their count and hash (not the images). */
  dataset?: DatasetStamp;
}

/**
 * The settings entry keeps the six numbers it always had: the dataset has an entry of its own, and the structure is
 * the file's own (`architecture` in the metadata the Rust core writes, and its tensors).
 */
function numbersOf(settings: TrainSettings): Omit<TrainSettings, 'datasetId' | 'architecture'> {
  const { datasetId: _dataset, architecture: _architecture, ...numbers } = settings;
  return numbers;
}

/** The metadata for a file (an object of strings). */
export function toMetadata(shared: SharedRun): Record<string, string> {
  // Typed arrays become plain arrays: JSON writes a Float64Array as an object with numbered keys.
  const plain = (_: string, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value);
  const metadata: Record<string, string> = {
    // The settings entry keeps the numbers it always had; what the model trained on is the dataset entry's.
    [KEY.settings]: JSON.stringify(numbersOf(shared.settings)),
    [KEY.epoch]: String(shared.epoch),
    [KEY.curves]: JSON.stringify(shared.curves, plain),
  };
  if (shared.run) metadata[KEY.run] = JSON.stringify(shared.run);
  if (shared.dataset) metadata[KEY.dataset] = JSON.stringify(shared.dataset);
  return metadata;
}

/**
 * What a file's metadata says, with `fallback` settings where it says nothing. Every part goes through its validator
 * (validate.ts): what cannot be used is left out and named in `problems` (the weights still load), so nothing the
 * file holds reaches the history table, the CSV, the chart or Judge unchecked. The settings' ranges are the Rust
 * core's to check.
 */
export function fromMetadata(metadata: Record<string, string>, fallback: TrainSettings): { shared: Partial<SharedRun> & { settings: TrainSettings }; problems: string[] } {
  const problems: string[] = [];
  const parse = (key: string, what: string): unknown => {
    if (typeof metadata[key] !== 'string') return undefined;
    try {
      return JSON.parse(metadata[key]);
    } catch {
      problems.push(`its ${what} are not readable JSON`);
      return undefined;
    }
  };
  const stored = parse(KEY.settings, 'settings');
  const { settings, dropped } = stored === undefined ? { settings: { ...fallback }, dropped: [] } : validSettings(stored, fallback);
  problems.push(...dropped);
  const shared: Partial<SharedRun> & { settings: TrainSettings } = { settings };
  if (KEY.epoch in metadata) {
    const epoch = validEpoch(metadata[KEY.epoch]);
    if (epoch !== null) shared.epoch = epoch;
    else problems.push('its epoch count is not a whole number written in digits');
  }
  const run = parse(KEY.run, 'run figures');
  if (run !== undefined) {
    const checked = validRun(run, 'its run figures');
    if (checked.run) shared.run = checked.run;
    problems.push(...checked.dropped);
  }
  const dataset = parse(KEY.dataset, 'dataset');
  if (dataset !== undefined) {
    const checked = validDatasetStamp(dataset);
    if (checked.dataset) {
      shared.dataset = checked.dataset;
      // IDX files by URL stood in for MNIST (the `data` attribute replaces the bundled set chosen).
      shared.settings.datasetId = checked.dataset.id === 'url' ? 'mnist' : checked.dataset.id;
    }
    problems.push(...checked.dropped);
  }
  const curves = parse(KEY.curves, 'loss curves');
  if (curves !== undefined) {
    const checked = validCurves(curves, 'its loss curves');
    if (checked.curves) shared.curves = checked.curves;
    problems.push(...checked.dropped);
  }
  return { shared, problems };
}
