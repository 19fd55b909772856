// A phone: 390 × 844 with touch. Tap the buttons, drag the latent point with a finger, draw a digit with a finger.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servedRepository, swipe } from './browser.mjs';

const session = servedRepository();


test('390 × 844 with touch: tap to pause and train, drag the point, draw a digit', async () => {
  const context = await session.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${session.url}#epochs=0`);
  await page.evaluate(() => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of ['latentchange', 'drawchange']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
  });
  await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 30_000 });
  const toggle = page.locator('vae-playground >> [data-action="toggle"]');
  await toggle.tap();
  await page.waitForFunction(() => !document.querySelector('vae-playground').running);
  await toggle.tap();
  await page.waitForFunction(() => document.querySelector('vae-playground').running);
  await page.waitForTimeout(2000);
  await toggle.tap();
  await page.waitForFunction(() => !document.querySelector('vae-playground').running);

  // The ring and the digit it decodes fit on the screen together: the digit comes right under the latent panel.
  const panel = async (selector) => page.locator(`vae-playground >> ${selector}`).boundingBox();
  const [latentPanel, digitPanel, timelinePanel] = [await panel('.panel.latent'), await panel('.panel.digit'), await panel('.timeline')];
  assert.ok(digitPanel.y > latentPanel.y && digitPanel.y < timelinePanel.y, `the digit under the latent panel, before the timeline: ${JSON.stringify({ latentPanel, digitPanel, timelinePanel })}`);
  assert.ok(digitPanel.y + digitPanel.height - latentPanel.y <= 844, `the latent panel and the digit span ${digitPanel.y + digitPanel.height - latentPanel.y} px, more than the screen`);

  const latent = page.locator('vae-playground >> .latent canvas');
  const box = await latent.boundingBox();
  const scrollBefore = await page.evaluate(() => window.scrollY);
  await swipe(page, Array.from({ length: 8 }, (_, i) => [box.x + box.width * (0.5 + i * 0.04), box.y + box.height * (0.5 - i * 0.04)]));
  await page.waitForTimeout(150);
  const z = await page.evaluate(() => window.__events.filter((e) => e.type === 'latentchange').at(-1).detail.z);
  assert.ok(z[0] > 0.3 && z[1] > 0.3, `a finger dragged the point right and up: ${z}`);
  assert.equal(await page.evaluate(() => window.scrollY), scrollBefore, 'the page did not scroll instead');

  const pad = page.locator('vae-playground >> canvas.pad');
  await pad.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const p = await pad.boundingBox();
  await swipe(page, Array.from({ length: 10 }, (_, i) => [p.x + p.width * 0.5, p.y + p.height * (0.15 + i * 0.07)]));
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'drawchange'), null, { timeout: 20_000 });
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(widths[0] <= widths[1], `no sideways scrolling: ${widths}`);
  assert.deepEqual(problems, []);
  await context.close();
});
