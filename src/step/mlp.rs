//! The MLP's training step written out: forward and backward over flat, preallocated buffers.
//!
//! candle's autograd builds a graph and allocates every intermediate tensor each step (about a hundred
//! allocations, and the elementwise work in many small passes); this step does the same arithmetic — the same loss
//! and the same gradients — with every buffer allocated once and each elementwise pass fused into the matmul it
//! belongs to. Tests check these gradients against candle's (`oracle::mlp`).

use crate::error::Result;
use crate::kernels::matmul::{matmul, Mat, Start};
use crate::kernels::relu_backward;
use crate::model::mlp::{linear, slots, Slot};
use crate::model::{Architecture, Model};
use crate::profile::{Clock, Part};

use super::{StepBuffers, TrainStep};

pub struct MlpStep {
    buffers: StepBuffers,
    slots: [Slot; 5],
    /// Activations and their gradients for up to `buffers.rows` images.
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

impl MlpStep {
    /// Takes the model's parameters; `rows` is the largest batch it will see.
    pub fn new(model: Model, rows: usize) -> Result<MlpStep> {
        let config = model.config();
        assert_eq!(config.architecture, Architecture::Mlp, "an MLP step for a {} model", config.architecture);
        let (h, l, p) = (config.hidden, config.latent, config.image.pixels());
        let zeros = |n: usize| vec![0f32; n];
        Ok(MlpStep {
            buffers: StepBuffers::new(model, rows),
            slots: slots(&config),
            h1: zeros(rows * h),
            mu: zeros(rows * l),
            logvar: zeros(rows * l),
            sigma: zeros(rows * l),
            z: zeros(rows * l),
            h2: zeros(rows * h),
            logits: zeros(rows * p),
            d_h2: zeros(rows * h),
            d_z: zeros(rows * l),
            d_mu: zeros(rows * l),
            d_logvar: zeros(rows * l),
            d_h1: zeros(rows * h),
        })
    }
}

impl TrainStep for MlpStep {
    fn buffers(&self) -> &StepBuffers {
        &self.buffers
    }

    fn buffers_mut(&mut self) -> &mut StepBuffers {
        &mut self.buffers
    }

    /// Floating-point operations in the matrix products of one step on `rows` images (two per multiply-add; the
    /// elementwise work, a few percent, is not counted): the figure the benchmark divides by time for GFLOP/s.
    fn matmul_flops(&self, rows: usize) -> f64 {
        let (n, h, l, p) =
            (rows as f64, self.buffers.config.hidden as f64, self.buffers.config.latent as f64, self.buffers.config.image.pixels() as f64);
        let forward = n * p * h + 2.0 * n * h * l + n * l * h + n * h * p;
        // dW_out, dh2, dW_dec.fc, dz, the heads' dW (2) and dh1 (2), dW_enc.fc
        let backward = p * n * h + n * p * h + h * n * l + n * h * l + 2.0 * l * n * h + 2.0 * n * l * h + h * n * p;
        2.0 * (forward + backward)
    }

    fn gradients(&mut self, x: &[f32], eps: &[f32], beta: f32, scale: f32, clock: &mut dyn Clock) -> (f32, f32) {
        let (h, l, p) = (self.buffers.config.hidden, self.buffers.config.latent, self.buffers.config.image.pixels());
        let n = x.len() / p;
        assert!(
            n > 0 && n <= self.buffers.rows && x.len() == n * p && eps.len() == n * l,
            "batch of {n} rows for a step sized {}",
            self.buffers.rows
        );
        let [enc_fc, enc_mu, enc_logvar, dec_fc, dec_out] = self.slots;
        let params = &self.buffers.params;
        let w = |s: Slot| Mat::rows(&params[s.weight_range()], s.inputs);

        // ── forward ──
        let (h1, h2) = (&mut self.h1[..n * h], &mut self.h2[..n * h]);
        let (mu, logvar, sigma, z) = (&mut self.mu[..n * l], &mut self.logvar[..n * l], &mut self.sigma[..n * l], &mut self.z[..n * l]);
        let logits = &mut self.logits[..n * p];
        forward_linear(h1, Mat::rows(x, p), enc_fc, params, true, clock);
        forward_linear(mu, Mat::rows(h1, h), enc_mu, params, false, clock);
        forward_linear(logvar, Mat::rows(h1, h), enc_logvar, params, false, clock);
        let mut kl_sum = 0f32;
        for i in 0..n * l {
            let var = logvar[i].exp();
            sigma[i] = (0.5 * logvar[i]).exp();
            z[i] = mu[i] + sigma[i] * eps[i];
            kl_sum += 0.5 * (var + mu[i] * mu[i] - logvar[i] - 1.0);
        }
        clock.mark(Part::Elementwise);
        forward_linear(h2, Mat::rows(z, l), dec_fc, params, true, clock);
        forward_linear(logits, Mat::rows(h2, h), dec_out, params, false, clock);
        // The logits become d(scale · Σ recon)/dlogits = scale · (σ(l) − x) in place.
        let recon_sum = super::loss::bce_rows_into_gradient(logits, x, p, scale);
        clock.mark(Part::Loss);

        // ── backward ──
        let grads = &mut self.buffers.grads;
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
        // reparameterisation and KL (scale · Σ over the images, weighted by β)
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
        (recon_sum, kl_sum)
    }
}

/// A layer's forward pass, its product and its ReLU told apart on the clock.
fn forward_linear(out: &mut [f32], input: Mat, slot: Slot, params: &[f32], relu: bool, clock: &mut dyn Clock) {
    linear(out, input, slot, params, false);
    clock.mark(Part::MatmulForward);
    if relu {
        crate::kernels::relu(out);
    }
    clock.mark(Part::Elementwise);
}

/// A layer's weight gradient dW = Gᵀ·input ([outputs, inputs]) and bias gradient Σ_rows G.
fn weight_gradient(grads: &mut [f32], slot: Slot, g: Mat, input: Mat, clock: &mut dyn Clock) {
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
