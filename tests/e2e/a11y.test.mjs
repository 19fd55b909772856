// Automated accessibility checks (axe-core) on the page and on a compact widget, in light and dark mode: no
// serious or critical violation (colour contrast, names, roles, …).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPage, seriousViolations, servedRepository } from './browser.mjs';

const session = servedRepository();


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
