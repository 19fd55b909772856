// What an element starts from, before its first model can train: wasm and the checked settings, its inputs (the
// files beside the module, or what its URL attributes name) and, with `persist`, its kept runs; then the first model
// replaced by the `weights` file and the kept run, before `ready`. The lifecycle's `loadWasm` and `restore` effects.
import { settingLimits } from '../../pkg/vae_playground.js';
import { RunKeeper, elementKeyOf, type KeeperHost } from '../persistence.js';
import type { SettingLimits } from '../views/view.js';
import { errorMessage, fetchBytes, loadWasm } from '../wasm.js';
import { ASSETS, readInputs, type Inputs } from './inputs.js';
import type { LifeEvent } from './lifecycle.js';
import type { ModelLink } from './model-link.js';

export interface StartupHost extends Pick<KeeperHost, 'resume' | 'notice' | 'restored' | 'own' | 'useOwn'> {
  element: HTMLElement;
  link: ModelLink;
  /** Whether `boot` is still the element's current start (not superseded, not removed). */
  current(boot: number): boolean;
  dispatch(event: LifeEvent): void;
  reportError(message: string): void;
}

export class Startup {
  inputs: Inputs | null = null;
  /** With `persist`: keeps the run across reloads. */
  keeper: RunKeeper | null = null;
  limits: SettingLimits | null = null;
  /** Attribute changes are checked one after another (the checks need wasm); a boot waits for them. */
  settled: Promise<void> = Promise.resolve();
  readonly #host: StartupHost;

  constructor(host: StartupHost) {
    this.#host = host;
  }

  /** Loads wasm, waits for the settings' checks, reads the inputs; then `wasmLoaded` (or `fatal`). */
  async prepare(boot: number): Promise<void> {
    const host = this.#host;
    this.keeper?.dispose();
    this.keeper = host.element.hasAttribute('persist') ? this.#newKeeper() : null;
    try {
      await loadWasm(ASSETS.wasm);
      this.limits ??= settingLimits() as SettingLimits;
      await this.settled;
      if (!host.current(boot)) return; // removed, or superseded, while loading
      this.inputs = readInputs((attribute) => host.element.getAttribute(attribute), document.baseURI);
      for (const problem of this.inputs.problems) host.reportError(problem);
      host.dispatch({ type: 'wasmLoaded', boot, restore: this.inputs.weights !== null || this.keeper !== null });
    } catch (cause) {
      host.dispatch({ type: 'fatal', boot, message: errorMessage(cause) });
    }
  }

  /** The first model: the `weights` file (if any), then the run kept from a last visit (if any) over it; then `restoreDone`. */
  async restore(boot: number): Promise<void> {
    const host = this.#host;
    const weights = this.inputs?.weights;
    const keeper = this.keeper;
    if (weights) {
      try {
        await host.resume((await fetchBytes(weights, 'the weights', 'check the `weights` attribute')).slice().buffer);
      } catch (cause) {
        // The digits are here, so the playground still works: from fresh weights, with the reason shown.
        if (host.current(boot)) host.reportError(`${errorMessage(cause)} Starting from fresh weights instead.`);
      }
    }
    if (keeper && host.current(boot)) await keeper.restore();
    host.dispatch({ type: 'restoreDone', boot });
  }

  dispose(): void {
    this.keeper?.dispose();
  }

  /** The keeper for a `persist` element: what it needs of the element, and nothing more. */
  #newKeeper(): RunKeeper {
    const { element, link, resume, notice, restored, own, useOwn } = this.#host;
    return new RunKeeper(elementKeyOf(element), {
      settings: () => link.settings,
      epoch: () => link.model.progress?.epoch ?? 0,
      runs: () => link.runs,
      exportWeights: () => link.exportFile(),
      resume, notice, restored, own, useOwn,
      datasetNamed: () => element.hasAttribute('dataset'),
    });
  }
}
