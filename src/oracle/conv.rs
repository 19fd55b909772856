//! The convolutional structure in candle, its tensors `Var`s in PyTorch's layouts under `CONV_LAYERS`'s names: the
//! oracle the conv step is tested against (through candle's autograd: `conv2d`, `conv_transpose2d`).

use candle_core::{DType, Device, Tensor, Var};

use crate::error::{Error, Result};
use crate::model::conv::{
    shape, tensors_of, Op, CONV1, CONV2, CONV_LAYERS, DECONV1, DECONV2, DEC_FC, ENC_FC, FEATURE_CHANNELS, FEATURE_SIDE, LOGVAR, MU, OUT,
};
use crate::model::{Architecture, Model, ModelConfig, ModelView};

use super::Forward;

const SIDE: usize = 28;

pub struct ConvVae {
    config: ModelConfig,
    /// The 18 tensors of the contract in table order (weight, bias, layer after layer).
    vars: Vec<Var>,
}

impl ConvVae {
    /// A fresh model: the parameters `Model::new` gives for the same seed.
    pub fn new(latent: usize, seed: u64) -> Result<ConvVae> {
        Self::from_model(Model::new(ModelConfig::conv(latent), seed)?.view(), DType::F32)
    }

    /// The model with `model`'s parameters, in `dtype` (f64 for gradient checks).
    pub fn from_model(model: ModelView, dtype: DType) -> Result<ConvVae> {
        let config = model.config();
        if config.architecture != Architecture::Conv {
            return Err(Error::setting("architecture", config.architecture, "conv (this is the convolutional structure's oracle)"));
        }
        let mut vars = Vec::with_capacity(2 * CONV_LAYERS.len());
        for (_, shape, values) in model.named_tensors() {
            let tensor = Tensor::from_slice(values, shape, &Device::Cpu)?.to_dtype(dtype)?;
            vars.push(Var::from_tensor(&tensor)?);
        }
        Ok(ConvVae { config, vars })
    }

    pub fn config(&self) -> ModelConfig {
        self.config
    }

    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// The 18 tensors under their contract names, in table order.
    pub fn named_tensors(&self) -> Vec<(&'static str, &Tensor)> {
        tensors_of(self.config.latent).into_iter().map(|t| t.name).zip(self.vars.iter().map(Var::as_tensor)).collect()
    }

    /// All parameters, flat, in table order (as f32): the `Model` this is now.
    pub fn to_model(&self) -> Result<Model> {
        let mut flat = Vec::with_capacity(self.config.parameter_count());
        for var in &self.vars {
            flat.extend(var.as_tensor().flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?);
        }
        Model::from_parameters(self.config, flat)
    }

    /// Layer `index` of the table applied to `x`, then ReLU if asked.
    fn layer(&self, index: usize, x: &Tensor, relu: bool) -> Result<Tensor> {
        let (w, b) = (self.vars[2 * index].as_tensor(), self.vars[2 * index + 1].as_tensor());
        // candle pads symmetrically; Keras's "same" may not (see `Grid`): pad or crop explicitly instead.
        let y = match CONV_LAYERS[index].op {
            Op::Conv2d { stride, .. } => {
                let grid = shape(index).grid;
                let (before, after) = (grid.before, grid.after());
                let padded = x.pad_with_zeros(2, before, after)?.pad_with_zeros(3, before, after)?;
                padded.conv2d(w, 0, stride, 1, 1)?.broadcast_add(&b.reshape((1, (), 1, 1))?)?
            }
            Op::ConvTranspose2d { stride, out_side, .. } => {
                // The full transposed convolution, then the window "same" keeps: `before` in, `out_side` long.
                let before = shape(index).grid.before;
                let full = x.conv_transpose2d(w, 0, 0, stride, 1)?;
                full.narrow(2, before, out_side)?.narrow(3, before, out_side)?.broadcast_add(&b.reshape((1, (), 1, 1))?)?
            }
            Op::Linear { .. } => x.matmul(&w.t()?)?.broadcast_add(b)?,
        };
        Ok(if relu { y.relu()? } else { y })
    }

    /// x [N, 784] in [0, 1] → (μ, log σ²), each [N, L].
    pub fn encode(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let n = x.dim(0)?;
        let h = self.layer(CONV1, &x.reshape((n, 1, SIDE, SIDE))?, true)?;
        let h = self.layer(CONV2, &h, true)?.flatten_from(1)?; // PyTorch's C, H, W order
        let h = self.layer(ENC_FC, &h, true)?;
        Ok((self.layer(MU, &h, false)?, self.layer(LOGVAR, &h, false)?))
    }

    /// z [N, L] → logits [N, 784].
    pub fn decode_logits(&self, z: &Tensor) -> Result<Tensor> {
        let n = z.dim(0)?;
        let h = self.layer(DEC_FC, z, true)?.reshape((n, FEATURE_CHANNELS, FEATURE_SIDE, FEATURE_SIDE))?;
        let h = self.layer(DECONV1, &h, true)?;
        let h = self.layer(DECONV2, &h, true)?;
        Ok(self.layer(OUT, &h, false)?.reshape((n, SIDE * SIDE))?)
    }

    /// The one pass training and evaluation share, as the MLP's oracle has it: encode x [N, 784], z = μ + σ·ε for
    /// each row of ε [S·N, L] (draw s of image i in row s·N + i), decode.
    pub fn forward(&self, x: &Tensor, eps: &Tensor) -> Result<Forward> {
        let (mu, logvar) = self.encode(x)?;
        let logits = self.decode_logits(&super::draws(&mu, &logvar, eps, x.dim(0)?)?)?;
        Ok(Forward { mu, logvar, logits })
    }
}
