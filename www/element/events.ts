// The element's public events: each one's `detail`, typed once (playground.ts re-exports them for the package), and
// listeners typed by event name.
import type { ReadyInfo } from '../protocol.js';
import type { FrameChangeDetail } from '../timelapse/element-link.js';

export type { FrameChangeDetail };

export interface ProgressDetail { epoch: number; step: number; loss: number; samplesPerSec: number }
export interface EpochDetail { epoch: number; step: number; testElbo: number; recon: number; kl: number }
export interface LatentChangeDetail { z: number[]; pixels: Float32Array }
export interface TrainedDetail { epoch: number }
export interface DrawChangeDetail { pixels: Float32Array; z: number[] }
export interface RecoveredDetail { pixels: Float32Array; step: number; error: number; baselineError: number }
export interface RestoredDetail { epoch: number; savedAt: number }
export interface InterpolatedDetail { latent: Float32Array; pixels: Float32Array; frames: number; from: number[]; to: number[] }
export interface ErrorDetail { message: string }
/** `digit`: the class's index (the digit on MNIST); `label`: the class's name. */
export interface Classification { digit: number; label: string; probabilities: Float32Array }
export type ReadyDetail = ReadyInfo;

export interface VaePlaygroundEventMap {
  ready: CustomEvent<ReadyDetail>;
  progress: CustomEvent<ProgressDetail>;
  epoch: CustomEvent<EpochDetail>;
  latentchange: CustomEvent<LatentChangeDetail>;
  trained: CustomEvent<TrainedDetail>;
  drawchange: CustomEvent<DrawChangeDetail>;
  recovered: CustomEvent<RecoveredDetail>;
  interpolated: CustomEvent<InterpolatedDetail>;
  restored: CustomEvent<RestoredDetail>;
  framechange: CustomEvent<FrameChangeDetail>;
  error: CustomEvent<ErrorDetail>;
}

/** An element whose `addEventListener` knows its events' details by name. */
export class PlaygroundEventTarget extends HTMLElement {
  override addEventListener<K extends keyof VaePlaygroundEventMap>(type: K, listener: (this: this, ev: VaePlaygroundEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  override removeEventListener<K extends keyof VaePlaygroundEventMap>(type: K, listener: (this: this, ev: VaePlaygroundEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options);
  }
}
