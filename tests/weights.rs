#![cfg(not(target_arch = "wasm32"))]
//! safetensors round trips, the tensor-name contract, and every kind of bad file.

mod common;
use candle_core::{DType, Device, Tensor};
use common::bundled;
use vae_playground::model::mlp::tensor_names;
use vae_playground::{weights, Decoder, Error, Model, ModelConfig, TrainConfig, Trainer};

fn trained() -> Model {
    let mut trainer = Trainer::new(TrainConfig { seed: 3, ..Default::default() }, &bundled().take(1_000)).unwrap();
    for _ in 0..3 {
        trainer.step().unwrap();
    }
    weights::from_safetensors(&weights::to_safetensors(trainer.model(), 1.0).unwrap()).unwrap().model
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn save_then_load_is_bit_exact_with_contract_names_and_metadata() {
    let model = Model::new(ModelConfig::mlp(16, 3), 11).unwrap();
    let bytes = weights::to_safetensors(model.view(), 0.5).unwrap();
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

    assert_eq!(meta["architecture"], "mlp");
    let loaded = weights::from_safetensors(&bytes).unwrap();
    assert_eq!((loaded.model.config(), loaded.beta), (model.config(), 0.5));
    for ((name, _, a), (_, _, b)) in model.view().named_tensors().iter().zip(loaded.model.view().named_tensors().iter()) {
        assert_eq!(bits(a), bits(b), "{name} differs after the round trip");
    }
}

/// The model's tensors as candle tensors, under their contract names.
fn candle_tensors(model: &Model) -> Vec<(String, Tensor)> {
    model
        .view()
        .named_tensors()
        .into_iter()
        .map(|(name, shape, values)| (name.to_string(), Tensor::from_slice(values, shape, &Device::Cpu).unwrap()))
        .collect()
}

/// What PyTorch writes for the same model: the same names, no metadata.
fn pytorch_style(model: &Model, edit: impl Fn(&str, Tensor) -> Option<Tensor>) -> Vec<u8> {
    let tensors: Vec<(String, Tensor)> =
        candle_tensors(model).into_iter().filter_map(|(name, t)| edit(&name, t).map(|t| (name, t))).collect();
    safetensors::serialize(tensors, None).unwrap()
}

#[test]
fn a_file_without_metadata_loads_with_shapes_from_tensors() {
    let model = trained();
    let loaded = weights::from_safetensors(&pytorch_style(&model, |_, t| Some(t))).unwrap();
    assert_eq!((loaded.model.config(), loaded.beta), (ModelConfig::mlp(128, 2), 1.0));
    let z = [0.3f32, -1.2];
    let decode = |m: &Model| m.view().decoder().unwrap().decode_point(&z).unwrap();
    assert_eq!(decode(&loaded.model), decode(&model));
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
    let bytes = weights::to_safetensors(trained().view(), 1.0).unwrap();
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
    let tensors = candle_tensors(&trained());
    let meta = std::collections::HashMap::from([("hidden".to_string(), "64".to_string())]);
    let msg = load_err(&safetensors::serialize(tensors, Some(meta)).unwrap());
    assert!(msg.contains("hidden = 64") && msg.contains("128"), "{msg}");
}

#[test]
fn decoder_snapshot_round_trips_through_a_flat_vector() {
    let model = trained();
    let flat = model.view().decoder_parameters().to_vec();
    assert_eq!(flat.len(), 128 * 2 + 128 + 784 * 128 + 784);
    let mut rebuilt = Decoder::from_flat(128, 2, &flat).unwrap();
    let z = [1.5f32, 0.25];
    let pixels = rebuilt.decode_point(&z).unwrap();
    assert_eq!(pixels, model.view().decode(&z).unwrap());
    assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p)));
    let msg = Decoder::from_flat(128, 2, &flat[1..]).err().unwrap().to_string();
    assert!(msg.contains("has 101520 values, this one has 101519"), "{msg}");
}

#[test]
fn extra_metadata_travels_with_the_file_and_cannot_overwrite_the_models_own() {
    let model = Model::new(ModelConfig::mlp(8, 2), 1).unwrap();
    let extra = std::collections::BTreeMap::from([
        ("vae-playground.settings".to_string(), r#"{"beta":1,"seed":4}"#.to_string()),
        ("note".to_string(), "ünïcode ✓".to_string()),
    ]);
    let bytes = weights::to_safetensors_with(model.view(), 1.0, &extra).unwrap();
    assert_eq!(bytes, weights::to_safetensors_with(model.view(), 1.0, &extra).unwrap(), "same weights and metadata, same bytes");
    let read = weights::metadata(&bytes).unwrap();
    assert_eq!(read["vae-playground.settings"], extra["vae-playground.settings"]);
    assert_eq!(read["note"], "ünïcode ✓");
    assert_eq!((read["hidden"].as_str(), read["latent"].as_str()), ("8", "2"));
    assert!(weights::from_safetensors(&bytes).is_ok(), "extra metadata does not stop a file from loading");

    let clash = std::collections::BTreeMap::from([("hidden".to_string(), "999".to_string())]);
    let message = weights::to_safetensors_with(model.view(), 1.0, &clash).unwrap_err().to_string();
    assert!(message.contains("`hidden`") && message.contains("another name"), "{message}");
    assert!(weights::metadata(b"not a file").unwrap_err().to_string().contains("not a readable safetensors file"));
}

/// A file of `tensors` with `metadata`.
fn file(tensors: Vec<(String, Tensor)>, metadata: &[(&str, &str)]) -> Vec<u8> {
    let meta: std::collections::HashMap<String, String> = metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    safetensors::serialize(tensors, if meta.is_empty() { None } else { Some(meta) }).unwrap()
}

#[test]
fn a_file_that_fits_no_structure_is_refused_naming_the_tensor() {
    let model = trained();
    // A tensor no structure has.
    let mut tensors = candle_tensors(&model);
    tensors.push(("enc.extra.weight".to_string(), Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap()));
    let msg = load_err(&file(tensors, &[]));
    assert!(msg.contains("tensor `enc.extra.weight` is not part of the MLP structure"), "{msg}");
    // Nothing of any structure.
    let msg = load_err(&file(vec![("w".to_string(), Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap())], &[]));
    assert!(msg.contains("holds no tensor of a structure this playground knows") && msg.contains("this one holds w"), "{msg}");
    // A structure no one knows.
    let msg = load_err(&file(candle_tensors(&model), &[("architecture", "transformer")]));
    assert!(msg.contains("architecture = \"transformer\" is not a structure"), "{msg}");
    // Images the metadata states that the first layer's inputs contradict.
    let msg = load_err(&file(candle_tensors(&model), &[("architecture", "mlp"), ("width", "20"), ("height", "20")]));
    assert!(msg.contains("tensor `enc.fc.weight` takes 784 values per image, but the metadata says the images are 20 × 20"), "{msg}");
}

#[test]
fn a_model_of_other_images_round_trips_with_its_image_size() {
    let config = ModelConfig { image: vae_playground::ImageSpec { width: 12, height: 9, channels: 1 }, ..ModelConfig::mlp(10, 3) };
    let model = Model::new(config, 2).unwrap();
    let bytes = weights::to_safetensors(model.view(), 1.0).unwrap();
    let meta = weights::metadata(&bytes).unwrap();
    assert_eq!((meta["width"].as_str(), meta["height"].as_str(), meta["channels"].as_str()), ("12", "9", "1"));
    let loaded = weights::from_safetensors(&bytes).unwrap().model;
    assert_eq!(loaded, model);
    // Without metadata a model of 108 inputs could be of any image: refused, with the figure.
    let msg = load_err(&pytorch_style(&model, |_, t| Some(t)));
    assert!(msg.contains("tensor `enc.fc.weight` takes 108 values per image"), "{msg}");
}
