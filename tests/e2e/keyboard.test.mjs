// The keyboard alone: start and pause, move the latent point, change a setting and answer the dialog it opens
// (both ways), export — with a visible focus ring on the way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPage, servedRepository } from './browser.mjs';

const session = servedRepository();

/** What has the focus inside the widget, as a short description. */
const focused = (page) => page.evaluate(() => {
  const inner = document.activeElement?.shadowRoot?.activeElement;
  if (!inner) return null;
  return inner.dataset.action ?? inner.dataset.attr ?? inner.dataset.answer ?? inner.getAttribute('role') ?? inner.tagName.toLowerCase();
});

/** Presses Tab until `what` has the focus (at most 60 times). */
async function tabTo(page, what) {
  for (let i = 0; i < 60; i++) {
    if ((await focused(page)) === what) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${what}`);
}

test('keyboard only: pause and train, drag by keys, change a setting through the dialog, export', async () => {
  const { page, problems } = await openPage(session.browser, `${session.url}#epochs=0`);
  await page.evaluate(() => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of ['ready', 'latentchange', 'error']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
  });
  const running = () => page.evaluate(() => document.querySelector('vae-playground').running);
  await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 30_000 });

  await tabTo(page, 'toggle');
  const ring = await page.evaluate(() => getComputedStyle(document.querySelector('vae-playground').shadowRoot.activeElement).outlineStyle);
  assert.notEqual(ring, 'none', 'the focused button shows a focus ring');
  // A person presses again once the button says what it will do: the toggle acts on what it shows, and the view
  // redraws it on the next animation frame after the worker's news (a busy page draws later).
  const shows = (label) =>
    page.waitForFunction((label) => document.querySelector('vae-playground').shadowRoot.querySelector('[data-action="toggle"]').textContent === label, label);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.querySelector('vae-playground').running);
  await shows('Train');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('vae-playground').running);
  await shows('Pause');
  await page.waitForTimeout(1500); // some training, so a structural change has something to lose
  await page.keyboard.press('Space');
  await page.waitForFunction(() => !document.querySelector('vae-playground').running);

  await tabTo(page, 'slider');
  const before = await page.evaluate(() => document.querySelector('vae-playground').z);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowUp');
  await page.waitForTimeout(100);
  const after = await page.evaluate(() => document.querySelector('vae-playground').z);
  assert.ok(after[0] > before[0] && after[1] > before[1], `${before} → ${after}`);

  // A structural setting: the dialog asks; Escape keeps the model and the value in force.
  const z = [0.2, 0.2];
  const decoded = await page.evaluate(async (z) => Array.from(await document.querySelector('vae-playground').decode(z)), z);
  await tabTo(page, 'hidden-units');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('64');
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelector('vae-playground').shadowRoot.querySelector('dialog').open);
  assert.equal(await focused(page), 'no', 'the safe choice has the focus');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('vae-playground').shadowRoot.querySelector('dialog').open);
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').shadowRoot.querySelector('[data-attr="hidden-units"]').value), '128');
  assert.deepEqual(await page.evaluate(async (z) => Array.from(await document.querySelector('vae-playground').decode(z)), z), decoded, 'the model is kept');

  // Again, and this time go ahead with the keyboard.
  const readyCount = await page.evaluate(() => window.__events.filter((e) => e.type === 'ready').length);
  await tabTo(page, 'hidden-units');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('64');
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelector('vae-playground').shadowRoot.querySelector('dialog').open);
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'yes');
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => window.__events.filter((e) => e.type === 'ready').length > n, readyCount, { timeout: 20_000 });
  const ready = await page.evaluate(() => window.__events.filter((e) => e.type === 'ready').at(-1).detail);
  assert.equal(ready.hidden, 64, 'a new model with 64 hidden units');
  assert.equal(await running(), false);

  await tabTo(page, 'export');
  const download = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  assert.match((await download).suggestedFilename(), /^vae-h64-z2-epoch\d+\.safetensors$/);
  assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.type === 'error')), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a value the form refuses is said under the form in the field’s words, tied to the field; the next good value clears it', async () => {
  const { page, problems } = await openPage(session.browser, `${session.url}#epochs=0`);
  await page.evaluate(() => {
    window.__errors = [];
    document.querySelector('vae-playground').addEventListener('error', (e) => window.__errors.push(e.detail.message));
  });
  await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 30_000 });
  await tabTo(page, 'beta');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('-1');
  await page.keyboard.press('Tab');
  const problem = page.locator('vae-playground >> .field-problem');
  await problem.waitFor({ state: 'visible' });
  assert.equal(await problem.textContent(), 'β (KL weight) = -1 is not allowed: a finite number ≥ 0 (1 is the plain VAE). It stays 1.');
  const beta = page.locator('vae-playground >> [data-attr="beta"]');
  assert.equal(await beta.getAttribute('aria-invalid'), 'true');
  assert.equal(await beta.getAttribute('aria-describedby'), 'settings-problem');
  assert.equal(await beta.inputValue(), '1', 'the value in force is back in the field');
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').beta), 1);
  assert.deepEqual(await page.evaluate(() => window.__errors), [], 'said at the field, not as the widget’s error');

  await beta.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2');
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelector('vae-playground').beta === 2);
  assert.equal(await problem.isHidden(), true);
  assert.equal(await beta.getAttribute('aria-invalid'), null);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Tab into Interpolate before it has been on screen lands on its first thumbnail, not past them', async () => {
  const { page, problems } = await openPage(session.browser, `${session.url}#epochs=0`);
  await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 30_000 });
  await page.evaluate(() => document.querySelector('vae-playground').pause());
  // The page at its top, Interpolate far below the fold and never drawn; focus on the control just before it,
  // without scrolling there (as a person tabbing from above arrives).
  const before = await page.evaluate(() => {
    window.scrollTo(0, 0);
    const root = document.querySelector('vae-playground').shadowRoot;
    const section = root.querySelector('[data-section="interpolate"]');
    const focusable = [...root.querySelectorAll('button, input, select, [tabindex="0"]')].filter((e) => !e.disabled && e.getClientRects().length > 0);
    const previous = focusable.filter((e) => section.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_PRECEDING).at(-1);
    previous.focus({ preventScroll: true });
    return { previous: previous.outerHTML.slice(0, 60), below: section.firstElementChild.getBoundingClientRect().top - innerHeight };
  });
  assert.ok(before.below > 200, `Interpolate starts ${before.below} px below the fold`);
  await page.keyboard.press('Tab');
  const now = await page.evaluate(() => {
    const inner = document.querySelector('vae-playground').shadowRoot.activeElement;
    return { className: inner?.className, index: inner?.dataset.index, within: inner?.closest('.panel')?.className };
  });
  assert.deepEqual(now, { className: 'thumb', index: '0', within: 'panel interpolate' }, `after ${before.previous}`);
  // The thumbnail it landed on is the real one once the test digits are in: named, drawn, and it picks.
  const thumb = page.locator('vae-playground >> .interpolate .thumb').first();
  await page.waitForFunction(() => !document.querySelector('vae-playground').shadowRoot.querySelector('.interpolate .thumb').hasAttribute('aria-disabled'));
  assert.equal(await thumb.getAttribute('aria-label'), 'test digit 0');
  assert.equal(await page.evaluate(() => document.querySelector('vae-playground').shadowRoot.activeElement?.dataset.index), '0', 'still focused after it was filled in');
  await page.keyboard.press('Enter');
  assert.equal(await thumb.getAttribute('aria-pressed'), 'true');
  assert.deepEqual(problems, []);
  await page.close();
});
