#![cfg(not(target_arch = "wasm32"))]
//! The MLP: its oracle's data-input shortcut agrees with the plain matmul, in value and in gradient; several draws
//! of z per image; and the inference passes over flat parameters agree with the oracle.

use candle_core::{Device, Tensor, Var};
use vae_playground::oracle::mlp::{Layer, Vae};
use vae_playground::oracle::Forward;
use vae_playground::{Model, ModelConfig};

#[test]
fn forward_on_data_matches_forward_in_value_and_weight_gradient() {
    let dev = Device::Cpu;
    let x = Tensor::randn(0f32, 1., (5, 7), &dev).unwrap();
    let weight = Var::from_tensor(&Tensor::randn(0f32, 1., (3, 7), &dev).unwrap()).unwrap();
    let bias = Var::from_tensor(&Tensor::randn(0f32, 1., 3, &dev).unwrap()).unwrap();
    let layer = Layer { weight: weight.as_tensor().clone(), bias: bias.as_tensor().clone() };
    let upstream = Tensor::randn(0f32, 1., (5, 3), &dev).unwrap();

    let plain = layer.forward(&x).unwrap();
    let shortcut = layer.forward_on_data(&x).unwrap();
    let diff = (&plain - &shortcut).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert!(diff < 1e-5, "values differ by {diff}");

    let grad_of = |y: &Tensor| {
        let grads = (y * &upstream).unwrap().sum_all().unwrap().backward().unwrap();
        (grads.get(weight.as_tensor()).unwrap().clone(), grads.get(bias.as_tensor()).unwrap().clone())
    };
    let (gw_plain, gb_plain) = grad_of(&plain);
    let (gw_short, gb_short) = grad_of(&shortcut);
    let dw = (gw_plain - gw_short).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    let db = (gb_plain - gb_short).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert!(dw < 1e-4 && db < 1e-5, "weight gradient differs by {dw}, bias by {db}");
}

#[test]
fn forward_with_several_draws_equals_one_pass_per_draw() {
    let dev = Device::Cpu;
    let vae = Vae::new(ModelConfig::mlp(16, 3), 7).unwrap();
    let x = Tensor::rand(0f32, 1., (4, 784), &dev).unwrap();
    let eps = Tensor::randn(0f32, 1., (3 * 4, 3), &dev).unwrap();
    let Forward { mu, logits, .. } = vae.forward(&x, &eps).unwrap();
    assert_eq!(mu.dims(), &[4, 3], "one code per image, however many draws");
    assert_eq!(logits.dims(), &[12, 784], "one decoded image per draw");
    for draw in 0..3 {
        let one = vae.forward(&x, &eps.narrow(0, 4 * draw, 4).unwrap()).unwrap().logits;
        let same = logits.narrow(0, 4 * draw, 4).unwrap();
        let diff = (one - same).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 1e-5, "draw {draw}: rows s·N + i are draw s of image i (diff {diff})");
    }
    // z = μ + σ·ε: with ε = 0 every draw decodes μ.
    let zero = vae.forward(&x, &Tensor::zeros((4, 3), candle_core::DType::F32, &dev).unwrap()).unwrap().logits;
    let from_mu = vae.decode_logits(&mu).unwrap();
    assert_eq!(zero.to_vec2::<f32>().unwrap(), from_mu.to_vec2::<f32>().unwrap());
    let msg = vae.forward(&x, &Tensor::zeros((5, 3), candle_core::DType::F32, &dev).unwrap()).err().unwrap().to_string();
    assert!(msg.contains("noise rows = 5"), "{msg}");
}

#[test]
fn inference_over_flat_parameters_matches_the_oracle() {
    let model = Model::new(ModelConfig::mlp(24, 3), 4).unwrap();
    let vae = Vae::from_model(model.view()).unwrap();
    let x: Vec<f32> = (0..5 * 784).map(|i| ((i * 37) % 256) as f32 / 255.0).collect();
    let (mu, logvar) = model.view().encode(&x);
    let (want_mu, want_logvar) = vae.encode(&Tensor::from_slice(&x, (5, 784), &Device::Cpu).unwrap()).unwrap();
    let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let close = |a: &[f32], b: &[f32]| a.len() == b.len() && a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-5 * (1.0 + b.abs()));
    assert!(close(&mu, &flat(&want_mu)) && close(&logvar, &flat(&want_logvar)), "encode");
    let z: Vec<f32> = (0..300 * 3).map(|i| ((i * 7919) % 1000) as f32 / 250.0 - 2.0).collect();
    let logits = model.view().decode_logits(&z);
    let want = vae.decode_logits(&Tensor::from_slice(&z, (300, 3), &Device::Cpu).unwrap()).unwrap();
    assert!(close(&logits, &flat(&want)), "decode, over more than one pass of rows");
    let pixels = model.view().decode(&z).unwrap();
    assert!(pixels.iter().zip(&logits).all(|(p, l)| (p - 1.0 / (1.0 + (-l).exp())).abs() < 1e-6));
}
