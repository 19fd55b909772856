// The MLP decoder in plain TypeScript, over the flat snapshot `Decoder::to_flat` writes (fc.weight [H × L], fc.bias
// [H], out.weight [784 × H], out.bias [784]): z → ReLU(W₁z + b₁) → sigmoid(W₂h + b₂). The page decodes with its wasm
// decoder; this one lets the time-lapse's tests and harness decode a frame without wasm (and measures what f16 does
// to a digit). It is ~10× slower than the wasm decoder: fine for a frame's manifold in an export, not for a drag.

export const PIXELS = 784;

/** Values in the snapshot of an MLP decoder of these sizes. */
export function mlpDecoderValues(hidden: number, latent: number): number {
  return hidden * latent + hidden + PIXELS * hidden + PIXELS;
}

/** 784 intensities in [0, 1] for the latent point z. `scratch` (hidden values) and `out` are reused when given. */
export function decodeMlp(
  weights: Float32Array, hidden: number, latent: number, z: ArrayLike<number>,
  out = new Float32Array(PIXELS), scratch = new Float32Array(hidden),
): Float32Array {
  if (weights.length !== mlpDecoderValues(hidden, latent)) {
    throw new RangeError(`an MLP decoder of ${hidden} hidden units and ${latent} latent dimensions has ${mlpDecoderValues(hidden, latent)} values, not ${weights.length}`);
  }
  const b1 = hidden * latent;
  const w2 = b1 + hidden;
  const b2 = w2 + PIXELS * hidden;
  for (let j = 0; j < hidden; j++) {
    let sum = weights[b1 + j];
    for (let k = 0; k < latent; k++) sum += weights[j * latent + k] * z[k];
    scratch[j] = sum > 0 ? sum : 0;
  }
  for (let p = 0; p < PIXELS; p++) {
    let sum = weights[b2 + p];
    const row = w2 + p * hidden;
    for (let j = 0; j < hidden; j++) sum += weights[row + j] * scratch[j];
    out[p] = 1 / (1 + Math.exp(-sum));
  }
  return out;
}

/** The quantile function of N(0, 1) (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * The manifold as the Generate view draws it: n × n digits (n·n·784, row by row from the top-left), column c at the
 * (c + ½)/n quantile along latent dimension 0, row r at the (n − r − ½)/n quantile along dimension 1, others 0.
 */
export function manifoldMlp(weights: Float32Array, hidden: number, latent: number, n: number): Float32Array {
  const pixels = new Float32Array(n * n * PIXELS);
  const z = new Float32Array(latent);
  const scratch = new Float32Array(hidden);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      z[0] = normalQuantile((col + 0.5) / n);
      if (latent > 1) z[1] = normalQuantile((n - row - 0.5) / n);
      decodeMlp(weights, hidden, latent, z, pixels.subarray((row * n + col) * PIXELS, (row * n + col + 1) * PIXELS), scratch);
    }
  }
  return pixels;
}
