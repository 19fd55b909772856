// The chart's data (www/views/loss-history.ts): bounded however long training runs, spikes kept, means exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { BucketedSeries, CAPACITY, LossHistory } = await importWww('www/views/loss-history.ts');

test('500,000 steps stay within CAPACITY buckets per curve, with every step counted', () => {
  const history = new LossHistory();
  const triples = new Float32Array(3 * 1000);
  for (let chunk = 0; chunk < 500; chunk++) {
    for (let i = 0; i < 1000; i++) triples.set([200 - chunk / 10, 190, 6], 3 * i);
    history.addSteps(triples);
  }
  for (const series of [history.loss, history.recon, history.kl]) {
    assert.ok(series.length <= CAPACITY && series.length > CAPACITY / 2, `${series.length} buckets`);
    assert.equal(series.steps, 500_000);
    assert.equal(series.width * (series.length - 1) < 500_000 && series.width * series.length >= 500_000, true);
  }
});

test('a single spike survives merging as a bucket maximum, and means are exact', () => {
  const series = new BucketedSeries();
  for (let i = 0; i < 100_000; i++) series.push(i === 77_777 ? 1e6 : 1);
  let peak = -Infinity;
  let total = 0;
  let counted = 0;
  for (let i = 0; i < series.length; i++) {
    peak = Math.max(peak, series.max[i]);
    const n = Math.min(series.width, series.steps - i * series.width);
    total += series.mean(i) * n;
    counted += n;
  }
  assert.equal(peak, 1e6);
  assert.equal(counted, 100_000);
  assert.equal(Math.round(total), 100_000 - 1 + 1e6);
});

test('clear empties the history and a new version is seen', () => {
  const history = new LossHistory();
  history.addSteps([1, 2, 3]);
  history.addEpoch(150, 5);
  const version = history.version;
  history.clear();
  assert.equal(history.loss.steps, 0);
  assert.equal(history.epochs.length, 0);
  assert.ok(history.version > version);
});

test('truncate(step) forgets what came after the step (a branch): whole buckets only, epoch points after it go', () => {
  const history = new LossHistory();
  const triples = new Float32Array(3 * 5000).fill(1);
  history.addSteps(triples);
  for (const step of [1000, 2000, 3000]) {
    history.epochs.push({ step, testElbo: 180, kl: 5 });
  }
  const width = history.loss.width;
  history.truncate(2000);
  for (const series of [history.loss, history.recon, history.kl]) {
    assert.equal(series.steps, Math.floor(2000 / width) * width, `whole buckets of ${width} steps`);
    assert.ok(series.steps <= 2000 && series.steps > 2000 - width);
  }
  assert.deepEqual(history.epochs.map((e) => e.step), [1000, 2000]);
  history.addSteps(new Float32Array(3).fill(2));
  assert.equal(history.loss.last, 2, 'training goes on after the cut');
});

test("an epoch's figures that arrive after later steps are placed where the epoch ended", () => {
  const history = new LossHistory();
  history.addSteps(new Float32Array(3 * 71).fill(200)); // epoch 1 ends at step 71
  history.addSteps(new Float32Array(3 * 12).fill(190)); // epoch 2 begins while epoch 1 is evaluated
  history.addEpoch(185, 3, 12);
  history.addEpoch(180, 4); // on time
  assert.deepEqual(history.epochs.map((e) => e.step), [71, 83]);
});

test('the figures at a step (what the chart says at a time-lapse moment): the bucket holding it, the last epoch by then', () => {
  const history = new LossHistory();
  history.addSteps(Float32Array.from({ length: 3 * 100 }, (_, i) => (i % 3 === 0 ? 500 - i / 3 : 6)));
  history.addEpoch(210, 5);
  history.addSteps(Float32Array.from({ length: 3 * 100 }, (_, i) => (i % 3 === 0 ? 300 - i / 3 : 7)));
  history.addEpoch(190, 6);
  const at = history.at(150);
  assert.equal(at.loss, 250);
  assert.equal(at.kl, 7);
  assert.deepEqual(at.epoch, { step: 100, testElbo: 210, kl: 5 });
  assert.equal(history.at(50).epoch, null, 'no epoch had ended by step 50');
  assert.equal(history.at(10_000).loss, history.loss.last, 'past the end: the last figures');
});
