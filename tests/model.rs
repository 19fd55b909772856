#![cfg(not(target_arch = "wasm32"))]
//! The model's layers: the data-input shortcut agrees with the plain matmul, in value and in gradient.

use candle_core::{Device, Tensor, Var};
use vae_playground::model::Layer;

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
