// What `persist` keeps apart (www/persistence.ts): one model per structural configuration — the settings that start
// a new model, taken from the settings table, so one added later joins them — and each element by its own key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const persistence = await importWww('www/persistence.ts');
const settings = await importWww('www/settings.ts');

test('the structural settings are the model settings the table marks as starting a new model', () => {
  assert.deepEqual(persistence.STRUCTURAL_KEYS, ['architecture', 'hiddenUnits', 'latentDim', 'batchSize', 'seed', 'datasetId']);
  assert.deepEqual([...persistence.STRUCTURAL_KEYS], settings.MODEL_KEYS.filter((key) => !settings.isLive(key)));
  assert.equal(persistence.KEPT_MODELS, 8);
});

test('a configuration changes with a structural setting and only with one', () => {
  const base = { architecture: 'mlp', hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0, datasetId: 'mnist' };
  const config = persistence.configurationOf(base);
  assert.equal(config, 'hiddenUnits=128&latentDim=2&batchSize=128&seed=0');
  assert.equal(persistence.configurationOf({ ...base, beta: 4, learningRate: 0.01 }), config, 'live settings train the same model on');
  assert.equal(persistence.configurationOf({ ...base, datasetId: 'fashion' }), `${config}&datasetId=fashion`, 'MNIST, the default, is left out: models kept before datasets existed still fit');
  assert.equal(persistence.configurationOf({ ...base, architecture: 'conv' }), `architecture=conv&${config}`, 'the MLP, the default, is left out likewise');
  for (const key of persistence.STRUCTURAL_KEYS) assert.notEqual(persistence.configurationOf({ ...base, [key]: base[key] + 1 }), config, key);
});
