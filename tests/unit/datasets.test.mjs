// The dataset table (www/datasets.ts) and what the views read from it; a person's own set as the element keeps it
// (www/element/own-set.ts); the IDX files written for own images (www/data/idx.ts); what a file or a kept record may
// say about a dataset (www/validate.ts). The README's datasets table must equal the one generated here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { importWww } from './bundle.mjs';

const datasets = await importWww('www/datasets.ts');
const { OwnSet, MAX_OWN_IMAGES, NO_LABEL } = await importWww('www/element/own-set.ts');
const idx = await importWww('www/data/idx.ts');
const { validDatasetStamp, validOwn, MAX_KEPT_OWN } = await importWww('www/validate.ts');

test('each source says what one item is called and its classes; the views read them, not digits', () => {
  const mnist = datasets.datasetOf('mnist');
  assert.deepEqual([mnist.id, mnist.item, mnist.items, mnist.labelled, mnist.classNames.length], ['mnist', 'digit', 'digits', true, 10]);
  assert.equal(datasets.classPhrase(mnist, 7), 'a 7');
  const fashion = datasets.datasetOf('fashion');
  assert.deepEqual([fashion.item, datasets.className(fashion, 7)], ['garment', 'Sneaker']);
  assert.equal(datasets.classPhrase(fashion, 7), 'a sneaker');
  assert.equal(datasets.classPhrase(fashion, 9), 'an ankle boot');
  assert.equal(datasets.countOf(fashion, 1), '1 garment');
  assert.equal(datasets.countOf(mnist, 9000), '9,000 digits');
  // The `data` files replace the bundled set chosen: their labels are the digits the Rust reader accepts.
  const url = datasets.datasetOf('fashion', { url: true });
  assert.deepEqual([url.id, url.item, url.classNames.join('')], ['url', 'image', '0123456789']);
  assert.equal(datasets.pixelsOf(mnist.spec), 784);
});

test('own images: alone (labelled or not, the classifier only up to 10 classes), or mixed into MNIST with its words', () => {
  const unlabelled = datasets.datasetOf('own', { own: { count: 40, classNames: null, mixed: false } });
  assert.deepEqual([unlabelled.id, unlabelled.labelled, unlabelled.classNames.length, datasets.hasClassifier(unlabelled)], ['own', false, 0, false]);
  const cats = datasets.datasetOf('own', { own: { count: 40, classNames: ['cat', 'dog'], mixed: false } });
  assert.deepEqual([cats.labelled, datasets.hasClassifier(cats), datasets.classPhrase(cats, 1)], [true, true, '“dog”']);
  const many = datasets.datasetOf('own', { own: { count: 40, classNames: Array.from({ length: 12 }, (_, i) => `c${i}`), mixed: false } });
  assert.equal(datasets.hasClassifier(many), false, 'the classifier tells at most 10 classes apart');
  const mixed = datasets.datasetOf('own', { own: { count: 20, classNames: ['7'], mixed: true } });
  assert.deepEqual([mixed.id, mixed.item, mixed.classNames.length, mixed.own], ['own', 'digit', 10, { count: 20, classNames: ['7'] }]);
  assert.equal(mixed.name, 'MNIST with your images');
});

test("the README's datasets table is the one the dataset table generates", () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.ok(readme.includes(datasets.datasetTable()), `README.md should contain:\n${datasets.datasetTable()}`);
});

const image = (value) => new Float32Array(784).fill(value);

test('my set: labels in any case or spacing are one class; a partly labelled set trains unlabelled, and says why', () => {
  const set = new OwnSet();
  set.add(image(0.5), 'Seven');
  set.add(image(1), ' seven ');
  set.add(image(0.2), 'one');
  assert.deepEqual(set.summary(), { count: 3, classes: [{ name: 'Seven', count: 2 }, { name: 'one', count: 1 }], unlabelled: 0 });
  const { own, note } = set.forWorker(true);
  assert.deepEqual([Array.from(own.labels), own.classNames, own.mixed, note], [[0, 0, 1], ['Seven', 'one'], true, null]);
  assert.deepEqual(Array.from(own.images.subarray(0, 2)), [128, 128], 'bytes, 0.5 → 128');
  set.add(image(0.3), '');
  const partly = set.forWorker(false);
  assert.equal(partly.own.labels, null);
  assert.match(partly.note, /^1 of your 4 images has no label, so the set is used without labels\./);
  assert.throws(() => set.add(new Float32Array(10), 'x'), /An image of 10 values is not 28 × 28/);
  set.clear();
  assert.throws(() => set.forWorker(false), /Your set is empty/);
});

test('my set holds at most MAX_OWN_IMAGES (20,000), the bound persist keeps', () => {
  assert.equal(MAX_OWN_IMAGES, 20_000);
  assert.equal(MAX_KEPT_OWN, MAX_OWN_IMAGES);
  const set = new OwnSet();
  assert.throws(() => set.replace(new Uint8Array(784 * (MAX_OWN_IMAGES + 1)), null, null), /20,001 images are more than the 20,000 a set may hold/);
  set.replace(new Uint8Array(784 * 3).fill(9), Uint8Array.from([1, 0, 1]), ['a', 'b']);
  assert.deepEqual(set.summary(), { count: 3, classes: [{ name: 'a', count: 1 }, { name: 'b', count: 2 }], unlabelled: 0 });
  assert.equal(NO_LABEL, 255);
});

test('IDX files for own images: the header MNIST has, gzip that zlib reads, the bytes back', async () => {
  const images = Uint8Array.from({ length: 2 * 784 }, (_, i) => i % 251);
  const labels = Uint8Array.from([3, 1]);
  const imagesGz = await idx.gzip(idx.idxImages(images, 2, 28, 28));
  const labelsGz = await idx.gzip(idx.idxLabels(labels));
  const file = gunzipSync(imagesGz);
  assert.deepEqual([file.readUInt32BE(0), file.readUInt32BE(4), file.readUInt32BE(8), file.readUInt32BE(12)], [2051, 2, 28, 28]);
  assert.deepEqual(new Uint8Array(file.subarray(16)), images);
  const labelFile = gunzipSync(labelsGz);
  assert.deepEqual([labelFile.readUInt32BE(0), labelFile.readUInt32BE(4), labelFile[8], labelFile[9]], [2049, 2, 3, 1]);
  assert.deepEqual(idx.idxBody(await idx.gunzip(labelsGz), 1), labels);
  assert.throws(() => idx.idxImages(images, 3, 28, 28), /1568 bytes are not 3 images of 28 × 28/);
});

test("a file's dataset entry and a kept set are checked: what cannot be used is dropped and named", () => {
  assert.deepEqual(validDatasetStamp({ id: 'fashion' }), { dataset: { id: 'fashion' }, dropped: [] });
  const hash = 'ab'.repeat(32);
  assert.deepEqual(validDatasetStamp({ id: 'own', size: 60, hash }), { dataset: { id: 'own', size: 60, hash }, dropped: [] });
  assert.match(validDatasetStamp({ id: 'cifar' }).dropped.join(), /id is a string, not one of "mnist", "fashion", "url", "own"/);
  const odd = validDatasetStamp({ id: 'own', size: 1.5, hash: '<b>' });
  assert.deepEqual(odd.dataset, { id: 'own' });
  assert.equal(odd.dropped.length, 2);
  const images = new Uint8Array(784 * 2);
  assert.ok(validOwn({ images, width: 28, height: 28, labels: null, classNames: null, mixed: false }).own);
  assert.ok(validOwn({ images, width: 28, height: 28, labels: Uint8Array.from([0, 1]), classNames: ['a', 'b'], mixed: true }).own);
  assert.match(validOwn({ images, width: 28, height: 28, labels: Uint8Array.from([0, 2]), classNames: ['a', 'b'], mixed: true }).dropped.join(), /labels do not name one class per image/);
  assert.match(validOwn({ images: new Uint8Array(100), width: 28, height: 28, labels: null, classNames: null, mixed: false }).dropped.join(), /not whole 28 × 28 byte images/);
  assert.match(validOwn({ images, width: 32, height: 28, labels: null, classNames: null, mixed: false }).dropped.join(), /not 28 × 28/);
});
