//! The conv structure against Keras itself: weights the Keras example trained (one epoch, seed 0, Keras 3 on JAX),
//! written in the conv contract by `scripts/reference/keras_vae.py fixture`, must give what Keras's own encoder and
//! decoder gave for the same inputs. The other conv tests check the step against candle and against Keras's padding as
//! we read it; this one checks that reading, the contract's layouts and the flattening order against the real thing.

mod common;

use common::close;
use serde::Deserialize;
use vae_playground::{weights, Architecture};

const WEIGHTS: &[u8] = include_bytes!("fixtures/keras-conv.safetensors");
const OUTPUTS: &str = include_str!("fixtures/keras-conv.json");

#[derive(Deserialize)]
struct KerasOutputs {
    test_images: Vec<usize>,
    mu: Vec<Vec<f32>>,
    logvar: Vec<Vec<f32>>,
    z: Vec<Vec<f32>>,
    logits: Vec<Vec<f32>>,
}

/// f32 sums in another order (XLA's convolutions against our im2col products) differ in the last bits: 2e-6 on logits
/// of up to 8.4 here, hence a bound of 1e-5 of the values' scale. A wrong layout, flip or padding is off by whole units
/// (PyTorch's symmetric padding: μ off by 0.41, a logit by 7.5).
const TOLERANCE: f32 = 1e-5;

fn fixture() -> (vae_playground::Model, KerasOutputs) {
    let loaded = weights::from_safetensors(WEIGHTS).expect("the Keras-trained file loads");
    (loaded.model, serde_json::from_str(OUTPUTS).expect("the fixture's JSON reads"))
}

#[test]
fn a_keras_trained_file_loads_as_the_conv_structure() {
    let (model, _) = fixture();
    let config = model.config();
    assert_eq!(config.architecture, Architecture::Conv);
    assert_eq!(config.latent, 2);
}

#[test]
fn the_encoder_gives_what_keras_gave() {
    let (model, keras) = fixture();
    let (_, test) = common::bundled().split();
    let x = test.pixels(&keras.test_images).unwrap();
    let (mu, logvar) = model.view().encode(&x);
    close("μ", &mu, &keras.mu.concat(), TOLERANCE);
    close("log σ²", &logvar, &keras.logvar.concat(), TOLERANCE);
}

#[test]
fn the_decoder_gives_the_logits_keras_gave() {
    let (model, keras) = fixture();
    let logits = model.view().decode_logits(&keras.z.concat());
    close("logits", &logits, &keras.logits.concat(), TOLERANCE);
}
