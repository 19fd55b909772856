// The dataset's words in a view's text: an element carries a template in `data-words` (its text) or
// `data-words-label` (its aria-label), with {item}, {an item}, {items}, {Item}, {Items}, {name} and {pixels} filled in
// from the dataset in force ("Another test {item}" → "Another test digit", "… garment"; "{an item}" → "an image").
// A view applies them when it mounts and again whenever the dataset changes.
import { capitalised, datasetOf, pixelsOf, type Dataset } from '../datasets.js';
import { withArticle } from '../english.js';

/** What the views show before a model says otherwise: MNIST, the default. */
export const DEFAULT_DATASET: Dataset = datasetOf('mnist');

export function fillWords(template: string, dataset: Dataset): string {
  return template.replace(/\{(item|an item|items|Item|Items|name|pixels)\}/g, (_, word: string) => {
    switch (word) {
      case 'item': return dataset.item;
      case 'an item': return withArticle(dataset.item);
      case 'items': return dataset.items;
      case 'Item': return capitalised(dataset.item);
      case 'Items': return capitalised(dataset.items);
      case 'name': return dataset.name;
      default: return pixelsOf(dataset.spec).toLocaleString('en-US');
    }
  });
}

/** Fills every template under `root`. */
export function applyWords(root: ParentNode, dataset: Dataset): void {
  root.querySelectorAll<HTMLElement>('[data-words]').forEach((el) => (el.textContent = fillWords(el.dataset.words!, dataset)));
  root.querySelectorAll<HTMLElement>('[data-words-label]').forEach((el) => el.setAttribute('aria-label', fillWords(el.dataset.wordsLabel!, dataset)));
}

/** Remembers the dataset last applied: `changed` is true once per new dataset. */
export class WordsShown {
  #dataset: Dataset | null = null;

  changed(dataset: Dataset): boolean {
    if (dataset === this.#dataset) return false;
    this.#dataset = dataset;
    return true;
  }
}
