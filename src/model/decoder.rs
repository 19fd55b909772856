//! The decoder on its own: what the page's main thread holds to draw under the pointer while the worker trains. It
//! is made from a snapshot that describes itself — a model's config and the decoder's parameters (the tail of the
//! model's, in table order) — so it takes whatever structure comes; its buffers are kept between calls.

use crate::data::MAX_IMAGES_PER_CALL;
use crate::error::{Error, Result};
use crate::size;

use super::{check_points, conv, mlp, sigmoid, Architecture, ModelConfig};

pub struct Decoder {
    config: ModelConfig,
    /// The decoder's tensors, in the structure's table order.
    parameters: Vec<f32>,
    passes: Passes,
}

/// What a structure's decoding keeps between calls.
enum Passes {
    /// The MLP's hidden layer, grown to the largest call.
    Mlp { hidden: Vec<f32> },
    /// The conv decoder's weights in its passes' layout, and its feature maps.
    Conv(Box<conv::DecoderPasses>),
}

impl Decoder {
    /// A decoder of `config`'s structure from its snapshot (`ModelView::decoder_parameters`); a snapshot of another
    /// length is an error.
    pub fn from_snapshot(config: ModelConfig, flat: &[f32]) -> Result<Decoder> {
        config.validate()?;
        let expected = config.decoder_range().len();
        if flat.len() != expected {
            let what = match config.architecture {
                Architecture::Mlp => format!("{} hidden units and {} latent dimensions", config.hidden, config.latent),
                Architecture::Conv => format!("the convolutional structure with {} latent dimensions", config.latent),
            };
            return Err(Error::weights(format!("a decoder snapshot for {what} has {expected} values, this one has {}", flat.len())));
        }
        let passes = match config.architecture {
            Architecture::Mlp => Passes::Mlp { hidden: Vec::new() },
            Architecture::Conv => Passes::Conv(Box::new(conv::DecoderPasses::new(config.latent, flat))),
        };
        Ok(Decoder { config, parameters: flat.to_vec(), passes })
    }

    /// The MLP's decoder for MNIST-sized images from its snapshot (what `DecoderHandle`'s constructor takes); sizes
    /// outside the settings' limits, or a snapshot of another length, are an error.
    pub fn from_flat(hidden: usize, latent: usize, flat: &[f32]) -> Result<Decoder> {
        Self::flat_len(hidden, latent)?;
        Self::from_snapshot(ModelConfig::mlp(hidden, latent), flat)
    }

    /// Values in the snapshot of an MLP decoder of these sizes; an error for sizes outside the settings' limits.
    pub fn flat_len(hidden: usize, latent: usize) -> Result<usize> {
        let config = ModelConfig::mlp(hidden, latent);
        config.validate()?;
        let pixels = config.image.pixels();
        // hidden·latent + hidden + pixels·hidden + pixels
        Ok(size::product("decoder snapshot", &[hidden, latent + 1 + pixels])? + pixels)
    }

    pub fn config(&self) -> ModelConfig {
        self.config
    }

    pub fn latent(&self) -> usize {
        self.config.latent
    }

    pub fn hidden(&self) -> usize {
        self.config.hidden
    }

    /// The snapshot it was made from.
    pub fn parameters(&self) -> &[f32] {
        &self.parameters
    }

    /// Decodes one latent point into the image's intensities in [0, 1].
    pub fn decode_point(&mut self, z: &[f32]) -> Result<Vec<f32>> {
        if z.len() != self.latent() {
            return Err(Error::setting("latent point", format!("{} values", z.len()), "one value per latent dimension"));
        }
        self.decode(z)
    }

    /// Decodes latent points (L values each, flat, at most `MAX_IMAGES_PER_CALL`) into intensities in [0, 1].
    pub fn decode(&mut self, z: &[f32]) -> Result<Vec<f32>> {
        let points = check_points(&self.config, z, MAX_IMAGES_PER_CALL)?;
        let mut pixels = vec![0f32; points * self.config.image.pixels()];
        self.decode_into(z, &mut pixels)?;
        Ok(pixels)
    }

    /// `decode` into `pixels` (points · the image's values): after the first call of a size, nothing is allocated.
    pub fn decode_into(&mut self, z: &[f32], pixels: &mut [f32]) -> Result<()> {
        let points = check_points(&self.config, z, MAX_IMAGES_PER_CALL)?;
        if pixels.len() != points * self.config.image.pixels() {
            return Err(Error::setting("pixels", format!("{} values", pixels.len()), "the image's values for each point"));
        }
        match &mut self.passes {
            Passes::Mlp { hidden } => mlp::decode_logits_into(&self.config, &self.parameters, z, hidden, pixels),
            Passes::Conv(passes) => passes.decode_logits_into(z, pixels),
        }
        sigmoid(pixels);
        Ok(())
    }
}
