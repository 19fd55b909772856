// Half-precision floats (IEEE 754 binary16) for the time-lapse's decoder snapshots: half the bytes of f32, so twice
// the frames fit the memory bound. Stored as their bits in a Uint16Array, which every browser can hold, clone into
// IndexedDB and transfer; the conversion uses the browser's Float16Array where it exists (Chromium 135+, Firefox
// 129+, Safari 18.2+) and exact bit arithmetic elsewhere. Both round to nearest, ties to even, as Math.f16round does;
// tests/unit/timelapse-f16.test.mjs checks the fallback against an independent oracle, tests/e2e/timelapse.test.mjs
// against Chromium's Math.f16round.
//
// Precision: 11 significant bits (relative error ≤ 2⁻¹¹ ≈ 4.9e-4 for |x| in [6.1e-5, 65504]); below that the step is
// 2⁻²⁴ ≈ 6e-8 (subnormals); beyond ±65504, ±∞. A decoder's weights (|w| < 4 for the MLP here) lose nothing that shows:
// the digits decoded from the f16 copy differ by less than one 8-bit grey level (see the test).

/** What the browser may offer; not in TypeScript 5.9's ES2022 lib, so looked up rather than named. */
type Float16ArrayConstructor = new (values: ArrayLike<number> | ArrayBufferLike) => ArrayLike<number> & { buffer: ArrayBufferLike };

function nativeFloat16Array(): Float16ArrayConstructor | null {
  const candidate = (globalThis as { Float16Array?: Float16ArrayConstructor }).Float16Array;
  return typeof candidate === 'function' ? candidate : null;
}

/** Which conversion runs here: the browser's Float16Array, or this module's bit arithmetic. */
export function f16Backend(): 'native' | 'fallback' {
  return nativeFloat16Array() ? 'native' : 'fallback';
}

/** The f16 bits nearest to an f32 given by its bits (round to nearest, ties to even; NaN stays NaN). */
export function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs >= 0x7f800000) {
    // ∞ stays ∞; a NaN stays a (quiet) NaN, with the top of its payload.
    return abs === 0x7f800000 ? sign | 0x7c00 : sign | 0x7e00 | ((abs >>> 13) & 0x3ff);
  }
  if (abs >= 0x477ff000) return sign | 0x7c00; // ≥ 65520: beyond the largest f16 (65504) by at least half a step
  if (abs < 0x38800000) {
    // Below 2⁻¹⁴, the smallest normal f16: a subnormal (a multiple of 2⁻²⁴) or zero.
    if (abs < 0x33000000) return sign; // < 2⁻²⁵: nearer to 0 (exactly 2⁻²⁵ is a tie, and 0 is even)
    const exponent = abs >>> 23;
    const mantissa = (abs & 0x7fffff) | 0x800000;
    const shift = 126 - exponent; // value = mantissa · 2^(exponent − 150) = (mantissa / 2^shift) · 2⁻²⁴
    let q = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (q & 1) === 1)) q++; // q may reach 0x400: the smallest normal, correctly
    return sign | q;
  }
  // A normal f16: rebias the exponent (127 → 15) and round away the low 13 bits of the mantissa; a carry runs into
  // the exponent, which is right (the largest values round to ∞ only above, handled before).
  let half = (abs - 0x38000000) >>> 13;
  const rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** The f32 bits of an f16 given by its bits (exact: every f16 is an f32). */
export function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // ∞, or NaN with its payload
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // A subnormal: normalise it (shift the leading one into the implicit bit).
  let e = 113;
  let m = mantissa;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** Math.f16round where the browser has it, otherwise the same rounding done here. */
export function f16round(x: number): number {
  const native = (Math as { f16round?: (x: number) => number }).f16round;
  if (native) return native(x);
  if (Number.isNaN(x) || x === 0 || !Number.isFinite(x)) return x; // NaN, ±0 and ±∞ are themselves
  return roundDoubleToF16(x);
}

/** A double rounded to the nearest f16 value (ties to even), without passing through f32 (no double rounding). */
function roundDoubleToF16(x: number): number {
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  // The spacing of f16 values around a: 2^(e − 10) for normals, 2⁻²⁴ for subnormals (log2 may be off by one near a
  // power of two: corrected).
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const unit = 2 ** (Math.max(-14, e) - 10);
  const scaled = a / unit; // exact: a division by a power of two
  let q = Math.floor(scaled);
  const rest = scaled - q;
  if (rest > 0.5 || (rest === 0.5 && q % 2 === 1)) q++;
  const r = q * unit;
  return x < 0 ? -r : r;
}

let table: Float32Array | null = null;

/** Every f16 bit pattern's value, built once (256 KB): a lookup is faster than the arithmetic. */
function f16Table(): Float32Array {
  if (!table) {
    const bits = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) bits[h] = f16ToF32Bits(h);
    table = new Float32Array(bits.buffer);
  }
  return table;
}

/** f32 values as f16 bits. `out` (same length) is filled when given. */
export function toF16(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  if (out.length !== values.length) throw new RangeError(`toF16: ${values.length} values into ${out.length} places`);
  const Native = nativeFloat16Array();
  if (Native) {
    out.set(new Uint16Array(new Native(values).buffer));
    return out;
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]);
  return out;
}

/** f16 bits as f32 values (exact). `out` (same length) is filled when given. */
export function fromF16(bits: Uint16Array, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  if (out.length !== bits.length) throw new RangeError(`fromF16: ${bits.length} values into ${out.length} places`);
  const values = f16Table();
  for (let i = 0; i < bits.length; i++) out[i] = values[bits[i]];
  return out;
}

/** The same conversions with this module's arithmetic only (to compare with the browser's, and to measure). */
export const fallback = {
  toF16(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]);
    return out;
  },
};
