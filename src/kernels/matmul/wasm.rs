//! The browser's matrix product: a register-blocked f32x4 kernel for the models' shapes. B is packed into panels of
//! 8 columns (a buffer kept between calls, so nothing is allocated once it is large enough), each MR × 8 tile of C
//! is 2·MR vector accumulators, and every A value is one broadcast. With relaxed SIMD the multiply-add is one fused
//! instruction (`f32x4_relaxed_madd`); without, a multiply then an add — gemm's wasm kernel has only the latter,
//! and packs into new allocations on every call.

use super::{Mat, Start};
use core::arch::wasm32::*;
use std::cell::RefCell;

/// Rows per tile: 2·MR accumulators, B's two vectors and one broadcast of A must fit the 15 vector registers
/// V8 allocates on x64 (a spilled accumulator halves the speed). With relaxed SIMD a multiply-add is one
/// instruction: 6 rows (15 registers). Without, each product is a temporary of its own: 5 rows.
const MR: usize = if cfg!(target_feature = "relaxed-simd") { 6 } else { 5 };
const NR: usize = 8;
/// Rows of B packed at a time: 256 × 8 floats (8 KB) per panel stay in L1 while a panel's tiles run.
const KC: usize = 256;

thread_local! {
    static PACKED: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// acc + a·b: one fused instruction with relaxed SIMD, a multiply then an add without.
#[inline(always)]
pub(super) fn madd(a: v128, b: v128, acc: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(a, b, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(f32x4_mul(a, b), acc)
    }
}

/// m, n, k ≥ 1 and both views inside their data here (the shared `matmul` checked them, and answers k = 0 with
/// the start alone).
pub fn matmul(dst: &mut [f32], a: Mat, b: Mat, start: Start) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let panels = n.div_ceil(NR);
    PACKED.with(|packed| {
        let mut packed = packed.borrow_mut();
        let need = panels * NR * KC.min(k);
        if packed.len() < need {
            packed.resize(need, 0.0);
        }
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            pack_b(&mut packed[..panels * NR * kc], b, k0, kc);
            // The first block of k adds to the start; the later ones to what the earlier ones stored.
            let start = if k0 == 0 { start } else { Start::Dst };
            for panel in 0..panels {
                let bp = &packed[panel * NR * kc..(panel + 1) * NR * kc];
                let j0 = panel * NR;
                let width = NR.min(n - j0);
                let full = m - m % MR;
                for i0 in (0..full).step_by(MR) {
                    tile::<MR>(dst, n, a, bp, i0, j0, width, k0, kc, start);
                }
                // The last rows, fewer than MR, in a tile of their own height.
                let (i0, rows) = (full, m - full);
                match rows {
                    0 => {}
                    1 => tile::<1>(dst, n, a, bp, i0, j0, width, k0, kc, start),
                    2 => tile::<2>(dst, n, a, bp, i0, j0, width, k0, kc, start),
                    3 => tile::<3>(dst, n, a, bp, i0, j0, width, k0, kc, start),
                    4 => tile::<4>(dst, n, a, bp, i0, j0, width, k0, kc, start),
                    5 => tile::<5>(dst, n, a, bp, i0, j0, width, k0, kc, start),
                    _ => unreachable!("fewer than MR ≤ 6 rows"),
                }
            }
        }
    });
}

/// B's rows k0..k0+kc, as panels of NR columns, each column block contiguous in k (zeros past the last column).
fn pack_b(packed: &mut [f32], b: Mat, k0: usize, kc: usize) {
    let n = b.cols;
    // The largest index read is B(k0 + kc − 1, n − 1): checked once, so the copies below need no check each.
    assert!(kc > 0 && n > 0 && (k0 + kc - 1) * b.row_stride + (n - 1) * b.col_stride < b.data.len());
    let src = b.data.as_ptr();
    for (panel, out) in packed.chunks_exact_mut(NR * kc).enumerate() {
        let j0 = panel * NR;
        let width = NR.min(n - j0);
        if width == NR && b.row_stride == 1 {
            // B stored by columns (a weight used as Wᵀ): each column is contiguous along k, so four columns ×
            // four k load as four vectors and transpose in registers (eight shuffles) into four rows of the panel.
            let quads = kc / 4;
            for half in [0, 4] {
                let column = |j: usize| (j0 + half + j) * b.col_stride + k0;
                let columns = [column(0), column(1), column(2), column(3)];
                for kk in (0..4 * quads).step_by(4) {
                    // SAFETY: column(j) + kk + 3 ≤ the largest index asserted above (kk + 3 < kc and
                    // j0 + half + j < n); the stores land at (kk + r)·NR + half .. + 4 ≤ kc·NR = out.len().
                    unsafe {
                        let [v0, v1, v2, v3] = columns.map(|c| v128_load(src.add(c + kk) as *const v128));
                        let (low01, low23) = (i32x4_shuffle::<0, 4, 1, 5>(v0, v1), i32x4_shuffle::<0, 4, 1, 5>(v2, v3));
                        let (high01, high23) = (i32x4_shuffle::<2, 6, 3, 7>(v0, v1), i32x4_shuffle::<2, 6, 3, 7>(v2, v3));
                        let rows = [
                            i32x4_shuffle::<0, 1, 4, 5>(low01, low23),
                            i32x4_shuffle::<2, 3, 6, 7>(low01, low23),
                            i32x4_shuffle::<0, 1, 4, 5>(high01, high23),
                            i32x4_shuffle::<2, 3, 6, 7>(high01, high23),
                        ];
                        for (r, row) in rows.into_iter().enumerate() {
                            v128_store(out.as_mut_ptr().add((kk + r) * NR + half) as *mut v128, row);
                        }
                    }
                }
                for kk in 4 * quads..kc {
                    for (j, &c) in columns.iter().enumerate() {
                        // SAFETY: as above.
                        out[kk * NR + half + j] = unsafe { *src.add(c + kk) };
                    }
                }
            }
            continue;
        }
        for (kk, row) in out.chunks_exact_mut(NR).enumerate() {
            let base = (k0 + kk) * b.row_stride + j0 * b.col_stride;
            if width == NR && b.col_stride == 1 {
                // SAFETY: base + 7 ≤ the largest index asserted above.
                row.copy_from_slice(unsafe { core::slice::from_raw_parts(src.add(base), NR) });
                continue;
            }
            for (j, v) in row.iter_mut().enumerate() {
                // SAFETY: for j < width the index is at most the largest one asserted above.
                *v = if j < width { unsafe { *src.add(base + j * b.col_stride) } } else { 0.0 };
            }
        }
    }
}

/// R rows × 8 columns of C over kc steps of k: each step loads B's row once (two vectors) and broadcasts each
/// of A's R values, each used at once (the build keeps LLVM's instruction order: see .cargo/config.toml). R = MR
/// for all but the last rows. A k loop unrolled by two made V8 spill registers: half speed. `K_UNIT` / `I_UNIT`:
/// A's column / row stride is 1, so its offsets are constants — wasm addresses are one register plus a
/// constant, so a runtime stride costs an add per load. The accumulators are indexed only by constants (R is),
/// so they stay in locals (registers), not in linear memory.
///
/// # Safety
/// a + i·rs + kk·cs for every i < R, kk < kc must be an f32 inside one allocation, and b .. b + kc·NR must be
/// kc·NR f32s inside one allocation.
#[inline(always)]
unsafe fn tile_kernel<const R: usize, const K_UNIT: bool, const I_UNIT: bool>(
    a: *const f32,
    rs: usize,
    cs: usize,
    b: *const f32,
    kc: usize,
) -> [[v128; 2]; R] {
    let rs = if I_UNIT { 1 } else { rs };
    let cs = if K_UNIT { 1 } else { cs };
    let mut c = [[f32x4_splat(0.0); 2]; R];
    let (mut a, mut b) = (a, b);
    for _ in 0..kc {
        // SAFETY: at step kk, a = a₀ + kk·cs and b = b₀ + kk·NR (see the advances below): b's 8 floats are the
        // panel's row kk and each a + r·rs is A's element (r, kk), all inside their allocations by the contract.
        // v128_load reads unaligned.
        unsafe {
            let (b0, b1) = (v128_load(b as *const v128), v128_load(b.add(4) as *const v128));
            for (r, c) in c.iter_mut().enumerate() {
                let x = f32x4_splat(*a.add(r * rs));
                c[0] = madd(x, b0, c[0]);
                c[1] = madd(x, b1, c[1]);
            }
        }
        // After the last step a would point kc·cs past a₀, which may be past the end of A's allocation: a
        // wrapping advance (no in-bounds promise), never dereferenced there. b ends at b₀ + kc·NR, at most one
        // past the end of its allocation, which `add` allows.
        a = a.wrapping_add(cs);
        // SAFETY: b₀ + (kk + 1)·NR ≤ b₀ + kc·NR, inside or one past the end of the packed panel.
        b = unsafe { b.add(NR) };
    }
    c
}

/// dst[i0..i0+R, j0..j0+width] = start + A[i0.., k0..k0+kc] · packed panel.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tile<const R: usize>(
    dst: &mut [f32],
    n: usize,
    a: Mat,
    bp: &[f32],
    i0: usize,
    j0: usize,
    width: usize,
    k0: usize,
    kc: usize,
    start: Start,
) {
    let a_at = |i: usize, kk: usize| (i0 + i) * a.row_stride + (k0 + kk) * a.col_stride;
    // Every A index the kernel reads lies between a_at(0, 0) and a_at(R − 1, kc − 1): checked once here, so the
    // inner loop reads without a bounds check per value (R per k step otherwise).
    assert!(bp.len() >= kc * NR && a_at(R - 1, kc - 1) < a.data.len() && a_at(0, 0) < a.data.len());
    // SAFETY: a0 = A(i0, k0); the kernel reads a0 + i·rs + kk·cs = a_at(i, kk) ≤ a_at(R − 1, kc − 1) for i < R,
    // kk < kc, inside `a.data` as asserted (the rs and cs it is given are A's own strides: a unit stride passed as
    // a constant only where it is 1), and bp's first kc·NR floats, also asserted.
    let acc = unsafe {
        let (a0, b0) = (a.data.as_ptr().add(a_at(0, 0)), bp.as_ptr());
        // The last rows of a product (R < MR) take the general kernel: a few tiles, not worth the code size.
        match (a.col_stride, a.row_stride) {
            (1, rs) if R == MR => tile_kernel::<R, true, false>(a0, rs, 1, b0, kc),
            (cs, 1) if R == MR => tile_kernel::<R, false, true>(a0, 1, cs, b0, kc),
            (cs, rs) => tile_kernel::<R, false, false>(a0, rs, cs, b0, kc),
        }
    };
    for (i, acc) in acc.iter().enumerate() {
        let offset = (i0 + i) * n + j0;
        let row = &mut dst[offset..offset + width];
        if width == NR {
            // SAFETY: `row` is NR = 8 floats (width == NR), and so is `bias[j0..j0 + NR]` (a checked slice): two
            // unaligned 16-byte loads and stores inside each.
            unsafe {
                let p = row.as_mut_ptr() as *mut v128;
                let (lo, hi) = match start {
                    Start::Zero => (acc[0], acc[1]),
                    Start::Dst => (f32x4_add(v128_load(p), acc[0]), f32x4_add(v128_load(p.add(1)), acc[1])),
                    Start::Row(bias) => {
                        let q = bias[j0..j0 + NR].as_ptr() as *const v128;
                        (f32x4_add(v128_load(q), acc[0]), f32x4_add(v128_load(q.add(1)), acc[1]))
                    }
                };
                v128_store(p, lo);
                v128_store(p.add(1), hi);
            }
            continue;
        }
        let lanes = acc;
        for (j, out) in row.iter_mut().enumerate() {
            let v = lanes[j / 4];
            let lane = match j % 4 {
                0 => f32x4_extract_lane::<0>(v),
                1 => f32x4_extract_lane::<1>(v),
                2 => f32x4_extract_lane::<2>(v),
                _ => f32x4_extract_lane::<3>(v),
            };
            *out = match start {
                Start::Zero => lane,
                Start::Dst => *out + lane,
                Start::Row(bias) => bias[j0 + j] + lane,
            };
        }
    }
}
