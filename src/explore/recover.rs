//! Recovering damaged digits: the missing pixels are filled by iterating encode → decode with the known pixels held
//! fixed, so the model's idea of a digit fills the gaps while what is known stays exactly as it was.

use crate::error::{Error, Result};
use crate::model::ModelView;

pub const MAX_ITERATIONS: usize = 100;

/// `iterations` steps of recovery; returns each step's image (one image's values each, flat). `mask` is one value per
/// pixel, 1 where the pixel is missing; missing pixels start from `start` (the mean training digit for erased pixels, or the
/// damaged image itself for noise, where every pixel is uncertain).
pub fn recover(model: ModelView, pixels: &[f32], mask: &[f32], start: &[f32], iterations: usize) -> Result<Vec<f32>> {
    let image = model.config().image;
    for (name, values) in [("pixels", pixels), ("mask", mask), ("start", start)] {
        if values.len() != image.pixels() {
            let expected = format!("{} values ({image})", image.pixels());
            return Err(Error::setting("recovery input", format!("{name} with {} values", values.len()), expected));
        }
    }
    if !(1..=MAX_ITERATIONS).contains(&iterations) {
        return Err(Error::setting("recovery iterations", iterations, "a whole number from 1 to 100"));
    }
    let missing: Vec<bool> = mask.iter().map(|&m| m >= 0.5).collect();
    let mut x: Vec<f32> = pixels.iter().zip(start).zip(&missing).map(|((&p, &s), &m)| if m { s } else { p }).collect();
    let mut steps = Vec::with_capacity(iterations * image.pixels());
    for _ in 0..iterations {
        let (mu, _) = model.encode(&x);
        let decoded = model.decode(&mu)?;
        for ((value, &m), d) in x.iter_mut().zip(&missing).zip(decoded) {
            if m {
                *value = d;
            }
        }
        steps.extend_from_slice(&x);
    }
    Ok(steps)
}

/// Mean squared error over the masked (missing) pixels only; NaN when nothing is masked.
pub fn masked_error(a: &[f32], b: &[f32], mask: &[f32]) -> f32 {
    let (sum, count) = a.iter().zip(b).zip(mask).filter(|(_, &m)| m >= 0.5).fold((0f64, 0usize), |(s, n), ((x, y), _)| {
        let d = (x - y) as f64;
        (s + d * d, n + 1)
    });
    (sum / count as f64) as f32
}
