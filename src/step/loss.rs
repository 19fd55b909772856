//! The negative ELBO's reconstruction term as the training step computes it: binary cross-entropy with logits and
//! its gradient in one fused pass, in numerically stable forms only, with its own exp and log (wasm has neither in
//! hardware). candle's form of the same loss, which the steps are tested against, is `oracle::loss`.

use num_traits::Float;

/// softplus(l) − x·l and its derivative σ(l) − x, from one e^−|l|.
#[inline(always)]
pub(crate) fn bce_term_and_gradient<T: BceMath>(l: T, x: T) -> (T, T) {
    let e = T::exp_non_positive(-l.abs()); // e^−|l| ∈ (0, 1]: never overflows
    let inv = T::one() / (T::one() + e);
    let sigmoid = if l >= T::zero() { inv } else { e * inv };
    (l.max(T::zero()) - x * l + T::ln_1p_unit(e), sigmoid - x)
}

/// The training step's form of the loss: the sum over all values of rows of `pixels` of softplus(l) − x·l (the
/// binary cross-entropy between targets x ∈ [0, 1] and logits l), with the logits replaced in place by
/// `scale`·(σ(l) − x), their gradient for a loss that is `scale` times the sum.
pub fn bce_rows_into_gradient(logits: &mut [f32], x: &[f32], pixels: usize, scale: f32) -> f32 {
    assert!(pixels > 0 && logits.len() == x.len() && logits.len() % pixels == 0, "rows of {pixels} logits and targets");
    // Row by row, each in blocks of at most 784 values: a sum in f32 over 784 terms at a time, as the candle form
    // sums each MNIST image's row (a row of 784 is one block, summed exactly as it always was).
    let mut total = 0f32;
    for (row, x) in logits.chunks_exact_mut(pixels).zip(x.chunks_exact(pixels)) {
        for (block, x) in row.chunks_mut(BLOCK).zip(x.chunks(BLOCK)) {
            total += block_into_gradient(block, x, scale);
        }
    }
    total
}

/// The values a block of a row holds: an MNIST image's.
const BLOCK: usize = 784;

/// One block of at most `BLOCK` values: its sum, its logits replaced by their gradient.
#[inline(always)]
fn block_into_gradient(block: &mut [f32], x: &[f32], scale: f32) -> f32 {
    #[cfg(target_arch = "wasm32")]
    {
        // Four at a time, then the last values (fewer than four) one at a time.
        let whole = block.len() - block.len() % 4;
        let (vector, tail) = block.split_at_mut(whole);
        let mut sum = if whole > 0 { simd_bce::row(vector, &x[..whole], scale) } else { 0.0 };
        for (l, &x) in tail.iter_mut().zip(&x[whole..]) {
            let (term, grad) = bce_term_and_gradient(*l, x);
            *l = grad * scale;
            sum += term;
        }
        sum
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        // The elementwise work in a loop of its own (it vectorises), the sum after it (a sum in order does not).
        let mut terms = [0f32; BLOCK];
        let terms = &mut terms[..block.len()];
        for ((term, l), &x) in terms.iter_mut().zip(block.iter_mut()).zip(x) {
            let grad;
            (*term, grad) = bce_term_and_gradient(*l, x);
            *l = grad * scale;
        }
        terms.iter().sum::<f32>()
    }
}

/// The same arithmetic as `bce_term_and_gradient` for f32 (and `BceMath for f32`), four pixels at a time: LLVM does
/// not vectorise the scalar form (its floor, casts and branch), and the loss was a ninth of a step in the browser.
/// Plain multiply and add only (no fused multiply-add, even in the relaxed build), so both builds agree with the
/// scalar form to the last bit per pixel; only the row sum's order differs (four lanes, then across).
#[cfg(target_arch = "wasm32")]
pub mod simd_bce {
    use super::{ATANH_SERIES, EXP_SERIES, LN2_HIGH, LN2_LOW};
    use core::arch::wasm32::*;

    #[inline(always)]
    fn horner(x: v128, coefficients: &[v128]) -> v128 {
        let mut acc = coefficients[0];
        for &c in &coefficients[1..] {
            acc = f32x4_add(f32x4_mul(acc, x), c);
        }
        acc
    }

    /// A constant splatted once, before a loop, into a value the loop keeps: written as `f32x4_splat(c)` inside the
    /// loop, LLVM emits a `v128.const` at each use, in the loop, for V8 to build every iteration; kept, the loss ran
    /// about 5 % faster.
    #[inline(always)]
    fn kept(c: f32) -> v128 {
        f32x4_splat(core::hint::black_box(c))
    }

    /// Σ softplus(l) − x·l over a row, with the row replaced by scale·(σ(l) − x).
    pub fn row(row: &mut [f32], x: &[f32], scale: f32) -> f32 {
        assert!(row.len() == x.len() && row.len() % 4 == 0, "rows of whole f32x4s");
        let (zero, one, two) = (kept(0.0), kept(1.0), kept(2.0));
        // n (a whole number in [−126, 0]) as an integer: n + 1.5·2²³ holds n in its low mantissa bits, so its bits
        // minus those of 1.5·2²³ are n — two instructions, where V8 spends about seven on i32x4_trunc_sat_f32x4.
        const MAGIC: f32 = 12_582_912.0;
        let (floor_at, log2_e, half, ln2_high, ln2_low, magic, exponent_bias) = (
            kept(-87.0),
            kept(std::f32::consts::LOG2_E),
            kept(0.5),
            kept(LN2_HIGH),
            kept(LN2_LOW),
            kept(MAGIC),
            i32x4_splat(core::hint::black_box(127 - MAGIC.to_bits() as i32)),
        );
        let (exp_series, atanh_series, scale) = (EXP_SERIES.map(kept), ATANH_SERIES.map(kept), kept(scale));
        // Three passes over the row: e^−|l|; then σ(l) − x and s; then ln(1 + e) and the sum. In one pass, four
        // pixels are one chain of about 150 cycles of dependent operations, and the processor overlaps too few such
        // chains to keep its units busy (0.33 ms a step); shorter chains overlap better (0.22 ms). Same arithmetic
        // in the same order, so the same bits.
        let mut exps = [zero; super::BLOCK / 4];
        assert!(row.len() <= 4 * exps.len(), "rows of at most {} pixels", super::BLOCK);
        for (e_out, l4) in exps.iter_mut().zip(row.chunks_exact(4)) {
            // SAFETY: each chunk is exactly four f32s (16 bytes); unaligned loads and stores are allowed in wasm.
            let l = unsafe { v128_load(l4.as_ptr() as *const v128) };
            // e = e^−|l|, as exp_non_positive computes it
            let t = f32x4_max(f32x4_neg(f32x4_abs(l)), floor_at);
            let n = f32x4_floor(f32x4_add(f32x4_mul(t, log2_e), half));
            let r = f32x4_add(f32x4_sub(t, f32x4_mul(n, ln2_high)), f32x4_mul(n, ln2_low));
            let poly = horner(r, &exp_series);
            let power = i32x4_shl(i32x4_add(f32x4_add(n, magic), exponent_bias), 23);
            *e_out = f32x4_mul(poly, power);
        }
        // Then σ(l) − x, written over the logits once their term's first part is kept; s = e/(2 + e) in place of e.
        let mut partial = [zero; super::BLOCK / 4];
        for (((l4, x4), e_s), partial) in row.chunks_exact_mut(4).zip(x.chunks_exact(4)).zip(exps.iter_mut()).zip(partial.iter_mut()) {
            // SAFETY: as above.
            let (l, xv) = unsafe { (v128_load(l4.as_ptr() as *const v128), v128_load(x4.as_ptr() as *const v128)) };
            let e = *e_s;
            // σ(l) = 1/(1 + e) for l ≥ 0, e/(1 + e) below
            let inv = f32x4_div(one, f32x4_add(one, e));
            let sigmoid = v128_bitselect(inv, f32x4_mul(e, inv), f32x4_ge(l, zero));
            // ln(1 + e) = 2s·series(s²), s = e/(2 + e), as ln_1p_unit computes it; the series in the last pass
            *e_s = f32x4_div(e, f32x4_add(two, e));
            *partial = f32x4_sub(f32x4_max(l, zero), f32x4_mul(xv, l));
            let grad = f32x4_mul(f32x4_sub(sigmoid, xv), scale);
            // SAFETY: as above.
            unsafe { v128_store(l4.as_mut_ptr() as *mut v128, grad) };
        }
        // Last, ln(1 + e) = 2s·series(s²) completes each term, summed in the order of one pass.
        let mut sum = zero;
        for (&s, &partial) in exps.iter().zip(&partial).take(row.len() / 4) {
            let ln1p = f32x4_mul(f32x4_mul(two, s), horner(f32x4_mul(s, s), &atanh_series));
            sum = f32x4_add(sum, f32x4_add(partial, ln1p));
        }
        (f32x4_extract_lane::<0>(sum) + f32x4_extract_lane::<1>(sum)) + (f32x4_extract_lane::<2>(sum) + f32x4_extract_lane::<3>(sum))
    }
}

/// The scalar form of one pixel's term and gradient in f32, for comparing the vector form with (tests).
pub fn bce_term_and_gradient_f32(l: f32, x: f32) -> (f32, f32) {
    bce_term_and_gradient(l, x)
}

/// e^r for |r| ≤ ln 2 / 2: its Taylor series to degree 6, as Horner coefficients from the highest power down.
/// The scalar form (`BceMath for f32`) and the vector form (`simd_bce`) share these, so they agree bit for bit.
const EXP_SERIES: [f32; 7] = [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0];
/// ln 2 in two parts (Cody–Waite), so n·ln 2 is exact enough that r = t − n·ln 2 keeps its precision.
const LN2_HIGH: f32 = 0.693_359_4;
const LN2_LOW: f32 = 2.121_944_4e-4;
/// ln(1 + e) = 2s·Σ s^2k/(2k + 1) with s = e/(2 + e): the series in s² to s^12, highest power first.
const ATANH_SERIES: [f32; 7] = [1.0 / 13.0, 1.0 / 11.0, 1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0, 1.0];

/// Σ c_i x^i by Horner's rule, `coefficients` from the highest power down.
#[inline(always)]
fn horner(x: f32, coefficients: &[f32]) -> f32 {
    coefficients[1..].iter().fold(coefficients[0], |acc, &c| acc * x + c)
}

/// The two transcendental functions the loss needs, on the ranges it needs them.
pub(crate) trait BceMath: Float {
    /// e^t for t ≤ 0.
    fn exp_non_positive(t: Self) -> Self;
    /// ln(1 + e) for e ∈ [0, 1].
    fn ln_1p_unit(e: Self) -> Self;
}

/// f64 (the gradient checks) uses the standard library.
impl BceMath for f64 {
    fn exp_non_positive(t: f64) -> f64 {
        t.exp()
    }

    fn ln_1p_unit(e: f64) -> f64 {
        e.ln_1p()
    }
}

/// f32 (training) uses short polynomials accurate to a few ulp on these ranges: wasm has no hardware exp or log,
/// and the library calls were a quarter of a training step in the browser's profile.
impl BceMath for f32 {
    fn exp_non_positive(t: f32) -> f32 {
        // e^t = 2^n · e^r with n = round(t / ln 2), |r| ≤ ln2 / 2; e^r by its Taylor series to degree 6 (error
        // < 2e-7 relative). Below −87 the result (≈ 1.6e-38) is as good as 0 here and keeps 2^n a normal float.
        let t = t.max(-87.0);
        let n = (t * std::f32::consts::LOG2_E + 0.5).floor();
        let r = (t - n * LN2_HIGH) + n * LN2_LOW;
        horner(r, &EXP_SERIES) * f32::from_bits(((n as i32 + 127) as u32) << 23)
    }

    fn ln_1p_unit(e: f32) -> f32 {
        // ln(1 + e) = 2·atanh(s) with s = e / (2 + e) ∈ [0, 1/3]: the odd series to s^13 is within 1e-8.
        let s = e / (2.0 + e);
        2.0 * s * horner(s * s, &ATANH_SERIES)
    }
}

#[cfg(test)]
mod tests {
    use super::BceMath;

    #[test]
    fn fast_f32_exp_and_log_match_the_library_on_their_ranges() {
        for i in 0..=200_000 {
            let t = (-(i as f64) * 100.0 / 200_000.0) as f32; // [−100, 0]
            let exact = (t as f64).exp();
            let fast = f32::exp_non_positive(t) as f64;
            assert!((fast - exact).abs() <= 3e-7 * exact + 1e-37, "exp({t}) = {exact}, fast {fast}");
        }
        for i in 0..=100_000 {
            let e = (i as f64 / 100_000.0) as f32; // [0, 1]
            let exact = (e as f64).ln_1p();
            let fast = f32::ln_1p_unit(e) as f64;
            // f32 carries 6e-8 relative precision; a few ulp of rounding in the arithmetic is the budget.
            assert!((fast - exact).abs() <= 4e-7 * exact + 1e-9, "ln(1 + {e}) = {exact}, fast {fast}");
        }
    }
}
