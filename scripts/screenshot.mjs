// Takes a screenshot of the served playground mid-training: node scripts/screenshot.mjs [out.png] [width] [height]
import { launch, openPage } from '../tests/e2e/browser.mjs';
import { serve } from './serve.mjs';

const [out = 'docs/screenshot.png', width = '1280', height = '860'] = process.argv.slice(2);
const { server, url } = await serve('.');
const browser = await launch();
try {
  const { page, problems } = await openPage(browser, url, { width: Number(width), height: Number(height) });
  const el = page.locator('vae-playground');
  await page.waitForFunction(() => document.querySelector('vae-playground')?.running, null, { timeout: 20_000 });
  await page.waitForTimeout(Number(process.env.WAIT_MS ?? 6000));
  const box = await el.locator('canvas[role="slider"]').boundingBox();
  if (box) await page.mouse.click(box.x + box.width * 0.62, box.y + box.height * 0.35);
  await page.waitForTimeout(300);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}${problems.length ? `\nproblems:\n${problems.join('\n')}` : ''}`);
} finally {
  await browser.close();
  server.close();
}
