//! The convolutional structure: the Keras team's convolutional VAE (keras.io/examples/generative/vae) in PyTorch
//! layouts. Encoder Conv 32 and 64 (3 × 3, stride 2, "same" padding, ReLU), Dense 16 ReLU, then μ and log σ²;
//! decoder Dense 7·7·64 ReLU, ConvTranspose 64 and 32 (3 × 3, stride 2, ReLU), ConvTranspose 1 (3 × 3, logits). For
//! 28 × 28 images with one channel; only the latent size varies. "Same" is Keras's: at stride 2 the padding is after
//! the map only (`kernels::im2col::Grid`), so the model is the example's own, not PyTorch's `padding=1` variant.
//!
//! Its one table of layers (`CONV_LAYERS`: the weights contract — names, PyTorch layouts, shapes from the latent
//! size — each convolution's geometry, Keras's Glorot initialisation and where each tensor sits in the flat
//! parameters all follow it), and its forward passes over the crate's kernels (`kernels::im2col`), which inference,
//! the page's decoder and the training step (`step::conv`) share.
//!
//! Layout. The passes keep feature maps NHWC (one row per position, its channels contiguous: a layer over a batch is
//! one product) and kernels tap-major (see `kernels::im2col`); the parameters stay in the contract's PyTorch layout.
//! So a pass first copies the weights it uses into its own layout (`prepare`, ~134 k floats for the whole model):
//! a pass over the parameters against ~40 MFLOP of products per image.

use std::ops::Range;

use crate::data::ImageSpec;
use crate::kernels::im2col::{conv2d, conv_transpose2d, to_channel_major, to_position_major, Finish, Grid, KERNEL, TAPS};
use crate::kernels::matmul::{matmul, Mat, Start};
use crate::kernels::relu;
use crate::profile::{Clock, Part};
use crate::rng::SeededRng;

use super::{ModelConfig, TensorSpec};

/// The only images the structure takes: its strides and its 7 × 7 feature map are MNIST's.
pub const IMAGE: ImageSpec = ImageSpec::MNIST;
const SIDE: usize = 28;
pub const PIXELS: usize = SIDE * SIDE;

/// The encoder's last feature map and the decoder's first: 64 channels of 7 × 7, flattened (PyTorch's C, H, W order)
/// to 3,136 values.
pub const FEATURE_CHANNELS: usize = 64;
pub const FEATURE_SIDE: usize = 7;
pub const FEATURE_POSITIONS: usize = FEATURE_SIDE * FEATURE_SIDE;
pub const FLAT: usize = FEATURE_CHANNELS * FEATURE_POSITIONS;
/// The encoder's dense layer before the two heads.
pub const DENSE: usize = 16;

/// A size a dense layer's shape is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Fixed(usize),
    Latent,
}

impl Size {
    pub fn get(self, latent: usize) -> usize {
        match self {
            Size::Fixed(n) => n,
            Size::Latent => latent,
        }
    }
}

/// How a conv weights file names the padding its convolutions assume (metadata `padding`): Keras's "same"
/// (`kernels::im2col::Grid`). Earlier builds padded every edge and wrote no such entry.
pub const PADDING_RULE: &str = "keras-same";

/// What a layer computes, with its geometry. Square maps throughout; `in_side` × `in_side` positions in,
/// `out_side` × `out_side` out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Keras `Conv2D(outputs, 3, strides=stride, padding="same")`, with PyTorch `nn.Conv2d`'s weight layout
    /// [outputs, inputs, 3, 3].
    Conv2d { inputs: usize, outputs: usize, stride: usize, in_side: usize, out_side: usize },
    /// Keras `Conv2DTranspose(outputs, 3, strides=stride, padding="same")`, with PyTorch `nn.ConvTranspose2d`'s weight
    /// layout [inputs, outputs, 3, 3].
    ConvTranspose2d { inputs: usize, outputs: usize, stride: usize, in_side: usize, out_side: usize },
    /// PyTorch `nn.Linear(inputs, outputs)`: weight [outputs, inputs].
    Linear { outputs: Size, inputs: Size },
}

/// One layer of the contract: its two tensor names and what it computes.
#[derive(Clone, Copy, Debug)]
pub struct ConvLayerSpec {
    pub weight: &'static str,
    pub bias: &'static str,
    pub op: Op,
}

impl ConvLayerSpec {
    /// The weight's shape in PyTorch's layout.
    pub fn weight_shape(&self, latent: usize) -> Vec<usize> {
        match self.op {
            Op::Conv2d { inputs, outputs, .. } => vec![outputs, inputs, KERNEL, KERNEL],
            Op::ConvTranspose2d { inputs, outputs, .. } => vec![inputs, outputs, KERNEL, KERNEL],
            Op::Linear { outputs, inputs } => vec![outputs.get(latent), inputs.get(latent)],
        }
    }

    /// The weight's number of values (`weight_shape`'s product, without building the shape).
    pub fn weight_len(&self, latent: usize) -> usize {
        match self.op {
            Op::Conv2d { inputs, outputs, .. } | Op::ConvTranspose2d { inputs, outputs, .. } => outputs * inputs * TAPS,
            Op::Linear { outputs, inputs } => outputs.get(latent) * inputs.get(latent),
        }
    }

    /// The bias's length: one per output channel (or unit).
    pub fn outputs(&self, latent: usize) -> usize {
        match self.op {
            Op::Conv2d { outputs, .. } | Op::ConvTranspose2d { outputs, .. } => outputs,
            Op::Linear { outputs, .. } => outputs.get(latent),
        }
    }

    /// Keras's Glorot uniform bound √(6 / (fan_in + fan_out)), a kernel's fans counting its 3 × 3 taps.
    pub fn glorot_bound(&self, latent: usize) -> f32 {
        let fans = match self.op {
            Op::Conv2d { inputs, outputs, .. } | Op::ConvTranspose2d { inputs, outputs, .. } => TAPS * (inputs + outputs),
            Op::Linear { outputs, inputs } => outputs.get(latent) + inputs.get(latent),
        };
        (6.0 / fans as f64).sqrt() as f32
    }

    /// The layout, for a person reading an error.
    pub fn layout(&self) -> &'static str {
        match self.op {
            Op::Conv2d { .. } => "PyTorch nn.Conv2d layout: weight is [out, in, kh, kw]",
            Op::ConvTranspose2d { .. } => "PyTorch nn.ConvTranspose2d layout: weight is [in, out, kh, kw]",
            Op::Linear { .. } => "PyTorch nn.Linear layout: weight is [out, in]",
        }
    }

    /// Multiply-adds of the layer's forward pass on one image.
    pub fn multiply_adds(&self, latent: usize) -> usize {
        match self.op {
            Op::Conv2d { inputs, outputs, out_side, .. } => out_side * out_side * outputs * TAPS * inputs,
            Op::ConvTranspose2d { inputs, outputs, in_side, .. } => in_side * in_side * inputs * TAPS * outputs,
            Op::Linear { outputs, inputs } => outputs.get(latent) * inputs.get(latent),
        }
    }
}

const S: usize = SIDE;

/// The one table of layers. Changing a name or a shape here changes the public weights contract.
pub const CONV_LAYERS: [ConvLayerSpec; 9] = [
    ConvLayerSpec {
        weight: "enc.conv1.weight",
        bias: "enc.conv1.bias",
        op: Op::Conv2d { inputs: 1, outputs: 32, stride: 2, in_side: S, out_side: S / 2 },
    },
    ConvLayerSpec {
        weight: "enc.conv2.weight",
        bias: "enc.conv2.bias",
        op: Op::Conv2d { inputs: 32, outputs: FEATURE_CHANNELS, stride: 2, in_side: S / 2, out_side: FEATURE_SIDE },
    },
    ConvLayerSpec {
        weight: "enc.fc.weight",
        bias: "enc.fc.bias",
        op: Op::Linear { outputs: Size::Fixed(DENSE), inputs: Size::Fixed(FLAT) },
    },
    ConvLayerSpec { weight: "enc.mu.weight", bias: "enc.mu.bias", op: Op::Linear { outputs: Size::Latent, inputs: Size::Fixed(DENSE) } },
    ConvLayerSpec {
        weight: "enc.logvar.weight",
        bias: "enc.logvar.bias",
        op: Op::Linear { outputs: Size::Latent, inputs: Size::Fixed(DENSE) },
    },
    ConvLayerSpec { weight: "dec.fc.weight", bias: "dec.fc.bias", op: Op::Linear { outputs: Size::Fixed(FLAT), inputs: Size::Latent } },
    ConvLayerSpec {
        weight: "dec.deconv1.weight",
        bias: "dec.deconv1.bias",
        op: Op::ConvTranspose2d { inputs: FEATURE_CHANNELS, outputs: 64, stride: 2, in_side: FEATURE_SIDE, out_side: S / 2 },
    },
    ConvLayerSpec {
        weight: "dec.deconv2.weight",
        bias: "dec.deconv2.bias",
        op: Op::ConvTranspose2d { inputs: 64, outputs: 32, stride: 2, in_side: S / 2, out_side: S },
    },
    ConvLayerSpec {
        weight: "dec.out.weight",
        bias: "dec.out.bias",
        op: Op::ConvTranspose2d { inputs: 32, outputs: 1, stride: 1, in_side: S, out_side: S },
    },
];

// Each layer's place in `CONV_LAYERS` (a test checks them against the names).
pub const CONV1: usize = 0;
pub const CONV2: usize = 1;
pub const ENC_FC: usize = 2;
pub const MU: usize = 3;
pub const LOGVAR: usize = 4;
pub const DEC_FC: usize = 5;
pub const DECONV1: usize = 6;
pub const DECONV2: usize = 7;
pub const OUT: usize = 8;

/// The decoder's first layer: the decoder's tensors are the tail of the parameters.
pub const FIRST_DECODER_LAYER: usize = DEC_FC;

/// Where a layer's weight and bias sit in the flat parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub weight: usize,
    pub weight_len: usize,
    pub bias: usize,
    pub bias_len: usize,
}

impl Slot {
    pub fn weight_range(&self) -> Range<usize> {
        self.weight..self.weight + self.weight_len
    }

    pub fn bias_range(&self) -> Range<usize> {
        self.bias..self.bias + self.bias_len
    }

    /// The same slot in a buffer that starts at `start` of this one.
    fn moved_back(self, start: usize) -> Slot {
        Slot { weight: self.weight - start, bias: self.bias - start, ..self }
    }
}

/// The layers' slots for latent size `latent`, in table order (weight, then bias, layer after layer).
pub fn slots(latent: usize) -> [Slot; 9] {
    let mut offset = 0;
    CONV_LAYERS.map(|spec| {
        let weight_len = spec.weight_len(latent);
        let bias_len = spec.outputs(latent);
        let slot = Slot { weight: offset, weight_len, bias: offset + weight_len, bias_len };
        offset += weight_len + bias_len;
        slot
    })
}

pub fn parameter_count(latent: usize) -> usize {
    let last = slots(latent)[OUT];
    last.bias + last.bias_len
}

pub(super) fn tensors(config: &ModelConfig) -> Vec<TensorSpec> {
    tensors_of(config.latent)
}

/// The 18 tensors of the contract for latent size `latent`, in table order.
pub fn tensors_of(latent: usize) -> Vec<TensorSpec> {
    CONV_LAYERS
        .iter()
        .zip(slots(latent))
        .flat_map(|(spec, slot)| {
            let layout = spec.layout();
            [
                TensorSpec { name: spec.weight, shape: spec.weight_shape(latent), range: slot.weight_range(), layout },
                TensorSpec { name: spec.bias, shape: vec![slot.bias_len], range: slot.bias_range(), layout },
            ]
        })
        .collect()
}

/// The decoder's parameters within the flat ones (they come last).
pub fn decoder_range(latent: usize) -> Range<usize> {
    slots(latent)[FIRST_DECODER_LAYER].weight..parameter_count(latent)
}

/// Keras's initialisation from a seed: Glorot uniform weights drawn from one `SeededRng` stream in table order
/// (each tensor in its PyTorch layout's order), zero biases. The same seed gives the same parameters, bit for bit.
pub(super) fn initial_parameters(config: &ModelConfig, seed: u64) -> Vec<f32> {
    let latent = config.latent;
    let mut rng = SeededRng::new(seed);
    let mut params = vec![0f32; parameter_count(latent)];
    for (spec, slot) in CONV_LAYERS.iter().zip(slots(latent)) {
        params[slot.weight_range()].copy_from_slice(&rng.uniform(slot.weight_len, spec.glorot_bound(latent)));
    }
    params
}

/// A convolution's grid and channels, from the table.
#[derive(Clone, Copy, Debug)]
pub struct ConvShape {
    pub grid: Grid,
    pub inputs: usize,
    pub outputs: usize,
    /// The channels of the map its patch matrix is made of: the input's for a `Conv2d`, the output's for a
    /// `ConvTranspose2d` (whose product writes the patches and col2im sums them).
    pub patch_channels: usize,
    /// A `ConvTranspose2d`: it reads the small grid and writes the big one.
    pub transposed: bool,
}

impl ConvShape {
    /// Values in the patch matrix per image.
    pub fn patch_len(&self) -> usize {
        self.grid.small_positions() * TAPS * self.patch_channels
    }

    /// Values in the layer's input map per image.
    pub fn input_len(&self) -> usize {
        self.inputs * if self.transposed { self.grid.small_positions() } else { self.grid.big_positions() }
    }

    /// Values in the layer's output map per image.
    pub fn output_len(&self) -> usize {
        self.outputs * if self.transposed { self.grid.big_positions() } else { self.grid.small_positions() }
    }
}

/// Layer `layer`'s convolution shape (a dense layer has none).
pub fn shape(layer: usize) -> ConvShape {
    let spec = &CONV_LAYERS[layer];
    match spec.op {
        Op::Conv2d { inputs, outputs, stride, in_side, out_side } => {
            ConvShape { grid: Grid::same(out_side, in_side, stride), inputs, outputs, patch_channels: inputs, transposed: false }
        }
        Op::ConvTranspose2d { inputs, outputs, stride, in_side, out_side, .. } => {
            ConvShape { grid: Grid::same(in_side, out_side, stride), inputs, outputs, patch_channels: outputs, transposed: true }
        }
        Op::Linear { .. } => unreachable!("{} is not a convolution", spec.weight),
    }
}

/// The network's places for one latent size.
#[derive(Clone, Copy, Debug)]
pub struct Net {
    pub latent: usize,
    pub slots: [Slot; 9],
}

impl Net {
    pub fn new(latent: usize) -> Net {
        Net { latent, slots: slots(latent) }
    }

    pub fn weight<'a>(&self, buffer: &'a [f32], layer: usize) -> &'a [f32] {
        &buffer[self.slots[layer].weight_range()]
    }

    pub fn bias<'a>(&self, buffer: &'a [f32], layer: usize) -> &'a [f32] {
        &buffer[self.slots[layer].bias_range()]
    }
}

/// Which way `permute_layer` copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the contract's PyTorch layout into the passes'.
    ToPasses,
    /// Back (the gradients).
    ToContract,
}

/// One layer's weight and bias from one layout into the other (see the module comment).
pub fn permute_layer(spec: &ConvLayerSpec, latent: usize, src: (&[f32], &[f32]), dst: (&mut [f32], &mut [f32]), direction: Direction) {
    let permute = match direction {
        Direction::ToPasses => to_position_major,
        Direction::ToContract => to_channel_major,
    };
    let ((w, b), (dw, db)) = (src, dst);
    match spec.op {
        // PyTorch kernels are channel-major ([rows, channels, 3, 3]); the passes' are tap-major.
        Op::Conv2d { inputs, outputs, .. } => {
            permute(w, outputs, inputs, TAPS, 1, dw);
            db.copy_from_slice(b);
        }
        Op::ConvTranspose2d { inputs, outputs, .. } => {
            permute(w, inputs, outputs, TAPS, 1, dw);
            db.copy_from_slice(b);
        }
        // The encoder's dense layer reads the flattened map: its columns into H, W, C order.
        Op::Linear { inputs: Size::Fixed(FLAT), outputs } => {
            permute(w, outputs.get(latent), FEATURE_CHANNELS, FEATURE_POSITIONS, 1, dw);
            db.copy_from_slice(b);
        }
        // The decoder's dense layer writes it: its rows (blocks of L values) and its bias into H, W, C order.
        Op::Linear { outputs: Size::Fixed(FLAT), inputs } => {
            permute(w, 1, FEATURE_CHANNELS, FEATURE_POSITIONS, inputs.get(latent), dw);
            permute(b, 1, FEATURE_CHANNELS, FEATURE_POSITIONS, 1, db);
        }
        Op::Linear { .. } => {
            dw.copy_from_slice(w);
            db.copy_from_slice(b);
        }
    }
}

/// Layers `layers` of the table from `src` into `dst`, both laid out by `slots` (whole parameter buffers, or the
/// decoder's alone with its slots moved back).
pub fn permute(latent: usize, layers: Range<usize>, slots: &[Slot], src: &[f32], dst: &mut [f32], direction: Direction) {
    for (spec, slot) in CONV_LAYERS[layers].iter().zip(slots) {
        let (head, rest) = dst[slot.weight..].split_at_mut(slot.weight_len);
        let dst = (head, &mut rest[..slot.bias_len]);
        permute_layer(spec, latent, (&src[slot.weight_range()], &src[slot.bias_range()]), dst, direction);
    }
}

/// Images per pass through the network in training and inference: every feature map and patch matrix is sized for
/// this many images (a few MB, mostly cache-resident; a batch of 128 at once would be ~90 MB), whatever the batch.
pub const CHUNK: usize = 8;

/// The encoder's feature maps for up to `images` images.
pub struct EncoderMaps {
    /// conv1's patches of the images [n · 196, 9] and output [n · 196, 32]
    pub cols1: Vec<f32>,
    pub h1: Vec<f32>,
    /// conv2's patches [n · 49, 9 · 32] (kept for its weight gradient) and output [n · 49, 64] = [n, 3136]
    pub cols2: Vec<f32>,
    pub h2: Vec<f32>,
    /// enc.fc's output [n, 16]
    pub h3: Vec<f32>,
    pub mu: Vec<f32>,
    pub logvar: Vec<f32>,
}

impl EncoderMaps {
    pub fn new(images: usize, latent: usize) -> EncoderMaps {
        let zeros = |n: usize| vec![0f32; images * n];
        let (s1, s2) = (shape(CONV1), shape(CONV2));
        EncoderMaps {
            cols1: zeros(s1.patch_len()),
            h1: zeros(s1.output_len()),
            cols2: zeros(s2.patch_len()),
            h2: zeros(FLAT),
            h3: zeros(DENSE),
            mu: zeros(latent),
            logvar: zeros(latent),
        }
    }
}

/// The encoder on n ≤ the maps' images: x [n, 784] → (μ, log σ²) in `maps.mu` and `maps.logvar` (their first
/// n · L values), every map on the way kept. `w` is the whole model in the passes' layout.
pub fn encode_chunk(net: &Net, w: &[f32], maps: &mut EncoderMaps, x: &[f32], clock: &mut dyn Clock) {
    let (latent, n) = (net.latent, x.len() / PIXELS);
    let EncoderMaps { cols1, h1, cols2, h2, h3, mu, logvar } = maps;
    let (s1, s2) = (shape(CONV1), shape(CONV2));
    let (cols1, h1) = (&mut cols1[..n * s1.patch_len()], &mut h1[..n * s1.output_len()]);
    conv2d(s1.grid, x, s1.inputs, net.weight(w, CONV1), net.bias(w, CONV1), cols1, h1, true, clock);
    let (cols2, h2) = (&mut cols2[..n * s2.patch_len()], &mut h2[..n * FLAT]);
    conv2d(s2.grid, h1, s2.inputs, net.weight(w, CONV2), net.bias(w, CONV2), cols2, h2, true, clock);
    let h3 = &mut h3[..n * DENSE];
    matmul(h3, Mat::rows(h2, FLAT), Mat::rows(net.weight(w, ENC_FC), FLAT).t(), Start::Row(net.bias(w, ENC_FC)));
    clock.mark(Part::MatmulForward);
    relu(h3);
    clock.mark(Part::Elementwise);
    let (mu, logvar) = (&mut mu[..n * latent], &mut logvar[..n * latent]);
    matmul(mu, Mat::rows(h3, DENSE), Mat::rows(net.weight(w, MU), DENSE).t(), Start::Row(net.bias(w, MU)));
    matmul(logvar, Mat::rows(h3, DENSE), Mat::rows(net.weight(w, LOGVAR), DENSE).t(), Start::Row(net.bias(w, LOGVAR)));
    clock.mark(Part::MatmulForward);
}

/// The decoder's feature maps for up to `images` images, and the patch matrix its products write.
pub struct DecoderMaps {
    /// The dense layer's output, [images · 49, 64] (the 7 × 7 map, NHWC).
    pub d0: Vec<f32>,
    /// [images · 196, 64]
    pub d1: Vec<f32>,
    /// [images · 784, 32]
    pub d2: Vec<f32>,
    /// [images · 784]; in the step, then (in place) the loss's gradient with respect to them.
    pub logits: Vec<f32>,
    /// The largest patch matrix of the network: deconv2's [images · 196, 9 · 32].
    pub cols: Vec<f32>,
}

impl DecoderMaps {
    pub fn new(images: usize) -> DecoderMaps {
        let cols = [CONV1, CONV2, DECONV1, DECONV2, OUT].map(|layer| shape(layer).patch_len()).into_iter().max().unwrap_or(0);
        DecoderMaps {
            d0: vec![0.0; images * shape(DECONV1).input_len()],
            d1: vec![0.0; images * shape(DECONV1).output_len()],
            d2: vec![0.0; images * shape(DECONV2).output_len()],
            logits: vec![0.0; images * shape(OUT).output_len()],
            cols: vec![0.0; images * cols],
        }
    }

    /// The most images they hold.
    pub fn images(&self) -> usize {
        self.logits.len() / PIXELS
    }
}

/// The decoder on n ≤ the maps' images: z [n, L] → logits [n · 784] in `maps.logits` (their first n · 784 values).
/// `w` holds the decoder's four layers in the passes' layout, at `slots` (the model's or the decoder's own).
pub fn decode_chunk(latent: usize, w: &[f32], slots: &[Slot; 4], z: &[f32], maps: &mut DecoderMaps, clock: &mut dyn Clock) {
    let n = z.len() / latent;
    let [(fc_w, fc_b), (w1, b1), (w2, b2), (w3, b3)] = slots.map(|s| (&w[s.weight_range()], &w[s.bias_range()]));
    let (s1, s2, s3) = (shape(DECONV1), shape(DECONV2), shape(OUT));
    let d0 = &mut maps.d0[..n * FLAT];
    matmul(d0, Mat::rows(z, latent), Mat::rows(fc_w, latent).t(), Start::Row(fc_b));
    clock.mark(Part::MatmulForward);
    relu(d0);
    clock.mark(Part::Elementwise);
    let cols = |s: ConvShape| n * s.patch_len();
    let d1 = &mut maps.d1[..n * s1.output_len()];
    conv_transpose2d(s1.grid, d0, s1.inputs, w1, b1, &mut maps.cols[..cols(s1)], d1, Finish::Relu, clock);
    let d2 = &mut maps.d2[..n * s2.output_len()];
    conv_transpose2d(s2.grid, d1, s2.inputs, w2, b2, &mut maps.cols[..cols(s2)], d2, Finish::Relu, clock);
    let logits = &mut maps.logits[..n * PIXELS];
    conv_transpose2d(s3.grid, d2, s3.inputs, w3, b3, &mut maps.cols[..cols(s3)], logits, Finish::Keep, clock);
}

/// The decoder's four slots in the whole model's buffer.
pub fn decoder_slots(net: &Net) -> [Slot; 4] {
    [DEC_FC, DECONV1, DECONV2, OUT].map(|layer| net.slots[layer])
}

/// The whole model in the passes' layout.
fn prepared(latent: usize, parameters: &[f32]) -> Vec<f32> {
    let mut w = vec![0f32; parameters.len()];
    permute(latent, 0..CONV_LAYERS.len(), &slots(latent), parameters, &mut w, Direction::ToPasses);
    w
}

/// (μ, log σ²) of images x [n, 784], each [n, L].
pub(super) fn encode(config: &ModelConfig, parameters: &[f32], x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let (latent, n) = (config.latent, x.len() / PIXELS);
    let net = Net::new(latent);
    let w = prepared(latent, parameters);
    let mut maps = EncoderMaps::new(CHUNK.min(n.max(1)), latent);
    let (mut mu, mut logvar) = (vec![0f32; n * latent], vec![0f32; n * latent]);
    for ((x, mu), logvar) in x.chunks(CHUNK * PIXELS).zip(mu.chunks_mut(CHUNK * latent)).zip(logvar.chunks_mut(CHUNK * latent)) {
        encode_chunk(&net, &w, &mut maps, x, &mut ());
        mu.copy_from_slice(&maps.mu[..mu.len()]);
        logvar.copy_from_slice(&maps.logvar[..logvar.len()]);
    }
    (mu, logvar)
}

/// The decoder alone in the passes' layout, with its maps: what the page's decoder keeps between calls.
pub struct DecoderPasses {
    latent: usize,
    /// The decoder's four slots within its own parameters (the model's, moved to start at 0).
    slots: [Slot; 4],
    prepared: Vec<f32>,
    /// Made at the first call, for up to `CHUNK` points.
    maps: Option<DecoderMaps>,
}

impl DecoderPasses {
    /// From the decoder's parameters (the tail of the model's, from `dec.fc.weight` on; their length checked by
    /// the caller).
    pub fn new(latent: usize, decoder: &[f32]) -> DecoderPasses {
        let start = decoder_range(latent).start;
        let slots = decoder_slots(&Net::new(latent)).map(|s| s.moved_back(start));
        let mut prepared = vec![0f32; decoder.len()];
        permute(latent, FIRST_DECODER_LAYER..CONV_LAYERS.len(), &slots, decoder, &mut prepared, Direction::ToPasses);
        DecoderPasses { latent, slots, prepared, maps: None }
    }

    /// Logits [n · 784] for the points z [n, L] into `logits`; allocates only at the first call.
    pub fn decode_logits_into(&mut self, z: &[f32], logits: &mut [f32]) {
        let latent = self.latent;
        let points = z.len() / latent;
        let maps = self.maps.get_or_insert_with(|| DecoderMaps::new(CHUNK.min(points.max(1))));
        let chunk = maps.images();
        for (z, logits) in z.chunks(chunk * latent).zip(logits.chunks_mut(chunk * PIXELS)) {
            decode_chunk(latent, &self.prepared, &self.slots, z, maps, &mut ());
            logits.copy_from_slice(&maps.logits[..logits.len()]);
        }
    }
}

/// The decoder's logits [n, 784] for latent points z [n, L], from the decoder's parameters alone.
pub(super) fn decode_logits(config: &ModelConfig, decoder: &[f32], z: &[f32]) -> Vec<f32> {
    let mut logits = vec![0f32; z.len() / config.latent * PIXELS];
    DecoderPasses::new(config.latent, decoder).decode_logits_into(z, &mut logits);
    logits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_geometry_is_keras_same_padding_and_the_places_name_their_layers() {
        for spec in CONV_LAYERS {
            match spec.op {
                // "same": the output side is the input's over the stride, rounded up (a transposed one: times it).
                Op::Conv2d { stride, in_side, out_side, .. } => assert_eq!(out_side, in_side.div_ceil(stride), "{}", spec.weight),
                Op::ConvTranspose2d { stride, in_side, out_side, .. } => assert_eq!(out_side, in_side * stride, "{}", spec.weight),
                Op::Linear { .. } => {}
            }
        }
        // Keras's split of the padding: stride 2 pads after only, stride 1 one on each side.
        let padding = |layer: usize| (shape(layer).grid.before, shape(layer).grid.after());
        for layer in [CONV1, CONV2, DECONV1, DECONV2] {
            assert_eq!(padding(layer), (0, 1), "{}", CONV_LAYERS[layer].weight);
        }
        assert_eq!(padding(OUT), (1, 1));
        // 320 + 18,496 + 50,192 + 2 · 34 + 9,408 + 36,928 + 18,464 + 289
        assert_eq!(parameter_count(2), 134_165);
        let places = [CONV1, CONV2, ENC_FC, MU, LOGVAR, DEC_FC, DECONV1, DECONV2, OUT];
        let names = ["enc.conv1", "enc.conv2", "enc.fc", "enc.mu", "enc.logvar", "dec.fc", "dec.deconv1", "dec.deconv2", "dec.out"];
        for (place, name) in places.into_iter().zip(names) {
            assert_eq!(CONV_LAYERS[place].weight, format!("{name}.weight"));
            assert_eq!(CONV_LAYERS[place].bias, format!("{name}.bias"));
        }
    }
}
