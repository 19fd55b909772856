//! Adam over flat buffers (candle's AdamW with no weight decay): the optimizer of the written-out training steps.
//!
//! The arithmetic is the one the MLP's fused step had built in, operation for operation in the same order, so the
//! step moved onto this type without a bit of its parameters changing (a test checks it against candle's AdamW).
//! The trainer owns it, not a step: one update follows the gradients, however many steps computed them.

/// Adam's constants, as candle's `ParamsAdamW::default()` has them.
const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPSILON: f32 = 1e-8;

/// The first and second moment estimates of each parameter, and the steps taken.
#[derive(Clone, Debug)]
pub struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Adam {
    /// Fresh moments for `len` parameters.
    pub fn new(len: usize) -> Adam {
        Adam { m: vec![0.0; len], v: vec![0.0; len], t: 0 }
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
        let scale_m = 1.0 / (1.0 - BETA1.powi(self.t));
        let scale_v = 1.0 / (1.0 - BETA2.powi(self.t));
        // Four slices of one length, indexed: the form LLVM turns into f32x4 (sqrt and divide included).
        let (params, grads, ms, vs) = (&mut params[..len], &grads[..len], &mut self.m[..len], &mut self.v[..len]);
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
