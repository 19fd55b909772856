//! The MLP in candle, its tensors `Var`s in PyTorch's `nn.Linear` layout under `LAYERS`'s names: the oracle the
//! MLP's step is tested against (through candle's autograd), and `Layer`, the linear layer the classifier trains.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp2, Device, Layout, Shape, Tensor, Var};

use crate::error::{Error, Result};
use crate::model::mlp::{tensor_names, LAYERS};
use crate::model::{Architecture, Model, ModelConfig, ModelView};
use crate::rng::SeededRng;

use super::Forward;

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
    /// computes the gradient of its left operand, which for the images is work thrown away. This op skips it.
    pub fn forward_on_data(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.contiguous()?.apply_op2(&self.weight, DataTimesWeightT)?.broadcast_add(&self.bias)?)
    }

    /// PyTorch's default `nn.Linear` initialisation, U(−1/√in, 1/√in) for weight and bias, from a seeded stream.
    pub fn init(rng: &mut SeededRng, inputs: usize, outputs: usize) -> Result<Self> {
        let bound = 1.0 / (inputs as f32).sqrt();
        let weight = Tensor::from_vec(rng.uniform(outputs * inputs, bound), (outputs, inputs), &Device::Cpu)?;
        let bias = Tensor::from_vec(rng.uniform(outputs, bound), outputs, &Device::Cpu)?;
        Ok(Layer { weight, bias })
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

/// The whole MLP. Its tensors are candle `Var`s, so autograd sees them and an optimizer updates them in place.
pub struct Vae {
    config: ModelConfig,
    /// enc.fc, enc.mu, enc.logvar, dec.fc, dec.out
    layers: [Layer; 5],
    vars: Vec<Var>,
}

impl Vae {
    /// A freshly initialised model: the parameters `Model::new` gives for the same seed.
    pub fn new(config: ModelConfig, seed: u64) -> Result<Vae> {
        Self::from_model(Model::new(config, seed)?.view())
    }

    /// The model with `model`'s parameters, copied into `Var`s.
    pub fn from_model(model: ModelView) -> Result<Vae> {
        let config = model.config();
        if config.architecture != Architecture::Mlp {
            return Err(Error::setting("architecture", config.architecture, "mlp (this is the MLP's oracle)"));
        }
        let mut vars = Vec::with_capacity(10);
        let mut layers = Vec::with_capacity(5);
        let tensors = model.named_tensors();
        for pair in tensors.chunks_exact(2) {
            let [(_, w_shape, w), (_, b_shape, b)] = pair else { unreachable!("weight, bias") };
            let weight = Var::from_tensor(&Tensor::from_slice(w, w_shape.as_slice(), &Device::Cpu)?)?;
            let bias = Var::from_tensor(&Tensor::from_slice(b, b_shape.as_slice(), &Device::Cpu)?)?;
            // The layer keeps the variables' own tensors, so optimizer updates are seen by forward passes.
            layers.push(Layer { weight: weight.as_tensor().clone(), bias: bias.as_tensor().clone() });
            vars.extend([weight, bias]);
        }
        let layers: [Layer; 5] = layers.try_into().expect("one layer per LAYERS entry");
        Ok(Vae { config, layers, vars })
    }

    pub fn config(&self) -> ModelConfig {
        self.config
    }

    /// x [N, P] in [0, 1] → (μ, log σ²), each [N, L].
    pub fn encode(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let [enc_fc, enc_mu, enc_logvar, ..] = &self.layers;
        let h = enc_fc.forward_on_data(x)?.relu()?;
        Ok((enc_mu.forward(&h)?, enc_logvar.forward(&h)?))
    }

    /// z [N, L] → logits [N, P].
    pub fn decode_logits(&self, z: &Tensor) -> Result<Tensor> {
        let [.., dec_fc, dec_out] = &self.layers;
        dec_out.forward(&dec_fc.forward(z)?.relu()?)
    }

    /// The one pass training and evaluation share: encode x [N, P], draw z = μ + σ·ε for each row of ε, decode.
    /// ε is [S·N, L]: S draws per image, draw s of image i in row s·N + i.
    pub fn forward(&self, x: &Tensor, eps: &Tensor) -> Result<Forward> {
        let (mu, logvar) = self.encode(x)?;
        let logits = self.decode_logits(&super::draws(&mu, &logvar, eps, x.dim(0)?)?)?;
        Ok(Forward { mu, logvar, logits })
    }

    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// The ten parameter tensors under their contract names, in `LAYERS` order.
    pub fn named_tensors(&self) -> Vec<(&'static str, &Tensor)> {
        tensor_names().zip(self.vars.iter().map(Var::as_tensor)).collect()
    }

    /// All parameters, flat, in table order: the `Model` this is now.
    pub fn to_model(&self) -> Result<Model> {
        let mut flat = Vec::with_capacity(self.config.parameter_count());
        for var in &self.vars {
            flat.extend(var.as_tensor().flatten_all()?.to_vec1::<f32>()?);
        }
        debug_assert_eq!(LAYERS.len() * 2, self.vars.len());
        Model::from_parameters(self.config, flat)
    }
}
