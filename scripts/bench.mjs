// `npm run bench`: figures, printed as JSON; nothing here passes or fails on time.
// Browser (headless Chromium, page cross-origin isolated): training samples/s in a Worker with gemm's SIMD kernel
// and with its scalar kernel, cold (first 100 steps) and warm; main-thread decode latency while training; time from
// navigation to the first decoded digit; wasm size; wasm heap per epoch, in the bench worker and in the page's real
// training worker over 10 epochs. Native: samples/s on one thread.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { gzipSync } from 'node:zlib';
import { launch } from '../tests/e2e/browser.mjs';
import { serve } from './serve.mjs';

const { server, url } = await serve('.');
const browser = await launch();
const result = { machine: `${cpus()[0].model.trim()}, ${cpus().length} cores`, browser: `Chromium ${browser.version()}` };
try {
  // 1. Training throughput, SIMD vs scalar, each in a fresh worker.
  const page = await browser.newPage();
  await page.goto(`${url}bench/index.html`);
  await page.waitForFunction(() => window.__result, null, { timeout: 300_000 });
  const training = await page.evaluate(() => window.__result);
  for (const run of [training.simd, training.scalar]) if (run.error) throw new Error(run.error);
  result.crossOriginIsolated = training.crossOriginIsolated;
  result.train_samples_per_sec = {
    batch: 128,
    simd_kernel: { first_100_steps: training.simd.first100, after_200_warmup_steps: training.simd.warm, kernel_flag: training.simd.simdKernel },
    scalar_kernel: { first_100_steps: training.scalar.first100, after_200_warmup_steps: training.scalar.warm, kernel_flag: training.scalar.simdKernel },
    simd_speedup: +(training.simd.warm / training.scalar.warm).toFixed(2),
  };
  result.wasm_heap_MB_after_epoch = training.simd.heapAfterEpoch;
  await page.close();

  // 2. The playground itself: first digit, then decode latency on the main thread while the worker trains.
  const play = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await play.goto(url);
  await play.waitForFunction(() => performance.getEntriesByName('vae-playground:first-digit').length > 0, null, { timeout: 30_000 });
  result.first_digit_ms_after_navigation = Math.round(await play.evaluate(() => performance.getEntriesByName('vae-playground:first-digit')[0].startTime));
  await play.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 30_000 });
  await play.waitForTimeout(3000);
  result.decode_ms_while_training = await play.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    const times = [];
    for (let i = 0; i < 300; i++) {
      const z = [Math.sin(i / 20) * 2, Math.cos(i / 30) * 2];
      const start = performance.now();
      await el.decode(z);
      times.push(performance.now() - start);
      if (i % 10 === 0) await new Promise(requestAnimationFrame);
    }
    times.sort((a, b) => a - b);
    const at = (p) => +times[Math.floor(times.length * p)].toFixed(3);
    return { p50: at(0.5), p95: at(0.95), samples: times.length, training: el.running };
  });

  // 3. The real worker loop (evaluation, latents and decoder snapshots included): its wasm heap over 10 epochs.
  const worker = play.workers().find((w) => w.url().endsWith('/dist/worker.js'));
  await play.evaluate(() => {
    window.__epochs = 0;
    document.querySelector('vae-playground').addEventListener('epoch', () => window.__epochs++);
  });
  const heap = {};
  for (const epochs of [1, 2, 5, 10]) {
    await play.waitForFunction((n) => window.__epochs >= n, epochs, { timeout: 180_000 });
    const bytes = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.wasmHeapBytes());
    heap[epochs] = +(bytes / 2 ** 20).toFixed(1);
  }
  result.playground_worker_wasm_heap_MB_after_epochs = heap;

  // 4. What the views cost, with training paused (round trips to the worker included).
  await play.evaluate(() => document.querySelector('vae-playground').pause());
  await play.waitForFunction(() => !document.querySelector('vae-playground').running);
  result.view_costs_ms = await play.evaluate(async () => {
    const el = document.querySelector('vae-playground');
    const median = async (fn, runs = 5) => {
      const times = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await fn();
        times.push(performance.now() - start);
      }
      return +times.sort((a, b) => a - b)[Math.floor(runs / 2)].toFixed(1);
    };
    const digit = await el.decode([0.3, -0.2]);
    const mask = Array.from({ length: 784 }, (_, i) => (i >= 392 ? 1 : 0));
    el.shadowRoot.querySelector('.panel.compress').scrollIntoView(); // PCA is fitted once the Compress view is seen
    return {
      manifold_20: await median(() => el.manifold(20)),
      manifold_30: await median(() => el.manifold(30)),
      recover_per_iteration: +((await median(() => el.recover(digit, mask, 20))) / 20).toFixed(2),
      first_classify_incl_training: await median(() => el.classify(digit), 1),
    };
  });
  await play.waitForFunction(() => /MSE/.test(document.querySelector('vae-playground').shadowRoot.querySelector('.compress .pca-note').textContent), null, { timeout: 60_000 });
  Object.assign(result.view_costs_ms, await worker.evaluate(() => {
    const { pcaFitMs, classifierTrainMs, classifierAccuracy } = globalThis.vaePlaygroundDiagnostics.costs;
    return { pca_fit: Number.isNaN(pcaFitMs) ? null : +pcaFitMs.toFixed(0), classifier_training: +classifierTrainMs.toFixed(0), classifier_test_accuracy: classifierAccuracy };
  }));
  await play.close();
} finally {
  await browser.close();
  server.close();
}

const wasm = readFileSync('dist/vae_playground_bg.wasm');
result.wasm_KB = { raw: Math.round(wasm.length / 1024), gzip: Math.round(gzipSync(wasm, { level: 9 }).length / 1024) };

if (process.env.BENCH_NATIVE !== '0') {
  const out = execFileSync('cargo', ['bench', '--quiet', '--bench', 'native', '--', '--quick'], { encoding: 'utf8' });
  result.native = JSON.parse(out.trim().split('\n').at(-1));
}
console.log(JSON.stringify(result, null, 2));
