// A count with its noun and a noun with its article (www/english.ts), and the views' {an item} template that uses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { countOf, withArticle } = await importWww('www/english.ts');
const { fillWords } = await importWww('www/views/words.ts');
const { datasetOf } = await importWww('www/datasets.ts');

test('a count takes the plural unless it is one, with thousands grouped', () => {
  assert.equal(countOf(1, 'step'), '1 step');
  assert.equal(countOf(0, 'step'), '0 steps');
  assert.equal(countOf(12_000, 'image'), '12,000 images');
  assert.equal(countOf(1, 'class', 'classes'), '1 class');
  assert.equal(countOf(3, 'class', 'classes'), '3 classes');
});

test('a noun takes "an" before a vowel, "a" otherwise; the views say "an image" for images and "a digit" for MNIST', () => {
  assert.deepEqual(['image', 'digit', 'garment', 'item', 'Egg'].map(withArticle), ['an image', 'a digit', 'a garment', 'an item', 'an Egg']);
  assert.equal(fillWords('Pick {an item}, damage it', { ...datasetOf('mnist'), item: 'image' }), 'Pick an image, damage it');
  assert.equal(fillWords('Pick {an item}; another {item}', datasetOf('mnist')), 'Pick a digit; another digit');
});
