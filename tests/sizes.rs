#![cfg(not(target_arch = "wasm32"))]
//! Sizes from outside (the page, a file) are checked against the settings' limits before anything is multiplied,
//! allocated or indexed: each is an error a person can act on, never a wrapped product, a panic or a huge allocation.

mod common;

use vae_playground::data::prepare as drawing;
use vae_playground::explore::classifier::Classifier;
use vae_playground::explore::generate::{decode_many, grid_points, GridPlane};
use vae_playground::explore::pca::Pca;
use vae_playground::{Decoder, Model, ModelConfig};

/// The error's message; a result that is not an error fails the test.
fn refused<T>(result: vae_playground::Result<T>) -> String {
    match result {
        Ok(_) => panic!("accepted; expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_drawing_whose_width_times_height_wraps_is_refused() {
    // 2³² · 2³² wraps to 0 in 64 bits, matching no values at all; the first pixel read then panicked.
    let msg = refused(drawing::prepare(&[], 1 << 32, 1 << 32));
    assert!(msg.starts_with("drawing width = 4294967296 is not allowed: a whole number from 1 to 4096"), "{msg}");
    let msg = refused(drawing::prepare(&[0.5; 4097], 4097, 1));
    assert!(msg.starts_with("drawing width = 4097 is not allowed"), "{msg}");
    let msg = refused(drawing::prepare(&[0.5; 4097], 1, 4097));
    assert!(msg.starts_with("drawing height = 4097 is not allowed"), "{msg}");
    let msg = refused(drawing::prepare(&[0.5; 10], 3, 3));
    assert!(msg.contains("10 values for 3 × 3"), "{msg}");
    assert_eq!(drawing::prepare(&[1.0; 4096], 4096, 1).unwrap().len(), 784, "the largest side is accepted");
}

#[test]
fn a_decoder_snapshot_for_sizes_past_the_settings_limits_is_refused() {
    let msg = refused(Decoder::from_flat(65_536, 65_536, &[]));
    assert!(msg.starts_with("hidden units = 65536 is not allowed: a whole number from 1 to 4096"), "{msg}");
    // hidden · (latent + 785) = 2⁶⁴: the snapshot's length wrapped to 784 values, its first tensor's to none.
    let msg = refused(Decoder::from_flat(1 << 32, (1 << 32) - 785, &[0.0; 784]));
    assert!(msg.starts_with("hidden units = 4294967296 is not allowed"), "{msg}");
    let msg = refused(Decoder::from_flat(128, 65, &[]));
    assert!(msg.starts_with("latent dimensions = 65 is not allowed: a whole number from 1 to 64"), "{msg}");
    let model = Model::new(ModelConfig::mlp(4096, 64), 0).unwrap();
    let snapshot = model.view().decoder_parameters();
    assert_eq!(Decoder::from_flat(4096, 64, snapshot).unwrap().hidden(), 4096, "the largest sizes are accepted");
}

#[test]
fn pca_takes_at_most_an_images_dimensions() {
    let msg = refused(Pca::fit(&[0.5; 2 * 785], 785, 2));
    assert!(msg.starts_with("PCA dimension = 785 is not allowed: a whole number from 1 to 784"), "{msg}");
}

#[test]
fn a_grid_takes_one_value_per_latent_dimension_of_a_model() {
    let msg = refused(grid_points(2, &GridPlane { x: 0, y: 1, base: vec![0.0; 65] }));
    assert!(msg.starts_with("latent point = 65 values is not allowed: at most 64"), "{msg}");
    assert_eq!(grid_points(2, &GridPlane { x: 0, y: 63, base: vec![0.0; 64] }).unwrap().len(), 4 * 64);
}

#[test]
fn a_call_decodes_classifies_or_copies_at_most_so_many_images() {
    let model = Model::new(ModelConfig::default(), 0).unwrap();
    let msg = refused(decode_many(model.view(), &vec![0.0; 2 * 10_001]));
    assert!(msg.starts_with("latent points = 10001 points is not allowed: at most 10000"), "{msg}");
    assert_eq!(decode_many(model.view(), &vec![0.0; 2 * 10_000]).unwrap().len(), 10_000 * 784);

    let (_, test) = common::bundled().split();
    let msg = refused(test.pixels(&vec![0; 1001]));
    assert!(msg.contains("1001 images of a set of 1000"), "{msg}");
    assert_eq!(test.pixels(&vec![999; 1000]).unwrap().len(), 1000 * 784);

    let classifier = Classifier::train(&test.take(10), 0, 0).unwrap();
    let msg = refused(classifier.probabilities(&vec![0.0; 784 * 10_001]));
    assert!(msg.starts_with("classifier input = 10001 images is not allowed: at most 10000"), "{msg}");
}
