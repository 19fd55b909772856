//! Matrix products on plain slices, for the training steps and inference: a strided view (`Mat`) and one
//! `matmul`. Natively gemm computes it; in the browser the crate's own f32x4 kernel (`wasm`); the benchmark's peak
//! loop, which that kernel's speed is compared with, is `peak`.

use crate::error::{Error, Result};

/// A read-only matrix view: `rows × cols` values of `data`, element (i, j) at i·row_stride + j·col_stride.
///
/// The fields are private and every constructor checks (with overflow-checked arithmetic) that each element's index
/// lies inside `data`, and that the strides fit an `isize`: the unsafe code in `matmul` relies on exactly that.
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// Row-major `data` with `cols` columns. Panics unless the values make whole rows.
    pub fn rows(data: &'a [f32], cols: usize) -> Mat<'a> {
        assert!(cols > 0 && data.len() % cols == 0, "{} values do not make rows of {cols}", data.len());
        Mat::strided(data, data.len() / cols, cols, cols, 1).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Any strided view of `data` (padded rows, a column, a broadcast with stride 0); an error unless every element
    /// lies inside `data`.
    pub fn strided(data: &'a [f32], rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Result<Mat<'a>> {
        let mat = Mat { data, rows, cols, row_stride, col_stride };
        if mat.fits() {
            Ok(mat)
        } else {
            Err(Error::setting(
                "matrix view",
                format!("{rows} × {cols} with strides ({row_stride}, {col_stride}) over {} values", data.len()),
                "a view whose every element lies inside its data",
            ))
        }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Mat<'a> {
        Mat { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }

    /// (rows, columns).
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The values the view is over.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }

    /// Whether every element's index, (rows − 1)·row_stride + (cols − 1)·col_stride at most, is inside `data`
    /// (computed without overflow), and the strides fit an `isize` (gemm takes them so).
    fn fits(&self) -> bool {
        let strides_fit = isize::try_from(self.row_stride).is_ok() && isize::try_from(self.col_stride).is_ok();
        let largest = || (self.rows - 1).checked_mul(self.row_stride)?.checked_add((self.cols - 1).checked_mul(self.col_stride)?);
        strides_fit && (self.rows == 0 || self.cols == 0 || largest().is_some_and(|i| i < self.data.len()))
    }
}

/// The shape, strides and length, not the values (a view may be over megabytes).
impl std::fmt::Debug for Mat<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Mat { data, rows, cols, row_stride, col_stride } = self;
        write!(f, "Mat [{rows} × {cols}], strides ({row_stride}, {col_stride}), over {} values", data.len())
    }
}

/// What a product is added to.
#[derive(Clone, Copy, Debug)]
pub enum Start<'a> {
    /// Nothing: dst = a · b.
    Zero,
    /// What dst holds: dst += a · b.
    Dst,
    /// One row (a layer's bias) under every row: dst[i, :] = row + (a · b)[i, :]. In the browser the kernel adds it
    /// as it stores, instead of a pass that first copies it into every row.
    Row(&'a [f32]),
}

impl Start<'_> {
    /// dst [rows of n] = the start alone: a product over k = 0, or (natively) what gemm then adds to.
    fn write_into(self, dst: &mut [f32], n: usize) {
        match self {
            Start::Zero => dst.fill(0.0),
            Start::Dst => {}
            Start::Row(row) => dst.chunks_exact_mut(n).for_each(|out| out.copy_from_slice(row)),
        }
    }
}

/// dst [a.rows × b.cols, row-major] = start + a · b. Panics when the shapes do not agree.
pub fn matmul(dst: &mut [f32], a: Mat, b: Mat, start: Start) {
    let ((m, k), (k_b, n)) = (a.shape(), b.shape());
    assert_eq!(k, k_b, "matmul: [{m}, {k}] · [{k_b}, {n}]");
    assert_eq!(Some(dst.len()), m.checked_mul(n), "matmul: destination of {} values for [{m}, {n}]", dst.len());
    if let Start::Row(row) = start {
        assert_eq!(row.len(), n, "matmul: a row of {} values under [{m}, {n}]", row.len());
    }
    // What the unsafe code below relies on: every element of both views inside its slice. The constructors make
    // it so; checked again here, where it matters (a few multiplications per product).
    assert!(a.fits() && b.fits(), "matmul: a view reaches past its data: {a:?} · {b:?}");
    if m == 0 || n == 0 {
        return; // nothing to write
    }
    if k == 0 {
        start.write_into(dst, n);
        return;
    }
    #[cfg(target_arch = "wasm32")]
    wasm::matmul(dst, a, b, start);
    #[cfg(not(target_arch = "wasm32"))]
    native(dst, a, b, start);
}

/// Natively, gemm (AVX2 and FMA where the CPU has them).
#[cfg(not(target_arch = "wasm32"))]
fn native(dst: &mut [f32], a: Mat, b: Mat, start: Start) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if let Start::Row(_) = start {
        start.write_into(dst, n);
    }
    let accumulate = !matches!(start, Start::Zero);
    // SAFETY: gemm reads A(i, p) at a.data + i·row_stride + p·col_stride for i < m, p < k, B(p, j) likewise for
    // p < k, j < n, and reads (when accumulating) and writes dst + i·n + j for i < m, j < n; it touches nothing else
    // and runs on this thread only (Parallelism::None). `matmul` asserted that both views fit their slices (every such
    // index of A and B is below its slice's length), that dst holds exactly m·n values, and that m, n, k ≥ 1; the
    // strides fit an isize (`Mat::fits`), so the casts below are exact. dst is borrowed mutably, A and B shared, so
    // what gemm writes aliases nothing it reads.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
mod peak;
#[cfg(all(target_arch = "wasm32", feature = "bench"))]
pub use peak::peak_loop;
