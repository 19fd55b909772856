#![cfg(not(target_arch = "wasm32"))]
//! The model's layers: the data-input shortcut agrees with the plain matmul, in value and in gradient.

use candle_core::{Device, Tensor, Var};
use vae_playground::model::{Forward, Layer};
use vae_playground::{Vae, VaeConfig};

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
    let vae = Vae::new(VaeConfig { hidden: 16, latent: 3, beta: 1.0 }, 7).unwrap();
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
    let from_mu = vae.decoder().decode_logits(&mu).unwrap();
    assert_eq!(zero.to_vec2::<f32>().unwrap(), from_mu.to_vec2::<f32>().unwrap());
    let msg = vae.forward(&x, &Tensor::zeros((5, 3), candle_core::DType::F32, &dev).unwrap()).err().unwrap().to_string();
    assert!(msg.contains("noise rows = 5"), "{msg}");
}
