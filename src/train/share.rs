//! A share of another trainer's steps: a `ShareWorker` holds a copy of the training images and a step of the same
//! structure, and computes the gradient of the rows of a batch it is given (their training-set indices and noise)
//! at the parameters it is given. It keeps no optimizer and no position in the data: the trainer that sends it work
//! owns both, so a share can never hold a model of its own that drifts from the trainer's.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::model::{Model, ModelConfig};
use crate::step::{self, TrainStep};

pub struct ShareWorker {
    step: Box<dyn TrainStep>,
    train: Dataset,
    /// The share's pixels and its indices as `Dataset::fill_batch` takes them, reused every step.
    batch: Vec<f32>,
    indices: Vec<usize>,
}

impl ShareWorker {
    /// For a model of `config`'s structure trained on `train` (the trainer's own training split), shares of at most
    /// `rows` images.
    pub fn new(config: ModelConfig, train: Dataset, rows: usize) -> Result<ShareWorker> {
        config.validate()?;
        if train.spec() != config.image {
            return Err(Error::data("shared training images", format!("are {}, but the model is for {}", train.spec(), config.image)));
        }
        // Any seed: the parameters are overwritten before every share.
        let step = step::for_model(Model::new(config, 0)?, rows)?;
        Ok(ShareWorker { step, batch: vec![0.0; rows * config.image.pixels()], indices: Vec::with_capacity(rows), train })
    }

    /// The most rows a share may have.
    pub fn rows(&self) -> usize {
        self.step.rows()
    }

    /// Where the trainer's parameters are copied before a share is computed.
    pub fn parameters_mut(&mut self) -> &mut [f32] {
        self.step.parameters_mut()
    }

    /// The last share's gradient, laid out as the parameters.
    pub fn gradients(&self) -> &[f32] {
        self.step.gradient_buffer()
    }

    /// The gradient of `scale` · Σ (recon + β · kl) over the training images at `indices` with noise `eps`
    /// (`latent` values per image) into `gradients`; returns (Σ recon, Σ kl) over them. With `scale` = 1 / the
    /// whole batch's rows, the shares' gradients sum to the batch mean's.
    pub fn compute(&mut self, indices: &[u32], eps: &[f32], beta: f32, scale: f32) -> Result<(f32, f32)> {
        let (n, latent, pixels) = (indices.len(), self.step.config().latent, self.step.config().image.pixels());
        if n == 0 || n > self.rows() || eps.len() != n * latent {
            return Err(Error::data(
                "a share of a batch",
                format!("has {n} rows and {} noise values (at most {} rows, {latent} values each)", eps.len(), self.rows()),
            ));
        }
        self.indices.clear();
        for &i in indices {
            let i = i as usize;
            if i >= self.train.len() {
                return Err(Error::data("a share of a batch", format!("names image {i} of a training set of {}", self.train.len())));
            }
            self.indices.push(i);
        }
        let images = &mut self.batch[..n * pixels];
        self.train.fill_batch(&self.indices, images);
        Ok(self.step.gradients(images, eps, beta, scale, &mut ()))
    }
}
