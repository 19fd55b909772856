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
/**
 * The models an element keeps, most recently saved first, read from IndexedDB as the widget writes them: an index
 * under [path, 'id', id] (or [path, 'order', n] without an id), and each model's file under that key plus its
 * configuration.
 */
const keptModels = (page, element = ['id', 'p']) => page.evaluate((element) => new Promise((resolve, reject) => {
  const open = indexedDB.open('vae-playground');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('models')) return resolve([]);
    const store = db.transaction('models').objectStore('models');
    const key = [location.pathname, ...element];
    const index = store.get(key);
    index.onsuccess = () => {
      const models = index.result?.models ?? [];
      const out = [];
      if (!models.length) return resolve(out);
      models.forEach((m, i) => {
        const record = store.get([...key, m.configuration]);
        record.onsuccess = () => {
          out[i] = { seed: m.settings.seed, hiddenUnits: m.settings.hiddenUnits, epoch: m.epoch, bytes: record.result?.weights.byteLength ?? 0 };
          if (out.filter(Boolean).length === models.length) resolve(out);
        };
      });
    };
  };
}), element);
/** The model kept for the element `p` most recently: { epoch, bytes }, or null. */
const kept = async (page) => {
  const [latest] = await keptModels(page);
  return latest ? { epoch: latest.epoch, bytes: latest.bytes } : null;
};

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

  // Start over asks first: keeping the model forgets nothing.
  await page.locator('#p >> [data-action="start-over"]').click();
  const question = page.locator('#p >> dialog.confirm');
  await question.waitFor({ state: 'visible' });
  assert.match(await question.locator('p').textContent(), /^Start over forgets every model this page keeps in your browser/);
  await question.locator('[data-answer="no"]').click();
  await page.waitForTimeout(500);
  assert.notEqual(await kept(page), null, 'Start over, declined, forgot the kept model');
  await page.locator('#p >> [data-action="start-over"]').click();
  await question.locator('[data-answer="yes"]').click();
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

const eventsOf = (page, type) => page.evaluate((type) => window.__events.filter((e) => e.type === type).map((e) => e.detail), type);

test('two persist elements without an id keep a model each: a reload restores only the one that was trained', async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${session.url}tests/e2e/fixtures/compact.html`); // the origin the module is served from
  const visit = () => page.setContent(`<!doctype html><html lang="en"><title>two kept</title><body>
    <vae-playground persist epochs="1" views="latent"></vae-playground>
    <vae-playground persist epochs="1" views="latent"></vae-playground>
    <script>
      window.__events = [];
      document.querySelectorAll('vae-playground').forEach((el, i) => {
        for (const type of ['ready', 'restored', 'trained', 'error']) el.addEventListener(type, (e) => window.__events.push({ i, type, detail: e.detail }));
      });
    </script>
    <script type="module" src="/dist/vae-playground.js"></script></body></html>`);
  const readyBoth = () => page.waitForFunction(() => [0, 1].every((i) => window.__events.some((e) => e.i === i && e.type === 'ready')), null, { timeout: 60_000 });
  await visit();
  await readyBoth();
  await page.evaluate(() => document.querySelectorAll('vae-playground')[0].train());
  await page.waitForFunction(() => window.__events.some((e) => e.i === 0 && e.type === 'trained'), null, { timeout: 60_000 });
  await until(() => keptModels(page, ['order', 0]), (models) => models.length === 1);
  const z = [0.5, -0.5];
  const first = await page.evaluate(async (z) => Array.from(await document.querySelectorAll('vae-playground')[0].decode(z)), z);

  await visit();
  await readyBoth();
  await page.waitForTimeout(1000);
  const restored = await page.evaluate(() => window.__events.filter((e) => e.type === 'restored').map((e) => e.i));
  assert.deepEqual(restored, [0], 'the first element gets its model back, the second has none kept');
  assert.deepEqual(await page.evaluate(async (z) => Array.from(await document.querySelectorAll('vae-playground')[0].decode(z)), z), first);
  assert.deepEqual(await keptModels(page, ['order', 1]), [], 'nothing saved for the second');
  await context.close();
});

test('a shared link with other structural settings (autostart, as on the demo page) never saves over the kept model', async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await trainOneEpoch(page);
  await until(() => kept(page), (r) => r !== null);
  const z = [0.6, -0.8];
  const mine = await decodeAt(page, z);

  // Someone's link: seed 1, training at once. Its model is kept beside mine, not over it.
  await page.goto(`${session.url}${PAGE}?seed=1&autostart=`);
  await waitFor(page, 'trained');
  const models = await until(() => keptModels(page), (m) => m.length === 2);
  assert.deepEqual(models.map((m) => [m.seed, m.epoch]), [[1, 1], [0, 1]], 'the link’s model first (the latest), mine still there');

  await page.goto(`${session.url}${PAGE}`);
  await waitFor(page, 'restored');
  assert.deepEqual(await decodeAt(page, z), mine, 'my model comes back, bit for bit');
  await context.close();
});

test('the notice about a kept model that does not fit offers to restore it, by keyboard: its settings come back with it', async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await trainOneEpoch(page);
  await until(() => kept(page), (r) => r !== null);
  const z = [0.3, 0.9];
  const trained = await decodeAt(page, z);

  await page.goto(`${session.url}${PAGE}?hidden-units=64&beta=2`);
  await waitFor(page, 'ready');
  const notice = page.locator('#p >> .error.notice');
  await notice.waitFor({ state: 'visible', timeout: 10_000 });
  const offer = notice.locator('[data-action="offer"]');
  assert.equal(await offer.textContent(), 'Restore it');
  for (let i = 0; i < 40 && !(await offer.evaluate((b) => b.getRootNode().activeElement === b)); i++) await page.keyboard.press('Tab');
  assert.ok(await offer.evaluate((b) => b.getRootNode().activeElement === b), 'Tab reaches the button');
  await page.keyboard.press('Enter');
  await waitFor(page, 'restored');
  const el = await page.$('#p');
  assert.deepEqual(await el.evaluate((el) => [el.hiddenUnits, el.beta, el.getAttribute('hidden-units'), el.getAttribute('beta')]), [128, 1, '128', '1'],
    'the kept model’s settings are in force, attributes too');
  assert.deepEqual(await decodeAt(page, z), trained);
  assert.equal(await notice.isVisible(), false, 'the notice is gone');
  assert.deepEqual(await eventsOf(page, 'error'), []);
  await context.close();
});

test(`at most 8 models per element, the least recently saved forgotten first, each under its own settings even when they change at once; "Start over" forgets them all`, async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${session.url}${PAGE}`);
  await waitFor(page, 'ready');
  const z = [0.7, 0.2];
  const decoded = [];
  for (let seed = 0; seed < 9; seed++) {
    decoded[seed] = await page.evaluate(async ([seed, z]) => {
      const el = document.getElementById('p');
      const before = window.__events.filter((e) => e.type === 'trained').length;
      if (seed > 0) {
        const ready = new Promise((done) => el.addEventListener('ready', done, { once: true }));
        el.seed = seed;
        await ready;
      }
      el.train();
      while (window.__events.filter((e) => e.type === 'trained').length === before) await new Promise((r) => setTimeout(r, 50));
      return Array.from(await el.decode(z));
    }, [seed, z]); // the next seed is set at once, while the save of this one is still waiting
  }
  const models = await until(() => keptModels(page), (m) => m[0]?.seed === 8 && m[0].epoch === 1);
  assert.deepEqual(models.map((m) => m.seed), [8, 7, 6, 5, 4, 3, 2, 1], 'seed 0’s, the oldest, is forgotten');
  assert.ok(models.every((m) => m.epoch === 1 && m.bytes > 800_000));
  await page.goto(`${session.url}${PAGE}?seed=5`);
  await waitFor(page, 'restored');
  assert.deepEqual(await decodeAt(page, z), decoded[5], 'seed 5’s model is kept under seed 5');

  await page.locator('#p >> [data-action="start-over"]').click();
  await page.locator('#p >> dialog.confirm [data-answer="yes"]').click();
  await until(() => keptModels(page), (m) => m.length === 0);
  await context.close();
});

test('a model kept by the previous version (record version 2) is restored, then kept in the new form', async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await trainOneEpoch(page);
  const z = [-0.4, 0.7];
  const trained = await decodeAt(page, z);
  // Replace what this version kept with the record the previous one wrote for the same page and element.
  await page.evaluate(async () => {
    const el = document.getElementById('p');
    const weights = await (await el.exportWeights()).arrayBuffer();
    const db = await new Promise((resolve) => { const open = indexedDB.open('vae-playground'); open.onsuccess = () => resolve(open.result); });
    await new Promise((resolve) => {
      const tx = db.transaction('models', 'readwrite');
      const store = tx.objectStore('models');
      store.clear();
      store.put({ version: 2, savedAt: Date.now(), settings: { hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0 }, epoch: 1, weights, runs: [] }, `${location.pathname}#p`);
      tx.oncomplete = resolve;
    });
    db.close();
  });
  await page.reload();
  await waitFor(page, 'restored');
  assert.deepEqual(await decodeAt(page, z), trained);
  const models = await keptModels(page);
  assert.deepEqual(models.map((m) => [m.seed, m.epoch]), [[0, 1]], 'moved into the new form');
  await context.close();
});
