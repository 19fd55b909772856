// <vae-playground> as a consumer gets it: from the packed npm tarball, installed into a fresh project, used
// without a bundler. Two widgets on one page, the API, events, bad input, and the shipped types.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { dragAcross, launch, openPage, trainingWorkers, evaluators } from './browser.mjs';

const repo = resolve('.');
let project, tarball, server, url, browser;

const ATTRIBUTES_PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module" src="./node_modules/vae-playground/dist/vae-playground.js"></script>
<vae-playground id="own-data" data="./node_modules/vae-playground/dist/data/mnist-10k-images.idx3-ubyte.gz,
  ./node_modules/vae-playground/dist/data/mnist-10k-labels.idx1-ubyte.gz" hidden-units="32"></vae-playground>
<vae-playground id="no-weights" weights="./missing.safetensors"></vae-playground>
<script>
  window.__events = [];
  for (const el of document.querySelectorAll('vae-playground'))
    for (const type of ['ready', 'error'])
      el.addEventListener(type, (e) => window.__events.push({ id: el.id, type, detail: e.detail }));
</script>`;

const WIDGETS_PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module" src="./node_modules/vae-playground/dist/vae-playground.js"></script>
<div style="display:grid;grid-template-columns:1fr 1fr;gap:8px">
  <vae-playground id="a" seed="1" epochs="0"></vae-playground>
  <vae-playground id="b" seed="2" epochs="0"></vae-playground>
</div>
<div id="narrow" style="width:320px"><vae-playground id="c" compact></vae-playground></div>
<script>
  window.__events = [];
  for (const el of document.querySelectorAll('vae-playground'))
    for (const type of ['ready', 'progress', 'epoch', 'latentchange', 'trained', 'error'])
      el.addEventListener(type, (e) => window.__events.push({ id: el.id, type, detail: e.detail }));
</script>`;

before(async () => {
  project = mkdtempSync(join(tmpdir(), 'vae-widget-'));
  // `npm pack` runs the prepack build first (its log comes before the JSON), so a fresh clone packs a complete widget.
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: repo, encoding: 'utf8' });
  const packed = JSON.parse(output.slice(output.search(/^\[/m)));
  tarball = packed[0];
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'widget-consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(project, tarball.filename)], { cwd: project });
  copyFileSync(join(repo, 'examples/embed.html'), join(project, 'embed.html'));
  writeFileSync(join(project, 'widgets.html'), WIDGETS_PAGE);
  writeFileSync(join(project, 'attributes.html'), ATTRIBUTES_PAGE);
  ({ server, url } = await serve(project, { paths: 'all' })); // a consumer's project: its pages and node_modules/
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

const eventsOf = (page, id, type) =>
  page.evaluate(([id, type]) => window.__events.filter((e) => e.id === id && e.type === type).map((e) => e.detail), [id, type]);
const waitForEvent = (page, id, type, count = 1, timeout = 30_000) =>
  page.waitForFunction(([id, type, count]) => window.__events.filter((e) => e.id === id && e.type === type).length >= count, [id, type, count], { timeout });

describe('the npm package', () => {
  test('the tarball holds the module, worker, wasm, digits and types, and nothing of the sources', () => {
    const files = tarball.files.map((f) => f.path).sort();
    for (const needed of [
      'dist/vae-playground.js', 'dist/worker.js', 'dist/evaluator.js', 'dist/share-worker.js', 'dist/preload.js', 'dist/vae_playground_bg.wasm', 'dist/vae_playground_relaxed_bg.wasm', 'dist/types/index.d.ts',
      'dist/types/playground.d.ts', 'dist/data/mnist-10k-images.idx3-ubyte.gz', 'dist/data/mnist-10k-labels.idx1-ubyte.gz',
      'package.json', 'README.md',
    ]) assert.ok(files.includes(needed), `${needed} is in the tarball`);
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('www/') || f.startsWith('target/')), files.join(' '));
  });

  test('a TypeScript consumer compiles against the shipped .d.ts', () => {
    cpSync(join(repo, 'tests/consumer'), join(project, 'consumer'), { recursive: true });
    execFileSync(join(repo, 'node_modules/.bin/tsc'), ['-p', join(project, 'consumer/tsconfig.json')], { encoding: 'utf8' });
  });
});

describe('examples/embed.html, no build step', () => {
  test('both widgets load and train, each in its own worker', async () => {
    const { page, problems } = await openPage(browser, `${url}embed.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('vae-playground')].every((el) => el.running), null, { timeout: 30_000 });
    assert.equal(trainingWorkers(page).length, 2, 'one training worker per widget');
    assert.equal(evaluators(page).length, 2, 'and one evaluator each');
    await page.waitForFunction(() => /epoch \d+: test −ELBO/.test(document.getElementById('log').textContent), null, { timeout: 30_000 });
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('the data and weights attributes', () => {
  test('data loads digits from the given URLs; a weights URL that fails is reported and the widget still works', async () => {
    const { page } = await openPage(browser, `${url}attributes.html`);
    await waitForEvent(page, 'own-data', 'ready');
    const [ready] = await eventsOf(page, 'own-data', 'ready');
    assert.deepEqual([ready.trainSize, ready.testSize, ready.hidden], [9000, 1000, 32]);
    await waitForEvent(page, 'no-weights', 'error');
    const [error] = await eventsOf(page, 'no-weights', 'error');
    assert.match(error.message, /Could not fetch the weights from .*missing\.safetensors: HTTP 404.*check the `weights` attribute.*fresh weights/);
    await waitForEvent(page, 'no-weights', 'ready');
    await page.close();
  });
});

describe('the widget API', () => {
  let page, problems;
  before(async () => {
    ({ page, problems } = await openPage(browser, `${url}widgets.html`));
    for (const id of ['a', 'b', 'c']) await waitForEvent(page, id, 'ready');
  });
  after(() => page.close());

  test('two widgets train independently', async () => {
    await page.evaluate(() => document.getElementById('a').train());
    await waitForEvent(page, 'a', 'progress', 5);
    assert.equal((await eventsOf(page, 'b', 'progress')).length, 0, 'b has not been asked to train');
    await page.evaluate(() => document.getElementById('b').train());
    await waitForEvent(page, 'b', 'progress', 5);
    const [a, b] = await page.evaluate(() => ['a', 'b'].map((id) => document.getElementById(id).running));
    assert.ok(a && b);
    await page.evaluate(() => { document.getElementById('a').pause(); document.getElementById('b').pause(); });
    await page.waitForFunction(() => !document.getElementById('a').running && !document.getElementById('b').running);
    const decoded = await page.evaluate(async () => Promise.all(['a', 'b'].map(async (id) => Array.from(await document.getElementById(id).decode([1, 1])))));
    assert.notDeepEqual(decoded[0], decoded[1], 'different seeds, different models');
  });

  test('latentchange fires on drag with z and 784 pixels', async () => {
    const canvas = page.locator('#a >> .latent canvas');
    const before = (await eventsOf(page, 'a', 'latentchange')).length;
    await dragAcross(page, canvas, [0.5, 0.5], [0.2, 0.8], 5);
    await waitForEvent(page, 'a', 'latentchange', before + 1);
    const last = (await eventsOf(page, 'a', 'latentchange')).at(-1);
    assert.ok(last.z[0] < 0 && last.z[1] < 0, `dragged left and down: ${last.z}`);
    assert.equal(Object.keys(last.pixels).length, 784);
  });

  test('decode, encode, exportWeights and loadWeights round-trip between widgets', async () => {
    const result = await page.evaluate(async () => {
      const [a, b] = ['a', 'b'].map((id) => document.getElementById(id));
      const z = [0.8, -0.3];
      const pixels = await a.decode(z);
      const code = await a.encode(pixels);
      const blob = await a.exportWeights();
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
      await b.loadWeights(blob);
      return {
        range: [Math.min(...pixels), Math.max(...pixels)],
        length: pixels.length,
        code: Array.from(code),
        size: blob.size,
        header,
        same: Array.from(await b.decode(z)).every((v, i) => v === pixels[i]),
      };
    });
    assert.equal(result.length, 784);
    assert.ok(result.range[0] >= 0 && result.range[1] <= 1, String(result.range));
    assert.equal(result.code.length, 2);
    assert.ok(result.code.every(Number.isFinite));
    for (const name of ['enc.fc.weight', 'enc.mu.weight', 'enc.logvar.bias', 'dec.fc.weight', 'dec.out.bias']) {
      assert.ok(result.header.includes(`"${name}"`), `${name} in the exported file`);
    }
    assert.ok(result.size > 800_000, `about 200 k f32 weights: ${result.size} bytes`);
    assert.ok(result.same, 'b decodes exactly as a after loading a’s weights');
  });

  test('a weights file by URL: the weights attribute and loadWeights(url) both start from it', async () => {
    const bytes = await page.evaluate(async () => {
      const a = document.getElementById('a');
      return Array.from(new Uint8Array(await (await a.exportWeights()).arrayBuffer()));
    });
    writeFileSync(join(project, 'model.safetensors'), Buffer.from(bytes));
    const result = await page.evaluate(async () => {
      const z = [-0.6, 1.1];
      const expected = Array.from(await document.getElementById('a').decode(z));
      const fromAttribute = document.createElement('vae-playground');
      fromAttribute.id = 'from-file';
      fromAttribute.setAttribute('weights', 'model.safetensors');
      const ready = new Promise((done) => fromAttribute.addEventListener('ready', done, { once: true }));
      document.body.append(fromAttribute);
      await ready;
      const viaAttribute = Array.from(await fromAttribute.decode(z));
      fromAttribute.remove();
      const b = document.getElementById('b');
      await b.loadWeights('model.safetensors');
      const viaUrl = Array.from(await b.decode(z));
      return { viaAttribute: viaAttribute.every((v, i) => v === expected[i]), viaUrl: viaUrl.every((v, i) => v === expected[i]) };
    });
    assert.deepEqual(result, { viaAttribute: true, viaUrl: true });
  });

  test('bad attributes and ill-fitting weights give error events and keep the last valid state', async () => {
    const before = (await eventsOf(page, 'b', 'error')).length;
    await page.evaluate(() => document.getElementById('b').setAttribute('beta', '-1'));
    await waitForEvent(page, 'b', 'error', before + 1);
    await page.evaluate(() => document.getElementById('b').setAttribute('batch-size', 'abc'));
    await waitForEvent(page, 'b', 'error', before + 2);
    await page.evaluate(() => document.getElementById('b').setAttribute('learning-rate', '0'));
    await waitForEvent(page, 'b', 'error', before + 3);
    const messages = (await eventsOf(page, 'b', 'error')).slice(before).map((e) => e.message);
    assert.match(messages[0], /^beta="-1": beta = -1 is not allowed/);
    assert.match(messages[1], /^batch-size="abc" is not a number/);
    assert.match(messages[2], /^learning-rate="0": learning rate = 0 is not allowed/);
    const kept = await page.evaluate(() => { const b = document.getElementById('b'); return [b.beta, b.batchSize, b.learningRate]; });
    assert.deepEqual(kept, [1, 128, 0.001], 'the last valid settings stay');

    // A safetensors file that lacks most tensors: the error names the first missing one; b keeps its model.
    const outcome = await page.evaluate(async () => {
      const b = document.getElementById('b');
      const header = new TextEncoder().encode(JSON.stringify({ 'enc.fc.weight': { dtype: 'F32', shape: [2, 784], data_offsets: [0, 6272] } }));
      const bytes = new Uint8Array(8 + header.length + 6272);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
      bytes.set(header, 8);
      const before = Array.from(await b.decode([0, 0]));
      let message = null;
      try { await b.loadWeights(new Blob([bytes])); } catch (e) { message = e.message; }
      const after = Array.from(await b.decode([0, 0]));
      return { message, unchanged: before.every((v, i) => v === after[i]) };
    });
    assert.match(outcome.message, /tensor `enc.mu.weight` is missing/);
    assert.ok(outcome.unchanged, 'the model is untouched by a bad file');
    const last = (await eventsOf(page, 'b', 'error')).at(-1);
    assert.match(last.message, /enc.mu.weight/);
    assert.equal(await page.evaluate(() => document.getElementById('b').train() ?? 'ok'), 'ok', 'b still works');
    await waitForEvent(page, 'b', 'progress', (await eventsOf(page, 'b', 'progress')).length + 2);
  });

  test('a compact widget fits in 320 px', async () => {
    const sizes = await page.evaluate(() => {
      const c = document.getElementById('c');
      const rect = c.getBoundingClientRect();
      const latent = c.shadowRoot.querySelector('.latent canvas').getBoundingClientRect();
      const digit = c.shadowRoot.querySelector('.digit canvas').getBoundingClientRect();
      const toolbar = getComputedStyle(c.shadowRoot.querySelector('.toolbar')).display;
      return { width: rect.width, scroll: c.shadowRoot.querySelector('.root').scrollWidth, latent, digit, toolbar };
    });
    assert.ok(sizes.width <= 320 && sizes.scroll <= 320, JSON.stringify(sizes));
    assert.ok(sizes.latent.width > 120 && sizes.digit.width > 60, JSON.stringify(sizes));
    assert.ok(sizes.latent.right <= sizes.digit.left + 1, 'latent panel and digit side by side');
    assert.equal(sizes.toolbar, 'none', 'compact hides the toolbar');
  });

  test('an element removed while it is still loading starts no worker', async () => {
    const before = trainingWorkers(page).length;
    await page.evaluate(() => {
      const el = document.createElement('vae-playground');
      document.body.append(el);
      el.remove(); // before its wasm and digits have loaded
    });
    await page.waitForTimeout(1500);
    assert.equal(trainingWorkers(page).length, before);
  });

  test('removing an element terminates its worker', async () => {
    const before = trainingWorkers(page).length;
    assert.equal(before, 3);
    const closed = new Promise((done) => trainingWorkers(page).forEach((w) => w.once('close', () => done(w.url()))));
    await page.evaluate(() => document.getElementById('c').remove());
    await closed;
    assert.equal(trainingWorkers(page).length, before - 1);
    assert.deepEqual(problems, []);
  });
});
