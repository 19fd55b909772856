//! A small classifier (P → 128 ReLU → one output per class) trained on the training split's labels. It judges the
//! VAE from outside: which class each manifold cell decodes to (coverage), and what a drawing looks like.

use candle_core::{Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use crate::data::{Dataset, ImageSpec, MAX_IMAGES_PER_CALL, UNLABELLED};
use crate::error::{Error, Result};
use crate::oracle::mlp::Layer;
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
    image: ImageSpec,
    hidden: Layer,
    out: Layer,
}

/// Trains a classifier one minibatch at a time, so the worker can answer messages between slices.
pub struct ClassifierTrainer {
    /// The labelled images of the training split.
    train: Dataset,
    labels: Vec<u8>,
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
        let Some(labels) = train.labels() else {
            return Err(Error::data("training set", "has no labels: a classifier learns from labelled images"));
        };
        // Own images mixed into a labelled set without a label of their own take no part.
        let labelled: Vec<usize> = (0..train.len()).filter(|&i| labels[i] != UNLABELLED).collect();
        let labels: Vec<u8> = labelled.iter().map(|&i| labels[i]).collect();
        let images: Vec<u8> = labelled.iter().flat_map(|&i| train.image(i).iter().copied()).collect();
        let classes = train.class_count();
        let train = Dataset::new("training set", train.spec(), images, None, None)?;
        let mut rng = SeededRng::new(seed);
        let hidden = Layer::init(&mut rng, train.spec().pixels(), HIDDEN)?;
        let out = Layer::init(&mut rng, HIDDEN, classes)?;
        let vars: Vec<Var> =
            [&hidden.weight, &hidden.bias, &out.weight, &out.bias].into_iter().map(Var::from_tensor).collect::<candle_core::Result<_>>()?;
        let optimizer = AdamW::new(vars.clone(), ParamsAdamW { lr: LEARNING_RATE, weight_decay: 0.0, ..Default::default() })?;
        let mut trainer = ClassifierTrainer {
            train,
            labels,
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
        let y: Vec<u32> = batch.iter().map(|&i| self.labels[i] as u32).collect();
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
        Classifier { image: self.train.spec(), hidden: Layer { weight: t(0), bias: t(1) }, out: Layer { weight: t(2), bias: t(3) } }
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

    /// Class probabilities, one per class for each image, for images given as intensities.
    pub fn probabilities(&self, pixels: &[f32]) -> Result<Vec<f32>> {
        let images = self.image.count("classifier input", pixels, MAX_IMAGES_PER_CALL)?;
        let x = Tensor::from_slice(pixels, (images, self.image.pixels()), &Device::Cpu)?;
        Ok(candle_nn::ops::softmax(&self.logits(&x)?.detach(), D::Minus1)?.flatten_all()?.to_vec1()?)
    }

    /// The share of `data`'s labelled images whose most likely class is their label.
    pub fn accuracy(&self, data: &Dataset) -> Result<f32> {
        let Some(labels) = data.labels() else {
            return Err(Error::data("test set", "has no labels to measure accuracy against"));
        };
        let classes = self.out.bias.dim(0)?;
        let probabilities = self.probabilities(&data.all_pixels())?;
        let labelled = labels.iter().filter(|&&l| l != UNLABELLED).count();
        let correct = probabilities.chunks(classes).zip(labels).filter(|(p, &label)| most_likely(p) == label as usize).count();
        Ok(correct as f32 / labelled.max(1) as f32)
    }
}

/// The index of the largest value.
pub fn most_likely(probabilities: &[f32]) -> usize {
    probabilities.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i)
}

/// The images at `indices`, each moved by a random whole-pixel shift (the gap filled with background), as [n, P].
fn shifted_batch(data: &Dataset, indices: &[usize], rng: &mut SeededRng) -> Result<Tensor> {
    let spec = data.spec();
    let (width, height, channels) = (spec.width as i32, spec.height as i32, spec.channels);
    let pixels_per_image = spec.pixels();
    let mut pixels = vec![0f32; indices.len() * pixels_per_image];
    for (n, &index) in indices.iter().enumerate() {
        let (dx, dy) = (rng.below(2 * MAX_SHIFT as usize + 1) as i32 - MAX_SHIFT, rng.below(2 * MAX_SHIFT as usize + 1) as i32 - MAX_SHIFT);
        let image = data.image(index);
        let out = &mut pixels[n * pixels_per_image..(n + 1) * pixels_per_image];
        for y in 0..height {
            for x in 0..width {
                let (sx, sy) = (x - dx, y - dy);
                if (0..width).contains(&sx) && (0..height).contains(&sy) {
                    for c in 0..channels {
                        let (to, from) = ((y * width + x) as usize * channels + c, (sy * width + sx) as usize * channels + c);
                        out[to] = image[from] as f32 / 255.0;
                    }
                }
            }
        }
    }
    Ok(Tensor::from_vec(pixels, (indices.len(), pixels_per_image), &Device::Cpu)?)
}
