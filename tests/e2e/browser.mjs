// Debian's Chromium driven by playwright-core (no browser download), with the flags this machine needs as root.
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/** Opens url in a fresh page that records console errors, page errors and long main-thread tasks. */
export async function openPage(browser, url, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(url);
  return { page, problems };
}

/**
 * For one test file: the repository served on loopback and one Chromium, both closed after the file's tests.
 * `url` and `browser` are set once the file's `before` has run.
 */
export function servedRepository() {
  const session = { url: '', browser: null };
  let server;
  before(async () => {
    ({ server, url: session.url } = await serve('.'));
    session.browser = await launch();
  });
  after(async () => {
    await session.browser?.close();
    server?.close();
  });
  return session;
}
