// Benchmark worker: one fresh wasm instance per run, of the build asked for (the benchmark's own builds, with the
// diagnostics: see scripts/wasm-builds.json). `mode` says what it does:
// - 'full': times the first 100 steps (V8 still tiering the code up) and, after 200 of warm-up, three windows of 100;
//   the multiply-add peak, a step's parts and its allocations; the wasm heap at each epoch's end (it must stay flat);
// - 'quality': test −ELBO at epochs 1, 5, 20 and 50 for seeds 0–2;
// - 'rate': only the warm rate (what the machine's two-core figures compare, with another Worker busy meanwhile);
// - 'spin': the register-only multiply-add loop for `ms` milliseconds (a neighbour that needs no memory).
let DataHandle, StepResult, TrainerHandle, allocationCount, fmaPeakLoop, relaxedSimd, setSimdKernel, simdKernelEnabled;

/** Test −ELBO at epochs 1, 5, 20 and 50 for seeds 0–2, trained in this build (the quality check, in the browser). */
function quality(data, settings) {
  const checkpoints = [1, 5, 20, 50];
  const r = new StepResult();
  return [0, 1, 2].map((seed) => {
    const trainer = new TrainerHandle(data, { ...settings, seed });
    const at = [];
    for (let epoch = 1; epoch <= 50; epoch++) {
      do trainer.step(r); while (!r.epochFinished);
      if (checkpoints.includes(epoch)) {
        const elbo = trainer.evaluate();
        at.push(+elbo.negElbo.toFixed(2));
        elbo.free();
      }
    }
    trainer.free();
    return at;
  });
}

self.onmessage = async ({ data: { build, glue, mode = 'full', ms = 0 } }) => {
  try {
    // Both builds share one JavaScript glue (the build checks it), so either module loads through `glue`'s.
    const module = await import(new URL(`../${glue}/vae_playground.js`, import.meta.url));
    ({ DataHandle, StepResult, TrainerHandle, allocationCount, fmaPeakLoop, relaxedSimd, setSimdKernel, simdKernelEnabled } = module);
    const wasm = await module.default({ module_or_path: new URL(`../${build}/vae_playground_bg.wasm`, import.meta.url) });
    setSimdKernel(true);
    if (mode === 'spin') {
      const start = performance.now();
      let flops = 0;
      while (performance.now() - start < ms) flops += fmaPeakLoop(1_000_000);
      self.postMessage({ spinGflops: +(flops / ((performance.now() - start) * 1e6)).toFixed(1) });
      return;
    }
    const fetchBytes = async (name) =>
      new Uint8Array(await (await fetch(new URL(`../data/${name}`, import.meta.url))).arrayBuffer());
    const [images, labels] = await Promise.all([
      fetchBytes('mnist-10k-images.idx3-ubyte.gz'),
      fetchBytes('mnist-10k-labels.idx1-ubyte.gz'),
    ]);
    const settings = { hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 1e-3, batchSize: 128, seed: 0 };
    const data = new DataHandle("images", images, "labels", labels);
    if (mode === 'quality') {
      self.postMessage({ relaxedSimd: relaxedSimd(), testNegElboAtEpochs1_5_20_50: quality(data, settings) });
      return;
    }
    const trainer = new TrainerHandle(data, settings);
    const heapAfterEpoch = {};

    const r = new StepResult();
    const timeSteps = (n) => {
      let samples = 0;
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        trainer.step(r);
        samples += r.samples;
        if (r.epochFinished) heapAfterEpoch[r.epoch] = +(wasm.memory.buffer.byteLength / 2 ** 20).toFixed(1);
      }
      return Math.round((samples * 1000) / (performance.now() - start));
    };
    const first100 = timeSteps(100);
    timeSteps(100);
    // Three windows of 100 steps after warm-up; the median resists a noisy neighbour on a shared machine.
    const windows = [timeSteps(100), timeSteps(100), timeSteps(100)].sort((a, b) => a - b);
    const warm = windows[1];
    if (mode === 'rate') {
      self.postMessage({ relaxedSimd: relaxedSimd(), warm });
      return;
    }

    // The machine's f32x4 multiply-add peak in this same worker (best of five), and the step's share of it.
    let peakGflops = 0;
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const flops = fmaPeakLoop(4_000_000);
      peakGflops = Math.max(peakGflops, flops / ((performance.now() - start) * 1e6));
    }
    const stepGflops = (warm / settings.batchSize) * trainer.matmulFlopsPerStep() / 1e9;
    // Where a step's time goes, per step, over 100 steps.
    const parts = trainer.profileSteps(100, () => performance.now());
    const profileMsPerStep = Object.fromEntries(Object.entries(parts).map(([part, ms]) => [part, +(ms / 100).toFixed(3)]));
    // Allocations on the wasm heap over 1,000 steps (an epoch's end included).
    const before = allocationCount();
    timeSteps(1000);
    const allocationsPer1000Steps = allocationCount() - before;
    self.postMessage({
      simdKernel: simdKernelEnabled(), relaxedSimd: relaxedSimd(), first100, warm, heapAfterEpoch,
      peakGflops: +peakGflops.toFixed(1), stepGflops: +stepGflops.toFixed(1), shareOfPeak: +(stepGflops / peakGflops).toFixed(2),
      profileMsPerStep, allocationsPer1000Steps,
    });
  } catch (e) {
    self.postMessage({ error: String(e?.message ?? e) });
  }
};
