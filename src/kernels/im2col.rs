//! Convolutions as matrix products: the gather (im2col) and its adjoint (col2im) between a feature map and the
//! matrix of its 3 × 3 patches, and the permutations between PyTorch's weight layouts and the step's own. The
//! convolutional structure's training step (`step::conv`) and its inference passes (`model::conv`) run on these.
//!
//! Layout. A feature map is a row-major matrix [images · side · side, channels]: one row per position (image, y, x),
//! its channels contiguous (NHWC). A batch's convolution is then one product whose rows are all its positions —
//! thousands of rows, where per image (NCHW) it would be one small product per image — and a layer's bias is one
//! value per column, which the matrix product adds as it stores (`Start::Row`).
//!
//! A patch matrix has one row per position of the smaller grid and 9 · channels columns, **tap-major**: column
//! t · channels + c is channel c under tap t = ky · 3 + kx. So gathering a patch copies runs of `channels` floats, and
//! col2im adds runs of them (both vectorise); PyTorch's kernels are channel-major (c · 9 + t), so the step keeps
//! tap-major copies of them (`to_position_major`), refreshed from the contract-layout parameters at each step.

use super::matmul::{matmul, Mat, Start};
use super::{relu, relu_backward};
use crate::profile::{Clock, Part};

/// Every convolution here is 3 × 3, with "same" padding as Keras (TensorFlow, JAX) has it.
pub const KERNEL: usize = 3;
pub const TAPS: usize = KERNEL * KERNEL;
/// The largest grid side col2im takes (its table of sources per coordinate lives on the stack).
const MAX_SIDE: usize = 64;

/// How a 3 × 3 kernel links a grid of `small` × `small` positions to one of `big` × `big`: tap (ky, kx) of small
/// position (ay, ax) lies on big position (ay·stride − before + ky, ax·stride − before + kx), when inside. A `Conv2d`
/// reads the big grid (its input) and writes the small one; a `ConvTranspose2d` the other way round, as the adjoint.
///
/// `before` is Keras's "same" padding: (small − 1)·stride + 3 − big positions of padding in all, the smaller half
/// before. At stride 1 that is one on each side (PyTorch's `padding=1`); at stride 2 (28 → 14, 14 → 7) none before and
/// one after, which PyTorch's symmetric padding cannot say. The transposed convolutions, the adjoints of these, are
/// then the ones Keras 3 computes (the full result's last row and column cropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub small: usize,
    pub big: usize,
    pub stride: usize,
    pub before: usize,
}

impl Grid {
    /// The grid of a "same" convolution between these sides.
    pub const fn same(small: usize, big: usize, stride: usize) -> Grid {
        let total = ((small - 1) * stride + KERNEL).saturating_sub(big);
        Grid { small, big, stride, before: total / 2 }
    }

    /// Padding after the last big position (the larger half).
    pub const fn after(&self) -> usize {
        ((self.small - 1) * self.stride + KERNEL).saturating_sub(self.big) - self.before
    }

    pub fn small_positions(&self) -> usize {
        self.small * self.small
    }

    pub fn big_positions(&self) -> usize {
        self.big * self.big
    }

    /// The big coordinate under tap k of small coordinate a, if inside the grid.
    #[inline(always)]
    fn big_of(&self, a: usize, k: usize) -> Option<usize> {
        (a * self.stride + k).checked_sub(self.before).filter(|&b| b < self.big)
    }

    /// The (small coordinate, tap) pairs whose tap lies on big coordinate b: at most 3, `count` of them.
    #[inline(always)]
    fn small_of(&self, b: usize) -> ([(usize, usize); KERNEL], usize) {
        let mut found = [(0, 0); KERNEL];
        let mut count = 0;
        for k in 0..KERNEL {
            let Some(shifted) = (b + self.before).checked_sub(k) else { continue };
            // The strides here are 1 and 2: no division for them (a division per tap per position was a few ms a step).
            let a = match self.stride {
                1 => Some(shifted),
                2 => (shifted & 1 == 0).then_some(shifted >> 1),
                s => (shifted % s == 0).then_some(shifted / s),
            };
            if let Some(a) = a.filter(|&a| a < self.small) {
                found[count] = (a, k);
                count += 1;
            }
        }
        (found, count)
    }
}

/// im2col: `cols` [images · small², 9 · channels] = the 3 × 3 patches of `map` [images · big², channels], zero where a
/// tap falls outside the grid.
pub fn gather(grid: Grid, map: &[f32], channels: usize, cols: &mut [f32]) {
    let (small, big) = (grid.small_positions(), grid.big_positions());
    let images = map.len() / (big * channels);
    assert!(map.len() == images * big * channels && cols.len() == images * small * TAPS * channels, "gather: sizes");
    let patch_len = TAPS * channels;
    for (image, cols) in map.chunks_exact(big * channels).zip(cols.chunks_exact_mut(small * patch_len)) {
        for (ay, cols) in cols.chunks_exact_mut(grid.small * patch_len).enumerate() {
            let rows = [0, 1, 2].map(|ky| grid.big_of(ay, ky));
            for (ax, patch) in cols.chunks_exact_mut(patch_len).enumerate() {
                let columns = [0, 1, 2].map(|kx| grid.big_of(ax, kx));
                for (t, out) in patch.chunks_exact_mut(channels).enumerate() {
                    match (rows[t / KERNEL], columns[t % KERNEL]) {
                        (Some(by), Some(bx)) => copy(out, &image[(by * grid.big + bx) * channels..][..channels]),
                        _ => out.fill(0.0),
                    }
                }
            }
        }
    }
}

/// `out` = `src`; one value without a call to memcpy (the first and last layers have one channel).
#[inline(always)]
fn copy(out: &mut [f32], src: &[f32]) {
    if let ([o], [s]) = (&mut *out, src) {
        *o = *s;
    } else {
        out.copy_from_slice(src);
    }
}

/// What col2im starts each big position's sum from.
#[derive(Clone, Copy, Debug)]
pub enum Init<'a> {
    Zero,
    /// A layer's bias, one value per channel.
    Row(&'a [f32]),
}

/// What col2im does with each finished sum.
#[derive(Clone, Copy, Debug)]
pub enum Finish<'a> {
    Keep,
    Relu,
    /// Zero where this feature map (a ReLU's output, laid out as the destination) is not positive: the gradient
    /// through that ReLU.
    MaskBy(&'a [f32]),
}

/// col2im, the adjoint of `gather`: `map` [images · big², channels] = init + the sum, over every (small position,
/// tap) lying on each big position, of that column block of `cols` [images · small², 9 · channels], then `finish`.
/// Written as a gather over the big grid, so each output is written once (the bias and ReLU go with it) and no
/// output is read back: at most 9 contributions per position, 1, 2 or 4 with stride 2.
pub fn col2im(grid: Grid, cols: &[f32], channels: usize, init: Init, finish: Finish, map: &mut [f32]) {
    let (small, big) = (grid.small_positions(), grid.big_positions());
    let images = map.len() / (big * channels);
    assert!(map.len() == images * big * channels && cols.len() == images * small * TAPS * channels, "col2im: sizes");
    if let Init::Row(row) = init {
        assert_eq!(row.len(), channels, "col2im: a bias of {} values for {channels} channels", row.len());
    }
    if let Finish::MaskBy(mask) = finish {
        assert_eq!(mask.len(), map.len(), "col2im: a mask of {} values for {}", mask.len(), map.len());
    }
    // Which (small coordinate, tap) pairs lie on each big coordinate: the same for rows and columns, found once.
    assert!(grid.big <= MAX_SIDE, "col2im: a grid of side {} (at most {MAX_SIDE})", grid.big);
    let mut lying_on = [([(0, 0); KERNEL], 0); MAX_SIDE];
    for (b, entry) in lying_on.iter_mut().enumerate().take(grid.big) {
        *entry = grid.small_of(b);
    }
    let patch_len = TAPS * channels;
    for (i, (cols, out)) in cols.chunks_exact(small * patch_len).zip(map.chunks_exact_mut(big * channels)).enumerate() {
        let mask = match finish {
            Finish::MaskBy(mask) => &mask[i * big * channels..(i + 1) * big * channels],
            _ => &[],
        };
        for (by, (rows, row_count)) in lying_on[..grid.big].iter().enumerate() {
            for (bx, (columns, column_count)) in lying_on[..grid.big].iter().enumerate() {
                let b = by * grid.big + bx;
                let sources = rows[..*row_count].iter().flat_map(|&(ay, ky)| {
                    columns[..*column_count].iter().map(move |&(ax, kx)| (ay * grid.small + ax) * patch_len + (ky * KERNEL + kx) * channels)
                });
                if channels == 1 {
                    // One channel (the last layer): a scalar sum, without the slices a run of channels needs.
                    let start = match init {
                        Init::Zero => 0.0,
                        Init::Row(row) => row[0],
                    };
                    let sum = sources.fold(start, |sum, at| sum + cols[at]);
                    map_out(&mut out[b], sum, finish, mask.get(b).copied());
                    continue;
                }
                let out = &mut out[b * channels..(b + 1) * channels];
                match init {
                    Init::Zero => out.fill(0.0),
                    Init::Row(row) => out.copy_from_slice(row),
                }
                for at in sources {
                    for (o, &c) in out.iter_mut().zip(&cols[at..at + channels]) {
                        *o += c;
                    }
                }
                match finish {
                    Finish::Keep => {}
                    Finish::Relu => relu(out),
                    Finish::MaskBy(_) => relu_backward(out, &mask[b * channels..(b + 1) * channels]),
                }
            }
        }
    }
}

/// One finished value into its place.
#[inline(always)]
fn map_out(out: &mut f32, sum: f32, finish: Finish, mask: Option<f32>) {
    *out = match finish {
        Finish::Keep => sum,
        Finish::Relu => {
            if sum > 0.0 {
                sum
            } else {
                0.0
            }
        }
        Finish::MaskBy(_) => {
            if mask.unwrap_or(0.0) <= 0.0 {
                0.0
            } else {
                sum
            }
        }
    };
}

/// dst[r][p][c][e] = src[r][c][p][e] for `rows` × `channels` × `positions` blocks of `block` values: a PyTorch kernel
/// [rows, channels, 3, 3] (positions = 9 taps) into the tap-major layout, or a dense weight over a flattened
/// C, H, W map into H, W, C order.
pub fn to_position_major(src: &[f32], rows: usize, channels: usize, positions: usize, block: usize, dst: &mut [f32]) {
    let len = rows * channels * positions * block;
    assert!(len > 0 && src.len() == len && dst.len() == len, "permute: {} and {} values for {len}", src.len(), dst.len());
    for (src, dst) in src.chunks_exact(len / rows).zip(dst.chunks_exact_mut(len / rows)) {
        for c in 0..channels {
            for p in 0..positions {
                let (from, to) = ((c * positions + p) * block, (p * channels + c) * block);
                dst[to..to + block].copy_from_slice(&src[from..from + block]);
            }
        }
    }
}

/// The inverse of `to_position_major`: dst[r][c][p][e] = src[r][p][c][e].
pub fn to_channel_major(src: &[f32], rows: usize, channels: usize, positions: usize, block: usize, dst: &mut [f32]) {
    let len = rows * channels * positions * block;
    assert!(len > 0 && src.len() == len && dst.len() == len, "permute: {} and {} values for {len}", src.len(), dst.len());
    for (src, dst) in src.chunks_exact(len / rows).zip(dst.chunks_exact_mut(len / rows)) {
        for c in 0..channels {
            for p in 0..positions {
                let (to, from) = ((c * positions + p) * block, (p * channels + c) * block);
                dst[to..to + block].copy_from_slice(&src[from..from + block]);
            }
        }
    }
}

/// A `Conv2d` layer's forward pass: `cols` = the patches of `input` [images · big², inputs], then `out`
/// [images · small², outputs] = cols · kernelᵀ + bias, then ReLU if asked. `kernel` is tap-major [outputs, 9 · inputs].
#[allow(clippy::too_many_arguments)]
pub fn conv2d(
    grid: Grid,
    input: &[f32],
    inputs: usize,
    kernel: &[f32],
    bias: &[f32],
    cols: &mut [f32],
    out: &mut [f32],
    relu_after: bool,
    clock: &mut dyn Clock,
) {
    gather(grid, input, inputs, cols);
    clock.mark(Part::Elementwise);
    matmul(out, Mat::rows(cols, TAPS * inputs), Mat::rows(kernel, TAPS * inputs).t(), Start::Row(bias));
    clock.mark(Part::MatmulForward);
    if relu_after {
        relu(out);
        clock.mark(Part::Elementwise);
    }
}

/// A `ConvTranspose2d` layer's forward pass: `cols` [images · small², 9 · outputs] = input · kernel (each input
/// position's contribution to its 3 × 3 output patch), then `out` [images · big², outputs] = bias + col2im(cols), then
/// `finish`. `kernel` is tap-major [inputs, 9 · outputs].
#[allow(clippy::too_many_arguments)]
pub fn conv_transpose2d(
    grid: Grid,
    input: &[f32],
    inputs: usize,
    kernel: &[f32],
    bias: &[f32],
    cols: &mut [f32],
    out: &mut [f32],
    finish: Finish,
    clock: &mut dyn Clock,
) {
    let outputs = bias.len();
    matmul(cols, Mat::rows(input, inputs), Mat::rows(kernel, TAPS * outputs), Start::Zero);
    clock.mark(Part::MatmulForward);
    col2im(grid, cols, outputs, Init::Row(bias), finish, out);
    clock.mark(Part::Elementwise);
}
