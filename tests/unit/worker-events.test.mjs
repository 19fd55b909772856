// Worker events applied by one pure function (www/element/worker-events.ts): for each kind, the next state and the
// effects — events to emit, the chart and runs to extend, the lifecycle's news — and the old state left as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { applyWorkerEvent, initialModel, freshModel, loadedModel } = await importWww('www/element/worker-events.ts');

const SETTINGS = { architecture: 'mlp', hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0, datasetId: 'mnist' };
const READY = { architecture: 'mlp', trainSize: 9000, testSize: 1000, stepsPerEpoch: 71, hidden: 64, latent: 5, simd: true, relaxedSimd: true, dataset: 'mnist' };

/** Applies `event` to `state` and checks that `state` itself did not change. */
function apply(state, event) {
  const before = structuredClone(state);
  const step = applyWorkerEvent(state, event);
  assert.deepEqual(state, before, `${event.type} leaves the old state as it was`);
  return step;
}
const base = () => ({ ...initialModel(SETTINGS), ready: READY });

test('ready: the sizes the worker reports become the settings; the lifecycle hears of it', () => {
  const { state, effects } = apply(initialModel(SETTINGS), { type: 'ready', ...READY });
  assert.deepEqual(state.ready, READY);
  assert.deepEqual(state.settings, { ...SETTINGS, hiddenUnits: 64, latentDim: 5 });
  assert.deepEqual(effects, [{ type: 'lifecycle', news: { type: 'workerReady' } }]);
});

test('ready with the convolutional structure: the structure becomes the setting, the MLP’s hidden units are kept for it', () => {
  const { state } = apply(initialModel(SETTINGS), { type: 'ready', ...READY, architecture: 'conv', hidden: 0, latent: 2 });
  assert.deepEqual(state.settings, { ...SETTINGS, architecture: 'conv', hiddenUnits: SETTINGS.hiddenUnits, latentDim: 2 });
});

test('progress: the state, the losses for the chart, and a progress event with the last step’s loss', () => {
  const losses = new Float32Array([540, 530, 10, 300, 290, 10]);
  const { state, effects } = apply(base(), { type: 'progress', epoch: 2, step: 150, epochProgress: 0.4, samplesPerSec: 50000, losses });
  assert.deepEqual(state.progress, { epoch: 2, epochProgress: 0.4, samplesPerSec: 50000 });
  assert.deepEqual(effects, [
    { type: 'steps', losses, samplesPerSec: 50000, step: 150 },
    { type: 'emit', name: 'progress', detail: { epoch: 2, step: 150, loss: 300, samplesPerSec: 50000 } },
  ]);
  const empty = apply(base(), { type: 'progress', epoch: 0, step: 0, epochProgress: 0, samplesPerSec: 0, losses: new Float32Array(0) });
  assert.ok(Number.isNaN(empty.effects[1].detail.loss), 'no step yet: no loss');
});

test('epoch: the figures go to the chart and the run (with the settings in force), an epoch event, and a save', () => {
  const epoch = { epoch: 3, step: 213, testElbo: 180.5, recon: 170, kl: 10.5 };
  const { state, effects } = apply(base(), { type: 'epoch', ...epoch });
  assert.deepEqual(state, base());
  assert.deepEqual(effects, [{ type: 'epochEnded', epoch, settings: SETTINGS }, { type: 'emit', name: 'epoch', detail: epoch }, { type: 'save' }]);
});

test('status: running, the run’s clock, the lifecycle’s news; stopping training saves, and starting clears “trained”', () => {
  const started = apply({ ...base(), trainedEpoch: 5 }, { type: 'status', running: true });
  assert.equal(started.state.running, true);
  assert.equal(started.state.trainedEpoch, null);
  assert.deepEqual(started.effects, [{ type: 'runClock', running: true }, { type: 'lifecycle', news: { type: 'workerStarted' } }]);
  const stopped = apply({ ...base(), running: true, trainedEpoch: 5 }, { type: 'status', running: false });
  assert.equal(stopped.state.running, false);
  assert.equal(stopped.state.trainedEpoch, 5);
  assert.deepEqual(stopped.effects, [{ type: 'runClock', running: false }, { type: 'lifecycle', news: { type: 'workerStopped' } }, { type: 'save' }]);
  const fresh = apply(base(), { type: 'status', running: false });
  assert.deepEqual(fresh.effects, [{ type: 'runClock', running: false }, { type: 'lifecycle', news: { type: 'workerStopped' } }], 'a new model that does not train has nothing to save');
});

test('trained: the epoch it stopped at, and a trained event', () => {
  const { state, effects } = apply(base(), { type: 'trained', epoch: 20 });
  assert.equal(state.trainedEpoch, 20);
  assert.deepEqual(effects, [{ type: 'emit', name: 'trained', detail: { epoch: 20 } }]);
});

test('decoder, latents and classifier: a snapshot to show, codes and the classifier’s progress in the state', () => {
  const weights = new Float32Array(8);
  const descriptor = { architecture: 'mlp', hidden: 2, latent: 2, width: 28, height: 28, channels: 1 };
  assert.deepEqual(apply(base(), { type: 'decoder', descriptor, weights }), { state: base(), effects: [{ type: 'decoder', descriptor, weights }] });
  const z = new Float32Array(4);
  const labels = new Uint8Array(2);
  assert.deepEqual(apply(base(), { type: 'latents', z, labels, latent: 2, projection: null, own: null }).state.latents, { z, labels, projection: null, own: null });
  const classifier = apply(base(), { type: 'classifier', progress: 0.5, accuracy: null });
  assert.deepEqual([classifier.state.classifier, classifier.effects], [{ progress: 0.5, accuracy: null }, []]);
});

test('checkpoint: the weights are handed on to be kept', () => {
  const bytes = new ArrayBuffer(16);
  assert.deepEqual(apply(base(), { type: 'checkpoint', bytes, epoch: 4 }), { state: base(), effects: [{ type: 'checkpoint', bytes, epoch: 4 }] });
});

test('trapped: not running, no model to ask, and the lifecycle hears where and what', () => {
  const { state, effects } = apply({ ...base(), running: true }, { type: 'trapped', where: 'compress', message: 'unreachable', heapBytes: 4e9 });
  assert.deepEqual([state.running, state.ready], [false, null]);
  assert.deepEqual(effects, [
    { type: 'runClock', running: false },
    { type: 'lifecycle', news: { type: 'trap', trap: { where: 'compress', message: 'unreachable', heapBytes: 4e9 } } },
  ]);
});

test('error: a fatal one is the lifecycle’s, any other is shown', () => {
  assert.deepEqual(apply(base(), { type: 'error', message: 'no digits', fatal: true }).effects, [{ type: 'lifecycle', news: { type: 'fatal', message: 'no digits' } }]);
  assert.deepEqual(apply(base(), { type: 'error', message: 'diverged', fatal: false }).effects, [{ type: 'error', message: 'diverged' }]);
});

test('a fresh model and a loaded one', () => {
  const trained = { ...base(), progress: { epoch: 3, epochProgress: 0.5, samplesPerSec: 1 }, trainedEpoch: 3, latents: { z: new Float32Array(2), labels: new Uint8Array(1), projection: null } };
  assert.deepEqual(freshModel(trained), { ...trained, progress: null, trainedEpoch: null, latents: null });
  const loaded = loadedModel(base(), { ...SETTINGS, beta: 4 }, 7);
  assert.deepEqual([loaded.settings.beta, loaded.progress, loaded.trainedEpoch], [4, { epoch: 7, epochProgress: 0, samplesPerSec: 0 }, 7]);
  assert.deepEqual([loadedModel(base(), SETTINGS, 0).progress, loadedModel(base(), SETTINGS, 0).trainedEpoch], [null, null]);
});
