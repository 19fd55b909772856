// The frames as JSON, for plotting elsewhere or sharing: per frame its step, epoch, losses and the test images'
// codes (each to 9 significant digits, which gives every f32 back exactly), the labels once; with `decoders`, each
// frame's decoder too (f16 bits, little-endian, base64: 271 KB a frame for the default MLP, so off by default).
// `parseTimelapse` reads such a file back, checking every field.
import type { DecoderDescriptor, Frame, FrameRecorder, TimelapseHeader } from './frames.js';

export const FORMAT = 'vae-playground.timelapse';
export const VERSION = 1;

export interface TimelapseJson {
  format: typeof FORMAT;
  version: typeof VERSION;
  latent: number;
  count: number;
  labels: number[];
  decoder: DecoderDescriptor;
  frames: {
    step: number;
    epoch: number;
    trainLoss: number;
    testElbo: number | null;
    /** [count × latent], row-major. */
    codes: number[];
    /** base64 of the f16 bits (little-endian), when exported with decoders. */
    decoderF16?: string;
  }[];
  /** Where full training state was kept (not exported: it is the trainer's own format). */
  states: { step: number; epoch: number }[];
}

const f32Text = (x: number) => Number(x.toPrecision(9));

export function timelapseJson(recorder: FrameRecorder, { decoders = false } = {}): string {
  const { header } = recorder;
  const json: TimelapseJson = {
    format: FORMAT,
    version: VERSION,
    latent: header.latent,
    count: header.count,
    labels: Array.from(header.labels),
    decoder: header.decoder,
    frames: recorder.frames.map((f) => ({
      step: f.step,
      epoch: f.epoch,
      trainLoss: f.losses.train,
      testElbo: f.losses.testElbo,
      codes: Array.from(f.codes, f32Text),
      ...(decoders && { decoderF16: base64(new Uint8Array(f.decoder.buffer, f.decoder.byteOffset, f.decoder.byteLength)) }),
    })),
    states: recorder.states.map((s) => ({ step: s.step, epoch: s.epoch })),
  };
  return JSON.stringify(json);
}

/** A time-lapse JSON file back as a header and frames (frames without a decoder get none: an empty array). */
export function parseTimelapse(text: string): { header: TimelapseHeader; frames: Frame[] } {
  let json: Partial<TimelapseJson>;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`this is not a time-lapse file: it is not JSON (${(cause as Error).message})`);
  }
  if (json?.format !== FORMAT || json.version !== VERSION) throw new Error(`this is not a time-lapse file of version ${VERSION} (format "${FORMAT}")`);
  const whole = (x: unknown, what: string) => {
    if (!Number.isSafeInteger(x) || (x as number) < 0) throw new Error(`the time-lapse file's ${what} is not a whole number ≥ 0`);
    return x as number;
  };
  const latent = whole(json.latent, 'latent size');
  const count = whole(json.count, 'image count');
  if (!Array.isArray(json.labels) || json.labels.length !== count) throw new Error(`the time-lapse file has ${json.labels?.length ?? 'no'} labels for ${count} images`);
  const labels = Uint8Array.from(json.labels, (l, i) => whole(l, `label ${i}`));
  const decoder = json.decoder as DecoderDescriptor;
  if (!decoder || typeof decoder.architecture !== 'string') throw new Error('the time-lapse file does not say what its decoder is');
  whole(decoder.values, 'decoder size');
  if (!Array.isArray(json.frames)) throw new Error('the time-lapse file has no frames');
  let previous = -1;
  const frames = json.frames.map((f, i): Frame => {
    const step = whole(f?.step, `frame ${i}'s step`);
    if (step <= previous) throw new Error(`the time-lapse file's frames are not in step order (frame ${i})`);
    previous = step;
    if (!Array.isArray(f.codes) || f.codes.length !== count * latent || !f.codes.every(Number.isFinite)) {
      throw new Error(`frame ${i} of the time-lapse file does not hold ${count} × ${latent} finite codes`);
    }
    const bits = typeof f.decoderF16 === 'string' ? unbase64(f.decoderF16) : new Uint8Array(0);
    if (bits.length !== 0 && bits.length !== 2 * decoder.values) throw new Error(`frame ${i}'s decoder holds ${bits.length / 2} values, not ${decoder.values}`);
    const testElbo = f.testElbo === null || f.testElbo === undefined ? null : Number(f.testElbo);
    return {
      step, epoch: Number(f.epoch), losses: { train: Number(f.trainLoss), testElbo },
      codes: Float32Array.from(f.codes), decoder: new Uint16Array(bits.buffer, bits.byteOffset, bits.length / 2), projection: null,
    };
  });
  return { header: { latent, count, labels, decoder }, frames };
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function unbase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
