// Test digits for the views that start from one: picked at random from the test split (never trained on).
import type { PlaygroundActions } from './view.js';

export interface TestDigits {
  pixels: Float32Array;
  labels: Uint8Array;
}

/** `count` test digits at random (a different set each call). */
export function randomTestDigits(request: PlaygroundActions['request'], count: number, testSize: number): Promise<TestDigits> {
  const indices = Uint32Array.from({ length: count }, () => Math.floor(Math.random() * testSize));
  return request({ kind: 'testDigits', indices });
}

/** One test digit of each class 0–9, from the first `scan` test digits. */
export async function oneOfEachDigit(request: PlaygroundActions['request'], testSize: number, scan = 200): Promise<TestDigits> {
  const all = await request({ kind: 'testDigits', indices: Uint32Array.from({ length: Math.min(scan, testSize) }, (_, i) => i) });
  const pixels = new Float32Array(10 * 784);
  const labels = new Uint8Array(10);
  for (let digit = 0; digit < 10; digit++) {
    const i = Math.max(0, all.labels.indexOf(digit));
    pixels.set(all.pixels.subarray(i * 784, (i + 1) * 784), digit * 784);
    labels[digit] = all.labels[i];
  }
  return { pixels, labels };
}
