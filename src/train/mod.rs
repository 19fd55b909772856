//! Training: the same `Trainer` runs in the native CLI and in the browser's worker. It owns the settings (once), the
//! data and its shuffled epochs, a step of the model's structure (`step::TrainStep`) and the optimizer; a step is
//! fill the batch and the noise → the step's gradients → the finiteness check → Adam (`step::apply`). A step's batch
//! can be shared out: each worker computes the gradient of its rows (`share_gradients`), their sum makes one update
//! (`finish_shared_step`); one worker takes the same path with one share.

pub mod evaluate;
pub mod share;
mod state;

use serde::{Deserialize, Serialize};

pub use crate::step::{Clock, Part, StepMetrics};
pub use evaluate::{evaluate, Elbo, EVAL_SEED, EVAL_Z_SAMPLES};
pub use share::ShareWorker;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::model::{Model, ModelConfig, ModelView};
use crate::rng::SeededRng;
use crate::step::{self, Adam, Refused, TrainStep};

const NOISE_STREAM: u64 = 1;
const SHUFFLE_STREAM: u64 = 1_000;

/// Everything about a run: the model's structure and sizes, and how it is trained. The trainer holds it, and passes
/// β and the learning rate into each step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub model: ModelConfig,
    /// Weight of the KL term in the training loss (β-VAE); 1 is the plain ELBO.
    pub beta: f64,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { model: ModelConfig::default(), beta: 1.0, learning_rate: 1e-3, batch_size: 128, seed: 0 }
    }
}

pub const MAX_BATCH_SIZE: usize = 4096;

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        validate_beta(self.beta)?;
        validate_learning_rate(self.learning_rate)?;
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return Err(Error::setting("batch size", self.batch_size, "a whole number from 1 to 4096"));
        }
        Ok(())
    }
}

pub fn validate_beta(beta: f64) -> Result<()> {
    if beta.is_finite() && beta >= 0.0 {
        Ok(())
    } else {
        Err(Error::setting("beta", beta, "a finite number ≥ 0 (1 is the plain VAE)"))
    }
}

fn validate_learning_rate(lr: f64) -> Result<()> {
    if lr.is_finite() && lr > 0.0 && lr <= 1.0 {
        Ok(())
    } else {
        Err(Error::setting("learning rate", lr, "a number above 0 and at most 1 (1e-3 is a good start)"))
    }
}

/// What one call to `Trainer::step` did.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct StepReport {
    pub metrics: StepMetrics,
    /// Images in this step's minibatch (the last of an epoch may be short).
    pub samples: usize,
    /// Steps taken since the model was created.
    pub step: u64,
    /// Epochs completed, counting the one this step may have completed.
    pub epoch: u64,
    pub epoch_finished: bool,
}

pub struct Trainer {
    config: TrainConfig,
    /// The model's parameters, their gradient and the passes' buffers: the training step of its structure.
    step: Box<dyn TrainStep>,
    adam: Adam,
    /// The minibatch's pixels and noise, reused every step.
    batch: Vec<f32>,
    eps: Vec<f32>,
    train: Dataset,
    test: Dataset,
    order: Vec<usize>,
    cursor: usize,
    epoch: u64,
    step_count: u64,
    noise: SeededRng,
    /// The rows of a step begun (`begin_shared_step`) and not yet finished; 0 between steps.
    batch_rows: usize,
    /// Shared steps begun so far: names the begun one, so a worker that awaited other workers can tell whether it is
    /// still the one to finish (anything that changes the model or the place in the data abandons it).
    shared_steps_begun: u64,
}

impl Trainer {
    /// A fresh model on `data`, split by its split (the contract: last images = test set).
    pub fn new(config: TrainConfig, data: &Dataset) -> Result<Self> {
        let (train, test) = data.split();
        Self::with_split(config, train, test)
    }

    pub fn with_split(config: TrainConfig, train: Dataset, test: Dataset) -> Result<Self> {
        config.validate()?;
        if train.is_empty() {
            return Err(Error::data("training set", "holds no images"));
        }
        check_fits(&config.model, &train)?;
        let model = Model::new(config.model, config.seed)?;
        let step = step::for_model(model, config.batch_size)?;
        let mut trainer = Trainer {
            config,
            adam: Adam::for_step(step.as_ref()),
            step,
            batch: vec![0.0; config.batch_size * config.model.image.pixels()],
            eps: vec![0.0; config.batch_size * config.model.latent],
            train,
            test,
            order: Vec::new(),
            cursor: 0,
            epoch: 0,
            step_count: 0,
            noise: SeededRng::derived(config.seed, NOISE_STREAM),
            batch_rows: 0,
            shared_steps_begun: 0,
        };
        trainer.shuffle_for_epoch();
        Ok(trainer)
    }

    fn shuffle_for_epoch(&mut self) {
        // Refilled in place: the epoch's end allocates nothing either.
        self.order.clear();
        self.order.extend(0..self.train.len());
        SeededRng::derived(self.config.seed, SHUFFLE_STREAM + self.epoch).shuffle(&mut self.order);
        self.cursor = 0;
    }

    pub fn config(&self) -> TrainConfig {
        self.config
    }

    /// The model as trained so far (the step's parameters, borrowed).
    pub fn model(&self) -> ModelView<'_> {
        ModelView::new(self.config.model, self.step.parameters())
    }

    /// The parameters, flat (the contract's tensors in table order), without making a model view.
    pub fn parameters(&self) -> &[f32] {
        self.step.parameters()
    }

    pub fn train_set(&self) -> &Dataset {
        &self.train
    }

    pub fn test_set(&self) -> &Dataset {
        &self.test
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn step_count(&self) -> u64 {
        self.step_count
    }

    /// Minibatches in one epoch (the last one may be smaller).
    pub fn steps_per_epoch(&self) -> usize {
        self.train.len().div_ceil(self.config.batch_size)
    }

    /// Position in the current epoch, 0..1.
    pub fn epoch_progress(&self) -> f64 {
        self.cursor as f64 / self.train.len() as f64
    }

    pub fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        validate_learning_rate(lr)?;
        self.config.learning_rate = lr;
        Ok(())
    }

    pub fn set_beta(&mut self, beta: f64) -> Result<()> {
        validate_beta(beta)?;
        self.config.beta = beta;
        Ok(())
    }

    /// Continue training from other weights (e.g. a loaded file), of any structure that fits the data; the
    /// optimizer starts afresh. A model that does not fit changes nothing.
    pub fn replace_model(&mut self, model: Model) -> Result<()> {
        let config = model.config();
        config.validate()?;
        check_fits(&config, &self.train)?;
        self.step = step::for_model(model, self.config.batch_size)?;
        self.batch_rows = 0; // a begun shared step is abandoned
        self.adam = Adam::for_step(self.step.as_ref());
        self.config.model = config;
        self.eps = vec![0.0; self.config.batch_size * config.latent];
        Ok(())
    }

    /// Everything another trainer of this structure, seed and data needs to go on exactly from here (see `state`).
    pub fn export_state(&self) -> Vec<u8> {
        let (m, v, adam_steps) = self.adam.moments();
        let position = state::Position {
            adam_steps,
            step: self.step_count,
            epoch: self.epoch,
            cursor: self.cursor,
            seed: self.config.seed,
            train_images: self.train.len(),
            noise: self.noise.position(),
        };
        state::encode(position, self.step.parameters(), m, v)
    }

    /// Goes on from a state `export_state` wrote, with this trainer's own β and learning rate (a branch may change
    /// them). A state of another structure, size, seed or dataset is refused, and then nothing changes.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let expected = state::Expected { parameters: self.step.parameters().len(), seed: self.config.seed, train_images: self.train.len() };
        let state::Decoded { position, params, m, v } = state::decode(bytes, &expected)?;
        self.batch_rows = 0; // a begun shared step is abandoned
        self.step.parameters_mut().copy_from_slice(&params);
        self.adam.restore(&m, &v, position.adam_steps);
        self.step_count = position.step;
        self.epoch = position.epoch;
        self.shuffle_for_epoch();
        self.cursor = position.cursor;
        self.noise.set_position(position.noise);
        Ok(())
    }

    /// Counts `epoch` epochs as done (a model trained elsewhere for that long, or kept from an earlier visit): the
    /// next step starts epoch `epoch + 1` with that epoch's shuffle, as an unbroken run would.
    pub fn resume_at_epoch(&mut self, epoch: u64) {
        self.batch_rows = 0; // a begun shared step is abandoned
        self.epoch = epoch;
        self.step_count = epoch * self.steps_per_epoch() as u64;
        self.shuffle_for_epoch();
    }

    /// One optimizer step on the next minibatch of the shuffled epoch.
    pub fn step(&mut self) -> Result<StepReport> {
        self.step_timed(&mut ())
    }

    /// `step`, telling `clock` as each part of it ends (the benchmark's per-part profile): a shared step with one
    /// share, the whole batch — so that one worker and several take the very same path.
    pub fn step_timed(&mut self, clock: &mut dyn Clock) -> Result<StepReport> {
        let rows = self.begin_shared_step();
        let sums = self.share_gradients(0, rows, clock);
        self.finish_shared_step(sums, clock)
    }

    /// Starts a step whose batch may be shared out among workers: draws the noise of each of the batch's rows (the
    /// next `batch_size` of the shuffled epoch, fewer at its end) and returns how many rows it has. `shared_batch`
    /// then says which images and noise they are; `share_gradients` computes this trainer's share;
    /// `finish_shared_step` takes the summed gradients to one update. Every row's noise is drawn here, in order, so
    /// the batch is the one a single worker draws.
    pub fn begin_shared_step(&mut self) -> usize {
        let rows = (self.cursor + self.config.batch_size).min(self.order.len()) - self.cursor;
        self.noise.fill_standard_normal(&mut self.eps[..rows * self.config.model.latent]);
        self.batch_rows = rows;
        self.shared_steps_begun += 1;
        rows
    }

    /// The begun shared step's number (counting from 1), or None between steps.
    pub fn begun_step(&self) -> Option<u64> {
        (self.batch_rows > 0).then_some(self.shared_steps_begun)
    }

    /// The started step's training-set indices (one per row) and noise (`latent` values per row).
    pub fn shared_batch(&self) -> (&[usize], &[f32]) {
        let rows = self.batch_rows;
        (&self.order[self.cursor..self.cursor + rows], &self.eps[..rows * self.config.model.latent])
    }

    /// The gradient of rows `start..end` of the started step's batch into the step's gradient buffer (overwriting
    /// it), scaled by 1 / the batch's rows, so that the shares' gradients sum to the batch mean's; returns the
    /// rows' (Σ recon, Σ kl).
    pub fn share_gradients(&mut self, start: usize, end: usize, clock: &mut dyn Clock) -> (f32, f32) {
        let rows = self.batch_rows;
        assert!(start < end && end <= rows, "rows {start}..{end} of a batch of {rows}");
        let (pixels, latent) = (self.config.model.image.pixels(), self.config.model.latent);
        let indices = &self.order[self.cursor + start..self.cursor + end];
        let images = &mut self.batch[..indices.len() * pixels];
        self.train.fill_batch(indices, images);
        clock.mark(Part::Batch);
        let beta = self.config.beta as f32;
        self.step.gradients(images, &self.eps[start * latent..end * latent], beta, 1.0 / rows as f32, clock)
    }

    /// The step's gradient buffer: where the other workers' shares are added to this trainer's.
    pub fn gradients_mut(&mut self) -> &mut [f32] {
        &mut self.step.buffers_mut().grads
    }

    /// Ends the started step: for the batch's summed (Σ recon, Σ kl) and summed gradient, one Adam update (a
    /// non-finite loss or gradient changes nothing and is an error), then the epoch's cursor moves on.
    pub fn finish_shared_step(&mut self, sums: (f32, f32), clock: &mut dyn Clock) -> Result<StepReport> {
        let rows = std::mem::take(&mut self.batch_rows);
        assert!(rows > 0, "a shared step finished that was not begun");
        let metrics = self.apply(sums, rows, clock)?;
        self.cursor += rows;
        let epoch_finished = self.cursor == self.order.len();
        if epoch_finished {
            self.epoch += 1;
            self.shuffle_for_epoch();
        }
        Ok(StepReport { metrics, samples: rows, step: self.step_count, epoch: self.epoch, epoch_finished })
    }

    /// One optimizer step on the images `x` (1 to batch size images of the model's size, intensities in [0, 1]).
    /// A non-finite loss or gradient changes nothing and is an error.
    pub fn train_on(&mut self, x: &[f32]) -> Result<StepMetrics> {
        let rows = self.config.model.image.count("batch", x, self.config.batch_size)?;
        self.batch_rows = 0; // a begun shared step is abandoned
        let (pixels, latent) = (self.config.model.image.pixels(), self.config.model.latent);
        let eps = &mut self.eps[..rows * latent];
        self.noise.fill_standard_normal(eps);
        self.batch[..x.len()].copy_from_slice(x);
        let sums = self.step.gradients(&self.batch[..rows * pixels], eps, self.config.beta as f32, 1.0 / rows as f32, &mut ());
        self.apply(sums, rows, &mut ())
    }

    /// Floating-point operations in the matrix products of one full-batch step.
    pub fn matmul_flops_per_step(&self) -> f64 {
        self.step.matmul_flops(self.config.batch_size)
    }

    /// Adam along the gradient in the step's buffer, for the batch's sums over its `rows` images.
    fn apply(&mut self, sums: (f32, f32), rows: usize, clock: &mut dyn Clock) -> Result<StepMetrics> {
        let next_step = self.step_count + 1;
        let (beta, lr) = (self.config.beta as f32, self.config.learning_rate as f32);
        let metrics = step::apply(self.step.as_mut(), &mut self.adam, sums, beta, rows, lr, clock).map_err(|refused| {
            let (what, value) = match refused {
                Refused::Loss(v) => ("loss", v),
                Refused::Gradient(v) => ("gradient", v),
            };
            Error::Diverged { step: next_step, what, value, learning_rate: self.config.learning_rate }
        })?;
        self.step_count = next_step;
        Ok(metrics)
    }

    /// Trains to the end of the current epoch, calling `on_step` after each step; returns the epoch's mean metrics.
    pub fn run_epoch(&mut self, mut on_step: impl FnMut(&StepReport)) -> Result<StepMetrics> {
        let mut sum = StepMetrics::default();
        let mut steps = 0u32;
        loop {
            let report = self.step()?;
            on_step(&report);
            sum.loss += report.metrics.loss;
            sum.recon += report.metrics.recon;
            sum.kl += report.metrics.kl;
            steps += 1;
            if report.epoch_finished {
                let n = steps as f32;
                return Ok(StepMetrics { loss: sum.loss / n, recon: sum.recon / n, kl: sum.kl / n });
            }
        }
    }

    /// The test set's negative ELBO.
    pub fn evaluate(&self) -> Result<Elbo> {
        evaluate(self.model(), &self.test)
    }
}

/// A model takes the data's images only if they are the size it was made for.
fn check_fits(config: &ModelConfig, data: &Dataset) -> Result<()> {
    if config.image == data.spec() {
        Ok(())
    } else {
        Err(Error::data(
            "images",
            format!(
                "are {}, but the {} model is for images of {}; choose a model for these images",
                data.spec(),
                config.architecture,
                config.image
            ),
        ))
    }
}
