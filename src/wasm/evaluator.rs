//! The test set's evaluation away from training: an `EvaluatorHandle` holds a copy of the test images and a model's
//! structure, and computes the test negative ELBO of whatever parameters it is given — the same function on the same
//! images as `TrainerHandle.evaluate`, so a Worker that does not train reports the very figures the trainer would.

use wasm_bindgen::prelude::*;

use crate::data::Dataset;
use crate::model::{ModelConfig, ModelView};
use crate::train::evaluate;

use super::trainer::{Descriptor, ElboResult};

#[wasm_bindgen]
pub struct EvaluatorHandle {
    config: ModelConfig,
    test: Dataset,
}

#[wasm_bindgen]
impl EvaluatorHandle {
    /// The structure (`TrainerHandle.decoderDescriptor`) and the test images (`TrainerHandle.testImages`).
    #[wasm_bindgen(constructor)]
    pub fn new(descriptor: JsValue, test_images: Vec<u8>) -> Result<EvaluatorHandle, JsError> {
        let descriptor: Descriptor =
            serde_wasm_bindgen::from_value(descriptor).map_err(|e| JsError::new(&format!("model descriptor not understood: {e}")))?;
        let config = descriptor.config();
        config.validate()?;
        let test = Dataset::new("test images", config.image, test_images, None, None)?;
        Ok(EvaluatorHandle { config, test })
    }

    /// The test negative ELBO of `parameters` (`TrainerHandle.parameters`), per image, in nats.
    pub fn evaluate(&self, parameters: &[f32]) -> Result<ElboResult, JsError> {
        let expected = self.config.parameter_count();
        if parameters.len() != expected {
            return Err(JsError::new(&format!(
                "{} parameters given for a {} model of {expected}; evaluate the parameters of the model this evaluator was made for",
                parameters.len(),
                self.config.architecture
            )));
        }
        let elbo = evaluate(ModelView::new(self.config, parameters), &self.test)?;
        Ok(ElboResult { neg_elbo: elbo.neg_elbo, recon: elbo.recon, kl: elbo.kl })
    }
}
