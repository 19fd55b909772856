// The training worker: loads wasm and digits, runs the trainer in short slices, answers commands between slices.
// One `Session` holds everything about the current model, so a reset is one assignment; one loop trains it.
import {
  ClassifierHandle, DataHandle, PcaHandle, StepResult, TrainerHandle, gridPoints, projectLatents, relaxedSimd, simdKernelEnabled,
} from '../pkg/vae_playground.js';
import {
  post, type FromWorker, type Generation, type ReplyOf, type RequestKind, type RequestOf, type ToWorker,
  type LatentProjection, type TrainSettings, type WorkerEvent,
} from './protocol.js';
import { meanSquaredError } from './metrics.js';
import { errorMessage, fetchBytes, loadWasm, wasmMemoryBytes } from './wasm.js';

/** Longest run of steps between looks at the message queue: commands are answered within about this long. */
const SLICE_MS = 25;
const PROGRESS_EVERY_MS = 120;
const DECODER_EVERY_MS = 200;
const LATENTS_EVERY_MS = 1000;
/** Classifier training per loop turn: it shares the worker with the VAE, so each gets a slice in turn. */
const CLASSIFIER_SLICE_MS = 8;
const CLASSIFIER_SEED = 0;

// The page's tsconfig has the DOM types, not the worker ones; this is all of the worker scope that is used here.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

/** Read by the end-to-end tests and the benchmark (Playwright evaluates in the worker): never more than one loop. */
const diagnostics = {
  activeLoops: 0,
  maxActiveLoops: 0,
  wasmHeapBytes: () => wasmMemoryBytes(),
  /** Costs the benchmark reports: the PCA fit, and the classifier's training (time spent in its steps) and accuracy. */
  costs: { pcaFitMs: NaN, classifierTrainMs: 0, classifierAccuracy: NaN },
};
(self as unknown as { vaePlaygroundDiagnostics: typeof diagnostics }).vaePlaygroundDiagnostics = diagnostics;

/** One model being trained, with its counters and clocks. */
class Session {
  readonly trainer: TrainerHandle;
  /** Where each step reports (one object, reused: a step allocates nothing). */
  readonly report = new StepResult();
  epoch = 0;
  step = 0;
  pendingLosses: number[] = [];
  /** Images trained and milliseconds spent on them, over a rolling window of about two seconds. */
  throughput = { samples: 0, ms: 0 };
  lastProgress = 0;
  lastDecoder = 0;
  lastLatents = 0;

  constructor(trainer: TrainerHandle, readonly generation: Generation) {
    this.trainer = trainer;
  }

  send(event: WorkerEvent, transfer: Transferable[] = []): void {
    post(scope, { ...event, generation: this.generation } as FromWorker, transfer);
  }

  /** Tells the page what it now has: sizes, the decoder, where the test digits sit. */
  announce(): void {
    const t = this.trainer;
    // The decoder first: by the time the page hears `ready`, its own decoder already draws this model.
    this.sendDecoder();
    this.send({
      type: 'ready',
      trainSize: t.trainSize(),
      testSize: t.testSize(),
      stepsPerEpoch: t.stepsPerEpoch(),
      hidden: t.hidden(),
      latent: t.latent(),
      simd: simdKernelEnabled(),
      relaxedSimd: relaxedSimd(),
    });
    this.sendLatents();
  }

  sendDecoder(): void {
    const t = this.trainer;
    const weights = t.decoderSnapshot();
    this.send({ type: 'decoder', hidden: t.hidden(), latent: t.latent(), weights }, [weights.buffer]);
    this.lastDecoder = performance.now();
  }

  sendLatents(): void {
    const z = this.trainer.testLatents();
    const labels = this.trainer.testLabels();
    const latent = this.trainer.latent();
    const projection = latent > 2 ? projection2d(z, latent) : null;
    const transfer = [z.buffer, labels.buffer, ...(projection ? [projection.points.buffer, projection.mean.buffer, projection.axes.buffer] : [])];
    this.send({ type: 'latents', z, labels, latent, projection }, transfer as ArrayBuffer[]);
    this.lastLatents = performance.now();
  }

  sendProgress(now: number): void {
    const losses = new Float32Array(this.pendingLosses);
    this.pendingLosses = [];
    const { samples, ms } = this.throughput;
    // A rolling window of about two seconds, so the figure follows changes without jittering.
    if (ms > 2000) this.throughput = { samples: samples / 2, ms: ms / 2 };
    this.send({
      type: 'progress',
      epoch: this.epoch,
      step: this.step,
      epochProgress: this.trainer.epochProgress(),
      samplesPerSec: ms > 0 ? (samples * 1000) / ms : 0,
      losses,
    }, [losses.buffer]);
    this.lastProgress = now;
  }

  free(): void {
    this.report.free();
    this.trainer.free();
  }
}

/** The test codes' PCA plane (see `projectLatents` in src/bindings.rs for the packed layout). */
function projection2d(z: Float32Array, latent: number): LatentProjection {
  const packed = projectLatents(z, latent);
  const n = z.length / latent;
  let at = 2 * n;
  const take = (length: number) => packed.slice(at, (at += length));
  return { points: packed.slice(0, 2 * n), mean: take(latent), axes: take(2 * latent), explained: [packed[at], packed[at + 1]] };
}

/** The worker's state: the digits (read once), the current session, the classifier, whether the one loop runs. */
const worker = {
  data: null as DataHandle | null,
  session: null as Session | null,
  running: false,
  targetEpochs: 0,
  loopActive: false,
  /** Trained only once something asks for it (classify), so it never slows training nobody needs it for. */
  classifier: null as ClassifierHandle | null,
  classifierWanted: false,
  /** Requests that need the classifier, answered when its training is done. */
  classifierWaiters: [] as (() => void)[],
  lastClassifierNews: 0,
  /** PCA of the training digits with as many components as the model's code, fitted on first use. */
  pca: null as PcaHandle | null,
};

// Messages are handled one at a time, in order: a setting sent while 'init' is still fetching applies after it.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(event.data)).catch((cause) => {
    const message = errorMessage(cause);
    const fatal = worker.session === null;
    post(scope, { type: 'error', message, fatal, generation: worker.session?.generation ?? generationOf(event.data) });
  });
};

function generationOf(message: ToWorker): Generation {
  return 'generation' in message ? message.generation : 0;
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init': {
      const { sources } = message;
      await loadWasm(sources.wasm);
      const what = sources.bundledData
        ? { where: 'the digits bundled with vae-playground', fix: 'serve the package’s dist/data/ folder beside vae-playground.js' }
        : { where: 'the digits named by the `data` attribute', fix: 'check the `data` attribute' };
      const [images, labels] = await Promise.all([
        fetchBytes(sources.images, `${what.where} (images)`, what.fix),
        fetchBytes(sources.labels, `${what.where} (labels)`, what.fix),
      ]);
      worker.data = new DataHandle(sources.images, images, sources.labels, labels);
      const session = replaceSession(message.settings, message.generation);
      worker.classifier?.free();
      worker.classifier = new ClassifierHandle(worker.data, BigInt(CLASSIFIER_SEED));
      session.announce();
      return;
    }
    case 'train':
      worker.targetEpochs = message.epochs;
      if (worker.session) setRunning(true);
      return;
    case 'pause':
      setRunning(false);
      return;
    case 'reset':
      setRunning(false);
      replaceSession(message.settings, message.generation).announce();
      return;
    case 'set': {
      const trainer = worker.session?.trainer;
      if (message.learningRate !== undefined) trainer?.setLearningRate(message.learningRate);
      if (message.beta !== undefined) trainer?.setBeta(message.beta);
      return;
    }
    case 'request': {
      // Not awaited: a request that waits (for the classifier) must not hold up the messages behind it.
      const { id, request } = message;
      void Promise.resolve()
        .then(() => answer(request, message.generation))
        .then(
          (value) => ({ ok: true as const, value }),
          (cause) => ({ ok: false as const, message: errorMessage(cause) }),
        )
        .then((reply) => {
          const transfer = reply.ok ? transferablesOf(reply.value) : [];
          post(scope, { type: 'reply', id, generation: worker.session?.generation ?? 0, reply }, transfer);
        });
      return;
    }
  }
}

function replaceSession(settings: TrainSettings, generation: Generation, prepare?: (trainer: TrainerHandle) => void): Session {
  if (!worker.data) throw new Error('The digits are not loaded yet.');
  const trainer = new TrainerHandle(worker.data, settings); // throws before anything changes
  try {
    prepare?.(trainer);
  } catch (cause) {
    trainer.free();
    throw cause;
  }
  const next = new Session(trainer, generation);
  next.epoch = trainer.epoch();
  next.step = trainer.stepCount();
  worker.session?.free();
  worker.session = next;
  return next;
}

function requireSession(): Session {
  if (!worker.session) throw new Error('The model is not ready yet: wait for the `ready` event.');
  return worker.session;
}

/** One handler per request kind, each returning exactly the reply its kind promises (see RequestTable). */
const handlers: { [K in RequestKind]: (request: RequestOf<K>, generation: Generation) => ReplyOf<K> | Promise<ReplyOf<K>> } = {
  export: ({ metadata }) => ({ bytes: requireSession().trainer.exportWeights(metadata).slice().buffer }),
  load: ({ bytes, settings, epoch }, generation) => {
    // A new trainer with the file's settings: a file that does not fit throws here and the current model stays.
    const next = replaceSession(settings, generation, (trainer) => {
      trainer.loadWeights(new Uint8Array(bytes));
      trainer.resumeAtEpoch(epoch);
    });
    next.announce();
    return { hidden: next.trainer.hidden(), latent: next.trainer.latent() };
  },
  encode: ({ pixels }) => ({ z: requireSession().trainer.encode(pixels) }),
  manifold: ({ n, x, y, base }) => {
    const trainer = requireSession().trainer;
    // Each cell's z too, so a click on a cell can move the latent point exactly there.
    return { pixels: trainer.manifold(n, x, y, base), z: gridPoints(n, x, y, base) };
  },
  sample: ({ n, seed }) => ({ pixels: requireSession().trainer.samples(n, BigInt(seed)) }),
  recover: ({ pixels, mask, iterations, fromGiven }) => {
    const trainer = requireSession().trainer;
    return { steps: trainer.recover(pixels, mask, iterations, fromGiven), mean: trainer.meanImage() };
  },
  testDigits: ({ indices }) => {
    const trainer = requireSession().trainer;
    const all = trainer.testLabels();
    return { pixels: trainer.testDigits(indices), labels: Uint8Array.from(indices, (i) => all[i]) };
  },
  compress: ({ pixels }) => {
    const trainer = requireSession().trainer;
    const z = trainer.encode(pixels);
    const pca = pcaFor(trainer.latent());
    return { z, vae: trainer.decodeMany(z), pca: pca.reconstruct(pixels), explained: pca.explained() };
  },
  compressStats: () => {
    const trainer = requireSession().trainer;
    const labels = trainer.testLabels();
    const pixels = trainer.testDigits(Uint32Array.from(labels, (_, i) => i));
    const vae = trainer.decodeMany(trainer.encode(pixels));
    const pca = pcaFor(trainer.latent()).reconstruct(pixels);
    const result = { vae: new Float32Array(10), pca: new Float32Array(10), counts: new Uint32Array(10) };
    labels.forEach((label, i) => {
      result.vae[label] += meanSquaredError(pixels, vae, undefined, i);
      result.pca[label] += meanSquaredError(pixels, pca, undefined, i);
      result.counts[label]++;
    });
    for (let d = 0; d < 10; d++) {
      result.vae[d] /= Math.max(1, result.counts[d]);
      result.pca[d] /= Math.max(1, result.counts[d]);
    }
    return result;
  },
  nearest: ({ pixels }) => {
    const found = requireSession().trainer.nearestTraining(pixels);
    return { pixels: found.slice(0, pixels.length), distances: found.slice(pixels.length) };
  },
  coverage: async ({ n }) => {
    const classifier = await trainedClassifier();
    const trainer = requireSession().trainer;
    const probabilities = classifier.probabilities(trainer.manifold(n, 0, Math.min(1, trainer.latent() - 1), new Float32Array(trainer.latent())));
    const digits = new Uint8Array(n * n);
    const shares = new Float32Array(10);
    for (let cell = 0; cell < n * n; cell++) {
      let best = 0;
      for (let d = 1; d < 10; d++) if (probabilities[cell * 10 + d] > probabilities[cell * 10 + best]) best = d;
      digits[cell] = best;
      shares[best] += 1 / (n * n);
    }
    return { digits, shares, accuracy: classifier.accuracy() };
  },
  classify: async ({ pixels }) => {
    const classifier = await trainedClassifier();
    return { probabilities: classifier.probabilities(pixels) };
  },
};

function answer(request: RequestOf<RequestKind>, generation: Generation): ReplyOf<RequestKind> | Promise<ReplyOf<RequestKind>> {
  const handler = handlers[request.kind] as (request: RequestOf<RequestKind>, generation: Generation) => ReplyOf<RequestKind>;
  return handler(request, generation);
}

function transferablesOf(value: ReplyOf<RequestKind>): Transferable[] {
  return Object.values(value).flatMap((v) => (v instanceof ArrayBuffer ? [v] : ArrayBuffer.isView(v) ? [v.buffer as ArrayBuffer] : []));
}

/** The PCA for `components` components, fitted once (a new one if the model's code size changed). */
function pcaFor(components: number): PcaHandle {
  if (!worker.data) throw new Error('The digits are not loaded yet.');
  if (worker.pca?.components() !== components) {
    worker.pca?.free();
    const start = performance.now();
    worker.pca = new PcaHandle(worker.data, components);
    diagnostics.costs.pcaFitMs = performance.now() - start;
  }
  return worker.pca;
}

/** The classifier once its training is done (it trains in the loop's spare slices). */
function trainedClassifier(): Promise<ClassifierHandle> {
  const classifier = worker.classifier;
  if (!classifier) return Promise.reject(new Error('The digits are not loaded yet.'));
  if (classifier.done()) return Promise.resolve(classifier);
  worker.classifierWanted = true;
  startLoop();
  return new Promise((resolve) => worker.classifierWaiters.push(() => resolve(classifier)));
}

/** A few milliseconds of classifier training; when it finishes, waiting requests are answered. */
function classifierSlice(): void {
  const classifier = worker.classifier;
  if (!classifier || !classifierBusy()) return;
  const start = performance.now();
  do classifier.step();
  while (!classifier.done() && performance.now() - start < CLASSIFIER_SLICE_MS);
  diagnostics.costs.classifierTrainMs += performance.now() - start;
  const done = classifier.done();
  if (done || start - worker.lastClassifierNews > 500) {
    worker.lastClassifierNews = start;
    const accuracy = done ? classifier.accuracy() : null;
    if (accuracy !== null) diagnostics.costs.classifierAccuracy = accuracy;
    worker.session?.send({ type: 'classifier', progress: classifier.progress(), accuracy });
  }
  if (done) for (const resume of worker.classifierWaiters.splice(0)) resume();
}

function setRunning(value: boolean): void {
  const session = worker.session;
  if (worker.running === value || !session) return;
  worker.running = value;
  session.send({ type: 'status', running: value });
  if (value) {
    startLoop();
  } else {
    // On stopping, the page's decoder gets exactly the weights training stopped at.
    session.sendDecoder();
  }
}

/** Zero-delay yield to the event loop (setTimeout would clamp to 4 ms and cost a tenth of the throughput). */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/**
 * Starts the training loop unless it is already going. A pause and a train in one tick leave the loop that is
 * waiting between slices to carry on: there is never a second one.
 */
function startLoop(): void {
  if (worker.loopActive) return;
  worker.loopActive = true;
  diagnostics.activeLoops++;
  diagnostics.maxActiveLoops = Math.max(diagnostics.maxActiveLoops, diagnostics.activeLoops);
  void trainLoop().finally(() => {
    worker.loopActive = false;
    diagnostics.activeLoops--;
  });
}

function classifierBusy(): boolean {
  return worker.classifierWanted && worker.classifier !== null && !worker.classifier.done();
}

async function trainLoop(): Promise<void> {
  while (worker.session && (worker.running || classifierBusy())) {
    classifierSlice();
    if (worker.running) vaeSlice(worker.session);
    await yieldToEvents();
  }
}

/** About SLICE_MS of VAE training, then whatever is due: progress, a decoder snapshot, the epoch's evaluation. */
function vaeSlice(session: Session): void {
  const t = session.trainer;
  const sliceStart = performance.now();
  let epochFinished = false;
  try {
    do {
      const result = session.report;
      t.step(result);
      session.pendingLosses.push(result.loss, result.recon, result.kl);
      session.throughput.samples += result.samples;
      epochFinished = result.epochFinished;
      session.epoch = result.epoch;
      session.step = result.step;
    } while (!epochFinished && performance.now() - sliceStart < SLICE_MS);
  } catch (cause) {
    // Divergence: the trainer kept its last good weights; stop and say so.
    setRunning(false);
    session.send({ type: 'error', message: errorMessage(cause), fatal: false });
    return;
  }
  const now = performance.now();
  session.throughput.ms += now - sliceStart;
  if (now - session.lastProgress >= PROGRESS_EVERY_MS || epochFinished) session.sendProgress(now);
  if (now - session.lastDecoder >= DECODER_EVERY_MS || epochFinished) session.sendDecoder();
  if (epochFinished) {
    const elbo = t.evaluate();
    session.send({ type: 'epoch', epoch: session.epoch, testElbo: elbo.negElbo, recon: elbo.recon, kl: elbo.kl });
    elbo.free();
    session.sendLatents();
    if (worker.targetEpochs > 0 && session.epoch >= worker.targetEpochs) {
      setRunning(false);
      session.send({ type: 'trained', epoch: session.epoch });
    }
  } else if (now - session.lastLatents >= LATENTS_EVERY_MS) {
    session.sendLatents();
  }
}
