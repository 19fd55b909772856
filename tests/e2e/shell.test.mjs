// The element as a sturdy shell, each test guarding a way it used to break: embedding from another origin, a second
// training loop, an unbounded chart, decode() after a fatal error, moving the element, bad URL and integer
// attributes, and a smaller data set. The widget comes from the packed tarball, as a consumer gets it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { serve } from '../../scripts/serve.mjs';
import { dragAcross, launch, openPage, watchMainThread, trainingWorkers } from './browser.mjs';

const repo = resolve('.');
let project, browser;
const servers = [];

/** Serves all of `dir` (a folder this test built) with the given options and remembers to close it. */
async function serveDir(dir, options) {
  const served = await serve(dir, { paths: 'all', ...options });
  servers.push(served.server);
  return served.url;
}

before(async () => {
  project = mkdtempSync(join(tmpdir(), 'vae-shell-'));
  // The package as a CDN would hold it: the packed tarball, unpacked.
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], { cwd: repo, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(output.slice(output.search(/^\[/m)));
  mkdirSync(join(project, 'cdn'));
  execFileSync('tar', ['-xzf', join(project, filename), '-C', join(project, 'cdn')]);
  mkdirSync(join(project, 'site'));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const server of servers) server.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

const EVENT_RECORDER = `<script>
  window.__events = [];
  for (const el of document.querySelectorAll('vae-playground'))
    for (const type of ['ready', 'progress', 'epoch', 'latentchange', 'trained', 'error'])
      el.addEventListener(type, (e) => window.__events.push({ id: el.id, type, detail: e.detail }));
</script>`;

/** A page on the "site" server whose widget module comes from `moduleUrl`. */
function writePage(name, moduleUrl, body, recorder = EVENT_RECORDER) {
  writeFileSync(join(project, 'site', name), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module" src="${moduleUrl}"></script>
${body}
${recorder}`);
}

const eventsOf = (page, id, type) =>
  page.evaluate(([id, type]) => window.__events.filter((e) => e.id === id && e.type === type).map((e) => e.detail), [id, type]);
const waitForEvent = (page, id, type, count = 1, timeout = 30_000) =>
  page.waitForFunction(([id, type, count]) => window.__events.filter((e) => e.id === id && e.type === type).length >= count, [id, type, count], { timeout });

describe('embedding from another origin (module, worker, wasm and digits on a CDN with CORS)', () => {
  for (const isolate of [false, true]) {
    test(`${isolate ? 'a cross-origin-isolated page (COOP/COEP)' : 'a plain page (no COOP/COEP, like most blogs)'} trains the widget`, async () => {
      const cdn = await serveDir(join(project, 'cdn'), { cors: true, isolate: false });
      const site = await serveDir(join(project, 'site'), { isolate });
      const moduleUrl = `${cdn}package/dist/vae-playground.js`;
      assert.notEqual(new URL(cdn).origin, new URL(site).origin, 'two origins');
      // Two Workers asked: the share Worker starts through the same blob: shim; only the isolated page can share memory.
      writePage(`embed-${isolate}.html`, moduleUrl, '<vae-playground id="w" epochs="0" workers="2"></vae-playground>');
      const { page, problems } = await openPage(browser, `${site}embed-${isolate}.html`);
      await waitForEvent(page, 'w', 'ready');
      assert.equal(await page.evaluate(() => window.crossOriginIsolated), isolate);
      await page.evaluate(() => document.getElementById('w').train());
      await waitForEvent(page, 'w', 'progress', 3);
      const status = () => page.evaluate(() => document.getElementById('w').shadowRoot.querySelector('.status').textContent);
      const team = isolate ? /2 Workers · shared memory/ : /2 Workers · by messages/;
      await page.waitForFunction((source) => new RegExp(source).test(document.getElementById('w').shadowRoot.querySelector('.status').textContent), team.source, { timeout: 10_000 }).catch(() => {});
      assert.match(await status(), team);
      {
        // Workers started through the shim have blob: addresses: the training worker is the one with diagnostics.
        const shared = async () => {
          for (const worker of page.workers()) {
            const info = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics?.team() ?? null);
            if (info) return info.sharedSteps;
          }
          return 0;
        };
        for (let i = 0; i < 100 && (await shared()) === 0; i++) await page.waitForTimeout(100);
        assert.ok((await shared()) > 0, 'steps are shared with a share Worker started through the shim');
      }
      assert.deepEqual(await eventsOf(page, 'w', 'error'), []);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
});

describe('one widget', () => {
  let page, problems, site;
  before(async () => {
    site = await serveDir(join(project, 'site'), { isolate: false });
    // Served from the same origin here: the package lives under site/pkg.
    execFileSync('cp', ['-r', join(project, 'cdn', 'package'), join(project, 'site', 'pkg')]);
    writePage('one.html', './pkg/dist/vae-playground.js', `<div id="left"><vae-playground id="w" epochs="0" seed="3"></vae-playground></div><div id="right"></div>`);
    ({ page, problems } = await openPage(browser, `${site}one.html`));
    await waitForEvent(page, 'w', 'ready');
  });
  after(() => page.close());

  test('pause(); train() and reset(); train() in one tick never start a second training loop', async () => {
    await page.evaluate(() => document.getElementById('w').train());
    await waitForEvent(page, 'w', 'progress', 2);
    await page.evaluate(() => {
      const w = document.getElementById('w');
      for (let i = 0; i < 10; i++) {
        w.pause();
        w.train();
        w.reset();
        w.train();
      }
    });
    const before = (await eventsOf(page, 'w', 'progress')).length;
    await waitForEvent(page, 'w', 'progress', before + 5);
    const [worker] = trainingWorkers(page);
    const loops = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics);
    assert.equal(loops.activeLoops, 1, 'one loop is training');
    assert.equal(loops.maxActiveLoops, 1, 'there never were two');
    await page.evaluate(() => document.getElementById('w').pause());
    await page.waitForFunction(() => !document.getElementById('w').running);
  });

  test('moving the element keeps the model and the worker; listeners do not pile up', async () => {
    const z = [0.4, -0.9];
    const before = await page.evaluate(async (z) => Array.from(await document.getElementById('w').decode(z)), z);
    const listenersBefore = await latentListenerCount(page);
    for (let i = 0; i < 3; i++) {
      await page.evaluate((to) => {
        const w = document.getElementById('w');
        document.getElementById(to).append(w); // removed and inserted in one task, as frameworks do
      }, i % 2 === 0 ? 'right' : 'left');
      await page.waitForTimeout(200);
    }
    const after = await page.evaluate(async (z) => Array.from(await document.getElementById('w').decode(z)), z);
    assert.deepEqual(after, before, 'the same trained model decodes the same z after the moves');
    assert.equal(trainingWorkers(page).length, 1, 'the same single worker');
    assert.equal(await latentListenerCount(page), listenersBefore, 'no listeners added by re-connecting');
    await page.evaluate(() => document.getElementById('w').train());
    const n = (await eventsOf(page, 'w', 'progress')).length;
    await waitForEvent(page, 'w', 'progress', n + 2);
    await page.evaluate(() => document.getElementById('w').pause());
    await page.waitForFunction(() => !document.getElementById('w').running);
  });

  test('pause, then every drag and every arrow key changes the digit’s pixels', async () => {
    await page.evaluate(() => document.getElementById('w').pause());
    await page.waitForFunction(() => !document.getElementById('w').running);
    await page.waitForTimeout(400); // the last decoder snapshot from training has landed
    const canvas = page.locator('#w >> .latent canvas');
    let previous = await digitPixels(page);
    for (const to of [[0.3, 0.3], [0.7, 0.6], [0.5, 0.9]]) {
      await dragAcross(page, canvas, [0.5, 0.5], to, 4);
      await page.waitForTimeout(80);
      const now = await digitPixels(page);
      assert.notDeepEqual(now, previous, `dragging to (${to}) changed the digit`);
      previous = now;
    }
    await canvas.focus();
    for (const key of ['ArrowLeft', 'ArrowUp', 'ArrowRight', 'ArrowDown', 'Shift+ArrowLeft', 'Home']) {
      await page.keyboard.press(key);
      await page.waitForTimeout(80);
      const now = await digitPixels(page);
      assert.notDeepEqual(now, previous, `${key} changed the digit`);
      previous = now;
    }
    assert.match(await canvas.getAttribute('aria-valuetext'), /^z = \(0\.00, 0\.00\)$/, 'Home goes to the origin');
  });

  test('integers are checked before Rust sees them: the message names the attribute and the text', async () => {
    const before = (await eventsOf(page, 'w', 'error')).length;
    for (const value of ['-5', String(2 ** 32 + 128)]) {
      await page.evaluate((v) => document.getElementById('w').setAttribute('hidden-units', v), value);
    }
    await waitForEvent(page, 'w', 'error', before + 2);
    const messages = (await eventsOf(page, 'w', 'error')).slice(before).map((e) => e.message);
    assert.equal(messages[0], 'hidden-units="-5" is out of range: a whole number from 0 to 4294967295 at most');
    assert.equal(messages[1], 'hidden-units="4294967424" is out of range: a whole number from 0 to 4294967295 at most');
    assert.equal(await page.evaluate(() => document.getElementById('w').hiddenUnits), 128, 'the value in force stays');
    await page.evaluate(() => document.getElementById('w').setAttribute('hidden-units', '5000'));
    await waitForEvent(page, 'w', 'error', before + 3);
    assert.match((await eventsOf(page, 'w', 'error')).at(-1).message, /^hidden-units="5000": hidden units = 5000 is not allowed: a whole number from 1 to 4096/);
    assert.equal(await page.evaluate(() => document.getElementById('w').shadowRoot.querySelector('[data-attr="hidden-units"]').max), '4096', 'the input shows the Rust limit');
  });

  test('a real removal ends the worker, and decode() then rejects at once', async () => {
    const closed = new Promise((done) => trainingWorkers(page)[0].once('close', done));
    const outcome = await page.evaluate(async () => {
      const w = document.getElementById('w');
      w.remove();
      await new Promise((r) => setTimeout(r, 50));
      const settle = (p) => Promise.race([p.then(() => 'resolved', (e) => `rejected: ${e.message}`), new Promise((r) => setTimeout(() => r('still waiting'), 1000))]);
      return { decode: await settle(w.decode([0, 0])), encode: await settle(w.encode(new Float32Array(784))) };
    });
    await closed;
    assert.match(outcome.decode, /^rejected: .*removed/);
    assert.match(outcome.encode, /^rejected: /);
    assert.deepEqual(problems, []);
  });
});

/** The number of event listeners on the latent canvas, from the DevTools protocol. */
async function latentListenerCount(page) {
  const cdp = await page.context().newCDPSession(page);
  const { result } = await cdp.send('Runtime.evaluate', { expression: "document.getElementById('w').shadowRoot.querySelector('.latent canvas')" });
  const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
  await cdp.detach();
  return listeners.length;
}

const digitPixels = (page) =>
  page.evaluate(() => {
    const canvas = document.getElementById('w').shadowRoot.querySelector('.digit canvas');
    return Array.from(canvas.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0));
  });

describe('attributes that cannot be used', () => {
  test('unparsable weights and data URLs are error events naming the attribute; the widget still works', async () => {
    const site = await serveDir(join(project, 'site'), { isolate: false });
    writePage('bad-urls.html', './pkg/dist/vae-playground.js',
      '<vae-playground id="bw" weights="http://[::1"></vae-playground><vae-playground id="bd" data="http://[ also-bad.gz"></vae-playground>');
    const { page } = await openPage(browser, `${site}bad-urls.html`);
    for (const id of ['bw', 'bd']) await waitForEvent(page, id, 'ready');
    const [weightsError] = await eventsOf(page, 'bw', 'error');
    const [dataError] = await eventsOf(page, 'bd', 'error');
    assert.equal(weightsError.message, 'weights="http://[::1" is not a URL the browser can read; starting from fresh weights.');
    assert.equal(dataError.message, 'data="http://[" is not a URL the browser can read; using the bundled digits.');
    const [ready] = await eventsOf(page, 'bd', 'ready');
    assert.equal(ready.trainSize, 9000, 'the bundled digits');
    await page.evaluate(() => document.getElementById('bw').train());
    await waitForEvent(page, 'bw', 'progress', 2);
    await page.close();
  });

  test('decode() and encode() after a fatal error reject at once with the error', async () => {
    const site = await serveDir(join(project, 'site'), { isolate: false });
    writePage('fatal.html', './pkg/dist/vae-playground.js', '<vae-playground id="f"></vae-playground>');
    const page = await browser.newPage();
    await page.route('**/mnist-10k-labels.idx1-ubyte.gz', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(`${site}fatal.html`);
    await page.waitForFunction(() => window.__events.some((e) => e.type === 'error'), null, { timeout: 20_000 });
    const outcome = await page.evaluate(async () => {
      const f = document.getElementById('f');
      const settle = (p) => Promise.race([p.then(() => 'resolved', (e) => `rejected: ${e.message}`), new Promise((r) => setTimeout(() => r('still waiting'), 1000))]);
      return { decode: await settle(f.decode([0, 0])), encode: await settle(f.encode(new Float32Array(784))) };
    });
    assert.match(outcome.decode, /^rejected: Could not fetch the digits bundled with vae-playground \(labels\)/);
    assert.match(outcome.encode, /^rejected: Could not fetch the digits bundled/);
    await page.close();
  });
});

describe('the data attribute with a smaller data set', () => {
  test('600 digits: ready reports 540 / 60 and no error fires', async () => {
    const site = await serveDir(join(project, 'site'), { isolate: false });
    const take = (file, header, itemBytes, n) => {
      const raw = gunzipSync(readFileSync(join(repo, 'data', file)));
      const out = Buffer.from(raw.subarray(0, header + n * itemBytes));
      out.writeUInt32BE(n, 4);
      return gzipSync(out);
    };
    writeFileSync(join(project, 'site', 'small-images.gz'), take('mnist-10k-images.idx3-ubyte.gz', 16, 784, 600));
    writeFileSync(join(project, 'site', 'small-labels.gz'), take('mnist-10k-labels.idx1-ubyte.gz', 8, 1, 600));
    writePage('small.html', './pkg/dist/vae-playground.js', '<vae-playground id="s" data="small-images.gz small-labels.gz"></vae-playground>');
    const { page, problems } = await openPage(browser, `${site}small.html`);
    await waitForEvent(page, 's', 'ready');
    const [ready] = await eventsOf(page, 's', 'ready');
    assert.deepEqual([ready.trainSize, ready.testSize, ready.stepsPerEpoch], [540, 60, 5]);
    await page.evaluate(() => document.getElementById('s').train());
    await waitForEvent(page, 's', 'epoch', 1);
    assert.deepEqual(await eventsOf(page, 's', 'error'), []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('the loss chart stays bounded', () => {
  test('500,000 synthetic steps: no exception, and a repaint costs under 4 ms', async () => {
    const site = await serveDir(join(project, 'site'), { isolate: false });
    // The chart view alone, bundled for the test page: it draws whatever LossHistory it is given.
    await build({
      stdin: {
        contents: `import { ChartView } from './www/views/chart.ts'; import { LossHistory } from './www/views/loss-history.ts';
          window.ChartView = ChartView; window.LossHistory = LossHistory;`,
        resolveDir: repo, loader: 'ts',
      },
      outfile: join(project, 'site', 'chart-bundle.js'), bundle: true, format: 'esm', logLevel: 'error',
    });
    writeFileSync(join(project, 'site', 'chart.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
      <div id="host" style="width:600px;height:200px"></div><script type="module" src="chart-bundle.js"></script>`);
    const { page, problems } = await openPage(browser, `${site}chart.html`);
    await page.waitForFunction(() => window.ChartView);
    const result = await page.evaluate(async () => {
      const history = new window.LossHistory();
      const view = new window.ChartView();
      view.mount(document.getElementById('host'));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const triples = new Float32Array(3 * 5000);
      const times = [];
      for (let chunk = 0; chunk < 100; chunk++) {
        for (let i = 0; i < 5000; i++) {
          const step = chunk * 5000 + i;
          triples[3 * i] = 160 + 380 * Math.exp(-step / 2000) + (step % 997 === 0 ? 300 : Math.sin(step) * 4);
          triples[3 * i + 1] = triples[3 * i] - 6;
          triples[3 * i + 2] = 6 + Math.cos(step) * 0.2;
        }
        history.addSteps(triples);
        if (chunk % 10 === 9) history.addEpoch(165, 6);
        view.update({ history });
        const start = performance.now();
        view.paintNow();
        // Reading a pixel makes the canvas rasterise now: the drawing calls alone would time only their recording.
        document.querySelector('#host canvas').getContext('2d').getImageData(0, 0, 1, 1);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const pixels = document.querySelector('#host canvas').getContext('2d').getImageData(0, 0, 600, 200).data;
      let ink = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) ink++;
      return { steps: history.loss.steps, buckets: history.loss.length, median: times[50], worst: times.at(-1), ink };
    });
    assert.equal(result.steps, 500_000);
    assert.ok(result.buckets <= 2000, `${result.buckets} buckets`);
    assert.ok(result.ink > 2000, 'the chart drew its curves');
    assert.ok(result.median < 4, `median repaint ${result.median.toFixed(2)} ms (worst ${result.worst.toFixed(2)} ms)`);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('batch-size 8, epochs 0, two minutes of training: no main-thread task over 50 ms, a flat JS heap', async () => {
    const site = await serveDir(join(project, 'site'), { isolate: false });
    // This page keeps only the latest progress event, so nothing but the widget could make the heap grow.
    writePage('long.html', './pkg/dist/vae-playground.js', '<vae-playground id="l" batch-size="8" epochs="0" autostart></vae-playground>',
      `<script>document.getElementById('l').addEventListener('progress', (e) => (window.__lastProgress = e.detail));</script>`);
    const { page, problems } = await openPage(browser, `${site}long.html`);
    await page.waitForFunction(() => document.getElementById('l').running, null, { timeout: 30_000 });
    const cdp = await page.context().newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    // From 2 s in: a cold browser's first second of training (wasm tier-up, every view's first frame) is what the
    // playground page's test watches; this one watches the two minutes of steady training after it.
    await page.waitForTimeout(2000);
    // Watched in two stretches: the forced garbage collections that measure the heap are the test's, not the page's.
    let mainThread = await watchMainThread(page);
    await page.waitForTimeout(28_000);
    const first = await mainThread.stop();
    const early = await heap();
    mainThread = await watchMainThread(page);
    await page.waitForTimeout(92_000);
    const second = await mainThread.stop();
    const late = await heap();
    const steps = await page.evaluate(() => window.__lastProgress.step);
    const tasks = [...first.tasks, ...second.tasks];
    const overCpu = [...first.overCpu, ...second.overCpu];
    await cdp.detach();
    assert.ok(steps > 20_000, `${steps} steps of 8 images in two minutes`);
    assert.deepEqual(overCpu, [], `no main-thread task over 50 ms (over 50 ms of wall-clock: ${JSON.stringify(tasks)})`);
    assert.ok(late - early < 1_000_000, `JS heap grew ${((late - early) / 1e6).toFixed(2)} MB from 30 s to 120 s (${steps} steps)`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
