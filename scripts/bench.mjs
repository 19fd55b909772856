// `npm run bench`: figures, printed as JSON; nothing here passes or fails on time.
// Browser (headless Chromium, page cross-origin isolated), per wasm build (relaxed SIMD, simd128), two fresh Workers
// each, alternating: training samples/s cold (first 100
// steps) and warm; the f32x4 multiply-add peak measured in the same Worker and the step's GFLOP/s as a share of it;
// where a step's time goes; allocations per 1,000 steps. The page: time to the first decoded digit, decode latency
// while training, seconds from the first training step to a test −ELBO ≤ 165, the real worker's wasm heap over 10
// epochs, what the views cost; the time-lapse: samples/s with and without recording, a scrub's cost; the conv
// structure's page rate and decode; what two cores give two Workers that never wait for each other (two raw steps at
// once, and one beside a register-only loop); training with 1 and 2 Workers (the data-parallel step, both structures, the
// exchange by messages on a page that is not isolated, and the real page's time to −ELBO ≤ 165 with 2). wasm size.
// Native: samples/s on one thread.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { gzipSync } from 'node:zlib';
import { launch } from '../tests/e2e/browser.mjs';
import { PAGE_PATHS, serve } from './serve.mjs';

// The benchmark's own wasm builds (`node scripts/build.mjs --bench`), with the diagnostics the shipped ones leave out.
const builds = JSON.parse(readFileSync(new URL('./wasm-builds.json', import.meta.url), 'utf8')).builds;
const mean = (list) => list.reduce((sum, x) => sum + x, 0) / list.length;
const benchDir = (relaxed) => builds.find((b) => (b.rustflags?.includes('+relaxed-simd') ?? false) === relaxed).bench.dir;
/** In the page: 300 decodes on the main thread along a path through the latent plane, while the worker trains. */
async function decodeLatency() {
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
}

const { server, url } = await serve('.', { paths: [...PAGE_PATHS, 'bench/', ...builds.map((b) => `${b.bench.dir}/`), 'data/'] });
// The same page as most embeds serve it: without COOP/COEP, so without SharedArrayBuffer.
const plain = await serve('.', { paths: [...PAGE_PATHS, 'data/'], isolate: false });
const browser = await launch();
const result = { machine: `${cpus()[0].model.trim()}, ${cpus().length} cores`, browser: `Chromium ${browser.version()}` };
try {
  // 1. Training throughput, SIMD vs scalar, each in a fresh worker.
  const page = await browser.newPage();
  await page.goto(`${url}bench/index.html?relaxed=${benchDir(true)}&simd128=${benchDir(false)}`);
  await page.waitForFunction(() => window.__result, null, { timeout: 300_000 });
  const training = await page.evaluate(() => window.__result);
  for (const run of [...training.relaxed, ...training.simd128]) if (run.error) throw new Error(run.error);
  if (!training.relaxed.every((r) => r.relaxedSimd) || training.simd128.some((r) => r.relaxedSimd)) throw new Error('a build is not the one asked for');
  result.crossOriginIsolated = training.crossOriginIsolated;
  const figures = (runs) => {
    const both = (pick) => runs.map(pick);
    return {
      train_samples_per_sec: { batch: 128, first_100_steps: both((r) => r.first100), after_200_warmup_steps: both((r) => r.warm) },
      fma_peak_gflops: both((r) => r.peakGflops),
      step_matmul_gflops: both((r) => r.stepGflops),
      share_of_peak: both((r) => r.shareOfPeak),
      step_profile_ms: runs[0].profileMsPerStep,
      allocations_per_1000_steps: both((r) => r.allocationsPer1000Steps),
    };
  };
  result.relaxed_simd_build = figures(training.relaxed);
  result.simd128_build = figures(training.simd128);
  result.wasm_heap_MB_after_epoch = training.relaxed[0].heapAfterEpoch;
  for (const [build, q] of Object.entries(training.quality)) {
    if (q.error) throw new Error(q.error);
    const perSeed = q.testNegElboAtEpochs1_5_20_50;
    const means = [0, 1, 2, 3].map((i) => +mean(perSeed.map((seed) => seed[i])).toFixed(2));
    result[`${build === 'relaxed' ? 'relaxed_simd' : 'simd128'}_build`].test_neg_elbo_at_epochs_1_5_20_50 = { mean_of_seeds_0_2: means, per_seed: perSeed };
  }
  // What two cores give two Workers that never wait for each other: the bound on section 7's shared step.
  const { alone, together, besideSpin } = training.twoCores;
  const sums = together.map(([a, b]) => a + b);
  result.two_cores = {
    raw_step_alone: alone,
    two_raw_steps_at_once: together,
    two_at_once_over_alone: +(mean(sums) / mean(alone)).toFixed(2),
    raw_step_beside_register_only_loop: besideSpin,
    beside_loop_over_alone: +(mean(besideSpin) / mean(alone)).toFixed(2),
  };
  await page.close();

  // 2. The playground itself: first digit, then decode latency on the main thread while the worker trains.
  const play = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // From the first training step (the page autostarts) to the first epoch whose test −ELBO is ≤ 165.
  await play.addInitScript(() => {
    customElements.whenDefined('vae-playground').then(() => {
      const el = document.querySelector('vae-playground');
      window.__toElbo165 = { firstStep: null, reached: null, epoch: null };
      el.addEventListener('progress', () => (window.__toElbo165.firstStep ??= performance.now()));
      // The page's own training rate, as its progress events report it (wall-clock: evaluation, snapshots and the
      // yields between slices count), over epochs 11–25: after the decode-latency test below has left the main thread.
      window.__pageRates = [];
      el.addEventListener('progress', (e) => e.detail.epoch >= 10 && e.detail.epoch < 25 && window.__pageRates.push(e.detail.samplesPerSec));
      el.addEventListener('epoch', (e) => {
        if (window.__toElbo165.reached === null && e.detail.testElbo <= 165) Object.assign(window.__toElbo165, { reached: performance.now(), epoch: e.detail.epoch });
      });
    });
  });
  await play.goto(url);
  await play.waitForFunction(() => performance.getEntriesByName('vae-playground:first-digit').length > 0, null, { timeout: 30_000 });
  result.first_digit_ms_after_navigation = Math.round(await play.evaluate(() => performance.getEntriesByName('vae-playground:first-digit')[0].startTime));
  await play.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 30_000 });
  await play.waitForTimeout(3000);
  result.decode_ms_while_training = await play.evaluate(decodeLatency);

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
  await play.waitForFunction(() => window.__toElbo165?.reached !== null, null, { timeout: 180_000 });
  const toElbo = await play.evaluate(() => window.__toElbo165);
  result.seconds_from_first_step_to_test_neg_elbo_165 = { seconds: +((toElbo.reached - toElbo.firstStep) / 1000).toFixed(1), at_epoch: toElbo.epoch };
  await play.waitForFunction(() => window.__epochs >= 25, null, { timeout: 180_000 });
  // Issue 17's first target: the page keeps ≥ 0.9× of the raw step (section 1, same run, the build the page loads).
  const pageRates = (await play.evaluate(() => window.__pageRates)).sort((a, b) => a - b);
  const pageRate = pageRates[Math.floor(pageRates.length / 2)];
  const rawRates = result.relaxed_simd_build.train_samples_per_sec.after_200_warmup_steps;
  const rawRate = rawRates.reduce((sum, r) => sum + r, 0) / rawRates.length;
  result.page_training_rate = {
    progress_samples_per_sec_median_epochs_11_25: Math.round(pageRate),
    raw_step_samples_per_sec: Math.round(rawRate),
    share_of_raw_step: +(pageRate / rawRate).toFixed(2),
    evaluation: await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.evaluation()),
  };

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

  // 5. The time-lapse: training samples/s with and without recording (fresh pages, alternating: epochs 1–5, the
  // evaluation at each epoch's end included in both), and what a scrub costs the main thread while training.
  const { openTimelapsePage } = await import('../tests/e2e/fixtures/timelapse/page.mjs');
  const fresh = async (query) => {
    const { context, page } = await openTimelapsePage({ browser, url }, query);
    return { context, page, worker: page.workers().find((w) => w.url().endsWith('/dist/worker.js')) };
  };
  const recordingCost = async (epochs, rounds) => {
    const figures = { on_samples_per_sec: [], off_samples_per_sec: [], on_extra_frame_share_of_training_time: [] };
    for (let round = 0; round < 2 * rounds; round++) {
      const on = round % 2 === 0;
      const { context, page, worker } = await fresh(`?epochs=${epochs}`);
      await worker.evaluate((on) => self.vaePlaygroundDiagnostics.record(on), on);
      const seconds = await page.evaluate(() => new Promise((resolve) => {
        const el = document.getElementById('p');
        const start = performance.now();
        el.addEventListener('trained', () => resolve((performance.now() - start) / 1000), { once: true });
        el.train();
      }));
      const trainSize = await page.evaluate(() => window.__events.find((e) => e.type === 'ready').detail.trainSize);
      figures[on ? 'on_samples_per_sec' : 'off_samples_per_sec'].push(Math.round((epochs * trainSize) / seconds));
      if (on) {
        const f = await worker.evaluate(() => self.vaePlaygroundDiagnostics.timelapse());
        figures.on_extra_frame_share_of_training_time.push(+(f.extraMs / f.trainedMs).toFixed(4));
      }
      await context.close();
    }
    figures.cost_of_mean_samples_per_sec = +(1 - mean(figures.on_samples_per_sec) / mean(figures.off_samples_per_sec)).toFixed(4);
    return figures;
  };
  result.timelapse_recording = { epochs_1_5: await recordingCost(5, 3), epochs_1_20: await recordingCost(20, 2) };
  const scrub = await fresh('?epochs=0');
  await scrub.page.evaluate(() => document.getElementById('p').train());
  await scrub.page.waitForFunction(() => document.getElementById('p').frames.count >= 12, null, { timeout: 60_000 });
  const { scrubCost } = await import('../tests/e2e/fixtures/timelapse/measure.mjs');
  result.timelapse_scrub_ms_while_training = await scrub.page.evaluate(scrubCost, 80);
  await scrub.context.close();

  // 6. The convolutional structure in the page: its training rate (the page's own progress events) and the main
  // thread's conv decode while it trains.
  const conv = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const convPage = await conv.newPage();
  await convPage.addInitScript(() => {
    customElements.whenDefined('vae-playground').then(() => {
      window.__rates = [];
      document.querySelector('vae-playground').addEventListener('progress', (e) => window.__rates.push(e.detail.samplesPerSec));
    });
  });
  await convPage.goto(`${url}#architecture=conv`);
  await convPage.waitForFunction(() => document.querySelector('vae-playground').running && window.__rates.length > 0, null, { timeout: 60_000 });
  await convPage.waitForTimeout(3000);
  const convDecode = await convPage.evaluate(decodeLatency);
  const rates = await convPage.evaluate(() => window.__rates.slice(-5));
  result.conv_in_the_page = { samples_per_sec_last_progress: rates.map(Math.round), decode_ms_while_training: convDecode };
  await conv.close();

  // 7. Training Workers (issue 17): the page's steps back to back with 1 and 2 Workers, alternating (paused, so no
  // evaluation, snapshot or main-thread work comes between them: the data-parallel step itself), for both
  // structures; the same by messages (a page that is not cross-origin isolated); and the real page's time
  // to a test −ELBO ≤ 165 and its own training rate with 2 Workers, beside section 2's (1 Worker on this machine).
  result.workers = {
    mlp_steps: await teamRates(`${url}`, { steps: 400, warm: 60, rounds: 3 }),
    conv_steps: await teamRates(`${url}#architecture=conv`, { steps: 12, warm: 3, rounds: 2 }),
    mlp_steps_by_messages_not_isolated: await teamRates(plain.url, { steps: 400, warm: 60, rounds: 3 }),
    page_with_2_workers: await pageWithWorkers(2),
    // Beside the speedups above: what two Workers that never wait for each other gain on this machine (section 1).
    two_independent_raw_steps_over_one: result.two_cores.two_at_once_over_alone,
  };
} finally {
  await browser.close();
  server.close();
  plain.server.close();
}

/** Samples/s of `steps` steps back to back in the page at `pageUrl`, with each Worker count in turn, `rounds` times. */
async function teamRates(pageUrl, { steps, warm, rounds, counts = [1, 2] }) {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => document.querySelector('vae-playground').running, null, { timeout: 60_000 });
  await page.evaluate(() => document.querySelector('vae-playground').pause());
  await page.waitForFunction(() => !document.querySelector('vae-playground').running);
  const worker = page.workers().find((w) => w.url().endsWith('/dist/worker.js'));
  const timeSteps = (n) => worker.evaluate((n) => globalThis.vaePlaygroundDiagnostics.timeSteps(n), n);
  const rates = Object.fromEntries(counts.map((n) => [`${n}_workers`, []]));
  const teams = {};
  const profiles = [];
  for (let round = 0; round < rounds; round++) {
    for (const n of counts) {
      await page.evaluate((n) => document.querySelector('vae-playground').setAttribute('workers', String(n)), n);
      await timeSteps(1); // a new team is sent the model at its first step; its share Workers answer meanwhile
      await page.waitForTimeout(1500);
      await timeSteps(warm);
      const before = (await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.team())).sharedSteps;
      await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.profileTeam(true));
      const run = await timeSteps(steps);
      const profile = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.profileTeam(false));
      if (profile?.steps > 0) profiles.push(profile);
      rates[`${n}_workers`].push(Math.round((run.samples / run.ms) * 1000));
      const team = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.team());
      teams[`${n}_workers`] = { ...team, shared_steps_of_timed: team.sharedSteps - before };
      delete teams[`${n}_workers`].sharedSteps;
    }
  }
  await page.close();
  const speedup = counts.length === 2 ? +(mean(rates['2_workers']) / mean(rates['1_workers'])).toFixed(2) : undefined;
  // Per round, the training worker's ms per shared step in each part (see SharedStepProfile in www/team/team.ts).
  const parts = ['begin', 'own', 'wait', 'add', 'update'];
  const sharedStepMs = Object.fromEntries(parts.map((part) => [part, profiles.map((p) => +(p[part] / p.steps).toFixed(3))]));
  return { samples_per_sec: rates, speedup_2_over_1: speedup, teams, ...(profiles.length > 0 && { training_worker_ms_per_shared_step: sharedStepMs }) };
}

/** The real page with `workers` Workers: first step → test −ELBO ≤ 165, and its progress rate over epochs 3–25. */
async function pageWithWorkers(workers) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript((workers) => {
    customElements.whenDefined('vae-playground').then(() => {
      const el = document.querySelector('vae-playground');
      el.setAttribute('workers', String(workers));
      window.__w = { firstStep: null, reached: null, epoch: null, rates: [], epochs: 0 };
      el.addEventListener('progress', (e) => {
        window.__w.firstStep ??= performance.now();
        if (e.detail.epoch >= 2 && e.detail.epoch < 25) window.__w.rates.push(e.detail.samplesPerSec);
      });
      el.addEventListener('epoch', (e) => {
        window.__w.epochs++;
        if (window.__w.reached === null && e.detail.testElbo <= 165) Object.assign(window.__w, { reached: performance.now(), epoch: e.detail.epoch });
      });
    });
  }, workers);
  await page.goto(url);
  await page.waitForFunction(() => window.__w?.reached !== null && window.__w.epochs >= 25, null, { timeout: 240_000 });
  const w = await page.evaluate(() => window.__w);
  const worker = page.workers().find((x) => x.url().endsWith('/dist/worker.js'));
  const team = await worker.evaluate(() => globalThis.vaePlaygroundDiagnostics.team());
  await page.close();
  const rates = w.rates.sort((a, b) => a - b);
  return {
    team,
    seconds_from_first_step_to_test_neg_elbo_165: { seconds: +((w.reached - w.firstStep) / 1000).toFixed(1), at_epoch: w.epoch },
    progress_samples_per_sec_median_epochs_3_25: Math.round(rates[Math.floor(rates.length / 2)]),
  };
}

result.wasm_KB = Object.fromEntries(['vae_playground_relaxed_bg.wasm', 'vae_playground_bg.wasm'].map((file) => {
  const wasm = readFileSync(`dist/${file}`);
  return [file, { raw: Math.round(wasm.length / 1024), gzip: Math.round(gzipSync(wasm, { level: 9 }).length / 1024) }];
}));

if (process.env.BENCH_NATIVE !== '0') {
  const out = execFileSync('cargo', ['bench', '--quiet', '--bench', 'native', '--', '--quick'], { encoding: 'utf8' });
  result.native = JSON.parse(out.trim().split('\n').at(-1));
}
console.log(JSON.stringify(result, null, 2));
