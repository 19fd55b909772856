#![cfg(target_arch = "wasm32")]
//! The convolutional step compiled to wasm32 (the f32x4 matmul kernel, either build), in real Chrome: its gradients
//! are candle's autograd's, a step and a decode allocate nothing, and (printed, never asserted) how fast they run.
//! `wasm-pack test --headless --chrome . --features bench -- --test wasm_conv`; add `--release` for figures worth
//! reading. The allocation count and the peak loop are the benchmark's diagnostics (the `bench` feature).

use candle_core::{DType, Device, Tensor};
#[cfg(feature = "bench")]
use vae_playground::kernels::matmul::peak_loop;
use vae_playground::model::{Model, ModelConfig};
use vae_playground::oracle::conv::ConvVae;
use vae_playground::oracle::loss::negative_elbo;
use vae_playground::oracle::Forward;
use vae_playground::rng::SeededRng;
use vae_playground::step::{ConvStep, TrainStep};
#[cfg(feature = "bench")]
use vae_playground::wasm::alloc_count::allocations;
use vae_playground::Dataset;
#[cfg(feature = "bench")]
use vae_playground::{
    model::Decoder,
    step::{descend, Adam, Clock, Part},
};
#[cfg(feature = "bench")]
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const IMAGES_GZ: &[u8] = include_bytes!("../data/mnist-10k-images.idx3-ubyte.gz");
const LABELS_GZ: &[u8] = include_bytes!("../data/mnist-10k-labels.idx1-ubyte.gz");
const LATENT: usize = 2;

fn digits(n: usize) -> Vec<f32> {
    let data = Dataset::from_idx_gz("images", IMAGES_GZ, "labels", LABELS_GZ).unwrap();
    data.pixels(&(0..n).map(|i| i * 7).collect::<Vec<_>>()).unwrap()
}

/// performance.now(), in milliseconds.
#[cfg(feature = "bench")]
fn now() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).unwrap();
    let now = js_sys::Reflect::get(&performance, &JsValue::from_str("now")).unwrap();
    js_sys::Function::from(now).call0(&performance).unwrap().as_f64().unwrap()
}

#[wasm_bindgen_test]
fn gradients_match_candle_autograd_in_wasm() {
    // Five images two at a time: full chunks and a partial one, small enough for a debug build (a test that holds
    // the page for ~20 s loses its connection to the test runner).
    let n = 5;
    let x = digits(n);
    let eps = SeededRng::new(3).standard_normal(n * LATENT);
    let config = ModelConfig::conv(LATENT);
    let mut step = ConvStep::with_chunk(Model::new(config, 4).unwrap(), n, 2).unwrap();
    // Away from the initialisation (zero biases), so that every gradient is exercised.
    let jitter = SeededRng::new(5).uniform(step.parameters().len(), 0.02);
    step.parameters_mut().iter_mut().zip(jitter).for_each(|(p, j)| *p += j);
    let (recon, kl) = step.gradients(&x, &eps, 0.8, 1.0 / n as f32, &mut ());

    let model = ConvVae::from_model(vae_playground::model::ModelView::new(config, step.parameters()), DType::F32).unwrap();
    let xt = Tensor::from_slice(&x, (n, 784), &Device::Cpu).unwrap();
    let et = Tensor::from_slice(&eps, (n, LATENT), &Device::Cpu).unwrap();
    let Forward { mu, logvar, logits } = model.forward(&xt, &et).unwrap();
    let terms = negative_elbo(&logits, &xt, &mu, &logvar, 0.8).unwrap();
    let want_recon = terms.recon.to_scalar::<f32>().unwrap();
    assert!((recon / n as f32 - want_recon).abs() <= 1e-5 * want_recon, "recon {} vs {want_recon}", recon / n as f32);
    assert!((kl / n as f32 - terms.kl.to_scalar::<f32>().unwrap()).abs() <= 1e-4);
    let grads = terms.total.backward().unwrap();
    for (tensor, var) in config.tensors().into_iter().zip(model.vars()) {
        let (name, range) = (tensor.name, tensor.range);
        let want: Vec<f32> = grads.get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let got = &step.gradient_buffer()[range];
        let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        // The relaxed build fuses multiply-adds (rounded once, not twice): a few more ulp than natively.
        assert!(worst <= 5e-5 * scale, "{name}: worst difference {worst} against a largest value of {scale}");
    }
}

/// Milliseconds per part of a step.
#[cfg(feature = "bench")]
struct Profile {
    last: f64,
    ms: [f64; Part::ALL.len()],
}

#[cfg(feature = "bench")]
impl Clock for Profile {
    fn mark(&mut self, part: Part) {
        let t = now();
        self.ms[part as usize] += t - self.last;
        self.last = t;
    }
}

#[cfg(feature = "bench")]
#[wasm_bindgen_test]
fn steps_and_decoding_allocate_nothing_and_report_their_speed() {
    // A full batch in an optimised build (`--release`), a small one in a debug build (see above).
    let (rows, steps) = if cfg!(debug_assertions) { (16, 2) } else { (128, 9) };
    let x = digits(rows);
    let mut eps = vec![0f32; rows * LATENT];
    let mut noise = SeededRng::new(1);
    let config = ModelConfig::conv(LATENT);
    let mut step = ConvStep::new(Model::new(config, 0).unwrap(), rows).unwrap();
    let mut adam = Adam::for_step(&step);
    let mut train = |step: &mut ConvStep, n: usize, clock: &mut Profile| {
        noise.fill_standard_normal(&mut eps[..n * LATENT]);
        descend(step, &mut adam, &x[..n * 784], &eps[..n * LATENT], 1.0, 1e-3, clock).unwrap();
    };
    let mut profile = Profile { last: now(), ms: [0.0; Part::ALL.len()] };
    train(&mut step, rows, &mut profile); // sizes the kernel's packing buffer
    let mut decoder = Decoder::from_snapshot(config, &step.parameters()[config.decoder_range()]).unwrap();
    let mut pixels = vec![0f32; 784];
    decoder.decode_into(&[0.1, 0.2], &mut pixels).unwrap(); // makes its maps

    let mut decode_ms = vec![0f64; 100];
    let mut shares = vec![(0f64, 0f64); steps];
    let before = allocations();
    let mut profile = Profile { last: now(), ms: [0.0; Part::ALL.len()] };
    let mut step_ms = 0.0;
    for share in shares.iter_mut() {
        // The register-only multiply-add peak just before each step: the machine is shared, and a share of the
        // peak measured at the same moment says more than a rate.
        let peak = peak_gflops();
        let products_before = profile.ms[Part::MatmulForward as usize] + profile.ms[Part::MatmulBackward as usize];
        let started = now();
        train(&mut step, rows, &mut profile);
        let ms = now() - started;
        step_ms += ms;
        let products_ms = profile.ms[Part::MatmulForward as usize] + profile.ms[Part::MatmulBackward as usize] - products_before;
        *share = (step.matmul_flops(rows) / products_ms / 1e6 / peak, step.matmul_flops(rows) / ms / 1e6 / peak);
    }
    step_ms /= steps as f64;
    train(&mut step, 5, &mut Profile { last: now(), ms: [0.0; Part::ALL.len()] });
    for (i, ms) in decode_ms.iter_mut().enumerate() {
        let t = now();
        decoder.decode_into(&[(i as f32 * 0.3).sin() * 2.0, (i as f32 * 0.7).cos() * 2.0], &mut pixels).unwrap();
        *ms = now() - t;
    }
    assert_eq!(allocations() - before, 0, "allocations in {} steps and 100 decodes", steps + 1);

    decode_ms.sort_by(f64::total_cmp);
    shares.sort_by(|a, b| a.0.total_cmp(&b.0));
    let matmul_ms = (profile.ms[Part::MatmulForward as usize] + profile.ms[Part::MatmulBackward as usize]) / steps as f64;
    let gflops = step.matmul_flops(rows) / matmul_ms / 1e6;
    let parts: Vec<String> = Part::ALL.iter().map(|&p| format!("{} {:.1}", p.name(), profile.ms[p as usize] / steps as f64)).collect();
    console_log!(
        "conv step (relaxed SIMD: {}): {step_ms:.1} ms per step of {rows} = {:.0} samples/s; products {gflops:.1} GFLOP/s; \
         products' share of the register peak per step: median {:.2}, best {:.2} (whole step: {:.2}); ms per step: {}; \
         decode one point: median {:.2} ms, p95 {:.2} ms",
        cfg!(target_feature = "relaxed-simd"),
        rows as f64 * 1e3 / step_ms,
        shares[steps / 2].0,
        shares[steps - 1].0,
        shares[steps / 2].1,
        parts.join(", "),
        decode_ms[50],
        decode_ms[95]
    );
}

/// The multiply-add peak of registers alone (`matmul::peak_loop`, the benchmark's), in GFLOP/s, over ~10 ms.
#[cfg(feature = "bench")]
fn peak_gflops() -> f64 {
    let started = now();
    let flops = peak_loop(4_000_000);
    flops / (now() - started) / 1e6
}
