// Test images for the views that start from one: picked from the test split (never trained on).
import type { PlaygroundActions } from './view.js';

export interface TestDigits {
  pixels: Float32Array;
  labels: Uint8Array;
}

/** `count` test images at random (a different set each call). */
export function randomTestDigits(request: PlaygroundActions['request'], count: number, testSize: number): Promise<TestDigits> {
  const indices = Uint32Array.from({ length: count }, () => Math.floor(Math.random() * testSize));
  return request({ kind: 'testDigits', indices });
}

/**
 * One test image of each of the first `classes` classes, from the first `scan` test images (a class not among them:
 * the first image instead); with no classes (an unlabelled set), the first `fallback` test images. `size`: values per
 * image.
 */
export async function oneOfEachClass(request: PlaygroundActions['request'], testSize: number, classes: number, fallback: number, size: number, scan = 200): Promise<TestDigits> {
  const all = await request({ kind: 'testDigits', indices: Uint32Array.from({ length: Math.min(scan, testSize) }, (_, i) => i) });
  const picks = classes > 0
    ? Array.from({ length: classes }, (_, c) => Math.max(0, all.labels.indexOf(c)))
    : Array.from({ length: Math.min(fallback, all.labels.length) }, (_, i) => i);
  const pixels = new Float32Array(picks.length * size);
  picks.forEach((i, k) => pixels.set(all.pixels.subarray(i * size, (i + 1) * size), k * size));
  return { pixels, labels: Uint8Array.from(picks, (i) => all.labels[i]) };
}
