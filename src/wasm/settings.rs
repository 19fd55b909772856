//! The settings object the element, the worker and the benchmark all pass (`TrainSettings` in www/protocol.ts), its
//! check, and the ranges the page's inputs show.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::data::ImageSpec;
use crate::model::{validate_hidden, Architecture, ModelConfig, MAX_HIDDEN, MAX_LATENT};
use crate::train::{TrainConfig, MAX_BATCH_SIZE};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Settings {
    /// Absent in pages from before there was a choice: the MLP.
    #[serde(default)]
    architecture: Architecture,
    hidden_units: usize,
    latent_dim: usize,
    beta: f64,
    learning_rate: f64,
    batch_size: usize,
    seed: u64,
}

impl Settings {
    /// The run a settings object asks for, on images of `image`, checked. `hiddenUnits` is checked whatever the
    /// structure (a structure without hidden units keeps none).
    pub(super) fn from_js(value: JsValue, image: ImageSpec) -> Result<TrainConfig, JsError> {
        let s: Settings =
            serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("settings object not understood: {e}")))?;
        validate_hidden(s.hidden_units)?;
        let config = TrainConfig {
            model: ModelConfig::of(s.architecture, s.hidden_units, s.latent_dim, image),
            beta: s.beta,
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

/// The values a setting with a few named choices takes.
#[derive(Serialize)]
struct Choices {
    choices: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SettingLimits {
    architecture: Choices,
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
        architecture: Choices { choices: Architecture::ALL.iter().map(|a| a.name()).collect() },
        hidden_units: whole(MAX_HIDDEN),
        latent_dim: whole(MAX_LATENT),
        beta: Range { min: 0.0, max: None, min_exclusive: false },
        learning_rate: Range { min: 0.0, max: Some(1.0), min_exclusive: true },
        batch_size: whole(MAX_BATCH_SIZE),
    };
    Ok(serde_wasm_bindgen::to_value(&limits)?)
}

/// Checks a settings object without building anything; the error names the first setting out of range.
#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(settings: JsValue) -> Result<(), JsError> {
    Settings::from_js(settings, ImageSpec::MNIST).map(|_| ())
}
