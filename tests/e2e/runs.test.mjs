// The run history: two runs (β = 1, then β = 4) side by side, one drawn over the chart, exported as CSV.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openPage, servedRepository } from './browser.mjs';

const session = servedRepository();

test('β = 1 vs β = 4: two runs in the table, the first drawn over the chart, the history as CSV', async () => {
  const { page, problems } = await openPage(session.browser, `${session.url}#epochs=1`);
  await page.evaluate(() => {
    window.__trained = 0;
    document.querySelector('vae-playground').addEventListener('trained', () => window.__trained++);
  });
  await page.waitForFunction(() => window.__trained >= 1, null, { timeout: 60_000 });
  await page.evaluate(() => {
    const el = document.querySelector('vae-playground');
    el.beta = 4;
    el.reset();
    el.train();
  });
  await page.waitForFunction(() => window.__trained >= 2, null, { timeout: 60_000 });
  const panel = page.locator('vae-playground >> .panel.history');
  await panel.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const rows = await page.evaluate(() => [...document.querySelector('vae-playground').shadowRoot.querySelectorAll('.history tbody tr')]
    .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  assert.equal(rows.length, 2, JSON.stringify(rows));
  assert.deepEqual([rows[0][1], rows[0][4], rows[0][8]], ['1', '1', '1'], 'run 1: β 1, one epoch');
  assert.deepEqual([rows[1][1], rows[1][4], rows[1][8]], ['2 (now)', '4', '1'], 'run 2: β 4, one epoch');
  // β = 4 (set and trained in one tick: in force from the new model's first step) squeezes the code: a smaller KL.
  assert.ok(Number(rows[1][11]) < 0.7 * Number(rows[0][11]), `KL ${rows[0][11]} at β = 1, ${rows[1][11]} at β = 4`);

  const chartPixels = () => page.evaluate(() => {
    const canvas = document.querySelector('vae-playground').shadowRoot.querySelector('.chart canvas');
    return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 4 === 3 && i % 12 === 3));
  });
  const before = await chartPixels();
  await page.locator('vae-playground >> .history input[data-run="1"]').check();
  await page.waitForTimeout(300);
  const label = await page.locator('vae-playground >> .chart canvas').getAttribute('aria-label');
  assert.match(label, /Drawn over them: run 1 \(test −ELBO \d+\.\d after 1 epochs\)/);
  assert.notDeepEqual(await chartPixels(), before, 'run 1 is drawn over the chart');

  const download = page.waitForEvent('download');
  await page.locator('vae-playground >> .history [data-action="csv"]').click();
  const file = await (await download).path();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'run,hidden_units,latent_dim,beta,learning_rate,batch_size,seed,epoch,test_neg_elbo,test_recon,test_kl,wall_seconds,samples_per_sec,architecture,dataset');
  assert.equal(lines.length, 3);
  assert.match(lines[1], /^1,128,2,1,0\.001,128,0,1,\d+\.\d{3},/);
  assert.match(lines[2], /^2,128,2,4,0\.001,128,0,1,\d+\.\d{3},/);
  assert.deepEqual(problems, []);
  await page.close();
});
