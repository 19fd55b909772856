//! The convolutional structure's training step written out, as `mlp` is for the MLP: forward and backward over
//! flat buffers allocated once, every convolution one matrix product (the crate's `matmul`: the f32x4 kernel in the
//! browser, gemm natively) between a feature map and its patch matrix (`kernels::im2col`).
//!
//! Direct loops were not used: every large product here has k ≥ 64 (288 or 576 for the expensive ones), the shape
//! the register-blocked kernel is built for, and the patch copies cost a few percent of the products' time. The
//! step works through a batch `CHUNK` images at a time — forward, loss and backward for those images, adding their
//! weight gradients to the earlier ones' — so every feature map and patch matrix is sized for `CHUNK` images.
//!
//! The parameters and gradients stay in the contract's PyTorch layout; each step copies the parameters into the
//! passes' layout (`model::conv`'s module comment) and at the end copies the gradients back. Tests check the
//! gradients against candle's autograd (`oracle::conv`) and finite differences.

use crate::error::{Error, Result};
use crate::kernels::im2col::{col2im, gather, Finish, Init, TAPS};
use crate::kernels::matmul::{matmul, Mat, Start};
use crate::kernels::relu_backward;
use crate::model::conv::{
    decode_chunk, decoder_slots, encode_chunk, permute, shape, ConvShape, DecoderMaps, Direction, EncoderMaps, Net, CHUNK, CONV1, CONV2,
    CONV_LAYERS, DECONV1, DECONV2, DEC_FC, DENSE, ENC_FC, FLAT, LOGVAR, MU, OUT, PIXELS,
};
use crate::model::{Architecture, Model};
use crate::profile::{Clock, Part};

use super::{StepBuffers, TrainStep};

/// Every feature map of a pass for `CHUNK` images, and the gradients with respect to them.
struct Maps {
    encoder: EncoderMaps,
    sigma: Vec<f32>,
    z: Vec<f32>,
    decoder: DecoderMaps,
    d_d2: Vec<f32>,
    d_d1: Vec<f32>,
    d_d0: Vec<f32>,
    d_z: Vec<f32>,
    d_mu: Vec<f32>,
    d_logvar: Vec<f32>,
    d_h3: Vec<f32>,
    d_h2: Vec<f32>,
    d_h1: Vec<f32>,
}

impl Maps {
    fn new(images: usize, latent: usize) -> Maps {
        let zeros = |n: usize| vec![0f32; images * n];
        let decoder = DecoderMaps::new(images);
        Maps {
            encoder: EncoderMaps::new(images, latent),
            sigma: zeros(latent),
            z: zeros(latent),
            d_d2: vec![0.0; decoder.d2.len()],
            d_d1: vec![0.0; decoder.d1.len()],
            d_d0: vec![0.0; decoder.d0.len()],
            decoder,
            d_z: zeros(latent),
            d_mu: zeros(latent),
            d_logvar: zeros(latent),
            d_h3: zeros(DENSE),
            d_h2: zeros(FLAT),
            d_h1: zeros(shape(CONV1).output_len()),
        }
    }
}

/// The convolutional VAE's parameters, their gradients, and the buffers of its forward and backward passes.
pub struct ConvStep {
    buffers: StepBuffers,
    net: Net,
    /// The parameters and the gradients in the passes' layout, at the same offsets.
    prepared: Vec<f32>,
    prepared_grads: Vec<f32>,
    /// Images per pass through the network, and their maps.
    chunk: usize,
    maps: Maps,
}

impl ConvStep {
    /// Takes the model's parameters; `rows` is the largest batch it will see.
    pub fn new(model: Model, rows: usize) -> Result<ConvStep> {
        Self::with_chunk(model, rows, CHUNK)
    }

    /// `new`, passing `chunk` images at a time through the network instead of `CHUNK` (the same arithmetic in
    /// another grouping: what the benchmark measures to choose `CHUNK`).
    pub fn with_chunk(model: Model, rows: usize, chunk: usize) -> Result<ConvStep> {
        let config = model.config();
        assert_eq!(config.architecture, Architecture::Conv, "a conv step for a {} model", config.architecture);
        if rows == 0 || chunk == 0 {
            return Err(Error::setting("batch size", rows.min(chunk), "a whole number from 1 to 4096"));
        }
        let buffers = StepBuffers::new(model, rows);
        let count = buffers.params.len();
        Ok(ConvStep {
            buffers,
            net: Net::new(config.latent),
            prepared: vec![0.0; count],
            prepared_grads: vec![0.0; count],
            chunk: rows.min(chunk),
            maps: Maps::new(rows.min(chunk), config.latent),
        })
    }
}

impl TrainStep for ConvStep {
    fn buffers(&self) -> &StepBuffers {
        &self.buffers
    }

    fn buffers_mut(&mut self) -> &mut StepBuffers {
        &mut self.buffers
    }

    /// Each layer's backward pass is two products the size of its forward one (its weight's gradient and its
    /// input's), except the first layer's, whose input is data. The patch copies and elementwise work are not
    /// counted.
    fn matmul_flops(&self, rows: usize) -> f64 {
        let forward = CONV_LAYERS.map(|spec| spec.multiply_adds(self.net.latent) as f64);
        2.0 * rows as f64 * (3.0 * forward.iter().sum::<f64>() - forward[CONV1])
    }

    fn gradients(&mut self, images: &[f32], eps: &[f32], beta: f32, scale: f32, clock: &mut dyn Clock) -> (f32, f32) {
        let (latent, n) = (self.net.latent, images.len() / PIXELS);
        assert!(
            n > 0 && n <= self.buffers.rows && images.len() == n * PIXELS && eps.len() == n * latent,
            "a batch of {} values and {} noise values for a step of up to {} images of {PIXELS} with {latent} latent values",
            images.len(),
            eps.len(),
            self.buffers.rows
        );
        let layers = 0..CONV_LAYERS.len();
        permute(latent, layers.clone(), &self.net.slots, &self.buffers.params, &mut self.prepared, Direction::ToPasses);
        for slot in self.net.slots {
            self.prepared_grads[slot.bias_range()].fill(0.0);
        }
        clock.mark(Part::Elementwise);
        let (mut recon, mut kl) = (0f32, 0f32);
        for (chunk, (x, eps)) in images.chunks(self.chunk * PIXELS).zip(eps.chunks(self.chunk * latent)).enumerate() {
            let (r, k) = forward(&self.net, &self.prepared, &mut self.maps, x, eps, scale, clock);
            // The first chunk's weight gradients overwrite, the later ones' add.
            let start = if chunk == 0 { Start::Zero } else { Start::Dst };
            backward(&self.net, &self.prepared, &mut self.prepared_grads, &mut self.maps, x, eps, beta * scale, start, clock);
            recon += r;
            kl += k;
        }
        permute(latent, layers, &self.net.slots, &self.prepared_grads, &mut self.buffers.grads, Direction::ToContract);
        clock.mark(Part::Elementwise);
        (recon, kl)
    }
}

/// The forward pass and the loss for up to `CHUNK` images: the maps filled, the logits replaced by the gradient of
/// `scale` · Σ recon with respect to them; returns (Σ recon, Σ kl).
fn forward(net: &Net, w: &[f32], maps: &mut Maps, x: &[f32], eps: &[f32], scale: f32, clock: &mut dyn Clock) -> (f32, f32) {
    let (latent, n) = (net.latent, x.len() / PIXELS);
    encode_chunk(net, w, &mut maps.encoder, x, clock);
    let (mu, logvar) = (&maps.encoder.mu[..n * latent], &maps.encoder.logvar[..n * latent]);
    let (sigma, z) = (&mut maps.sigma[..n * latent], &mut maps.z[..n * latent]);
    let mut kl = 0f32;
    for i in 0..n * latent {
        let var = logvar[i].exp();
        sigma[i] = (0.5 * logvar[i]).exp();
        z[i] = mu[i] + sigma[i] * eps[i];
        kl += 0.5 * (var + mu[i] * mu[i] - logvar[i] - 1.0);
    }
    clock.mark(Part::Elementwise);
    decode_chunk(latent, w, &decoder_slots(net), z, &mut maps.decoder, clock);
    // The logits become dLoss/dlogits = scale · (σ(l) − x) in place.
    let recon = super::loss::bce_rows_into_gradient(&mut maps.decoder.logits[..n * PIXELS], x, PIXELS, scale);
    clock.mark(Part::Loss);
    (recon, kl)
}

/// The backward pass for the images `forward` just saw: their weight gradients added to `start` (zero for the
/// first chunk), their bias gradients added to what `g` holds. `kl_weight` = β · scale.
#[allow(clippy::too_many_arguments)]
fn backward(
    net: &Net,
    w: &[f32],
    g: &mut [f32],
    maps: &mut Maps,
    x: &[f32],
    eps: &[f32],
    kl_weight: f32,
    start: Start,
    clock: &mut dyn Clock,
) {
    let (latent, n) = (net.latent, x.len() / PIXELS);
    let Maps { encoder, sigma, z, decoder, d_d2, d_d1, d_d0, d_z, d_mu, d_logvar, d_h3, d_h2, d_h1 } = maps;
    let EncoderMaps { cols1, h1, cols2, h2, h3, mu, .. } = encoder;
    let DecoderMaps { d0, d1, d2, logits, cols } = decoder;

    // The decoder's three transposed convolutions, last first.
    let (s1, s2, s3) = (shape(DECONV1), shape(DECONV2), shape(OUT));
    let d_d2 = &mut d_d2[..n * s3.input_len()];
    let d2 = &d2[..n * s3.input_len()];
    transposed_backward(net, s3, OUT, w, g, d2, &logits[..n * s3.output_len()], cols, start, Some((&mut *d_d2, d2)), clock);
    let d_d1 = &mut d_d1[..n * s2.input_len()];
    let d1 = &d1[..n * s2.input_len()];
    transposed_backward(net, s2, DECONV2, w, g, d1, d_d2, cols, start, Some((&mut *d_d1, d1)), clock);
    let d_d0 = &mut d_d0[..n * s1.input_len()];
    let d0 = &d0[..n * s1.input_len()];
    transposed_backward(net, s1, DECONV1, w, g, d0, d_d1, cols, start, Some((&mut *d_d0, d0)), clock);

    // The decoder's dense layer: its input z, its output the flattened map.
    let z = &z[..n * latent];
    let d_z = &mut d_z[..n * latent];
    dense_backward(net, DEC_FC, g, Mat::rows(z, latent), d_d0, start, clock);
    matmul(d_z, Mat::rows(d_d0, FLAT), Mat::rows(net.weight(w, DEC_FC), latent), Start::Zero);
    clock.mark(Part::MatmulBackward);

    // The reparameterisation and the KL term.
    let (mu, sigma) = (&mu[..n * latent], &sigma[..n * latent]);
    let (d_mu, d_logvar) = (&mut d_mu[..n * latent], &mut d_logvar[..n * latent]);
    for i in 0..n * latent {
        d_mu[i] = d_z[i] + kl_weight * mu[i];
        d_logvar[i] = d_z[i] * eps[i] * 0.5 * sigma[i] + kl_weight * 0.5 * (sigma[i] * sigma[i] - 1.0);
    }
    clock.mark(Part::Elementwise);

    // The two heads, then the encoder's dense layer.
    let (h3, d_h3) = (&h3[..n * DENSE], &mut d_h3[..n * DENSE]);
    dense_backward(net, MU, g, Mat::rows(h3, DENSE), d_mu, start, clock);
    dense_backward(net, LOGVAR, g, Mat::rows(h3, DENSE), d_logvar, start, clock);
    matmul(d_h3, Mat::rows(d_mu, latent), Mat::rows(net.weight(w, MU), DENSE), Start::Zero);
    matmul(d_h3, Mat::rows(d_logvar, latent), Mat::rows(net.weight(w, LOGVAR), DENSE), Start::Dst);
    clock.mark(Part::MatmulBackward);
    relu_backward(d_h3, h3);
    clock.mark(Part::Elementwise);
    let (h2, d_h2) = (&h2[..n * FLAT], &mut d_h2[..n * FLAT]);
    dense_backward(net, ENC_FC, g, Mat::rows(h2, FLAT), d_h3, start, clock);
    matmul(d_h2, Mat::rows(d_h3, DENSE), Mat::rows(net.weight(w, ENC_FC), FLAT), Start::Zero);
    clock.mark(Part::MatmulBackward);
    relu_backward(d_h2, h2);
    clock.mark(Part::Elementwise);

    // The encoder's two convolutions; the first one's input is data, so it needs no input gradient.
    let (s1, s2) = (shape(CONV1), shape(CONV2));
    let (h1, d_h1) = (&h1[..n * s1.output_len()], &mut d_h1[..n * s1.output_len()]);
    conv_backward(net, s2, CONV2, w, g, &cols2[..n * s2.patch_len()], d_h2, cols, start, Some((&mut *d_h1, h1)), clock);
    conv_backward(net, s1, CONV1, w, g, &cols1[..n * s1.patch_len()], d_h1, cols, start, None, clock);
}

/// The weight's and bias's slices of the gradient buffer.
fn gradient_slices<'a>(net: &Net, g: &'a mut [f32], layer: usize) -> (&'a mut [f32], &'a mut [f32]) {
    let slot = net.slots[layer];
    let (weight, rest) = g[slot.weight..].split_at_mut(slot.weight_len);
    (weight, &mut rest[..slot.bias_len])
}

/// Adds each row of `rows` (rows of bias.len() values) to `bias`.
fn add_rows(bias: &mut [f32], rows: &[f32]) {
    for row in rows.chunks_exact(bias.len()) {
        for (b, &v) in bias.iter_mut().zip(row) {
            *b += v;
        }
    }
}

/// A dense layer's weight gradient start + Gᵀ · input and bias gradient + Σ_rows G.
fn dense_backward(net: &Net, layer: usize, g: &mut [f32], input: Mat, grad_out: &[f32], start: Start, clock: &mut dyn Clock) {
    let (dw, db) = gradient_slices(net, g, layer);
    matmul(dw, Mat::rows(grad_out, db.len()).t(), input, start);
    clock.mark(Part::MatmulBackward);
    add_rows(db, grad_out);
    clock.mark(Part::Elementwise);
}

/// A `ConvTranspose2d` layer's backward pass. Its forward was cols = input · K, out = bias + col2im(cols); so the
/// output gradient's patches dcols = im2col(grad_out) give dK = start + inputᵀ · dcols, dbias = Σ grad_out, and the
/// input gradient dcols · Kᵀ, masked by the ReLU before this layer.
#[allow(clippy::too_many_arguments)]
fn transposed_backward(
    net: &Net,
    s: ConvShape,
    layer: usize,
    w: &[f32],
    g: &mut [f32],
    input: &[f32],
    grad_out: &[f32],
    cols: &mut [f32],
    start: Start,
    grad_in: Option<(&mut [f32], &[f32])>,
    clock: &mut dyn Clock,
) {
    let n = input.len() / s.input_len();
    let width = TAPS * s.outputs;
    let cols = &mut cols[..n * s.patch_len()];
    gather(s.grid, grad_out, s.outputs, cols);
    clock.mark(Part::Elementwise);
    let (dw, db) = gradient_slices(net, g, layer);
    matmul(dw, Mat::rows(input, s.inputs).t(), Mat::rows(cols, width), start);
    clock.mark(Part::MatmulBackward);
    add_rows(db, grad_out);
    clock.mark(Part::Elementwise);
    if let Some((grad_in, activation)) = grad_in {
        matmul(grad_in, Mat::rows(cols, width), Mat::rows(net.weight(w, layer), width).t(), Start::Zero);
        clock.mark(Part::MatmulBackward);
        relu_backward(grad_in, activation);
        clock.mark(Part::Elementwise);
    }
}

/// A `Conv2d` layer's backward pass. Its forward was out = patches · Kᵀ + bias; so dK = start + grad_outᵀ ·
/// patches, dbias = Σ grad_out, and the input gradient col2im(grad_out · K), masked by the ReLU before this layer.
#[allow(clippy::too_many_arguments)]
fn conv_backward(
    net: &Net,
    s: ConvShape,
    layer: usize,
    w: &[f32],
    g: &mut [f32],
    patches: &[f32],
    grad_out: &[f32],
    cols: &mut [f32],
    start: Start,
    grad_in: Option<(&mut [f32], &[f32])>,
    clock: &mut dyn Clock,
) {
    let width = TAPS * s.inputs;
    let (dw, db) = gradient_slices(net, g, layer);
    matmul(dw, Mat::rows(grad_out, s.outputs).t(), Mat::rows(patches, width), start);
    clock.mark(Part::MatmulBackward);
    add_rows(db, grad_out);
    clock.mark(Part::Elementwise);
    if let Some((grad_in, activation)) = grad_in {
        let cols = &mut cols[..patches.len()];
        matmul(cols, Mat::rows(grad_out, s.outputs), Mat::rows(net.weight(w, layer), width), Start::Zero);
        clock.mark(Part::MatmulBackward);
        col2im(s.grid, cols, s.inputs, Init::Zero, Finish::MaskBy(activation), grad_in);
        clock.mark(Part::Elementwise);
    }
}
