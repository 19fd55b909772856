// The messages between a <vae-playground> element and its training worker: the one source of truth for both sides.

/** What the trainer needs to build a model. Attribute names are the kebab-case of these. */
export interface TrainSettings {
  hiddenUnits: number;
  latentDim: number;
  beta: number;
  learningRate: number;
  batchSize: number;
  seed: number;
}

/** Where the worker finds its inputs (absolute URLs). */
export interface WorkerSources {
  wasm: string;
  images: string;
  labels: string;
  /** A .safetensors file to start from, or null for fresh weights. */
  weights: string | null;
}

export type WorkerRequest =
  | { kind: 'export' }
  | { kind: 'load'; bytes: ArrayBuffer }
  | { kind: 'encode'; pixels: Float32Array };

export type WorkerReply =
  | { kind: 'export'; bytes: ArrayBuffer }
  | { kind: 'load'; hidden: number; latent: number }
  | { kind: 'encode'; z: Float32Array }
  | { kind: 'error'; message: string };

export type ToWorker =
  | { type: 'init'; settings: TrainSettings; sources: WorkerSources; simd: boolean }
  /** Train until `epochs` epochs are complete in total (0: no limit). */
  | { type: 'train'; epochs: number }
  | { type: 'pause' }
  /** A fresh model with these settings, on the data already loaded. */
  | { type: 'reset'; settings: TrainSettings }
  /** Settings that change without a new model. */
  | { type: 'set'; learningRate?: number; beta?: number }
  | { type: 'request'; id: number; request: WorkerRequest };

export interface ReadyInfo {
  trainSize: number;
  testSize: number;
  stepsPerEpoch: number;
  hidden: number;
  latent: number;
  /** Whether gemm's wasm simd128 matmul kernel is the one in use. */
  simd: boolean;
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

export interface EpochInfo {
  epoch: number;
  testElbo: number;
  recon: number;
  kl: number;
}

export type FromWorker =
  | ({ type: 'ready' } & ReadyInfo)
  | ({ type: 'progress' } & ProgressInfo)
  | ({ type: 'epoch' } & EpochInfo)
  /** μ(x) of every test image, row-major [n × latent], with their labels. */
  | { type: 'latents'; z: Float32Array; labels: Uint8Array; latent: number }
  /** The decoder's weights now, flat (see `Decoder::to_flat`), for the page's own decoder. */
  | { type: 'decoder'; hidden: number; latent: number; weights: Float32Array }
  | { type: 'status'; running: boolean }
  | { type: 'trained'; epoch: number }
  | { type: 'reply'; id: number; reply: WorkerReply }
  /** fatal: the worker cannot go on (nothing loaded); otherwise it keeps its last good state. */
  | { type: 'error'; message: string; fatal: boolean };

/** Every message to or from the worker goes through these, so both sides are checked against the types above. */
export function post(target: { postMessage(message: unknown, transfer: Transferable[]): void }, message: ToWorker | FromWorker, transfer: Transferable[] = []): void {
  target.postMessage(message, transfer);
}
