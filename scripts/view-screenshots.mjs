// Screenshots of every view for the README, from the served page after a few epochs:
//   node scripts/view-screenshots.mjs [epochs] → docs/screenshot.png and docs/view-*.png
import { launch, openPage } from '../tests/e2e/browser.mjs';
import { serve } from './serve.mjs';

const epochs = Number(process.argv[2] ?? 15);
const { server, url } = await serve('.');
const browser = await launch();
try {
  const { page, problems } = await openPage(browser, `${url}#epochs=${epochs}`, { width: 1280, height: 800 });
  const el = page.locator('vae-playground');
  await page.evaluate(() => document.querySelector('vae-playground').addEventListener('trained', () => (window.__trained = true)));
  await page.waitForFunction(() => window.__trained, null, { timeout: 300_000 });
  // Latent: drag the ring somewhere with ink.
  const latent = el.locator('canvas[role="slider"]');
  const box = await latent.boundingBox();
  await page.mouse.click(box.x + box.width * 0.62, box.y + box.height * 0.35);
  // Draw: a 7.
  const pad = el.locator('canvas.pad');
  await pad.scrollIntoViewIfNeeded();
  const b = await pad.boundingBox();
  await page.mouse.move(b.x + b.width * 0.25, b.y + b.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width * 0.75, b.y + b.height * 0.2, { steps: 8 });
  await page.mouse.move(b.x + b.width * 0.4, b.y + b.height * 0.85, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction(() => /looks like/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.verdict').textContent), null, { timeout: 60_000 });
  await el.locator('.panel.recover [data-action="recover"]').click();
  await el.locator('.panel.compress [data-action="stats"]').click();
  await el.locator('.panel.judge [data-action="nearest"]').click();
  await el.locator('.panel.judge [data-action="coverage"]').click();
  await page.waitForFunction(() => /accuracy/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.coverage-note').textContent), null, { timeout: 120_000 });
  await page.waitForTimeout(1500);
  for (const view of ['generate', 'draw', 'recover', 'compress', 'interpolate', 'judge']) {
    await el.locator(`.panel.${view}`).scrollIntoViewIfNeeded(); // views below the fold draw once scrolled to
    await page.waitForTimeout(1500);
    await el.locator(`.panel.${view}`).screenshot({ path: `docs/view-${view}.png` });
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: 'docs/screenshot.png' });
  console.log(`wrote docs/screenshot.png and docs/view-*.png${problems.length ? `\nproblems:\n${problems.join('\n')}` : ''}`);
} finally {
  await browser.close();
  server.close();
}
