#![cfg(not(target_arch = "wasm32"))]
//! The `vae` command line on a small subset: train → eval → sample → encode, and a bad file.

use std::process::Command;

fn vae(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vae")).args(args).output().expect("vae runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn train_eval_sample_encode_on_a_small_subset() {
    let dir = std::env::temp_dir().join(format!("vae-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    let model = path("model.safetensors");

    let (ok, stdout, stderr) = vae(&["train", "--epochs", "2", "--limit", "600", "--out", &model, "--seed", "4"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("on 540 images, testing on 60"), "{stdout}");
    assert_eq!(stdout.matches("test −ELBO").count(), 2, "one line per epoch:\n{stdout}");
    assert!(stdout.contains("samples/s"), "{stdout}");
    assert!(std::fs::metadata(&model).unwrap().len() > 800_000, "about 200 k f32 parameters");

    let (ok, stdout, stderr) = vae(&["eval", &model, "--limit", "600"]);
    assert!(ok, "{stderr}");
    let elbo: f32 = stdout.split_whitespace().nth(2).unwrap().parse().unwrap();
    // Untrained is ≈ 543 (784·log 2); ten small steps already move it well below.
    assert!(elbo > 100.0 && elbo < 500.0, "{stdout}");

    let png = path("manifold.png");
    let (ok, _, stderr) = vae(&["sample", &model, "--grid", "5", "--out", &png]);
    assert!(ok, "{stderr}");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (140, 140), "5 × 28 pixels a side");

    let csv = path("latents.csv");
    let (ok, _, stderr) = vae(&["encode", &model, "--out", &csv, "--limit", "600"]);
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "index,label,z0,z1");
    assert_eq!(lines.len(), 61, "header + 60 test images");
    let fields: Vec<&str> = lines[1].split(',').collect();
    assert!(fields[1].parse::<u8>().unwrap() <= 9);
    assert!(fields[2].parse::<f32>().unwrap().is_finite());

    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_weights_file_is_reported_with_its_path_and_no_panic() {
    let bad = std::env::temp_dir().join(format!("vae-cli-bad-{}.safetensors", std::process::id()));
    std::fs::write(&bad, b"not weights at all").unwrap();
    let (ok, _, stderr) = vae(&["eval", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.starts_with("error: weights: ") && stderr.contains(bad.to_str().unwrap()), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::remove_file(&bad).ok();

    let (ok, _, stderr) = vae(&["train", "--epochs", "1", "--out", "/tmp/x.safetensors", "--lr=-1"]);
    assert!(!ok && stderr.contains("learning rate = -1 is not allowed"), "{stderr}");
    let (ok, _, stderr) = vae(&["eval", "/nonexistent/model.safetensors"]);
    assert!(!ok && stderr.contains("/nonexistent/model.safetensors") && stderr.contains("No such file"), "{stderr}");
}

#[test]
fn an_output_path_that_cannot_be_written_is_refused_before_training() {
    let missing = std::env::temp_dir().join(format!("vae-no-such-folder-{}", std::process::id())).join("m.safetensors");
    let (ok, stdout, stderr) = vae(&["train", "--epochs", "3", "--limit", "600", "--out", missing.to_str().unwrap()]);
    assert!(!ok);
    assert!(!stdout.contains("epoch"), "no epoch was trained first:\n{stdout}");
    assert!(stderr.contains("m.safetensors") && stderr.contains("check that") && stderr.contains("exists"), "{stderr}");
}

#[test]
fn a_failed_run_leaves_the_previous_file_whole_and_no_partial_file() {
    let dir = std::env::temp_dir().join(format!("vae-cli-atomic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("model.safetensors");
    std::fs::write(&model, b"the previous good file").unwrap();
    // The data folder is read after the output was prepared: this run fails with the temporary file created.
    let missing_data = dir.join("no-digits-here");
    let (ok, _, stderr) = vae(&["train", "--epochs", "1", "--data", missing_data.to_str().unwrap(), "--out", model.to_str().unwrap()]);
    assert!(!ok && stderr.contains("no-digits-here"), "{stderr}");
    assert_eq!(std::fs::read(&model).unwrap(), b"the previous good file");
    let (ok, _, stderr) = vae(&["train", "--epochs", "1", "--limit", "300", "--out", model.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(weights_file_loads(&model), "the new model replaced the old file");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("model.safetensors")], "no temporary file is left behind");
    std::fs::remove_dir_all(&dir).ok();
}

fn weights_file_loads(path: &std::path::Path) -> bool {
    vae_playground::weights::from_safetensors(&std::fs::read(path).unwrap()).is_ok()
}
