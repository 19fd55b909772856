//! The classic tutorial VAE: encoder 784 → H ReLU → (μ, log σ²) ∈ R^L, decoder L → H ReLU → 784 logits.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp2, Device, Layout, Shape, Tensor, Var};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rng::SeededRng;
use crate::size;
use crate::IMAGE_PIXELS;

/// Shape and objective of the model. Everything else about training lives in `TrainConfig`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct VaeConfig {
    pub hidden: usize,
    pub latent: usize,
    /// Weight of the KL term in the training loss (β-VAE); 1 is the plain ELBO.
    pub beta: f64,
}

impl Default for VaeConfig {
    fn default() -> Self {
        VaeConfig { hidden: 128, latent: 2, beta: 1.0 }
    }
}

pub const MAX_HIDDEN: usize = 4096;
pub const MAX_LATENT: usize = 64;

impl VaeConfig {
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_HIDDEN).contains(&self.hidden) {
            return Err(Error::setting("hidden units", self.hidden, "a whole number from 1 to 4096"));
        }
        if !(1..=MAX_LATENT).contains(&self.latent) {
            return Err(Error::setting("latent dimensions", self.latent, "a whole number from 1 to 64"));
        }
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return Err(Error::setting("beta", self.beta, "a finite number ≥ 0 (1 is the plain VAE)"));
        }
        Ok(())
    }
}

/// One fully connected layer in PyTorch's `nn.Linear` layout: weight [out, in], bias [out].
#[derive(Clone, Debug)]
pub struct Layer {
    pub weight: Tensor,
    pub bias: Tensor,
}

impl Layer {
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)?)
    }

    /// The same as `forward` for an input that is data, not a result of the model: candle's matmul backward also
    /// computes the gradient of its left operand, which for the images is 13 MFLOP per step thrown away (about a
    /// seventh of all the arithmetic in a step). This op skips it.
    pub fn forward_on_data(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.contiguous()?.apply_op2(&self.weight, DataTimesWeightT)?.broadcast_add(&self.bias)?)
    }

    /// PyTorch's default `nn.Linear` initialisation, U(−1/√in, 1/√in) for weight and bias, from a seeded stream.
    pub(crate) fn init(rng: &mut SeededRng, inputs: usize, outputs: usize) -> Result<Self> {
        let bound = 1.0 / (inputs as f32).sqrt();
        let weight = Tensor::from_vec(rng.uniform(outputs * inputs, bound), (outputs, inputs), &Device::Cpu)?;
        let bias = Tensor::from_vec(rng.uniform(outputs, bound), outputs, &Device::Cpu)?;
        Ok(Layer { weight, bias })
    }

    fn to_vars(&self) -> Result<(Var, Var, Layer)> {
        let weight = Var::from_tensor(&self.weight)?;
        let bias = Var::from_tensor(&self.bias)?;
        // The layer keeps the variables' own tensors, so optimizer updates are seen by forward passes.
        let layer = Layer { weight: weight.as_tensor().clone(), bias: bias.as_tensor().clone() };
        Ok((weight, bias, layer))
    }

    /// A copy that no longer follows training (and carries no autograd history).
    fn detached_copy(&self) -> Result<Layer> {
        Ok(Layer { weight: self.weight.detach().copy()?, bias: self.bias.detach().copy()? })
    }
}

/// x · Wᵀ where x is data: the backward pass gives W its gradient Gᵀ · x and x none.
struct DataTimesWeightT;

impl CustomOp2 for DataTimesWeightT {
    fn name(&self) -> &'static str {
        "data-times-weight-t"
    }

    fn cpu_fwd(&self, x: &CpuStorage, lx: &Layout, w: &CpuStorage, lw: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (m, k) = lx.shape().dims2()?;
        let (n, k2) = lw.shape().dims2()?;
        if k != k2 {
            candle_core::bail!("data-times-weight-t: x is [{m}, {k}] but W is [{n}, {k2}]");
        }
        let product = x.matmul(w, (1, m, n, k), lx, &lw.transpose(0, 1)?)?;
        Ok((product, Shape::from((m, n))))
    }

    fn bwd(&self, x: &Tensor, _w: &Tensor, _res: &Tensor, grad: &Tensor) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        Ok((None, Some(grad.t()?.matmul(x)?)))
    }
}

/// The decoder on its own: what the main thread needs to draw a digit while the worker trains.
#[derive(Clone, Debug)]
pub struct Decoder {
    pub fc: Layer,
    pub out: Layer,
}

impl Decoder {
    pub fn latent(&self) -> usize {
        self.fc.weight.dims()[1]
    }

    pub fn hidden(&self) -> usize {
        self.fc.weight.dims()[0]
    }

    /// z [N, L] → logits [N, 784].
    pub fn decode_logits(&self, z: &Tensor) -> Result<Tensor> {
        self.out.forward(&self.fc.forward(z)?.relu()?)
    }

    /// z [N, L] → pixel intensities in [0, 1], [N, 784].
    pub fn decode(&self, z: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::sigmoid(&self.decode_logits(z)?)?)
    }

    /// Decode one latent point into 784 intensities.
    pub fn decode_point(&self, z: &[f32]) -> Result<Vec<f32>> {
        if z.len() != self.latent() {
            return Err(Error::setting("latent point", format!("{} values", z.len()), "one value per latent dimension"));
        }
        let z = Tensor::from_slice(z, (1, z.len()), &Device::Cpu)?;
        Ok(self.decode(&z)?.flatten_all()?.to_vec1()?)
    }

    /// All decoder parameters in one flat vector (fc.weight, fc.bias, out.weight, out.bias): the snapshot the
    /// worker sends to the main thread, small enough (~100 k floats) to post several times a second.
    pub fn to_flat(&self) -> Result<Vec<f32>> {
        let parts = [&self.fc.weight, &self.fc.bias, &self.out.weight, &self.out.bias];
        let mut flat = Vec::with_capacity(Self::flat_len(self.hidden(), self.latent())?);
        for part in parts {
            flat.extend(part.flatten_all()?.to_vec1::<f32>()?);
        }
        Ok(flat)
    }

    /// Values in the snapshot of a decoder of these sizes; an error for sizes outside the settings' limits.
    pub fn flat_len(hidden: usize, latent: usize) -> Result<usize> {
        VaeConfig { hidden, latent, beta: 1.0 }.validate()?;
        // hidden·latent + hidden + 784·hidden + 784
        Ok(size::product("decoder snapshot", &[hidden, latent + 1 + IMAGE_PIXELS])? + IMAGE_PIXELS)
    }

    /// A decoder from its snapshot (`to_flat`); sizes outside the settings' limits, or a snapshot of another
    /// length, are an error.
    pub fn from_flat(hidden: usize, latent: usize, flat: &[f32]) -> Result<Decoder> {
        let expected = Self::flat_len(hidden, latent)?;
        if flat.len() != expected {
            return Err(Error::weights(format!(
                "a decoder snapshot for {hidden} hidden units and {latent} latent dimensions has {expected} values, \
                 this one has {}",
                flat.len()
            )));
        }
        let mut rest = flat;
        let mut take = |dims: &[usize]| -> Result<Tensor> {
            let n = dims.iter().product();
            let (head, tail) = rest.split_at(n);
            rest = tail;
            Ok(Tensor::from_slice(head, dims, &Device::Cpu)?)
        };
        let fc = Layer { weight: take(&[hidden, latent])?, bias: take(&[hidden])? };
        let out = Layer { weight: take(&[IMAGE_PIXELS, hidden])?, bias: take(&[IMAGE_PIXELS])? };
        Ok(Decoder { fc, out })
    }
}

/// The whole model. Its tensors are candle `Var`s, so autograd sees them and the optimizer updates them in place.
pub struct Vae {
    config: VaeConfig,
    enc_fc: Layer,
    enc_mu: Layer,
    enc_logvar: Layer,
    decoder: Decoder,
    vars: Vec<Var>,
}

/// A size a layer's shape is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    /// The 784 pixels of an image.
    Pixels,
    Hidden,
    Latent,
}

impl Dim {
    pub fn size(self, config: &VaeConfig) -> usize {
        match self {
            Dim::Pixels => IMAGE_PIXELS,
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
    pub fn weight_shape(&self, config: &VaeConfig) -> [usize; 2] {
        [self.outputs.size(config), self.inputs.size(config)]
    }

    pub fn bias_shape(&self, config: &VaeConfig) -> [usize; 1] {
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

/// The ten tensor names of the weights contract, in `LAYERS` order (weight, then bias).
pub fn tensor_names() -> impl Iterator<Item = &'static str> {
    LAYERS.iter().flat_map(|spec| [spec.weight, spec.bias])
}

/// What one pass through the model gives: the encoder's (μ, log σ²) [N, L] and the decoder's logits [S·N, 784].
pub struct Forward {
    pub mu: Tensor,
    pub logvar: Tensor,
    pub logits: Tensor,
}

impl Vae {
    /// A freshly initialised model; the same seed gives the same weights.
    pub fn new(config: VaeConfig, seed: u64) -> Result<Vae> {
        config.validate()?;
        let mut rng = SeededRng::new(seed);
        let mut layers = Vec::with_capacity(LAYERS.len());
        for spec in &LAYERS {
            layers.push(Layer::init(&mut rng, spec.inputs.size(&config), spec.outputs.size(&config))?);
        }
        Self::from_layers(config, layers.try_into().expect("one layer per LAYERS entry"))
    }

    /// Builds a model around given layers, in `LAYERS` order, copying them into `Var`s.
    pub(crate) fn from_layers(config: VaeConfig, layers: [Layer; 5]) -> Result<Vae> {
        let mut vars = Vec::with_capacity(10);
        let mut owned = Vec::with_capacity(5);
        for layer in &layers {
            let (w, b, layer) = layer.to_vars()?;
            vars.push(w);
            vars.push(b);
            owned.push(layer);
        }
        let [enc_fc, enc_mu, enc_logvar, dec_fc, dec_out]: [Layer; 5] = owned.try_into().expect("five layers in, five layers out");
        Ok(Vae { config, enc_fc, enc_mu, enc_logvar, decoder: Decoder { fc: dec_fc, out: dec_out }, vars })
    }

    pub fn config(&self) -> VaeConfig {
        self.config
    }

    pub(crate) fn set_beta(&mut self, beta: f64) {
        self.config.beta = beta;
    }

    /// x [N, 784] in [0, 1] → (μ, log σ²), each [N, L].
    pub fn encode(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let h = self.enc_fc.forward_on_data(x)?.relu()?;
        Ok((self.enc_mu.forward(&h)?, self.enc_logvar.forward(&h)?))
    }

    /// μ of q(z|x) for images x [N, 784], row-major [N × L]: where each image sits in latent space.
    pub fn encode_means(&self, x: &Tensor) -> Result<Vec<f32>> {
        let (mu, _) = self.encode(x)?;
        Ok(mu.flatten_all()?.to_vec1()?)
    }

    /// μ of q(z|x) for images given as intensities in [0, 1], 784 per image (at most `MAX_IMAGES_PER_CALL`), row-major.
    pub fn encode_pixels(&self, pixels: &[f32]) -> Result<Vec<f32>> {
        let images = crate::data::image_count("images to encode", pixels, crate::data::MAX_IMAGES_PER_CALL)?;
        self.encode_means(&Tensor::from_slice(pixels, (images, IMAGE_PIXELS), &Device::Cpu)?)
    }

    /// The one pass training and evaluation share: encode x [N, 784], draw z = μ + σ·ε for each row of ε, decode.
    /// ε is [S·N, L]: S draws per image, draw s of image i in row s·N + i (S = 1 in training, more in evaluation,
    /// where the encoder then runs once for all S draws).
    pub fn forward(&self, x: &Tensor, eps: &Tensor) -> Result<Forward> {
        let (mu, logvar) = self.encode(x)?;
        let (n, rows) = (x.dim(0)?, eps.dim(0)?);
        if n == 0 || rows % n != 0 {
            return Err(Error::setting("noise rows", rows, "a whole multiple of the batch's images"));
        }
        let draws = rows / n;
        let z = if draws == 1 {
            Self::reparameterize(&mu, &logvar, eps)?
        } else {
            Self::reparameterize(&mu.repeat((draws, 1))?, &logvar.repeat((draws, 1))?, eps)?
        };
        let logits = self.decoder.decode_logits(&z)?;
        Ok(Forward { mu, logvar, logits })
    }

    /// z = μ + σ·ε with σ = exp(½ log σ²); ε ~ N(0, I) is passed in so the caller controls the seed.
    pub fn reparameterize(mu: &Tensor, logvar: &Tensor, eps: &Tensor) -> Result<Tensor> {
        Ok((mu + ((logvar * 0.5)?.exp()? * eps)?)?)
    }

    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The decoder as it is now, detached from training.
    pub fn decoder_snapshot(&self) -> Result<Decoder> {
        Ok(Decoder { fc: self.decoder.fc.detached_copy()?, out: self.decoder.out.detached_copy()? })
    }

    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// The ten parameter tensors under their contract names (see `weights`), in `LAYERS` order.
    pub fn named_tensors(&self) -> Vec<(&'static str, &Tensor)> {
        let layers = [&self.enc_fc, &self.enc_mu, &self.enc_logvar, &self.decoder.fc, &self.decoder.out];
        LAYERS.iter().zip(layers).flat_map(|(spec, layer)| [(spec.weight, &layer.weight), (spec.bias, &layer.bias)]).collect()
    }

    pub fn parameter_count(&self) -> usize {
        self.named_tensors().iter().map(|(_, t)| t.elem_count()).sum()
    }
}
