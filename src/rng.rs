//! Seeded randomness. candle's CPU backend cannot be seeded, so every random number the model uses
//! (initial weights, shuffles, the reparameterisation noise) comes from here: same seed, same run.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha12Rng;
use rand_distr::StandardNormal;

/// ChaCha12, the generator rand's `StdRng` is (the same stream for a seed), held by name because its position can be
/// read and set: a trainer's saved state includes where its noise stream has got to.
pub struct SeededRng(ChaCha12Rng);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        SeededRng(ChaCha12Rng::seed_from_u64(seed))
    }

    /// How far the stream has gone (in 32-bit words).
    pub fn position(&self) -> u128 {
        self.0.get_word_pos()
    }

    /// Moves the stream to a `position` read from a stream of the same seed.
    pub fn set_position(&mut self, position: u128) {
        self.0.set_word_pos(position);
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;

    #[test]
    fn the_stream_is_std_rngs_so_seeded_runs_stay_as_they_were() {
        let (mut ours, mut std) = (SeededRng::new(42), StdRng::seed_from_u64(42));
        let drawn = ours.standard_normal(1_000);
        let expected: Vec<f32> = (0..1_000).map(|_| std.sample(StandardNormal)).collect();
        assert_eq!(drawn, expected);
    }

    #[test]
    fn a_stream_moved_to_a_position_draws_what_the_original_draws_next() {
        let mut original = SeededRng::new(7);
        original.standard_normal(333);
        let mut copy = SeededRng::new(7);
        copy.set_position(original.position());
        assert_eq!(original.standard_normal(100), copy.standard_normal(100));
    }
}
