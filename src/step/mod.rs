//! The training step as a value: `TrainStep` is what every structure's step does — the gradient of a loss over a
//! batch, into a buffer of its own, beside its parameters — and `descend` is one optimizer step over any of them
//! (gradients, a finiteness check, Adam). The loop (`train::Trainer`) knows this interface, not the layers.
//!
//! Semantics of `gradients`, in every implementation: for images [n × P] and noise ε [n × L], it writes the gradient
//! of `scale` · Σ over the images of (recon + β · kl) into the gradient buffer, overwriting it, and returns
//! (Σ recon, Σ kl). With `scale` = 1/n that is the batch-mean loss the trainer minimises. Several workers can each
//! take a share of one batch with `scale` = 1/N (N the whole batch's images): the sum of their gradients is then the
//! batch's, and one `Adam::update` follows.
//!
//! `mlp` is the tutorial's structure, `conv` the convolutional one; `loss` the loss's one fused pass; `adam` the
//! optimizer over flat buffers.

pub mod adam;
pub mod conv;
pub mod loss;
pub mod mlp;

use serde::{Deserialize, Serialize};

pub use crate::profile::{Clock, Part};
pub use adam::{Adam, AdamForm};
pub use conv::ConvStep;
pub use mlp::MlpStep;

use crate::error::Result;
use crate::model::{Architecture, Model, ModelConfig};

/// A structure's training step: its parameters, their gradient, and the buffers of its passes.
pub trait TrainStep {
    /// The model, batch size, parameters and gradient every step holds (the accessors below read them).
    fn buffers(&self) -> &StepBuffers;

    fn buffers_mut(&mut self) -> &mut StepBuffers;

    /// Writes into the gradient buffer the gradient of `scale` · Σ over the n images of (recon + β · kl),
    /// overwriting it, for `images` [n × P] in [0, 1] (1 ≤ n ≤ rows) and noise `eps` [n × L]; returns (Σ recon,
    /// Σ kl) over the n images. Panics when the sizes do not agree (the trainer sizes them).
    fn gradients(&mut self, images: &[f32], eps: &[f32], beta: f32, scale: f32, clock: &mut dyn Clock) -> (f32, f32);

    /// Floating-point operations in the matrix products of a step on `rows` images (two per multiply-add): what the
    /// benchmark divides by time for GFLOP/s.
    fn matmul_flops(&self, rows: usize) -> f64;

    /// The structure and sizes of the model it trains.
    fn config(&self) -> ModelConfig {
        self.buffers().config
    }

    /// The most images one `gradients` call takes.
    fn rows(&self) -> usize {
        self.buffers().rows
    }

    /// The contract's tensors in table order, flat.
    fn parameters(&self) -> &[f32] {
        &self.buffers().params
    }

    fn parameters_mut(&mut self) -> &mut [f32] {
        &mut self.buffers_mut().params
    }

    /// The gradient of the last `gradients` call, laid out as `parameters`.
    fn gradient_buffer(&self) -> &[f32] {
        &self.buffers().grads
    }

    /// Both at once, for an optimizer's update.
    fn parameters_and_gradients(&mut self) -> (&mut [f32], &[f32]) {
        let buffers = self.buffers_mut();
        (&mut buffers.params, &buffers.grads)
    }
}

/// What every step holds besides its own scratch: the model it trains, the most images a call takes, the parameters
/// (the contract's tensors in table order) and the gradient of the last call, laid out alike.
pub struct StepBuffers {
    pub config: ModelConfig,
    pub rows: usize,
    pub params: Vec<f32>,
    pub grads: Vec<f32>,
}

impl StepBuffers {
    /// A model's parameters, a zeroed gradient beside them.
    pub fn new(model: Model, rows: usize) -> StepBuffers {
        let config = model.config();
        let params = model.into_parameters();
        StepBuffers { config, rows, grads: vec![0.0; params.len()], params }
    }
}

/// The step for `model`'s structure, starting from its parameters, for batches of up to `rows` images.
pub fn for_model(model: Model, rows: usize) -> Result<Box<dyn TrainStep>> {
    Ok(match model.config().architecture {
        Architecture::Mlp => Box::new(MlpStep::new(model, rows)?),
        Architecture::Conv => Box::new(ConvStep::new(model, rows)?),
    })
}

/// Mean per-image loss terms of one minibatch, in nats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepMetrics {
    /// recon + β·kl
    pub loss: f32,
    pub recon: f32,
    pub kl: f32,
}

impl StepMetrics {
    /// The means of n images' sums (what `gradients` returns).
    pub fn from_sums(recon_sum: f32, kl_sum: f32, beta: f32, n: usize) -> StepMetrics {
        let scale = 1.0 / n as f32;
        let (recon, kl) = (recon_sum * scale, kl_sum * scale);
        StepMetrics { loss: recon + beta * kl, recon, kl }
    }
}

/// Why a step was refused (nothing was changed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Refused {
    Loss(f32),
    Gradient(f32),
}

/// One optimizer step on a batch: the gradient of the batch-mean loss, then `apply`.
pub fn descend(
    step: &mut dyn TrainStep,
    adam: &mut Adam,
    images: &[f32],
    eps: &[f32],
    beta: f32,
    lr: f32,
    clock: &mut dyn Clock,
) -> std::result::Result<StepMetrics, Refused> {
    let n = images.len() / step.config().image.pixels();
    let sums = step.gradients(images, eps, beta, 1.0 / n as f32, clock);
    apply(step, adam, sums, beta, n, lr, clock)
}

/// The update that follows a batch's gradient, however many calls computed it: for (Σ recon, Σ kl) over the batch's
/// `n` images and the batch-mean gradient in the step's buffer, Adam with learning rate `lr` — if the loss and every
/// gradient are finite. A refused step changes no parameter and no moment.
pub fn apply(
    step: &mut dyn TrainStep,
    adam: &mut Adam,
    (recon, kl): (f32, f32),
    beta: f32,
    n: usize,
    lr: f32,
    clock: &mut dyn Clock,
) -> std::result::Result<StepMetrics, Refused> {
    let metrics = StepMetrics::from_sums(recon, kl, beta, n);
    if !metrics.loss.is_finite() {
        return Err(Refused::Loss(metrics.loss));
    }
    let grads = step.gradient_buffer();
    if !all_finite(grads) {
        return Err(Refused::Gradient(grads.iter().copied().find(|g| !g.is_finite()).unwrap_or(f32::NAN)));
    }
    let (params, grads) = step.parameters_and_gradients();
    adam.update(params, grads, lr);
    clock.mark(Part::Adam);
    Ok(metrics)
}

/// Whether every value is finite: the largest exponent field is below all ones (infinity and NaN have all ones).
/// An integer maximum vectorises; a sum (the check before) is one chain of dependent adds — a floating-point sum
/// may not be reordered. Not inlined: inside the step's one large function, V8 compiled this loop about five times
/// slower (0.15 ms a step, half of Adam's pass) than on its own.
#[inline(never)]
pub fn all_finite(values: &[f32]) -> bool {
    const EXPONENT: u32 = 0x7f80_0000;
    values.iter().fold(0, |largest, v| largest.max(v.to_bits() & EXPONENT)) < EXPONENT
}

#[cfg(test)]
mod tests {
    use super::all_finite;

    #[test]
    fn all_finite_finds_any_infinity_or_nan_and_accepts_every_finite_value() {
        let finite = [0.0, -0.0, 1.0, -f32::MAX, f32::MAX, f32::MIN_POSITIVE, 1e-45, -3.5];
        assert!(all_finite(&finite));
        assert!(all_finite(&[]));
        for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN, -f32::NAN] {
            // at every position, including the tail a vector loop leaves to scalar code
            for at in 0..finite.len() + 1 {
                let mut values = finite.to_vec();
                values.insert(at, bad);
                assert!(!all_finite(&values), "{bad} at {at} of {values:?}");
            }
        }
    }
}
