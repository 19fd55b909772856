//! The decoder alone: what the page's main thread holds to draw at display rate while the worker trains, made from
//! a snapshot that describes itself (any structure), from a settings object, or from a weights file.

use wasm_bindgen::prelude::*;

use crate::data::ImageSpec;
use crate::model::{Decoder, Model, ModelConfig};
use crate::weights;

use super::settings::Settings;
use super::trainer::Descriptor;

#[wasm_bindgen]
pub struct DecoderHandle {
    decoder: Decoder,
}

#[wasm_bindgen]
impl DecoderHandle {
    /// The MLP's decoder from a flat snapshot (see `TrainerHandle.decoderSnapshot`).
    #[wasm_bindgen(constructor)]
    pub fn new(hidden: usize, latent: usize, flat: &[f32]) -> Result<DecoderHandle, JsError> {
        Ok(DecoderHandle { decoder: Decoder::from_flat(hidden, latent, flat)? })
    }

    /// Any structure's decoder from its snapshot and what describes it (`TrainerHandle.decoderDescriptor`).
    #[wasm_bindgen(js_name = fromSnapshot)]
    pub fn from_snapshot(descriptor: JsValue, flat: &[f32]) -> Result<DecoderHandle, JsError> {
        let descriptor: Descriptor =
            serde_wasm_bindgen::from_value(descriptor).map_err(|e| JsError::new(&format!("decoder descriptor not understood: {e}")))?;
        Ok(DecoderHandle { decoder: Decoder::from_snapshot(descriptor.config(), flat)? })
    }

    /// The MLP decoder a `TrainerHandle` with the same sizes and seed starts from, before any data has arrived.
    pub fn initial(hidden: usize, latent: usize, seed: u64) -> Result<DecoderHandle, JsError> {
        Self::initial_of(ModelConfig::mlp(hidden, latent), seed)
    }

    /// The decoder a fresh model with these settings (any structure; MNIST-sized images) starts from.
    #[wasm_bindgen(js_name = initialFor)]
    pub fn initial_for(settings: JsValue) -> Result<DecoderHandle, JsError> {
        let config = Settings::from_js(settings, ImageSpec::MNIST)?;
        Self::initial_of(config.model, config.seed)
    }

    fn initial_of(config: ModelConfig, seed: u64) -> Result<DecoderHandle, JsError> {
        Ok(DecoderHandle { decoder: Model::new(config, seed)?.view().decoder()? })
    }

    /// The decoder of a .safetensors file, of whatever structure it holds.
    #[wasm_bindgen(js_name = fromSafetensors)]
    pub fn from_safetensors(bytes: &[u8]) -> Result<DecoderHandle, JsError> {
        Ok(DecoderHandle { decoder: weights::from_safetensors(bytes)?.model.view().decoder()? })
    }

    /// The image's intensities in [0, 1] (784 for MNIST) for the latent point z.
    pub fn decode(&mut self, z: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.decoder.decode_point(z)?)
    }

    /// 'mlp' or 'conv'.
    pub fn architecture(&self) -> String {
        self.decoder.config().architecture.name().to_string()
    }

    pub fn hidden(&self) -> usize {
        self.decoder.hidden()
    }

    pub fn latent(&self) -> usize {
        self.decoder.latent()
    }
}
