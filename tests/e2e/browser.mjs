// Debian's Chromium driven by playwright-core (no browser download), with the flags this machine needs as root.
import { readFileSync } from 'node:fs';
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

/** Opens url in a fresh page that records console errors and page errors. */
export async function openPage(browser, url, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, problems };
}

/**
 * The page's training workers, one per element: each starts an evaluator of its own (www/evaluator.ts) and, with
 * several Workers, share Workers (www/share-worker.ts), which this leaves out.
 */
export function trainingWorkers(page) {
  return page.workers().filter((w) => !isEvaluator(w) && !isShareWorker(w));
}

/** The Workers that compute shares of a training worker's steps. */
export function shareWorkers(page) {
  return page.workers().filter(isShareWorker);
}

const isShareWorker = (worker) => worker.url().endsWith('/dist/share-worker.js');

/** The page's evaluators: Workers that compute each epoch's test −ELBO while their training worker goes on. */
export function evaluators(page) {
  return page.workers().filter(isEvaluator);
}

const isEvaluator = (worker) => worker.url().endsWith('/dist/evaluator.js');

let axe = null;

/** Serious and critical axe-core violations on the page as it is now, one line each. */
export async function seriousViolations(page) {
  axe ??= readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
  // Evaluated through DevTools rather than added as an inline <script>, which the page's CSP refuses.
  await page.evaluate(axe);
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.split('\n')[1]?.trim()}`));
}

/** A one-finger drag through `points` (page coordinates), as touch events from the DevTools protocol. */
export async function swipe(page, points) {
  const cdp = await page.context().newCDPSession(page);
  const touch = (type, [x, y]) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
  await touch('touchStart', points[0]);
  for (const p of points.slice(1)) await touch('touchMove', p);
  await touch('touchEnd', points.at(-1));
  await cdp.detach();
}

/**
 * A mouse drag across an element, from one point to another given as fractions of its box (0,0 top left), in `steps`
 * moves: a drag of the latent point, a stroke on the drawing pad. Returns the element's box.
 */
export async function dragAcross(page, locator, [fromX, fromY], [toX, toY], steps = 8) {
  const box = await locator.boundingBox();
  await page.mouse.move(box.x + box.width * fromX, box.y + box.height * fromY);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * toX, box.y + box.height * toY, { steps });
  await page.mouse.up();
  return box;
}

/**
 * Watches the page's main thread (Chrome's trace, in windows of a few seconds so no window's trace grows large) from
 * when the returned promise resolves, and keeps every top-level task that took over `overMs` of wall-clock or of CPU time,
 * with the longest events inside it.
 *
 * Why CPU time: the assertion "no main-thread task over 50 ms" is about the work our code gives the main thread. On a
 * shared 2-core machine the scheduler can pause the renderer mid-task (the training Worker, the test runner and other
 * processes compete for the cores), which stretches a task's wall-clock time without any more work in it. The task's
 * thread time (`tdur`) counts only the time it ran, so it holds the code to the budget and not the machine's load;
 * the wall-clock figure stays in the report beside it.
 */
export async function watchMainThread(page, { overMs = 50, windowMs = 8000 } = {}) {
  const tasks = [];
  let stopping = false;
  let cdp;
  const readTrace = async (stream) => {
    const chunks = [];
    for (;;) {
      const c = await cdp.send('IO.read', { handle: stream, size: 1 << 22 });
      chunks.push(c.base64Encoded ? Buffer.from(c.data, 'base64').toString() : c.data);
      if (c.eof) break;
    }
    await cdp.send('IO.close', { handle: stream });
    const parsed = JSON.parse(chunks.join(''));
    return parsed.traceEvents ?? parsed;
  };
  const start = () =>
    cdp.send('Tracing.start', {
      traceConfig: { includedCategories: ['toplevel', '__metadata', 'devtools.timeline'], recordMode: 'recordAsMuchAsPossible' },
      transferMode: 'ReturnAsStream',
    });
  // What a long task was busy with, so a report says where the time went: the events inside it that ran longest (a
  // function's file, a message handler, a garbage collection, a layout...), by their thread time.
  const inside = (task, onMain) =>
    onMain
      .filter((e) => e !== task && e.tid === task.tid && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur && (e.tdur ?? e.dur) >= 2000)
      .sort((a, b) => (b.tdur ?? b.dur) - (a.tdur ?? a.dur))
      .slice(0, 6)
      .map((e) => {
        const d = e.args?.data ?? {};
        const what = d.functionName || d.type || (d.url ? d.url.split('/').pop() : '');
        return `${e.name}${what ? ` ${what}` : ''} ${Math.round((e.tdur ?? e.dur) / 1000)} ms`;
      });
  const keepLong = (events) => {
    const mainThreads = new Set(
      events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
    );
    const onMain = events.filter((e) => e.ph === 'X' && mainThreads.has(`${e.pid}:${e.tid}`));
    for (const e of onMain) {
      if (e.name !== 'ThreadControllerImpl::RunTask') continue;
      const wallMs = e.dur / 1000;
      const cpuMs = (e.tdur ?? e.dur) / 1000;
      if (wallMs > overMs || cpuMs > overMs) tasks.push({ wallMs: Math.round(wallMs), cpuMs: Math.round(cpuMs), inside: inside(e, onMain) });
    }
  };
  cdp = await page.context().newCDPSession(page);
  await start();
  const running = (async () => {
    for (;;) {
      const started = Date.now();
      while (!stopping && Date.now() - started < windowMs) await new Promise((r) => setTimeout(r, 100));
      const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
      await cdp.send('Tracing.end');
      const { stream } = await complete;
      // The next window starts before this one is read, so the gap between windows stays a few milliseconds.
      if (!stopping) await start();
      keepLong(await readTrace(stream));
      if (stopping) break;
    }
    await cdp.detach();
  })();
  return {
    /** Ends the watch: the tasks over the budget, `overCpu` those whose own running time was over it. */
    async stop() {
      stopping = true;
      await running;
      return { tasks, overCpu: tasks.filter((t) => t.cpuMs > overMs) };
    },
  };
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
