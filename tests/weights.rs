#![cfg(not(target_arch = "wasm32"))]
//! safetensors round trips, the tensor-name contract, and every kind of bad file.

mod common;
use candle_core::{DType, Device, Tensor};
use common::bundled;
use vae_playground::model::tensor_names;
use vae_playground::{weights, Error, TrainConfig, Trainer, Vae, VaeConfig};

fn trained() -> Vae {
    let mut trainer = Trainer::new(TrainConfig { seed: 3, ..Default::default() }, &bundled().take(1_000)).unwrap();
    for _ in 0..3 {
        trainer.step().unwrap();
    }
    weights::from_safetensors(&weights::to_safetensors(trainer.vae()).unwrap()).unwrap()
}

fn bits(t: &Tensor) -> Vec<u32> {
    t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn save_then_load_is_bit_exact_with_contract_names_and_metadata() {
    let vae = Vae::new(VaeConfig { hidden: 16, latent: 3, beta: 0.5 }, 11).unwrap();
    let bytes = weights::to_safetensors(&vae).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort();
    // The contract, spelled out here rather than taken from the model's table, so a change to either is caught.
    let mut want = vec![
        "enc.fc.weight",
        "enc.fc.bias",
        "enc.mu.weight",
        "enc.mu.bias",
        "enc.logvar.weight",
        "enc.logvar.bias",
        "dec.fc.weight",
        "dec.fc.bias",
        "dec.out.weight",
        "dec.out.bias",
    ];
    assert_eq!(tensor_names().collect::<Vec<_>>(), want, "the model's layer table is the contract, in order");
    want.sort();
    assert_eq!(names, want);
    assert_eq!(file.tensor("enc.fc.weight").unwrap().shape(), &[16, 784]);
    assert_eq!(file.tensor("dec.fc.weight").unwrap().shape(), &[16, 3]);
    assert_eq!(file.tensor("dec.out.weight").unwrap().shape(), &[784, 16]);
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    assert_eq!((meta["hidden"].as_str(), meta["latent"].as_str(), meta["beta"].as_str()), ("16", "3", "0.5"));

    let loaded = weights::from_safetensors(&bytes).unwrap();
    assert_eq!(loaded.config(), vae.config());
    for ((name, a), (_, b)) in vae.named_tensors().iter().zip(loaded.named_tensors().iter()) {
        assert_eq!(bits(a), bits(b), "{name} differs after the round trip");
    }
}

/// What PyTorch writes for the same model: the same names, no metadata.
fn pytorch_style(vae: &Vae, edit: impl Fn(&str, Tensor) -> Option<Tensor>) -> Vec<u8> {
    let tensors: Vec<(String, Tensor)> =
        vae.named_tensors().iter().filter_map(|(name, t)| edit(name, (*t).clone()).map(|t| (name.to_string(), t))).collect();
    safetensors::serialize(tensors, None).unwrap()
}

#[test]
fn a_file_without_metadata_loads_with_shapes_from_tensors() {
    let vae = trained();
    let loaded = weights::from_safetensors(&pytorch_style(&vae, |_, t| Some(t))).unwrap();
    assert_eq!(loaded.config(), VaeConfig { hidden: 128, latent: 2, beta: 1.0 });
    let z = [0.3f32, -1.2];
    assert_eq!(loaded.decoder().decode_point(&z).unwrap(), vae.decoder().decode_point(&z).unwrap());
}

fn load_err(bytes: &[u8]) -> String {
    match weights::from_safetensors(bytes) {
        Err(e @ Error::Weights(_)) => e.to_string(),
        Err(other) => panic!("wrong error kind {other:?}"),
        Ok(_) => panic!("a bad file loaded"),
    }
}

#[test]
fn truncated_or_foreign_files_are_refused() {
    let bytes = weights::to_safetensors(&trained()).unwrap();
    let msg = load_err(&bytes[..bytes.len() - 100]);
    assert!(msg.contains("not a readable safetensors file"), "{msg}");
    let msg = load_err(b"PK\x03\x04 this is a zip file, not weights");
    assert!(msg.contains("not a readable safetensors file"), "{msg}");
    assert!(load_err(&[]).contains("not a readable"));
}

#[test]
fn a_missing_tensor_is_named() {
    let msg = load_err(&pytorch_style(&trained(), |name, t| (name != "dec.out.bias").then_some(t)));
    assert!(msg.contains("`dec.out.bias` is missing"), "{msg}");
}

#[test]
fn a_wrong_shape_is_named_with_the_expected_one() {
    let msg = load_err(&pytorch_style(&trained(), |name, t| {
        Some(if name == "enc.logvar.weight" { Tensor::zeros((2, 100), DType::F32, &Device::Cpu).unwrap() } else { t })
    }));
    assert!(msg.contains("`enc.logvar.weight` has shape [2, 100], expected [2, 128]"), "{msg}");
}

#[test]
fn a_tensor_of_the_wrong_rank_is_named() {
    for (name, replacement) in [
        ("enc.fc.weight", Tensor::new(1f32, &Device::Cpu).unwrap()),
        ("enc.mu.weight", Tensor::zeros(2, DType::F32, &Device::Cpu).unwrap()),
    ] {
        let msg = load_err(&pytorch_style(&trained(), |n, t| Some(if n == name { replacement.clone() } else { t })));
        assert!(msg.contains(&format!("`{name}` has shape")) && msg.contains("expected 2 dimension(s)"), "{msg}");
    }
}

#[test]
fn a_wrong_dtype_is_named() {
    let msg = load_err(&pytorch_style(&trained(), |name, t| Some(if name == "dec.fc.bias" { t.to_dtype(DType::F64).unwrap() } else { t })));
    assert!(msg.contains("`dec.fc.bias` is F64, expected F32"), "{msg}");
}

#[test]
fn non_finite_values_are_named() {
    for bad in [f32::NAN, f32::INFINITY] {
        let msg = load_err(&pytorch_style(&trained(), |name, t| {
            if name != "dec.out.weight" {
                return Some(t);
            }
            let mut values = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            values[1234] = bad;
            Some(Tensor::from_vec(values, t.dims(), &Device::Cpu).unwrap())
        }));
        assert!(msg.contains("`dec.out.weight` holds") && msg.contains("index 1234"), "{msg}");
    }
}

#[test]
fn metadata_that_contradicts_the_shapes_is_refused() {
    let vae = trained();
    let tensors: Vec<(&str, Tensor)> = vae.named_tensors().iter().map(|(n, t)| (*n, (*t).clone())).collect();
    let meta = std::collections::HashMap::from([("hidden".to_string(), "64".to_string())]);
    let msg = load_err(&safetensors::serialize(tensors, Some(meta)).unwrap());
    assert!(msg.contains("hidden = 64") && msg.contains("128"), "{msg}");
}

#[test]
fn decoder_snapshot_round_trips_through_a_flat_vector() {
    let vae = trained();
    let snapshot = vae.decoder_snapshot().unwrap();
    let flat = snapshot.to_flat().unwrap();
    assert_eq!(flat.len(), 128 * 2 + 128 + 784 * 128 + 784);
    let rebuilt = vae_playground::Decoder::from_flat(128, 2, &flat).unwrap();
    let z = [1.5f32, 0.25];
    let pixels = rebuilt.decode_point(&z).unwrap();
    assert_eq!(pixels, vae.decoder().decode_point(&z).unwrap());
    assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p)));
    let msg = vae_playground::Decoder::from_flat(128, 2, &flat[1..]).unwrap_err().to_string();
    assert!(msg.contains("has 101520 values, this one has 101519"), "{msg}");
}

#[test]
fn extra_metadata_travels_with_the_file_and_cannot_overwrite_the_models_own() {
    let vae = Vae::new(VaeConfig { hidden: 8, latent: 2, beta: 1.0 }, 1).unwrap();
    let extra = std::collections::BTreeMap::from([
        ("vae-playground.settings".to_string(), r#"{"beta":1,"seed":4}"#.to_string()),
        ("note".to_string(), "ünïcode ✓".to_string()),
    ]);
    let bytes = weights::to_safetensors_with(&vae, &extra).unwrap();
    assert_eq!(bytes, weights::to_safetensors_with(&vae, &extra).unwrap(), "same weights and metadata, same bytes");
    let read = weights::metadata(&bytes).unwrap();
    assert_eq!(read["vae-playground.settings"], extra["vae-playground.settings"]);
    assert_eq!(read["note"], "ünïcode ✓");
    assert_eq!((read["hidden"].as_str(), read["latent"].as_str()), ("8", "2"));
    assert!(weights::from_safetensors(&bytes).is_ok(), "extra metadata does not stop a file from loading");

    let clash = std::collections::BTreeMap::from([("hidden".to_string(), "999".to_string())]);
    let message = weights::to_safetensors_with(&vae, &clash).unwrap_err().to_string();
    assert!(message.contains("`hidden`") && message.contains("another name"), "{message}");
    assert!(weights::metadata(b"not a file").unwrap_err().to_string().contains("not a readable safetensors file"));
}
