// The datasets' new controls by every way in: axe-core on the preview dialog and on the page training on a person's
// set (light and dark: no serious or critical violation); the keyboard alone from "Use your images…" to training on
// them; and a phone (390 × 844, touch): a finger draws, a tap adds the drawing to "my set", nothing scrolls sideways.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grayPng } from '../unit/fixtures/ingest/images.mjs';
import { openPage, seriousViolations, servedRepository, swipe } from './browser.mjs';

const session = servedRepository();


/** Six small labelled images, two classes, and a text file that is skipped (so the preview lists it). */
const FILES = [
  ...Array.from({ length: 6 }, (_, i) => ({
    name: `label_${i % 2 ? 'bar' : 'slash'}_${i}.png`, mimeType: 'image/png',
    buffer: Buffer.from(grayPng(40, 40, (x, y) => ((i % 2 ? Math.abs(x - 20) < 3 : Math.abs(x - y) < 3) && y > 6 && y < 34 ? 0 : 255))),
  })),
  { name: 'readme.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
];

const shadow = (page, selector) => page.locator(`vae-playground >> ${selector}`);
const previewReady = (page) => shadow(page, '[data-answer="train"]').waitFor({ state: 'visible', timeout: 60_000 });

for (const scheme of ['light', 'dark']) {
  test(`the preview dialog, then the page on the person's set, in ${scheme} mode: no serious or critical violation`, async () => {
    const { page, problems } = await openPage(session.browser, `${session.url}#epochs=1`);
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(() => document.querySelector('vae-playground').addEventListener('ready', () => (window.__ready = (window.__ready ?? 0) + 1)));
    await page.waitForFunction(() => document.querySelector('vae-playground').shadowRoot.querySelector('.images-file'));
    await shadow(page, '.images-file').setInputFiles(FILES);
    await previewReady(page);
    assert.deepEqual(await seriousViolations(page), [], 'the preview dialog');
    await shadow(page, '[data-answer="train"]').click();
    await page.waitForFunction(() => document.querySelector('vae-playground').datasetId === 'own', null, { timeout: 30_000 });
    await page.waitForTimeout(500);
    assert.deepEqual(await seriousViolations(page), [], 'the page training on the set');
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('keyboard only: "Use your images…" opens the picker, the preview takes focus, Tab and Enter train on them', async () => {
  const { page, problems } = await openPage(session.browser, `${session.url}#epochs=1`);
  await page.evaluate(() => document.querySelector('vae-playground').addEventListener('ready', () => (window.__ready = true)));
  await page.waitForFunction(() => window.__ready, null, { timeout: 60_000 });
  await shadow(page, 'label.file:has(.images-file)').focus();
  const chooser = page.waitForEvent('filechooser');
  // (a round trip first: the chooser's interception is switched on asynchronously)
  assert.match(await page.evaluate(() => document.querySelector('vae-playground').shadowRoot.activeElement?.textContent), /^Use your images…/, 'focused');
  await page.keyboard.press('Enter');
  await (await chooser).setFiles(FILES);
  await previewReady(page);
  const focused = () => page.evaluate(() => document.querySelector('vae-playground').shadowRoot.activeElement?.dataset.answer ?? null);
  assert.equal(await focused(), 'cancel', 'the safe choice has the focus');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'mix');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'train');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('vae-playground').datasetId === 'own', null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').shadowRoot.querySelector('dialog[part="preview"]').open), false);
  assert.deepEqual(problems, []);
  await page.close();
});


test('390 × 844 with touch: a finger draws, a tap adds the drawing to "my set" with its label, the dataset choice fits', async () => {
  const context = await session.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${session.url}#epochs=1`);
  await page.evaluate(() => document.querySelector('vae-playground').addEventListener('trained', () => (window.__trained = true)));
  await page.waitForFunction(() => window.__trained, null, { timeout: 90_000 });
  const pad = shadow(page, 'canvas.pad');
  await pad.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const label = shadow(page, '.set-label');
  await label.tap();
  await label.fill('one');
  for (let n = 1; n <= 3; n++) {
    await pad.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    const p = await pad.boundingBox();
    await swipe(page, Array.from({ length: 10 }, (_, i) => [p.x + p.width * (0.45 + n * 0.03), p.y + p.height * (0.15 + i * 0.07)]));
    const add = shadow(page, '[data-action="add-to-set"]');
    await page.waitForFunction(() => !document.querySelector('vae-playground').shadowRoot.querySelector('[data-action="add-to-set"]').disabled, null, { timeout: 20_000 });
    // The verdict's last words (the classifier's) can rewrap the line above the buttons: tap once it has them.
    await page.waitForFunction(() => /looks like/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.panel.draw .verdict').textContent), null, { timeout: 30_000 });
    // In Chromium's emulated touch a tap dispatched within a few hundred milliseconds of a stroke's end gets
    // pointer and touch events but no click (with a pause every tap clicks; a finger takes that long to move over).
    await page.waitForTimeout(500);
    await add.tap();
    const expected = `My set: ${n} image${n === 1 ? '' : 's'} (one: ${n}).`;
    await page.waitForFunction((expected) => document.querySelector('vae-playground').shadowRoot.querySelector('.set-count').textContent === expected, expected, { timeout: 10_000 })
      .catch(async () => assert.fail(`expected "${expected}", the widget says "${await shadow(page, '.set-count').textContent()}"`));
  }
  const select = shadow(page, 'select[data-attr="dataset"]');
  await select.scrollIntoViewIfNeeded();
  assert.equal(await select.locator('option[value="own"]').evaluate((o) => o.disabled), false, '"Your images" can be chosen once there are some');
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(widths[0] <= widths[1], `no sideways scrolling: ${widths}`);
  assert.deepEqual(problems, []);
  await context.close();
});
