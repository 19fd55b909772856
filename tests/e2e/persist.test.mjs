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
