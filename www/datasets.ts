// The one table of data sources (as TF Playground's `datasets` table): the bundled MNIST and Fashion-MNIST, IDX files
// named by the `data` attribute, and the person's own images. Each says what one item is called, its classes (or
// none), its files and the shape of its images, so the views read words, legends and sizes from the dataset in force
// instead of assuming digits. Pure: tested in node (tests/unit/datasets.test.mjs).

/** The shape of one image: width × height pixels, `channels` values each (1: gray). */
export interface ImageSpec {
  width: number;
  height: number;
  channels: number;
}

/** Every source in this turn is MNIST's shape; the views read it from here, not from a constant of their own. */
export const MNIST_SPEC: Readonly<ImageSpec> = Object.freeze({ width: 28, height: 28, channels: 1 });

/** Values in one image of this shape. */
export function pixelsOf(spec: ImageSpec): number {
  return spec.width * spec.height * spec.channels;
}

export type DatasetId = 'mnist' | 'fashion' | 'url' | 'own';
/** The `dataset` setting's choices (IDX by URL is the `data` attribute's). */
export type DatasetChoice = Exclude<DatasetId, 'url'>;

/** How a class reads in a sentence: "a 7" (digit), "a sneaker" (noun), "“cat”" (name, as the person wrote it). */
type ClassWords = 'digit' | 'noun' | 'name';

export interface DatasetSource {
  id: DatasetId;
  /** As a person names it: "MNIST", "Fashion-MNIST". */
  name: string;
  /** One item and many: "digit" / "digits". */
  item: string;
  items: string;
  /** The names of labels 0…n−1; null when the source does not know them (IDX by URL, an unlabelled own set). */
  classNames: readonly string[] | null;
  classWords: ClassWords;
  /** The bundled gzip IDX files in dist/data/, or null (given by URL, or made in the page). */
  files: { images: string; labels: string } | null;
  spec: Readonly<ImageSpec>;
  /** One line for the README's datasets table. */
  doc: string;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** Zalando's class names, label 0 to 9 (data/README.md). */
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export const DATASETS: Readonly<Record<DatasetId, DatasetSource>> = {
  mnist: {
    id: 'mnist', name: 'MNIST', item: 'digit', items: 'digits', classNames: DIGITS, classWords: 'digit',
    files: { images: 'mnist-10k-images.idx3-ubyte.gz', labels: 'mnist-10k-labels.idx1-ubyte.gz' }, spec: MNIST_SPEC,
    doc: '10,000 handwritten digits (the default), loaded with the page.',
  },
  fashion: {
    id: 'fashion', name: 'Fashion-MNIST', item: 'garment', items: 'garments', classNames: FASHION, classWords: 'noun',
    files: { images: 'fashion-10k-images.idx3-ubyte.gz', labels: 'fashion-10k-labels.idx1-ubyte.gz' }, spec: MNIST_SPEC,
    doc: '10,000 photos of clothes in 10 classes, fetched (4.4 MB) only when chosen.',
  },
  url: {
    id: 'url', name: 'IDX files', item: 'image', items: 'images', classNames: null, classWords: 'name', files: null, spec: MNIST_SPEC,
    doc: 'Two gzip IDX files (images, labels) named by the `data` attribute.',
  },
  own: {
    id: 'own', name: 'Your images', item: 'image', items: 'images', classNames: null, classWords: 'name', files: null, spec: MNIST_SPEC,
    doc: 'Images you drop or pick (files, a folder, a .zip) or draw, prepared as MNIST’s digits were; kept only in this browser.',
  },
};

/** The person's own set as the views need to know it (the images themselves live with their owner, own-set.ts). */
export interface OwnSummary {
  count: number;
  /** Class names when the set is labelled. */
  classNames: string[] | null;
  /** Trained mixed into MNIST's training split ("where does my handwriting land?"). */
  mixed: boolean;
}

/** The dataset a model trains on, as the views read it. */
export interface Dataset {
  id: DatasetId;
  name: string;
  item: string;
  items: string;
  /** Names of labels 0…classCount−1 (numbers written out when the source has no names); empty when unlabelled. */
  classNames: readonly string[];
  classWords: ClassWords;
  labelled: boolean;
  spec: Readonly<ImageSpec>;
  /** With own images mixed into MNIST: how many are the person's (drawn as markers in the latent panel). */
  own: { count: number; classNames: string[] | null } | null;
}

/**
 * The dataset a model with `choice` trains on: the `data` attribute's files replace a bundled set; `own` is the
 * person's set (alone, or mixed into MNIST, whose words and classes it then takes).
 */
export function datasetOf(choice: DatasetChoice, options: { url?: boolean; own?: OwnSummary | null } = {}): Dataset {
  const { url = false, own = null } = options;
  if (choice === 'own' && own && !own.mixed) {
    const source = DATASETS.own;
    return {
      id: 'own', name: source.name, item: source.item, items: source.items, classNames: own.classNames ?? [], classWords: 'name',
      labelled: own.classNames !== null, spec: source.spec, own: null,
    };
  }
  // Mixed own images train beside MNIST's (or the `data` files'), whose test split, words and classes stay.
  const source = choice === 'fashion' && !url ? DATASETS.fashion : url ? DATASETS.url : DATASETS.mnist;
  const mixed = choice === 'own' && own ? { count: own.count, classNames: own.classNames } : null;
  return {
    id: mixed ? 'own' : source.id,
    name: mixed ? `${source.name} with your images` : source.name,
    item: source.item,
    items: source.items,
    classNames: source.classNames ?? DIGITS, // IDX labels are digits 0–9 (the Rust reader checks)
    classWords: source.classWords,
    labelled: true,
    spec: source.spec,
    own: mixed,
  };
}

/** The classifier's outputs (src/classifier.rs): a labelled set with more classes than this has no classifier. */
export const CLASSIFIER_CLASSES = 10;

/** Whether the worker's classifier can learn this set (what "looks like" and Judge's coverage need). */
export function hasClassifier(dataset: Dataset): boolean {
  return dataset.labelled && dataset.classNames.length <= CLASSIFIER_CLASSES;
}

/** The name of label `label` ("7", "Sneaker", "cat"). */
export function className(dataset: Dataset, label: number): string {
  return dataset.classNames[label] ?? String(label);
}

/** How label `label` reads after "looks like": "a 7", "a sneaker", "an ankle boot", "“cat”". */
export function classPhrase(dataset: Dataset, label: number): string {
  const name = className(dataset, label);
  switch (dataset.classWords) {
    case 'digit':
      return `a ${name}`;
    case 'noun': {
      const noun = name.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
      return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
    }
    case 'name':
      return `“${name}”`;
  }
}

/** "Digit", "Garment": an item word with a capital, to start a sentence or a heading. */
export function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** "1 digit", "9,000 digits". */
export function countOf(dataset: Pick<Dataset, 'item' | 'items'>, n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? dataset.item : dataset.items}`;
}

/** The README's datasets table, from the table above (a test keeps the README equal to it). */
export function datasetTable(): string {
  const rows = (Object.values(DATASETS) as DatasetSource[]).map((d) => {
    const classes = d.classNames ? d.classNames.join(', ') : d.id === 'url' ? 'the labels’ numbers' : 'from folders or `label_` names, or none';
    const how = d.id === 'url' ? '`data="images.gz labels.gz"`' : `\`dataset="${d.id}"\``;
    return `| ${d.name} | ${how} | ${d.item} / ${d.items} | ${classes} | ${d.spec.width} × ${d.spec.height} × ${d.spec.channels} | ${d.doc} |`;
  });
  return ['| dataset | chosen by | one / many | classes | image | what it is |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
