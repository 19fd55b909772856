#![cfg(not(target_arch = "wasm32"))]
//! The MLP's training step computes what candle's autograd computes: the same loss terms, the same gradients and
//! (with `Adam`) the same update as candle's AdamW, for a model of odd sizes and β ≠ 1.

mod common;
use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use common::bundled;
use vae_playground::oracle::loss::negative_elbo;
use vae_playground::oracle::mlp::Vae;
use vae_playground::oracle::Forward;
use vae_playground::rng::SeededRng;
use vae_playground::step::{descend, Adam, MlpStep, TrainStep};
use vae_playground::{Model, ModelConfig};

const N: usize = 24;
const BETA: f32 = 0.7;

fn setup() -> (Model, Vec<f32>, Vec<f32>) {
    let config = ModelConfig::mlp(40, 3);
    let model = Model::new(config, 5).unwrap();
    let data = bundled().take(N * 4);
    let x = data.pixels(&(0..N).map(|i| i * 3).collect::<Vec<_>>()).unwrap();
    let eps = SeededRng::new(9).standard_normal(N * config.latent);
    (model, x, eps)
}

/// candle computes in another order: equal to 2e-5 of the largest value.
fn close(name: &str, got: &[f32], want: &[f32]) {
    common::close(name, got, want, 2e-5);
}

#[test]
fn gradients_and_loss_match_candle_autograd() {
    let (model, x, eps) = setup();
    let vae = Vae::from_model(model.view()).unwrap();
    let xt = Tensor::from_slice(&x, (N, 784), &Device::Cpu).unwrap();
    let et = Tensor::from_slice(&eps, (N, 3), &Device::Cpu).unwrap();
    let Forward { mu, logvar, logits } = vae.forward(&xt, &et).unwrap();
    let terms = negative_elbo(&logits, &xt, &mu, &logvar, BETA as f64).unwrap();
    let grads = terms.total.backward().unwrap();

    let mut step = MlpStep::new(model.clone(), N).unwrap();
    let (recon, kl) = step.gradients(&x, &eps, BETA, 1.0 / N as f32, &mut ());
    let got_loss = (recon + BETA * kl) / N as f32;
    let want_loss = terms.total.to_scalar::<f32>().unwrap();
    assert!((got_loss - want_loss).abs() <= 1e-5 * want_loss, "loss {got_loss} vs candle {want_loss}");
    assert!((kl / N as f32 - terms.kl.to_scalar::<f32>().unwrap()).abs() <= 1e-4, "kl");
    for ((name, tensor), spec) in vae.named_tensors().into_iter().zip(model.config().tensors()) {
        let want: Vec<f32> = grads.get(tensor).expect("every parameter has a gradient").flatten_all().unwrap().to_vec1().unwrap();
        close(name, &step.gradient_buffer()[spec.range], &want);
    }
}

#[test]
fn gradients_scale_with_scale_and_overwrite_the_last_ones() {
    let (model, x, eps) = setup();
    let mut step = MlpStep::new(model, N).unwrap();
    let sums = step.gradients(&x, &eps, BETA, 1.0 / N as f32, &mut ());
    let mean_gradient = step.gradient_buffer().to_vec();
    // A share of a batch of 96 images: the same sums, the gradient of Σ / 96.
    let share = step.gradients(&x, &eps, BETA, 1.0 / 96.0, &mut ());
    assert_eq!(sums, share, "the sums do not depend on the scale");
    let expected: Vec<f32> = mean_gradient.iter().map(|g| g * N as f32 / 96.0).collect();
    close("scaled gradient", step.gradient_buffer(), &expected);
    // Called again with the first scale: the buffer holds that gradient again, bit for bit (overwritten, not added).
    step.gradients(&x, &eps, BETA, 1.0 / N as f32, &mut ());
    assert!(step.gradient_buffer().iter().zip(&mean_gradient).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn three_adam_steps_match_candles_adamw_and_the_model_follows() {
    let (model, x, eps) = setup();
    let reference = Vae::from_model(model.view()).unwrap();
    let xt = Tensor::from_slice(&x, (N, 784), &Device::Cpu).unwrap();
    let et = Tensor::from_slice(&eps, (N, 3), &Device::Cpu).unwrap();
    let mut adamw = AdamW::new(reference.vars().to_vec(), ParamsAdamW { lr: 3e-3, weight_decay: 0.0, ..Default::default() }).unwrap();
    let mut step = MlpStep::new(model.clone(), N).unwrap();
    let mut adam = Adam::for_step(&step);
    for _ in 0..3 {
        let Forward { mu, logvar, logits } = reference.forward(&xt, &et).unwrap();
        adamw.step(&negative_elbo(&logits, &xt, &mu, &logvar, BETA as f64).unwrap().total.backward().unwrap()).unwrap();
        descend(&mut step, &mut adam, &x, &eps, BETA, 3e-3, &mut ()).unwrap();
    }
    let want = reference.to_model().unwrap();
    for spec in model.config().tensors() {
        let (got, want, start) =
            (&step.parameters()[spec.range.clone()], &want.parameters()[spec.range.clone()], &model.parameters()[spec.range]);
        // Compare the updates (three steps of ~3e-3 each), not the weights, so the check has teeth.
        let moved = |w: &[f32]| w.iter().zip(start).map(|(a, b)| a - b).collect::<Vec<_>>();
        close(spec.name, &moved(got), &moved(want));
        assert!(moved(got).iter().any(|d| d.abs() > 1e-3), "{} moved", spec.name);
    }
}

#[test]
fn a_non_finite_batch_is_refused_and_changes_nothing() {
    let (model, mut x, eps) = setup();
    let mut step = MlpStep::new(model.clone(), N).unwrap();
    let mut adam = Adam::for_step(&step);
    x[100] = f32::NAN;
    assert!(descend(&mut step, &mut adam, &x, &eps, BETA, 1e-3, &mut ()).is_err());
    assert_eq!(adam.steps(), 0, "no update was taken");
    let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(step.parameters()), bits(model.parameters()), "parameters untouched");
}
