//! The numeric kernels training and inference run on: matrix products over strided views (`matmul`: a
//! register-blocked f32x4 kernel in the browser, gemm natively), convolutions as products over patch matrices
//! (`im2col`), and the elementwise passes around them.

pub mod im2col;
pub mod matmul;

/// ReLU in place. A select, not `v.max(0.0)`: f32::max must return the other operand for NaN, which plain simd128
/// has no instruction for, so LLVM left that loop scalar (the relaxed build used relaxed_max).
#[inline]
pub fn relu(values: &mut [f32]) {
    for v in values.iter_mut() {
        *v = if *v > 0.0 { *v } else { 0.0 };
    }
}

/// Zeroes the gradient where the ReLU's output was 0: the gradient through that ReLU.
#[inline]
pub fn relu_backward(grad: &mut [f32], activation: &[f32]) {
    // Every value stored (a select): a store only where the ReLU was off does not vectorise.
    for (g, &a) in grad.iter_mut().zip(activation) {
        *g = if a <= 0.0 { 0.0 } else { *g };
    }
}
