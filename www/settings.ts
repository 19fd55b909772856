// Attributes ⇄ settings: parsing with messages that name the attribute. Ranges are checked by the Rust core
// (validateSettings), so the limits live in one place.
import { validateSettings } from '../pkg/vae_playground.js';
import type { TrainSettings } from './protocol.js';

export const DEFAULT_SETTINGS: Readonly<TrainSettings> = {
  hiddenUnits: 128,
  latentDim: 2,
  beta: 1,
  learningRate: 1e-3,
  batchSize: 128,
  seed: 0,
};
export const DEFAULT_EPOCHS = 50;

/** Attribute name → setting key. */
export const SETTING_ATTRIBUTES = {
  'hidden-units': 'hiddenUnits',
  'latent-dim': 'latentDim',
  beta: 'beta',
  'learning-rate': 'learningRate',
  'batch-size': 'batchSize',
  seed: 'seed',
} as const satisfies Record<string, keyof TrainSettings>;
export type SettingAttribute = keyof typeof SETTING_ATTRIBUTES;

const INTEGER_SETTINGS = new Set<keyof TrainSettings>(['hiddenUnits', 'latentDim', 'batchSize', 'seed']);
/** Settings a running model can take without starting over. */
export const LIVE_SETTINGS = new Set<keyof TrainSettings>(['beta', 'learningRate']);

export function isSettingAttribute(name: string): name is SettingAttribute {
  return name in SETTING_ATTRIBUTES;
}

/** The settings with one attribute applied, or an Error naming the attribute and what it accepts. */
export function withAttribute(current: TrainSettings, attribute: SettingAttribute, text: string | null): TrainSettings {
  const key = SETTING_ATTRIBUTES[attribute];
  const value = text === null ? DEFAULT_SETTINGS[key] : parseNumber(attribute, text, INTEGER_SETTINGS.has(key));
  const next = { ...current, [key]: value };
  if (key === 'seed') {
    if (value < 0 || !Number.isSafeInteger(value)) throw new Error(`${attribute}="${text}" is not allowed: a whole number ≥ 0`);
  } else {
    try {
      validateSettings(next.hiddenUnits, next.latentDim, next.beta, next.learningRate, next.batchSize);
    } catch (cause) {
      throw new Error(`${attribute}="${text}": ${(cause as Error).message}`);
    }
  }
  return next;
}

/** The `epochs` attribute: how many epochs `train()` runs to; 0 for no limit. */
export function parseEpochs(text: string | null): number {
  if (text === null) return DEFAULT_EPOCHS;
  const value = parseNumber('epochs', text, true);
  if (value < 0) throw new Error(`epochs="${text}" is not allowed: a whole number ≥ 0 (0 trains until paused)`);
  return value;
}

function parseNumber(attribute: string, text: string, integer: boolean): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isFinite(value)) throw new Error(`${attribute}="${text}" is not a number`);
  if (integer && !Number.isInteger(value)) throw new Error(`${attribute}="${text}" is not a whole number`);
  return value;
}
