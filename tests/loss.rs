#![cfg(not(target_arch = "wasm32"))]
//! The loss against hand-computed values, its gradients against finite differences, and its stability.

use candle_core::{DType, Device, Tensor, Var};
use vae_playground::oracle::loss::{bce_with_logits_per_image, kl_to_standard_normal_per_image, negative_elbo};

fn t(values: &[f64], dims: &[usize]) -> Tensor {
    Tensor::from_slice(values, dims, &Device::Cpu).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn bce_matches_hand_computed_values() {
    // Per pixel: BCE(x, l) = −x·log σ(l) − (1−x)·log(1−σ(l)).
    //   x=1, l=0  → log 2               = 0.693147
    //   x=0, l=2  → log(1 + e²)         = 2.126928
    //   x=½, l=−1 → ½·log(1+e) + ½·log(1+e^−1) = 0.813262
    let logits = t(&[0.0, 2.0, -1.0], &[1, 3]);
    let x = t(&[1.0, 0.0, 0.5], &[1, 3]);
    let got = bce_with_logits_per_image(&logits, &x).unwrap().to_vec1::<f64>().unwrap();
    assert_eq!(got.len(), 1, "one value per image");
    assert!(close(got[0], std::f64::consts::LN_2 + 2.126928 + 0.813262, 1e-6), "got {got:?}");
}

#[test]
fn kl_matches_hand_computed_values() {
    // ½(σ² + μ² − log σ² − 1): μ=1, log σ²=0 → 0.5;  μ=0, log σ²=ln 2 → ½(2 − ln 2 − 1) = 0.153426;
    // the prior itself, μ=0, log σ²=0 → 0.
    let mu = t(&[1.0, 0.0, 0.0, 0.0], &[2, 2]);
    let logvar = t(&[0.0, 2f64.ln(), 0.0, 0.0], &[2, 2]);
    let got = kl_to_standard_normal_per_image(&mu, &logvar).unwrap().to_vec1::<f64>().unwrap();
    assert!(close(got[0], 0.5 + 0.153426, 1e-6), "got {got:?}");
    assert_eq!(got[1], 0.0);
}

#[test]
fn bce_is_finite_and_right_at_extreme_logits() {
    let logits = Tensor::from_slice(&[100f32, -100., 100., -100.], (4, 1), &Device::Cpu).unwrap();
    let x = Tensor::from_slice(&[1f32, 1., 0., 0.], (4, 1), &Device::Cpu).unwrap();
    let got = bce_with_logits_per_image(&logits, &x).unwrap().to_vec1::<f32>().unwrap();
    // Confident and right → ~0; confident and wrong → the logit's size, not inf.
    assert!(got[0].abs() < 1e-6 && got[3].abs() < 1e-6, "{got:?}");
    assert!((got[1] - 100.0).abs() < 1e-3 && (got[2] - 100.0).abs() < 1e-3, "{got:?}");

    let var = Var::from_tensor(&logits).unwrap();
    let grads = bce_with_logits_per_image(var.as_tensor(), &x).unwrap().sum_all().unwrap().backward().unwrap();
    let grad = grads.get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    // d/dl = σ(l) − x: 0, −1, 1, 0.
    let want = [0f32, -1., 1., 0.];
    for (g, w) in grad.iter().zip(want) {
        assert!(g.is_finite() && (g - w).abs() < 1e-5, "gradient {grad:?}, want {want:?}");
    }
}

#[test]
fn loss_gradients_match_finite_differences() {
    let logits = [0.3, -1.2, 2.0, 0.0, -0.4, 1.1];
    let x = t(&[0.0, 0.5, 1.0, 0.2, 0.9, 0.0], &[2, 3]);
    let mu = [0.5, -0.3, 1.5, 0.1];
    let logvar = [-0.2, 0.4, 0.0, -1.0];
    let beta = 0.7;
    let loss = |l: &[f64], m: &[f64], v: &[f64]| -> f64 {
        negative_elbo(&t(l, &[2, 3]), &x, &t(m, &[2, 2]), &t(v, &[2, 2]), beta).unwrap().total.to_scalar::<f64>().unwrap()
    };

    let vars: Vec<Var> = [(&logits[..], [2, 3]), (&mu[..], [2, 2]), (&logvar[..], [2, 2])]
        .iter()
        .map(|(v, d)| Var::from_tensor(&t(v, &d[..])).unwrap())
        .collect();
    let total = negative_elbo(vars[0].as_tensor(), &x, vars[1].as_tensor(), vars[2].as_tensor(), beta).unwrap().total;
    let grads = total.backward().unwrap();

    let h = 1e-6;
    let inputs = [logits.to_vec(), mu.to_vec(), logvar.to_vec()];
    for (which, var) in vars.iter().enumerate() {
        let analytic = grads.get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        for i in 0..inputs[which].len() {
            let mut plus = inputs.clone();
            let mut minus = inputs.clone();
            plus[which][i] += h;
            minus[which][i] -= h;
            let numeric = (loss(&plus[0], &plus[1], &plus[2]) - loss(&minus[0], &minus[1], &minus[2])) / (2.0 * h);
            assert!(
                close(analytic[i], numeric, 1e-5),
                "input {which} element {i}: autograd {} vs finite difference {numeric}",
                analytic[i]
            );
        }
    }
    assert_eq!(total.dtype(), DType::F64);
}

#[test]
fn batch_loss_is_the_mean_of_per_image_losses() {
    let logits = t(&[0.0, 1.0, -2.0, 3.0], &[2, 2]);
    let x = t(&[1.0, 0.0, 0.0, 1.0], &[2, 2]);
    let mu = t(&[1.0, 0.0], &[2, 1]);
    let logvar = t(&[0.0, 0.0], &[2, 1]);
    let terms = negative_elbo(&logits, &x, &mu, &logvar, 2.0).unwrap();
    let per_image = bce_with_logits_per_image(&logits, &x).unwrap().to_vec1::<f64>().unwrap();
    let recon = terms.recon.to_scalar::<f64>().unwrap();
    let kl = terms.kl.to_scalar::<f64>().unwrap();
    assert!(close(recon, (per_image[0] + per_image[1]) / 2.0, 1e-12));
    assert!(close(kl, 0.25, 1e-12), "KL of μ=1 is 0.5, of μ=0 is 0: mean 0.25, got {kl}");
    assert!(close(terms.total.to_scalar::<f64>().unwrap(), recon + 2.0 * kl, 1e-12), "total = recon + β·KL");
}
