// The worker's answers: one handler per request kind, each returning exactly the reply its kind promises (see
// RequestTable in protocol.ts). Every call into wasm is made through the trap guard, under the request's kind.
import { ClassifierHandle, DecoderHandle, PcaHandle, TrainerHandle, gridPoints } from '../../pkg/vae_playground.js';
import { meanSquaredError } from '../metrics.js';
import type { Generation, ReplyOf, RequestKind, RequestOf, TrainSettings } from '../protocol.js';
import { ownIndexOf, type DataShelf, type LoadedData } from './data.js';
import type { OwnImageReader } from './own-images.js';
import { shapeOf, type Session } from './session.js';
import type { TrapGuard } from './traps.js';

/** What the handlers need of the worker. */
export interface Worker {
  guard: TrapGuard;
  /** The data the session trains on. */
  data: LoadedData | null;
  /** The datasets (rejects before the worker has its sources). */
  shelf(): DataShelf;
  /** The model's session (rejects before the first model is ready). */
  session(): Session;
  /** A new session on `data` from `settings`, prepared by `prepare` (throws, changing nothing, if that fails), announced. */
  replaceSession(settings: TrainSettings, generation: Generation, data: LoadedData, prepare: (trainer: TrainerHandle) => void): Session;
  /** A dataset replaced on the shelf: freed unless the session trains on it. */
  released(data: LoadedData): void;
  /** The classifier once trained (it trains in the loop's spare slices). */
  trainedClassifier(): Promise<ClassifierHandle>;
  /** Reads a person's files. */
  images: OwnImageReader;
  /** Costs the benchmark reports. */
  costs: { pcaFitMs: number };
}

type Handler<K extends RequestKind> = (worker: Worker, request: RequestOf<K>, generation: Generation) => ReplyOf<K> | Promise<ReplyOf<K>>;

/** PCA of the training images with as many components as the model's code, fitted on first use, and its data. */
let pca: { handle: PcaHandle; data: LoadedData } | null = null;

/** The PCA for `components` components, fitted once (a new one if the model's code size or its data changed). */
function pcaFor(worker: Worker, components: number): PcaHandle {
  const data = worker.data;
  if (!data) throw new Error('The data is not loaded yet.');
  if (pca?.data !== data || pca.handle.components() !== components) {
    pca?.handle.free();
    pca = null;
    const start = performance.now();
    pca = { handle: new PcaHandle(data.handle, components), data };
    worker.costs.pcaFitMs = performance.now() - start;
  }
  return pca.handle;
}

/** The labels of the test split (the data's own when the core holds stand-ins). */
function testLabels(worker: Worker, trainer: TrainerHandle): Uint8Array {
  return worker.data?.testLabels ?? trainer.testLabels();
}

const handlers: { [K in RequestKind]: Handler<K> } = {
  export: (w, { metadata }) => ({ bytes: w.session().trainer.exportWeights(metadata).slice().buffer }),
  load: async (w, { bytes, settings, epoch }, generation) => {
    // The file's dataset first (fetched if need be), then a new trainer with the file's settings: a file that does
    // not fit throws here and the current model stays.
    const data = await w.shelf().get(settings.datasetId);
    const next = w.guard.run('load', () => w.replaceSession(settings, generation, data, (trainer) => {
      trainer.loadWeights(new Uint8Array(bytes));
      trainer.resumeAtEpoch(epoch);
    }));
    return w.guard.run('load', () => shapeOf(next.trainer));
  },
  branch: (w, { state, beta, learningRate }) => {
    const session = w.session();
    w.guard.run('branch', () => session.branchFrom(state, beta, learningRate));
    return { step: session.step, epoch: session.epoch };
  },
  encode: (w, { pixels }) => ({ z: w.session().trainer.encode(pixels) }),
  manifold: (w, { n, x, y, base }) => {
    const trainer = w.session().trainer;
    // Each cell's z too, so a click on a cell can move the latent point exactly there.
    return { pixels: trainer.manifold(n, x, y, base), z: gridPoints(n, x, y, base) };
  },
  manifoldOf: (_w, { descriptor, weights, n, x, y, base }) => {
    // The decoder handle decodes one point at a time (the Rust has no batch decode for a snapshot yet).
    const decoder = DecoderHandle.fromSnapshot(descriptor, weights);
    try {
      const { latent } = descriptor;
      const size = descriptor.width * descriptor.height * descriptor.channels;
      const z = gridPoints(n, x, y, base);
      const pixels = new Float32Array(n * n * size);
      for (let cell = 0; cell < n * n; cell++) pixels.set(decoder.decode(z.subarray(cell * latent, (cell + 1) * latent)), cell * size);
      return { pixels, z };
    } finally {
      decoder.free();
    }
  },
  sample: (w, { n, seed }) => ({ pixels: w.session().trainer.samples(n, BigInt(seed)) }),
  recover: (w, { pixels, mask, iterations, fromGiven }) => {
    const trainer = w.session().trainer;
    return { steps: trainer.recover(pixels, mask, iterations, fromGiven), mean: trainer.meanImage() };
  },
  testDigits: (w, { indices }) => {
    const trainer = w.session().trainer;
    const all = testLabels(w, trainer);
    return { pixels: trainer.testDigits(indices), labels: Uint8Array.from(indices, (i) => all[i]) };
  },
  compress: (w, { pixels }) => {
    const trainer = w.session().trainer;
    const z = trainer.encode(pixels);
    const fitted = pcaFor(w, trainer.latent());
    return { z, vae: trainer.decodeMany(z), pca: fitted.reconstruct(pixels), explained: fitted.explained() };
  },
  compressStats: (w) => {
    const trainer = w.session().trainer;
    const labels = testLabels(w, trainer);
    const pixels = trainer.testDigits(Uint32Array.from(labels, (_, i) => i));
    const vae = trainer.decodeMany(trainer.encode(pixels));
    const reconstructed = pcaFor(w, trainer.latent()).reconstruct(pixels);
    const classes = labels.reduce((most, label) => Math.max(most, label + 1), 1);
    const result = { vae: new Float32Array(classes), pca: new Float32Array(classes), counts: new Uint32Array(classes) };
    const size = pixels.length / Math.max(1, labels.length);
    labels.forEach((label, i) => {
      result.vae[label] += meanSquaredError(pixels, vae, undefined, i, size);
      result.pca[label] += meanSquaredError(pixels, reconstructed, undefined, i, size);
      result.counts[label]++;
    });
    for (let d = 0; d < classes; d++) {
      result.vae[d] /= Math.max(1, result.counts[d]);
      result.pca[d] /= Math.max(1, result.counts[d]);
    }
    return result;
  },
  nearest: (w, { pixels }) => {
    const found = w.session().trainer.nearestTraining(pixels);
    const neighbours = found.slice(0, pixels.length);
    const distances = found.slice(pixels.length);
    const size = pixels.length / Math.max(1, distances.length);
    const own = Uint8Array.from(distances, (_, i) => (ownIndexOf(w.data, neighbours.subarray(i * size, (i + 1) * size)) >= 0 ? 1 : 0));
    return { pixels: neighbours, distances, own };
  },
  coverage: async (w, { n }) => {
    const classifier = await w.trainedClassifier();
    return w.guard.run('coverage', () => {
      const trainer = w.session().trainer;
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
    });
  },
  classify: async (w, { pixels }) => {
    const classifier = await w.trainedClassifier();
    return w.guard.run('classify', () => ({ probabilities: classifier.probabilities(pixels) }));
  },
  data: async (w, { dataset }) => {
    const data = await w.shelf().get(dataset);
    return { size: w.guard.run('data', () => data.handle.len()) };
  },
  own: async (w, { own }) => {
    const { data, hash, replaced } = await w.shelf().setOwn(own);
    if (replaced) w.released(replaced);
    const size = w.guard.run('own', () => data.handle.len());
    const test = Math.min(size, Math.max(1, Math.min(1000, Math.floor(size / 10))));
    return { hash, trainSize: size - test, testSize: test };
  },
  ingest: (w, { collected }) => w.images.read(collected),
};

/** The reply to a request; its calls into wasm are guarded under its kind (those after a wait, by the handler). */
export function answer(worker: Worker, request: RequestOf<RequestKind>, generation: Generation): ReplyOf<RequestKind> | Promise<ReplyOf<RequestKind>> {
  const handler = handlers[request.kind] as Handler<RequestKind>;
  return worker.guard.run(request.kind, () => handler(worker, request, generation));
}

export function transferablesOf(value: ReplyOf<RequestKind>): Transferable[] {
  return Object.values(value).flatMap((v) => (v instanceof ArrayBuffer ? [v] : ArrayBuffer.isView(v) ? [v.buffer as ArrayBuffer] : []));
}
