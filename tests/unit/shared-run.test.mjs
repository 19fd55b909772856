// What a .safetensors file carries besides the weights (www/shared-run.ts), read back by `fromMetadata`: every field
// is checked before the history table, the CSV export, the chart or the Judge view sees it, and what is dropped is
// named. A crafted file must not break the page; a file the widget wrote itself must come back whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { fromMetadata, toMetadata } = await importWww('www/shared-run.ts');
const { RunHistory, MAX_RUN_EPOCHS } = await importWww('www/runs.ts');
const { LossHistory, CAPACITY } = await importWww('www/views/loss-history.ts');

const SETTINGS = { architecture: 'mlp', hiddenUnits: 32, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0, datasetId: 'mnist' };
const FALLBACK = { architecture: 'mlp', hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0, datasetId: 'mnist' };
const epochRow = (epoch) => ({ epoch, testElbo: 200 - epoch, recon: 190 - epoch, kl: 6 + epoch / 100 });
const goodRun = (epochs = 3) => ({ id: 1, settings: SETTINGS, stepsPerEpoch: 71, epochs: Array.from({ length: epochs }, (_, i) => epochRow(i + 1)), wallMs: 5000, samplesPerSec: 40000 });
/** The metadata of a file, each entry JSON text as the format requires (raw text where a test needs invalid JSON). */
const metadata = (entries) => Object.fromEntries(Object.entries(entries).map(([k, v]) => [`vae-playground.${k}`, typeof v === 'string' ? v : JSON.stringify(v)]));

/** What the history table and the CSV export do with a run: the current run resumed from the file's figures. */
function historyOf(run) {
  const runs = new RunHistory();
  runs.startRun(SETTINGS, 71);
  runs.resume(SETTINGS, run ?? null);
  return runs;
}
/** The CSV's columns of words; every other field must be a number. */
const WORD_COLUMNS = ['architecture', 'dataset'];
/** Every CSV row's numeric fields are numbers (no "NaN", no "undefined", no text from the file); the words are known ones. */
function assertCsvNumeric(csv) {
  const [header, ...rows] = csv.trim().split('\n');
  assert.match(header, /^run,hidden_units/);
  const columns = header.split(',');
  for (const row of rows) {
    row.split(',').forEach((field, i) => {
      if (WORD_COLUMNS.includes(columns[i])) assert.match(field, /^[a-z]+$/, `${row}: ${columns[i]} "${field}"`);
      else assert.ok(Number.isFinite(Number(field)) && field !== '', `${row}: "${field}"`);
    });
  }
  return rows;
}

test('run figures whose recon is a string: that epoch is dropped and named, the table and the CSV still work', () => {
  const run = goodRun(3);
  run.epochs[1].recon = '187';
  const { shared, problems } = fromMetadata(metadata({ run }), FALLBACK);
  assert.deepEqual(shared.run.epochs.map((e) => e.epoch), [1, 3]);
  assert.equal(problems.length, 1, problems.join('; '));
  assert.match(problems[0], /run figures/);
  assert.match(problems[0], /epoch 2/);
  assert.match(problems[0], /recon is a string/);
  const rows = assertCsvNumeric(historyOf(shared.run).toCsv());
  assert.equal(rows.length, 2);
  for (const e of historyOf(shared.run).current.epochs) for (const k of ['testElbo', 'recon', 'kl']) assert.equal(typeof e[k].toFixed, 'function');
});

test('NaN-ish and missing figures are dropped, each reason named once however many entries share it', () => {
  const run = goodRun(40);
  run.epochs[0].testElbo = null; // what JSON makes of NaN
  run.epochs[1].kl = 123.25; // becomes 1e999 in the text below: Infinity once parsed (JSON.stringify would write null)
  delete run.epochs[2].recon;
  for (let i = 3; i < 30; i++) run.epochs[i].recon = 'NaN';
  run.wallMs = 'a while';
  run.samplesPerSec = -5;
  const text = JSON.stringify(run).replace('"kl":123.25', '"kl":1e999');
  assert.ok(text.includes('1e999'));
  const { shared, problems } = fromMetadata(metadata({ run: text }), FALLBACK);
  assert.deepEqual(shared.run.epochs.map((e) => e.epoch), Array.from({ length: 10 }, (_, i) => 31 + i));
  const all = problems.join('; ');
  assert.match(all, /epoch 1\b.*testElbo is null/);
  assert.match(all, /epoch 2\b.*kl is Infinity/);
  assert.match(all, /epoch 3\b.*recon is missing/);
  assert.match(all, /and 2\d more.*recon is a string/, 'many entries with one reason make one phrase');
  assert.match(all, /wallMs is a string/);
  assert.match(all, /samplesPerSec is -5/);
  assert.ok(all.length < 1000, `the notice stays short: ${all.length} characters`);
  assert.equal(shared.run.wallMs, 0);
  assert.equal(shared.run.samplesPerSec, 0);
  assertCsvNumeric(historyOf(shared.run).toCsv());
});

test('run figures that are no run at all, or whose settings are not numbers, are dropped as a whole and named', () => {
  const html = '<img src=x onerror="window.__pwned=1">';
  for (const [value, pattern] of [
    ['"a string"', /run figures .*a string/],
    ['[1, 2]', /run figures .*a list/],
    [{ ...goodRun(), epochs: 'many' }, /epochs is a string/],
    [{ ...goodRun(), epochs: [] }, /no epoch/],
    [{ ...goodRun(), settings: { ...SETTINGS, beta: html } }, /beta is a string/],
    [{ ...goodRun(), settings: null }, /settings is null/],
    [{ ...goodRun(), stepsPerEpoch: 0 }, /stepsPerEpoch is 0/],
    [{ ...goodRun(), id: 'x' }, /id is a string/],
  ]) {
    const { shared, problems } = fromMetadata(metadata({ run: value }), FALLBACK);
    assert.equal(shared.run, undefined, JSON.stringify(value));
    assert.match(problems.join('; '), pattern);
    assert.ok(!problems.join('; ').includes('<img'), 'a file’s text is never echoed into the notice');
    assertCsvNumeric(historyOf(shared.run).toCsv());
  }
});

test('a run with more epochs than a run keeps: the latest are kept, the others named', () => {
  const run = goodRun(MAX_RUN_EPOCHS + 500);
  const { shared, problems } = fromMetadata(metadata({ run }), FALLBACK);
  assert.equal(shared.run.epochs.length, MAX_RUN_EPOCHS);
  assert.equal(shared.run.epochs[0].epoch, 501);
  assert.match(problems.join('; '), new RegExp(`first 500 epochs .*${MAX_RUN_EPOCHS.toLocaleString('en-US')}`));
});

test('settings: each value that is not a usable number is named and the value in force kept; missing ones are not problems', () => {
  const { shared, problems } = fromMetadata(metadata({ settings: '{"hiddenUnits": 1.5, "beta": "4", "seed": 1e999, "batchSize": 64}' }), FALLBACK);
  assert.deepEqual(shared.settings, { ...FALLBACK, batchSize: 64 });
  const all = problems.join('; ');
  assert.match(all, /hiddenUnits is 1\.5/);
  assert.match(all, /beta is a string/);
  assert.match(all, /seed is Infinity/);
  assert.deepEqual(fromMetadata(metadata({ settings: { beta: 4 } }), FALLBACK), { shared: { settings: { ...FALLBACK, beta: 4 } }, problems: [] });
  assert.match(fromMetadata(metadata({ settings: [] }), FALLBACK).problems.join(), /settings .*a list/);
  assert.match(fromMetadata(metadata({ settings: '{' }), FALLBACK).problems.join(), /settings are not readable JSON/);
});

test('the epoch count is a whole number written in digits, or it is named', () => {
  for (const text of ['3.5', '-1', '', ' ', '0x10', '1e3', 'Infinity', String(2 ** 32)]) {
    const { shared, problems } = fromMetadata({ 'vae-playground.epoch': text }, FALLBACK);
    assert.equal(shared.epoch, undefined, `"${text}"`);
    assert.match(problems.join(), /epoch count/, `"${text}"`);
  }
  assert.equal(fromMetadata({ 'vae-playground.epoch': '12' }, FALLBACK).shared.epoch, 12);
});

/** A chart's curves after `steps` steps and `epochs` epochs, as a file carries them (JSON, typed arrays as lists). */
function savedCurves(steps, epochs) {
  const history = new LossHistory();
  const triples = [];
  for (let i = 0; i < steps; i++) triples.push(300 - i / 100, 290 - i / 100, 5 + (i % 7));
  history.addSteps(triples);
  for (let e = 1; e <= epochs; e++) history.addEpoch(200 - e, 6);
  return JSON.parse(toMetadata({ settings: SETTINGS, epoch: epochs, run: null, curves: history.save() })['vae-playground.curves']);
}

test('curve epochs whose test −ELBO is a string are dropped and named: what Judge and the chart read are numbers', () => {
  const curves = savedCurves(300, 4);
  curves.epochs[1].testElbo = 'high';
  curves.epochs[2].kl = null;
  const { shared, problems } = fromMetadata(metadata({ curves }), FALLBACK);
  assert.equal(shared.curves.epochs.length, 2);
  assert.match(problems.join('; '), /loss curves.*testElbo is a string/);
  assert.match(problems.join('; '), /loss curves.*kl is null/);
  const history = new LossHistory();
  history.restore(shared.curves);
  for (const e of history.epochs) for (const k of ['step', 'testElbo', 'kl']) assert.ok(Number.isFinite(e[k]), `${k}: ${e[k]}`);
});

test('curves of the wrong shape are dropped as a whole, with the reason named', () => {
  const cases = [
    ['a list', [], /loss curves .*a list/],
    ['a series missing', (c) => delete c.kl, /kl curve is missing/],
    ['lists of different lengths', (c) => c.loss.max.pop(), /loss curve/],
    ['too many buckets', (c) => { for (const k of ['min', 'max', 'sum', 'count']) c.recon[k] = Array(CAPACITY + 1).fill(1); }, /recon curve .*more than/],
    ['a bucket that is not finite', (c) => (c.loss.sum[3] = null), /loss curve/],
    ['a bucket with a count of 0', (c) => (c.kl.count[2] = 0), /kl curve/],
    ['a count that does not add up to the steps', (c) => (c.loss.steps = 99), /loss curve/],
    ['a bucket width that is not a power of two', (c) => (c.recon.width = 3), /recon curve/],
    ['curves of different lengths', (c) => { c.kl = savedCurves(100, 0).kl; }, /curves .*same steps/],
    ['epochs not a list', (c) => (c.epochs = {}), /epochs/],
  ];
  for (const [what, change, pattern] of cases) {
    let curves = savedCurves(300, 2);
    if (typeof change === 'function') change(curves);
    else curves = change;
    const { shared, problems } = fromMetadata(metadata({ curves }), FALLBACK);
    assert.equal(shared.curves, undefined, what);
    assert.match(problems.join('; '), pattern, what);
  }
});

test('what the widget writes comes back whole, with no problem: after bucket merges, empty, and a long run', () => {
  for (const [steps, epochs] of [[0, 0], [5, 0], [9_000, 3], [3 * CAPACITY + 17, 12]]) {
    const curves = savedCurves(steps, epochs);
    const runs = historyOf(null);
    for (let e = 1; e <= epochs; e++) runs.addEpoch(epochRow(e), SETTINGS);
    const written = toMetadata({ settings: SETTINGS, epoch: epochs, run: runs.current, curves });
    const { shared, problems } = fromMetadata(written, FALLBACK);
    assert.deepEqual(problems, [], `${steps} steps`);
    assert.equal(shared.epoch, epochs);
    assert.deepEqual(shared.settings, SETTINGS);
    if (epochs) assert.deepEqual(shared.run, JSON.parse(JSON.stringify(runs.current)));
    const history = new LossHistory();
    history.restore(shared.curves);
    assert.deepEqual(JSON.parse(toMetadata({ settings: SETTINGS, epoch: 0, run: null, curves: history.save() })['vae-playground.curves']), curves);
  }
});
