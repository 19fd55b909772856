//! candle's models with autograd: the oracles the written-out training steps are tested against (`mlp`'s `Vae`,
//! `conv`'s `ConvVae`), and the loss in candle's form (`loss`). Nothing in training, evaluation or the views runs
//! through them; the classifier trains `mlp::Layer`s.

pub mod conv;
pub mod loss;
pub mod mlp;

use candle_core::Tensor;

use crate::error::{Error, Result};

/// What one pass through a model gives: the encoder's (μ, log σ²) [N, L] and the decoder's logits [S·N, P].
pub struct Forward {
    pub mu: Tensor,
    pub logvar: Tensor,
    pub logits: Tensor,
}

/// z = μ + σ·ε with σ = exp(½ log σ²); ε ~ N(0, I) is passed in so the caller controls the seed.
pub fn reparameterize(mu: &Tensor, logvar: &Tensor, eps: &Tensor) -> Result<Tensor> {
    Ok((mu + ((logvar * 0.5)?.exp()? * eps)?)?)
}

/// The z of S draws per image from ε [S·N, L] (draw s of image i in row s·N + i; the encoder ran once for all).
fn draws(mu: &Tensor, logvar: &Tensor, eps: &Tensor, n: usize) -> Result<Tensor> {
    let rows = eps.dim(0)?;
    if n == 0 || rows % n != 0 {
        return Err(Error::setting("noise rows", rows, "a whole multiple of the batch's images"));
    }
    let draws = rows / n;
    if draws == 1 {
        reparameterize(mu, logvar, eps)
    } else {
        reparameterize(&mu.repeat((draws, 1))?, &logvar.repeat((draws, 1))?, eps)
    }
}
