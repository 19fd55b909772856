// Labels from folders and `label_` names (www/data/labels.ts): the common root, the prefix rule, spellings merged,
// sets where only some files have labels, the class bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const labels = await importWww('www/data/labels.ts');
const parts = (...paths) => paths.map((p) => p.split('/'));
const infer = (...paths) => labels.inferLabels(parts(...paths), 100);
const classesOf = (result) => Array.from(result.labels, (i) => result.classNames[i]);

test('the first folder under the dropped or zipped root is the label; the root itself names no class', () => {
  const result = infer('letters/b/1.png', 'letters/a/2.png', 'letters/a/sub/3.png', 'letters/c/4.png');
  assert.deepEqual(result.classNames, ['a', 'b', 'c']);
  assert.deepEqual(classesOf(result), ['b', 'a', 'a', 'c']);
  assert.ok(result.labels instanceof Uint8Array);
  // Two folders dropped side by side: no common root.
  assert.deepEqual(classesOf(infer('cats/1.png', 'dogs/2.png')), ['cats', 'dogs']);
  // One folder of images: its name is the root, not a class.
  assert.equal(infer('cats/1.png', 'cats/2.png').labels, null);
  assert.equal(labels.commonFolderDepth(parts('x/y/a/1.png', 'x/y/b/2.png')), 2);
});

test('the label_ prefix: the text after label_ up to the next _ or .', () => {
  assert.equal(labels.prefixLabel('label_cat_01.png'), 'cat');
  assert.equal(labels.prefixLabel('label_cat.png'), 'cat');
  assert.equal(labels.prefixLabel('LABEL_Dog-2_x.jpg'), 'Dog-2');
  assert.equal(labels.prefixLabel('label_.png'), null);
  assert.equal(labels.prefixLabel('label__x.png'), null);
  assert.equal(labels.prefixLabel('labelcat.png'), null);
  assert.equal(labels.prefixLabel('my_label_cat.png'), null);
  assert.deepEqual(classesOf(infer('label_cat_1.png', 'label_dog_1.png', 'label_cat_2.png')), ['cat', 'dog', 'cat']);
});

test('a folder wins over a prefix', () => {
  assert.deepEqual(classesOf(infer('set/a/label_b_1.png', 'set/b/2.png')), ['a', 'b']);
});

test('"Cat", "cat " and "CAT" are one class, shown in its most common spelling, and the merge is reported', () => {
  const result = infer('Cat/1.png', 'cat /2.png', 'CAT/3.png', 'Cat/4.png', 'dog/5.png', 'Straße/6.png', 'STRASSE/7.png', 'Straße/8.png');
  assert.deepEqual(result.classNames, ['Cat', 'dog', 'Straße']);
  assert.deepEqual(classesOf(result), ['Cat', 'Cat', 'Cat', 'Cat', 'dog', 'Straße', 'Straße', 'Straße']);
  assert.deepEqual(result.merged, [
    { className: 'Cat', spellings: ['Cat', 'CAT', 'cat '] }, // in the one order of names, as paths are sorted
    { className: 'Straße', spellings: ['STRASSE', 'Straße'] },
  ]);
  assert.deepEqual(result.notes, ['"Cat", "CAT" and "cat " are taken as one class, "Cat".', '"STRASSE" and "Straße" are taken as one class, "Straße".']);
});

test('composed and decomposed accents are one spelling (NFC)', () => {
  const result = infer('café/1.png', 'cafe\u0301/2.png', 'tea/3.png');
  assert.deepEqual(result.classNames, ['café', 'tea']);
  assert.deepEqual(Array.from(result.labels), [0, 0, 1]);
});

test('class names are sorted as a person reads them (numbers by value); labels are indices into them', () => {
  const result = infer('d/10/a.png', 'd/9/b.png', 'd/b/c.png', 'd/A/d.png');
  assert.deepEqual(result.classNames, ['9', '10', 'A', 'b']);
  assert.deepEqual(Array.from(result.labels), [1, 0, 3, 2]);
});

test('most files labelled: the unlabelled ones are left out and said so', () => {
  const result = infer('set/a/1.png', 'set/a/2.png', 'set/b/3.png', 'set/loose.png');
  assert.deepEqual(result.kept, [0, 1, 2]);
  assert.deepEqual(result.leftOut, [3]);
  assert.deepEqual(result.classNames, ['a', 'b']);
  assert.deepEqual(result.notes, ['1 image without a label was left out: the other 3 have labels (from folder names or a label_ prefix).']);
});

test('few files labelled: the set is unlabelled, and said so', () => {
  const result = infer('photos/1.png', 'photos/2.png', 'photos/label_maker.png');
  assert.equal(result.labels, null);
  assert.equal(result.classNames, null);
  assert.deepEqual(result.kept, [0, 1, 2]);
  assert.match(result.notes[0], /^Only 1 of 3 images has a label .*: the set is used without labels/);
});

test('more classes than the bound: refused with a message', () => {
  const many = Array.from({ length: 12 }, (_, i) => `root/class${i}/x.png`);
  assert.equal(labels.inferLabels(parts(...many), 12).classNames.length, 12);
  assert.throws(() => labels.inferLabels(parts(...many), 11), { name: 'IngestError', message: /^12 classes .*at most 11 can be told apart/ });
});

test('no files, or no labels: an unlabelled set', () => {
  assert.equal(infer().labels, null);
  assert.equal(infer('a.png', 'b.png').labels, null);
  assert.deepEqual(infer('a.png', 'b.png').notes, []);
});
