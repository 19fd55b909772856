//! Generating digits: the manifold (a grid of latent points at Gaussian quantiles, decoded) and random samples
//! from the prior. Shared by the CLI's `sample` picture and the browser's Generate view.

use crate::error::{Error, Result};
use crate::model::{ModelView, MAX_LATENT};
use crate::rng::SeededRng;

pub const MAX_GRID: usize = 100;

/// The two latent dimensions a manifold spans (x across, y up) and the value of every other dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct GridPlane {
    pub x: usize,
    pub y: usize,
    /// One value per latent dimension; `x` and `y` are overwritten by the grid.
    pub base: Vec<f32>,
}

impl GridPlane {
    /// The first two dimensions, every other at 0 (the prior's mean).
    pub fn first_two(latent: usize) -> GridPlane {
        GridPlane { x: 0, y: 1.min(latent.saturating_sub(1)), base: vec![0.0; latent] }
    }
}

/// The z of each cell of an n × n grid, row by row from the top-left: column c at the (c + ½)/n quantile of N(0, 1)
/// along `plane.x`, row r at the (n − r − ½)/n quantile along `plane.y` (up is +y, as on a plot), so equal areas of
/// the picture hold equal prior mass.
pub fn grid_points(n: usize, plane: &GridPlane) -> Result<Vec<f32>> {
    let latent = plane.base.len();
    if !(1..=MAX_GRID).contains(&n) {
        return Err(Error::setting("grid size", n, "a whole number from 1 to 100"));
    }
    if latent > MAX_LATENT {
        return Err(Error::setting("latent point", format!("{latent} values"), "at most 64, one per latent dimension of the model"));
    }
    if plane.x >= latent || plane.y >= latent {
        return Err(Error::setting("grid dimensions", format!("({}, {})", plane.x, plane.y), "latent dimensions of the model"));
    }
    let quantile = |i: usize| inverse_normal_cdf((i as f64 + 0.5) / n as f64) as f32;
    let mut points = Vec::with_capacity(n * n * latent);
    for row in 0..n {
        for col in 0..n {
            let mut z = plane.base.clone();
            z[plane.x] = quantile(col);
            if plane.y != plane.x {
                z[plane.y] = quantile(n - 1 - row);
            }
            points.extend(z);
        }
    }
    Ok(points)
}

/// The manifold: n·n images' intensities, cell by cell as `grid_points` orders them, decoded in one batch.
pub fn manifold(model: ModelView, n: usize, plane: &GridPlane) -> Result<Vec<f32>> {
    if plane.base.len() != model.config().latent {
        return Err(Error::setting("latent point", format!("{} values", plane.base.len()), "one value per latent dimension"));
    }
    decode_many(model, &grid_points(n, plane)?)
}

/// n digits from z ~ N(0, I), from a seed (the same seed draws the same digits); returns (z, pixels).
pub fn samples(model: ModelView, n: usize, seed: u64) -> Result<(Vec<f32>, Vec<f32>)> {
    if !(1..=MAX_GRID * MAX_GRID).contains(&n) {
        return Err(Error::setting("sample count", n, "a whole number from 1 to 10000"));
    }
    let z = SeededRng::new(seed).standard_normal(n * model.config().latent);
    let pixels = decode_many(model, &z)?;
    Ok((z, pixels))
}

/// Decodes latent points given flat, `latent` values each (at most `MAX_IMAGES_PER_CALL`), into intensities.
pub fn decode_many(model: ModelView, z: &[f32]) -> Result<Vec<f32>> {
    model.decode(z)
}

/// Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] =
        [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] =
        [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}
