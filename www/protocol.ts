// The messages between a <vae-playground> element and its training worker: the one source of truth for both sides.
import type { Collected, IngestProgress, IngestResult } from './data/ingest.js';
import type { DatasetChoice, DatasetId } from './datasets.js';
import type { TeamInfo } from './team/count.js';

/** The model's structure: the tutorial's dense MLP, or the Keras example's convolutional encoder and decoder. */
export type Architecture = 'mlp' | 'conv';

/** What the trainer needs to build a model. Attribute names are the kebab-case of these (see settings.ts). */
export interface TrainSettings {
  architecture: Architecture;
  /** Units of the MLP's hidden layers (checked for either structure; the conv structure has none). */
  hiddenUnits: number;
  latentDim: number;
  beta: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  /**
   * What the model trains on (the worker picks the data; the Rust core never reads this field). The attribute is
   * `dataset`; the property is `datasetId`, as HTMLElement's `dataset` is the element's data-* attributes.
   */
  datasetId: DatasetChoice;
}

/** A pair of gzip IDX files (absolute URLs). */
export interface IdxFiles {
  images: string;
  labels: string;
}

/** Where the worker finds its inputs (absolute URLs). */
export interface WorkerSources {
  wasm: string;
  /** The package's own datasets, each fetched when a model first trains on it (an error then says the package is incomplete). */
  bundled: Record<'mnist' | 'fashion', IdxFiles>;
  /** The `data` attribute's files: they replace the bundled sets. */
  url: IdxFiles | null;
}

/** A person's own images for the worker (see OwnSet in element/own-set.ts, which owns them). */
export interface OwnImages {
  /** count × width × height bytes, white ink on black. */
  images: Uint8Array;
  width: number;
  height: number;
  /** A class index per image, or null for an unlabelled set. */
  labels: Uint8Array | null;
  classNames: string[] | null;
  /** Added to MNIST's training split (its test split unchanged) instead of a set of their own. */
  mixed: boolean;
}

/** Each request the element can make, with the reply it gets: the one table both sides are typed from. */
export interface RequestTable {
  /** The model as a .safetensors file, with `metadata` (strings) added to the file's own. */
  export: { request: { metadata: Record<string, string> }; reply: { bytes: ArrayBuffer } };
  /** A new model from a .safetensors file, trained on with `settings` (its sizes come from the file), `epoch` epochs done. */
  load: { request: { bytes: ArrayBuffer; settings: TrainSettings; epoch: number }; reply: ModelShape };
  encode: { request: { pixels: Float32Array }; reply: { z: Float32Array } };
  /** n × n digits over the Gaussian quantiles of latent dimensions x (across) and y (up), the others at `base`. */
  manifold: { request: { n: number; x: number; y: number; base: Float32Array }; reply: { pixels: Float32Array; z: Float32Array } };
  /** n digits from z ~ N(0, I), drawn from `seed`. */
  sample: { request: { n: number; seed: number }; reply: { pixels: Float32Array } };
  /**
   * Each of `iterations` recovery steps (784 values each); `mask` is 1 where a pixel is missing. Missing pixels start
   * from the mean training digit, or with `fromGiven` (noise: every pixel uncertain) from the damaged pixels.
   */
  recover: {
    request: { pixels: Float32Array; mask: Float32Array; iterations: number; fromGiven: boolean };
    reply: { steps: Float32Array; mean: Float32Array };
  };
  /** Test digits by index (784 intensities each) with their labels. */
  testDigits: { request: { indices: Uint32Array }; reply: { pixels: Float32Array; labels: Uint8Array } };
  /** An image's reconstruction through the VAE (decode of μ) and through PCA with as many components as the code. */
  compress: { request: { pixels: Float32Array }; reply: { z: Float32Array; vae: Float32Array; pca: Float32Array; explained: number } };
  /** Mean squared error per digit class over the test split, through the VAE and through PCA. */
  compressStats: { request: object; reply: { vae: Float32Array; pca: Float32Array; counts: Uint32Array } };
  /**
   * For each image, the nearest training image and the distance to it; `own` is 1 where that image is one of the
   * person's own (a mixed set).
   */
  nearest: { request: { pixels: Float32Array }; reply: { pixels: Float32Array; distances: Float32Array; own: Uint8Array } };
  /** The classifier's class for every cell of an n × n manifold, and the share of cells per class. */
  coverage: { request: { n: number }; reply: { digits: Uint8Array; shares: Float32Array; accuracy: number } };
  /** A probability per class and image; answered once the classifier has finished training. */
  classify: { request: { pixels: Float32Array }; reply: { probabilities: Float32Array } };
  /** The data for a model on `dataset` is loaded (fetched the first time): a new model can start on it. */
  data: { request: { dataset: DatasetChoice }; reply: { size: number } };
  /** The person's images become the `own` dataset (a new model starts on it with a reset); `hash` names them. */
  own: { request: { own: OwnImages }; reply: { hash: string; trainSize: number; testSize: number } };
  /** A person's files read, decoded and prepared (progress as `ingest` events; `cancelIngest` stops it). */
  ingest: { request: { collected: Collected }; reply: IngestResult };
  /**
   * Training goes on from a full training state the time-lapse kept (a `state` event's bytes) with the live settings
   * `beta` and `learningRate`: "branch from here". The model's structure, seed and data stay; a state that does not
   * fit is refused and changes nothing.
   */
  branch: { request: { state: ArrayBuffer; beta: number; learningRate: number }; reply: { step: number; epoch: number } };
  /** `manifold`, drawn by a decoder snapshot the element holds (a time-lapse frame's) instead of the model's own. */
  manifoldOf: {
    request: { descriptor: DecoderDescriptor; weights: Float32Array; n: number; x: number; y: number; base: Float32Array };
    reply: { pixels: Float32Array; z: Float32Array };
  };
}
export type RequestKind = keyof RequestTable;
export type RequestOf<K extends RequestKind> = { kind: K } & RequestTable[K]['request'];
export type ReplyOf<K extends RequestKind> = RequestTable[K]['reply'];
export type WorkerRequest = { [K in RequestKind]: RequestOf<K> }[RequestKind];

/**
 * A model generation: the element numbers every model it asks for (init, reset, a loaded file), the worker stamps
 * each message with the generation it came from, and the element drops messages from older ones.
 */
export type Generation = number;

export type ToWorker =
  /**
   * `own`: the person's images, when the settings train on them (a worker replacing one that trapped needs them again).
   * `workers`: training Workers asked for, this one included (fewer train where the page cannot share memory).
   */
  | { type: 'init'; generation: Generation; settings: TrainSettings; sources: WorkerSources; own: OwnImages | null; workers: number }
  /** Train with this many Workers from the next step on (the model goes on as it is). */
  | { type: 'workers'; workers: number }
  /** Train until `epochs` epochs are complete in total (0: no limit). */
  | { type: 'train'; epochs: number }
  | { type: 'pause' }
  /** While paused: train `steps` steps, then report (progress, decoder) and take a time-lapse frame (step mode). */
  | { type: 'trainSteps'; steps: number }
  /** A fresh model with these settings, on the data already loaded. */
  | { type: 'reset'; generation: Generation; settings: TrainSettings }
  /** Settings that change without a new model. */
  | { type: 'set'; learningRate?: number; beta?: number }
  /** Stops the ingest under way (its request rejects with an AbortError). */
  | { type: 'cancelIngest' }
  /** `generation` is the one a successful `load` starts; other requests leave the generation as it is. */
  | { type: 'request'; id: number; generation: Generation; request: WorkerRequest };

/** The plane of the test codes' two main axes: each code projected, and what turns a point of the plane back into z. */
export interface LatentProjection {
  /** n × 2 coordinates in the plane. */
  points: Float32Array;
  mean: Float32Array;
  /** 2 × latent: the two unit axes. */
  axes: Float32Array;
  /** The share of the codes' variance along each axis. */
  explained: [number, number];
}

/** With own images mixed into MNIST: μ of each of them (n × latent) and their labels (255: none), for the markers. */
export interface OwnCodes {
  z: Float32Array;
  labels: Uint8Array;
}

/** A model's structure and sizes, as the worker reports them (`hidden` is 0 for a structure without hidden units). */
export interface ModelShape {
  architecture: Architecture;
  hidden: number;
  latent: number;
}

/** What a decoder snapshot holds: its structure and sizes (`decoderDescriptor()` in the Rust core). */
export interface DecoderDescriptor {
  architecture: Architecture;
  hidden: number;
  latent: number;
  width: number;
  height: number;
  channels: number;
}

export interface ReadyInfo extends ModelShape {
  trainSize: number;
  testSize: number;
  stepsPerEpoch: number;
  /** Whether gemm's wasm simd128 matmul kernel is the one in use. */
  simd: boolean;
  /** Whether the relaxed-SIMD build is the one loaded (fused multiply-add in the training step's kernel). */
  relaxedSimd: boolean;
  /** What the model trains on (`own`: the person's images, alone or mixed into MNIST). */
  dataset: DatasetId;
}

export interface ProgressInfo {
  epoch: number;
  step: number;
  /** 0..1 through the current epoch. */
  epochProgress: number;
  samplesPerSec: number;
  /** loss, recon, kl for each step since the last progress message, flattened. */
  losses: Float32Array;
}

/** A moment of training for the time-lapse (www/timelapse/): taken on the schedule in www/timelapse/taker.ts. */
export interface FrameInfo {
  step: number;
  epoch: number;
  /** Mean training loss (−ELBO per image) over the steps since the frame before; NaN when there were none. */
  trainLoss: number;
  /** The test −ELBO when the frame is at an epoch's end (just evaluated); otherwise null. */
  testElbo: number | null;
  /** μ of the test images, row-major [n × latent], and their labels. */
  codes: Float32Array;
  labels: Uint8Array;
  latent: number;
  /** The decoder's flat snapshot, and what structure and sizes it is for. */
  decoder: Float32Array;
  descriptor: DecoderDescriptor;
  projection: LatentProjection | null;
}

export interface EpochInfo {
  epoch: number;
  /** Steps trained when the epoch ended (the event comes later: its figures are computed off the training path). */
  step: number;
  testElbo: number;
  recon: number;
  kl: number;
}

/** What the worker tells the element on its own, each stamped with the generation of the model it is about. */
export type WorkerEvent =
  | ({ type: 'ready' } & ReadyInfo)
  | ({ type: 'progress' } & ProgressInfo)
  | ({ type: 'epoch' } & EpochInfo)
  /**
   * μ(x) of every test image, row-major [n × latent], with their labels; with more than two latent dimensions, also
   * their PCA projection to the plane of the two main axes (which the panel shows and drags in).
   */
  | { type: 'latents'; z: Float32Array; labels: Uint8Array; latent: number; projection: LatentProjection | null; own: OwnCodes | null }
  /** The decoder's weights now, flat, in the order its descriptor's structure lists them, for the page's own decoder. */
  | { type: 'decoder'; descriptor: DecoderDescriptor; weights: Float32Array }
  | ({ type: 'frame' } & FrameInfo)
  /** The trainer's full state at an epoch's end (weights, Adam's moments, its place in the data and the noise), for branching. */
  | { type: 'state'; step: number; epoch: number; bytes: ArrayBuffer }
  | { type: 'status'; running: boolean }
  /** How many Workers train and how they exchange: with `ready`, and whenever it changes. */
  | ({ type: 'team' } & TeamInfo)
  | { type: 'trained'; epoch: number }
  /** A person's files being read (the `ingest` request's progress). */
  | { type: 'ingest'; progress: IngestProgress }
  /** The digit classifier's training: progress 0..1, and its test accuracy once done. */
  | { type: 'classifier'; progress: number; accuracy: number | null }
  /** fatal: the worker cannot go on (nothing loaded); otherwise it keeps its last good state. */
  | { type: 'error'; message: string; fatal: boolean }
  /**
   * The model's weights as a .safetensors file (no metadata of the element's), `epoch` epochs trained: posted at each
   * epoch's end and when training stops, so that a worker that traps can be replaced by one holding these weights.
   */
  | { type: 'checkpoint'; bytes: ArrayBuffer; epoch: number }
  /**
   * A call into wasm trapped (a `WebAssembly.RuntimeError`: out of memory, `unreachable`): the instance may be left
   * half-changed, so the worker makes no further wasm call and answers nothing more. Never dropped as stale.
   */
  | { type: 'trapped'; where: TrapSite; message: string; heapBytes: number };

/** Where in the worker a call into wasm trapped: a part of the training loop, a command, or a request's kind. */
export type TrapSite = 'init' | 'command' | 'step' | 'progress' | 'decoder' | 'evaluate' | 'latents' | 'checkpoint' | 'state' | 'classifier' | 'prepare' | RequestKind;

export type Reply =
  | { ok: true; value: ReplyOf<RequestKind> }
  | { ok: false; message: string };

export type FromWorker =
  | (WorkerEvent & { generation: Generation })
  /** The answer to request `id`; `generation` is the worker's after handling it. */
  | { type: 'reply'; id: number; generation: Generation; reply: Reply };

/** Every message to or from the worker goes through these, so both sides are checked against the types above. */
export function post(target: { postMessage(message: unknown, transfer: Transferable[]): void }, message: ToWorker | FromWorker, transfer: Transferable[] = []): void {
  target.postMessage(message, transfer);
}
