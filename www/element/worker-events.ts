// What the worker tells the element, applied in one place: a pure function from the model's state and a worker event
// to the next state and the effects the element then runs (events to emit, the loss history and the runs to extend,
// a decoder snapshot to show, the lifecycle to advance, a save to schedule). Node tests cover every event kind.
import type { IngestProgress } from '../data/ingest.js';
import type { DecoderDescriptor, EpochInfo, FrameInfo, LatentProjection, ModelShape, OwnCodes, ReadyInfo, TrainSettings, WorkerEvent } from '../protocol.js';
import type { TeamInfo } from '../team/count.js';
import type { TrapReport } from './traps.js';

/** The model as the worker last described it (what the views draw besides the element's own state). */
export interface ModelState {
  settings: TrainSettings;
  ready: ReadyInfo | null;
  running: boolean;
  /** The epoch count training last stopped at because it reached `epochs`. */
  trainedEpoch: number | null;
  progress: { epoch: number; epochProgress: number; samplesPerSec: number } | null;
  /** The test codes and their labels; `own`: the codes of the person's images mixed into MNIST, for their markers. */
  latents: { z: Float32Array; labels: Uint8Array; projection: LatentProjection | null; own: OwnCodes | null } | null;
  classifier: { progress: number; accuracy: number | null } | null;
  /** How many Workers train, and over which exchange (null until the worker says). */
  team: TeamInfo | null;
}

/** The lifecycle events a worker event amounts to (the element adds the boot they belong to). */
export type WorkerNews =
  | { type: 'workerReady' }
  | { type: 'workerStarted' }
  | { type: 'workerStopped' }
  | { type: 'trap'; trap: TrapReport }
  | { type: 'fatal'; message: string };

export type ModelEffect =
  | { type: 'lifecycle'; news: WorkerNews }
  | { type: 'emit'; name: 'progress'; detail: { epoch: number; step: number; loss: number; samplesPerSec: number } }
  | { type: 'emit'; name: 'epoch'; detail: EpochInfo }
  | { type: 'emit'; name: 'trained'; detail: { epoch: number } }
  /** The main thread's decoder takes the worker's snapshot. */
  | { type: 'decoder'; descriptor: DecoderDescriptor; weights: Float32Array }
  /** Losses (loss, recon, kl per step) for the chart; samples/s for the current run. */
  /** `step`: the worker's step count after them. */
  | { type: 'steps'; losses: Float32Array; samplesPerSec: number; step: number }
  /** An epoch's test figures for the chart and the current run, with the settings in force. */
  | { type: 'epochEnded'; epoch: EpochInfo; settings: TrainSettings }
  | { type: 'runClock'; running: boolean }
  /** The kept run (with `persist`) is saved a moment later. */
  | { type: 'save' }
  /** The last good weights, for a new worker should this one trap. */
  | { type: 'checkpoint'; bytes: ArrayBuffer; epoch: number }
  /** A problem the worker survived, for the person and the `error` event. */
  | { type: 'error'; message: string }
  /** How far reading a person's images has got. */
  | { type: 'ingest'; progress: IngestProgress }
  /** A time-lapse frame, for the element's time-lapse. */
  | { type: 'frame'; frame: FrameInfo }
  /** The trainer's full state at `step`, for the time-lapse's branching. */
  | { type: 'state'; step: number; epoch: number; bytes: ArrayBuffer };

export interface ModelStep {
  state: ModelState;
  effects: ModelEffect[];
}

export function initialModel(settings: TrainSettings): ModelState {
  return { settings: { ...settings }, ready: null, running: false, trainedEpoch: null, progress: null, latents: null, classifier: null, team: null };
}

/** A fresh model's state: nothing trained, no codes yet (the sizes and the classifier stay). */
export function freshModel(state: ModelState): ModelState {
  return { ...state, trainedEpoch: null, progress: null, latents: null };
}

/**
 * The settings of a model the worker holds: its structure and sizes are the model's. A structure without hidden units
 * keeps the setting as it was (the MLP's size, should the person go back to it).
 */
export function withShape(settings: TrainSettings, shape: ModelShape): TrainSettings {
  const hiddenUnits = shape.architecture === 'mlp' ? shape.hidden : settings.hiddenUnits;
  return { ...settings, architecture: shape.architecture, hiddenUnits, latentDim: shape.latent };
}

/** A model loaded at `epoch` epochs with `settings`. */
export function loadedModel(state: ModelState, settings: TrainSettings, epoch: number): ModelState {
  return {
    ...state,
    settings: { ...settings },
    progress: epoch > 0 ? { epoch, epochProgress: 0, samplesPerSec: 0 } : null,
    trainedEpoch: epoch > 0 ? epoch : null,
  };
}

export function applyWorkerEvent(state: ModelState, event: WorkerEvent): ModelStep {
  switch (event.type) {
    case 'ready': {
      const { type: _, ...info } = event;
      // The sizes are the model's; so is its dataset (the `data` files stand in for the bundled set chosen).
      const datasetId = info.dataset === 'url' ? state.settings.datasetId : info.dataset;
      return {
        state: { ...state, ready: info, settings: { ...withShape(state.settings, info), datasetId } },
        effects: [{ type: 'lifecycle', news: { type: 'workerReady' } }],
      };
    }
    case 'team': {
      const { type: _, ...team } = event;
      return { state: { ...state, team }, effects: [] };
    }
    case 'decoder':
      return { state, effects: [{ type: 'decoder', descriptor: event.descriptor, weights: event.weights }] };
    case 'frame': {
      const { type: _, ...frame } = event;
      return { state, effects: [{ type: 'frame', frame }] };
    }
    case 'state':
      return { state, effects: [{ type: 'state', step: event.step, epoch: event.epoch, bytes: event.bytes }] };
    case 'latents':
      return { state: { ...state, latents: { z: event.z, labels: event.labels, projection: event.projection, own: event.own } }, effects: [] };
    case 'ingest':
      return { state, effects: [{ type: 'ingest', progress: event.progress }] };
    case 'progress': {
      const n = event.losses.length;
      // The last step's loss (the triples are loss, recon, kl).
      const loss = n >= 3 ? event.losses[n - 3] : NaN;
      return {
        state: { ...state, progress: { epoch: event.epoch, epochProgress: event.epochProgress, samplesPerSec: event.samplesPerSec } },
        effects: [
          { type: 'steps', losses: event.losses, samplesPerSec: event.samplesPerSec, step: event.step },
          { type: 'emit', name: 'progress', detail: { epoch: event.epoch, step: event.step, loss, samplesPerSec: event.samplesPerSec } },
        ],
      };
    }
    case 'epoch': {
      const { type: _, ...epoch } = event;
      return {
        state,
        effects: [{ type: 'epochEnded', epoch, settings: { ...state.settings } }, { type: 'emit', name: 'epoch', detail: epoch }, { type: 'save' }],
      };
    }
    case 'status':
      return {
        state: { ...state, running: event.running, trainedEpoch: event.running ? null : state.trainedEpoch },
        effects: [
          { type: 'runClock', running: event.running },
          { type: 'lifecycle', news: { type: event.running ? 'workerStarted' : 'workerStopped' } },
          // Training stopped: keep what it trained (a new model announcing that it does not train has nothing to keep).
          ...(!event.running && state.running ? [{ type: 'save' } as const] : []),
        ],
      };
    case 'classifier':
      return { state: { ...state, classifier: { progress: event.progress, accuracy: event.accuracy } }, effects: [] };
    case 'trained':
      return { state: { ...state, trainedEpoch: event.epoch }, effects: [{ type: 'emit', name: 'trained', detail: { epoch: event.epoch } }] };
    case 'checkpoint':
      return { state, effects: [{ type: 'checkpoint', bytes: event.bytes, epoch: event.epoch }] };
    case 'trapped':
      // The worker is gone for good: nothing it said it was doing still holds.
      return {
        state: { ...state, running: false, ready: null },
        effects: [{ type: 'runClock', running: false }, { type: 'lifecycle', news: { type: 'trap', trap: { where: event.where, message: event.message, heapBytes: event.heapBytes } } }],
      };
    case 'error':
      return { state, effects: [event.fatal ? { type: 'lifecycle', news: { type: 'fatal', message: event.message } } : { type: 'error', message: event.message }] };
  }
}
