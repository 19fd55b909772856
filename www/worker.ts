// The training worker: loads wasm and digits, runs the trainer in short slices, answers commands between slices.
import { TrainerHandle, setSimdKernel, simdKernelEnabled } from '../pkg/vae_playground.js';
import { post, type FromWorker, type ToWorker, type TrainSettings, type WorkerReply, type WorkerRequest } from './protocol.js';
import { errorMessage, fetchBytes, loadWasm } from './wasm.js';

/** Longest run of steps between looks at the message queue: commands are answered within about this long. */
const SLICE_MS = 25;
const PROGRESS_EVERY_MS = 120;
const DECODER_EVERY_MS = 200;
const LATENTS_EVERY_MS = 1000;

// The page's tsconfig has the DOM types, not the worker ones; this is all of the worker scope that is used here.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};
const send = (message: FromWorker, transfer: Transferable[] = []) => post(scope, message, transfer);

let trainer: TrainerHandle | null = null;
let data: { imagesName: string; images: Uint8Array; labelsName: string; labels: Uint8Array } | null = null;
let running = false;
let targetEpochs = 0;
let epoch = 0;
let step = 0;
let pendingLosses: number[] = [];
/** Images trained and milliseconds spent on them, over a rolling window of about two seconds. */
let throughput = { samples: 0, ms: 0 };
let lastProgress = 0;
let lastDecoder = 0;
let lastLatents = 0;

// Messages are handled one at a time, in order: a setting sent while 'init' is still fetching applies after it.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event: MessageEvent<ToWorker>) => {
  queue = queue
    .then(() => handle(event.data))
    .catch((cause) => send({ type: 'error', message: errorMessage(cause), fatal: trainer === null }));
};

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init': {
      await loadWasm(message.sources.wasm);
      // gemm fixes its kernel at the first matmul, so the choice has to come before any model exists.
      setSimdKernel(message.simd);
      const [images, labels] = await Promise.all([
        fetchBytes(message.sources.images, 'the digit images', '`data` attribute'),
        fetchBytes(message.sources.labels, 'the digit labels', '`data` attribute'),
      ]);
      data = { imagesName: message.sources.images, images, labelsName: message.sources.labels, labels };
      createTrainer(message.settings);
      if (message.sources.weights) {
        try {
          loadWeights(await fetchBytes(message.sources.weights, 'the weights', '`weights` attribute'));
        } catch (cause) {
          // The digits are here, so the playground still works: from fresh weights, with the reason shown.
          send({ type: 'error', message: `${errorMessage(cause)} Starting from fresh weights instead.`, fatal: false });
        }
      }
      announce();
      return;
    }
    case 'train':
      targetEpochs = message.epochs;
      if (!running && trainer) {
        running = true;
        send({ type: 'status', running });
        void trainLoop();
      }
      return;
    case 'pause':
      setRunning(false);
      return;
    case 'reset':
      setRunning(false);
      createTrainer(message.settings);
      announce();
      return;
    case 'set':
      if (message.learningRate !== undefined) trainer?.setLearningRate(message.learningRate);
      if (message.beta !== undefined) trainer?.setBeta(message.beta);
      return;
    case 'request': {
      let reply: WorkerReply;
      try {
        reply = answer(message.request);
      } catch (cause) {
        reply = { kind: 'error', message: errorMessage(cause) };
      }
      const transfer = reply.kind === 'export' ? [reply.bytes] : reply.kind === 'encode' ? [reply.z.buffer] : [];
      send({ type: 'reply', id: message.id, reply }, transfer);
      return;
    }
  }
}

function requireTrainer(): TrainerHandle {
  if (!trainer) throw new Error('The model is not ready yet: wait for the `ready` event.');
  return trainer;
}

function answer(request: WorkerRequest): WorkerReply {
  const t = requireTrainer();
  switch (request.kind) {
    case 'export':
      return { kind: 'export', bytes: t.exportWeights().slice().buffer };
    case 'load': {
      loadWeights(new Uint8Array(request.bytes));
      announce();
      return { kind: 'load', hidden: t.hidden(), latent: t.latent() };
    }
    case 'encode':
      return { kind: 'encode', z: t.encode(request.pixels) };
  }
}

function createTrainer(settings: TrainSettings): void {
  if (!data) throw new Error('The digits are not loaded yet.');
  const next = new TrainerHandle(
    data.imagesName, data.images, data.labelsName, data.labels,
    settings.hiddenUnits, settings.latentDim, settings.beta, settings.learningRate, settings.batchSize, BigInt(settings.seed),
  );
  trainer?.free();
  trainer = next;
  epoch = 0;
  step = 0;
  pendingLosses = [];
  throughput = { samples: 0, ms: 0 };
}

function loadWeights(bytes: Uint8Array): void {
  requireTrainer().loadWeights(bytes); // throws before changing anything if the file does not fit
}

/** Tells the page what it now has: sizes, the decoder, where the test digits sit. */
function announce(): void {
  const t = requireTrainer();
  // The decoder first: by the time the page hears `ready`, its own decoder already draws this model.
  sendDecoder(t);
  send({
    type: 'ready',
    trainSize: t.trainSize(),
    testSize: t.testSize(),
    stepsPerEpoch: t.stepsPerEpoch(),
    hidden: t.hidden(),
    latent: t.latent(),
    simd: simdKernelEnabled(),
  });
  sendLatents(t);
}

function sendDecoder(t: TrainerHandle): void {
  const weights = t.decoderSnapshot();
  send({ type: 'decoder', hidden: t.hidden(), latent: t.latent(), weights }, [weights.buffer]);
  lastDecoder = performance.now();
}

function sendLatents(t: TrainerHandle): void {
  const z = t.testLatents();
  const labels = t.testLabels();
  send({ type: 'latents', z, labels, latent: t.latent() }, [z.buffer, labels.buffer]);
  lastLatents = performance.now();
}

function setRunning(value: boolean): void {
  if (running !== value) {
    running = value;
    send({ type: 'status', running });
    // On stopping, the page's decoder gets exactly the weights training stopped at.
    if (!running && trainer) sendDecoder(trainer);
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

async function trainLoop(): Promise<void> {
  while (running && trainer) {
    const t = trainer;
    const sliceStart = performance.now();
    let epochFinished = false;
    try {
      do {
        const result = t.step();
        pendingLosses.push(result.loss, result.recon, result.kl);
        throughput.samples += result.samples;
        epochFinished = result.epochFinished;
        epoch = result.epoch;
        step = result.step;
        result.free();
      } while (!epochFinished && performance.now() - sliceStart < SLICE_MS);
    } catch (cause) {
      // Divergence: the trainer kept its last good weights; stop and say so.
      setRunning(false);
      send({ type: 'error', message: errorMessage(cause), fatal: false });
      return;
    }
    const now = performance.now();
    throughput.ms += now - sliceStart;
    if (now - lastProgress >= PROGRESS_EVERY_MS || epochFinished) sendProgress(t, now);
    if (now - lastDecoder >= DECODER_EVERY_MS || epochFinished) sendDecoder(t);
    if (epochFinished) {
      const elbo = t.evaluate();
      send({ type: 'epoch', epoch, testElbo: elbo.negElbo, recon: elbo.recon, kl: elbo.kl });
      elbo.free();
      sendLatents(t);
      if (targetEpochs > 0 && epoch >= targetEpochs) {
        setRunning(false);
        send({ type: 'trained', epoch });
      }
    } else if (now - lastLatents >= LATENTS_EVERY_MS) {
      sendLatents(t);
    }
    await yieldToEvents();
  }
}

function sendProgress(t: TrainerHandle, now: number): void {
  const losses = new Float32Array(pendingLosses);
  pendingLosses = [];
  const samplesPerSec = throughput.ms > 0 ? (throughput.samples * 1000) / throughput.ms : 0;
  // A rolling window of about two seconds, so the figure follows changes without jittering.
  if (throughput.ms > 2000) throughput = { samples: throughput.samples / 2, ms: throughput.ms / 2 };
  send({
    type: 'progress',
    epoch,
    step,
    epochProgress: t.epochProgress(),
    samplesPerSec,
    losses,
  }, [losses.buffer]);
  lastProgress = now;
}
