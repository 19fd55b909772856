#![cfg(not(target_arch = "wasm32"))]
//! The fused training step computes what candle's autograd computes: the same loss terms, the same gradients and
//! the same Adam update, for a model of odd sizes and β ≠ 1.

mod common;
use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use common::bundled;
use vae_playground::fused::FusedStep;
use vae_playground::loss::negative_elbo;
use vae_playground::model::Forward;
use vae_playground::rng::SeededRng;
use vae_playground::{Vae, VaeConfig};

const N: usize = 24;

fn setup() -> (Vae, Vec<f32>, Vec<f32>) {
    let config = VaeConfig { hidden: 40, latent: 3, beta: 0.7 };
    let vae = Vae::new(config, 5).unwrap();
    let data = bundled().take(N * 4);
    let x: Vec<f32> = data.batch(&(0..N).map(|i| i * 3).collect::<Vec<_>>()).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    let eps = SeededRng::new(9).standard_normal(N * config.latent);
    (vae, x, eps)
}

fn close(name: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{name}: lengths");
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(worst <= 2e-5 * scale, "{name}: worst difference {worst} against a largest value of {scale}");
}

#[test]
fn gradients_and_loss_match_candle_autograd() {
    let (vae, x, eps) = setup();
    let xt = Tensor::from_slice(&x, (N, 784), &Device::Cpu).unwrap();
    let et = Tensor::from_slice(&eps, (N, 3), &Device::Cpu).unwrap();
    let Forward { mu, logvar, logits } = vae.forward(&xt, &et).unwrap();
    let terms = negative_elbo(&logits, &xt, &mu, &logvar, 0.7).unwrap();
    let grads = terms.total.backward().unwrap();

    let mut fused = FusedStep::new(&vae, N).unwrap();
    let got = fused.gradients(&x, &eps, &mut ());
    let want_loss = terms.total.to_scalar::<f32>().unwrap();
    assert!((got.loss - want_loss).abs() <= 1e-5 * want_loss, "loss {} vs candle {want_loss}", got.loss);
    assert!((got.kl - terms.kl.to_scalar::<f32>().unwrap()).abs() <= 1e-4, "kl");
    for ((name, tensor), grad) in vae.named_tensors().into_iter().zip(fused.gradient_tensors()) {
        let want: Vec<f32> = grads.get(tensor).expect("every parameter has a gradient").flatten_all().unwrap().to_vec1().unwrap();
        close(name, grad, &want);
    }
}

#[test]
fn three_adam_steps_match_candles_adamw_and_the_model_follows() {
    let (vae, x, eps) = setup();
    let reference = Vae::new(vae.config(), 5).unwrap();
    let xt = Tensor::from_slice(&x, (N, 784), &Device::Cpu).unwrap();
    let et = Tensor::from_slice(&eps, (N, 3), &Device::Cpu).unwrap();
    let mut adam = AdamW::new(reference.vars().to_vec(), ParamsAdamW { lr: 3e-3, weight_decay: 0.0, ..Default::default() }).unwrap();
    let mut fused = FusedStep::new(&vae, N).unwrap();
    for _ in 0..3 {
        let Forward { mu, logvar, logits } = reference.forward(&xt, &et).unwrap();
        adam.step(&negative_elbo(&logits, &xt, &mu, &logvar, 0.7).unwrap().total.backward().unwrap()).unwrap();
        fused.step(&x, &eps, 3e-3, &mut ()).unwrap();
    }
    fused.write_into(&vae).unwrap();
    let before = Vae::new(vae.config(), 5).unwrap();
    for (((name, got), (_, want)), (_, start)) in vae.named_tensors().into_iter().zip(reference.named_tensors()).zip(before.named_tensors())
    {
        let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let (got, want, start) = (flat(got), flat(want), flat(start));
        // Compare the updates (three steps of ~3e-3 each), not the weights, so the check has teeth.
        let moved = |w: &[f32]| w.iter().zip(&start).map(|(a, b)| a - b).collect::<Vec<_>>();
        close(name, &moved(&got), &moved(&want));
        assert!(moved(&got).iter().any(|d| d.abs() > 1e-3), "{name} moved");
    }
}

#[test]
fn a_non_finite_batch_is_refused_and_changes_nothing() {
    let (vae, mut x, eps) = setup();
    let mut fused = FusedStep::new(&vae, N).unwrap();
    x[100] = f32::NAN;
    assert!(fused.step(&x, &eps, 1e-3, &mut ()).is_err());
    fused.write_into(&vae).unwrap();
    let fresh = Vae::new(vae.config(), 5).unwrap();
    for ((name, a), (_, b)) in vae.named_tensors().into_iter().zip(fresh.named_tensors()) {
        let bits = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(a), bits(b), "{name} untouched");
    }
}
