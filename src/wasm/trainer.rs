//! The trainer: a `TrainerHandle` over `Trainer` (one settings object in; steps, evaluation, latents, the decoder's
//! self-describing snapshot, weights in and out), and what a weights file says about itself.

use std::collections::BTreeMap;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::model::{Architecture, ModelConfig};
use crate::train::{StepReport, Trainer};
use crate::weights;

use super::data::DataHandle;
use super::settings::Settings;

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

impl StepResult {
    pub(super) fn of(report: &StepReport) -> StepResult {
        StepResult {
            loss: report.metrics.loss,
            recon: report.metrics.recon,
            kl: report.metrics.kl,
            samples: report.samples as u32,
            step: report.step as f64,
            epoch: report.epoch as f64,
            epoch_finished: report.epoch_finished,
        }
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

/// What describes a model's structure to the page: `decoderDescriptor`, `weightsInfo`, and what
/// `DecoderHandle.fromSnapshot` takes back.
#[derive(Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Descriptor {
    pub architecture: Architecture,
    /// The MLP's hidden units; 0 for a structure without them.
    pub hidden: usize,
    pub latent: usize,
    pub width: usize,
    pub height: usize,
    #[serde(default = "one")]
    pub channels: usize,
}

fn one() -> usize {
    1
}

impl Descriptor {
    pub(super) fn of(config: ModelConfig) -> Descriptor {
        let image = config.image;
        Descriptor {
            architecture: config.architecture,
            hidden: config.hidden,
            latent: config.latent,
            width: image.width,
            height: image.height,
            channels: image.channels,
        }
    }

    pub(super) fn config(&self) -> ModelConfig {
        let image = crate::data::ImageSpec { width: self.width, height: self.height, channels: self.channels };
        ModelConfig::of(self.architecture, self.hidden, self.latent, image)
    }

    pub(super) fn to_js(&self) -> Result<JsValue, JsError> {
        Ok(serde_wasm_bindgen::to_value(self)?)
    }
}

#[wasm_bindgen]
pub struct TrainerHandle {
    pub(super) trainer: Trainer,
    /// The mean training image, computed on first use.
    pub(super) mean_image: Option<Vec<f32>>,
    /// The person's own images of a mixed set.
    pub(super) own: Option<crate::data::Dataset>,
    /// Buffers of a step shared out among Workers (see `share`), sized at the first such step.
    pub(super) sharing: super::share::Scratch,
}

#[wasm_bindgen]
impl TrainerHandle {
    /// A fresh model on a data handle's images (its split), with a settings object (`TrainSettings`: architecture,
    /// hiddenUnits, latentDim, beta, learningRate, batchSize, seed).
    #[wasm_bindgen(constructor)]
    pub fn new(data: &DataHandle, settings: JsValue) -> Result<TrainerHandle, JsError> {
        let config = Settings::from_js(settings, data.data.spec())?;
        Ok(TrainerHandle {
            trainer: Trainer::new(config, &data.data)?,
            mean_image: None,
            own: data.own.clone(),
            sharing: Default::default(),
        })
    }

    /// One training step; what it did goes into `into` (kept by the caller, so a step allocates nothing).
    pub fn step(&mut self, into: &mut StepResult) -> Result<(), JsError> {
        *into = StepResult::of(&self.trainer.step()?);
        Ok(())
    }

    /// Floating-point operations in the matrix products of one full-batch step (for GFLOP/s).
    #[wasm_bindgen(js_name = matmulFlopsPerStep)]
    pub fn matmul_flops_per_step(&self) -> f64 {
        self.trainer.matmul_flops_per_step()
    }

    pub fn evaluate(&self) -> Result<ElboResult, JsError> {
        let elbo = self.trainer.evaluate()?;
        Ok(ElboResult { neg_elbo: elbo.neg_elbo, recon: elbo.recon, kl: elbo.kl })
    }

    /// The model's parameters, flat in its tensors' order: what an `EvaluatorHandle` evaluates.
    pub fn parameters(&self) -> Vec<f32> {
        self.trainer.parameters().to_vec()
    }

    /// The test split's images, as bytes: what an `EvaluatorHandle` is made with.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self) -> Vec<u8> {
        self.trainer.test_set().images().to_vec()
    }

    /// μ(x) of every test image, row-major [test size × latent].
    #[wasm_bindgen(js_name = testLatents)]
    pub fn test_latents(&self) -> Vec<f32> {
        self.trainer.model().encode(&self.trainer.test_set().all_pixels()).0
    }

    /// The test images' labels (empty for an unlabelled set).
    #[wasm_bindgen(js_name = testLabels)]
    pub fn test_labels(&self) -> Vec<u8> {
        self.trainer.test_set().labels().map_or_else(Vec::new, <[u8]>::to_vec)
    }

    /// μ(x) of the person's own images of a mixed set, row-major (empty otherwise).
    #[wasm_bindgen(js_name = ownLatents)]
    pub fn own_latents(&self) -> Vec<f32> {
        self.own.as_ref().map_or_else(Vec::new, |own| self.trainer.model().encode(&own.all_pixels()).0)
    }

    /// μ(x) of images given as intensities in [0, 1], width · height per image.
    pub fn encode(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.trainer.model().encode_means(pixels)?)
    }

    /// The decoder's parameters as one flat vector, for a `DecoderHandle` elsewhere (`decoderDescriptor` says
    /// what structure and sizes they are for).
    #[wasm_bindgen(js_name = decoderSnapshot)]
    pub fn decoder_snapshot(&self) -> Vec<f32> {
        self.trainer.model().decoder_parameters().to_vec()
    }

    /// `{ architecture, hidden, latent, width, height, channels }`: what `decoderSnapshot`'s vector is.
    #[wasm_bindgen(js_name = decoderDescriptor)]
    pub fn decoder_descriptor(&self) -> Result<JsValue, JsError> {
        Descriptor::of(self.trainer.config().model).to_js()
    }

    /// The model as a .safetensors file; `metadata` (an object of strings) is added to the file's metadata.
    #[wasm_bindgen(js_name = exportWeights)]
    pub fn export_weights(&self, metadata: JsValue) -> Result<Vec<u8>, JsError> {
        let extra: BTreeMap<String, String> = if metadata.is_undefined() || metadata.is_null() {
            BTreeMap::new()
        } else {
            serde_wasm_bindgen::from_value(metadata).map_err(|e| JsError::new(&format!("metadata must be an object of strings: {e}")))?
        };
        Ok(weights::to_safetensors_with(self.trainer.model(), self.trainer.config().beta, &extra)?)
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

    /// Continue from the weights in a .safetensors file, whatever its structure (the trainer becomes it). A bad
    /// file is an error and changes nothing.
    #[wasm_bindgen(js_name = loadWeights)]
    pub fn load_weights(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let loaded = weights::from_safetensors(bytes)?;
        Ok(self.trainer.replace_model(loaded.model)?)
    }

    /// The full training state (parameters, Adam's moments, where the epoch and the noise are): the time-lapse
    /// keeps a few, and `loadState` goes on from one.
    #[wasm_bindgen(js_name = exportState)]
    pub fn export_state(&self) -> Vec<u8> {
        self.trainer.export_state()
    }

    /// Goes on exactly from a state `exportState` wrote (with this trainer's β and learning rate). A state of another
    /// structure, size, seed or dataset is an error and changes nothing.
    #[wasm_bindgen(js_name = loadState)]
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        Ok(self.trainer.load_state(bytes)?)
    }

    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<(), JsError> {
        Ok(self.trainer.set_learning_rate(lr)?)
    }

    #[wasm_bindgen(js_name = setBeta)]
    pub fn set_beta(&mut self, beta: f64) -> Result<(), JsError> {
        Ok(self.trainer.set_beta(beta)?)
    }

    /// 'mlp' or 'conv'.
    pub fn architecture(&self) -> String {
        self.trainer.config().model.architecture.name().to_string()
    }

    /// The MLP's hidden units (0 for a structure without them).
    pub fn hidden(&self) -> usize {
        self.trainer.config().model.hidden
    }

    pub fn latent(&self) -> usize {
        self.trainer.config().model.latent
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

/// `{ architecture, hidden, latent, width, height, channels }` of the model in a .safetensors file — what loading
/// it would give — or the error loading it would give (naming the tensor).
#[wasm_bindgen(js_name = weightsInfo)]
pub fn weights_info(bytes: &[u8]) -> Result<JsValue, JsError> {
    Descriptor::of(weights::config_from_safetensors(bytes)?).to_js()
}
