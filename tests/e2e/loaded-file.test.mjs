// A crafted .safetensors file — built here from the format, with run figures and curves the widget would never
// write — loads without breaking the page: the weights load, the history table renders, CSV export works, Judge
// shows its figures, nothing from the file becomes markup, training goes on, and a notice names what was dropped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openPage, servedRepository } from './browser.mjs';
import { safetensorsFile } from './fixtures/safetensors.mjs';

const session = servedRepository();

const HIDDEN = 32;
const SETTINGS = { hiddenUnits: HIDDEN, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0 };
const INJECTED = '<img src=x onerror="window.__pwned = 1">';
const epochRow = (epoch) => ({ epoch, testElbo: 200 - epoch / 1000, recon: 190 - epoch / 1000, kl: 6 });

/** The curves LossHistory.save() would give after `steps` steps, as JSON writes them (typed arrays as lists). */
function curves(steps, epochs) {
  const series = (value) => ({
    min: Array(steps).fill(value), max: Array(steps).fill(value), sum: Array(steps).fill(value), count: Array(steps).fill(1),
    width: 1, steps, last: value,
  });
  return { loss: series(210), recon: series(200), kl: series(5), epochs };
}

/**
 * File A: settings with markup for β; 12,000 epochs of run figures (more than a run keeps) of which four hold a
 * string recon, a null (JSON's NaN) test −ELBO, an Infinity KL (1e999) and no KL; wall time as text; and curves whose
 * KL curve holds 5,000 buckets, more than a curve has.
 */
function fileA() {
  const epochs = Array.from({ length: 12_000 }, (_, i) => epochRow(i + 1));
  epochs[11_994].recon = '187.5';
  epochs[11_995].testElbo = null;
  epochs[11_996].kl = 12345.5; // written as 1e999 below
  delete epochs[11_997].kl;
  const run = { id: 1, settings: SETTINGS, stepsPerEpoch: 71, epochs, wallMs: 'soon', samplesPerSec: 40_000 };
  const bad = curves(50, [{ step: 50, testElbo: 190, kl: 6 }]);
  for (const key of ['min', 'max', 'sum', 'count']) bad.kl[key] = Array(5000).fill(1);
  return safetensorsFile({
    hidden: HIDDEN, latent: 2, seed: 7, metadata: {
      'vae-playground.settings': JSON.stringify({ ...SETTINGS, beta: INJECTED }),
      'vae-playground.epoch': '12000',
      'vae-playground.run': JSON.stringify(run).replace('"kl":12345.5', '"kl":1e999'),
      'vae-playground.curves': JSON.stringify(bad),
    },
  });
}

/** File B: run figures whose settings carry markup; curves whose epoch points hold a string and a null. */
function fileB() {
  const run = { id: 1, settings: { ...SETTINGS, beta: INJECTED }, stepsPerEpoch: 71, epochs: [epochRow(1), epochRow(2)], wallMs: 1000, samplesPerSec: 1 };
  const points = [{ step: 20, testElbo: 'high', kl: 6 }, { step: 40, testElbo: 191.25, kl: null }, { step: 60, testElbo: 188.7, kl: 5.5 }];
  return safetensorsFile({
    hidden: HIDDEN, latent: 2, seed: 8, metadata: {
      'vae-playground.settings': JSON.stringify(SETTINGS),
      'vae-playground.epoch': '3',
      'vae-playground.run': JSON.stringify(run),
      'vae-playground.curves': JSON.stringify(curves(60, points)),
    },
  });
}

const shadowText = (page, selector) => page.evaluate((selector) =>
  [...document.querySelector('vae-playground').shadowRoot.querySelectorAll(selector)].map((e) => e.textContent.trim()), selector);
const tableRows = (page, selector) => page.evaluate((selector) => [...document.querySelector('vae-playground').shadowRoot.querySelectorAll(selector)]
  .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())), selector);

test('a crafted file: what cannot be used is dropped and named, and the table, CSV export, Judge and training go on', async () => {
  const { page, problems } = await openPage(session.browser, `${session.url}#epochs=1`);
  await page.route('**/crafted-*.safetensors', (route) => route.fulfill({
    body: route.request().url().endsWith('crafted-a.safetensors') ? fileA() : fileB(), contentType: 'application/octet-stream',
  }));
  await page.evaluate(() => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of ['trained', 'epoch', 'error']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
  });
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'trained'), null, { timeout: 60_000 });
  // The views draw on the next animation frame: wait for the notice that follows the load, not the one before it.
  const notice = async (before = '') => (await page.waitForFunction((before) => {
    const text = document.querySelector('vae-playground').shadowRoot.querySelector('.error.notice.shown p')?.textContent ?? '';
    return text !== before && text;
  }, before, { timeout: 10_000 })).jsonValue();

  // File A.
  await page.evaluate(() => document.querySelector('vae-playground').loadWeights('crafted-a.safetensors'));
  const a = await notice();
  for (const named of [/settings: beta is a string/, /its run figures: the first 2,000 epochs dropped/, /epoch 11995 dropped \(recon is a string/,
    /epoch 11996 dropped \(testElbo is null/, /epoch 11997 dropped \(kl is Infinity/, /epoch 11998 dropped \(kl is missing/,
    /wallMs is a string/, /its loss curves dropped \(the kl curve holds 5,000 buckets, more than 2,000\)/]) assert.match(a, named);
  assert.ok(!a.includes('<img'), 'the notice does not repeat the file’s text');
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').hiddenUnits), HIDDEN, 'the weights loaded');
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').beta), 1, 'β stays the value in force');

  const history = page.locator('vae-playground >> .panel.history');
  await history.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  let rows = await tableRows(page, '.history tbody tr');
  assert.equal(rows.length, 2, JSON.stringify(rows));
  assert.deepEqual([rows[1][1], rows[1][8], rows[1][10], rows[1][12]], ['2 (now)', '9996', '178.0', '0 s'], 'the file’s run: its 9,996 usable epochs');
  for (const row of rows) {
    assert.match(row[2], /^MLP \d+$/, `the structure in ${JSON.stringify(row)}`);
    for (const cell of row.slice(3, 12)) assert.match(cell, /^-?\d+(\.\d+)?$/, `a number in ${JSON.stringify(row)}`);
  }

  const download = page.waitForEvent('download');
  await page.locator('vae-playground >> .history [data-action="csv"]').click();
  const lines = readFileSync(await (await download).path(), 'utf8').trim().split('\n');
  assert.equal(lines.length, 1 + 1 + 9996, 'header, run 1’s epoch, the file’s usable epochs');
  for (const line of lines.slice(1)) assert.match(line, /^\d+(,-?\d+(\.\d+)?(e-?\d+)?){12},(mlp|conv),(mnist|fashion|own)$/, line);

  // File B.
  await page.evaluate(() => document.querySelector('vae-playground').loadWeights('crafted-b.safetensors'));
  const b = await notice(a);
  assert.match(b, /its run figures dropped \(settings\.beta is a string/);
  assert.match(b, /its loss curves: epoch point 1 dropped \(testElbo is a string/);
  assert.match(b, /its loss curves: epoch point 2 dropped \(kl is null/);
  const judge = page.locator('vae-playground >> .panel.judge');
  await judge.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  assert.deepEqual(await tableRows(page, '.judge table.epochs tbody tr'), [['1', '188.7', '183.2', '5.50']], 'Judge: the one usable epoch point');
  await history.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  rows = await tableRows(page, '.history tbody tr');
  assert.deepEqual(rows.map((r) => r[1]), ['1', '2'], 'file B’s run figures were dropped: its run appears after its first epoch');
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').shadowRoot.querySelectorAll('img').length), 0, 'no markup from the file');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);

  // Training goes on from file B's model, counting on from its epoch.
  await page.evaluate(() => {
    const el = document.querySelector('vae-playground');
    el.epochs = 4;
    el.train();
  });
  await page.waitForFunction(() => window.__events.filter((e) => e.type === 'epoch').length >= 2, null, { timeout: 60_000 });
  const epochs = await page.evaluate(() => window.__events.filter((e) => e.type === 'epoch').map((e) => e.detail.epoch));
  assert.deepEqual(epochs, [1, 4]);
  await page.waitForTimeout(300);
  rows = await tableRows(page, '.history tbody tr');
  assert.deepEqual(rows.map((r) => r[1]), ['1', '2', '3 (now)']);
  assert.deepEqual(await shadowText(page, '.error.shown:not(.notice) p'), [], 'no error, only the notices');
  assert.deepEqual(problems, []);
  await page.close();
});
