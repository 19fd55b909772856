// The views beyond the latent panel, on the served page, and the methods behind them: the manifold and random
// samples (Generate), recovery and the classifier. Each asserts numbers or pixels that change because of what the
// test did.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { dragAcross, launch, openPage } from './browser.mjs';

let server, url, browser, page, problems;

before(async () => {
  ({ server, url } = await serve('.'));
  browser = await launch();
  // epochs=6: trained a while, then still, so pixels compared below do not move under the test.
  ({ page, problems } = await openPage(browser, `${url}#epochs=6`));
  await page.evaluate(() => {
    window.__events = [];
    const el = document.querySelector('vae-playground');
    for (const type of ['latentchange', 'trained', 'drawchange', 'recovered', 'interpolated', 'error']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
  });
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'trained'), null, { timeout: 90_000 });
});

const lastEvent = (type) => page.evaluate((type) => window.__events.filter((e) => e.type === type).at(-1)?.detail, type);
const shadow = (selector) => page.locator(`vae-playground >> ${selector}`);

after(async () => {
  await browser?.close();
  server?.close();
});

const lastLatent = () => page.evaluate(() => window.__events.filter((e) => e.type === 'latentchange').at(-1).detail);

/** Gaussian quantile, for the expected cell centres (Acklam's approximation, as in src/generate.rs). */
function quantile(p) {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

describe('Generate', () => {
  test('manifold(n) decodes the grid the main-thread decoder would, cell by cell', async () => {
    const result = await page.evaluate(async () => {
      const el = document.querySelector('vae-playground');
      const grid = await el.manifold(5);
      const centre = await el.decode([0, 0]);
      const middle = grid.subarray(12 * 784, 13 * 784);
      return { length: grid.length, diff: Math.max(...middle.map((v, i) => Math.abs(v - centre[i]))), inRange: grid.every((v) => v >= 0 && v <= 1) };
    });
    assert.equal(result.length, 5 * 5 * 784);
    assert.ok(result.diff < 1e-5, `the middle cell is z = 0: ${result.diff}`);
    assert.ok(result.inRange);
  });

  test('sample(n) draws new digits each call and the same ones for the same seed', async () => {
    const same = await page.evaluate(async () => {
      const el = document.querySelector('vae-playground');
      const [a, b, c, d] = [await el.sample(3), await el.sample(3), await el.sample(3, 7), await el.sample(3, 7)];
      const equal = (x, y) => x.every((v, i) => v === y[i]);
      return { fresh: equal(a, b), seeded: equal(c, d), length: a.length };
    });
    assert.deepEqual(same, { fresh: false, seeded: true, length: 3 * 784 });
  });

  test('clicking a manifold cell moves the latent point to that cell’s code, and the keys pick cells too', async () => {
    const grid = page.locator('vae-playground >> canvas.manifold');
    await grid.scrollIntoViewIfNeeded(); // views below the fold start once scrolled to
    await page.waitForFunction(() => document.querySelector('vae-playground').shadowRoot.querySelector('canvas.manifold').width === 20 * 28);
    await grid.scrollIntoViewIfNeeded();
    const box = await grid.boundingBox();
    await grid.click({ position: { x: (box.width * 0.5) / 20, y: (box.height * 0.5) / 20 } }); // the top-left cell
    await page.waitForTimeout(100);
    const corner = await lastLatent();
    assert.ok(Math.abs(corner.z[0] - quantile(0.5 / 20)) < 1e-5 && Math.abs(corner.z[1] - quantile(19.5 / 20)) < 1e-5, `top-left cell: ${corner.z}`);
    const decoded = await page.evaluate(async (z) => Array.from(await document.querySelector('vae-playground').decode(z)), corner.z);
    assert.deepEqual(Array.from(Object.values(corner.pixels)), decoded, 'the digit shown is that cell’s decode');

    await grid.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(100);
    const next = await lastLatent();
    assert.ok(Math.abs(next.z[0] - quantile(1.5 / 20)) < 1e-5 && Math.abs(next.z[1] - quantile(18.5 / 20)) < 1e-5, `cell (2, 2): ${next.z}`);
    assert.match(await page.locator('vae-playground >> .cell-note').textContent(), /^cell 2, 2: z = \(/);
  });

  test('the manifold is redrawn as training moves the decoder', async () => {
    const read = () => page.evaluate(() => {
      const canvas = document.querySelector('vae-playground').shadowRoot.querySelector('canvas.manifold');
      return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 4 === 0 && i % 7 === 0));
    });
    const before = await read();
    await page.evaluate(() => { const el = document.querySelector('vae-playground'); el.epochs = 7; el.train(); });
    await page.waitForFunction(() => window.__events.filter((e) => e.type === 'trained').length >= 2, null, { timeout: 60_000 });
    await page.waitForTimeout(1500);
    assert.notDeepEqual(await read(), before, 'a third epoch changed the manifold');
  });
});

describe('Draw', () => {
  test('drawing a 1: its code lands nearest the test 1s, the classifier says 1, and Clear removes the marker', async () => {
    const pad = page.locator('vae-playground >> canvas.pad');
    await pad.scrollIntoViewIfNeeded();
    await dragAcross(page, pad, [0.52, 0.15], [0.48, 0.85], 12);
    const verdict = page.locator('vae-playground >> .verdict');
    // Strokes are encoded while drawing, so earlier verdicts may pass by; the last one must be a 1.
    await page.waitForFunction(() => /looks like a 1 \(\d+ %\)$/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.verdict').textContent), null, { timeout: 60_000 });

    const result = await page.evaluate(async () => {
      const gunzip = async (path) => new Uint8Array(await new Response((await fetch(path)).body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
      const [images, labels] = await Promise.all([gunzip('dist/data/mnist-10k-images.idx3-ubyte.gz'), gunzip('dist/data/mnist-10k-labels.idx1-ubyte.gz')]);
      const el = document.querySelector('vae-playground');
      const test = Float32Array.from(images.subarray(16 + 9000 * 784), (v) => v / 255);
      const z = await el.encode(test);
      const sums = Array.from({ length: 10 }, () => [0, 0, 0]);
      for (let i = 0; i < 1000; i++) {
        const s = sums[labels[8 + 9000 + i]];
        s[0] += z[2 * i]; s[1] += z[2 * i + 1]; s[2]++;
      }
      return sums.map(([x, y, n]) => [x / n, y / n]);
    });
    const detail = await page.evaluate(() => window.__events.filter((e) => e.type === 'drawchange').at(-1)?.detail);
    assert.ok(detail, 'a drawchange event');
    const distance = (c) => Math.hypot(c[0] - detail.z[0], c[1] - detail.z[1]);
    const nearest = result.map(distance).reduce((best, d, digit, all) => (d < all[best] ? digit : best), 0);
    assert.equal(nearest, 1, `the drawing's code ${detail.z} is nearest the mean code of the test 1s`);

    await page.locator('vae-playground >> [data-action="clear"]').click();
    assert.match(await verdict.textContent(), /^Draw a digit/);
  });
});

describe('recover and classify', () => {
  test('recover keeps the known pixels exactly and fills the missing ones', async () => {
    const result = await page.evaluate(async () => {
      const el = document.querySelector('vae-playground');
      const digit = await el.decode([0.5, -0.5]);
      const mask = Array.from({ length: 784 }, (_, i) => (i >= 392 ? 1 : 0));
      const damaged = digit.map((v, i) => (mask[i] ? 0 : v));
      const recovered = await el.recover(damaged, mask, 8);
      return {
        known: recovered.slice(0, 392).every((v, i) => v === digit[i]),
        filled: recovered.slice(392).some((v) => v > 0.2),
        length: recovered.length,
      };
    });
    assert.deepEqual(result, { known: true, filled: true, length: 784 });
  });

  test('classify names the digits of the test split (the classifier trains in the worker on first use)', async () => {
    const result = await page.evaluate(async () => {
      const gunzip = async (path) => new Uint8Array(await new Response((await fetch(path)).body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
      const [images, labels] = await Promise.all([gunzip('dist/data/mnist-10k-images.idx3-ubyte.gz'), gunzip('dist/data/mnist-10k-labels.idx1-ubyte.gz')]);
      const el = document.querySelector('vae-playground');
      let correct = 0;
      const sums = [];
      for (let k = 0; k < 40; k++) {
        const index = 9000 + k * 25; // the test split
        const pixels = Array.from(images.subarray(16 + index * 784, 16 + (index + 1) * 784), (v) => v / 255);
        const { digit, probabilities } = await el.classify(pixels);
        if (digit === labels[8 + index]) correct++;
        sums.push(probabilities.reduce((a, b) => a + b, 0));
      }
      return { correct, sums };
    });
    assert.ok(result.correct >= 36, `${result.correct} of 40 test digits`);
    assert.ok(result.sums.every((s) => Math.abs(s - 1) < 1e-4), 'probabilities sum to 1');
    assert.deepEqual(problems, []);
  });

  test('bad arguments are refused with a message that names them', async () => {
    const messages = await page.evaluate(async () => {
      const el = document.querySelector('vae-playground');
      const message = (p) => p.then(() => 'accepted', (e) => e.message);
      return [await message(el.manifold(-3)), await message(el.manifold(200)), await message(el.recover([1, 2], [0, 1]))];
    });
    assert.equal(messages[0], 'manifold: n = -3 is not allowed: a whole number ≥ 0');
    assert.match(messages[1], /grid size = 200 is not allowed: a whole number from 1 to 100/);
    assert.match(messages[2], /recovery input = pixels with 2 values is not allowed: 784 values/);
  });
});

/** Test digits from the bundled files, read in the page (the test split is the last 1,000). */
const TEST_DIGITS = `(async () => {
  const gunzip = async (path) => new Uint8Array(await new Response((await fetch(path)).body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const [images, labels] = await Promise.all([gunzip('dist/data/mnist-10k-images.idx3-ubyte.gz'), gunzip('dist/data/mnist-10k-labels.idx1-ubyte.gz')]);
  return { image: (i) => Array.from(images.subarray(16 + (9000 + i) * 784, 16 + (9001 + i) * 784), (v) => v / 255), label: (i) => labels[8 + 9000 + i] };
})()`;

describe('Recover, Compress, Interpolate, Judge', () => {
  test('Recover: the known half comes back unchanged, and the errors against the mean digit are shown', async () => {
    await shadow('.panel.recover [data-action="recover"]').click();
    await page.waitForFunction(() => window.__events.some((e) => e.type === 'recovered'), null, { timeout: 20_000 });
    const detail = await lastEvent('recovered');
    const original = await page.evaluate(() => {
      const c = document.querySelector('vae-playground').shadowRoot.querySelector('.recover canvas.original');
      return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0), (v) => v / 255);
    });
    const pixels = Object.values(detail.pixels);
    for (let i = 0; i < 392; i++) assert.ok(Math.abs(pixels[i] - original[i]) <= 1 / 255 + 1e-6, `known pixel ${i}`);
    assert.equal(detail.step, 10);
    assert.ok(detail.error > 0 && detail.baselineError > 0);
    assert.match(await shadow('.recover .result').textContent(), /^Step 10: error on the damaged pixels 0\.\d{4} .* mean digit \(0\.\d{4}\)/);
  });

  test('recover() beats filling with the mean digit on half-masked test digits, on average', async () => {
    const result = await page.evaluate(async (source) => {
      const digits = await eval(source);
      const el = document.querySelector('vae-playground');
      const mask = Array.from({ length: 784 }, (_, i) => (i >= 392 ? 1 : 0));
      let mean = new Float32Array(784);
      for (let i = 0; i < 1000; i += 1) { const d = digits.image(i); for (let p = 0; p < 784; p++) mean[p] += d[p] / 1000; }
      let [recovered, baseline] = [0, 0];
      for (let k = 0; k < 60; k++) {
        const digit = digits.image(k * 16);
        const out = await el.recover(digit.map((v, i) => (mask[i] ? 0 : v)), mask, 5);
        for (let p = 392; p < 784; p++) { recovered += (out[p] - digit[p]) ** 2; baseline += (mean[p] - digit[p]) ** 2; }
      }
      return { recovered, baseline };
    }, TEST_DIGITS);
    assert.ok(result.recovered < result.baseline, `recovered ${result.recovered.toFixed(1)} vs mean-digit fill ${result.baseline.toFixed(1)} (summed squared error)`);
  });

  test('Compress: VAE and PCA errors are both shown and differ, per digit over the test split', async () => {
    await shadow('.panel.compress [data-action="stats"]').click();
    await shadow('.compress table.stats').waitFor({ state: 'visible', timeout: 30_000 });
    const rows = await page.evaluate(() => [...document.querySelector('vae-playground').shadowRoot.querySelectorAll('.compress table.stats tbody tr')]
      .map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))));
    assert.equal(rows.length, 2);
    assert.equal(rows[0].length, 10);
    assert.ok(rows.flat().every((v) => v > 0 && v < 0.2), JSON.stringify(rows));
    assert.ok(rows[0].some((v, d) => v !== rows[1][d]), 'VAE and PCA differ');
    // The digit shown was compressed once the view scrolled into sight (PCA is fitted only then).
    await page.waitForFunction(() => /MSE/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.compress .pca-note').textContent));
    assert.match(await shadow('.compress .vae-note').textContent(), /^VAE: 8 bytes \(×98\) · MSE 0\.\d{4}$/);
    assert.match(await shadow('.compress .pca-note').textContent(), /^PCA, 2 components: 8 bytes · MSE 0\.\d{4}$/);
  });

  test('Interpolate: the end frames are the decodes of the two digits’ codes', async () => {
    await shadow('.panel.interpolate').scrollIntoViewIfNeeded();
    await shadow('.interpolate .thumb[data-index="3"]').click();
    await page.waitForFunction(() => window.__events.filter((e) => e.type === 'interpolated').at(-1)?.detail.frames === 10);
    const detail = await lastEvent('interpolated');
    const ends = await page.evaluate(async ({ from, to }) => {
      const el = document.querySelector('vae-playground');
      return [Array.from(await el.decode(from)), Array.from(await el.decode(to))];
    }, detail);
    const latent = Object.values(detail.latent);
    assert.deepEqual(latent.slice(0, 784), ends[0], 'the first frame decodes the first code');
    assert.deepEqual(latent.slice(9 * 784), ends[1], 'the last frame decodes the second code');
    const pixels = Object.values(detail.pixels);
    assert.notDeepEqual(pixels.slice(5 * 784, 6 * 784), latent.slice(5 * 784, 6 * 784), 'pixel blending is not the latent path');
    assert.equal(await shadow('.interpolate .thumb[aria-pressed="true"]').count(), 2);
  });

  test('Judge: coverage shares sum to 1 and the classifier is at least 95 % right', async () => {
    await shadow('.panel.judge [data-action="coverage"]').click();
    await page.waitForFunction(() => /accuracy/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.coverage-note').textContent), null, { timeout: 90_000 });
    const shares = await page.evaluate(() => [...document.querySelector('vae-playground').shadowRoot.querySelectorAll('.shares li')]
      .map((li) => Number(li.querySelector('.bar').style.getPropertyValue('--w').replace('%', ''))));
    assert.equal(shares.length, 10);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 100) < 0.5, `shares sum to ${shares.reduce((a, b) => a + b, 0)} %`);
    const accuracy = Number((await shadow('.coverage-note').textContent()).match(/accuracy ([\d.]+) %/)[1]);
    assert.ok(accuracy >= 95, `classifier accuracy ${accuracy} %`);
    await shadow('.panel.judge [data-action="nearest"]').click();
    await page.waitForFunction(() => /nearest of the training digits/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.nearest-note').textContent));
    const distances = (await shadow('.nearest-note').textContent()).match(/distance ([\d., ]+);/)[1].split(', ').map(Number);
    assert.equal(distances.length, 8);
    assert.ok(distances.every((d) => d > 0), 'samples are not copies of training digits');
  });

  test('the views attribute picks and orders the views; an unknown name is an error naming it', async () => {
    const result = await page.evaluate(async () => {
      const el = document.querySelector('vae-playground');
      const errors = [];
      el.addEventListener('error', (e) => errors.push(e.detail.message));
      el.setAttribute('views', 'judge latent nonsense');
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const sections = [...el.shadowRoot.querySelectorAll('[data-section]')].filter((s) => !s.hidden).map((s) => s.dataset.section);
      el.removeAttribute('views');
      await new Promise((r) => requestAnimationFrame(r));
      const all = [...el.shadowRoot.querySelectorAll('[data-section]')].filter((s) => !s.hidden).length;
      return { sections, errors, all };
    });
    assert.deepEqual(result.sections, ['judge', 'latent']);
    assert.match(result.errors[0], /^views="judge latent nonsense": no view called "nonsense"; the views are latent, generate, draw/);
    assert.equal(result.all, 8);
  });
});
