// "Branch from here" in the real <vae-playground>: the worker keeps its full training state at each epoch's end, the
// time-lapse marks those moments, and a branch trains on from one with other live settings as a new run. A branch
// from epoch 2 with β = 4 must give, at epoch 3, exactly the figures of a model that trained 2 epochs, took β = 4 and
// trained one more (the same weights, Adam moments, shuffle and noise): the state is the whole state.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import { servedRepository, trainingWorkers } from './browser.mjs';
import { STEPS_PER_EPOCH, events, openTimelapsePage, waitFor } from './fixtures/timelapse/page.mjs';

const session = servedRepository();
const open = (query) => openTimelapsePage(session, query);

const figures = (e) => ({ epoch: e.epoch, testElbo: e.testElbo, recon: e.recon, kl: e.kl });

test('a branch from epoch 2 with β = 4 trains on exactly as β = 4 from epoch 2 would; the run table and chart name it', async () => {
  // The reference: two epochs at β = 1, then β = 4 for the third.
  const reference = await open('?epochs=2&views=latent%20history');
  await reference.page.evaluate(() => document.getElementById('p').train());
  await waitFor(reference.page, 'trained');
  // β set and training started in one tick: the setting is in force from the first step after it.
  await reference.page.evaluate(() => {
    const el = document.getElementById('p');
    el.beta = 4;
    el.epochs = 3;
    el.train();
  });
  await waitFor(reference.page, 'trained', 2);
  const expected = figures((await events(reference.page, 'epoch')).find((e) => e.epoch === 3));
  await reference.context.close();

  // Four epochs at β = 1, then a branch from the end of epoch 2 with β = 4.
  const { page, context, problems } = await open('?epochs=4&views=latent%20history');
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
  const beforeBranch = (await events(page, 'epoch')).map(figures);
  assert.deepEqual(beforeBranch.map((e) => e.epoch), [1, 2, 3, 4]);
  assert.notDeepEqual(beforeBranch[2], expected, 'β = 1 at epoch 3 differs from β = 4: the comparison can fail');
  const branchStep = 2 * STEPS_PER_EPOCH;
  assert.ok((await page.evaluate(() => document.getElementById('p').frames.steps)).includes(branchStep), 'a frame at epoch 2’s end');

  // A step without a kept state is refused in words, and nothing changes.
  const refused = await page.evaluate(() => document.getElementById('p').branch(100, { beta: 4 }).then(() => 'started', (e) => e.message));
  assert.match(refused, /no training state kept at step 100/);
  // A setting out of range is refused before anything changes.
  const badBeta = await page.evaluate((step) => document.getElementById('p').branch(step, { beta: -1 }).then(() => 'started', (e) => e.message), branchStep);
  assert.match(badBeta, /beta/);
  assert.equal(await page.evaluate(() => document.getElementById('p').beta), 1);

  await page.evaluate((step) => document.getElementById('p').branch(step, { beta: 4 }), branchStep);
  assert.equal(await page.evaluate(() => document.getElementById('p').beta), 4, 'the branch’s β is the setting in force');
  await waitFor(page, 'trained', 2);
  const afterBranch = (await events(page, 'epoch')).slice(4).map(figures);
  assert.deepEqual(afterBranch.map((e) => e.epoch), [3, 4], 'the branch counts on from epoch 2 to the element’s 4 epochs');
  assert.deepEqual(afterBranch[0], expected, 'the branch’s first epoch is the reference’s, bit for bit');

  // The time-lapse: the frames up to the branch point, then the branch's own.
  const steps = await page.evaluate(() => document.getElementById('p').frames.steps);
  assert.ok(steps.includes(branchStep) && steps.at(-1) === 4 * STEPS_PER_EPOCH, JSON.stringify(steps));
  assert.ok(steps.filter((s) => s > branchStep && s < 3 * STEPS_PER_EPOCH).length < STEPS_PER_EPOCH, 'the old epoch 3 is gone');

  // The run table: the first run archived, the branch as the run now, named (views below the fold draw once shown).
  await page.locator('#p >> .panel.history').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const rows = await page.evaluate(() => [...document.getElementById('p').shadowRoot.querySelectorAll('.history tbody tr')]
    .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  assert.equal(rows.length, 2, JSON.stringify(rows));
  assert.equal(rows[1][1], '2 (now) · from run 1 at epoch 2');
  assert.deepEqual([rows[1][4], rows[1][8]], ['1 → 4', '4'], 'β 1 in epochs 1–2 (run 1’s), then 4 in 3–4 (its own)');
  assert.equal(rows[0][1], '1');
  const label = await page.evaluate(() => document.getElementById('p').shadowRoot.querySelector('.chart canvas, canvas.chart')?.getAttribute('aria-label') ?? '');
  assert.match(label, /branch of run 1 from its epoch 2/);

  mkdirSync('shots', { recursive: true });
  await page.locator('#p').screenshot({ path: 'shots/branch-1280.png' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard only: seek to an epoch’s end, "Branch from here…", type β, Enter: a new run trains from there', async () => {
  const { page, context, problems } = await open('?epochs=3&views=latent%20history');
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
  const branchStep = 2 * STEPS_PER_EPOCH;
  assert.equal(await page.evaluate((step) => document.getElementById('p').seek(step), branchStep), branchStep);

  const button = page.locator('#p >> [data-timeline="branch"]');
  await page.waitForFunction(() => !document.getElementById('p').shadowRoot.querySelector('[data-timeline="branch"]').disabled);
  await button.focus();
  await page.keyboard.press('Enter');
  const form = page.locator('#p >> .branch-form');
  assert.match(await form.locator('.branch-what').textContent(), /from step 142 \(epoch 2\)/);
  assert.equal(await page.evaluate(() => document.getElementById('p').shadowRoot.activeElement?.name), 'beta', 'the form opens on β');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('4');
  await page.keyboard.press('Enter');
  await waitFor(page, 'trained', 2);
  assert.match(await page.locator('#p >> .timeline-note').textContent(), /A new run trains on from step 142 with β = 4/);
  const epochs = (await events(page, 'epoch')).map((e) => e.epoch);
  assert.deepEqual(epochs, [1, 2, 3, 3], 'epoch 3 again, as the branch');

  await page.locator('#p >> .panel.history').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  assert.match(await page.locator('#p >> .history tbody tr.current').textContent(), /2 \(now\) · from run 1 at epoch 2/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  mkdirSync('shots', { recursive: true });
  await page.locator('#p').screenshot({ path: 'shots/branch-keyboard-1280.png' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a trap right after a branch brings the worker back to the branch point, not to where the old run had got', async () => {
  const { page, context } = await open('?epochs=4&views=latent');
  await page.evaluate(() => document.getElementById('p').train());
  await waitFor(page, 'trained');
  const [worker] = trainingWorkers(page);
  await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.injectTrap('step'));
  await page.evaluate((step) => document.getElementById('p').branch(step, { beta: 4 }), 2 * STEPS_PER_EPOCH);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'error' && /WebAssembly error/.test(e.detail.message)), null, { timeout: 30_000 });
  const { message } = (await events(page, 'error')).at(-1);
  assert.match(message, /It was restarted with the weights it had after 2 epochs;/, 'the branch point (epoch 2), not the old run’s epoch 4');
  await context.close();
});
