//! The training step written out for this one model: forward, backward and Adam over flat, preallocated buffers.
//!
//! candle's autograd builds a graph and allocates every intermediate tensor each step (about a hundred
//! allocations, and the elementwise work in many small passes); this step does the same arithmetic — the same loss,
//! the same gradients, the same Adam — with every buffer allocated once and each elementwise pass fused into the
//! matmul it belongs to. The candle model (`Vae`) stays the one everything else reads: it is brought up to date from
//! the flat parameters only when someone looks (`Trainer::vae`). A test checks these gradients against candle's.

use candle_core::{CpuStorage, InplaceOp1, Layout};

use crate::error::Result;
use crate::matmul::{matmul, Mat, Start};
use crate::model::{Vae, VaeConfig, LAYERS};
use crate::train::StepMetrics;
use crate::IMAGE_PIXELS;

/// Adam's constants, as candle's `ParamsAdamW::default()` has them.
const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPSILON: f32 = 1e-8;

/// Where each layer's weight and bias sit in the flat parameter buffer, in `LAYERS` order.
#[derive(Clone, Copy, Debug)]
struct Slot {
    weight: usize,
    bias: usize,
    outputs: usize,
    inputs: usize,
}

impl Slot {
    fn weight_len(&self) -> usize {
        self.outputs * self.inputs
    }
}

/// The parts of a step a profile tells apart (see `Clock`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The minibatch's pixels and noise.
    Batch,
    MatmulForward,
    MatmulBackward,
    /// Bias, ReLU and its mask, reparameterisation, KL, bias gradients.
    Elementwise,
    /// Binary cross-entropy and its gradient.
    Loss,
    Adam,
}

impl Part {
    /// Every part, in declaration order (so `part as usize` is its index here).
    pub const ALL: [Part; 6] = [Part::Batch, Part::MatmulForward, Part::MatmulBackward, Part::Elementwise, Part::Loss, Part::Adam];

    pub fn name(self) -> &'static str {
        match self {
            Part::Batch => "batch_and_noise",
            Part::MatmulForward => "matmul_forward",
            Part::MatmulBackward => "matmul_backward",
            Part::Elementwise => "elementwise",
            Part::Loss => "loss",
            Part::Adam => "adam",
        }
    }
}

/// Told when each part of a step has finished, so a profile can charge the time since the last mark to it. The
/// unit clock `()` does nothing and compiles away: the profile costs nothing when no one asks for it.
pub trait Clock {
    fn mark(&mut self, part: Part);
}

impl Clock for () {
    #[inline(always)]
    fn mark(&mut self, _: Part) {}
}

/// Why a step was refused (nothing was changed).
#[derive(Clone, Copy, Debug)]
pub enum Refused {
    Loss(f32),
    Gradient(f32),
}

pub struct FusedStep {
    config: VaeConfig,
    slots: [Slot; 5],
    params: Vec<f32>,
    grads: Vec<f32>,
    adam_m: Vec<f32>,
    adam_v: Vec<f32>,
    adam_t: i32,
    /// Activations and their gradients for up to `rows` images.
    rows: usize,
    h1: Vec<f32>,
    mu: Vec<f32>,
    logvar: Vec<f32>,
    sigma: Vec<f32>,
    z: Vec<f32>,
    h2: Vec<f32>,
    /// The logits, then (in place) the loss's gradient with respect to them.
    logits: Vec<f32>,
    d_h2: Vec<f32>,
    d_z: Vec<f32>,
    d_mu: Vec<f32>,
    d_logvar: Vec<f32>,
    d_h1: Vec<f32>,
}

impl FusedStep {
    /// Takes the model's parameters; `rows` is the largest batch it will see.
    pub fn new(vae: &Vae, rows: usize) -> Result<FusedStep> {
        let config = vae.config();
        let mut offset = 0;
        let slots = LAYERS.map(|spec| {
            let [outputs, inputs] = spec.weight_shape(&config);
            let slot = Slot { weight: offset, bias: offset + outputs * inputs, outputs, inputs };
            offset += outputs * inputs + outputs;
            slot
        });
        let mut params = Vec::with_capacity(offset);
        for (_, tensor) in vae.named_tensors() {
            params.extend(tensor.flatten_all()?.to_vec1::<f32>()?);
        }
        debug_assert_eq!(params.len(), offset);
        let (h, l) = (config.hidden, config.latent);
        let zeros = |n: usize| vec![0f32; n];
        Ok(FusedStep {
            config,
            slots,
            grads: zeros(offset),
            adam_m: zeros(offset),
            adam_v: zeros(offset),
            adam_t: 0,
            params,
            rows,
            h1: zeros(rows * h),
            mu: zeros(rows * l),
            logvar: zeros(rows * l),
            sigma: zeros(rows * l),
            z: zeros(rows * l),
            h2: zeros(rows * h),
            logits: zeros(rows * IMAGE_PIXELS),
            d_h2: zeros(rows * h),
            d_z: zeros(rows * l),
            d_mu: zeros(rows * l),
            d_logvar: zeros(rows * l),
            d_h1: zeros(rows * h),
        })
    }

    /// Floating-point operations in the matrix products of one step on `rows` images (two per multiply-add; the
    /// elementwise work, a few percent, is not counted): the figure the benchmark divides by time for GFLOP/s.
    pub fn matmul_flops(&self, rows: usize) -> f64 {
        let (n, h, l, p) = (rows as f64, self.config.hidden as f64, self.config.latent as f64, IMAGE_PIXELS as f64);
        let forward = n * p * h + 2.0 * n * h * l + n * l * h + n * h * p;
        // dW_out, dh2, dW_dec.fc, dz, the heads' dW (2) and dh1 (2), dW_enc.fc
        let backward = p * n * h + n * p * h + h * n * l + n * h * l + 2.0 * l * n * h + 2.0 * n * l * h + h * n * p;
        2.0 * (forward + backward)
    }

    pub fn set_beta(&mut self, beta: f64) {
        self.config.beta = beta;
    }

    /// Copies the flat parameters into the model's tensors (in place: no allocation).
    pub fn write_into(&self, vae: &Vae) -> Result<()> {
        for ((_, tensor), (start, len)) in vae.named_tensors().into_iter().zip(self.tensor_ranges()) {
            tensor.inplace_op1(&CopyFrom(&self.params[start..start + len]))?;
        }
        Ok(())
    }

    fn tensor_ranges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.slots.iter().flat_map(|s| [(s.weight, s.weight_len()), (s.bias, s.outputs)])
    }

    /// The gradients of the last `gradients` call, per tensor in `LAYERS` order (weight, then bias).
    pub fn gradient_tensors(&self) -> Vec<&[f32]> {
        self.tensor_ranges().map(|(start, len)| &self.grads[start..start + len]).collect()
    }

    /// One step: the loss's gradients for images `x` ([n, 784], n ≤ rows) with noise `eps` ([n, L]), then Adam with
    /// learning rate `lr`. A non-finite loss or gradient changes nothing.
    pub fn step(&mut self, x: &[f32], eps: &[f32], lr: f64, clock: &mut impl Clock) -> std::result::Result<StepMetrics, Refused> {
        let terms = self.gradients(x, eps, clock);
        if !terms.loss.is_finite() {
            return Err(Refused::Loss(terms.loss));
        }
        if !all_finite(&self.grads) {
            let bad = self.grads.iter().copied().find(|g| !g.is_finite()).unwrap_or(f32::NAN);
            return Err(Refused::Gradient(bad));
        }
        self.adam(lr as f32);
        clock.mark(Part::Adam);
        Ok(terms)
    }

    /// Forward and backward: the mean loss terms, and the gradients in `grads`.
    pub fn gradients(&mut self, x: &[f32], eps: &[f32], clock: &mut impl Clock) -> StepMetrics {
        let (h, l, p) = (self.config.hidden, self.config.latent, IMAGE_PIXELS);
        let n = x.len() / p;
        assert!(n > 0 && n <= self.rows && x.len() == n * p && eps.len() == n * l, "batch of {n} rows for a step sized {}", self.rows);
        let [enc_fc, enc_mu, enc_logvar, dec_fc, dec_out] = self.slots;
        let params = &self.params;
        let w = |s: Slot| Mat::rows(&params[s.weight..s.weight + s.weight_len()], s.inputs);
        let wt = |s: Slot| Mat::rows(&params[s.weight..s.weight + s.weight_len()], s.inputs).t();
        let bias = |s: Slot| &params[s.bias..s.bias + s.outputs];

        // ── forward ──
        let (h1, h2) = (&mut self.h1[..n * h], &mut self.h2[..n * h]);
        let (mu, logvar, sigma, z) = (&mut self.mu[..n * l], &mut self.logvar[..n * l], &mut self.sigma[..n * l], &mut self.z[..n * l]);
        let logits = &mut self.logits[..n * p];
        linear(h1, Mat::rows(x, p), wt(enc_fc), bias(enc_fc), true, clock);
        linear(mu, Mat::rows(h1, h), wt(enc_mu), bias(enc_mu), false, clock);
        linear(logvar, Mat::rows(h1, h), wt(enc_logvar), bias(enc_logvar), false, clock);
        let mut kl_sum = 0f32;
        for i in 0..n * l {
            let var = logvar[i].exp();
            sigma[i] = (0.5 * logvar[i]).exp();
            z[i] = mu[i] + sigma[i] * eps[i];
            kl_sum += 0.5 * (var + mu[i] * mu[i] - logvar[i] - 1.0);
        }
        clock.mark(Part::Elementwise);
        linear(h2, Mat::rows(z, l), wt(dec_fc), bias(dec_fc), true, clock);
        linear(logits, Mat::rows(h2, h), wt(dec_out), bias(dec_out), false, clock);
        // The logits become dLoss/dlogits = (σ(l) − x) / n in place.
        let recon_sum = crate::loss::bce_rows_into_gradient(logits, x, 1.0 / n as f32);
        clock.mark(Part::Loss);

        // ── backward ──
        let scale = 1.0 / n as f32;
        let beta = self.config.beta as f32;
        let grads = &mut self.grads;
        let (d_h2, d_z, d_mu, d_logvar, d_h1) = (
            &mut self.d_h2[..n * h],
            &mut self.d_z[..n * l],
            &mut self.d_mu[..n * l],
            &mut self.d_logvar[..n * l],
            &mut self.d_h1[..n * h],
        );
        let g = Mat::rows(logits, p);
        // decoder output layer: dW = Gᵀ·h2, db = Σ G, dh2 = G·W, masked where the ReLU was off
        weight_gradient(grads, dec_out, g, Mat::rows(h2, h), clock);
        matmul(d_h2, g, w(dec_out), Start::Zero);
        clock.mark(Part::MatmulBackward);
        relu_backward(d_h2, h2);
        clock.mark(Part::Elementwise);
        // decoder hidden layer
        weight_gradient(grads, dec_fc, Mat::rows(d_h2, h), Mat::rows(z, l), clock);
        matmul(d_z, Mat::rows(d_h2, h), w(dec_fc), Start::Zero);
        clock.mark(Part::MatmulBackward);
        // reparameterisation and KL (mean over the batch, weighted by β)
        for i in 0..n * l {
            d_mu[i] = d_z[i] + beta * scale * mu[i];
            d_logvar[i] = d_z[i] * eps[i] * 0.5 * sigma[i] + beta * scale * 0.5 * (sigma[i] * sigma[i] - 1.0);
        }
        clock.mark(Part::Elementwise);
        // the two heads
        weight_gradient(grads, enc_mu, Mat::rows(d_mu, l), Mat::rows(h1, h), clock);
        weight_gradient(grads, enc_logvar, Mat::rows(d_logvar, l), Mat::rows(h1, h), clock);
        matmul(d_h1, Mat::rows(d_mu, l), w(enc_mu), Start::Zero);
        matmul(d_h1, Mat::rows(d_logvar, l), w(enc_logvar), Start::Dst);
        clock.mark(Part::MatmulBackward);
        relu_backward(d_h1, h1);
        clock.mark(Part::Elementwise);
        // the first layer: its input is data, so no gradient for x
        weight_gradient(grads, enc_fc, Mat::rows(d_h1, h), Mat::rows(x, p), clock);

        let recon = recon_sum * scale;
        let kl = kl_sum * scale;
        StepMetrics { loss: recon + beta * kl, recon, kl }
    }

    /// Adam (candle's AdamW with no weight decay), one pass over all parameters.
    fn adam(&mut self, lr: f32) {
        self.adam_t += 1;
        let scale_m = 1.0 / (1.0 - BETA1.powi(self.adam_t));
        let scale_v = 1.0 / (1.0 - BETA2.powi(self.adam_t));
        // Four slices of one length, indexed: the form LLVM turns into f32x4 (sqrt and divide included).
        let len = self.params.len();
        let (params, grads, ms, vs) = (&mut self.params[..len], &self.grads[..len], &mut self.adam_m[..len], &mut self.adam_v[..len]);
        for i in 0..len {
            let g = grads[i];
            let m = ms[i] * BETA1 + g * (1.0 - BETA1);
            let v = vs[i] * BETA2 + g * g * (1.0 - BETA2);
            ms[i] = m;
            vs[i] = v;
            params[i] -= (m * scale_m) / ((v * scale_v).sqrt() + EPSILON) * lr;
        }
    }
}

/// out [n, outputs] = input · weightᵀ + bias, then ReLU if asked.
fn linear(out: &mut [f32], input: Mat, weight_t: Mat, bias: &[f32], relu: bool, clock: &mut impl Clock) {
    matmul(out, input, weight_t, Start::Row(bias));
    clock.mark(Part::MatmulForward);
    if relu {
        // A select, not `v.max(0.0)`: f32::max must return the other operand for NaN, which plain simd128 has no
        // instruction for, so LLVM left that loop scalar (the relaxed build used relaxed_max).
        for v in out.iter_mut() {
            *v = if *v > 0.0 { *v } else { 0.0 };
        }
    }
    clock.mark(Part::Elementwise);
}

/// Whether every value is finite: the largest exponent field is below all ones (infinity and NaN have all ones).
/// An integer maximum vectorises; a sum (the check before) is one chain of dependent adds — a floating-point sum
/// may not be reordered. Not inlined: inside the step's one large function, V8 compiled this loop about five times
/// slower (0.15 ms a step, half of Adam's pass) than on its own.
#[inline(never)]
fn all_finite(values: &[f32]) -> bool {
    const EXPONENT: u32 = 0x7f80_0000;
    values.iter().fold(0, |largest, v| largest.max(v.to_bits() & EXPONENT)) < EXPONENT
}

/// Zeroes the gradient where the ReLU's output was 0.
fn relu_backward(grad: &mut [f32], activation: &[f32]) {
    // Every value stored (a select): a store only where the ReLU was off does not vectorise.
    for (g, &a) in grad.iter_mut().zip(activation) {
        *g = if a <= 0.0 { 0.0 } else { *g };
    }
}

/// A layer's weight gradient dW = Gᵀ·input ([outputs, inputs]) and bias gradient Σ_rows G.
fn weight_gradient(grads: &mut [f32], slot: Slot, g: Mat, input: Mat, clock: &mut impl Clock) {
    let (weight, rest) = grads[slot.weight..].split_at_mut(slot.weight_len());
    matmul(weight, g.t(), input, Start::Zero);
    clock.mark(Part::MatmulBackward);
    let bias = &mut rest[..slot.outputs];
    bias.fill(0.0);
    for row in g.data().chunks_exact(slot.outputs) {
        for (b, &v) in bias.iter_mut().zip(row) {
            *b += v;
        }
    }
    clock.mark(Part::Elementwise);
}

/// Copies a slice into a tensor's own storage.
struct CopyFrom<'a>(&'a [f32]);

impl InplaceOp1 for CopyFrom<'_> {
    fn name(&self) -> &'static str {
        "copy-from"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        match (storage, layout.contiguous_offsets()) {
            (CpuStorage::F32(data), Some((start, end))) if end - start == self.0.len() => {
                data[start..end].copy_from_slice(self.0);
                Ok(())
            }
            _ => candle_core::bail!("copy-from: expected a contiguous f32 tensor of {} values", self.0.len()),
        }
    }
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
