//! Principal component analysis of images: the linear code a VAE is compared with in the Compress view.
//! The covariance is formed once (one matmul), then its top components come from orthogonal iteration.

use candle_core::{Device, Tensor};

use crate::data::ImageSpec;
use crate::error::{Error, Result};
use crate::model::MAX_LATENT;
use crate::size;

const ITERATIONS: usize = 200;
/// The most values per row PCA takes: an MNIST image's pixels (the covariance is dim × dim, its iteration dim² a
/// step: a larger image would hold the worker for seconds).
pub const MAX_DIM: usize = ImageSpec::MNIST.pixels();

pub struct Pca {
    dim: usize,
    mean: Vec<f32>,
    /// k × dim, row-major, orthonormal rows, by decreasing variance.
    components: Vec<f32>,
    /// The variance along each component.
    variances: Vec<f32>,
    /// The total variance of the data, for "explains x %".
    total_variance: f32,
}

impl Pca {
    /// The top `k` components of `n` rows of `dim` values each.
    pub fn fit(rows: &[f32], dim: usize, k: usize) -> Result<Pca> {
        size::within("PCA dimension", dim, 1, MAX_DIM)?;
        if rows.is_empty() || rows.len() % dim != 0 {
            return Err(Error::setting("PCA data", format!("{} values", rows.len()), "whole rows of the given dimension"));
        }
        if !(1..=dim.min(64)).contains(&k) {
            return Err(Error::setting("PCA components", k, "a whole number from 1 to 64, at most the data's dimension"));
        }
        let n = rows.len() / dim;
        let x = Tensor::from_slice(rows, (n, dim), &Device::Cpu)?;
        let mean_t = x.mean_keepdim(0)?;
        let centred = x.broadcast_sub(&mean_t)?;
        let covariance = (centred.t()?.matmul(&centred)? / n as f64)?;
        let c: Vec<f32> = covariance.flatten_all()?.to_vec1()?;
        let total_variance = (0..dim).map(|i| c[i * dim + i]).sum();

        // Orthogonal iteration: Q ← orth(C·Q) converges to the top-k eigenvectors. Start from a fixed, spread basis.
        let mut q: Vec<f32> = (0..k * dim).map(|i| (((i * 7919) % 1000) as f32 / 1000.0) - 0.5).collect();
        orthonormalise(&mut q, dim);
        let cov = covariance.contiguous()?;
        for _ in 0..ITERATIONS {
            let qt = Tensor::from_slice(&q, (k, dim), &Device::Cpu)?;
            // (C Qᵀ)ᵀ = Q C, as C is symmetric.
            q = qt.matmul(&cov)?.flatten_all()?.to_vec1()?;
            orthonormalise(&mut q, dim);
        }
        // Rayleigh quotients give the variances; sort by them, largest first.
        let mut order: Vec<(f32, usize)> = (0..k)
            .map(|j| {
                let row = &q[j * dim..(j + 1) * dim];
                let cq: f32 = (0..dim).map(|a| row[a] * (0..dim).map(|b| c[a * dim + b] * row[b]).sum::<f32>()).sum();
                (cq, j)
            })
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let components = order.iter().flat_map(|&(_, j)| q[j * dim..(j + 1) * dim].to_vec()).collect();
        let variances = order.iter().map(|&(v, _)| v).collect();
        Ok(Pca { dim, mean: mean_t.flatten_all()?.to_vec1()?, components, variances, total_variance })
    }

    pub fn components(&self) -> usize {
        self.variances.len()
    }

    /// Component j as `dim` values.
    pub fn component(&self, j: usize) -> &[f32] {
        &self.components[j * self.dim..(j + 1) * self.dim]
    }

    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    pub fn variances(&self) -> &[f32] {
        &self.variances
    }

    /// The share of the data's variance each component holds.
    pub fn explained(&self) -> Vec<f32> {
        self.variances.iter().map(|v| v / self.total_variance).collect()
    }

    /// The codes of rows of `dim` values: k values per row.
    pub fn encode(&self, rows: &[f32]) -> Result<Vec<f32>> {
        self.check_rows(rows)?;
        let k = self.components();
        Ok(rows
            .chunks(self.dim)
            .flat_map(|row| {
                (0..k).map(move |j| self.component(j).iter().zip(row).zip(&self.mean).map(|((c, x), m)| c * (x - m)).sum::<f32>())
            })
            .collect())
    }

    /// Rows back from codes (k values each): mean + Σ code_j · component_j.
    pub fn decode(&self, codes: &[f32]) -> Vec<f32> {
        let k = self.components();
        codes
            .chunks(k)
            .flat_map(|code| {
                let mut row = self.mean.clone();
                for (j, &a) in code.iter().enumerate() {
                    for (r, c) in row.iter_mut().zip(self.component(j)) {
                        *r += a * c;
                    }
                }
                row
            })
            .collect()
    }

    fn check_rows(&self, rows: &[f32]) -> Result<()> {
        if rows.is_empty() || rows.len() % self.dim != 0 {
            return Err(Error::setting("PCA input", format!("{} values", rows.len()), "whole rows of the fitted dimension"));
        }
        Ok(())
    }
}

/// PCA of latent codes (`dim` values each, e.g. the test μ's), for the 2-D panel when the code has more than two
/// dimensions: [the codes projected, 2 each | mean (dim) | first axis (dim) | second axis (dim) | the two variance
/// shares]. `dim` is a latent size, 2 to 64, as the settings allow.
pub fn project_latents(rows: &[f32], dim: usize) -> Result<Vec<f32>> {
    size::within("latent dimensions", dim, 2, MAX_LATENT)?;
    let pca = Pca::fit(rows, dim, 2)?;
    let mut out = pca.encode(rows)?;
    out.extend_from_slice(pca.mean());
    out.extend_from_slice(pca.component(0));
    out.extend_from_slice(pca.component(1));
    out.extend(pca.explained());
    Ok(out)
}

/// Modified Gram–Schmidt on the rows (each `dim` long) of `q`, in place.
fn orthonormalise(q: &mut [f32], dim: usize) {
    let k = q.len() / dim;
    for j in 0..k {
        for i in 0..j {
            let dot: f32 = (0..dim).map(|a| q[i * dim + a] * q[j * dim + a]).sum();
            for a in 0..dim {
                q[j * dim + a] -= dot * q[i * dim + a];
            }
        }
        let norm = (0..dim).map(|a| q[j * dim + a].powi(2)).sum::<f32>().sqrt().max(1e-12);
        for a in 0..dim {
            q[j * dim + a] /= norm;
        }
    }
}
