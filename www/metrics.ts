// Error measures shared by the worker and the views.

/**
 * Mean squared error between image i (`size` pixels: 784 for 28 × 28) of two flat image sets, over the pixels where
 * `mask` is 1 (all without one).
 */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>, i = 0, size = 784): number {
  let sum = 0;
  let count = 0;
  for (let p = 0; p < size; p++) {
    if (mask && mask[p] < 0.5) continue;
    sum += (a[i * size + p] - b[i * size + p]) ** 2;
    count++;
  }
  return count ? sum / count : NaN;
}
