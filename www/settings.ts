// The one table of settings: every attribute of <vae-playground>, its property, type, default, whether it applies
// to a running model ("live") or starts a new one ("structural"), and whether the page keeps it in the URL hash.
// Parsing, attribute reflection, the settings form, the hash and the README's attribute table all follow from it.
// Numeric ranges are checked by the Rust core (validateSettings / settingLimits), so the limits live there only.
import type { TrainSettings } from './protocol.js';

interface Base {
  attribute: string;
  /** One line for the README and the form's tooltip. */
  doc: string;
  inHash: boolean;
}
interface NumberSetting extends Base {
  type: 'integer' | 'number';
  default: number;
  /**
   * model: a TrainSettings field; `live` ones apply to the running model, the others start a new one.
   * run: how training runs, never a new model.
   */
  role: 'model' | 'run';
  live: boolean;
  /** The form's label; settings without one have no input in the form. */
  label?: string;
  /** A fixed list of choices for the form (a select) instead of a number box. */
  choices?: readonly number[];
}
interface FlagSetting extends Base {
  type: 'boolean';
  default: false;
}
interface UrlSetting extends Base {
  type: 'url';
  default: null;
}
interface ListSetting extends Base {
  type: 'list';
  default: string;
  choices: readonly string[];
}
/** One of a few named values (a select in the form). */
interface ChoiceSetting extends Base {
  type: 'choice';
  default: string;
  choices: readonly string[];
  /** Each choice as the form shows it. */
  choiceLabels: Readonly<Record<string, string>>;
  /** The choices a link may carry (a link cannot carry a person's images); all of them when absent. */
  hashChoices?: readonly string[];
  role: 'model';
  live: false;
  label: string;
}
/** How many Workers train: `auto` or a whole number (www/team/count.ts reads it). */
interface WorkersSetting extends Base {
  type: 'workers';
  default: 'auto';
}
type Descriptor = NumberSetting | FlagSetting | UrlSetting | ListSetting | ChoiceSetting | WorkersSetting;

/** The views a widget can show, in the page's order (the status line and the settings are always there). */
export const VIEW_NAMES = ['latent', 'generate', 'draw', 'recover', 'compress', 'interpolate', 'judge', 'history'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

export const SETTINGS = {
  architecture: {
    attribute: 'architecture', type: 'choice', default: 'mlp', choices: ['mlp', 'conv'], role: 'model', live: false, inHash: true,
    choiceLabels: { mlp: 'MLP (dense)', conv: 'Convolutional' }, label: 'Structure',
    doc: 'The encoder and decoder: `mlp` (the tutorial’s, two dense layers of hidden units) or `conv` (the Keras example’s: convolutions 32 and 64, transposed convolutions back; hidden units unused).',
  },
  hiddenUnits: {
    attribute: 'hidden-units', type: 'integer', default: 128, role: 'model', live: false, inHash: true,
    label: 'Hidden units', doc: 'Units in each hidden layer (encoder and decoder).',
  },
  latentDim: {
    attribute: 'latent-dim', type: 'integer', default: 2, role: 'model', live: false, inHash: true,
    label: 'Latent dims', doc: 'Size of the code z; above 2, the panel shows the codes’ main plane and a slider per dimension.',
  },
  beta: {
    attribute: 'beta', type: 'number', default: 1, role: 'model', live: true, inHash: true,
    label: 'β (KL weight)', doc: 'Weight of the KL term (β-VAE); 1 is the plain ELBO.',
  },
  learningRate: {
    attribute: 'learning-rate', type: 'number', default: 1e-3, role: 'model', live: true, inHash: true,
    label: 'Learning rate', choices: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], doc: 'Adam step size.',
  },
  batchSize: {
    attribute: 'batch-size', type: 'integer', default: 128, role: 'model', live: false, inHash: true,
    label: 'Batch size', doc: 'Images per training step.',
  },
  seed: {
    attribute: 'seed', type: 'integer', default: 0, role: 'model', live: false, inHash: true,
    label: 'Seed', doc: 'Seeds initial weights, shuffling and noise: the same seed trains the same model.',
  },
  datasetId: {
    attribute: 'dataset', type: 'choice', default: 'mnist', choices: ['mnist', 'fashion', 'own'], hashChoices: ['mnist', 'fashion'],
    role: 'model', live: false, inHash: true, choiceLabels: { mnist: 'MNIST digits', fashion: 'Fashion-MNIST', own: 'Your images' }, label: 'Dataset',
    doc: 'What it trains on: `mnist`, `fashion` (fetched when chosen) or `own` (images you dropped or drew; never in the hash).',
  },
  epochs: {
    attribute: 'epochs', type: 'integer', default: 50, role: 'run', live: true, inHash: true,
    doc: 'Epochs `train()` runs to; 0 trains until paused.',
  },
  workers: {
    attribute: 'workers', type: 'workers', default: 'auto', inHash: false,
    doc: 'Training Workers: `auto` (one fewer than the machine’s cores, at most 8) or 1 to 8. Several share each step: over shared memory on cross-origin-isolated pages (COOP/COEP headers), by messages elsewhere; the status line says which.',
  },
  autostart: { attribute: 'autostart', type: 'boolean', default: false, inHash: false, doc: 'Start training once loaded.' },
  compact: { attribute: 'compact', type: 'boolean', default: false, inHash: false, doc: 'Only the latent panel and the digit, for embedding in text.' },
  persist: {
    attribute: 'persist', type: 'boolean', default: false, inHash: false,
    doc: 'Keep trained models (one per structural configuration, at most 8), their settings and loss curves across reloads (IndexedDB, per page and element `id`, or order without one); a model of your own images keeps them with it (at most 20,000 images, 15.7 MB); "Start over" forgets them.',
  },
  views: {
    attribute: 'views', type: 'list', default: VIEW_NAMES.join(' '), choices: VIEW_NAMES, inHash: false,
    doc: 'Which views to show, in this order (default: all; with `compact`, `latent` only).',
  },
  weights: { attribute: 'weights', type: 'url', default: null, inHash: false, doc: 'URL of a .safetensors file to start from.' },
  data: {
    attribute: 'data', type: 'url', default: null, inHash: false,
    doc: 'Two URLs, images and labels (gzip IDX), separated by a space or comma; the last tenth (at most 1,000) is the test set.',
  },
} as const satisfies Record<string, Descriptor>;

export type SettingKey = keyof typeof SETTINGS;
type ValueOf<D> = D extends { type: 'integer' | 'number' } ? number : D extends { type: 'boolean' } ? boolean : D extends { type: 'choice' } ? string : D extends { type: 'workers' } ? 'auto' | number : string | null;
/** The element's reflected properties, one per setting, typed from the table. */
export type SettingProperties = { -readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
export const MODEL_KEYS = SETTING_KEYS.filter((k): k is keyof TrainSettings => isModelSetting(k));
export const ATTRIBUTES: readonly string[] = SETTING_KEYS.map((k) => SETTINGS[k].attribute);

function isModelSetting(key: SettingKey): key is keyof TrainSettings {
  const d: Descriptor = SETTINGS[key];
  return (d.type === 'integer' || d.type === 'number' || d.type === 'choice') && d.role === 'model';
}

/** The model settings that are numbers (the others are choices). */
export const NUMBER_KEYS = MODEL_KEYS.filter((k): k is NumberKey => isNumberSetting(k));
export type NumberKey = { [K in keyof TrainSettings]: TrainSettings[K] extends number ? K : never }[keyof TrainSettings];
export type ChoiceKey = Exclude<keyof TrainSettings, NumberKey>;
export const CHOICE_KEYS = MODEL_KEYS.filter((k): k is ChoiceKey => !isNumberSetting(k));

export function isNumberSetting(key: SettingKey): boolean {
  const { type } = SETTINGS[key] as Descriptor;
  return type === 'integer' || type === 'number';
}

export function descriptor(key: SettingKey): Descriptor {
  return SETTINGS[key];
}

export function keyOfAttribute(attribute: string): SettingKey | undefined {
  return SETTING_KEYS.find((k) => SETTINGS[k].attribute === attribute);
}

export const DEFAULT_SETTINGS: Readonly<TrainSettings> = Object.fromEntries(
  MODEL_KEYS.map((k) => [k, SETTINGS[k].default]),
) as unknown as TrainSettings;

/** Whether a change of this model setting can be applied to the model that is training. */
export function isLive(key: keyof TrainSettings): boolean {
  return SETTINGS[key].live;
}

// Integers cross into Rust as u32/u64: anything outside 0 ≤ n < 2³² would wrap or be cut there, so it is refused here.
const LARGEST_INTEGER = 2 ** 32 - 1;

/**
 * An attribute's text as a number setting's value, or an Error naming the attribute and the text as typed.
 * Ranges beyond "a whole number a u32 holds" are the Rust core's to check.
 */
export function parseNumberSetting(key: SettingKey, text: string | null): number {
  const d = SETTINGS[key] as Descriptor;
  if (d.type !== 'integer' && d.type !== 'number') throw new Error(`${d.attribute} is not a number setting`);
  if (text === null) return d.default;
  const trimmed = text.trim();
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isFinite(value)) throw new Error(`${d.attribute}="${text}" is not a number`);
  if (d.type === 'integer') {
    if (!Number.isInteger(value)) throw new Error(`${d.attribute}="${text}" is not a whole number`);
    if (value < 0 || value > LARGEST_INTEGER) {
      throw new Error(`${d.attribute}="${text}" is out of range: a whole number from 0 to ${LARGEST_INTEGER} at most`);
    }
  }
  return value;
}

/**
 * A choice setting's text as its value (a removed attribute: the default), or an Error naming the attribute, the text
 * as typed and the choices.
 */
export function parseChoiceSetting<K extends ChoiceKey>(key: K, text: string | null): TrainSettings[K] {
  const d = SETTINGS[key] as Descriptor;
  if (d.type !== 'choice') throw new Error(`${d.attribute} is not a choice setting`);
  if (text === null) return d.default as TrainSettings[K];
  const value = text.trim();
  if (!d.choices.includes(value)) throw new Error(`${d.attribute}="${text}" is not one of ${d.choices.map((c) => `"${c}"`).join(', ')}`);
  return value as TrainSettings[K];
}

/** Whether a link may carry this value of the setting (`dataset="own"` cannot: a link has no images). */
export function hashCarries(key: SettingKey, value: string): boolean {
  const d = SETTINGS[key] as Descriptor;
  return d.inHash && (d.type !== 'choice' || (d.hashChoices ?? d.choices).includes(value));
}

/** The `views` attribute: the names it lists, in order; an unknown name is an Error naming it (the rest still apply). */
export function parseViews(text: string | null, compact = false): { views: ViewName[]; unknown: string[] } {
  const names = (text ?? (compact ? 'latent' : SETTINGS.views.default)).split(/[\s,]+/).filter(Boolean);
  const known = (name: string): name is ViewName => (VIEW_NAMES as readonly string[]).includes(name);
  return { views: [...new Set(names.filter(known))], unknown: names.filter((n) => !known(n)) };
}

/** The `data` attribute: two URLs (images, labels), separated by spaces or a comma, resolved against `base`. */
export function parseDataUrls(text: string, base: string): [string, string] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length !== 2) {
    throw new Error(`data="${text}" needs two URLs, the images and the labels .idx-ubyte.gz files`);
  }
  return [parseUrl('data', parts[0], base), parseUrl('data', parts[1], base)];
}

/** A URL attribute resolved against `base`, or an Error naming the attribute. */
export function parseUrl(attribute: string, text: string, base: string): string {
  try {
    return new URL(text, base).href;
  } catch {
    throw new Error(`${attribute}="${text}" is not a URL the browser can read`);
  }
}

/** The settings kept in the URL hash, as `URLSearchParams` text, from an attribute reader. */
export function toHash(read: (attribute: string) => string | null): string {
  const params = new URLSearchParams();
  for (const key of SETTING_KEYS) {
    const { attribute } = SETTINGS[key];
    const value = read(attribute);
    if (value !== null && hashCarries(key, value.trim())) params.set(attribute, value);
  }
  return params.toString();
}

/** The attributes a URL hash sets, in table order (only settings kept in the hash). */
export function fromHash(hash: string): [string, string][] {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return SETTING_KEYS.flatMap((key) => {
    const { attribute } = SETTINGS[key];
    const value = params.get(attribute);
    return value !== null && hashCarries(key, value.trim()) ? [[attribute, value] as [string, string]] : [];
  });
}

/** The README's attribute table, generated from the descriptors (a test keeps the README equal to it). */
export function attributeTable(): string {
  const rows = SETTING_KEYS.map((key) => {
    const d: Descriptor = SETTINGS[key];
    const type =
      d.type === 'url' ? 'URL' : d.type === 'list' ? 'list' : d.type === 'choice' ? d.choices.map((c) => `\`${c}\``).join(' \\| ') : d.type === 'workers' ? '`auto` \\| integer' : d.type;
    const applies =
      d.type === 'integer' || d.type === 'number' || d.type === 'choice' ? (d.role === 'run' || d.live ? 'at once' : 'new model') : d.type === 'workers' ? 'at once' : '—';
    const inHash = !d.inHash ? 'no' : d.type === 'choice' && d.hashChoices ? d.hashChoices.map((c) => `\`${c}\``).join(', ') : 'yes';
    return `| \`${d.attribute}\` | \`${key}\` | ${type} | ${d.default === null ? '—' : `\`${d.default}\``} | ${applies} | ${inHash} | ${d.doc} |`;
  });
  return ['| attribute | property | type | default | applies | in page hash | what it does |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}
