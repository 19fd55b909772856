#![cfg(target_arch = "wasm32")]
//! The core compiled to wasm32, in real Chrome (`wasm-pack test --headless --chrome`).

use js_sys::Error as JsErrorObject;
use vae_playground::kernels::matmul::{matmul, Mat, Start};
#[cfg(feature = "bench")]
use vae_playground::wasm::allocation_count;
use vae_playground::wasm::{
    grid_points, prepare_drawing, project_latents, setting_limits, simd_kernel_enabled, validate_settings, weights_info, ClassifierHandle,
    DataHandle, DecoderHandle, EvaluatorHandle, PcaHandle, ShareHandle, ShareSums, StepResult, TrainerHandle,
};
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;

const IMAGES_GZ: &[u8] = include_bytes!("../data/mnist-10k-images.idx3-ubyte.gz");
const LABELS_GZ: &[u8] = include_bytes!("../data/mnist-10k-labels.idx1-ubyte.gz");

/// The settings object as the worker sends it (`TrainSettings`), with some fields replaced.
fn settings(edit: &str) -> JsValue {
    let defaults = r#""hiddenUnits":128,"latentDim":2,"beta":1,"learningRate":0.001,"batchSize":128,"seed":0"#;
    js_sys::JSON::parse(&format!("{{{defaults}{}{edit}}}", if edit.is_empty() { "" } else { "," })).unwrap()
}

fn digits() -> DataHandle {
    DataHandle::new("images", IMAGES_GZ, "labels", LABELS_GZ).unwrap_or_else(|e| panic!("{}", message(e)))
}

fn trainer(seed: u64) -> TrainerHandle {
    TrainerHandle::new(&digits(), settings(&format!(r#""seed":{seed}"#))).unwrap_or_else(|e| panic!("{}", message(e)))
}

/// What JavaScript sees when it catches this error.
fn message(e: JsError) -> String {
    let value = JsValue::from(e);
    let error: &JsErrorObject = value.dyn_ref().expect("a Rust error reaches JS as an instance of Error");
    String::from(error.message())
}

#[wasm_bindgen_test]
fn gemm_uses_its_simd128_kernel() {
    // gemm picks its wasm kernel on the first matmul from exactly two things (gemm-common 0.19, gemm.rs
    // `feature_detected!("simd128")` → lib.rs `get_wasm_simd128()`): the module must be compiled with simd128,
    // and the runtime flag must be on. Without gemm's `wasm-simd128-enable` feature the flag defaults to false and
    // candle's matmuls run the scalar kernel even in a +simd128 build.
    // Both known when compiling: checked then (a build without them does not compile this test).
    const { assert!(cfg!(target_feature = "simd128"), "this wasm was built without +simd128 (.cargo/config.toml)") };
    const { assert!(gemm::DEFAULT_WASM_SIMD128, "gemm's wasm-simd128-enable feature is off: matmul would be scalar") };
    assert!(simd_kernel_enabled(), "gemm's simd128 flag is off: matmul would be scalar");
    // A matmul after the check: the kernel is now fixed for this instance, and it computes correctly.
    let a = candle_core::Tensor::arange(0f32, 64., &candle_core::Device::Cpu).unwrap().reshape((8, 8)).unwrap();
    let b = a.matmul(&a.t().unwrap()).unwrap().to_vec2::<f32>().unwrap();
    assert_eq!(b[1][2], (0..8).map(|k| ((8 + k) * (16 + k)) as f32).sum::<f32>());
}

#[wasm_bindgen_test]
fn training_steps_lower_the_loss() {
    let mut t = trainer(1);
    assert_eq!((t.train_size(), t.test_size(), t.steps_per_epoch()), (9000, 1000, 71));
    let mut first = StepResult::new();
    t.step(&mut first).unwrap();
    assert!(first.loss > 400.0, "untrained loss ≈ 543, got {}", first.loss);
    let mut last = StepResult::new();
    for _ in 0..40 {
        t.step(&mut last).unwrap();
    }
    assert_eq!(last.step, 41.0);
    assert!(last.loss < first.loss - 150.0, "loss {} → {}", first.loss, last.loss);
    let elbo = t.evaluate().unwrap();
    assert!(elbo.neg_elbo < 400.0 && (elbo.neg_elbo - elbo.recon - elbo.kl).abs() < 1e-2);
    let z = t.test_latents();
    assert_eq!(z.len(), 2 * 1000);
    assert!(z.iter().all(|v| v.is_finite()));
    assert_eq!(t.test_labels().len(), 1000);
}

#[wasm_bindgen_test]
fn decoding_gives_784_intensities_in_unit_range() {
    let mut decoder = DecoderHandle::initial(128, 2, 5).unwrap();
    for z in [[0.0f32, 0.0], [3.0, -3.0], [-40.0, 40.0]] {
        let pixels = decoder.decode(&z).unwrap();
        assert_eq!(pixels.len(), 784);
        assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p)), "{z:?}");
    }
}

#[wasm_bindgen_test]
fn decoder_snapshots_round_trip_and_follow_training() {
    let mut t = trainer(5);
    let z = [0.7f32, -0.4];
    let initial = DecoderHandle::initial(128, 2, 5).unwrap().decode(&z).unwrap();
    let mut snapshot = DecoderHandle::new(t.hidden(), t.latent(), &t.decoder_snapshot()).unwrap();
    assert_eq!(snapshot.decode(&z).unwrap(), initial, "the page's first decoder is the worker's initial one");
    for _ in 0..5 {
        t.step(&mut StepResult::new()).unwrap();
    }
    let trained = DecoderHandle::new(128, 2, &t.decoder_snapshot()).unwrap().decode(&z).unwrap();
    assert_ne!(trained, initial, "a later snapshot carries the trained weights");
}

#[wasm_bindgen_test]
fn weights_export_and_load_round_trip_and_bad_files_change_nothing() {
    let mut a = trainer(2);
    for _ in 0..3 {
        a.step(&mut StepResult::new()).unwrap();
    }
    let bytes = a.export_weights(JsValue::UNDEFINED).unwrap();
    let mut b = trainer(3);
    let before = b.decoder_snapshot();
    let msg = message(b.load_weights(&bytes[..bytes.len() / 2]).unwrap_err());
    assert!(msg.starts_with("weights: this is not a readable safetensors file"), "{msg}");
    assert_eq!(b.decoder_snapshot(), before, "a bad file leaves the model as it was");
    b.load_weights(&bytes).unwrap();
    assert_eq!(b.decoder_snapshot(), a.decoder_snapshot());
    let mut from_file = DecoderHandle::from_safetensors(&bytes).unwrap();
    let mut from_a = DecoderHandle::new(128, 2, &a.decoder_snapshot()).unwrap();
    assert_eq!(from_file.decode(&[0.1, 0.2]).unwrap(), from_a.decode(&[0.1, 0.2]).unwrap());
    let pixels: Vec<f32> = vec![0.0; 784 * 2];
    assert_eq!(b.encode(&pixels).unwrap().len(), 4);
}

#[wasm_bindgen_test]
fn errors_reach_javascript_as_errors_a_person_can_act_on() {
    let msg = message(DecoderHandle::new(128, 2, &[0.0; 10]).err().unwrap());
    assert!(msg.contains("has 101520 values, this one has 10"), "{msg}");
    let msg = message(DataHandle::new("a.gz", b"plain", "b.gz", LABELS_GZ).err().unwrap());
    assert_eq!(msg, "a.gz: is not gzip-compressed; expected an .idx-ubyte.gz file (compress it with gzip)");
    let msg = message(TrainerHandle::new(&digits(), settings(r#""beta":-1"#)).err().unwrap());
    assert!(msg.starts_with("beta = -1 is not allowed"), "{msg}");
    let msg = message(validate_settings(settings(r#""batchSize":5000"#)).unwrap_err());
    assert!(msg.starts_with("batch size = 5000 is not allowed: a whole number from 1 to 4096"), "{msg}");
    let msg = message(validate_settings(settings(r#""hiddenUnits":-5"#)).unwrap_err());
    assert!(msg.starts_with("settings object not understood") && msg.contains("-5"), "{msg}");
    let msg = message(validate_settings(js_sys::JSON::parse(r#"{"hiddenUnits":128}"#).unwrap()).unwrap_err());
    assert!(msg.contains("missing field `latentDim`"), "a missing field is named: {msg}");
    validate_settings(settings("")).unwrap();
    let mut t = trainer(0);
    let msg = message(t.set_learning_rate(f64::NAN).unwrap_err());
    assert!(msg.starts_with("learning rate = NaN is not allowed"), "{msg}");
    let msg = message(t.encode(&[0.5; 100]).unwrap_err());
    assert!(msg.contains("784 pixel values per image"), "{msg}");
    let msg = message(DecoderHandle::initial(128, 2, 0).unwrap().decode(&[1.0]).unwrap_err());
    assert!(msg.contains("one value per latent dimension"), "{msg}");
}

#[wasm_bindgen_test]
fn setting_limits_are_the_ones_validate_enforces() {
    let limits = setting_limits().unwrap();
    let get = |setting: &str, field: &str| {
        let range = js_sys::Reflect::get(&limits, &setting.into()).unwrap();
        js_sys::Reflect::get(&range, &field.into()).unwrap().as_f64()
    };
    for (setting, field) in [("hiddenUnits", "hiddenUnits"), ("latentDim", "latentDim"), ("batchSize", "batchSize")] {
        let max = get(setting, "max").unwrap();
        validate_settings(settings(&format!(r#""{field}":{max}"#))).unwrap();
        assert!(validate_settings(settings(&format!(r#""{field}":{}"#, max + 1.0))).is_err(), "{setting} above {max}");
        assert!(validate_settings(settings(&format!(r#""{field}":0"#))).is_err(), "{setting} 0");
    }
    assert_eq!(get("learningRate", "max"), Some(1.0));
    assert!(validate_settings(settings(r#""learningRate":0"#)).is_err());
}

/// The browser's own matmul kernel against the plain triple loop, for every layout the training step uses
/// (row-major, transposed A, transposed B), sizes that are and are not multiples of its tile (every count of rows
/// left over, for both builds' tile heights, 5 and 6), k across its 256-row blocks, and each start: what dst holds,
/// nothing, a bias row.
#[wasm_bindgen_test]
fn the_simd_matmul_kernel_matches_the_plain_product() {
    let value = |seed: usize, i: usize| ((i * 7919 + seed * 104_729) % 1_000) as f32 / 500.0 - 1.0;
    for &(m, k, n) in &[(128, 784, 128), (40, 128, 784), (7, 3, 5), (13, 300, 2), (2, 129, 17), (9, 20, 11), (11, 9, 16)] {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a_data: Vec<f32> = (0..m * k).map(|i| value(1, i)).collect();
            let b_data: Vec<f32> = (0..k * n).map(|i| value(2, i)).collect();
            // Stored so that the view (possibly a transpose) is [m, k] and [k, n].
            let a = if ta { Mat::rows(&a_data, m).t() } else { Mat::rows(&a_data, k) };
            let b = if tb { Mat::rows(&b_data, k).t() } else { Mat::rows(&b_data, n) };
            let at = |i: usize, j: usize| if ta { a_data[j * m + i] } else { a_data[i * k + j] };
            let bt = |i: usize, j: usize| if tb { b_data[j * k + i] } else { b_data[i * n + j] };
            let start: Vec<f32> = (0..m * n).map(|i| value(3, i)).collect();
            let bias: Vec<f32> = (0..n).map(|j| value(4, j)).collect();
            let product: Vec<f64> = (0..m * n).map(|ij| (0..k).map(|p| at(ij / n, p) as f64 * bt(p, ij % n) as f64).sum()).collect();
            // Each way to start: added to what dst holds, to nothing (dst's old values must go), to a bias row.
            for (name, how, base) in [
                ("dst", Start::Dst, &|i: usize, j: usize| start[i * n + j] as f64),
                ("zero", Start::Zero, &|_: usize, _: usize| 0.0),
                ("row", Start::Row(&bias), &|_: usize, j: usize| bias[j] as f64),
            ] as [(&str, Start, &dyn Fn(usize, usize) -> f64); 3]
            {
                let mut got = start.clone();
                matmul(&mut got, a, b, how);
                for i in 0..m {
                    for j in 0..n {
                        let want = base(i, j) + product[i * n + j];
                        let error = (got[i * n + j] as f64 - want).abs();
                        assert!(
                            error <= 1e-5 * (k as f64).sqrt() * 4.0,
                            "[{m}×{k}]·[{k}×{n}] (ta {ta}, tb {tb}, start {name}) at ({i}, {j}): {} vs {want}",
                            got[i * n + j]
                        );
                    }
                }
            }
        }
    }
}

/// The kernel against the plain product for 400 random shapes (a seeded generator: the same shapes every run, as the
/// native property test in tests/properties.rs, which proptest cannot run here): empty to several tiles, k across
/// its 256-row blocks, A and B stored by rows or by columns with padded lines, each start.
#[wasm_bindgen_test]
fn the_simd_matmul_kernel_matches_the_plain_product_for_random_shapes() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    for _ in 0..400 {
        let (m, n) = (next(24), next(24));
        let k = if next(4) == 0 { next(600) } else { next(40) };
        let mut random = |len: usize| (0..len).map(|_| next(2000) as f32 / 1000.0 - 1.0).collect::<Vec<f32>>();
        let (a_values, b_values, initial, bias) = (random(m * k), random(k * n), random(m * n), random(n));
        let a = common::Stored::new(&a_values, m, k, next(2) == 1, next(3));
        let b = common::Stored::new(&b_values, k, n, next(2) == 1, next(3));
        let start = common::STARTS[next(3)];
        if let Err(mismatch) = common::check_against_plain_product(&a, &b, start, &initial, &bias) {
            panic!("{mismatch}");
        }
    }
}

/// A training step in steady state allocates nothing on the wasm heap, across an epoch's end too (the counting
/// allocator is a diagnostic: `npm test` runs these tests with the `bench` feature).
#[cfg(feature = "bench")]
#[wasm_bindgen_test]
fn training_steps_allocate_nothing() {
    let mut t = trainer(4);
    let mut report = StepResult::new();
    for _ in 0..20 {
        t.step(&mut report).unwrap(); // the first steps size the kernel's packing buffer
    }
    let before = allocation_count();
    let mut epochs_ended = 0;
    for _ in 0..80 {
        t.step(&mut report).unwrap();
        epochs_ended += report.epoch_finished as u32;
    }
    assert_eq!(epochs_ended, 1, "71 steps an epoch: the window crosses one epoch's end");
    assert_eq!(allocation_count() - before, 0.0, "allocations in 80 steps");
}

/// The loss's four-at-a-time form gives every pixel's gradient bit for bit as the scalar form does, over logits
/// from −120 to 120 (both tails, and 0) and targets from 0 to 1; the row sums agree to f32 rounding.
#[wasm_bindgen_test]
fn the_vector_loss_matches_the_scalar_loss_bit_for_bit() {
    use vae_playground::step::loss::{bce_term_and_gradient_f32, simd_bce};
    let logits: Vec<f32> = (0..784).map(|i| (i as f32 - 392.0) * 0.306).collect();
    let targets: Vec<f32> = (0..784).map(|i| ((i * 37) % 256) as f32 / 255.0).collect();
    let mut row = logits.clone();
    let sum = simd_bce::row(&mut row, &targets, 0.5);
    let mut want_sum = 0f64;
    for i in 0..784 {
        let (term, grad) = bce_term_and_gradient_f32(logits[i], targets[i]);
        want_sum += term as f64;
        assert_eq!(row[i].to_bits(), (grad * 0.5).to_bits(), "pixel {i}: logit {} target {}", logits[i], targets[i]);
    }
    assert!((sum as f64 - want_sum).abs() <= 1e-5 * want_sum, "row sum {sum} vs {want_sum}");
}

/// An IDX file (big-endian magic, dimensions, payload), gzip'd.
fn idx_gz(magic: u32, dims: &[u32], payload: &[u8]) -> Vec<u8> {
    common::gzip(&common::idx(magic, dims, payload))
}

/// Sizes whose products wrap in wasm32's 32-bit `usize`: each is refused with a JS `Error` naming the limit, before
/// anything is multiplied (65,537² wrapped to 131,073 and gemm wrote a 65,537² covariance past its allocation;
/// 65,536 · 65,536 wrapped to 0 and a drawing of no values was indexed).
#[wasm_bindgen_test]
fn sizes_whose_products_wrap_in_wasm32_are_refused() {
    let msg = message(project_latents(&vec![0.5; 2 * 65_537], 65_537).unwrap_err());
    assert!(msg.starts_with("latent dimensions = 65537 is not allowed: a whole number from 2 to 64"), "{msg}");
    let msg = message(DecoderHandle::new(65_536, 65_536, &[]).err().unwrap());
    assert!(msg.starts_with("hidden units = 65536 is not allowed: a whole number from 1 to 4096"), "{msg}");
    // 65,536 · (64,751 + 785) = 2³²: the snapshot's length wrapped to 784 values.
    let msg = message(DecoderHandle::new(65_536, 64_751, &[0.0; 784]).err().unwrap());
    assert!(msg.starts_with("hidden units = 65536 is not allowed"), "{msg}");
    let msg = message(prepare_drawing(&[], 65_536, 65_536).unwrap_err());
    assert!(msg.starts_with("drawing width = 65536 is not allowed: a whole number from 1 to 4096"), "{msg}");
    // 5,478,275 images of 784 bytes wrap to 304 bytes, which followed the header.
    let images = idx_gz(2051, &[5_478_275, 28, 28], &[0; 304]);
    let labels = idx_gz(2049, &[1], &[0]);
    let msg = message(DataHandle::new("images.gz", &images, "labels.gz", &labels).err().unwrap());
    assert!(msg.starts_with("images.gz: header announces 5478275 items"), "{msg}");
}

/// Every export that takes a size or a list checks it against the same limits as the core functions.
#[wasm_bindgen_test]
fn every_export_checks_its_sizes() {
    let mut t = trainer(0);
    let msg = message(grid_points(2, 0, 1, &[0.0; 65]).unwrap_err());
    assert!(msg.starts_with("latent point = 65 values is not allowed: at most 64"), "{msg}");
    let msg = message(t.manifold(101, 0, 1, &[0.0; 2]).unwrap_err());
    assert!(msg.starts_with("grid size = 101 is not allowed"), "{msg}");
    let msg = message(t.samples(10_001, 0).unwrap_err());
    assert!(msg.starts_with("sample count = 10001 is not allowed"), "{msg}");
    let msg = message(t.recover(&[0.0; 783], &[0.0; 784], 5, false).unwrap_err());
    assert!(msg.contains("pixels with 783 values"), "{msg}");
    let msg = message(t.recover(&[0.0; 784], &[1.0; 10], 5, true).unwrap_err());
    assert!(msg.contains("mask with 10 values"), "{msg}");
    let msg = message(t.test_digits(&[1000]).unwrap_err());
    assert!(msg.contains("index 1000 is past the last of 1000"), "{msg}");
    let msg = message(t.test_digits(&[0; 1001]).unwrap_err());
    assert!(msg.contains("1001 images of a set of 1000"), "{msg}");
    let msg = message(t.nearest_training(&vec![0.0; 784 * 101]).unwrap_err());
    assert!(msg.starts_with("nearest training digits = 101 images is not allowed: at most 100"), "{msg}");
    let msg = message(t.decode_many(&vec![0.0; 2 * 10_001]).unwrap_err());
    assert!(msg.starts_with("latent points = 10001 points is not allowed: at most 10000"), "{msg}");
    let msg = message(t.encode(&vec![0.0; 784 * 10_001]).unwrap_err());
    assert!(msg.starts_with("images to encode = 10001 images is not allowed: at most 10000"), "{msg}");
    let classifier = ClassifierHandle::new(&digits(), 0).unwrap();
    let msg = message(classifier.probabilities(&vec![0.0; 784 * 10_001]).unwrap_err());
    assert!(msg.starts_with("classifier input = 10001 images is not allowed: at most 10000"), "{msg}");
    let few = DataHandle::new("images", &idx_gz(2051, &[20, 28, 28], &[7; 20 * 784]), "labels", &idx_gz(2049, &[20], &[3; 20])).unwrap();
    let pca = PcaHandle::new(&few, 2).unwrap();
    let msg = message(pca.reconstruct(&[0.0; 100]).unwrap_err());
    assert!(msg.contains("100 values"), "{msg}");
    assert_eq!(pca.reconstruct(&[0.0; 784]).unwrap().len(), 784);
}

/// The convolutional structure through the handles the page uses: chosen in the settings (absent = the MLP), it
/// trains, describes its decoder snapshot, the main thread's decoder made from that snapshot (or from the settings)
/// decodes as the trainer's model does, and its weights go out and back in carrying their structure.
#[wasm_bindgen_test]
fn the_convolutional_structure_trains_and_travels_through_the_handles() {
    let limits = setting_limits().unwrap();
    let choices = js_sys::Reflect::get(&js_sys::Reflect::get(&limits, &"architecture".into()).unwrap(), &"choices".into()).unwrap();
    assert_eq!(js_sys::JSON::stringify(&choices).unwrap(), r#"["mlp","conv"]"#);
    assert_eq!(trainer(0).architecture(), "mlp", "no architecture in the settings: the MLP");
    let msg = message(validate_settings(settings(r#""architecture":"resnet""#)).unwrap_err());
    assert!(msg.contains("resnet"), "{msg}");

    // A small batch: a debug build's convolutions are slow.
    let conv = settings(r#""architecture":"conv","batchSize":4,"seed":3"#);
    let mut t = TrainerHandle::new(&digits(), conv.clone()).unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!((t.architecture().as_str(), t.hidden(), t.latent()), ("conv", 0, 2));
    let descriptor = t.decoder_descriptor().unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&descriptor).unwrap(),
        r#"{"architecture":"conv","hidden":0,"latent":2,"width":28,"height":28,"channels":1}"#
    );
    let z = [0.7f32, -0.4];
    let initial = DecoderHandle::initial_for(conv).unwrap().decode(&z).unwrap();
    assert_eq!(DecoderHandle::from_snapshot(descriptor.clone(), &t.decoder_snapshot()).unwrap().decode(&z).unwrap(), initial);
    let mut result = StepResult::new();
    for _ in 0..2 {
        t.step(&mut result).unwrap();
    }
    assert!(result.loss.is_finite() && result.samples == 4, "{}", result.loss);
    let mut decoder = DecoderHandle::from_snapshot(descriptor, &t.decoder_snapshot()).unwrap();
    assert_eq!(decoder.architecture(), "conv");
    let pixels = decoder.decode(&z).unwrap();
    assert_ne!(pixels, initial, "a later snapshot carries the trained weights");
    assert_eq!(t.encode(&vec![0.0; 784]).unwrap().len(), 2);

    // Its weights carry the structure: an MLP trainer that loads them becomes convolutional.
    let bytes = t.export_weights(JsValue::UNDEFINED).unwrap();
    let info = js_sys::JSON::stringify(&weights_info(&bytes).unwrap()).unwrap();
    assert!(String::from(info).contains(r#""architecture":"conv""#));
    let mut other = trainer(1);
    other.load_weights(&bytes).unwrap();
    assert_eq!(other.architecture(), "conv");
    assert_eq!(other.decoder_snapshot(), t.decoder_snapshot());
    assert_eq!(DecoderHandle::from_safetensors(&bytes).unwrap().decode(&z).unwrap(), pixels);
    let msg = message(weights_info(&bytes[..bytes.len() / 2]).unwrap_err());
    assert!(msg.starts_with("weights: this is not a readable safetensors file"), "{msg}");
}

#[wasm_bindgen_test]
fn an_evaluator_away_from_training_reports_the_trainers_own_figures() {
    let mut t = trainer(4);
    let evaluator = EvaluatorHandle::new(t.decoder_descriptor().unwrap(), t.test_images()).unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(t.test_images().len(), 1000 * 784, "the last 1,000 of the bundled digits are the test set");
    let mut result = StepResult::new();
    for round in 0..2 {
        let (own, away) = (t.evaluate().unwrap(), evaluator.evaluate(&t.parameters()).unwrap());
        assert_eq!((own.neg_elbo, own.recon, own.kl), (away.neg_elbo, away.recon, away.kl), "round {round}");
        for _ in 0..5 {
            t.step(&mut result).unwrap();
        }
    }
    let msg = message(evaluator.evaluate(&t.parameters()[1..]).err().unwrap());
    assert!(msg.contains(&format!("{} parameters given", t.parameters().len() - 1)), "{msg}");
    let msg = message(EvaluatorHandle::new(js_sys::JSON::parse(r#"{"latent":2}"#).unwrap(), t.test_images()).err().unwrap());
    assert!(msg.starts_with("model descriptor not understood"), "{msg}");
}

/// One step shared between the training worker's handle and a `ShareHandle`, through typed arrays as the Workers use
/// them (views of a SharedArrayBuffer there): rows 0..split here, the rest there.
fn shared_step(t: &mut TrainerHandle, share: &mut ShareHandle, arrays: &SharedArrays, split: u32, report: &mut StepResult) {
    let SharedArrays { indices, noise, parameters, gradients } = arrays;
    t.copy_parameters_to(parameters).unwrap();
    let rows = t.begin_shared_step(indices, noise).unwrap();
    let split = split.min(rows - 1); // an epoch's last batch is short
    let (mut mine, mut theirs) = (ShareSums::new(), ShareSums::new());
    t.share_gradients(0, split, &mut mine).unwrap();
    let latent = t.latent() as u32;
    share
        .compute(
            parameters,
            &indices.subarray(split, rows),
            &noise.subarray(split * latent, rows * latent),
            rows - split,
            t.beta(),
            1.0 / rows as f32,
            &mut theirs,
        )
        .unwrap();
    share.copy_gradients_to(gradients).unwrap();
    t.add_gradients(gradients).unwrap();
    t.finish_shared_step(mine.recon + theirs.recon, mine.kl + theirs.kl, report).unwrap();
}

struct SharedArrays {
    indices: js_sys::Uint32Array,
    noise: js_sys::Float32Array,
    parameters: js_sys::Float32Array,
    gradients: js_sys::Float32Array,
}

impl SharedArrays {
    fn for_trainer(t: &TrainerHandle) -> SharedArrays {
        let (batch, count) = (t.batch_size() as u32, t.parameter_count() as u32);
        SharedArrays {
            indices: js_sys::Uint32Array::new_with_length(batch),
            noise: js_sys::Float32Array::new_with_length(batch * t.latent() as u32),
            parameters: js_sys::Float32Array::new_with_length(count),
            gradients: js_sys::Float32Array::new_with_length(count),
        }
    }
}

#[wasm_bindgen_test]
fn a_step_shared_between_two_handles_is_one_trainers_step_and_allocates_nothing() {
    let (mut alone, mut shared) = (trainer(6), trainer(6));
    let descriptor = shared.decoder_descriptor().unwrap();
    let mut share = ShareHandle::new(descriptor, shared.train_images(), 128).unwrap_or_else(|e| panic!("{}", message(e)));
    let arrays = SharedArrays::for_trainer(&shared);
    let (mut want, mut got) = (StepResult::new(), StepResult::new());
    for step in 0..20 {
        alone.step(&mut want).unwrap();
        shared_step(&mut shared, &mut share, &arrays, 50, &mut got);
        assert!((got.loss - want.loss).abs() <= 1e-4 * want.loss, "step {step}: loss {} against {}", got.loss, want.loss);
        assert_eq!((got.step, got.epoch, got.samples), (want.step, want.epoch, want.samples));
    }
    let difference = alone.parameters().iter().zip(shared.parameters()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(difference < 1e-4, "largest parameter difference after 20 steps: {difference}");

    #[cfg(feature = "bench")]
    {
        let before = allocation_count();
        let mut epochs_ended = 0;
        for _ in 0..80 {
            shared_step(&mut shared, &mut share, &arrays, 64, &mut got);
            epochs_ended += got.epoch_finished as u32;
        }
        assert_eq!(epochs_ended, 1, "the window crosses an epoch's end");
        assert_eq!(allocation_count() - before, 0.0, "allocations in 80 shared steps, both sides");
    }

    // Misuse is refused in words, and changes nothing.
    let msg = message(shared.share_gradients(0, 10, &mut ShareSums::new()).err().unwrap());
    assert!(msg.contains("begin a shared step first"), "{msg}");
    let msg = message(shared.begin_shared_step(&js_sys::Uint32Array::new_with_length(3), &arrays.noise).err().unwrap());
    assert!(msg.contains("batch indices: 3 values given, 128 needed"), "{msg}");
    let mut sums = ShareSums::new();
    let msg = message(share.compute(&arrays.parameters, &arrays.indices, &arrays.noise, 129, 1.0, 1.0, &mut sums).err().unwrap());
    assert!(msg.contains("at most 128"), "{msg}");
}
