//! The benchmark's peak loop (behind the `bench` feature): how fast this machine's f32x4 multiply-add runs on
//! registers alone, the figure a product's speed is a share of.

use core::arch::wasm32::*;

use super::wasm::madd;

/// See `wasm::diagnostics::fma_peak_loop`: twelve independent accumulators held in locals (an array of them ends up in
/// linear memory, and the loop then measures loads and stores), more than a multiply-add's latency × throughput
/// needs, with the two operands: 14 of x64's 16 vector registers. Returns the FLOPs done.
pub fn peak_loop(iterations: u32) -> f64 {
    let x = f32x4_splat(core::hint::black_box(0.999_9));
    let y = f32x4_splat(core::hint::black_box(1e-4));
    let start = |i: f32| f32x4_splat(core::hint::black_box(i));
    let (mut a0, mut a1, mut a2, mut a3, mut a4, mut a5) = (start(0.0), start(1.0), start(2.0), start(3.0), start(4.0), start(5.0));
    let (mut a6, mut a7, mut a8, mut a9, mut a10, mut a11) = (start(6.0), start(7.0), start(8.0), start(9.0), start(10.0), start(11.0));
    for _ in 0..iterations {
        a0 = madd(a0, x, y);
        a1 = madd(a1, x, y);
        a2 = madd(a2, x, y);
        a3 = madd(a3, x, y);
        a4 = madd(a4, x, y);
        a5 = madd(a5, x, y);
        a6 = madd(a6, x, y);
        a7 = madd(a7, x, y);
        a8 = madd(a8, x, y);
        a9 = madd(a9, x, y);
        a10 = madd(a10, x, y);
        a11 = madd(a11, x, y);
    }
    let sum = [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11].into_iter().fold(a0, |s, a| f32x4_add(s, a));
    core::hint::black_box(f32x4_extract_lane::<0>(sum));
    iterations as f64 * 12.0 * 4.0 * 2.0
}
