//! The test negative ELBO of any structure, through its inference passes over flat parameters: 10 draws of z per
//! image from a fixed seed, the reconstruction term a Monte-Carlo mean, the KL term in closed form.

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::model::ModelView;
use crate::rng::SeededRng;
use crate::step::loss::bce_rows_into_gradient;

/// Samples of z per test image when estimating the ELBO, and their fixed seed (so two evaluations of the same
/// weights agree exactly).
pub const EVAL_Z_SAMPLES: usize = 10;
pub const EVAL_SEED: u64 = 0xE1B0;
/// Images per pass: all draws of a chunk go through the decoder at once (`EVAL_Z_SAMPLES` · CHUNK rows), so a small
/// chunk keeps the peak memory low (the wasm heap never shrinks back).
const CHUNK: usize = 100;

/// The test negative ELBO per image (β = 1 whatever β training used), with its two terms, in nats.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Elbo {
    pub neg_elbo: f32,
    pub recon: f32,
    pub kl: f32,
}

/// Negative ELBO per image on `data`, estimated with `EVAL_Z_SAMPLES` draws of z per image from a fixed seed.
pub fn evaluate(model: ModelView, data: &Dataset) -> Result<Elbo> {
    if data.is_empty() {
        return Err(Error::data("test set", "holds no images to evaluate on; use a data set of at least 2 images"));
    }
    let (latent, pixels) = (model.config().latent, model.config().image.pixels());
    let mut noise = SeededRng::new(EVAL_SEED);
    let (mut recon_sum, mut kl_sum) = (0f64, 0f64);
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(CHUNK) {
        let n = chunk.len();
        let x = data.pixels(chunk)?;
        let (mu, logvar) = model.encode(&x);
        // Draw s of image i is row s·N + i, the order the draws were made in one at a time.
        let eps = noise.standard_normal(EVAL_Z_SAMPLES * n * latent);
        let mut z = vec![0f32; eps.len()];
        for (draw, z) in z.chunks_exact_mut(n * latent).enumerate() {
            for (i, z) in z.iter_mut().enumerate() {
                *z = mu[i] + (logvar[i] * 0.5).exp() * eps[draw * n * latent + i];
            }
        }
        let mut kl = 0f32;
        for (mu, logvar) in mu.chunks_exact(latent).zip(logvar.chunks_exact(latent)) {
            let image: f32 = mu.iter().zip(logvar).map(|(&m, &v)| (v.exp() + m * m - v - 1.0) * 0.5).sum();
            kl += image;
        }
        kl_sum += kl as f64;
        let mut logits = model.decode_logits(&z);
        let mut recon = 0f32;
        for draw in logits.chunks_exact_mut(n * pixels) {
            recon += bce_rows_into_gradient(draw, &x, pixels, 1.0);
        }
        recon_sum += recon as f64 / EVAL_Z_SAMPLES as f64;
    }
    let n = data.len() as f64;
    let (recon, kl) = ((recon_sum / n) as f32, (kl_sum / n) as f32);
    Ok(Elbo { neg_elbo: recon + kl, recon, kl })
}
