// The settings form, built from the settings table: one input per setting that has a label (a select for a choice),
// with the bounds the Rust core checks; changing an input sets the element's attribute, so the form and the
// attributes cannot disagree. Beside it: weights to export or load, and the person's own images to bring in.
import { SETTINGS, SETTING_KEYS, type SettingKey } from '../settings.js';
import type { TrainSettings } from '../protocol.js';
import { newModelQuestion } from './confirm.js';
import { Listeners, find, type PlaygroundActions, type PlaygroundState, type SettingLimits, type View } from './view.js';

type FormKey = keyof TrainSettings;
const FORM_KEYS = SETTING_KEYS.filter((k): k is FormKey => 'label' in SETTINGS[k]);

export class SettingsView implements View {
  #listeners = new Listeners();
  #inputs = new Map<FormKey, HTMLInputElement | HTMLSelectElement>();
  #limits: SettingLimits | null = null;
  #shown: TrainSettings | null = null;
  #export!: HTMLButtonElement;
  #host!: HTMLElement;
  #problem!: HTMLElement;

  constructor(private readonly actions: PlaygroundActions) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="settings" part="settings">${FORM_KEYS.map(inputHtml).join('')}
      <p class="field-problem" id="settings-problem" role="alert" hidden></p>
      <div class="actions">
        <button data-action="export" disabled>Export weights</button>
        <label class="file" tabindex="0">Load weights…<input type="file" class="weights-file" accept=".safetensors"></label>
        <p class="hint">β and learning rate apply at once; the others start a new model. A .safetensors file dropped anywhere on the widget loads too.</p>
      </div>
      <div class="actions own-images" role="group" aria-label="Your images">
        <label class="file" tabindex="0">Use your images…<input type="file" class="images-file" multiple accept="image/png,image/jpeg,image/webp,image/gif,.zip,application/zip"></label>
        <label class="file" tabindex="0">…or a folder<input type="file" class="images-folder" multiple webkitdirectory></label>
        <p class="hint">Or drop image files, a folder or a .zip anywhere on the widget. Labels come from sub-folder names or a <code>label_</code> file-name prefix; you see every image prepared before anything trains. They stay in this browser.</p>
      </div></div>`;
    this.#host = host;
    this.#problem = find(host, '.field-problem');
    for (const key of FORM_KEYS) {
      const input = find<HTMLInputElement | HTMLSelectElement>(host, `[data-attr="${SETTINGS[key].attribute}"]`);
      this.#inputs.set(key, input);
      this.#listeners.on(input, 'change', () => void this.#change(key, input));
    }
    this.#export = find(host, '[data-action="export"]');
    this.#listeners.on(this.#export, 'click', () => this.actions.saveWeights());
    const weights = find<HTMLInputElement>(host, '.weights-file');
    this.#listeners.on(weights, 'change', () => {
      const chosen = weights.files?.[0];
      weights.value = '';
      if (chosen) this.actions.loadWeightsFile(chosen);
    });
    for (const selector of ['.images-file', '.images-folder']) {
      const images = find<HTMLInputElement>(host, selector);
      this.#listeners.on(images, 'change', () => {
        const chosen = images.files ? Array.from(images.files) : [];
        images.value = '';
        if (chosen.length) this.actions.bringImages(chosen);
      });
    }
    // Each label is focusable; Enter or Space opens its picker as a click would.
    host.querySelectorAll<HTMLElement>('.file').forEach((label) => {
      this.#listeners.on(label, 'keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          find<HTMLInputElement>(label, 'input').click();
        }
      });
    });
  }

  #lastState: Readonly<PlaygroundState> | null = null;

  update(state: Readonly<PlaygroundState>): void {
    this.#lastState = state;
    this.#export.disabled = state.ready === null;
    // "Your images" can be chosen once there are some.
    const own = this.#host.querySelector<HTMLOptionElement>('[data-attr="dataset"] option[value="own"]');
    if (own) own.disabled = state.own.count === 0 && state.own.inForce === null;
    if (state.limits !== this.#limits) {
      this.#limits = state.limits;
      if (state.limits) this.#applyLimits(state.limits);
    }
    // Only when the settings object changed (the element replaces it on every change, and on a refused one so the
    // input goes back to the value in force): progress updates must not overwrite what a person is typing.
    if (state.settings === this.#shown) return;
    this.#shown = state.settings;
    for (const [key, input] of this.#inputs) {
      const value = String(state.settings[key]);
      if (input instanceof HTMLSelectElement && ![...input.options].some((o) => o.value === value)) input.add(new Option(value));
      input.value = value;
    }
    // The convolutional structure's sizes are fixed but for the latent size: its hidden units would change nothing.
    const hidden = this.#inputs.get('hiddenUnits');
    if (hidden) {
      hidden.disabled = state.settings.architecture === 'conv';
      hidden.title = hidden.disabled ? 'The convolutional structure has no hidden units to set (its layers are fixed); the MLP’s are kept for it.' : '';
    }
  }

  dispose(): void {
    this.#listeners.dispose();
    this.#inputs.clear();
    this.#shown = null;
  }

  /** A person changed an input: a setting that starts a new model asks first while a trained one exists. */
  async #change(key: FormKey, input: HTMLInputElement | HTMLSelectElement): Promise<void> {
    const d = SETTINGS[key];
    const { attribute, label } = d;
    const problem = this.actions.checkSetting(key, input.value);
    this.#say(input, problem && refusal(label, input.value, problem, String(this.#lastState!.settings[key])));
    if (problem) {
      this.#showInForce(); // as the message says
      return;
    }
    if (!d.live && this.#lastState!.hasTrained) {
      const shown = d.type === 'choice' ? (d.choiceLabels as Record<string, string>)[input.value] ?? input.value : input.value;
      const yes = await this.actions.confirm(newModelQuestion(`Changing “${label}” to ${shown}`, this.#lastState!.persist));
      if (!yes) {
        this.#showInForce();
        return;
      }
    }
    this.actions.setAttribute(attribute, input.value);
  }

  /** Puts the values in force back into the inputs (a refused or declined change leaves the setting as it was). */
  #showInForce(): void {
    this.#shown = null;
    this.update(this.#lastState!);
  }

  /** Shows why `input`'s value was refused, under the form and tied to the input; `null` clears it. */
  #say(input: HTMLInputElement | HTMLSelectElement, message: string | null): void {
    for (const other of this.#inputs.values()) {
      other.removeAttribute('aria-invalid');
      other.removeAttribute('aria-describedby');
    }
    this.#problem.hidden = message === null;
    this.#problem.textContent = message ?? '';
    if (message === null) return;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', this.#problem.id);
  }

  #applyLimits(limits: SettingLimits): void {
    for (const [key, input] of this.#inputs) {
      const range = key in limits ? limits[key as keyof SettingLimits] : null;
      if (!range || !(input instanceof HTMLInputElement)) continue;
      input.min = String(range.min + (range.minExclusive ? Number.EPSILON : 0));
      if (range.max !== undefined && range.max !== null) input.max = String(range.max);
    }
  }
}

/**
 * A refused value in the form's words: "β (KL weight) = -1 is not allowed: a finite number ≥ 0 (…). It stays 4." —
 * the field's label where the core's message names its own word for the setting.
 */
export function refusal(label: string, text: string, problem: string, inForce: string): string {
  const rule = /is not allowed: (.*)$/.exec(problem)?.[1];
  return `${rule ? `${label} = ${text.trim() || '(empty)'} is not allowed: ${rule}` : problem}. It stays ${inForce}.`;
}

function inputHtml(key: SettingKey): string {
  const d = SETTINGS[key];
  if (!('label' in d)) return '';
  const attrs = `data-attr="${d.attribute}" title="${d.doc.replace(/`/g, '')}"`;
  if (d.type === 'choice') {
    const labels = d.choiceLabels as Record<string, string>;
    return `<label>${d.label}<select ${attrs}>${d.choices.map((c) => `<option value="${c}">${labels[c]}</option>`).join('')}</select></label>`;
  }
  if ('choices' in d) {
    return `<label>${d.label}<select ${attrs}>${d.choices.map((c) => `<option>${c}</option>`).join('')}</select></label>`;
  }
  const step = d.type === 'integer' ? '1' : '0.1';
  const min = key === 'seed' ? ' min="0"' : '';
  return `<label>${d.label}<input ${attrs} type="number" step="${step}"${min}></label>`;
}
