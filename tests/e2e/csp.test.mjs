// A strict Content-Security-Policy: no 'unsafe-inline', no 'unsafe-eval', 'wasm-unsafe-eval' only. The demo page
// ships one (a meta element); the packed widget runs under one a host page sets — the widget served from the page's
// own origin, and from a CDN (another origin, so the worker is a blob: URL that inherits the page's policy).
// Violations are recorded from the first script on (the document's securitypolicyviolation events, each worker's
// once it starts, and every console message that reports one) while the widget trains, is dragged, and every view
// is scrolled to and used; there must be none, and the styles must still apply.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { dragAcross, launch, openPage } from './browser.mjs';

const repo = resolve('.');
let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** The directives of a policy, as a map from name to its sources. */
function directives(policy) {
  return new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name, sources]));
}

/** A policy is strict: nothing inline, no eval, WebAssembly compiled through 'wasm-unsafe-eval' only, a default. */
function assertStrict(policy) {
  assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|'strict-dynamic'|\*/, policy);
  const map = directives(policy);
  assert.deepEqual(map.get('default-src'), ["'none'"], policy);
  assert.ok(map.get('script-src')?.includes("'wasm-unsafe-eval'"), policy);
}

/**
 * Starts recording CSP violations on a page before anything of it runs: the document's events (they are composed, so
 * a shadow root's reach the document), each worker's events once the worker exists, and console messages (page and
 * workers) that report a refusal.
 */
async function watchCsp(page) {
  const reports = [];
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) reports.push(`console${m.worker() ? ' (worker)' : ''}: ${m.text()}`);
  });
  page.on('worker', (worker) => {
    worker.evaluate(() => {
      self.__violations = [];
      self.addEventListener('securitypolicyviolation', (e) => self.__violations.push(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'}`));
    }).catch(() => {});
    worker.on('console', (m) => /Content[- ]Security[- ]Policy|Refused to/i.test(m.text()) && reports.push(`worker console: ${m.text()}`));
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile || 'the document'}:${e.lineNumber}) ${e.sample}`);
    }, true);
  });
  return async () => {
    const inWorkers = [];
    for (const worker of page.workers()) inWorkers.push(...await worker.evaluate(() => self.__violations ?? []).catch(() => []));
    return [...reports, ...await page.evaluate(() => window.__violations), ...inWorkers];
  };
}

const DIGIT_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

/**
 * What a person does with the widget, everywhere a policy could bite: it trains (worker, wasm), the ring is dragged
 * (main-thread wasm), each view is scrolled into sight and used — Generate's grid, a drawing on the Draw pad,
 * a recovery, Compress (PCA), an interpolation, Judge's coverage and nearest digits — the history is exported, the
 * weights exported and loaded back. Then the styles are checked where they are set per element.
 */
async function useEveryView(page) {
  const shadow = (selector) => page.locator(`vae-playground >> ${selector}`);
  await page.evaluate(() => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of ['ready', 'trained', 'latentchange', 'drawchange', 'recovered', 'interpolated', 'error']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
  });
  const waitFor = (type, count = 1, timeout = 90_000) => page.waitForFunction(([type, count]) => window.__events.filter((e) => e.type === type).length >= count, [type, count], { timeout });

  // Train (the page autostarts; an embed is asked to).
  await page.waitForFunction(() => document.querySelector('vae-playground')?.shadowRoot?.querySelector('[data-action="toggle"]:not(:disabled)'), null, { timeout: 60_000 });
  await page.evaluate(() => {
    const el = document.querySelector('vae-playground');
    el.epochs = 1;
    if (!el.running) el.train();
  });
  await waitFor('trained');

  // Drag the ring.
  const latent = shadow('.latent canvas');
  const changes = await page.evaluate(() => window.__events.filter((e) => e.type === 'latentchange').length);
  await dragAcross(page, latent, [0.5, 0.5], [0.7, 0.3]);
  await waitFor('latentchange', changes + 1);

  // Generate: the grid is drawn once scrolled to.
  await shadow('.panel.generate').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('vae-playground').shadowRoot.querySelector('canvas.manifold').width === 20 * 28, null, { timeout: 30_000 });

  // Draw: a stroke on the pad, encoded and named by the classifier.
  const pad = shadow('canvas.pad');
  await pad.scrollIntoViewIfNeeded();
  await dragAcross(page, pad, [0.5, 0.15], [0.5, 0.85], 10);
  await waitFor('drawchange');
  await page.waitForFunction(() => /looks like a \d/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.verdict').textContent), null, { timeout: 90_000 });

  // Recover.
  await shadow('.panel.recover').scrollIntoViewIfNeeded();
  await shadow('.panel.recover [data-action="recover"]').click();
  await waitFor('recovered');

  // Compress: PCA is fitted once the view is in sight.
  await shadow('.panel.compress').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => /MSE/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.compress .pca-note').textContent), null, { timeout: 60_000 });

  // Interpolate.
  await shadow('.panel.interpolate').scrollIntoViewIfNeeded();
  await shadow('.interpolate .thumb[data-index="3"]').click();
  await waitFor('interpolated');

  // Judge: coverage computed, and the nearest training digits.
  await shadow('.panel.judge').scrollIntoViewIfNeeded();
  await shadow('.panel.judge [data-action="coverage"]').click();
  await page.waitForFunction(() => /accuracy/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.coverage-note').textContent), null, { timeout: 90_000 });
  await shadow('.panel.judge [data-action="nearest"]').click();
  await page.waitForFunction(() => /nearest of the training digits/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.nearest-note').textContent), null, { timeout: 30_000 });

  // History: exported (a blob: download).
  await shadow('.panel.history').scrollIntoViewIfNeeded();
  const csv = page.waitForEvent('download');
  await shadow('.history [data-action="csv"]').click();
  assert.match(readFileSync(await (await csv).path(), 'utf8'), /^run,hidden_units/);

  // Settings: the weights exported and loaded back (a file read through the wasm metadata reader).
  await shadow('.settings').scrollIntoViewIfNeeded();
  const loaded = await page.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    await el.loadWeights(await el.exportWeights());
    return el.shadowRoot.querySelector('.error.shown') === null;
  });
  assert.ok(loaded, 'the exported weights load back without a message');

  // Styles apply: the sheet (radius, grid), the legend dots and coverage swatches (per-element colours), the bars
  // (per-element widths, in proportion to the shares).
  const styles = await page.evaluate(() => {
    const root = document.querySelector('vae-playground').shadowRoot;
    const px = (v) => parseFloat(v);
    const legend = [...root.querySelectorAll('.legend span')].map((s) => getComputedStyle(s, '::before').backgroundColor);
    const swatches = [...root.querySelectorAll('.shares .swatch')].map((s) => getComputedStyle(s).backgroundColor);
    const bars = [...root.querySelectorAll('.shares li')].map((li) => [px(getComputedStyle(li.querySelector('.bar')).width), parseFloat(li.lastChild.textContent)]);
    return { radius: getComputedStyle(root.querySelector('.root')).borderTopLeftRadius, display: getComputedStyle(root.querySelector('.root')).display, legend, swatches, bars };
  });
  assert.equal(styles.radius, '10px');
  assert.equal(styles.display, 'grid');
  assert.deepEqual(styles.legend, DIGIT_COLORS.map(rgb));
  assert.deepEqual(styles.swatches, DIGIT_COLORS.map(rgb));
  const [widest] = styles.bars.reduce((best, bar) => (bar[1] > best[1] ? bar : best));
  assert.ok(widest > 0, 'the largest share has a bar');
  for (const [width, share] of styles.bars) {
    const expected = (widest * share) / Math.max(...styles.bars.map((b) => b[1]));
    assert.ok(Math.abs(width - expected) <= 2 + expected * 0.05, `a ${share} % share's bar is ${width}px, expected ~${expected.toFixed(1)}px`);
  }
  assert.deepEqual(await page.evaluate(() => window.__events.filter((e) => e.type === 'error').map((e) => e.detail.message)), []);
}

describe('the demo page under its own policy', () => {
  let server, url;
  before(async () => {
    ({ server, url } = await serve('.'));
  });
  after(() => server?.close());

  test('index.html carries a strict policy as its first child of <head>, and no inline style or script', () => {
    const html = readFileSync('index.html', 'utf8');
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
    assert.ok(meta, 'a CSP meta element');
    assertStrict(meta[1]);
    assert.ok(html.indexOf(meta[0]) < html.search(/<link|<script|<style/), 'the policy comes before anything it governs');
    assert.doesNotMatch(html, /<style|style="|<script(?![^>]*\bsrc=)|\son[a-z]+="/i, 'nothing inline');
  });

  test('trains, drags and every view works with no violation; the styles apply', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const violations = await watchCsp(page);
    await page.goto(`${url}#epochs=1`);
    await useEveryView(page);
    // The page's own stylesheet applied too (the inline <style> it replaced is gone).
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('main')).maxWidth), '1040px');
    assert.deepEqual(await violations(), []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('the packed widget under a host page’s strict policy', () => {
  let project, site, cdn;
  before(async () => {
    project = mkdtempSync(join(tmpdir(), 'vae-csp-'));
    // As a consumer gets it: `npm pack` (which builds first), installed into a fresh project.
    const output = execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: repo, encoding: 'utf8' });
    const [packed] = JSON.parse(output.slice(output.search(/^\[/m)));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'csp-host', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(project, packed.filename)], { cwd: project });
    site = await serve(project, { isolate: false, paths: 'all' });
    cdn = await serve(project, { isolate: false, cors: true, paths: 'all' });
  });
  after(() => {
    site?.server.close();
    cdn?.server.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test('the shipped scripts hold no eval and no new Function', () => {
    const dist = join(project, 'node_modules/vae-playground/dist');
    const scripts = readdirSync(dist).filter((f) => f.endsWith('.js'));
    assert.deepEqual(scripts.sort(), ['evaluator.js', 'preload.js', 'share-worker.js', 'vae-playground.js', 'worker.js']);
    for (const file of scripts) {
      const code = readFileSync(join(dist, file), 'utf8');
      assert.doesNotMatch(code, /\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(\s*["'`]/, `${file} compiles no code from strings`);
    }
  });

  /**
   * A host page that loads the widget from `base` under `policy`, given as the page's first element (a meta
   * element: a page Playwright fulfils itself counts as a public address, and Chromium then refuses its requests to
   * the loopback servers, so the page is a file the test server serves).
   */
  /** Where the training worker had each epoch evaluated ('worker': its evaluator, a Worker of its own). */
  async function evaluationPlace(page) {
    for (const worker of page.workers()) {
      const evaluation = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics?.evaluation() ?? null);
      if (evaluation) return evaluation.place;
    }
    return null;
  }

  async function hostPage(name, base, policy) {
    writeFileSync(join(project, `${name}.html`), `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}"><title>A host page with a strict policy</title>
<script src="${base}node_modules/vae-playground/dist/preload.js"></script>
<script type="module" src="${base}node_modules/vae-playground/dist/vae-playground.js"></script></head>
<body><main><vae-playground epochs="1"></vae-playground></main></body></html>`);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const violations = await watchCsp(page);
    await page.goto(`${site.url}${name}.html`);
    return { page, problems, violations };
  }

  test('same origin: script-src \'self\' \'wasm-unsafe-eval\'; worker-src \'self\'; connect-src \'self\' is all it needs', async () => {
    const policy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'";
    assertStrict(policy);
    const { page, problems, violations } = await hostPage('same-origin', site.url, policy);
    await useEveryView(page);
    assert.equal(await evaluationPlace(page), 'worker', 'the evaluator runs under this policy too');
    assert.deepEqual(await violations(), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  // The worker is a blob: module that imports the real script: a module worker fetches its whole module graph as a
  // worker, so worker-src (not script-src) must allow the CDN as well as blob:.
  test('from a CDN: script-src CDN \'wasm-unsafe-eval\'; worker-src blob: CDN; connect-src CDN is all it needs', async () => {
    const origin = new URL(cdn.url).origin;
    const policy = `default-src 'none'; script-src ${origin} 'wasm-unsafe-eval'; worker-src blob: ${origin}; connect-src ${origin}`;
    assertStrict(policy);
    const { page, problems, violations } = await hostPage('cdn', cdn.url, policy);
    // The page's preload (as the README has embedders add it) is the main thread's one download of the wasm.
    await page.waitForFunction(() => document.querySelector('vae-playground').z.length > 0 && performance.getEntriesByName('vae-playground:first-digit').length > 0, null, { timeout: 60_000 });
    const downloads = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).map((e) => e.initiatorType));
    assert.deepEqual(downloads, ['link'], 'preloaded once, then found by the element');
    await useEveryView(page);
    assert.ok(page.workers().some((w) => w.url().startsWith('blob:')), 'the worker is the blob: shim, under the page’s policy');
    assert.equal(await evaluationPlace(page), 'worker', 'the evaluator, a blob: shim too, runs under this policy');
    assert.deepEqual(await violations(), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the policy is enforced: without \'wasm-unsafe-eval\' the widget says what is wrong, and the refusal is seen', async () => {
    const { page, violations } = await hostPage('no-wasm', site.url, "default-src 'none'; script-src 'self'; worker-src 'self'; connect-src 'self'");
    await page.waitForFunction(() => document.querySelector('vae-playground')?.shadowRoot?.querySelector('.error.shown'), null, { timeout: 60_000 });
    assert.match(await page.locator('vae-playground >> .error p').textContent(), /WebAssembly/);
    assert.ok((await violations()).some((v) => /wasm-eval|script-src/.test(v)), 'the refusal is recorded: the watch sees violations');
    await page.close();
  });
});
