//! The models: which structure (`Architecture`), its sizes (`ModelConfig`), the table of its tensors (names and
//! PyTorch shapes: the weights contract), and a `Model` — a config and its parameters, flat, in table order — with
//! its seeded initialisation and its inference passes over the crate's kernels (encode a batch, decode a batch),
//! which evaluation, every view and the page's decoder (`Decoder`) use. `mlp` is the tutorial's structure, `conv`
//! the Keras team's convolutional VAE.

pub mod conv;
mod decoder;
pub mod mlp;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use decoder::Decoder;

use crate::data::{ImageSpec, MAX_IMAGES_PER_CALL};
use crate::error::{Error, Result};

/// Which structure a model has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// The tutorial's: one hidden layer of `hidden` units each way.
    #[default]
    Mlp,
    /// The Keras team's convolutional VAE, for 28 × 28 images: only the latent size varies.
    Conv,
}

impl Architecture {
    pub const ALL: [Architecture; 2] = [Architecture::Mlp, Architecture::Conv];

    /// The name in settings, metadata and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Mlp => "mlp",
            Architecture::Conv => "conv",
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Architecture {
    type Err = Error;

    fn from_str(name: &str) -> Result<Architecture> {
        Architecture::ALL.into_iter().find(|a| a.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Architecture::ALL.iter().map(|a| a.name()).collect();
            Error::setting("architecture", format!("{name:?}"), format!("one of {}", names.join(", ")))
        })
    }
}

pub const MAX_HIDDEN: usize = 4096;
pub const MAX_LATENT: usize = 64;
/// The most weights one layer may hold (hidden units × image values): 4,096 units over a 64 × 64 image.
const MAX_LAYER: usize = MAX_HIDDEN * 64 * 64;

/// The structure and sizes of a model: everything its tensors' shapes follow from. How it is trained (β, the
/// learning rate, the batch) is `TrainConfig`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelConfig {
    pub architecture: Architecture,
    /// Hidden units of the MLP (0 for a structure without them).
    pub hidden: usize,
    pub latent: usize,
    /// The images it encodes and decodes.
    pub image: ImageSpec,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig::mlp(128, 2)
    }
}

/// `hidden` if it is a number of hidden units a model may have (1 to 4,096).
pub fn validate_hidden(hidden: usize) -> Result<usize> {
    if (1..=MAX_HIDDEN).contains(&hidden) {
        Ok(hidden)
    } else {
        Err(Error::setting("hidden units", hidden, "a whole number from 1 to 4096"))
    }
}

impl ModelConfig {
    /// The tutorial's MLP on MNIST-sized images.
    pub fn mlp(hidden: usize, latent: usize) -> ModelConfig {
        ModelConfig { architecture: Architecture::Mlp, hidden, latent, image: ImageSpec::MNIST }
    }

    /// The convolutional structure with `latent` latent dimensions (on 28 × 28 images, the only ones it takes).
    pub fn conv(latent: usize) -> ModelConfig {
        ModelConfig { architecture: Architecture::Conv, hidden: 0, latent, image: conv::IMAGE }
    }

    /// A model of `architecture` with these sizes (`hidden` is kept only by a structure that has hidden units).
    pub fn of(architecture: Architecture, hidden: usize, latent: usize, image: ImageSpec) -> ModelConfig {
        match architecture {
            Architecture::Mlp => ModelConfig { architecture, hidden, latent, image },
            Architecture::Conv => ModelConfig { architecture, hidden: 0, latent, image },
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.architecture == Architecture::Mlp {
            validate_hidden(self.hidden)?;
        }
        if !(1..=MAX_LATENT).contains(&self.latent) {
            return Err(Error::setting("latent dimensions", self.latent, "a whole number from 1 to 64"));
        }
        self.image.validate()?;
        if self.architecture == Architecture::Conv && self.image != conv::IMAGE {
            return Err(Error::setting(
                "architecture",
                "conv",
                format!("mlp for images of {} (the convolutional structure takes {} images only)", self.image, conv::IMAGE),
            ));
        }
        if self.architecture == Architecture::Mlp && self.hidden * self.image.pixels() > MAX_LAYER {
            return Err(Error::setting(
                "hidden units",
                self.hidden,
                format!(
                    "at most {} for images of {} (the first layer would hold too many weights)",
                    MAX_LAYER / self.image.pixels(),
                    self.image
                ),
            ));
        }
        Ok(())
    }

    /// The tensors of the weights contract, in table order: name, PyTorch shape, place in the flat parameters.
    pub fn tensors(&self) -> Vec<TensorSpec> {
        match self.architecture {
            Architecture::Mlp => mlp::tensors(self),
            Architecture::Conv => conv::tensors(self),
        }
    }

    pub fn parameter_count(&self) -> usize {
        self.tensors().last().map_or(0, |t| t.range.end)
    }

    /// The decoder's parameters within the flat ones: its tensors come last, in every structure.
    pub fn decoder_range(&self) -> Range<usize> {
        match self.architecture {
            Architecture::Mlp => mlp::decoder_range(self),
            Architecture::Conv => conv::decoder_range(self.latent),
        }
    }
}

/// One tensor of a structure's weights contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    pub name: &'static str,
    /// In PyTorch's layout for its layer.
    pub shape: Vec<usize>,
    /// Where it sits in the flat parameters.
    pub range: Range<usize>,
    /// The layout, for a person reading an error ("PyTorch nn.Linear layout: weight is [out, in]").
    pub layout: &'static str,
}

/// A model: its config and its parameters, flat, in the order of `ModelConfig::tensors`.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    config: ModelConfig,
    parameters: Vec<f32>,
}

impl Model {
    /// A freshly initialised model; the same seed gives the same parameters, bit for bit.
    pub fn new(config: ModelConfig, seed: u64) -> Result<Model> {
        config.validate()?;
        let parameters = match config.architecture {
            Architecture::Mlp => mlp::initial_parameters(&config, seed),
            Architecture::Conv => conv::initial_parameters(&config, seed),
        };
        Ok(Model { config, parameters })
    }

    /// A model with given parameters (the contract's tensors in table order, flat).
    pub fn from_parameters(config: ModelConfig, parameters: Vec<f32>) -> Result<Model> {
        config.validate()?;
        if parameters.len() != config.parameter_count() {
            return Err(Error::weights(format!(
                "a {} model of these sizes has {} parameters, these are {}",
                config.architecture,
                config.parameter_count(),
                parameters.len()
            )));
        }
        Ok(Model { config, parameters })
    }

    pub fn config(&self) -> ModelConfig {
        self.config
    }

    pub fn parameters(&self) -> &[f32] {
        &self.parameters
    }

    pub fn into_parameters(self) -> Vec<f32> {
        self.parameters
    }

    pub fn view(&self) -> ModelView<'_> {
        ModelView { config: self.config, parameters: &self.parameters }
    }
}

/// A model's config and parameters, borrowed (from a `Model`, or from a training step as it trains): what
/// inference, evaluation, the views and saving read.
#[derive(Clone, Copy, Debug)]
pub struct ModelView<'a> {
    config: ModelConfig,
    parameters: &'a [f32],
}

impl<'a> ModelView<'a> {
    /// Parameters laid out by `config`'s table (their number is checked).
    pub fn new(config: ModelConfig, parameters: &'a [f32]) -> ModelView<'a> {
        assert_eq!(parameters.len(), config.parameter_count(), "parameters for a {} model", config.architecture);
        ModelView { config, parameters }
    }

    pub fn config(&self) -> ModelConfig {
        self.config
    }

    pub fn parameters(&self) -> &'a [f32] {
        self.parameters
    }

    /// An owned copy.
    pub fn to_model(&self) -> Model {
        Model { config: self.config, parameters: self.parameters.to_vec() }
    }

    pub fn parameter_count(&self) -> usize {
        self.parameters.len()
    }

    /// The contract's tensors: name, PyTorch shape and values, in table order.
    pub fn named_tensors(&self) -> Vec<(&'static str, Vec<usize>, &'a [f32])> {
        self.config.tensors().into_iter().map(|t| (t.name, t.shape, &self.parameters[t.range])).collect()
    }

    /// The decoder's parameters (the flat snapshot a `Decoder` is made from).
    pub fn decoder_parameters(&self) -> &'a [f32] {
        &self.parameters[self.config.decoder_range()]
    }

    /// (μ, log σ²) of q(z|x) for images x (`image.pixels()` intensities in [0, 1] each), each [n × L] row-major.
    pub fn encode(&self, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
        match self.config.architecture {
            Architecture::Mlp => mlp::encode(&self.config, self.parameters, x),
            Architecture::Conv => conv::encode(&self.config, self.parameters, x),
        }
    }

    /// μ of q(z|x) for images given as intensities in [0, 1] (at most `MAX_IMAGES_PER_CALL`), row-major: where each
    /// image sits in latent space.
    pub fn encode_means(&self, x: &[f32]) -> Result<Vec<f32>> {
        self.config.image.count("images to encode", x, MAX_IMAGES_PER_CALL)?;
        Ok(self.encode(x).0)
    }

    /// The decoder's logits [n × pixels] for latent points z [n × L].
    pub fn decode_logits(&self, z: &[f32]) -> Vec<f32> {
        match self.config.architecture {
            Architecture::Mlp => mlp::decode_logits(&self.config, self.decoder_parameters(), z),
            Architecture::Conv => conv::decode_logits(&self.config, self.decoder_parameters(), z),
        }
    }

    /// Latent points (L values each, flat, at most `MAX_IMAGES_PER_CALL`) decoded into intensities in [0, 1].
    pub fn decode(&self, z: &[f32]) -> Result<Vec<f32>> {
        check_points(&self.config, z, MAX_IMAGES_PER_CALL)?;
        let mut pixels = self.decode_logits(z);
        sigmoid(&mut pixels);
        Ok(pixels)
    }

    /// The decoder alone, for drawing elsewhere (the page's main thread).
    pub fn decoder(&self) -> Result<Decoder> {
        Decoder::from_snapshot(self.config, self.decoder_parameters())
    }
}

/// How many latent points `z` holds: 1 to `max`, L values each.
pub(crate) fn check_points(config: &ModelConfig, z: &[f32], max: usize) -> Result<usize> {
    // The message is written only for an error: a decode under the pointer allocates nothing here.
    let latent = config.latent;
    if latent > 0 && !z.is_empty() && z.len() % latent == 0 && z.len() / latent <= max {
        return Ok(z.len() / latent);
    }
    let shape = format!("{} values per point, one per latent dimension", config.latent);
    crate::size::items("latent points", z.len(), config.latent, &shape, "point", max)
}

/// σ(l) = 1 / (1 + e^−l), in place: logits into pixel intensities.
pub(crate) fn sigmoid(values: &mut [f32]) {
    for v in values.iter_mut() {
        *v = 1.0 / (1.0 + (-*v).exp());
    }
}
