//! What the views ask of a model besides training it: the manifold and samples, decoding, recovery, test images
//! and their nearest training images; the classifier; PCA.

use wasm_bindgen::prelude::*;

use crate::explore::classifier::{self, ClassifierTrainer};
use crate::explore::generate::{self, GridPlane};
use crate::explore::pca::Pca;
use crate::explore::recover;

use super::data::DataHandle;
use super::trainer::TrainerHandle;

#[wasm_bindgen]
impl TrainerHandle {
    /// The manifold: n × n images (n·n·pixels intensities, cells row by row from the top-left) over the Gaussian
    /// quantiles of latent dimensions `x` (across) and `y` (up), the others at `base`'s values.
    pub fn manifold(&self, n: usize, x: usize, y: usize, base: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(generate::manifold(self.trainer.model(), n, &GridPlane { x, y, base: base.to_vec() })?)
    }

    /// Latent points (`latent` values each, flat) decoded: the image's intensities each.
    #[wasm_bindgen(js_name = decodeMany)]
    pub fn decode_many(&self, z: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(generate::decode_many(self.trainer.model(), z)?)
    }

    /// n images decoded from z ~ N(0, I) drawn from `seed`.
    pub fn samples(&self, n: usize, seed: u64) -> Result<Vec<f32>, JsError> {
        Ok(generate::samples(self.trainer.model(), n, seed)?.1)
    }

    /// `iterations` steps of recovery (one image each, flat): `mask` is 1 where a pixel is missing. Missing pixels
    /// start from the mean training image, or (`from_given`, for noise) from the damaged pixels themselves.
    pub fn recover(&mut self, pixels: &[f32], mask: &[f32], iterations: usize, from_given: bool) -> Result<Vec<f32>, JsError> {
        let mean = self.mean_image.get_or_insert_with(|| self.trainer.train_set().mean_image());
        let start = if from_given { pixels } else { mean.as_slice() };
        Ok(recover::recover(self.trainer.model(), pixels, mask, start, iterations)?)
    }

    /// Test images at `indices` (intensities, flat).
    #[wasm_bindgen(js_name = testDigits)]
    pub fn test_digits(&self, indices: &[u32]) -> Result<Vec<f32>, JsError> {
        let indices: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
        Ok(self.trainer.test_set().pixels(&indices)?)
    }

    /// For each image: the nearest training image's pixels, then all the distances at the end.
    #[wasm_bindgen(js_name = nearestTraining)]
    pub fn nearest_training(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.trainer.train_set().nearest_each(pixels)?)
    }

    /// The mean training image: what recovery starts from, and its baseline.
    #[wasm_bindgen(js_name = meanImage)]
    pub fn mean_image(&mut self) -> Vec<f32> {
        self.mean_image.get_or_insert_with(|| self.trainer.train_set().mean_image()).clone()
    }
}

/// The classifier, trained a minibatch at a time on the training split's labels.
#[wasm_bindgen]
pub struct ClassifierHandle {
    trainer: ClassifierTrainer,
    test: crate::data::Dataset,
}

#[wasm_bindgen]
impl ClassifierHandle {
    #[wasm_bindgen(constructor)]
    pub fn new(data: &DataHandle, seed: u64) -> Result<ClassifierHandle, JsError> {
        let (train, test) = data.data.split();
        Ok(ClassifierHandle { trainer: ClassifierTrainer::new(train, classifier::EPOCHS, seed)?, test })
    }

    /// One minibatch of training; nothing once done.
    pub fn step(&mut self) -> Result<(), JsError> {
        Ok(self.trainer.step()?)
    }

    pub fn done(&self) -> bool {
        self.trainer.done()
    }

    pub fn progress(&self) -> f64 {
        self.trainer.progress()
    }

    /// Test-split accuracy of the classifier as trained so far.
    pub fn accuracy(&self) -> Result<f32, JsError> {
        Ok(self.trainer.classifier().accuracy(&self.test)?)
    }

    /// One probability per class for each image.
    pub fn probabilities(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.trainer.classifier().probabilities(pixels)?)
    }
}

/// The z of each cell of `TrainerHandle.manifold`'s grid, `base.length` values per cell, in the same order.
#[wasm_bindgen(js_name = gridPoints)]
pub fn grid_points(n: usize, x: usize, y: usize, base: &[f32]) -> Result<Vec<f32>, JsError> {
    Ok(generate::grid_points(n, &GridPlane { x, y, base: base.to_vec() })?)
}

/// PCA of the training images with a given number of components: the linear code the Compress view compares with.
#[wasm_bindgen]
pub struct PcaHandle {
    pca: Pca,
}

#[wasm_bindgen]
impl PcaHandle {
    #[wasm_bindgen(constructor)]
    pub fn new(data: &DataHandle, components: usize) -> Result<PcaHandle, JsError> {
        let (train, _) = data.data.split();
        Ok(PcaHandle { pca: Pca::fit(&train.all_pixels(), train.spec().pixels(), components)? })
    }

    pub fn components(&self) -> usize {
        self.pca.components()
    }

    /// The share of the training images' variance the components hold together.
    pub fn explained(&self) -> f32 {
        self.pca.explained().iter().sum()
    }

    /// Images → their reconstructions from `components` numbers each, clamped to [0, 1].
    pub fn reconstruct(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.pca.decode(&self.pca.encode(pixels)?).into_iter().map(|v| v.clamp(0.0, 1.0)).collect())
    }
}

/// PCA of latent codes for the 2-D panel: see `pca::project_latents` (the packed layout, dim from 2 to 64).
#[wasm_bindgen(js_name = projectLatents)]
pub fn project_latents(rows: &[f32], dim: usize) -> Result<Vec<f32>, JsError> {
    Ok(crate::explore::pca::project_latents(rows, dim)?)
}
