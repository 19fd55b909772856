// Half-precision conversion (www/timelapse/f16.ts): the fallback used where a browser has no Float16Array, against an
// oracle written independently (every f16 value listed, the nearest picked, ties to the even one); Chromium's own
// Math.f16round is compared in tests/e2e/timelapse.test.mjs. And a decoder restored from f16 draws the same digits to
// within one 8-bit grey level.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const f16 = await importWww('www/timelapse/f16.ts');
const { decodeMlp, mlpDecoderValues } = await importWww('tests/e2e/fixtures/timelapse/mlp-decoder.ts');

// The oracle: all finite f16 values from their definition (sign · 2^(e−15) · 1.m, subnormals 2⁻¹⁴ · 0.m), sorted.
const finite = [];
for (let h = 0; h < 0x7c00; h++) {
  const e = h >> 10;
  const m = h & 0x3ff;
  finite.push({ bits: h, value: e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15) });
}
function oracleBits(x) {
  if (Number.isNaN(x)) return 'NaN';
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65504 + half its step and beyond: ∞
  let lo = 0;
  let hi = finite.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (finite[mid].value <= a) lo = mid;
    else hi = mid;
  }
  const below = finite[lo];
  const above = finite[hi];
  const d1 = a - below.value;
  const d2 = above.value - a;
  const pick = d1 < d2 ? below : d2 < d1 ? above : (below.bits & 1) === 0 ? below : above;
  return sign | pick.bits;
}
const f32 = (x) => Math.fround(x);
const bitsOf = (x) => {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  return v.getUint32(0);
};
const valueOfF16 = (h) => {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, f16.f16ToF32Bits(h));
  return v.getFloat32(0);
};

test('this node has no Float16Array, so the fallback is what runs here', () => {
  assert.equal(typeof Math.f16round, 'undefined', 'node grew f16: compare with Math.f16round here too');
  assert.equal(f16.f16Backend(), 'fallback');
});

test('every f16 value converts to f32 and back to the same bits (NaN to a NaN)', () => {
  for (let h = 0; h < 65536; h++) {
    const value = valueOfF16(h);
    const back = f16.f32BitsToF16(bitsOf(value));
    if (Number.isNaN(value)) assert.ok((back & 0x7c00) === 0x7c00 && (back & 0x3ff) !== 0, `NaN ${h.toString(16)} → ${back.toString(16)}`);
    else assert.equal(back, h, `0x${h.toString(16)} (${value}) came back as 0x${back.toString(16)}`);
  }
});

test('f32 → f16 rounds to the nearest, ties to even, as the oracle does: edges and 200,000 random values', () => {
  const edges = [
    0, -0, 1, -1, 65504, -65504, 65519.99, 65520, 65536, 1e10, -1e10, Infinity, -Infinity,
    2 ** -14, 2 ** -14 * (1 - 2 ** -11), 2 ** -24, 2 ** -25, 2 ** -25 * 1.0001, 2 ** -26, 3 * 2 ** -26, 1e-30, -1e-30,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 2048 + 1, 2048 + 3, 0.1, 1 / 3, Math.PI, 6.1e-5,
  ].map(f32);
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const values = [...edges];
  for (let i = 0; i < 200_000; i++) {
    // Uniform over the f32 bit patterns in the f16 range and a little beyond (every exponent equally often).
    const exponent = 100 + Math.floor(random() * 46);
    const bits = ((random() < 0.5 ? 0x80000000 : 0) | (exponent << 23) | Math.floor(random() * 2 ** 23)) >>> 0;
    const v = new DataView(new ArrayBuffer(4));
    v.setUint32(0, bits);
    values.push(v.getFloat32(0));
  }
  const out = f16.toF16(Float32Array.from(values));
  values.forEach((x, i) => assert.equal(out[i], oracleBits(x), `${x}: 0x${out[i].toString(16)}, oracle 0x${oracleBits(x).toString(16)}`));
});

test('±∞ stay infinite, NaN stays NaN, -0 keeps its sign, subnormals are exact multiples of 2⁻²⁴', () => {
  const back = f16.fromF16(f16.toF16(Float32Array.of(Infinity, -Infinity, NaN, -0, 5 * 2 ** -24, 2 ** -24 * 1.5, 2 ** -24 * 2.5)));
  assert.equal(back[0], Infinity);
  assert.equal(back[1], -Infinity);
  assert.ok(Number.isNaN(back[2]));
  assert.ok(Object.is(back[3], -0));
  assert.equal(back[4], 5 * 2 ** -24);
  assert.equal(back[5], 2 * 2 ** -24, '1.5 units: a tie, to the even 2');
  assert.equal(back[6], 2 * 2 ** -24, '2.5 units: a tie, to the even 2');
});

test('f16round (the scalar, from a double) agrees with the oracle without rounding twice', () => {
  // 1 + 2⁻¹¹ + 2⁻⁴⁰ is above the tie between 1 and 1 + 2⁻¹⁰: it must round up. Through f32 it would first become
  // 1 + 2⁻¹¹ exactly, a tie, and round down to 1.
  assert.equal(f16.f16round(1 + 2 ** -11 + 2 ** -40), 1 + 2 ** -10);
  for (const x of [0.1, -0.1, 1 / 3, 65519, 65520, 2 ** -25, 2 ** -25 + 2 ** -60, 1e-9, 12345.678, 2 ** 15 - 1e-9]) {
    const expected = oracleBits(x);
    assert.equal(f16.f16round(x), expected === 0x7c00 ? Infinity : valueOfF16(expected), String(x));
  }
  assert.ok(Number.isNaN(f16.f16round(NaN)));
  assert.ok(Object.is(f16.f16round(-0), -0));
});

/**
 * How far f16 can move a pixel of the MLP decoder at z, from first principles: each weight moves by at most u = 2⁻¹¹ of
 * itself (relative rounding of a normal f16; subnormals move by ≤ 2⁻²⁵, counted too), so a hidden unit moves by
 * Δh ≤ u·(|b₁| + Σ|W₁||z|) + n·2⁻²⁵, a logit by u·(|b₂| + Σ|W₂|h) + Σ|W₂|(1 + u)Δh + …, and a sigmoid by ≤ ¼ of that.
 */
function f16PixelBound(weights, hidden, latent, z) {
  const u = 2 ** -11;
  const tiny = 2 ** -25;
  const b1 = hidden * latent;
  const w2 = b1 + hidden;
  const b2 = w2 + 784 * hidden;
  const h = new Float64Array(hidden);
  const dh = new Float64Array(hidden);
  for (let j = 0; j < hidden; j++) {
    let sum = weights[b1 + j];
    let size = Math.abs(weights[b1 + j]);
    for (let k = 0; k < latent; k++) {
      sum += weights[j * latent + k] * z[k];
      size += Math.abs(weights[j * latent + k] * z[k]);
    }
    h[j] = Math.max(0, sum);
    dh[j] = u * size + tiny * (1 + latent * Math.max(...Array.from(z, Math.abs)));
  }
  let worst = 0;
  for (let p = 0; p < 784; p++) {
    let bound = u * Math.abs(weights[b2 + p]) + tiny;
    for (let j = 0; j < hidden; j++) {
      const w = Math.abs(weights[w2 + p * hidden + j]);
      bound += (u * w + tiny) * (h[j] + dh[j]) + w * dh[j];
    }
    worst = Math.max(worst, bound / 4);
  }
  return worst + 1e-7; // the f32 output's own rounding
}

test('a decoder restored from f16 draws digits within the bound f16 allows, and within one 8-bit grey level at trained scales', () => {
  // The MLP decoder at PyTorch's initial scale (|w| ≤ 1/√fan_in) and at twice it (training grows the weights), and a
  // wider one, at 300 codes from N(0, 2²) (the test codes of a trained model sit within about ±4).
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (const [hidden, latent, scale] of [[128, 2, 1], [128, 2, 2], [512, 8, 2], [128, 2, 8]]) {
    const n = mlpDecoderValues(hidden, latent);
    const weights = new Float32Array(n);
    const fc = hidden * latent + hidden;
    for (let i = 0; i < n; i++) weights[i] = (2 * random() - 1) * scale / Math.sqrt(i < fc ? latent : hidden);
    const restored = f16.fromF16(f16.toF16(weights));
    let worst = 0;
    let differs = false;
    for (let k = 0; k < 300; k++) {
      const z = Float32Array.from({ length: latent }, () => 2 * gaussian());
      const a = decodeMlp(weights, hidden, latent, z);
      const b = decodeMlp(restored, hidden, latent, z);
      let here = 0;
      for (let p = 0; p < 784; p++) {
        here = Math.max(here, Math.abs(a[p] - b[p]));
        differs ||= a[p] !== b[p];
      }
      assert.ok(here <= f16PixelBound(weights, hidden, latent, z), `hidden ${hidden} ×${scale}: ${here} beyond the bound at z = ${z}`);
      worst = Math.max(worst, here);
    }
    assert.ok(differs, 'f16 lost nothing: the test would prove nothing');
    console.log(`# hidden ${hidden}, latent ${latent}, weights ×${scale}: largest pixel change ${worst.toExponential(2)} (1/255 = ${(1 / 255).toExponential(2)})`);
    if (scale <= 2) assert.ok(worst < 1 / 255, `hidden ${hidden}, latent ${latent}, ×${scale}: a pixel moved by ${worst}`);
  }
});
