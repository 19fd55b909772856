// The worker's answers: one handler per request kind, each returning exactly the reply its kind promises (see
// RequestTable in protocol.ts). Every call into wasm is made through the trap guard, under the request's kind.
import { ClassifierHandle, DataHandle, DecoderHandle, PcaHandle, TrainerHandle, gridPoints } from '../../pkg/vae_playground.js';
import { meanSquaredError } from '../metrics.js';
import type { Generation, ReplyOf, RequestKind, RequestOf, TrainSettings } from '../protocol.js';
import type { Session } from './session.js';
import type { TrapGuard } from './traps.js';

/** What the handlers need of the worker. */
export interface Worker {
  guard: TrapGuard;
  data: DataHandle | null;
  /** The model's session (rejects before the first model is ready). */
  session(): Session;
  /** A new session from `settings`, prepared by `prepare` (throws, changing nothing, if that fails), announced. */
  replaceSession(settings: TrainSettings, generation: Generation, prepare: (trainer: TrainerHandle) => void): Session;
  /** The classifier once trained (it trains in the loop's spare slices). */
  trainedClassifier(): Promise<ClassifierHandle>;
  /** Costs the benchmark reports. */
  costs: { pcaFitMs: number };
}

type Handler<K extends RequestKind> = (worker: Worker, request: RequestOf<K>, generation: Generation) => ReplyOf<K> | Promise<ReplyOf<K>>;

/** PCA of the training digits with as many components as the model's code, fitted on first use. */
let pca: PcaHandle | null = null;

/** The PCA for `components` components, fitted once (a new one if the model's code size changed). */
function pcaFor(worker: Worker, components: number): PcaHandle {
  if (!worker.data) throw new Error('The digits are not loaded yet.');
  if (pca?.components() !== components) {
    pca?.free();
    pca = null;
    const start = performance.now();
    pca = new PcaHandle(worker.data, components);
    worker.costs.pcaFitMs = performance.now() - start;
  }
  return pca;
}

const handlers: { [K in RequestKind]: Handler<K> } = {
  export: (w, { metadata }) => ({ bytes: w.session().trainer.exportWeights(metadata).slice().buffer }),
  load: (w, { bytes, settings, epoch }, generation) => {
    // A new trainer with the file's settings: a file that does not fit throws here and the current model stays.
    const next = w.replaceSession(settings, generation, (trainer) => {
      trainer.loadWeights(new Uint8Array(bytes));
      trainer.resumeAtEpoch(epoch);
    });
    return { hidden: next.trainer.hidden(), latent: next.trainer.latent() };
  },
  encode: (w, { pixels }) => ({ z: w.session().trainer.encode(pixels) }),
  manifold: (w, { n, x, y, base }) => {
    const trainer = w.session().trainer;
    // Each cell's z too, so a click on a cell can move the latent point exactly there.
    return { pixels: trainer.manifold(n, x, y, base), z: gridPoints(n, x, y, base) };
  },
  manifoldOf: (_w, { hidden, latent, weights, n, x, y, base }) => {
    // The decoder handle decodes one point at a time (the Rust has no batch decode for a snapshot yet).
    const decoder = new DecoderHandle(hidden, latent, weights);
    try {
      const z = gridPoints(n, x, y, base);
      const pixels = new Float32Array(n * n * 784);
      for (let cell = 0; cell < n * n; cell++) pixels.set(decoder.decode(z.subarray(cell * latent, (cell + 1) * latent)), cell * 784);
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
    const all = trainer.testLabels();
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
    const labels = trainer.testLabels();
    const pixels = trainer.testDigits(Uint32Array.from(labels, (_, i) => i));
    const vae = trainer.decodeMany(trainer.encode(pixels));
    const reconstructed = pcaFor(w, trainer.latent()).reconstruct(pixels);
    const result = { vae: new Float32Array(10), pca: new Float32Array(10), counts: new Uint32Array(10) };
    labels.forEach((label, i) => {
      result.vae[label] += meanSquaredError(pixels, vae, undefined, i);
      result.pca[label] += meanSquaredError(pixels, reconstructed, undefined, i);
      result.counts[label]++;
    });
    for (let d = 0; d < 10; d++) {
      result.vae[d] /= Math.max(1, result.counts[d]);
      result.pca[d] /= Math.max(1, result.counts[d]);
    }
    return result;
  },
  nearest: (w, { pixels }) => {
    const found = w.session().trainer.nearestTraining(pixels);
    return { pixels: found.slice(0, pixels.length), distances: found.slice(pixels.length) };
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
};

/** The reply to a request; its calls into wasm are guarded under its kind (those after a wait, by the handler). */
export function answer(worker: Worker, request: RequestOf<RequestKind>, generation: Generation): ReplyOf<RequestKind> | Promise<ReplyOf<RequestKind>> {
  const handler = handlers[request.kind] as Handler<RequestKind>;
  return worker.guard.run(request.kind, () => handler(worker, request, generation));
}

export function transferablesOf(value: ReplyOf<RequestKind>): Transferable[] {
  return Object.values(value).flatMap((v) => (v instanceof ArrayBuffer ? [v] : ArrayBuffer.isView(v) ? [v.buffer as ArrayBuffer] : []));
}
