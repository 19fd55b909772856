//! The tutorial's structure: encoder P → H ReLU → (μ, log σ²) ∈ R^L, decoder L → H ReLU → P logits (P the image's
//! values: 784 for MNIST). Its one table of layers (`LAYERS`: names and shapes, a public contract), PyTorch's
//! `nn.Linear` initialisation, and its inference passes over flat parameters.

use std::ops::Range;

use crate::kernels::matmul::{matmul, Mat, Start};
use crate::rng::SeededRng;

use super::{ModelConfig, TensorSpec};

/// A size a layer's shape is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    /// The values of an image (784 for MNIST's).
    Pixels,
    Hidden,
    Latent,
}

impl Dim {
    pub fn size(self, config: &ModelConfig) -> usize {
        match self {
            Dim::Pixels => config.image.pixels(),
            Dim::Hidden => config.hidden,
            Dim::Latent => config.latent,
        }
    }
}

/// One layer of the weights contract: its two tensor names and its shape in PyTorch `nn.Linear` layout
/// (weight [outputs, inputs], bias [outputs]).
#[derive(Clone, Copy, Debug)]
pub struct LayerSpec {
    pub weight: &'static str,
    pub bias: &'static str,
    pub outputs: Dim,
    pub inputs: Dim,
}

impl LayerSpec {
    pub fn weight_shape(&self, config: &ModelConfig) -> [usize; 2] {
        [self.outputs.size(config), self.inputs.size(config)]
    }

    pub fn bias_shape(&self, config: &ModelConfig) -> [usize; 1] {
        [self.outputs.size(config)]
    }
}

/// The one table of layers: initialisation order (and so the seeded weights), the tensor names, saving, loading and
/// the expected shapes all follow it. Changing a name or a shape here changes the public weights contract.
pub const LAYERS: [LayerSpec; 5] = [
    LayerSpec { weight: "enc.fc.weight", bias: "enc.fc.bias", outputs: Dim::Hidden, inputs: Dim::Pixels },
    LayerSpec { weight: "enc.mu.weight", bias: "enc.mu.bias", outputs: Dim::Latent, inputs: Dim::Hidden },
    LayerSpec { weight: "enc.logvar.weight", bias: "enc.logvar.bias", outputs: Dim::Latent, inputs: Dim::Hidden },
    LayerSpec { weight: "dec.fc.weight", bias: "dec.fc.bias", outputs: Dim::Hidden, inputs: Dim::Latent },
    LayerSpec { weight: "dec.out.weight", bias: "dec.out.bias", outputs: Dim::Pixels, inputs: Dim::Hidden },
];

/// Each layer's place in `LAYERS`.
pub const ENC_FC: usize = 0;
pub const ENC_MU: usize = 1;
pub const ENC_LOGVAR: usize = 2;
pub const DEC_FC: usize = 3;
pub const DEC_OUT: usize = 4;

/// The ten tensor names of the weights contract, in `LAYERS` order (weight, then bias).
pub fn tensor_names() -> impl Iterator<Item = &'static str> {
    LAYERS.iter().flat_map(|spec| [spec.weight, spec.bias])
}

const LAYOUT: &str = "PyTorch nn.Linear layout: weight is [out, in]";

/// Where a layer's weight and bias sit in the flat parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub weight: usize,
    pub bias: usize,
    pub outputs: usize,
    pub inputs: usize,
}

impl Slot {
    pub fn weight_len(&self) -> usize {
        self.outputs * self.inputs
    }

    pub fn weight_range(&self) -> Range<usize> {
        self.weight..self.weight + self.weight_len()
    }

    pub fn bias_range(&self) -> Range<usize> {
        self.bias..self.bias + self.outputs
    }

    /// The weight [outputs, inputs] and the bias, in `parameters`.
    pub fn of<'a>(&self, parameters: &'a [f32]) -> (&'a [f32], &'a [f32]) {
        (&parameters[self.weight_range()], &parameters[self.bias_range()])
    }

    /// The same slot in the decoder's parameters alone (they start at `start`).
    fn moved_back(self, start: usize) -> Slot {
        Slot { weight: self.weight - start, bias: self.bias - start, ..self }
    }
}

/// The layers' slots for `config`, in `LAYERS` order (weight, then bias, layer after layer).
pub fn slots(config: &ModelConfig) -> [Slot; 5] {
    let mut offset = 0;
    LAYERS.map(|spec| {
        let [outputs, inputs] = spec.weight_shape(config);
        let slot = Slot { weight: offset, bias: offset + outputs * inputs, outputs, inputs };
        offset += outputs * inputs + outputs;
        slot
    })
}

pub(super) fn tensors(config: &ModelConfig) -> Vec<TensorSpec> {
    LAYERS
        .iter()
        .zip(slots(config))
        .flat_map(|(spec, slot)| {
            [
                TensorSpec { name: spec.weight, shape: spec.weight_shape(config).to_vec(), range: slot.weight_range(), layout: LAYOUT },
                TensorSpec { name: spec.bias, shape: spec.bias_shape(config).to_vec(), range: slot.bias_range(), layout: LAYOUT },
            ]
        })
        .collect()
}

pub(super) fn decoder_range(config: &ModelConfig) -> Range<usize> {
    let s = slots(config);
    s[DEC_FC].weight..s[DEC_OUT].bias_range().end
}

/// PyTorch's default `nn.Linear` initialisation, U(−1/√in, 1/√in) for weight and bias, layer after layer in table
/// order from one seeded stream.
pub(super) fn initial_parameters(config: &ModelConfig, seed: u64) -> Vec<f32> {
    let mut rng = SeededRng::new(seed);
    let mut parameters = Vec::with_capacity(config.parameter_count());
    for spec in &LAYERS {
        let [outputs, inputs] = spec.weight_shape(config);
        let bound = 1.0 / (inputs as f32).sqrt();
        parameters.extend(rng.uniform(outputs * inputs, bound));
        parameters.extend(rng.uniform(outputs, bound));
    }
    parameters
}

/// out [n, outputs] = input · weightᵀ + bias, then ReLU if asked.
pub fn linear(out: &mut [f32], input: Mat, slot: Slot, parameters: &[f32], relu: bool) {
    let (weight, bias) = slot.of(parameters);
    matmul(out, input, Mat::rows(weight, slot.inputs).t(), Start::Row(bias));
    if relu {
        crate::kernels::relu(out);
    }
}

/// Rows per pass in inference: the activations of a pass stay small (the wasm heap never shrinks back).
const ROWS: usize = 256;

/// (μ, log σ²) of images x [n, P], each [n, L].
pub(super) fn encode(config: &ModelConfig, parameters: &[f32], x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let (p, h, l) = (config.image.pixels(), config.hidden, config.latent);
    let n = x.len() / p;
    let s = slots(config);
    let (mut mu, mut logvar) = (vec![0f32; n * l], vec![0f32; n * l]);
    let mut hidden = vec![0f32; ROWS.min(n) * h];
    for ((x, mu), logvar) in x.chunks(ROWS * p).zip(mu.chunks_mut(ROWS * l)).zip(logvar.chunks_mut(ROWS * l)) {
        let hidden = &mut hidden[..x.len() / p * h];
        linear(hidden, Mat::rows(x, p), s[ENC_FC], parameters, true);
        linear(mu, Mat::rows(hidden, h), s[ENC_MU], parameters, false);
        linear(logvar, Mat::rows(hidden, h), s[ENC_LOGVAR], parameters, false);
    }
    (mu, logvar)
}

/// The decoder's logits [n, P] for latent points z [n, L], from the decoder's parameters alone.
pub(super) fn decode_logits(config: &ModelConfig, decoder: &[f32], z: &[f32]) -> Vec<f32> {
    let (p, l) = (config.image.pixels(), config.latent);
    let mut logits = vec![0f32; z.len() / l * p];
    let mut hidden = Vec::new();
    decode_logits_into(config, decoder, z, &mut hidden, &mut logits);
    logits
}

/// `decode_logits` into `logits`, with `hidden` (grown when too small) for the hidden layer.
pub(super) fn decode_logits_into(config: &ModelConfig, decoder: &[f32], z: &[f32], hidden: &mut Vec<f32>, logits: &mut [f32]) {
    let (p, h, l) = (config.image.pixels(), config.hidden, config.latent);
    let start = decoder_range(config).start;
    let s = slots(config);
    let (fc, out) = (s[DEC_FC].moved_back(start), s[DEC_OUT].moved_back(start));
    let rows = ROWS.min(z.len() / l);
    if hidden.len() < rows * h {
        hidden.resize(rows * h, 0.0);
    }
    for (z, logits) in z.chunks(ROWS * l).zip(logits.chunks_mut(ROWS * p)) {
        let hidden = &mut hidden[..z.len() / l * h];
        linear(hidden, Mat::rows(z, l), fc, decoder, true);
        linear(logits, Mat::rows(hidden, h), out, decoder, false);
    }
}
