//! A small digit classifier (784 → 128 ReLU → 10) trained on the training split's labels. It judges the VAE from
//! outside: which digit each manifold cell decodes to (coverage), and what a drawing looks like.

use candle_core::{Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use crate::data::{Dataset, IMAGE_PIXELS, MAX_IMAGES_PER_CALL};
use crate::error::{Error, Result};
use crate::model::Layer;
use crate::rng::SeededRng;

const HIDDEN: usize = 128;
const BATCH: usize = 64;
const LEARNING_RATE: f64 = 2e-3;
const SHUFFLE_STREAM: u64 = 7_000;
const SHIFT_STREAM: u64 = 7_001;
/// Training images are moved by up to this many pixels each way: 9,000 digits are few, and a digit drawn a little
/// off-centre is still the same digit (this takes test accuracy from about 94 % to over 95 %).
const MAX_SHIFT: i32 = 2;

/// Epochs the playground trains its classifier for (about 96 % test accuracy on the bundled digits).
pub const EPOCHS: usize = 12;

pub struct Classifier {
    hidden: Layer,
    out: Layer,
}

/// Trains a classifier one minibatch at a time, so the worker can answer messages between slices.
pub struct ClassifierTrainer {
    train: Dataset,
    vars: Vec<Var>,
    optimizer: AdamW,
    seed: u64,
    order: Vec<usize>,
    cursor: usize,
    epoch: usize,
    epochs: usize,
    shifts: SeededRng,
}

impl ClassifierTrainer {
    pub fn new(train: Dataset, epochs: usize, seed: u64) -> Result<ClassifierTrainer> {
        if train.is_empty() {
            return Err(Error::data("training set", "holds no images to train the classifier on"));
        }
        let mut rng = SeededRng::new(seed);
        let hidden = Layer::init(&mut rng, IMAGE_PIXELS, HIDDEN)?;
        let out = Layer::init(&mut rng, HIDDEN, 10)?;
        let vars: Vec<Var> =
            [&hidden.weight, &hidden.bias, &out.weight, &out.bias].into_iter().map(Var::from_tensor).collect::<candle_core::Result<_>>()?;
        let optimizer = AdamW::new(vars.clone(), ParamsAdamW { lr: LEARNING_RATE, weight_decay: 0.0, ..Default::default() })?;
        let mut trainer = ClassifierTrainer {
            train,
            vars,
            optimizer,
            seed,
            order: Vec::new(),
            cursor: 0,
            epoch: 0,
            epochs,
            shifts: SeededRng::derived(seed, SHIFT_STREAM),
        };
        trainer.shuffle();
        Ok(trainer)
    }

    fn shuffle(&mut self) {
        self.order = (0..self.train.len()).collect();
        SeededRng::derived(self.seed, SHUFFLE_STREAM + self.epoch as u64).shuffle(&mut self.order);
        self.cursor = 0;
    }

    /// Share of the training done, 0..1.
    pub fn progress(&self) -> f64 {
        (self.epoch as f64 + self.cursor as f64 / self.order.len() as f64) / self.epochs as f64
    }

    pub fn done(&self) -> bool {
        self.epoch >= self.epochs
    }

    /// One minibatch; does nothing once done.
    pub fn step(&mut self) -> Result<()> {
        if self.done() {
            return Ok(());
        }
        let end = (self.cursor + BATCH).min(self.order.len());
        let batch = &self.order[self.cursor..end];
        let x = shifted_batch(&self.train, batch, &mut self.shifts)?;
        let y: Vec<u32> = batch.iter().map(|&i| self.train.labels()[i] as u32).collect();
        let y = Tensor::from_vec(y, batch.len(), &Device::Cpu)?;
        let loss = candle_nn::loss::cross_entropy(&self.classifier().logits(&x)?, &y)?;
        self.optimizer.backward_step(&loss)?;
        self.cursor = end;
        if self.cursor == self.order.len() {
            self.epoch += 1;
            self.shuffle();
        }
        Ok(())
    }

    /// The classifier as trained so far.
    pub fn classifier(&self) -> Classifier {
        let t = |i: usize| self.vars[i].as_tensor().clone();
        Classifier { hidden: Layer { weight: t(0), bias: t(1) }, out: Layer { weight: t(2), bias: t(3) } }
    }
}

impl Classifier {
    /// Trains for `epochs` epochs on `train` (images and their labels), from `seed`.
    pub fn train(train: &Dataset, epochs: usize, seed: u64) -> Result<Classifier> {
        let mut trainer = ClassifierTrainer::new(train.clone(), epochs, seed)?;
        while !trainer.done() {
            trainer.step()?;
        }
        Ok(trainer.classifier())
    }

    fn logits(&self, x: &Tensor) -> Result<Tensor> {
        self.out.forward(&self.hidden.forward(x)?.relu()?)
    }

    /// Class probabilities, 10 per image, for images given as 784 intensities each.
    pub fn probabilities(&self, pixels: &[f32]) -> Result<Vec<f32>> {
        let images = crate::data::image_count("classifier input", pixels, MAX_IMAGES_PER_CALL)?;
        let x = Tensor::from_slice(pixels, (images, IMAGE_PIXELS), &Device::Cpu)?;
        Ok(candle_nn::ops::softmax(&self.logits(&x)?.detach(), D::Minus1)?.flatten_all()?.to_vec1()?)
    }

    /// The share of `data` whose most likely digit is its label.
    pub fn accuracy(&self, data: &Dataset) -> Result<f32> {
        let probabilities = self.probabilities(&data.all()?.flatten_all()?.to_vec1()?)?;
        let correct = probabilities.chunks(10).zip(data.labels()).filter(|(p, &label)| most_likely(p) == label as usize).count();
        Ok(correct as f32 / data.len() as f32)
    }
}

/// The index of the largest value.
pub fn most_likely(probabilities: &[f32]) -> usize {
    probabilities.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i)
}

/// The images at `indices`, each moved by a random whole-pixel shift (the gap filled with background), as [n, 784].
fn shifted_batch(data: &Dataset, indices: &[usize], rng: &mut SeededRng) -> Result<Tensor> {
    let side = crate::data::IMAGE_SIDE as i32;
    let mut pixels = vec![0f32; indices.len() * IMAGE_PIXELS];
    for (n, &index) in indices.iter().enumerate() {
        let (dx, dy) = (rng.below(2 * MAX_SHIFT as usize + 1) as i32 - MAX_SHIFT, rng.below(2 * MAX_SHIFT as usize + 1) as i32 - MAX_SHIFT);
        let image = data.image(index);
        let out = &mut pixels[n * IMAGE_PIXELS..(n + 1) * IMAGE_PIXELS];
        for y in 0..side {
            for x in 0..side {
                let (sx, sy) = (x - dx, y - dy);
                if (0..side).contains(&sx) && (0..side).contains(&sy) {
                    out[(y * side + x) as usize] = image[(sy * side + sx) as usize] as f32 / 255.0;
                }
            }
        }
    }
    Ok(Tensor::from_vec(pixels, (indices.len(), IMAGE_PIXELS), &Device::Cpu)?)
}
