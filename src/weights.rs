//! safetensors save/load. The tensor names and shapes are a public contract (PyTorch `nn.Linear` layout):
//!
//! | name | shape |
//! |---|---|
//! | `enc.fc.weight`, `enc.fc.bias` | [H, 784], [H] |
//! | `enc.mu.weight`, `enc.mu.bias` | [L, H], [L] |
//! | `enc.logvar.weight`, `enc.logvar.bias` | [L, H], [L] |
//! | `dec.fc.weight`, `dec.fc.bias` | [H, L], [H] |
//! | `dec.out.weight`, `dec.out.bias` | [784, H], [784] |
//!
//! all f32, with H, L and β in the metadata (`hidden`, `latent`, `beta`). A file without metadata (as PyTorch's
//! `safetensors.torch.save_file` writes by default) loads too: H and L come from the shapes, β is 1.
//!
//! Whoever writes a file may add metadata of their own (the widget adds its settings and the run's curves, so a
//! shared file reproduces the picture); those entries are strings this module carries and never interprets.

use std::collections::BTreeMap;

use candle_core::{Device, Tensor};
use safetensors::{Dtype, SafeTensors};

use crate::error::{Error, Result};
use crate::model::{tensor_names, Layer, Vae, VaeConfig, LAYERS};

pub const FORMAT: &str = "vae-playground/1";

/// Metadata entries this module writes itself; extra metadata may not use these names.
const OWN_KEYS: [&str; 4] = ["format", "hidden", "latent", "beta"];

/// The model as safetensors bytes, with only the model's own metadata.
pub fn to_safetensors(vae: &Vae) -> Result<Vec<u8>> {
    to_safetensors_with(vae, &BTreeMap::new())
}

/// The model as safetensors bytes, with `extra` added to the metadata. Written here rather than by
/// `safetensors::serialize`, whose metadata comes from a `HashMap` and so lands in a different order each run: this
/// way the same weights and metadata always give the same file.
pub fn to_safetensors_with(vae: &Vae, extra: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    if let Some(key) = extra.keys().find(|k| OWN_KEYS.contains(&k.as_str())) {
        return Err(Error::weights(format!("metadata `{key}` is written from the model itself; choose another name")));
    }
    let config = vae.config();
    let mut metadata: BTreeMap<String, String> = extra.clone();
    metadata.insert("format".into(), FORMAT.into());
    metadata.insert("hidden".into(), config.hidden.to_string());
    metadata.insert("latent".into(), config.latent.to_string());
    metadata.insert("beta".into(), config.beta.to_string());
    let mut header = serde_json::Map::new(); // sorted keys: a deterministic header
    header.insert("__metadata__".into(), serde_json::json!(metadata));
    let mut data = Vec::with_capacity(vae.parameter_count() * 4);
    for (name, tensor) in vae.named_tensors() {
        let start = data.len();
        for value in tensor.flatten_all()?.to_vec1::<f32>()? {
            data.extend_from_slice(&value.to_le_bytes());
        }
        header.insert(name.into(), serde_json::json!({ "dtype": "F32", "shape": tensor.dims(), "data_offsets": [start, data.len()] }));
    }
    let mut header = serde_json::to_vec(&header).map_err(|e| Error::weights(format!("could not be written: {e}")))?;
    // The format asks for the data to start 8-byte aligned; spaces are the padding it allows.
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut bytes = Vec::with_capacity(8 + header.len() + data.len());
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&data);
    Ok(bytes)
}

/// The metadata of a safetensors file (empty if it has none), read from its header alone.
pub fn metadata(bytes: &[u8]) -> Result<BTreeMap<String, String>> {
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(unreadable)?;
    Ok(header.metadata().clone().unwrap_or_default().into_iter().collect())
}

fn unreadable(e: safetensors::SafeTensorError) -> Error {
    Error::weights(format!("this is not a readable safetensors file (truncated or another format?): {e}"))
}

/// A new model from safetensors bytes. Every check runs before the model is built, so a bad file never leaves a
/// half-loaded model behind.
pub fn from_safetensors(bytes: &[u8]) -> Result<Vae> {
    let file = SafeTensors::deserialize(bytes).map_err(unreadable)?;
    let metadata = metadata(bytes)?;

    // H and L come from two shapes; a tensor of the wrong rank is named here, before the sizes are used.
    let size_of = |name: &str, rank: usize| -> Result<usize> {
        let view = file.tensor(name).map_err(|_| {
            Error::weights(format!(
                "tensor `{name}` is missing; a vae-playground file holds {} (this one holds {})",
                tensor_names().collect::<Vec<_>>().join(", "),
                list_or_none(&file.names())
            ))
        })?;
        match view.shape() {
            shape if shape.len() == rank && shape[0] > 0 => Ok(shape[0]),
            shape => Err(Error::weights(format!(
                "tensor `{name}` has shape {shape:?}; expected {rank} dimension(s) with a non-zero first one \
                 (PyTorch nn.Linear layout: weight is [out, in])"
            ))),
        }
    };
    let hidden = size_of(LAYERS[0].weight, 2)?;
    let latent = size_of(LAYERS[1].weight, 2)?;
    let beta = match metadata.get("beta") {
        Some(text) => text.parse::<f64>().map_err(|_| Error::weights(format!("metadata beta = {text:?} is not a number")))?,
        None => 1.0,
    };
    for (key, value) in [("hidden", hidden), ("latent", latent)] {
        if let Some(text) = metadata.get(key) {
            if text.parse::<usize>().ok() != Some(value) {
                return Err(Error::weights(format!(
                    "metadata says {key} = {text} but the tensor shapes say {value}; the file is inconsistent"
                )));
            }
        }
    }
    let config = VaeConfig { hidden, latent, beta };
    config.validate().map_err(|e| Error::weights(format!("the model in this file is not usable: {e}")))?;

    let mut layers = Vec::with_capacity(LAYERS.len());
    for spec in &LAYERS {
        layers.push(Layer {
            weight: read_tensor(&file, spec.weight, &spec.weight_shape(&config))?,
            bias: read_tensor(&file, spec.bias, &spec.bias_shape(&config))?,
        });
    }
    Vae::from_layers(config, layers.try_into().expect("one layer per LAYERS entry"))
}

fn read_tensor(file: &SafeTensors, name: &str, shape: &[usize]) -> Result<Tensor> {
    let view = file.tensor(name).map_err(|_| Error::weights(format!("tensor `{name}` is missing")))?;
    if view.dtype() != Dtype::F32 {
        return Err(Error::weights(format!("tensor `{name}` is {:?}, expected F32 (save the model in float32)", view.dtype())));
    }
    if view.shape() != shape {
        return Err(Error::weights(format!(
            "tensor `{name}` has shape {:?}, expected {shape:?} (PyTorch nn.Linear layout: weight is [out, in])",
            view.shape()
        )));
    }
    let values: Vec<f32> = view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::weights(format!("tensor `{name}` holds {} at index {i}; the weights are broken", values[i])));
    }
    Ok(Tensor::from_vec(values, shape, &Device::Cpu)?)
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "no tensors".to_string()
    } else {
        let mut names = names.to_vec();
        names.sort();
        names.join(", ")
    }
}
