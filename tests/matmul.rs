#![cfg(not(target_arch = "wasm32"))]
//! The matrix views and the native product: a view that reaches past its data cannot be made, and `matmul` checks
//! every view and the destination before any unsafe code (safe code once made gemm read 100,000 rows of a 2 × 2
//! matrix: `rows` was a public field, and the product died with SIGSEGV).

use vae_playground::kernels::matmul::{matmul, Mat, Start};

fn refused(result: vae_playground::Result<Mat>) -> String {
    result.expect_err("a view past its data was made").to_string()
}

#[test]
fn a_view_past_its_data_cannot_be_made() {
    let data = [0.0f32; 4];
    let msg = refused(Mat::strided(&data, 100_000, 2, 2, 1));
    assert!(msg.starts_with("matrix view = 100000 × 2 with strides (2, 1) over 4 values is not allowed"), "{msg}");
    // One past the end, by a row and by a column.
    assert!(Mat::strided(&data, 3, 2, 2, 1).is_err());
    assert!(Mat::strided(&data, 2, 3, 2, 1).is_err());
    assert!(Mat::strided(&data, 2, 2, 2, 1).is_ok() && Mat::strided(&data, 2, 2, 1, 2).is_ok());
    // Products that overflow: (rows − 1)·row_stride, and the sum of the two terms.
    assert!(Mat::strided(&data, 3, 1, usize::MAX / 2 + 1, 0).is_err());
    assert!(Mat::strided(&data, 2, 2, usize::MAX / 2, usize::MAX / 2 + 1).is_err());
    // A stride no isize holds (gemm takes isize strides), even where no element needs it.
    assert!(Mat::strided(&data, 1, 2, usize::MAX, 1).is_err());
    // Empty views and stride-0 broadcasts are views inside their data.
    assert_eq!(Mat::strided(&[], 0, 5, 5, 1).unwrap().shape(), (0, 5));
    assert_eq!(Mat::strided(&data[..1], 1000, 3, 0, 0).unwrap().shape(), (1000, 3));
}

#[test]
#[should_panic(expected = "7 values do not make rows of 2")]
fn rows_that_do_not_divide_the_values_are_refused() {
    Mat::rows(&[0.0; 7], 2);
}

#[test]
#[should_panic(expected = "matmul: destination of 4 values for [4611686018427387905, 4]")]
fn a_destination_whose_size_wraps_is_refused() {
    // m·n = (2⁶² + 1)·4 wraps to 4 in 64 bits: the destination's length matched a product it cannot hold.
    let one = [1.0f32];
    let a = Mat::strided(&one, (1 << 62) + 1, 1, 0, 0).unwrap();
    let b = Mat::strided(&one, 1, 4, 0, 0).unwrap();
    matmul(&mut [0.0; 4], a, b, Start::Zero);
}

#[test]
fn the_transpose_is_a_view_of_the_same_values() {
    let data: Vec<f32> = (0..6).map(|v| v as f32).collect();
    let a = Mat::rows(&data, 3);
    assert_eq!((a.shape(), a.t().shape()), ((2, 3), (3, 2)));
    let mut dst = [0.0; 9];
    matmul(&mut dst, a.t(), a, Start::Zero); // Aᵀ·A, [3, 3]
    assert_eq!(dst, [9.0, 12.0, 15.0, 12.0, 17.0, 22.0, 15.0, 22.0, 29.0]);
    // An empty product writes nothing, whatever the start; an inner size of 0 writes the start alone.
    matmul(&mut [], Mat::rows(&[], 3), Mat::rows(&data, 2), Start::Zero);
    let mut dst = [5.0; 4];
    matmul(&mut dst, Mat::strided(&[], 2, 0, 0, 1).unwrap(), Mat::strided(&[], 0, 2, 2, 1).unwrap(), Start::Row(&[1.0, 2.0]));
    assert_eq!(dst, [1.0, 2.0, 1.0, 2.0]);
}
