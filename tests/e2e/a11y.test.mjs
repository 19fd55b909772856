// Automated accessibility checks (axe-core) on the page and on a compact widget, in light and dark mode: no
// serious or critical violation (colour contrast, names, roles, …).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openPage, servedRepository } from './browser.mjs';

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
const session = servedRepository();

/** Serious and critical axe violations on the page as it is now, one line each. */
async function seriousViolations(page) {
  // Evaluated through DevTools rather than added as an inline <script>, which the page's CSP refuses.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.split('\n')[1]?.trim()}`));
}

for (const scheme of ['light', 'dark']) {
  test(`the page after an epoch, in ${scheme} mode: no serious or critical violation`, async () => {
    const { page, problems } = await openPage(session.browser, `${session.url}#epochs=1`);
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(() => document.querySelector('vae-playground').addEventListener('trained', () => (window.__trained = true)));
    await page.waitForFunction(() => window.__trained, null, { timeout: 60_000 });
    await page.waitForTimeout(500);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test(`a compact widget in a text, in ${scheme} mode: no serious or critical violation`, async () => {
    const { page } = await openPage(session.browser, `${session.url}tests/e2e/fixtures/compact.html`);
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 30_000 });
    assert.deepEqual(await seriousViolations(page), []);
    await page.close();
  });
}
