//! Seeded randomness. candle's CPU backend cannot be seeded, so every random number the model uses
//! (initial weights, shuffles, the reparameterisation noise) comes from here: same seed, same run.

use rand::{rngs::StdRng, Rng, SeedableRng};
use rand_distr::StandardNormal;

pub struct SeededRng(StdRng);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        SeededRng(StdRng::seed_from_u64(seed))
    }

    /// A stream for one purpose (e.g. "shuffle of epoch 3") that does not shift when another purpose draws more.
    pub fn derived(seed: u64, stream: u64) -> Self {
        SeededRng::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub fn uniform(&mut self, n: usize, bound: f32) -> Vec<f32> {
        (0..n).map(|_| self.0.random_range(-bound..=bound)).collect()
    }

    pub fn standard_normal(&mut self, n: usize) -> Vec<f32> {
        let mut values = vec![0f32; n];
        self.fill_standard_normal(&mut values);
        values
    }

    /// The same draws as `standard_normal`, into a buffer the caller keeps.
    pub fn fill_standard_normal(&mut self, out: &mut [f32]) {
        for v in out {
            *v = self.0.sample(StandardNormal);
        }
    }

    /// A whole number in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    pub fn shuffle(&mut self, items: &mut [usize]) {
        // Fisher–Yates, written out so the order does not depend on rand's internal choice of algorithm.
        for i in (1..items.len()).rev() {
            let j = self.0.random_range(0..=i);
            items.swap(i, j);
        }
    }
}
