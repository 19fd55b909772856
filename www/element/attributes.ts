// Attributes ⇄ settings: a property per setting, an attribute's text checked into a model setting (the ranges by the
// Rust core), and attributes that follow settings changed without them (a loaded file's), so the page's link
// reproduces them.
import { validateSettings } from '../../pkg/vae_playground.js';
import type { TrainSettings } from '../protocol.js';
import {
  MODEL_KEYS, SETTINGS, SETTING_KEYS, isNumberSetting, parseChoiceSetting, parseNumberSetting, type ChoiceKey, type SettingKey,
} from '../settings.js';
import { errorMessage } from '../wasm.js';

/**
 * One reflected property per setting, from the table: numbers and choices read the value in force (`inForce`),
 * flags, URLs and lists the attribute; setting a property sets the attribute, which is then parsed and checked like any other.
 */
export function defineSettingProperties<E extends HTMLElement>(prototype: E, inForce: (element: E, key: SettingKey) => number | string): void {
  for (const key of SETTING_KEYS) {
    const { attribute, type } = SETTINGS[key];
    Object.defineProperty(prototype, key, {
      configurable: true,
      enumerable: true,
      get(this: E) {
        return type === 'boolean' ? this.hasAttribute(attribute) : type === 'url' || type === 'list' ? this.getAttribute(attribute) : inForce(this, key);
      },
      set(this: E, value: unknown) {
        if (type === 'boolean') this.toggleAttribute(attribute, Boolean(value));
        else if (value === null || value === undefined) this.removeAttribute(attribute);
        else this.setAttribute(attribute, String(value));
      },
    });
  }
}

/**
 * The settings with `key` set from `text`, or null if that is the value in force; an Error naming the attribute and
 * the text if it is not a valid value (checked by the Rust core: the wasm module must be loaded, see `wasmReady`).
 */
export function settingsWith(key: keyof TrainSettings, text: string | null, current: TrainSettings): TrainSettings | null {
  const value = isNumberSetting(key) ? parseNumberSetting(key, text) : parseChoiceSetting(key as ChoiceKey, text);
  if (value === current[key]) return null;
  const next = { ...current, [key]: value };
  try {
    validateSettings(next);
  } catch (cause) {
    throw new Error(`${SETTINGS[key].attribute}="${text}": ${errorMessage(cause)}`);
  }
  return next;
}

/** Sets the attributes that differ from `settings` (checking them again then finds the value in force: nothing more). */
export function reflectSettings(element: HTMLElement, settings: TrainSettings): void {
  for (const key of MODEL_KEYS) {
    const { attribute } = SETTINGS[key];
    let current: number | string | null = null;
    try {
      const text = element.getAttribute(attribute);
      current = isNumberSetting(key) ? parseNumberSetting(key, text) : parseChoiceSetting(key as ChoiceKey, text);
    } catch {
      // an unparsable attribute is replaced by the value in force
    }
    if (current !== settings[key]) element.setAttribute(attribute, String(settings[key]));
  }
}

/** A whole number ≥ 0, checked before it crosses into Rust (where a negative or fractional one would wrap or be cut). */
export function wholeNumber(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} = ${value} is not allowed: a whole number ≥ 0`);
  return value;
}

/** Hands a file to the browser's downloads. */
export function offerDownload(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
