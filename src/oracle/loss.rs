//! The negative ELBO in candle's autograd form: what the training steps compute by hand, and are checked against.
//! Its binary cross-entropy is one fused candle op sharing the steps' arithmetic (`step::loss`).

use std::sync::Mutex;

use candle_core::{CpuStorage, CustomOp2, Device, Layout, Shape, Tensor, D};

use crate::error::Result;
use crate::step::loss::{bce_term_and_gradient, BceMath};

/// Σ over pixels of binary cross-entropy between targets x ∈ [0, 1] and logits l, per image: [N, P] → [N].
///
/// Uses softplus(l) − x·l with softplus(l) = max(l, 0) + log(1 + e^−|l|), which never overflows and never takes
/// log(sigmoid(l)) — that form returns −inf for a confident wrong logit and poisons the gradient. The gradient,
/// σ(l) − x, comes from the same e^−|l|, so it is computed in the forward pass and kept for the backward one.
/// Written as nine elementwise tensor ops, this term cost more than all the matmuls of a training step; fused, it
/// is one pass with one exp and one log per pixel (wasm has no hardware exp, so those dominate).
pub fn bce_with_logits_per_image(logits: &Tensor, x: &Tensor) -> Result<Tensor> {
    Ok(logits.contiguous()?.apply_op2(&x.contiguous()?, BceWithLogitsSum::default())?)
}

#[derive(Default)]
struct BceWithLogitsSum {
    /// σ(l) − x from the forward pass, as the backward pass needs it.
    local_grad: Mutex<Option<Tensor>>,
}

impl CustomOp2 for BceWithLogitsSum {
    fn name(&self) -> &'static str {
        "bce-with-logits-sum"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (n, p) = l1.shape().dims2()?;
        if l2.shape() != l1.shape() {
            candle_core::bail!("bce: logits {:?} and targets {:?} differ in shape", l1.shape(), l2.shape());
        }
        let (sums, local_grad) = match (s1, s2) {
            (CpuStorage::F32(l), CpuStorage::F32(x)) => {
                let (sums, grad) = bce_forward(contiguous(l, l1)?, contiguous(x, l2)?, p);
                (CpuStorage::F32(sums), Tensor::from_vec(grad, (n, p), &Device::Cpu)?)
            }
            (CpuStorage::F64(l), CpuStorage::F64(x)) => {
                let (sums, grad) = bce_forward(contiguous(l, l1)?, contiguous(x, l2)?, p);
                (CpuStorage::F64(sums), Tensor::from_vec(grad, (n, p), &Device::Cpu)?)
            }
            _ => candle_core::bail!("bce: logits and targets must both be f32 or both f64"),
        };
        *self.local_grad.lock().expect("not poisoned") = Some(local_grad);
        Ok((sums, Shape::from(n)))
    }

    fn bwd(&self, _logits: &Tensor, _x: &Tensor, _res: &Tensor, grad: &Tensor) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let Some(local_grad) = self.local_grad.lock().expect("not poisoned").take() else {
            candle_core::bail!("bce: backward ran twice for one forward pass")
        };
        // Targets are data, never trained, so only the logits get a gradient: g[n]·(σ(l[n, p]) − x[n, p]).
        Ok((Some(local_grad.broadcast_mul(&grad.unsqueeze(1)?)?), None))
    }
}

fn contiguous<'a, T>(data: &'a [T], layout: &Layout) -> candle_core::Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("expected a contiguous tensor"),
    }
}

/// Per-row sums of softplus(l) − x·l, and σ(l) − x per element.
fn bce_forward<T: BceMath>(logits: &[T], x: &[T], p: usize) -> (Vec<T>, Vec<T>) {
    let mut terms = vec![T::zero(); logits.len()];
    let mut grad = vec![T::zero(); logits.len()];
    // Branch-free elementwise work in its own loop, so the compiler can vectorise it (simd128 in the browser).
    for (((term, grad), &l), &x) in terms.iter_mut().zip(grad.iter_mut()).zip(logits).zip(x) {
        (*term, *grad) = bce_term_and_gradient(l, x);
    }
    let sums = terms.chunks_exact(p).map(|row| row.iter().fold(T::zero(), |a, &b| a + b)).collect();
    (sums, grad)
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

/// The batch-mean loss in candle's autograd form.
pub fn negative_elbo(logits: &Tensor, x: &Tensor, mu: &Tensor, logvar: &Tensor, beta: f64) -> Result<LossTerms> {
    let recon = bce_with_logits_per_image(logits, x)?.mean_all()?;
    let kl = kl_to_standard_normal_per_image(mu, logvar)?.mean_all()?;
    let total = (&recon + (&kl * beta)?)?;
    Ok(LossTerms { total, recon, kl })
}
