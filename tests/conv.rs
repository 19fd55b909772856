#![cfg(not(target_arch = "wasm32"))]
//! The convolutional step computes what candle's autograd computes through the convolutional model (`ConvVae`,
//! candle's `conv2d` / `conv_transpose2d`) and the loss of `loss.rs`; finite differences agree with both; each
//! convolution agrees with PyTorch's definition written out; the decoder alone, the initialisation, inference and
//! the evaluation are checked too, and a conv model's weights file round-trips (a mismatched one is refused).

mod common;
use candle_core::{DType, Device, Tensor};
use common::{bundled, close};
use vae_playground::kernels::im2col::{self, to_position_major, Finish, Grid, TAPS};
use vae_playground::model::conv::{decoder_range, Op, CHUNK, CONV_LAYERS};
use vae_playground::model::{Architecture, Decoder, Model, ModelConfig};
use vae_playground::oracle::conv::ConvVae;
use vae_playground::oracle::loss::negative_elbo;
use vae_playground::oracle::Forward;
use vae_playground::rng::SeededRng;
use vae_playground::step::{ConvStep, TrainStep};
use vae_playground::train::{evaluate, EVAL_SEED, EVAL_Z_SAMPLES};
use vae_playground::weights;

const LATENT: usize = 3;
const BETA: f32 = 0.7;

/// n images of the bundled digits (every third one) and noise for them.
fn batch(n: usize, latent: usize) -> (Vec<f32>, Vec<f32>) {
    let data = bundled().take(3 * n);
    let x = data.pixels(&(0..n).map(|i| i * 3).collect::<Vec<_>>()).unwrap();
    (x, SeededRng::new(9).standard_normal(n * latent))
}

/// A model a few Adam-sized steps away from its initialisation, so that no gradient is zero by symmetry and the
/// biases are not all zero.
fn trained_step(rows: usize) -> ConvStep {
    let mut step = ConvStep::new(Model::new(ModelConfig::conv(LATENT), 5).unwrap(), rows).unwrap();
    let mut rng = SeededRng::new(77);
    let jitter = rng.uniform(step.parameters().len(), 0.02);
    for (p, j) in step.parameters_mut().iter_mut().zip(jitter) {
        *p += j;
    }
    step
}

/// The 18 tensors of the contract: name, shape, place in the flat parameters.
fn tensors(latent: usize) -> Vec<(&'static str, Vec<usize>, std::ops::Range<usize>)> {
    ModelConfig::conv(latent).tensors().into_iter().map(|t| (t.name, t.shape, t.range)).collect()
}

fn oracle(params: &[f32], dtype: DType) -> ConvVae {
    let model = Model::from_parameters(ModelConfig::conv(LATENT), params.to_vec()).unwrap();
    ConvVae::from_model(model.view(), dtype).unwrap()
}

fn tensor(values: &[f32], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_slice(values, shape, &Device::Cpu).unwrap().to_dtype(dtype).unwrap()
}

fn flat(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_dtype(DType::F32).unwrap().to_vec1().unwrap()
}

/// candle's autograd through `ConvVae` and `negative_elbo`: (loss terms, gradient per tensor).
fn candle_gradients(params: &[f32], x: &[f32], eps: &[f32], beta: f32) -> (f32, f32, Vec<Vec<f32>>) {
    let n = x.len() / 784;
    let model = oracle(params, DType::F32);
    let (xt, et) = (tensor(x, &[n, 784], DType::F32), tensor(eps, &[n, LATENT], DType::F32));
    let Forward { mu, logvar, logits } = model.forward(&xt, &et).unwrap();
    let terms = negative_elbo(&logits, &xt, &mu, &logvar, beta as f64).unwrap();
    let grads = terms.total.backward().unwrap();
    let per_tensor = model.vars().iter().map(|v| flat(grads.get(v.as_tensor()).expect("every parameter has a gradient"))).collect();
    (terms.recon.to_scalar::<f32>().unwrap(), terms.kl.to_scalar::<f32>().unwrap(), per_tensor)
}

#[test]
fn gradients_and_loss_match_candle_autograd_over_several_chunks() {
    // More images than one chunk, and a last chunk that is not full.
    let n = CHUNK + 3;
    let (x, eps) = batch(n, LATENT);
    let mut step = trained_step(n);
    let (recon, kl) = step.gradients(&x, &eps, BETA, 1.0 / n as f32, &mut ());
    let (want_recon, want_kl, want) = candle_gradients(step.parameters(), &x, &eps, BETA);
    assert!((recon / n as f32 - want_recon).abs() <= 1e-5 * want_recon, "recon {} vs candle {want_recon}", recon / n as f32);
    assert!((kl / n as f32 - want_kl).abs() <= 1e-5 * want_kl.max(1.0), "kl {} vs candle {want_kl}", kl / n as f32);
    for ((name, _, range), want) in tensors(LATENT).into_iter().zip(want) {
        close(name, &step.gradient_buffer()[range], &want, 2e-5);
    }
}

#[test]
fn gradients_scale_with_scale_and_overwrite_the_last_ones() {
    let n = 5;
    let (x, eps) = batch(n, LATENT);
    let mut step = trained_step(n);
    let sums = step.gradients(&x, &eps, BETA, 1.0 / n as f32, &mut ());
    let mean_gradient = step.gradient_buffer().to_vec();
    // A share of a batch of 40: the same sums, the gradient of Σ / 40.
    let share = step.gradients(&x, &eps, BETA, 1.0 / 40.0, &mut ());
    assert_eq!(sums, share, "the sums do not depend on the scale");
    let expected: Vec<f32> = mean_gradient.iter().map(|g| g * n as f32 / 40.0).collect();
    close("scaled gradient", step.gradient_buffer(), &expected, 1e-6);
    // Called again with the first scale: the buffer holds that gradient again, bit for bit (overwritten, not added).
    step.gradients(&x, &eps, BETA, 1.0 / n as f32, &mut ());
    assert!(step.gradient_buffer().iter().zip(&mean_gradient).all(|(a, b)| a.to_bits() == b.to_bits()));
    // Fewer images than the step was made for use the first rows only.
    let mut one = trained_step(n);
    let (recon, _) = one.gradients(&x[..784], &eps[..LATENT], BETA, 1.0, &mut ());
    let (want_recon, _, want) = candle_gradients(one.parameters(), &x[..784], &eps[..LATENT], BETA);
    assert!((recon - want_recon).abs() <= 1e-5 * want_recon);
    close("enc.conv1.weight", &one.gradient_buffer()[tensors(LATENT)[0].2.clone()], &want[0], 2e-5);
}

#[test]
fn finite_differences_agree_with_the_step_for_some_parameters_of_every_tensor() {
    let n = 2;
    let (x, eps) = batch(n, LATENT);
    let mut step = trained_step(n);
    step.gradients(&x, &eps, BETA, 1.0 / n as f32, &mut ());
    let params = step.parameters().to_vec();
    // The loss in f64 through candle (the mean over the images: scale 1/n).
    let loss = |params: &[f32], shift: Option<(usize, f64)>| {
        let model = oracle(params, DType::F64);
        if let Some((index, h)) = shift {
            // The shift in f64, on the f64 copy of the parameter: a step of h is not rounded to f32.
            let (tensor_index, offset) = locate(index);
            let var = &model.vars()[tensor_index];
            let mut values: Vec<f64> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            values[offset] += h;
            var.set(&Tensor::from_vec(values, var.as_tensor().shape(), &Device::Cpu).unwrap()).unwrap();
        }
        let (xt, et) = (tensor(&x, &[n, 784], DType::F64), tensor(&eps, &[n, LATENT], DType::F64));
        let Forward { mu, logvar, logits } = model.forward(&xt, &et).unwrap();
        negative_elbo(&logits, &xt, &mu, &logvar, BETA as f64).unwrap().total.to_scalar::<f64>().unwrap()
    };
    // Small, so that the shift crosses no ReLU's kink: the background of a digit gives many units one and the same
    // pre-activation, and at 1e-4 some bias moved a few of them across zero (the difference quotient then jumped
    // to ten times the derivative). In f64 the quotient's rounding error at this step is ~1e-8.
    let h = 1e-6;
    let mut checked = 0;
    for (name, _, range) in tensors(LATENT) {
        let grads = &step.gradient_buffer()[range.clone()];
        let size = grads.iter().fold(0f32, |m, g| m.max(g.abs())) as f64;
        // The first, a middle and the last value, and the one with the largest gradient.
        let largest = grads.iter().enumerate().fold(0, |best, (i, g)| if g.abs() > grads[best].abs() { i } else { best });
        for offset in [0, range.len() / 2 + 1, range.len() - 1, largest] {
            let offset = offset.min(range.len() - 1);
            let index = range.start + offset;
            let fd = (loss(&params, Some((index, h))) - loss(&params, Some((index, -h)))) / (2.0 * h);
            let g = grads[offset] as f64;
            assert!((fd - g).abs() <= 2e-3 * fd.abs() + 2e-4 * size, "{name}[{offset}]: step {g}, finite difference {fd} (largest {size})");
            checked += 1;
        }
    }
    assert_eq!(checked, 18 * 4);
}

/// The tensor (index in table order) and offset of flat parameter `index`.
fn locate(index: usize) -> (usize, usize) {
    let all = tensors(LATENT);
    let t = all.iter().position(|(_, _, r)| r.contains(&index)).unwrap();
    (t, index - all[t].2.start)
}

/// Keras's "same" padding before the first position for these 3 × 3 layers, written out rather than computed (the
/// code under test computes it): at stride 2 over an even side none (the one row and column go after), at stride 1
/// one.
fn keras_before(stride: usize) -> isize {
    match stride {
        2 => 0,
        1 => 1,
        s => panic!("no layer here has stride {s}"),
    }
}

/// The layers written out, p being Keras's padding before (`keras_before`), where PyTorch's symmetric p would pad
/// both sides: Conv2d out[n,o,y,x] = b[o] + Σ in[n,i,y·s−p+ky, x·s−p+kx]·W[o,i,ky,kx]; ConvTranspose2d (the adjoint)
/// out[n,o,y·s−p+ky, x·s−p+kx] += in[n,i,y,x]·W[i,o,ky,kx], plus b[o]; positions outside are dropped. NCHW in and out.
fn reference(op: Op, input: &[f32], weight: &[f32], bias: &[f32], images: usize) -> Vec<f32> {
    match op {
        Op::Conv2d { inputs, outputs, stride, in_side, out_side } => {
            let p = keras_before(stride);
            let mut out = vec![0f32; images * outputs * out_side * out_side];
            for n in 0..images {
                for o in 0..outputs {
                    for y in 0..out_side {
                        for x in 0..out_side {
                            let mut sum = bias[o] as f64;
                            for i in 0..inputs {
                                for ky in 0..3 {
                                    for kx in 0..3 {
                                        let (iy, ix) = ((y * stride) as isize - p + ky as isize, (x * stride) as isize - p + kx as isize);
                                        if iy >= 0 && ix >= 0 && (iy as usize) < in_side && (ix as usize) < in_side {
                                            let v = input[((n * inputs + i) * in_side + iy as usize) * in_side + ix as usize];
                                            sum += v as f64 * weight[((o * inputs + i) * 3 + ky) * 3 + kx] as f64;
                                        }
                                    }
                                }
                            }
                            out[((n * outputs + o) * out_side + y) * out_side + x] = sum as f32;
                        }
                    }
                }
            }
            out
        }
        Op::ConvTranspose2d { inputs, outputs, stride, in_side, out_side } => {
            let p = keras_before(stride);
            let mut out = vec![0f64; images * outputs * out_side * out_side];
            for n in 0..images {
                for i in 0..inputs {
                    for y in 0..in_side {
                        for x in 0..in_side {
                            for o in 0..outputs {
                                for ky in 0..3 {
                                    for kx in 0..3 {
                                        let (oy, ox) = ((y * stride) as isize - p + ky as isize, (x * stride) as isize - p + kx as isize);
                                        if oy >= 0 && ox >= 0 && (oy as usize) < out_side && (ox as usize) < out_side {
                                            let v = input[((n * inputs + i) * in_side + y) * in_side + x] as f64;
                                            out[((n * outputs + o) * out_side + oy as usize) * out_side + ox as usize] +=
                                                v * weight[((i * outputs + o) * 3 + ky) * 3 + kx] as f64;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for (k, v) in out.iter_mut().enumerate() {
                *v += bias[(k / (out_side * out_side)) % outputs] as f64;
            }
            out.into_iter().map(|v| v as f32).collect()
        }
        Op::Linear { .. } => unreachable!(),
    }
}

/// [n, c, side²] ⇄ [n, side², c]
fn transpose_maps(values: &[f32], images: usize, rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0f32; values.len()];
    for n in 0..images {
        for r in 0..rows {
            for c in 0..cols {
                out[(n * cols + c) * rows + r] = values[(n * rows + r) * cols + c];
            }
        }
    }
    out
}

#[test]
fn each_convolution_matches_candle_and_kerass_same_padding() {
    let images = 2;
    let mut rng = SeededRng::new(3);
    for spec in CONV_LAYERS {
        let (inputs, outputs, in_side, out_side, stride) = match spec.op {
            Op::Conv2d { inputs, outputs, in_side, out_side, stride } => (inputs, outputs, in_side, out_side, stride),
            Op::ConvTranspose2d { inputs, outputs, in_side, out_side, stride } => (inputs, outputs, in_side, out_side, stride),
            Op::Linear { .. } => continue,
        };
        let input = rng.uniform(images * inputs * in_side * in_side, 1.0); // NCHW
        let weight = rng.uniform(inputs * outputs * TAPS, 0.3);
        let bias = rng.uniform(outputs, 0.5);
        let want = reference(spec.op, &input, &weight, &bias, images);

        // candle (symmetric padding only): stride 2 padded after by hand, or the full transposed result cropped
        let x = tensor(&input, &[images, inputs, in_side, in_side], DType::F32);
        let b = tensor(&bias, &[1, outputs, 1, 1], DType::F32);
        let candle = match (spec.op, stride) {
            (Op::Conv2d { .. }, 2) => {
                let padded = x.pad_with_zeros(2, 0, 1).unwrap().pad_with_zeros(3, 0, 1).unwrap();
                padded.conv2d(&tensor(&weight, &[outputs, inputs, 3, 3], DType::F32), 0, stride, 1, 1).unwrap()
            }
            (Op::Conv2d { .. }, _) => x.conv2d(&tensor(&weight, &[outputs, inputs, 3, 3], DType::F32), 1, stride, 1, 1).unwrap(),
            (_, 2) => {
                let full = x.conv_transpose2d(&tensor(&weight, &[inputs, outputs, 3, 3], DType::F32), 0, 0, stride, 1).unwrap();
                full.narrow(2, 0, out_side).unwrap().narrow(3, 0, out_side).unwrap()
            }
            _ => x.conv_transpose2d(&tensor(&weight, &[inputs, outputs, 3, 3], DType::F32), 1, 0, stride, 1).unwrap(),
        };
        close(spec.weight, &flat(&candle.broadcast_add(&b).unwrap()), &want, 1e-5);

        // the step's im2col / col2im and matmul, on NHWC maps with a tap-major kernel
        let nhwc = transpose_maps(&input, images, inputs, in_side * in_side);
        let mut out = vec![0f32; images * outputs * out_side * out_side];
        let got = match spec.op {
            Op::Conv2d { .. } => {
                let mut kernel = vec![0f32; weight.len()];
                to_position_major(&weight, outputs, inputs, TAPS, 1, &mut kernel);
                let grid = Grid::same(out_side, in_side, stride);
                let mut cols = vec![0f32; images * out_side * out_side * TAPS * inputs];
                im2col::conv2d(grid, &nhwc, inputs, &kernel, &bias, &mut cols, &mut out, false, &mut ());
                out
            }
            _ => {
                let mut kernel = vec![0f32; weight.len()];
                to_position_major(&weight, inputs, outputs, TAPS, 1, &mut kernel);
                let grid = Grid::same(in_side, out_side, stride);
                let mut cols = vec![0f32; images * in_side * in_side * TAPS * outputs];
                im2col::conv_transpose2d(grid, &nhwc, inputs, &kernel, &bias, &mut cols, &mut out, Finish::Keep, &mut ());
                out
            }
        };
        close(&format!("{} (im2col)", spec.weight), &transpose_maps(&got, images, out_side * out_side, outputs), &want, 1e-5);
    }
}

#[test]
fn the_decoder_alone_and_inference_decode_and_encode_as_candles_model() {
    let step = trained_step(1);
    let params = step.parameters();
    let config = ModelConfig::conv(LATENT);
    let mut decoder = Decoder::from_snapshot(config, &params[decoder_range(LATENT)]).unwrap();
    let model = oracle(params, DType::F32);
    // More points than one pass's chunk, and a last chunk that is not full.
    let z = SeededRng::new(4).uniform((CHUNK + 3) * LATENT, 2.5);
    let points = z.len() / LATENT;
    let want = flat(&candle_nn::ops::sigmoid(&model.decode_logits(&tensor(&z, &[points, LATENT], DType::F32)).unwrap()).unwrap());
    close("several points", &decoder.decode(&z).unwrap(), &want, 1e-5);
    close("one point", &decoder.decode_point(&z[3..6]).unwrap(), &want[784..1568], 1e-5);
    let mut pixels = vec![0f32; 784];
    decoder.decode_into(&z[..3], &mut pixels).unwrap();
    close("into a buffer", &pixels, &want[..784], 1e-5);
    // The model's own inference passes agree with candle's encoder and decoder.
    let view = vae_playground::model::ModelView::new(config, params);
    close("decode", &view.decode(&z).unwrap(), &want, 1e-5);
    let (x, _) = batch(CHUNK + 2, LATENT);
    let (mu, logvar) = view.encode(&x);
    let (want_mu, want_logvar) = model.encode(&tensor(&x, &[CHUNK + 2, 784], DType::F32)).unwrap();
    close("μ", &mu, &flat(&want_mu), 1e-5);
    close("log σ²", &logvar, &flat(&want_logvar), 1e-5);
    // Refusals name what is wrong.
    let msg = decoder.decode_point(&z[..2]).unwrap_err().to_string();
    assert!(msg.contains("one value per latent dimension"), "{msg}");
    let msg = Decoder::from_snapshot(config, &params[..10]).err().unwrap().to_string();
    assert!(msg.contains("has 68225 values, this one has 10"), "{msg}");
}

#[test]
fn the_same_seed_gives_the_same_parameters_with_kerass_initialisation() {
    let a = Model::new(ModelConfig::conv(2), 7).unwrap();
    let b = ConvVae::new(2, 7).unwrap().to_model().unwrap();
    assert_eq!(
        a.parameters().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        b.parameters().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    assert_ne!(a.parameters(), Model::new(ModelConfig::conv(2), 8).unwrap().parameters());
    for ((name, shape, range), spec) in tensors(2).into_iter().zip(CONV_LAYERS.iter().flat_map(|s| [Some(s), None])) {
        let values = &a.parameters()[range];
        assert_eq!(values.len(), shape.iter().product::<usize>(), "{name}");
        match spec {
            None => assert!(values.iter().all(|&v| v == 0.0), "{name}: zero biases"),
            Some(spec) => {
                // Glorot uniform: within ±√(6 / (fan_in + fan_out)), a kernel's fans counting its 9 taps.
                let fans = match spec.op {
                    Op::Conv2d { inputs, outputs, .. } | Op::ConvTranspose2d { inputs, outputs, .. } => 9 * (inputs + outputs),
                    Op::Linear { .. } => shape[0] + shape[1],
                };
                let bound = (6.0 / fans as f32).sqrt();
                let largest = values.iter().fold(0f32, |m, v| m.max(v.abs()));
                assert!(largest <= bound && largest > 0.9 * bound, "{name}: largest {largest}, bound {bound}");
                if values.len() > 1000 {
                    let variance = values.iter().map(|v| v * v).sum::<f32>() / values.len() as f32;
                    assert!((variance / (bound * bound / 3.0) - 1.0).abs() < 0.1, "{name}: variance {variance}");
                }
            }
        }
    }
    let msg = Model::from_parameters(ModelConfig::conv(2), vec![0.0; 5]).err().unwrap().to_string();
    assert!(msg.contains("has 134165 parameters, these are 5"), "{msg}");
    assert!(Model::new(ModelConfig::conv(0), 0).is_err() && Model::new(ModelConfig::conv(65), 0).is_err());
    // The structure takes 28 × 28 images only.
    let mut other = ModelConfig::conv(2);
    other.image.width = 32;
    assert!(Model::new(other, 0).unwrap_err().to_string().contains("28 × 28"));
}

#[test]
fn evaluation_is_train_evaluates_estimator_through_candles_model() {
    let (_, test) = bundled().split();
    let data = test.take(23);
    let step = trained_step(4);
    let got = evaluate(vae_playground::model::ModelView::new(ModelConfig::conv(LATENT), step.parameters()), &data).unwrap();

    // train::evaluate's estimator, through candle: chunks of 100 (one here), all draws at once, row s·N + i.
    let model = oracle(step.parameters(), DType::F32);
    let n = data.len();
    let x = tensor(&data.pixels(&(0..n).collect::<Vec<_>>()).unwrap(), &[n, 784], DType::F32);
    let eps = SeededRng::new(EVAL_SEED).standard_normal(EVAL_Z_SAMPLES * n * LATENT);
    let Forward { mu, logvar, logits } = model.forward(&x, &tensor(&eps, &[EVAL_Z_SAMPLES * n, LATENT], DType::F32)).unwrap();
    let kl =
        vae_playground::oracle::loss::kl_to_standard_normal_per_image(&mu, &logvar).unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
    let targets = x.repeat((EVAL_Z_SAMPLES, 1)).unwrap();
    let recon =
        vae_playground::oracle::loss::bce_with_logits_per_image(&logits, &targets).unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
    let (recon, kl) = (recon / (EVAL_Z_SAMPLES * n) as f32, kl / n as f32);
    assert!((got.recon - recon).abs() <= 1e-4 * recon, "recon {} vs {recon}", got.recon);
    assert!((got.kl - kl).abs() <= 1e-4 * kl.max(1.0), "kl {} vs {kl}", got.kl);
    assert!((got.neg_elbo - got.recon - got.kl).abs() < 1e-3);
}

#[test]
fn a_conv_models_weights_round_trip_and_a_file_that_does_not_fit_is_refused_naming_the_tensor() {
    let step = trained_step(1);
    let model = Model::from_parameters(ModelConfig::conv(LATENT), step.parameters().to_vec()).unwrap();
    let bytes = weights::to_safetensors(model.view(), 0.5).unwrap();
    let metadata = weights::metadata(&bytes).unwrap();
    assert_eq!(metadata.get("architecture").map(String::as_str), Some("conv"));
    assert!(!metadata.contains_key("hidden"), "no hidden units in a conv file: {metadata:?}");
    let loaded = weights::from_safetensors(&bytes).unwrap();
    assert_eq!(loaded.model, model);
    assert_eq!(loaded.beta, 0.5);
    assert_eq!(weights::config_from_safetensors(&bytes).unwrap(), ModelConfig::conv(LATENT));

    // Without metadata (as PyTorch writes by default) the tensor names tell the structure: conv here, MLP for an
    // MLP's file (whose ten names are all among the conv's).
    assert_eq!(weights::from_safetensors(&file(&model.view().named_tensors(), None)).unwrap().model, model);
    let mlp = Model::new(ModelConfig::mlp(20, LATENT), 1).unwrap();
    assert_eq!(weights::from_safetensors(&file(&mlp.view().named_tensors(), None)).unwrap().model.config().architecture, Architecture::Mlp);

    // A conv file with one tensor of another shape: refused, naming it and the layout.
    let mut wrong = model.view().named_tensors();
    let short = vec![0f32; 32 * 3 * 2];
    wrong[0] = ("enc.conv1.weight", vec![32, 1, 3, 2], &short);
    let msg = weights::from_safetensors(&file(&wrong, None)).unwrap_err().to_string();
    assert!(msg.contains("enc.conv1.weight") && msg.contains("[32, 1, 3, 3]") && msg.contains("Conv2d"), "{msg}");
    // An MLP's file that declares itself conv: refused, naming a tensor the conv structure needs.
    let declared = [("architecture".to_string(), "conv".to_string())].into_iter().collect();
    let msg = weights::from_safetensors(&file(&mlp.view().named_tensors(), Some(declared))).unwrap_err().to_string();
    assert!(msg.contains("enc.conv1.weight"), "{msg}");
}

#[test]
fn a_conv_file_says_its_padding_and_one_from_a_build_that_padded_otherwise_is_refused() {
    let model = Model::new(ModelConfig::conv(LATENT), 4).unwrap();
    let bytes = weights::to_safetensors(model.view(), 1.0).unwrap();
    let metadata = weights::metadata(&bytes).unwrap();
    assert_eq!(metadata.get("padding").map(String::as_str), Some("keras-same"), "{metadata:?}");
    assert!(!weights::metadata(&weights::to_safetensors(Model::new(ModelConfig::mlp(8, 2), 0).unwrap().view(), 1.0).unwrap())
        .unwrap()
        .contains_key("padding"));

    // This playground's conv file from before the padding was Keras's: the same tensors, drawn otherwise. Refused.
    let older: std::collections::HashMap<String, String> =
        [("format", weights::FORMAT), ("architecture", "conv"), ("latent", "2")].into_iter().map(|(k, v)| (k.into(), v.into())).collect();
    let msg = weights::from_safetensors(&file(&model.view().named_tensors(), Some(older.clone()))).unwrap_err().to_string();
    assert!(msg.contains("earlier build") && msg.contains("padding") && msg.contains("Train the model again"), "{msg}");
    // A padding this playground does not know: refused, naming it.
    let mut other = older;
    other.insert("padding".into(), "pytorch".into());
    let msg = weights::from_safetensors(&file(&model.view().named_tensors(), Some(other))).unwrap_err().to_string();
    assert!(msg.contains("\"pytorch\"") && msg.contains("keras-same"), "{msg}");
    // Written elsewhere (no metadata): the contract's geometry is taken as given.
    assert_eq!(weights::from_safetensors(&file(&model.view().named_tensors(), None)).unwrap().model, model);
}

/// A safetensors file of f32 tensors, written by the safetensors crate (not by the code under test).
fn file(tensors: &[(&str, Vec<usize>, &[f32])], metadata: Option<std::collections::HashMap<String, String>>) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = tensors.iter().map(|(_, _, values)| values.iter().flat_map(|v| v.to_le_bytes()).collect()).collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> = tensors
        .iter()
        .zip(&bytes)
        .map(|((name, shape, _), bytes)| {
            (name.to_string(), safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes).unwrap())
        })
        .collect();
    safetensors::serialize(views, metadata).unwrap()
}
