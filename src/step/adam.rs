//! Adam over flat buffers, in the two forms the structures are trained with (`AdamForm`): the optimizer of the
//! written-out training steps. The trainer owns it, not a step: one update follows the gradients, however many
//! steps computed them.
//!
//! The MLP's form is the arithmetic its fused step had built in, operation for operation in the same order, so the
//! step moved onto this type without a bit of its parameters changing (a test checks it against candle's AdamW).

use crate::model::Architecture;

use super::TrainStep;

const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;

/// Where ε sits in the update. Both are Adam with β₁ = 0.9, β₂ = 0.999; they differ early on and where gradients are
/// tiny (the not yet used latent dimensions of a collapsed code are such a place).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdamForm {
    /// PyTorch's and candle-nn's `AdamW` (no weight decay): lr · m̂ / (√v̂ + ε), bias-corrected moments, ε = 1e-8.
    Candle,
    /// Keras 3's: α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ), then α · m / (√v + ε), ε = 1e-7 — ε outside the bias correction.
    Keras,
}

impl AdamForm {
    /// The MLP trains as the tutorial's PyTorch does; the convolutional VAE as the Keras example it is.
    pub fn of(architecture: Architecture) -> AdamForm {
        match architecture {
            Architecture::Mlp => AdamForm::Candle,
            Architecture::Conv => AdamForm::Keras,
        }
    }
}

/// The first and second moment estimates of each parameter, and the steps taken.
#[derive(Clone, Debug)]
pub struct Adam {
    form: AdamForm,
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Adam {
    /// Fresh moments for `len` parameters.
    pub fn new(len: usize, form: AdamForm) -> Adam {
        Adam { form, m: vec![0.0; len], v: vec![0.0; len], t: 0 }
    }

    /// Fresh moments for `step`'s parameters, in its structure's form.
    pub fn for_step(step: &dyn TrainStep) -> Adam {
        Adam::new(step.parameters().len(), AdamForm::of(step.config().architecture))
    }

    /// Updates taken so far.
    pub fn steps(&self) -> i32 {
        self.t
    }

    /// The first and second moments, and the updates taken: what a saved training state keeps.
    pub fn moments(&self) -> (&[f32], &[f32], i32) {
        (&self.m, &self.v, self.t)
    }

    /// Takes up moments a saved state kept (as long as these: the caller checked).
    pub fn restore(&mut self, m: &[f32], v: &[f32], t: i32) {
        self.m.copy_from_slice(m);
        self.v.copy_from_slice(v);
        self.t = t;
    }

    /// One update of `params` along `grads` with learning rate `lr`.
    pub fn update(&mut self, params: &mut [f32], grads: &[f32], lr: f32) {
        let len = self.m.len();
        assert!(
            params.len() == len && grads.len() == len,
            "Adam over {len} values: {} parameters, {} gradients",
            params.len(),
            grads.len()
        );
        self.t += 1;
        match self.form {
            AdamForm::Candle => {
                const EPSILON: f32 = 1e-8;
                let scale_m = 1.0 / (1.0 - BETA1.powi(self.t));
                let scale_v = 1.0 / (1.0 - BETA2.powi(self.t));
                sweep(params, grads, &mut self.m, &mut self.v, |m, v| (m * scale_m) / ((v * scale_v).sqrt() + EPSILON) * lr);
            }
            AdamForm::Keras => {
                const EPSILON: f32 = 1e-7;
                let alpha = (1.0 - BETA2.powi(self.t)).sqrt() / (1.0 - BETA1.powi(self.t));
                sweep(params, grads, &mut self.m, &mut self.v, |m, v| (m * alpha * lr) / (v.sqrt() + EPSILON));
            }
        }
    }
}

/// One pass over the parameters: each one's moments move towards its gradient, then it moves by `delta(m, v)`, the
/// form's step for the new moments. Four slices of one length, indexed, the step inlined: the shape LLVM turns into
/// f32x4 (sqrt and divide included).
#[inline(always)]
fn sweep(params: &mut [f32], grads: &[f32], ms: &mut [f32], vs: &mut [f32], delta: impl Fn(f32, f32) -> f32) {
    let len = ms.len();
    let (params, grads, vs) = (&mut params[..len], &grads[..len], &mut vs[..len]);
    for i in 0..len {
        let g = grads[i];
        let m = ms[i] * BETA1 + g * (1.0 - BETA1);
        let v = vs[i] * BETA2 + g * g * (1.0 - BETA2);
        ms[i] = m;
        vs[i] = v;
        params[i] -= delta(m, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keras 3's `Adam.update_step`, written out in f64 from its source: the reference the f32 loop is held to.
    fn keras_reference(params: &mut [f64], grads: &[f64], m: &mut [f64], v: &mut [f64], t: i32, lr: f64) {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-7f64);
        let alpha = lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
        for i in 0..params.len() {
            m[i] += (grads[i] - m[i]) * (1.0 - b1);
            v[i] += (grads[i] * grads[i] - v[i]) * (1.0 - b2);
            params[i] -= m[i] * alpha / (v[i].sqrt() + eps);
        }
    }

    #[test]
    fn the_keras_form_follows_keras_3s_update_and_differs_from_candles_where_gradients_are_tiny() {
        // Gradients from tiny (where ε matters) to large, changing sign over the steps.
        let grads_at = |t: i32| -> Vec<f32> {
            (0..64).map(|i| 10f32.powi(i % 9 - 8) * if (i + t) % 3 == 0 { -1.0 } else { 1.0 } * (1.0 + i as f32 / 64.0)).collect()
        };
        let mut adam = Adam::new(64, AdamForm::Keras);
        let mut params: Vec<f32> = (0..64).map(|i| (i as f32 - 32.0) / 16.0).collect();
        let mut reference: Vec<f64> = params.iter().map(|&p| p as f64).collect();
        let (mut m, mut v) = (vec![0f64; 64], vec![0f64; 64]);
        for t in 1..=50 {
            let grads = grads_at(t);
            adam.update(&mut params, &grads, 1e-3);
            let grads64: Vec<f64> = grads.iter().map(|&g| g as f64).collect();
            keras_reference(&mut reference, &grads64, &mut m, &mut v, t, 1e-3);
        }
        for (i, (p, r)) in params.iter().zip(&reference).enumerate() {
            assert!((*p as f64 - r).abs() <= 1e-6 * (1.0 + r.abs()), "parameter {i}: {p} against Keras's {r}");
        }
        // The same steps in candle's form move the tiny-gradient parameters further (ε inside the correction).
        let mut candle = Adam::new(64, AdamForm::Candle);
        let mut other: Vec<f32> = (0..64).map(|i| (i as f32 - 32.0) / 16.0).collect();
        for t in 1..=50 {
            candle.update(&mut other, &grads_at(t), 1e-3);
        }
        let start = |i: usize| (i as f32 - 32.0) / 16.0;
        let tiny = 0; // gradient 1e-8
        assert!((other[tiny] - start(tiny)).abs() > 2.0 * (params[tiny] - start(tiny)).abs(), "{} vs {}", other[tiny], params[tiny]);
    }
}
