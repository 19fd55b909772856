// After a trap (www/element/traps.ts, recovery.ts): the words say what broke, that the worker was restarted and from
// which epoch; a request that trapped is refused from then on (so a view asking again cannot restart it forever).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const traps = await importWww('www/element/traps.ts');
const { Recovery, AlreadySaid } = await importWww('www/element/recovery.ts');

const SETTINGS = { hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0 };

test('the words name what broke, where, and the epoch the new worker starts from', () => {
  const oom = { where: 'compress', message: 'unreachable', heapBytes: 3.9e9 };
  assert.equal(traps.recoveryWords(oom, { epoch: 4, fromFile: false }),
    'The training worker most likely ran out of memory (its WebAssembly memory had grown to 3.9 GB; 4 GB is the most a wasm module can have) while ' +
    'compressing a digit with the VAE and with PCA fitted on the training digits (Compress). It was restarted with the weights it had after 4 epochs; ' +
    'press Train to go on. It is not asked for that again until the playground starts over (new data, or a reload).');
  const small = { where: 'evaluate', message: 'memory access out of bounds', heapBytes: 60e6 };
  assert.match(traps.recoveryWords(small, { epoch: null, fromFile: false }),
    /^The training worker stopped with a WebAssembly error \(memory access out of bounds\) while evaluating the test digits at the end of an epoch\. It was restarted with a fresh model/);
  assert.match(traps.recoveryWords(small, { epoch: 1, fromFile: true }), /restarted with the weights it had loaded \(epoch 1\)/);
  assert.doesNotMatch(traps.recoveryWords(small, { epoch: 1, fromFile: false }), /not asked for/, 'a part of training is not refused: train() asks again');
});

test('what is refused after a trap: the request that trapped, the classifier’s requests after its training trapped, never a load', () => {
  const at = (where) => traps.blockedBy({ where, message: 'unreachable', heapBytes: 0 });
  assert.deepEqual(at('compress'), ['compress']);
  assert.deepEqual(at('manifold'), ['manifold']);
  assert.deepEqual(at('classifier'), ['classify', 'coverage']);
  assert.deepEqual(at('load'), []);
  for (const site of ['init', 'command', 'step', 'progress', 'decoder', 'evaluate', 'latents', 'checkpoint']) assert.deepEqual(at(site), [], site);
});

test('the recovery keeps the latest checkpoint and refuses what trapped until it starts over', () => {
  const recovery = new Recovery();
  recovery.fresh(SETTINGS);
  assert.deepEqual(recovery.restartPoint(), { epoch: null, fromFile: false });
  recovery.keep({ bytes: new ArrayBuffer(8), epoch: 3, fromFile: false, settings: SETTINGS, curves: null });
  assert.deepEqual(recovery.restartPoint(), { epoch: 3, fromFile: false });
  assert.equal(recovery.refusal('compress'), null);
  recovery.refuse({ where: 'compress', message: 'unreachable', heapBytes: 4e9 });
  const refusal = recovery.refusal('compress');
  assert.ok(refusal instanceof AlreadySaid);
  assert.match(refusal.message, /^Not asked for again: the training worker most likely ran out of memory/);
  assert.equal(recovery.refusal('encode'), null, 'other requests still go');
  recovery.forgetRefusals();
  assert.equal(recovery.refusal('compress'), null);
});
