// The run history's clock (www/runs.ts): a run's time is the time it spent training, shown as it trains — the table
// and the exports of a run in progress count up to its last epoch, and a pause stops the count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { RunHistory, runSetting } = await importWww('www/runs.ts');

const SETTINGS = { architecture: 'mlp', hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0, datasetId: 'mnist' };
const epoch = (n) => ({ epoch: n, testElbo: 200 - n, recon: 190 - n, kl: 6 });

test('a run that trains shows the time it has trained at each epoch’s end, not 0 until it stops', () => {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  runs.running(true, 1_000);
  runs.addEpoch(epoch(1), SETTINGS, 3_500);
  assert.equal(runs.current.wallMs, 2_500);
  runs.addEpoch(epoch(2), SETTINGS, 6_000);
  assert.equal(runs.current.wallMs, 5_000);
  const wallSeconds = runs.toCsv().trim().split('\n').slice(1).map((row) => row.split(',')[11]);
  assert.deepEqual(wallSeconds, ['5.0', '5.0']);
});

test('paused time does not count; stopping counts the time since the last epoch', () => {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  runs.running(true, 0);
  runs.addEpoch(epoch(1), SETTINGS, 2_000);
  runs.running(false, 3_000);
  runs.running(true, 10_000); // seven seconds paused
  runs.addEpoch(epoch(2), SETTINGS, 11_000);
  assert.equal(runs.current.wallMs, 4_000);
  runs.running(true, 11_500); // already running: changes nothing
  runs.running(false, 12_500);
  assert.equal(runs.current.wallMs, 5_500);
});

test('a kept model that comes back (a structure chosen again) goes on as its own run, not as a copy beside it', () => {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  runs.addEpoch(epoch(1), SETTINGS, 0);
  runs.addEpoch(epoch(2), SETTINGS, 0);
  const kept = JSON.parse(JSON.stringify(runs.current)); // what the kept model's file carries
  runs.startRun({ ...SETTINGS, architecture: 'conv' }, 71); // run 1 archived; the conv run reaches no epoch
  runs.startRun(SETTINGS, 71); // back to the MLP: its kept model is loaded …
  runs.resume(SETTINGS, kept);
  assert.deepEqual(runs.all().map((r) => [r.id, r.epochs.length]), [[1, 2]]);
  runs.addEpoch(epoch(3), SETTINGS, 0);
  assert.deepEqual(runs.all().map((r) => [r.id, r.epochs.map((e) => e.epoch)]), [[1, [1, 2, 3]]]);
});

test('a file from elsewhere whose run has the same number but other figures is a run of its own', () => {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  runs.addEpoch(epoch(1), SETTINGS, 0);
  runs.startRun(SETTINGS, 71);
  runs.resume(SETTINGS, { id: 1, settings: SETTINGS, stepsPerEpoch: 71, epochs: [{ ...epoch(1), testElbo: 150 }], wallMs: 0, samplesPerSec: 0 });
  assert.deepEqual(runs.all().map((r) => r.id), [1, 2]);
});

test('β and the learning rate changed during a run: each epoch keeps the ones in force when it ended', () => {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  runs.addEpoch(epoch(1), SETTINGS, 1_000);
  runs.addEpoch(epoch(2), { ...SETTINGS, beta: 4 }, 2_000);
  runs.addEpoch(epoch(3), { ...SETTINGS, beta: 4, learningRate: 0.0005 }, 3_000);
  const rows = runs.toCsv().trim().split('\n').slice(1).map((row) => row.split(','));
  assert.deepEqual(rows.map((r) => [r[3], r[4]]), [['1', '0.001'], ['4', '0.001'], ['4', '0.0005']]);
  const json = JSON.parse(runs.toJson()).runs[0].epochs.map((e) => [e.beta, e.learningRate]);
  assert.deepEqual(json, [[1, 0.001], [4, 0.001], [4, 0.0005]]);
  // What a run's row shows: the first value and the last where they differ.
  assert.equal(runSetting(runs.current, 'beta'), '1 → 4');
  assert.equal(runSetting(runs.current, 'learningRate'), '0.001 → 0.0005');
  runs.addEpoch(epoch(4), SETTINGS, 4_000);
  assert.equal(runSetting(runs.current, 'beta'), '1 → 4 → 1', 'back where it began');
  for (const [n, beta] of [[5, 2], [6, 3]]) runs.addEpoch(epoch(n), { ...SETTINGS, beta }, 5_000);
  assert.equal(runSetting(runs.current, 'beta'), '1 → … → 2 → 3', 'changed often: the first and the last two');
  runs.startRun(SETTINGS, 71);
  runs.addEpoch(epoch(1), SETTINGS, 6_000);
  assert.equal(runSetting(runs.current, 'beta'), '1');
  // A run kept before epochs recorded their settings: the run's own stand in.
  assert.equal(runSetting({ settings: { ...SETTINGS, beta: 2 }, epochs: [{ epoch: 1, testElbo: 1, recon: 1, kl: 0 }] }, 'beta'), '2');
});

test('a kept model coming back keeps each epoch’s β', () => {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  const kept = { id: 1, settings: { ...SETTINGS, beta: 4 }, stepsPerEpoch: 71, wallMs: 0, samplesPerSec: 0, epochs: [{ ...epoch(1), beta: 1 }, { ...epoch(2), beta: 4 }] };
  runs.resume(kept.settings, kept);
  assert.equal(runSetting(runs.current, 'beta'), '1 → 4');
});
