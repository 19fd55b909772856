// The time-lapse as a video: each frame drawn on a canvas, encoded VP8 through WebCodecs, written as WebM. Not
// MediaRecorder: it records in real time and drops frames when the page is busy; WebCodecs takes the frames with
// their own timestamps, so the file's duration is exactly frames ÷ fps and it encodes faster than real time (~13× for
// 560 × 280 in headless Chromium here). It needs no worker, no library and nothing a strict CSP forbids.
import { webm, type VideoChunk } from './webm.js';

export interface VideoOptions {
  fps: number;
  /** Bits per second (VP8's quality knob; 2 Mb/s keeps the scatter's dots crisp at 960 × 480). */
  bitrate?: number;
  /** A keyframe every this many frames (where a player can seek to). */
  keyEvery?: number;
}

/** Why this browser cannot encode the video (a sentence for the person), or null if it can. */
export async function videoUnsupported(width: number, height: number, fps: number): Promise<string | null> {
  const cannot = `This browser cannot encode video here (WebCodecs with VP8 at ${width} × ${height})`;
  if (typeof VideoEncoder === 'undefined' || typeof VideoFrame === 'undefined') return `${cannot}: it has no WebCodecs.`;
  try {
    const { supported } = await VideoEncoder.isConfigSupported(config(width, height, { fps }));
    return supported ? null : `${cannot}.`;
  } catch (cause) {
    return `${cannot}: ${cause instanceof Error ? cause.message : String(cause)}.`;
  }
}

function config(width: number, height: number, { fps, bitrate = 2_000_000 }: VideoOptions): VideoEncoderConfig {
  return { codec: 'vp8', width, height, bitrate, framerate: fps };
}

/**
 * Draws frame i of `count` on `canvas` with `draw` and encodes it at i / fps; resolves to the WebM file. Yields to
 * the event loop after every frame (the page stays responsive) and waits when the encoder falls behind.
 */
export async function encodeVideo(
  canvas: HTMLCanvasElement | OffscreenCanvas, count: number, draw: (i: number) => void | Promise<void>,
  options: VideoOptions, onProgress: (fraction: number) => void = () => {},
): Promise<Blob> {
  const { width, height } = canvas;
  const why = await videoUnsupported(width, height, options.fps);
  if (why) throw new Error(why);
  const frameDuration = Math.round(1e6 / options.fps);
  const keyEvery = options.keyEvery ?? Math.max(1, Math.round(options.fps * 2));
  const chunks: VideoChunk[] = [];
  let failure: Error | null = null;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      chunks.push({ data, timestamp: chunk.timestamp, key: chunk.type === 'key' });
    },
    error: (e) => {
      failure = e;
    },
  });
  try {
    encoder.configure(config(width, height, options));
    for (let i = 0; i < count && !failure; i++) {
      await draw(i);
      const frame = new VideoFrame(canvas, { timestamp: i * frameDuration, duration: frameDuration });
      encoder.encode(frame, { keyFrame: i % keyEvery === 0 });
      frame.close();
      while (encoder.encodeQueueSize > 2) await new Promise((resolve) => encoder.addEventListener('dequeue', resolve, { once: true }));
      onProgress((i + 1) / count);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (!failure) await encoder.flush();
  } finally {
    if (encoder.state !== 'closed') encoder.close();
  }
  if (failure) throw new Error(`The video could not be encoded: ${(failure as Error).message}`);
  chunks.sort((a, b) => a.timestamp - b.timestamp);
  return new Blob([webm({ codec: 'V_VP8', width, height, frameDuration }, chunks)], { type: 'video/webm' });
}
