// With `persist`, the trained model, its settings and its loss history survive a reload; "Start over" forgets them;
// a kept model that no longer fits the settings is a notice, never a broken widget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servedRepository } from './browser.mjs';

const session = servedRepository();

const PAGE = 'tests/e2e/fixtures/persist.html';
const waitFor = (page, type, timeout = 60_000) =>
  page.waitForFunction((type) => window.__events.some((e) => e.type === type), type, { timeout });
const decodeAt = (page, z) => page.evaluate(async (z) => Array.from(await document.getElementById('p').decode(z)), z);
const epochRows = async (page) => {
  await page.locator('#p >> .panel.judge').scrollIntoViewIfNeeded();
  await page.waitForTimeout(200);
  return page.locator('#p >> table.epochs tbody').innerText();
};
const kept = (page) => page.evaluate(() => new Promise((resolve) => {
  const open = indexedDB.open('vae-playground');
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('models')) return resolve(null);
    const get = db.transaction('models').objectStore('models').get(`${location.pathname}#p`);
    get.onsuccess = () => resolve(get.result ? { epoch: get.result.epoch, bytes: get.result.weights.byteLength } : null);
  };
}));

/** A fresh visit to the page, trained for its one epoch. */
async function trainOneEpoch(page) {
  await page.goto(`${session.url}${PAGE}`);
  await waitFor(page, 'ready');
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
}

/** Polls `read` until `done` holds of its value (10 s at most). */
async function until(read, done) {
  for (let i = 0; i < 50; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('gave up waiting');
}

test('reload restores the same decode, bit for bit, and the same history; Start over forgets them', async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await trainOneEpoch(page);
  const record = await until(() => kept(page), (r) => r !== null);
  assert.equal(record.epoch, 1);
  assert.ok(record.bytes > 800_000, `the weights are kept: ${record.bytes} bytes`);
  const z = [0.6, -0.8];
  const trained = await decodeAt(page, z);
  const rows = await epochRows(page);
  assert.match(rows, /^1\t\d+\.\d\t/);

  await page.reload();
  await waitFor(page, 'restored');
  const [restored] = await page.evaluate(() => window.__events.filter((e) => e.type === 'restored').map((e) => e.detail));
  assert.equal(restored.epoch, 1);
  assert.deepEqual(await decodeAt(page, z), trained, 'the same decode after a reload');
  assert.equal(await epochRows(page), rows, 'the same history after a reload');

  await page.locator('#p >> [data-action="start-over"]').click();
  await until(() => kept(page), (r) => r === null);
  await page.reload();
  await waitFor(page, 'ready');
  await page.waitForTimeout(1000);
  assert.equal(await page.evaluate(() => window.__events.some((e) => e.type === 'restored')), false, 'nothing to restore');
  assert.notDeepEqual(await decodeAt(page, z), trained, 'a fresh model');
  await context.close();
});

test('a kept model that does not fit the settings in force: a notice, a fresh model, no error', async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await trainOneEpoch(page);
  await page.waitForTimeout(1500); // the save follows training's end
  await page.goto(`${session.url}${PAGE}?hidden-units=64`);
  await waitFor(page, 'ready');
  const notice = page.locator('#p >> .error.notice');
  await notice.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await notice.locator('p').textContent(), /kept from your last visit \(128 hidden units.*does not fit the settings now in force/);
  assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.type === 'error')), []);
  assert.equal(await page.evaluate(() => document.getElementById('p').hiddenUnits), 64);
  await context.close();
});

/** The metadata of a .safetensors file: an 8-byte little-endian header length, then the JSON header. */
const metadataOf = (page, handle) => page.evaluate(async (el) => {
  const bytes = new Uint8Array(await (await el.exportWeights()).arrayBuffer());
  const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))).__metadata__;
}, handle);

test('an exported file carries settings, epochs, figures and curves: loaded elsewhere it reproduces the picture and trains on', async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${session.url}tests/e2e/fixtures/compact.html`); // the origin the module is served from
  await page.setContent(`<!doctype html><html lang="en"><title>shared file</title><body>
    <vae-playground id="a" beta="0.5" seed="3" learning-rate="0.003" epochs="1" views="latent judge"></vae-playground>
    <vae-playground id="b" epochs="2" views="latent judge"></vae-playground>
    <script type="module" src="/dist/vae-playground.js"></script></body></html>`);
  await page.evaluate(() => {
    window.__events = [];
    for (const el of document.querySelectorAll('vae-playground'))
      for (const type of ['ready', 'trained', 'epoch', 'error']) el.addEventListener(type, (e) => window.__events.push({ id: el.id, type, detail: e.detail }));
  });
  const a = await page.$('#a');
  const b = await page.$('#b');
  await page.waitForFunction(() => ['a', 'b'].every((id) => window.__events.some((e) => e.id === id && e.type === 'ready')), null, { timeout: 60_000 });
  await page.evaluate(() => document.getElementById('a').train());
  await page.waitForFunction(() => window.__events.some((e) => e.id === 'a' && e.type === 'trained'), null, { timeout: 60_000 });

  const shared = await metadataOf(page, a);
  assert.deepEqual(JSON.parse(shared['vae-playground.settings']), { hiddenUnits: 128, latentDim: 2, beta: 0.5, learningRate: 0.003, batchSize: 128, seed: 3 });
  assert.equal(shared['vae-playground.epoch'], '1');
  assert.equal(JSON.parse(shared['vae-playground.run']).epochs.length, 1);
  assert.equal(JSON.parse(shared['vae-playground.curves']).loss.steps, 71, 'one epoch: 71 steps of loss');

  await page.evaluate(async () => document.getElementById('b').loadWeights(await document.getElementById('a').exportWeights()));
  const settingsOf = (el) => el.evaluate((el) => [el.beta, el.seed, el.learningRate, el.getAttribute('beta'), el.getAttribute('seed')]);
  assert.deepEqual(await settingsOf(b), [0.5, 3, 0.003, '0.5', '3'], 'the settings came with the file, attributes too');
  const z = [0.4, -1.1];
  assert.deepEqual(await b.evaluate(async (el, z) => Array.from(await el.decode(z)), z), await a.evaluate(async (el, z) => Array.from(await el.decode(z)), z), 'the same decode');
  const again = await metadataOf(page, b);
  for (const key of ['vae-playground.settings', 'vae-playground.epoch', 'vae-playground.curves']) {
    assert.deepEqual(JSON.parse(again[key]), JSON.parse(shared[key]), `${key} reproduced`);
  }
  const { id: _a, ...runA } = JSON.parse(shared['vae-playground.run']);
  const { id: _b, ...runB } = JSON.parse(again['vae-playground.run']);
  assert.deepEqual(runB, runA, 'the run’s figures reproduced (b numbers its runs itself)');
  const rows = (id) => page.locator(`#${id} >> table.epochs tbody`).innerText();
  await page.locator('#b >> .panel.judge').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  assert.equal(await rows('b'), await rows('a'), 'the same per-epoch figures');
  assert.equal(await page.locator('#b >> .status').innerText(), 'Trained 1 epoch · press Train to go on', 'the status counts from the file’s epoch');

  await page.evaluate(() => document.getElementById('b').train());
  await page.waitForFunction(() => window.__events.some((e) => e.id === 'b' && e.type === 'trained'), null, { timeout: 60_000 });
  const epochs = await page.evaluate(() => window.__events.filter((e) => e.id === 'b' && e.type === 'epoch').map((e) => e.detail.epoch));
  assert.deepEqual(epochs, [2], 'training goes on from epoch 1 to the target of 2');
  assert.equal(await page.evaluate(() => window.__events.filter((e) => e.type === 'error').length), 0);
  await context.close();
});
