//! Training and evaluation: the same `Trainer` runs in the native CLI and in the browser's worker.

use std::cell::Cell;

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, IMAGE_PIXELS};
use crate::error::{Error, Result};
use crate::fused::{Clock, FusedStep, Part, Refused};
use crate::model::{Forward, Vae, VaeConfig};
use crate::rng::SeededRng;

/// Samples of z per test image when estimating the ELBO, and their fixed seed (so two evaluations of the same
/// weights agree exactly).
pub const EVAL_Z_SAMPLES: usize = 10;
const EVAL_SEED: u64 = 0xE1B0;
const NOISE_STREAM: u64 = 1;
const SHUFFLE_STREAM: u64 = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub model: VaeConfig,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { model: VaeConfig::default(), learning_rate: 1e-3, batch_size: 128, seed: 0 }
    }
}

pub const MAX_BATCH_SIZE: usize = 4096;

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        validate_learning_rate(self.learning_rate)?;
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return Err(Error::setting("batch size", self.batch_size, "a whole number from 1 to 4096"));
        }
        Ok(())
    }
}

fn validate_learning_rate(lr: f64) -> Result<()> {
    if lr.is_finite() && lr > 0.0 && lr <= 1.0 {
        Ok(())
    } else {
        Err(Error::setting("learning rate", lr, "a number above 0 and at most 1 (1e-3 is a good start)"))
    }
}

/// Mean per-image loss terms of one minibatch, in nats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepMetrics {
    /// recon + β·kl
    pub loss: f32,
    pub recon: f32,
    pub kl: f32,
}

/// The test negative ELBO per image (β = 1 whatever β training used), with its two terms, in nats.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Elbo {
    pub neg_elbo: f32,
    pub recon: f32,
    pub kl: f32,
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
    /// The model everything outside training reads; behind the fused step's parameters while `stale`.
    vae: Vae,
    /// Forward, backward and Adam over flat buffers (see `fused`): the training step itself.
    fused: FusedStep,
    stale: Cell<bool>,
    /// The minibatch's pixels and noise, reused every step.
    batch: Vec<f32>,
    eps: Vec<f32>,
    train: Dataset,
    test: Dataset,
    order: Vec<usize>,
    cursor: usize,
    epoch: u64,
    step: u64,
    noise: SeededRng,
}

impl Trainer {
    /// A fresh model on `data`, split by the contract (last images = test set).
    pub fn new(config: TrainConfig, data: &Dataset) -> Result<Self> {
        let (train, test) = data.split();
        Self::with_split(config, train, test)
    }

    pub fn with_split(config: TrainConfig, train: Dataset, test: Dataset) -> Result<Self> {
        config.validate()?;
        if train.is_empty() {
            return Err(Error::data("training set", "holds no images"));
        }
        let vae = Vae::new(config.model, config.seed)?;
        let mut trainer = Trainer {
            config,
            fused: FusedStep::new(&vae, config.batch_size)?,
            vae,
            stale: Cell::new(false),
            batch: vec![0.0; config.batch_size * IMAGE_PIXELS],
            eps: vec![0.0; config.batch_size * config.model.latent],
            train,
            test,
            order: Vec::new(),
            cursor: 0,
            epoch: 0,
            step: 0,
            noise: SeededRng::derived(config.seed, NOISE_STREAM),
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

    /// The model as trained so far (brought up to date from the fused step's parameters if steps were taken).
    pub fn vae(&self) -> &Vae {
        if self.stale.replace(false) {
            self.fused.write_into(&self.vae).expect("the fused step's parameters are the model's, tensor for tensor");
        }
        &self.vae
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
        self.step
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
        VaeConfig { beta, ..self.config.model }.validate()?;
        self.config.model.beta = beta;
        self.vae.set_beta(beta);
        self.fused.set_beta(beta);
        Ok(())
    }

    /// Continue training from other weights (e.g. a loaded file); the optimizer starts afresh.
    pub fn replace_model(&mut self, mut vae: Vae) -> Result<()> {
        vae.set_beta(self.config.model.beta);
        self.fused = FusedStep::new(&vae, self.config.batch_size)?;
        self.config.model = vae.config();
        self.eps = vec![0.0; self.config.batch_size * self.config.model.latent];
        self.vae = vae;
        self.stale.set(false);
        Ok(())
    }

    /// Counts `epoch` epochs as done (a model trained elsewhere for that long, or kept from an earlier visit): the
    /// next step starts epoch `epoch + 1` with that epoch's shuffle, as an unbroken run would.
    pub fn resume_at_epoch(&mut self, epoch: u64) {
        self.epoch = epoch;
        self.step = epoch * self.steps_per_epoch() as u64;
        self.shuffle_for_epoch();
    }

    /// One optimizer step on the next minibatch of the shuffled epoch.
    pub fn step(&mut self) -> Result<StepReport> {
        self.step_timed(&mut ())
    }

    /// `step`, telling `clock` as each part of it ends (the benchmark's per-part profile).
    pub fn step_timed(&mut self, clock: &mut impl Clock) -> Result<StepReport> {
        let end = (self.cursor + self.config.batch_size).min(self.order.len());
        self.train.fill_batch(&self.order[self.cursor..end], &mut self.batch);
        let metrics = self.train_rows(end - self.cursor, clock)?;
        let samples = end - self.cursor;
        self.cursor = end;
        let epoch_finished = self.cursor == self.order.len();
        if epoch_finished {
            self.epoch += 1;
            self.shuffle_for_epoch();
        }
        Ok(StepReport { metrics, samples, step: self.step, epoch: self.epoch, epoch_finished })
    }

    /// One optimizer step on the batch x [N, 784] (N ≤ the batch size). A non-finite loss or gradient changes
    /// nothing and is an error.
    pub fn train_on(&mut self, x: &Tensor) -> Result<StepMetrics> {
        let rows = x.dim(0)?;
        if rows == 0 || rows > self.config.batch_size || x.dim(1)? != IMAGE_PIXELS {
            return Err(Error::setting("batch", format!("{:?}", x.dims()), "[1 to batch size, 784] images"));
        }
        self.batch[..rows * IMAGE_PIXELS].copy_from_slice(&x.flatten_all()?.to_vec1::<f32>()?);
        self.train_rows(rows, &mut ())
    }

    /// Floating-point operations in the matrix products of one full-batch step.
    pub fn matmul_flops_per_step(&self) -> f64 {
        self.fused.matmul_flops(self.config.batch_size)
    }

    /// One optimizer step on the first `rows` images of the batch buffer.
    fn train_rows(&mut self, rows: usize, clock: &mut impl Clock) -> Result<StepMetrics> {
        let eps = &mut self.eps[..rows * self.config.model.latent];
        self.noise.fill_standard_normal(eps);
        clock.mark(Part::Batch);
        let next_step = self.step + 1;
        let metrics = self.fused.step(&self.batch[..rows * IMAGE_PIXELS], eps, self.config.learning_rate, clock).map_err(|refused| {
            let (what, value) = match refused {
                Refused::Loss(v) => ("loss", v),
                Refused::Gradient(v) => ("gradient", v),
            };
            Error::Diverged { step: next_step, what, value, learning_rate: self.config.learning_rate }
        })?;
        self.stale.set(true);
        self.step = next_step;
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
        evaluate(self.vae(), &self.test)
    }
}

/// Negative ELBO per image on `data`, estimated with `EVAL_Z_SAMPLES` draws of z per image from a fixed seed.
/// The KL term is exact (closed form); the reconstruction term is the Monte-Carlo part.
pub fn evaluate(vae: &Vae, data: &Dataset) -> Result<Elbo> {
    if data.is_empty() {
        return Err(Error::data("test set", "holds no images to evaluate on; use a data set of at least 2 images"));
    }
    // All draws of a chunk go through the model at once: CHUNK · EVAL_Z_SAMPLES rows, so a small chunk keeps the
    // peak memory low (the wasm heap never shrinks back).
    const CHUNK: usize = 100;
    let mut noise = SeededRng::new(EVAL_SEED);
    let (mut recon_sum, mut kl_sum) = (0f64, 0f64);
    let latent = vae.config().latent;
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(CHUNK) {
        let x = data.batch(chunk)?;
        // All draws at once: draw s of image i is row s·N + i, the order the draws were made in one at a time.
        let rows = EVAL_Z_SAMPLES * chunk.len();
        let eps = Tensor::from_vec(noise.standard_normal(rows * latent), (rows, latent), &Device::Cpu)?;
        let Forward { mu, logvar, logits } = vae.forward(&x, &eps)?;
        let kl = crate::loss::kl_to_standard_normal_per_image(&mu, &logvar)?.sum_all()?.to_scalar::<f32>()?;
        kl_sum += kl as f64;
        let targets = x.repeat((EVAL_Z_SAMPLES, 1))?;
        let recon = crate::loss::bce_with_logits_per_image(&logits, &targets)?.sum_all()?.to_scalar::<f32>()?;
        recon_sum += recon as f64 / EVAL_Z_SAMPLES as f64;
    }
    let n = data.len() as f64;
    let (recon, kl) = ((recon_sum / n) as f32, (kl_sum / n) as f32);
    Ok(Elbo { neg_elbo: recon + kl, recon, kl })
}

/// μ of q(z|x) for every image of `data`, row-major [N × L]: where each digit sits in latent space.
pub fn encode_means(vae: &Vae, data: &Dataset) -> Result<Vec<f32>> {
    vae.encode_means(&data.all()?)
}
