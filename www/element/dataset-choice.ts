// The dataset the element's model trains on: the one `Dataset` object the views read their words from (the same
// object until the choice changes, so views redraw their words only then), and the data a newly chosen dataset needs
// made ready in the worker before a model is asked to train on it.
import { DATASETS, datasetOf, type Dataset, type OwnSummary } from '../datasets.js';
import type { OwnImages, TrainSettings } from '../protocol.js';
import type { ModelLink } from './model-link.js';
import type { OwnFlow } from './own-flow.js';

export class DatasetChoice {
  /** Which dataset is being fetched before a new model can start on it (the status line shows it as loading). */
  fetching: string | null = null;
  #shown: { key: string; dataset: Dataset } = { key: '', dataset: datasetOf('mnist') };

  constructor(private readonly link: ModelLink, private readonly own: OwnFlow, private readonly render: () => void) {}

  /** The dataset in force: the setting's choice, replaced by the `data` files when given, or the person's set. */
  now(urlGiven: boolean, own: OwnSummary | null): Dataset {
    const choice = this.link.settings.datasetId;
    const key = `${choice}|${urlGiven}|${choice === 'own' ? this.own.set.inForce?.hash : ''}|${own?.mixed}`;
    if (key !== this.#shown.key) this.#shown = { key, dataset: datasetOf(choice, { url: urlGiven, own }) };
    return this.#shown.dataset;
  }

  /**
   * The data for a model with `next.datasetId`, in the worker before that model is asked for: Fashion-MNIST is fetched
   * now (the first time), the person's set is given to the worker. A failure throws, and the setting stays as it was.
   * Before the worker has a model, nothing is done here: the worker loads what the first model needs.
   */
  async prepare(next: TrainSettings): Promise<void> {
    if (next.datasetId === 'own') {
      // The set trained on before (alone or mixed), else "my set" alone.
      const own: OwnImages | null = this.own.set.inForce?.images ?? (this.own.set.count > 0 ? this.own.set.forWorker(false).own : null);
      if (!own) {
        throw new Error('dataset="own": there are no images of yours yet. Drop images (files, a folder or a .zip) on the playground, or add drawings to your set in Draw.');
      }
      if (this.link.model.ready) await this.own.give(own);
      return;
    }
    if (!this.link.model.ready) return;
    this.fetching = `Loading ${DATASETS[next.datasetId].name}…`;
    this.render();
    try {
      await this.link.request({ kind: 'data', dataset: next.datasetId });
    } finally {
      this.fetching = null;
    }
  }
}
