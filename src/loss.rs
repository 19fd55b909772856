//! The negative ELBO, in numerically stable forms only.

use candle_core::{Tensor, D};

use crate::error::Result;

/// Σ over pixels of binary cross-entropy between targets x ∈ [0, 1] and logits l, per image: [N, P] → [N].
///
/// Uses softplus(l) − x·l with softplus(l) = max(l, 0) + log(1 + e^−|l|), which never overflows and never takes
/// log(sigmoid(l)) — that form returns −inf for a confident wrong logit and poisons the gradient.
pub fn bce_with_logits_per_image(logits: &Tensor, x: &Tensor) -> Result<Tensor> {
    let softplus = (logits.relu()? + (logits.abs()?.neg()?.exp()? + 1.0)?.log()?)?;
    Ok((softplus - (x * logits)?)?.sum(D::Minus1)?)
}

/// KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ (σ² + μ² − log σ² − 1), per image: [N, L] → [N].
pub fn kl_to_standard_normal_per_image(mu: &Tensor, logvar: &Tensor) -> Result<Tensor> {
    let terms = ((logvar.exp()? + mu.sqr()?)? - logvar)? - 1.0;
    Ok((terms? * 0.5)?.sum(D::Minus1)?)
}

/// The minibatch loss and its two terms, each a mean over images (scalar tensors).
pub struct LossTerms {
    /// recon + β·kl: what the optimizer minimises.
    pub total: Tensor,
    pub recon: Tensor,
    pub kl: Tensor,
}

pub fn negative_elbo(logits: &Tensor, x: &Tensor, mu: &Tensor, logvar: &Tensor, beta: f64) -> Result<LossTerms> {
    let recon = bce_with_logits_per_image(logits, x)?.mean_all()?;
    let kl = kl_to_standard_normal_per_image(mu, logvar)?.mean_all()?;
    let total = (&recon + (&kl * beta)?)?;
    Ok(LossTerms { total, recon, kl })
}
