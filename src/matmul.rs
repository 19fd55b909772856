//! Matrix products on plain slices, for the fused training step: a strided view (`Mat`) and one `matmul`.

/// A read-only matrix view: `rows × cols` values of `data`, element (i, j) at i·row_stride + j·col_stride.
#[derive(Clone, Copy, Debug)]
pub struct Mat<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// Row-major `data` with `cols` columns.
    pub fn rows(data: &'a [f32], cols: usize) -> Mat<'a> {
        assert!(cols > 0 && data.len() % cols == 0, "{} values do not make rows of {cols}", data.len());
        Mat { data, rows: data.len() / cols, cols, row_stride: cols, col_stride: 1 }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Mat<'a> {
        Mat { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }
}

/// dst [a.rows × b.cols, row-major] = a · b, or dst + a · b with `accumulate`.
pub fn matmul(dst: &mut [f32], a: Mat, b: Mat, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "matmul: [{m}, {k}] · [{}, {n}]", b.rows);
    assert_eq!(dst.len(), m * n, "matmul: destination of {} values for [{m}, {n}]", dst.len());
    // SAFETY: the asserts above and `Mat`'s constructors keep every index gemm computes inside the slices.
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
