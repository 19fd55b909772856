// A setting attribute's new value, checked as the Rust core checks it (in wasm) and put in force: at once when it can
// be — the module loaded and no earlier change waiting — so that `el.beta = 4; el.train()` trains with β = 4 from its
// first step; otherwise after what waits (the module, an earlier change, and always the dataset, which may need
// fetching). A value that is not allowed leaves the last valid setting in force, and the form goes back to it.
import type { TrainSettings } from '../protocol.js';
import { isLive } from '../settings.js';
import { errorMessage, loadWasm, wasmReady } from '../wasm.js';
import { settingsWith } from './attributes.js';
import type { DatasetChoice } from './dataset-choice.js';
import type { ModelLink } from './model-link.js';

export interface SettingChangesHost {
  link: ModelLink;
  datasets: DatasetChoice;
  wasmUrl: string;
  /** Runs `task` after the changes before it (the start-up waits for this chain too). */
  enqueue(task: () => Promise<void>): Promise<void>;
  /** A structural change replaces the model: a save still waiting keeps the one trained with the settings before. */
  flushSave(): void;
  reset(): void;
  reportError(message: string): void;
  render(): void;
}

export class SettingChanges {
  readonly #host: SettingChangesHost;
  /** Changes waiting to be applied. */
  #waiting = 0;

  constructor(host: SettingChangesHost) {
    this.#host = host;
  }

  change(key: keyof TrainSettings, text: string | null): void {
    if (this.#waiting === 0 && wasmReady() && key !== 'datasetId') {
      try {
        const next = settingsWith(key, text, this.#host.link.settings);
        if (next) this.#use(key, next);
      } catch (cause) {
        this.#refuse(cause);
      }
      this.#host.render();
      return;
    }
    this.#waiting++;
    void this.#host.enqueue(() => this.#applyLater(key, text)).finally(() => this.#waiting--);
  }

  async #applyLater(key: keyof TrainSettings, text: string | null): Promise<void> {
    try {
      await loadWasm(this.#host.wasmUrl);
      const next = settingsWith(key, text, this.#host.link.settings);
      if (!next) return;
      if (key === 'datasetId') await this.#host.datasets.prepare(next);
      this.#use(key, next);
    } catch (cause) {
      this.#refuse(cause);
    } finally {
      this.#host.render();
    }
  }

  #use(key: keyof TrainSettings, next: TrainSettings): void {
    const link = this.#host.link;
    if (!isLive(key)) this.#host.flushSave();
    link.settings = next;
    if (isLive(key)) link.set({ [key]: next[key] });
    else this.#host.reset(); // before the worker exists this changes nothing: the boot uses the new settings
  }

  #refuse(cause: unknown): void {
    const link = this.#host.link;
    link.settings = { ...link.settings };
    this.#host.reportError(errorMessage(cause));
  }
}
