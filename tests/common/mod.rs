//! Helpers shared by the native integration tests.
#![allow(dead_code)]

use vae_playground::Dataset;

pub const IMAGES_GZ: &[u8] = include_bytes!("../../data/mnist-10k-images.idx3-ubyte.gz");
pub const LABELS_GZ: &[u8] = include_bytes!("../../data/mnist-10k-labels.idx1-ubyte.gz");

pub fn bundled() -> Dataset {
    Dataset::from_idx_gz("images.gz", IMAGES_GZ, "labels.gz", LABELS_GZ).expect("the bundled digits load")
}

/// Equal to within `tolerance` of the largest value's size; a failure names the worst element.
pub fn close(name: &str, got: &[f32], want: &[f32], tolerance: f32) {
    assert_eq!(got.len(), want.len(), "{name}: lengths");
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    let (worst, at) =
        got.iter().zip(want).enumerate().map(|(i, (a, b))| ((a - b).abs(), i)).fold((0f32, 0), |m, d| if d.0 > m.0 { d } else { m });
    assert!(
        worst <= tolerance * scale,
        "{name}: worst difference {worst} at {at} ({} vs {}) against a largest value of {scale}",
        got[at],
        want[at]
    );
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn gunzip(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut out).unwrap();
    out
}

/// An IDX file: big-endian magic, dims, then the payload.
pub fn idx(magic: u32, dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend(payload);
    bytes
}

/// A [rows, cols] matrix stored by rows or by columns, each stored line padded by `pad` unused values: the layouts a
/// `Mat` views (a transposed view is one stored by columns).
pub struct Stored {
    pub data: Vec<f32>,
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl Stored {
    /// `values` gives element (i, j) at i·cols + j; the padding holds NaN, so a product that reads it shows it.
    pub fn new(values: &[f32], rows: usize, cols: usize, by_columns: bool, pad: usize) -> Stored {
        let (lines, line_len) = if by_columns { (cols, rows) } else { (rows, cols) };
        let stride = line_len + pad;
        let (row_stride, col_stride) = if by_columns { (1, stride) } else { (stride, 1) };
        let mut data = vec![f32::NAN; lines * stride];
        for i in 0..rows {
            for j in 0..cols {
                data[i * row_stride + j * col_stride] = values[i * cols + j];
            }
        }
        Stored { data, rows, cols, row_stride, col_stride }
    }

    pub fn view(&self) -> vae_playground::kernels::matmul::Mat<'_> {
        vae_playground::kernels::matmul::Mat::strided(&self.data, self.rows, self.cols, self.row_stride, self.col_stride)
            .expect("inside its data")
    }

    pub fn at(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.row_stride + j * self.col_stride]
    }
}

/// The three ways a product starts, by name: what dst holds, nothing, a bias row.
pub const STARTS: [&str; 3] = ["dst", "zero", "row"];

/// Runs `matmul` from the start named `start` (dst holding `initial`, `bias` the row) and checks each value against
/// start + a · b by the plain triple loop in f64, to f32 rounding over k terms. Returns the first mismatch.
pub fn check_against_plain_product(a: &Stored, b: &Stored, start: &str, initial: &[f32], bias: &[f32]) -> Result<(), String> {
    use vae_playground::kernels::matmul::{matmul, Start};
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let how = match start {
        "dst" => Start::Dst,
        "zero" => Start::Zero,
        _ => Start::Row(bias),
    };
    let mut got = initial.to_vec();
    matmul(&mut got, a.view(), b.view(), how);
    for i in 0..m {
        for j in 0..n {
            let base = match start {
                "dst" => initial[i * n + j] as f64,
                "zero" => 0.0,
                _ => bias[j] as f64,
            };
            let want = base + (0..k).map(|p| a.at(i, p) as f64 * b.at(p, j) as f64).sum::<f64>();
            let error = (got[i * n + j] as f64 - want).abs();
            if error.is_nan() || error > 1e-5 * (k as f64).sqrt() * 4.0 + 1e-6 {
                return Err(format!("[{m}×{k}]·[{k}×{n}] from {start} at ({i}, {j}): {} vs {want}", got[i * n + j]));
            }
        }
    }
    Ok(())
}
