//! safetensors save/load for every structure, from its table (`ModelConfig::tensors`). The tensor names and shapes
//! are a public contract; the MLP's (PyTorch `nn.Linear` layout) are:
//!
//! | name | shape |
//! |---|---|
//! | `enc.fc.weight`, `enc.fc.bias` | [H, 784], [H] |
//! | `enc.mu.weight`, `enc.mu.bias` | [L, H], [L] |
//! | `enc.logvar.weight`, `enc.logvar.bias` | [L, H], [L] |
//! | `dec.fc.weight`, `dec.fc.bias` | [H, L], [H] |
//! | `dec.out.weight`, `dec.out.bias` | [784, H], [784] |
//!
//! all f32, with the structure and its sizes in the metadata (`architecture`, `hidden` for the MLP, `latent`,
//! `width`, `height`, `channels`; for the conv structure `padding`, its convolutions' rule) and β (`beta`). A file
//! carries its structure: loading it gives that structure. A file without metadata (as PyTorch's
//! `safetensors.torch.save_file` writes by default) loads too: the structure comes from the tensor names, the sizes
//! from the shapes, β is 1, a conv's padding the contract's. A file whose tensors do not fit the structure it declares
//! (or, without metadata, any structure) is refused, naming the tensor.
//!
//! Whoever writes a file may add metadata of their own (the widget adds its settings and the run's curves, so a
//! shared file reproduces the picture); those entries are strings this module carries and never interprets.

use std::collections::BTreeMap;

use safetensors::{Dtype, SafeTensors};

use crate::data::ImageSpec;
use crate::error::{Error, Result};
use crate::model::{conv, mlp, Architecture, Model, ModelConfig, ModelView};

pub const FORMAT: &str = "vae-playground/1";

/// Metadata entries this module writes itself; extra metadata may not use these names.
const OWN_KEYS: [&str; 9] = ["format", "architecture", "hidden", "latent", "beta", "width", "height", "channels", "padding"];

/// What a file holds: a model, and the β it was trained with (1 if the file does not say).
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub model: Model,
    pub beta: f64,
}

/// The model as safetensors bytes, with only the model's own metadata.
pub fn to_safetensors(model: ModelView, beta: f64) -> Result<Vec<u8>> {
    to_safetensors_with(model, beta, &BTreeMap::new())
}

/// The model as safetensors bytes, with `extra` added to the metadata. Written here rather than by
/// `safetensors::serialize`, whose metadata comes from a `HashMap` and so lands in a different order each run: this
/// way the same weights and metadata always give the same file.
pub fn to_safetensors_with(model: ModelView, beta: f64, extra: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    if let Some(key) = extra.keys().find(|k| OWN_KEYS.contains(&k.as_str())) {
        return Err(Error::weights(format!("metadata `{key}` is written from the model itself; choose another name")));
    }
    let config = model.config();
    let mut metadata: BTreeMap<String, String> = extra.clone();
    metadata.insert("format".into(), FORMAT.into());
    metadata.insert("architecture".into(), config.architecture.name().into());
    match config.architecture {
        Architecture::Mlp => metadata.insert("hidden".into(), config.hidden.to_string()),
        Architecture::Conv => metadata.insert("padding".into(), conv::PADDING_RULE.into()),
    };
    metadata.insert("latent".into(), config.latent.to_string());
    metadata.insert("beta".into(), beta.to_string());
    metadata.insert("width".into(), config.image.width.to_string());
    metadata.insert("height".into(), config.image.height.to_string());
    metadata.insert("channels".into(), config.image.channels.to_string());
    let mut header = serde_json::Map::new(); // sorted keys: a deterministic header
    header.insert("__metadata__".into(), serde_json::json!(metadata));
    let mut data = Vec::with_capacity(model.parameter_count() * 4);
    for (name, shape, values) in model.named_tensors() {
        let start = data.len();
        for value in values {
            data.extend_from_slice(&value.to_le_bytes());
        }
        header.insert(name.into(), serde_json::json!({ "dtype": "F32", "shape": shape, "data_offsets": [start, data.len()] }));
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
pub fn from_safetensors(bytes: &[u8]) -> Result<Loaded> {
    let file = SafeTensors::deserialize(bytes).map_err(unreadable)?;
    let metadata = metadata(bytes)?;
    let config = config_of(&file, &metadata)?;
    let beta = match metadata.get("beta") {
        Some(text) => text.parse::<f64>().map_err(|_| Error::weights(format!("metadata beta = {text:?} is not a number")))?,
        None => 1.0,
    };
    let tensors = config.tensors();
    let structure = describe(config.architecture);
    if let Some(stray) = sorted(&file.names()).into_iter().find(|name| !tensors.iter().any(|t| t.name == *name)) {
        return Err(Error::weights(format!("tensor `{stray}` is not part of {structure}, which holds {}", list(&tensors))));
    }
    let mut parameters = Vec::with_capacity(config.parameter_count());
    for tensor in &tensors {
        parameters.extend(read_tensor(&file, tensor.name, &tensor.shape, tensor.layout)?);
    }
    Ok(Loaded { model: Model::from_parameters(config, parameters)?, beta })
}

/// The structure and sizes of the model in a file (`weightsInfo`): what loading it would give, or the error.
pub fn config_from_safetensors(bytes: &[u8]) -> Result<ModelConfig> {
    Ok(from_safetensors(bytes)?.model.config())
}

fn describe(architecture: Architecture) -> &'static str {
    match architecture {
        Architecture::Mlp => "the MLP structure",
        Architecture::Conv => "the convolutional structure",
    }
}

/// The structure the file declares, or (without metadata) the one its tensor names are of; then its sizes from the
/// shapes, checked against what the metadata says.
fn config_of(file: &SafeTensors, metadata: &BTreeMap<String, String>) -> Result<ModelConfig> {
    let names = file.names();
    let architecture = match metadata.get("architecture") {
        Some(name) => name.parse::<Architecture>().map_err(|_| {
            Error::weights(format!("metadata architecture = {name:?} is not a structure this playground knows (mlp, conv)"))
        })?,
        None => infer_architecture(&names)?,
    };
    // A size the metadata states (if it does), as a number.
    let stated = |key: &str| -> Result<Option<usize>> {
        metadata
            .get(key)
            .map(|text| text.parse::<usize>().map_err(|_| Error::weights(format!("metadata {key} = {text:?} is not a size"))))
            .transpose()
    };
    // The first size of a tensor, which must exist with `rank` dimensions; named here, before the sizes are used.
    let size_of = |name: &str, rank: usize, at: usize| -> Result<usize> {
        let view = file.tensor(name).map_err(|_| {
            Error::weights(format!(
                "tensor `{name}` is missing; {} holds {} (this file holds {})",
                describe(architecture),
                list(&ModelConfig::of(architecture, 1, 1, ImageSpec::MNIST).tensors()),
                list_or_none(&names)
            ))
        })?;
        match view.shape() {
            shape if shape.len() == rank && shape[0] > 0 => Ok(shape[at]),
            shape => Err(Error::weights(format!(
                "tensor `{name}` has shape {shape:?}; expected {rank} dimension(s) with a non-zero first one \
                 (PyTorch nn.Linear layout: weight is [out, in])"
            ))),
        }
    };
    let config = match architecture {
        Architecture::Mlp => {
            let first = &mlp::LAYERS[mlp::ENC_FC];
            let hidden = size_of(first.weight, 2, 0)?;
            let latent = size_of(mlp::LAYERS[mlp::ENC_MU].weight, 2, 0)?;
            let pixels = size_of(first.weight, 2, 1)?;
            let image = image_of(metadata, pixels, first.weight, &stated)?;
            ModelConfig { architecture, hidden, latent, image }
        }
        Architecture::Conv => {
            check_padding(metadata)?;
            let latent = size_of(conv::CONV_LAYERS[conv::MU].weight, 2, 0)?;
            let image = match (stated("width")?, stated("height")?, stated("channels")?) {
                (None, None, None) => conv::IMAGE,
                (width, height, channels) => {
                    ImageSpec { width: width.unwrap_or(0), height: height.unwrap_or(0), channels: channels.unwrap_or(1) }
                }
            };
            if image != conv::IMAGE {
                return Err(Error::weights(format!(
                    "the metadata says the images are {image}, but the convolutional structure takes {} images only",
                    conv::IMAGE
                )));
            }
            ModelConfig::conv(latent)
        }
    };
    for (key, value) in [("hidden", config.hidden), ("latent", config.latent)] {
        if key == "hidden" && architecture != Architecture::Mlp {
            continue;
        }
        if let Some(text) = metadata.get(key) {
            if text.parse::<usize>().ok() != Some(value) {
                return Err(Error::weights(format!(
                    "metadata says {key} = {text} but the tensor shapes say {value}; the file is inconsistent"
                )));
            }
        }
    }
    config.validate().map_err(|e| Error::weights(format!("the model in this file is not usable: {e}")))?;
    Ok(config)
}

/// The images a model with `pixels` inputs is for: as the metadata states them (which must multiply to `pixels`),
/// else MNIST's 28 × 28 for 784, else a square of grey levels.
fn image_of(
    metadata: &BTreeMap<String, String>,
    pixels: usize,
    tensor: &str,
    stated: &dyn Fn(&str) -> Result<Option<usize>>,
) -> Result<ImageSpec> {
    let spec = match (stated("width")?, stated("height")?, stated("channels")?) {
        (Some(width), Some(height), channels) => ImageSpec { width, height, channels: channels.unwrap_or(1) },
        _ if pixels == ImageSpec::MNIST.pixels() => ImageSpec::MNIST,
        _ => {
            let side = (pixels as f64).sqrt().round() as usize;
            ImageSpec { width: side, height: side, channels: 1 }
        }
    };
    spec.validate().map_err(|e| Error::weights(format!("the images of the model in this file are not usable: {e}")))?;
    if spec.pixels() != pixels {
        let stated = metadata.contains_key("width");
        return Err(Error::weights(format!(
            "tensor `{tensor}` takes {pixels} values per image, but {} {spec} ({} values)",
            if stated { "the metadata says the images are" } else { "that is no square image; expected" },
            spec.pixels()
        )));
    }
    Ok(spec)
}

/// A conv file's padding: Keras's "same", which this playground's files say and a file from elsewhere is taken to
/// mean. A file this playground wrote without saying it came from a build whose convolutions padded every edge: the
/// same tensors would draw something else here.
fn check_padding(metadata: &BTreeMap<String, String>) -> Result<()> {
    match metadata.get("padding") {
        Some(rule) if rule == conv::PADDING_RULE => Ok(()),
        Some(rule) => Err(Error::weights(format!(
            "metadata padding = {rule:?} is not one this playground knows ({}: Keras's \"same\")",
            conv::PADDING_RULE
        ))),
        None if metadata.get("format").is_some_and(|f| f == FORMAT) => Err(Error::weights(
            "this convolutional model was saved by an earlier build of the playground, whose convolutions had padding on \
             every edge; this build pads as Keras does (after the map only, at stride 2), so these weights would draw \
             something else. Train the model again here."
                .to_string(),
        )),
        None => Ok(()),
    }
}

/// Without metadata: the structure whose tensor names the file holds.
fn infer_architecture(names: &[&str]) -> Result<Architecture> {
    let tensors = |architecture: Architecture| ModelConfig::of(architecture, 1, 1, ImageSpec::MNIST).tensors();
    let holds = |architecture: Architecture| tensors(architecture).iter().filter(|t| names.contains(&t.name)).count();
    // The structures share names (an MLP's ten are among the conv's eighteen): the best fit is the one with the
    // most of its tensors present and the fewest missing.
    let fit = |architecture: Architecture| 2 * holds(architecture) as i64 - tensors(architecture).len() as i64;
    match Architecture::ALL.into_iter().max_by_key(|&a| fit(a)) {
        Some(best) if holds(best) > 0 => Ok(best),
        _ => Err(Error::weights(format!(
            "this file holds no tensor of a structure this playground knows ({}; this one holds {})",
            Architecture::ALL
                .iter()
                .map(|&a| format!("{}: {}", describe(a), list(&ModelConfig::of(a, 1, 1, ImageSpec::MNIST).tensors())))
                .collect::<Vec<_>>()
                .join("; "),
            list_or_none(names)
        ))),
    }
}

fn read_tensor(file: &SafeTensors, name: &str, shape: &[usize], layout: &str) -> Result<Vec<f32>> {
    let view = file.tensor(name).map_err(|_| Error::weights(format!("tensor `{name}` is missing")))?;
    if view.dtype() != Dtype::F32 {
        return Err(Error::weights(format!("tensor `{name}` is {:?}, expected F32 (save the model in float32)", view.dtype())));
    }
    if view.shape() != shape {
        return Err(Error::weights(format!("tensor `{name}` has shape {:?}, expected {shape:?} ({layout})", view.shape())));
    }
    let values: Vec<f32> = view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::weights(format!("tensor `{name}` holds {} at index {i}; the weights are broken", values[i])));
    }
    Ok(values)
}

fn list(tensors: &[crate::model::TensorSpec]) -> String {
    tensors.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
}

fn sorted<'a>(names: &[&'a str]) -> Vec<&'a str> {
    let mut names = names.to_vec();
    names.sort();
    names
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "no tensors".to_string()
    } else {
        sorted(names).join(", ")
    }
}
