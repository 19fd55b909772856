//! The parts of a training step a profile tells apart, and the clock the step tells when each has ended. A leaf
//! module: the kernels and the forward passes mark it as the steps do, and it depends on nothing.

/// The parts of a step a profile tells apart (see `Clock`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The minibatch's pixels and noise.
    Batch,
    MatmulForward,
    MatmulBackward,
    /// Bias, ReLU and its mask, patch copies, reparameterisation, KL, bias gradients.
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
/// unit clock `()` does nothing: the profile costs a few empty calls a step when no one asks for it.
pub trait Clock {
    fn mark(&mut self, part: Part);
}

impl Clock for () {
    #[inline(always)]
    fn mark(&mut self, _: Part) {}
}
