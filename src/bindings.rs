//! The thin wasm-bindgen layer: handles over the trainer and the decoder, numbers and bytes in and out.
//! Every error becomes a JS `Error` carrying the crate's own message.

use wasm_bindgen::prelude::*;

use crate::data::Dataset;
use crate::model::{Decoder, Vae, VaeConfig};
use crate::train::{encode_means, TrainConfig, Trainer};
use crate::{weights, IMAGE_PIXELS};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn js_error(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// Whether gemm will use its wasm simd128 matmul kernel: the flag its dispatch reads on the first matmul.
#[wasm_bindgen(js_name = simdKernelEnabled)]
pub fn simd_kernel_enabled() -> bool {
    gemm::get_wasm_simd128()
}

/// Choose gemm's wasm kernel. gemm fixes its choice at the first matmul, so this only takes effect before one;
/// the benchmark uses it in a fresh worker to measure the scalar kernel for comparison.
#[wasm_bindgen(js_name = setSimdKernel)]
pub fn set_simd_kernel(enable: bool) {
    gemm::set_wasm_simd128(enable);
}

/// Checks settings without building anything; the error names the first setting out of range.
#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(hidden: usize, latent: usize, beta: f64, learning_rate: f64, batch_size: usize) -> Result<(), JsError> {
    let config = TrainConfig { model: VaeConfig { hidden, latent, beta }, learning_rate, batch_size, seed: 0 };
    config.validate().map_err(js_error)
}

#[wasm_bindgen]
#[derive(Clone, Copy)]
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
#[derive(Clone, Copy)]
pub struct ElboResult {
    #[wasm_bindgen(js_name = negElbo)]
    pub neg_elbo: f32,
    pub recon: f32,
    pub kl: f32,
}

#[wasm_bindgen]
pub struct TrainerHandle {
    trainer: Trainer,
}

#[wasm_bindgen]
impl TrainerHandle {
    /// A fresh model on the digits in two gzip'd IDX files (last images = test set).
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        images_name: &str,
        images_gz: &[u8],
        labels_name: &str,
        labels_gz: &[u8],
        hidden: usize,
        latent: usize,
        beta: f64,
        learning_rate: f64,
        batch_size: usize,
        seed: u64,
    ) -> Result<TrainerHandle, JsError> {
        let data = Dataset::from_idx_gz(images_name, images_gz, labels_name, labels_gz).map_err(js_error)?;
        let config = TrainConfig { model: VaeConfig { hidden, latent, beta }, learning_rate, batch_size, seed };
        Ok(TrainerHandle { trainer: Trainer::new(config, &data).map_err(js_error)? })
    }

    pub fn step(&mut self) -> Result<StepResult, JsError> {
        let report = self.trainer.step().map_err(js_error)?;
        Ok(StepResult {
            loss: report.metrics.loss,
            recon: report.metrics.recon,
            kl: report.metrics.kl,
            samples: report.samples as u32,
            step: report.step as f64,
            epoch: report.epoch as f64,
            epoch_finished: report.epoch_finished,
        })
    }

    pub fn evaluate(&self) -> Result<ElboResult, JsError> {
        let elbo = self.trainer.evaluate().map_err(js_error)?;
        Ok(ElboResult { neg_elbo: elbo.neg_elbo, recon: elbo.recon, kl: elbo.kl })
    }

    /// μ(x) of every test image, row-major [test size × latent].
    #[wasm_bindgen(js_name = testLatents)]
    pub fn test_latents(&self) -> Result<Vec<f32>, JsError> {
        encode_means(self.trainer.vae(), self.trainer.test_set()).map_err(js_error)
    }

    #[wasm_bindgen(js_name = testLabels)]
    pub fn test_labels(&self) -> Vec<u8> {
        self.trainer.test_set().labels().to_vec()
    }

    /// μ(x) of images given as intensities in [0, 1], 784 per image.
    pub fn encode(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        if pixels.is_empty() || pixels.len() % IMAGE_PIXELS != 0 {
            return Err(JsError::new(&format!(
                "encode takes 784 pixel values per image (28 × 28, row by row); got {}",
                pixels.len()
            )));
        }
        let x = candle_core::Tensor::from_slice(pixels, (pixels.len() / IMAGE_PIXELS, IMAGE_PIXELS), &candle_core::Device::Cpu)
            .map_err(|e| js_error(e.into()))?;
        self.trainer.vae().encode_means(&x).map_err(js_error)
    }

    /// The decoder's parameters as one flat vector, for a `DecoderHandle` elsewhere.
    #[wasm_bindgen(js_name = decoderSnapshot)]
    pub fn decoder_snapshot(&self) -> Result<Vec<f32>, JsError> {
        self.trainer.vae().decoder().to_flat().map_err(js_error)
    }

    #[wasm_bindgen(js_name = exportWeights)]
    pub fn export_weights(&self) -> Result<Vec<u8>, JsError> {
        weights::to_safetensors(self.trainer.vae()).map_err(js_error)
    }

    /// Continue from the weights in a .safetensors file. A bad file is an error and changes nothing.
    #[wasm_bindgen(js_name = loadWeights)]
    pub fn load_weights(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let vae = weights::from_safetensors(bytes).map_err(js_error)?;
        self.trainer.replace_model(vae).map_err(js_error)
    }

    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<(), JsError> {
        self.trainer.set_learning_rate(lr).map_err(js_error)
    }

    #[wasm_bindgen(js_name = setBeta)]
    pub fn set_beta(&mut self, beta: f64) -> Result<(), JsError> {
        self.trainer.set_beta(beta).map_err(js_error)
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
        Ok(DecoderHandle { decoder: Decoder::from_flat(hidden, latent, flat).map_err(js_error)? })
    }

    /// The decoder a `TrainerHandle` with the same settings and seed starts from, before any data has arrived.
    pub fn initial(hidden: usize, latent: usize, seed: u64) -> Result<DecoderHandle, JsError> {
        let vae = Vae::new(VaeConfig { hidden, latent, beta: 1.0 }, seed).map_err(js_error)?;
        Ok(DecoderHandle { decoder: vae.decoder_snapshot().map_err(js_error)? })
    }

    /// The decoder of a .safetensors file.
    #[wasm_bindgen(js_name = fromSafetensors)]
    pub fn from_safetensors(bytes: &[u8]) -> Result<DecoderHandle, JsError> {
        let vae = weights::from_safetensors(bytes).map_err(js_error)?;
        Ok(DecoderHandle { decoder: vae.decoder_snapshot().map_err(js_error)? })
    }

    /// 784 intensities in [0, 1] for the latent point z.
    pub fn decode(&self, z: &[f32]) -> Result<Vec<f32>, JsError> {
        self.decoder.decode_point(z).map_err(js_error)
    }

    pub fn hidden(&self) -> usize {
        self.decoder.hidden()
    }

    pub fn latent(&self) -> usize {
        self.decoder.latent()
    }
}
