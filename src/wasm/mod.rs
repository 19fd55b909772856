//! The thin wasm-bindgen layer: handles over the trainer and the decoder, numbers and bytes in and out.
//! Every error becomes a JS `Error` carrying the crate's own message (`?` converts: `JsError: From<E: Error>`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::classifier::{self, ClassifierTrainer};
use crate::data::{Dataset, IMAGE_PIXELS};
#[cfg(feature = "bench")]
use crate::fused::{Clock, Part};
use crate::generate::{self, GridPlane};
use crate::model::{Decoder, Vae, VaeConfig, MAX_HIDDEN, MAX_LATENT};
use crate::pca::Pca;
use crate::train::{encode_means, TrainConfig, Trainer, MAX_BATCH_SIZE};
use crate::weights;
use crate::{drawing, recover};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The settings object the element, the worker and the benchmark all pass (`TrainSettings` in www/protocol.ts).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    hidden_units: usize,
    latent_dim: usize,
    beta: f64,
    learning_rate: f64,
    batch_size: usize,
    seed: u64,
}

impl Settings {
    fn from_js(value: JsValue) -> Result<TrainConfig, JsError> {
        let s: Settings =
            serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("settings object not understood: {e}")))?;
        let config = TrainConfig {
            model: VaeConfig { hidden: s.hidden_units, latent: s.latent_dim, beta: s.beta },
            learning_rate: s.learning_rate,
            batch_size: s.batch_size,
            seed: s.seed,
        };
        config.validate()?;
        Ok(config)
    }
}

/// The range a numeric setting accepts, for the inputs' bounds; the checks themselves stay in `validate`.
#[derive(Serialize)]
struct Range {
    min: f64,
    max: Option<f64>,
    /// Whether `min` itself is refused (a learning rate must be above 0).
    #[serde(rename = "minExclusive")]
    min_exclusive: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SettingLimits {
    hidden_units: Range,
    latent_dim: Range,
    beta: Range,
    learning_rate: Range,
    batch_size: Range,
}

/// The ranges `validateSettings` enforces, so the page's inputs show the same bounds the core checks.
#[wasm_bindgen(js_name = settingLimits)]
pub fn setting_limits() -> Result<JsValue, JsError> {
    let whole = |max: usize| Range { min: 1.0, max: Some(max as f64), min_exclusive: false };
    let limits = SettingLimits {
        hidden_units: whole(MAX_HIDDEN),
        latent_dim: whole(MAX_LATENT),
        beta: Range { min: 0.0, max: None, min_exclusive: false },
        learning_rate: Range { min: 0.0, max: Some(1.0), min_exclusive: true },
        batch_size: whole(MAX_BATCH_SIZE),
    };
    Ok(serde_wasm_bindgen::to_value(&limits)?)
}

/// Whether gemm will use its wasm simd128 matmul kernel: the flag its dispatch reads on the first matmul.
#[wasm_bindgen(js_name = simdKernelEnabled)]
pub fn simd_kernel_enabled() -> bool {
    gemm::get_wasm_simd128()
}

/// Choose gemm's wasm kernel. gemm fixes its choice at the first matmul, so this only takes effect before one;
/// the benchmark uses it in a fresh worker to measure the scalar kernel for comparison.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = setSimdKernel)]
pub fn set_simd_kernel(enable: bool) {
    gemm::set_wasm_simd128(enable);
}

/// The metadata of a .safetensors file as an object of strings (empty if it has none); an unreadable file is an error.
#[wasm_bindgen(js_name = weightsMetadata)]
pub fn weights_metadata(bytes: &[u8]) -> Result<JsValue, JsError> {
    let metadata = weights::metadata(bytes)?;
    let object = js_sys::Object::new();
    for (key, value) in metadata {
        js_sys::Reflect::set(&object, &key.into(), &value.into()).map_err(|_| JsError::new("metadata could not be read"))?;
    }
    Ok(object.into())
}

/// A profile's clock: charges the time since the last mark to the part that just ended.
#[cfg(feature = "bench")]
struct JsClock<'a> {
    now: &'a js_sys::Function,
    last: f64,
    totals: [f64; Part::ALL.len()],
}

#[cfg(feature = "bench")]
impl JsClock<'_> {
    fn read(&self) -> f64 {
        self.now.call0(&JsValue::UNDEFINED).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
    }
}

#[cfg(feature = "bench")]
impl Clock for JsClock<'_> {
    fn mark(&mut self, part: Part) {
        let now = self.read();
        self.totals[part as usize] += now - self.last; // `Part::ALL` lists the parts in declaration order
        self.last = now;
    }
}

/// The peak of f32x4 multiply-add on this machine, for the benchmark's "share of peak": `iterations` rounds of 12
/// independent multiply-adds on registers only (one fused instruction each in the relaxed-SIMD build, a multiply
/// then an add in the simd128 one). Returns the floating-point operations done; the caller times the call.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = fmaPeakLoop)]
pub fn fma_peak_loop(iterations: u32) -> f64 {
    crate::matmul::peak_loop(iterations)
}

/// Whether this build's kernels use relaxed SIMD's fused multiply-add.
#[wasm_bindgen(js_name = relaxedSimd)]
pub fn relaxed_simd() -> bool {
    cfg!(target_feature = "relaxed-simd")
}

/// Heap allocations made by this wasm instance so far (see `alloc_count`): the benchmark shows a step makes none.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = allocationCount)]
pub fn allocation_count() -> f64 {
    crate::alloc_count::allocations() as f64
}

/// Checks a settings object without building anything; the error names the first setting out of range.
#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(settings: JsValue) -> Result<(), JsError> {
    Settings::from_js(settings).map(|_| ())
}

/// What one training step did. The caller keeps one and passes it to every `step`: no allocation per step.
#[wasm_bindgen]
#[derive(Clone, Copy, Default)]
pub struct StepResult {
    pub loss: f32,
    pub recon: f32,
    pub kl: f32,
    pub samples: u32,
    pub step: f64,
    pub epoch: f64,
    #[wasm_bindgen(js_name = epochFinished)]
    pub epoch_finished: bool,
}

#[wasm_bindgen]
impl StepResult {
    #[wasm_bindgen(constructor)]
    pub fn new() -> StepResult {
        StepResult::default()
    }
}

#[wasm_bindgen]
#[derive(Clone, Copy)]
pub struct ElboResult {
    #[wasm_bindgen(js_name = negElbo)]
    pub neg_elbo: f32,
    pub recon: f32,
    pub kl: f32,
}

/// The digits, read and checked once: a reset builds a new trainer on them without reading the files again.
#[wasm_bindgen]
pub struct DataHandle {
    data: Dataset,
}

#[wasm_bindgen]
impl DataHandle {
    /// Two gzip'd IDX files; the names are only used in error messages.
    #[wasm_bindgen(constructor)]
    pub fn new(images_name: &str, images_gz: &[u8], labels_name: &str, labels_gz: &[u8]) -> Result<DataHandle, JsError> {
        Ok(DataHandle { data: Dataset::from_idx_gz(images_name, images_gz, labels_name, labels_gz)? })
    }

    /// Images read. (No `is_empty`: the reader refuses a file without images, so a handle never is.)
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.data.len()
    }
}

#[wasm_bindgen]
pub struct TrainerHandle {
    trainer: Trainer,
    /// The mean training digit, computed on first use.
    mean_image: Option<Vec<f32>>,
}

#[wasm_bindgen]
impl TrainerHandle {
    /// A fresh model on the digits in two gzip'd IDX files (last images = test set), with a settings object
    /// (`TrainSettings`: hiddenUnits, latentDim, beta, learningRate, batchSize, seed).
    #[wasm_bindgen(constructor)]
    pub fn new(data: &DataHandle, settings: JsValue) -> Result<TrainerHandle, JsError> {
        Ok(TrainerHandle { trainer: Trainer::new(Settings::from_js(settings)?, &data.data)?, mean_image: None })
    }

    /// One training step; what it did goes into `into` (kept by the caller, so a step allocates nothing).
    pub fn step(&mut self, into: &mut StepResult) -> Result<(), JsError> {
        let report = self.trainer.step()?;
        *into = StepResult {
            loss: report.metrics.loss,
            recon: report.metrics.recon,
            kl: report.metrics.kl,
            samples: report.samples as u32,
            step: report.step as f64,
            epoch: report.epoch as f64,
            epoch_finished: report.epoch_finished,
        };
        Ok(())
    }

    /// Floating-point operations in the matrix products of one full-batch step (for GFLOP/s).
    #[wasm_bindgen(js_name = matmulFlopsPerStep)]
    pub fn matmul_flops_per_step(&self) -> f64 {
        self.trainer.matmul_flops_per_step()
    }

    /// Runs `steps` training steps and returns the milliseconds spent in each part of them (an object keyed by
    /// part: batch_and_noise, matmul_forward, matmul_backward, elementwise, loss, adam), timed with `now`
    /// (`performance.now`, passed in so the core needs no browser API).
    #[cfg(feature = "bench")]
    #[wasm_bindgen(js_name = profileSteps)]
    pub fn profile_steps(&mut self, steps: u32, now: &js_sys::Function) -> Result<JsValue, JsError> {
        let mut clock = JsClock { now, last: 0.0, totals: [0.0; Part::ALL.len()] };
        for _ in 0..steps {
            clock.last = clock.read();
            self.trainer.step_timed(&mut clock)?;
        }
        let object = js_sys::Object::new();
        for (part, ms) in Part::ALL.iter().zip(clock.totals) {
            js_sys::Reflect::set(&object, &part.name().into(), &ms.into()).map_err(|_| JsError::new("profile could not be written"))?;
        }
        Ok(object.into())
    }

    pub fn evaluate(&self) -> Result<ElboResult, JsError> {
        let elbo = self.trainer.evaluate()?;
        Ok(ElboResult { neg_elbo: elbo.neg_elbo, recon: elbo.recon, kl: elbo.kl })
    }

    /// μ(x) of every test image, row-major [test size × latent].
    #[wasm_bindgen(js_name = testLatents)]
    pub fn test_latents(&self) -> Result<Vec<f32>, JsError> {
        Ok(encode_means(self.trainer.vae(), self.trainer.test_set())?)
    }

    #[wasm_bindgen(js_name = testLabels)]
    pub fn test_labels(&self) -> Vec<u8> {
        self.trainer.test_set().labels().to_vec()
    }

    /// μ(x) of images given as intensities in [0, 1], 784 per image.
    pub fn encode(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.trainer.vae().encode_pixels(pixels)?)
    }

    /// The decoder's parameters as one flat vector, for a `DecoderHandle` elsewhere.
    #[wasm_bindgen(js_name = decoderSnapshot)]
    pub fn decoder_snapshot(&self) -> Result<Vec<f32>, JsError> {
        Ok(self.trainer.vae().decoder().to_flat()?)
    }

    /// The model as a .safetensors file; `metadata` (an object of strings) is added to the file's metadata.
    #[wasm_bindgen(js_name = exportWeights)]
    pub fn export_weights(&self, metadata: JsValue) -> Result<Vec<u8>, JsError> {
        let extra: BTreeMap<String, String> = if metadata.is_undefined() || metadata.is_null() {
            BTreeMap::new()
        } else {
            serde_wasm_bindgen::from_value(metadata).map_err(|e| JsError::new(&format!("metadata must be an object of strings: {e}")))?
        };
        Ok(weights::to_safetensors_with(self.trainer.vae(), &extra)?)
    }

    /// Epochs trained (counting those of a resumed model).
    pub fn epoch(&self) -> f64 {
        self.trainer.epoch() as f64
    }

    #[wasm_bindgen(js_name = stepCount)]
    pub fn step_count(&self) -> f64 {
        self.trainer.step_count() as f64
    }

    /// Counts `epoch` epochs as trained (a loaded model's own count): progress and shuffling continue from there.
    #[wasm_bindgen(js_name = resumeAtEpoch)]
    pub fn resume_at_epoch(&mut self, epoch: u32) {
        self.trainer.resume_at_epoch(u64::from(epoch));
    }

    /// Continue from the weights in a .safetensors file. A bad file is an error and changes nothing.
    #[wasm_bindgen(js_name = loadWeights)]
    pub fn load_weights(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let vae = weights::from_safetensors(bytes)?;
        Ok(self.trainer.replace_model(vae)?)
    }

    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<(), JsError> {
        Ok(self.trainer.set_learning_rate(lr)?)
    }

    #[wasm_bindgen(js_name = setBeta)]
    pub fn set_beta(&mut self, beta: f64) -> Result<(), JsError> {
        Ok(self.trainer.set_beta(beta)?)
    }

    pub fn hidden(&self) -> usize {
        self.trainer.vae().config().hidden
    }

    pub fn latent(&self) -> usize {
        self.trainer.vae().config().latent
    }

    #[wasm_bindgen(js_name = trainSize)]
    pub fn train_size(&self) -> usize {
        self.trainer.train_set().len()
    }

    #[wasm_bindgen(js_name = testSize)]
    pub fn test_size(&self) -> usize {
        self.trainer.test_set().len()
    }

    #[wasm_bindgen(js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> usize {
        self.trainer.steps_per_epoch()
    }

    #[wasm_bindgen(js_name = epochProgress)]
    pub fn epoch_progress(&self) -> f64 {
        self.trainer.epoch_progress()
    }
}

/// Only the decoder: what the page holds to draw digits at display rate while the worker trains.
#[wasm_bindgen]
pub struct DecoderHandle {
    decoder: Decoder,
}

#[wasm_bindgen]
impl DecoderHandle {
    /// From a flat snapshot (see `TrainerHandle.decoderSnapshot`).
    #[wasm_bindgen(constructor)]
    pub fn new(hidden: usize, latent: usize, flat: &[f32]) -> Result<DecoderHandle, JsError> {
        Ok(DecoderHandle { decoder: Decoder::from_flat(hidden, latent, flat)? })
    }

    /// The decoder a `TrainerHandle` with the same settings and seed starts from, before any data has arrived.
    pub fn initial(hidden: usize, latent: usize, seed: u64) -> Result<DecoderHandle, JsError> {
        let vae = Vae::new(VaeConfig { hidden, latent, beta: 1.0 }, seed)?;
        Ok(DecoderHandle { decoder: vae.decoder_snapshot()? })
    }

    /// The decoder of a .safetensors file.
    #[wasm_bindgen(js_name = fromSafetensors)]
    pub fn from_safetensors(bytes: &[u8]) -> Result<DecoderHandle, JsError> {
        let vae = weights::from_safetensors(bytes)?;
        Ok(DecoderHandle { decoder: vae.decoder_snapshot()? })
    }

    /// 784 intensities in [0, 1] for the latent point z.
    pub fn decode(&self, z: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.decoder.decode_point(z)?)
    }

    pub fn hidden(&self) -> usize {
        self.decoder.hidden()
    }

    pub fn latent(&self) -> usize {
        self.decoder.latent()
    }
}

#[wasm_bindgen]
impl TrainerHandle {
    /// The manifold: n × n digits (n·n·784 intensities, cells row by row from the top-left) over the Gaussian
    /// quantiles of latent dimensions `x` (across) and `y` (up), the others at `base`'s values.
    pub fn manifold(&self, n: usize, x: usize, y: usize, base: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(generate::manifold(self.trainer.vae().decoder(), n, &GridPlane { x, y, base: base.to_vec() })?)
    }

    /// Latent points (`latent` values each, flat) decoded: 784 intensities each.
    #[wasm_bindgen(js_name = decodeMany)]
    pub fn decode_many(&self, z: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(generate::decode_many(self.trainer.vae().decoder(), z)?)
    }

    /// n digits decoded from z ~ N(0, I) drawn from `seed`: n·784 intensities.
    pub fn samples(&self, n: usize, seed: u64) -> Result<Vec<f32>, JsError> {
        Ok(generate::samples(self.trainer.vae().decoder(), n, seed)?.1)
    }

    /// `iterations` steps of recovery (784 values each, flat): `mask` is 1 where a pixel is missing. Missing pixels
    /// start from the mean training digit, or (`from_given`, for noise) from the damaged pixels themselves.
    pub fn recover(&mut self, pixels: &[f32], mask: &[f32], iterations: usize, from_given: bool) -> Result<Vec<f32>, JsError> {
        let mean = self.mean_image.get_or_insert_with(|| self.trainer.train_set().mean_image());
        let start = if from_given { pixels } else { mean.as_slice() };
        Ok(recover::recover(self.trainer.vae(), pixels, mask, start, iterations)?)
    }

    /// Test digits at `indices` (784 intensities each, flat).
    #[wasm_bindgen(js_name = testDigits)]
    pub fn test_digits(&self, indices: &[u32]) -> Result<Vec<f32>, JsError> {
        let indices: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
        Ok(self.trainer.test_set().pixels(&indices)?)
    }

    /// For each image (784 intensities each): the nearest training image's pixels, then all the distances at the end.
    #[wasm_bindgen(js_name = nearestTraining)]
    pub fn nearest_training(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.trainer.train_set().nearest_each(pixels)?)
    }

    /// The mean training digit: what recovery starts from, and its baseline.
    #[wasm_bindgen(js_name = meanImage)]
    pub fn mean_image(&mut self) -> Vec<f32> {
        self.mean_image.get_or_insert_with(|| self.trainer.train_set().mean_image()).clone()
    }
}

/// The digit classifier, trained a minibatch at a time on the training split's labels.
#[wasm_bindgen]
pub struct ClassifierHandle {
    trainer: ClassifierTrainer,
    test: Dataset,
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

    /// Ten probabilities per image (784 intensities each).
    pub fn probabilities(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.trainer.classifier().probabilities(pixels)?)
    }
}

/// The z of each cell of `TrainerHandle.manifold`'s grid, `base.length` values per cell, in the same order.
#[wasm_bindgen(js_name = gridPoints)]
pub fn grid_points(n: usize, x: usize, y: usize, base: &[f32]) -> Result<Vec<f32>, JsError> {
    Ok(generate::grid_points(n, &GridPlane { x, y, base: base.to_vec() })?)
}

/// A drawing (`width` × `height` intensities in [0, 1], white ink on black) made into a 28 × 28 MNIST-style digit.
#[wasm_bindgen(js_name = prepareDrawing)]
pub fn prepare_drawing(pixels: &[f32], width: usize, height: usize) -> Result<Vec<f32>, JsError> {
    Ok(drawing::prepare(pixels, width, height)?)
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
        let rows = train.pixels(&(0..train.len()).collect::<Vec<_>>())?;
        Ok(PcaHandle { pca: Pca::fit(&rows, IMAGE_PIXELS, components)? })
    }

    pub fn components(&self) -> usize {
        self.pca.components()
    }

    /// The share of the training images' variance the components hold together.
    pub fn explained(&self) -> f32 {
        self.pca.explained().iter().sum()
    }

    /// Images (784 each) → their reconstructions from `components` numbers each, clamped to [0, 1].
    pub fn reconstruct(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.pca.decode(&self.pca.encode(pixels)?).into_iter().map(|v| v.clamp(0.0, 1.0)).collect())
    }
}

/// PCA of latent codes for the 2-D panel: see `pca::project_latents` (the packed layout, dim from 2 to 64).
#[wasm_bindgen(js_name = projectLatents)]
pub fn project_latents(rows: &[f32], dim: usize) -> Result<Vec<f32>, JsError> {
    Ok(crate::pca::project_latents(rows, dim)?)
}
