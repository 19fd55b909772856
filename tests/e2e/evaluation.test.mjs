// Each epoch's test −ELBO is computed by a Worker that does not train (www/evaluator.ts), while training goes on; where
// that Worker cannot start, the training worker computes it itself. Either way the figures are the same, bit for bit.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { evaluators, servedRepository, trainingWorkers } from './browser.mjs';

const session = servedRepository();
const PAGE = 'tests/e2e/fixtures/traps.html?seed=3';
const EPOCHS = 2;

// The package as an old or partial copy might serve it: everything but the evaluator's script.
let withoutEvaluator;
before(async () => {
  const folder = mkdtempSync(join(tmpdir(), 'vae-without-evaluator-'));
  cpSync('dist', join(folder, 'dist'), { recursive: true, filter: (path) => !/evaluator\.js(\.map)?$/.test(path) });
  cpSync('tests/e2e/fixtures/traps.html', join(folder, 'tests/e2e/fixtures/traps.html'));
  withoutEvaluator = { folder, ...(await serve(folder, { paths: 'all' })) };
});
after(() => {
  withoutEvaluator?.server.close();
  if (withoutEvaluator) rmSync(withoutEvaluator.folder, { recursive: true, force: true });
});

/** Trains EPOCHS epochs from the page at `url`. */
async function train(url) {
  const page = await session.browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${url}${PAGE}`);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'ready'), null, { timeout: 60_000 });
  await page.evaluate(() => document.getElementById('t').train());
  await page.waitForFunction((n) => window.__events.filter((e) => e.type === 'epoch').length >= n, EPOCHS, { timeout: 120_000 });
  const epochs = await page.evaluate((n) => window.__events.filter((e) => e.type === 'epoch').slice(0, n).map((e) => e.detail), EPOCHS);
  const [worker] = trainingWorkers(page);
  const evaluation = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.evaluation());
  const result = { epochs, evaluation, evaluatorWorkers: evaluators(page).length, pageErrors };
  await page.close();
  return result;
}

test('each epoch is evaluated by a Worker of its own while training goes on; without it, in place, to the same figures', async () => {
  const away = await train(session.url);
  assert.equal(away.evaluation.place, 'worker');
  assert.equal(away.evaluatorWorkers, 1, 'one evaluator beside the training worker');
  assert.ok(away.evaluation.stepsWhileEvaluating > 0, 'training took steps while an epoch was being evaluated');
  assert.deepEqual(away.epochs.map((e) => e.epoch), [1, 2]);
  assert.ok(away.epochs.every((e) => e.testElbo > 100 && e.testElbo < 600 && Math.abs(e.testElbo - e.recon - e.kl) < 1e-3), JSON.stringify(away.epochs));

  const here = await train(withoutEvaluator.url);
  assert.equal(here.evaluation.place, 'here', 'the evaluator could not start: the training worker evaluates');
  assert.equal(here.evaluation.stepsWhileEvaluating, 0, 'in place, training waits for each evaluation');
  assert.equal(here.evaluatorWorkers, 0);
  assert.deepEqual(here.epochs, away.epochs, 'the same figures, bit for bit');
  assert.deepEqual([...away.pageErrors, ...here.pageErrors], []);
});
