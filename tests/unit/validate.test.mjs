// The validators (www/validate.ts) on what IndexedDB gives back — structured clones, so NaN, typed arrays and any
// object can come out of a damaged or foreign record — and the bounds the live run history and chart keep, which
// are the bounds the validators enforce.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { validRuns, validRun, validSettings, validEpoch, validCurves } = await importWww('www/validate.ts');
const { RunHistory, KEEP_RUNS, MAX_RUN_EPOCHS } = await importWww('www/runs.ts');
const { LossHistory } = await importWww('www/views/loss-history.ts');

const SETTINGS = { architecture: 'mlp', hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0, datasetId: 'mnist' };
const run = (id, epochs = 2) => ({
  id, settings: { ...SETTINGS }, stepsPerEpoch: 71, wallMs: 1000 * id, samplesPerSec: 40000,
  epochs: Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, testElbo: 180 - i, recon: 170 - i, kl: 7 })),
});

test('validRuns: the kept runs as IndexedDB returns them, each checked; what is dropped is named by run', () => {
  const nan = run(2);
  nan.epochs[0].testElbo = NaN;
  const broken = run(3);
  broken.settings.seed = -1;
  const { runs, dropped } = validRuns([run(1), nan, broken, { ...run(1), wallMs: 7 }, 'junk', run(5)]);
  assert.deepEqual(runs.map((r) => r.id), [1, 2, 5]);
  assert.deepEqual(runs[1].epochs.map((e) => e.epoch), [2]);
  const all = dropped.join('; ');
  assert.match(all, /run 2: epoch 1 dropped \(testElbo is NaN/);
  assert.match(all, /run 3 dropped \(settings.seed is -1, not a whole number/);
  assert.match(all, /run 1 dropped \(another run has the same id\)/);
  assert.match(all, /entry 5 dropped \(a string, not a run\)/);
});

test('validRuns: not a list, or more runs than are kept', () => {
  assert.deepEqual(validRuns(undefined).runs, []);
  assert.match(validRuns({ length: 3 }).dropped.join(), /kept runs dropped \(an object, not a list of runs\)/);
  const many = Array.from({ length: KEEP_RUNS + 5 }, (_, i) => run(i + 1));
  const { runs, dropped } = validRuns(many);
  assert.equal(runs.length, KEEP_RUNS);
  assert.equal(runs[0].id, 6);
  assert.match(dropped.join(), new RegExp(`the oldest 5 dropped \\(at most ${KEEP_RUNS} are kept\\)`));
});

test('a validated run is a new object holding only the fields a run has', () => {
  const input = { ...run(4), extra: 'x', settings: { ...SETTINGS, epochs: 3, constructor: 'x' } };
  input.epochs[0].note = 'y';
  const { run: out, dropped } = validRun(input);
  assert.deepEqual(dropped, []);
  assert.deepEqual(Object.keys(out).sort(), ['epochs', 'id', 'samplesPerSec', 'settings', 'stepsPerEpoch', 'wallMs']);
  assert.deepEqual(out.settings, SETTINGS);
  assert.deepEqual(Object.keys(out.epochs[0]).sort(), ['epoch', 'kl', 'recon', 'testElbo']);
  out.epochs[1].kl = 0;
  assert.equal(input.epochs[1].kl, 7, 'the input is not shared');
});

test('validSettings without settings to fall back on: all or nothing, for a kept record', () => {
  assert.deepEqual(validSettings(SETTINGS), { settings: SETTINGS, dropped: [] });
  const { settings, dropped } = validSettings({ ...SETTINGS, latentDim: undefined });
  assert.equal(settings, null);
  assert.match(dropped.join(), /latentDim is missing/);
  assert.equal(validSettings(new Float32Array(6)).settings, null);
  const { datasetId: _, ...before } = SETTINGS;
  assert.deepEqual(validSettings(before), { settings: SETTINGS, dropped: [] }, 'a record from before datasets were chosen was made on MNIST');
  assert.deepEqual(validSettings({ ...SETTINGS, datasetId: 'fashion' }).settings, { ...SETTINGS, datasetId: 'fashion' });
  const odd = validSettings({ ...SETTINGS, datasetId: 'cifar' });
  assert.equal(odd.settings, null);
  assert.match(odd.dropped.join(), /datasetId is a string, not one of "mnist", "fashion", "own"/);
});

test('validEpoch: a count from a file (digits) or from IndexedDB (a number)', () => {
  assert.equal(validEpoch(7), 7);
  assert.equal(validEpoch('7'), 7);
  for (const bad of [NaN, -1, 1.5, 2 ** 32, '07a', null, undefined, {}]) assert.equal(validEpoch(bad), null, String(bad));
});

test('validCurves accepts what LossHistory.save() gives (typed arrays, as IndexedDB would hand them back)', () => {
  const history = new LossHistory();
  history.addSteps(Array.from({ length: 3 * 5000 }, (_, i) => 100 + (i % 11)));
  history.addEpoch(150, 5);
  const { curves, dropped } = validCurves(structuredClone(history.save()));
  assert.deepEqual(dropped, []);
  const back = new LossHistory();
  back.restore(curves);
  assert.deepEqual(back.save(), history.save());
  const nan = structuredClone(history.save());
  nan.recon.min[0] = NaN;
  assert.match(validCurves(nan).dropped.join(), /recon curve/);
});

test('a run keeps at most MAX_RUN_EPOCHS epochs, and the chart as many epoch points: the latest', () => {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  const history = new LossHistory();
  for (let e = 1; e <= MAX_RUN_EPOCHS + 3; e++) {
    runs.addEpoch({ epoch: e, testElbo: 150, recon: 140, kl: 10 }, SETTINGS);
    history.addEpoch(150, 10);
  }
  assert.equal(runs.current.epochs.length, MAX_RUN_EPOCHS);
  assert.equal(runs.current.epochs[0].epoch, 4);
  assert.equal(history.epochs.length, MAX_RUN_EPOCHS);
  assert.deepEqual(validRun(runs.current).dropped, [], 'what the history holds passes its own validator');
  assert.deepEqual(validCurves(history.save()).dropped, []);
});

test('a branch: RunHistory.branch starts a run with the parent’s figures up to the branch epoch; validRun keeps or names its branch point', () => {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  for (let epoch = 1; epoch <= 4; epoch++) runs.addEpoch({ epoch, testElbo: 200 - epoch, recon: 190 - epoch, kl: 5 }, SETTINGS);
  runs.branch({ ...SETTINGS, beta: 4 }, 2);
  assert.deepEqual(runs.runs.map((r) => [r.id, r.epochs.length]), [[1, 4]], 'the parent is archived whole');
  const branch = runs.current;
  assert.deepEqual([branch.id, branch.branchOf, branch.settings.beta, branch.epochs.map((e) => e.epoch)], [2, { run: 1, epoch: 2 }, 4, [1, 2]]);
  branch.epochs[0].kl = 0;
  assert.equal(runs.runs[0].epochs[0].kl, 5, 'the figures are copied, not shared');

  assert.deepEqual(validRun(branch).run.branchOf, { run: 1, epoch: 2 });
  const { run: bad, dropped } = validRun({ ...run(3), branchOf: { run: 'one', epoch: 2 } });
  assert.equal(bad.branchOf, undefined);
  assert.match(dropped.join(), /the run: its branch point dropped \(branchOf\.run is a string/);
});

test('an epoch’s own β and learning rate come back through validRun; a run kept without them still does; a bad one drops its epoch', () => {
  const withSettings = run(1, 3);
  withSettings.epochs.forEach((e, i) => Object.assign(e, { beta: [1, 4, 4][i], learningRate: 0.001 }));
  assert.deepEqual(validRun(withSettings).run.epochs.map((e) => e.beta), [1, 4, 4]);
  assert.deepEqual(validRun(run(2)).run.epochs.map((e) => 'beta' in e), [false, false]);
  const bad = run(3, 2);
  bad.epochs[1].beta = 'four';
  const { run: out, dropped } = validRun(bad);
  assert.deepEqual(out.epochs.map((e) => e.epoch), [1]);
  assert.match(dropped.join(' '), /beta is a string/);
});
