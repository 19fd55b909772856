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

/// A folder of its own under the system's temporary folder, removed first if a run before left it.
fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vae-cli-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An untrained model, written by the library (no training run needed).
fn write_model(path: &std::path::Path) -> Vec<u8> {
    let model = vae_playground::Model::new(vae_playground::ModelConfig::default(), 0).unwrap();
    let bytes = vae_playground::weights::to_safetensors(model.view(), 1.0).unwrap();
    std::fs::write(path, &bytes).unwrap();
    bytes
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn sample_and_encode_refuse_to_write_over_the_model_they_read() {
    let dir = fresh_dir("same-file");
    let model = dir.join("model.safetensors");
    let bytes = write_model(&model);
    let link = dir.join("link.safetensors");
    std::fs::hard_link(&model, &link).unwrap();
    let m = model.to_str().unwrap();
    let same_by_another_name = dir.join(".").join("model.safetensors");
    for out in [m, same_by_another_name.to_str().unwrap(), link.to_str().unwrap()] {
        for args in [vec!["sample", m, "--grid", "2", "--out", out], vec!["encode", m, "--limit", "100", "--out", out]] {
            let (ok, _, stderr) = vae(&args);
            assert!(!ok, "{args:?} succeeded");
            assert!(stderr.contains("is the file this command reads") && stderr.contains("choose another"), "{args:?}: {stderr}");
            assert_eq!(std::fs::read(&model).unwrap(), bytes, "{args:?} changed the model");
        }
    }
    assert_eq!(names_in(&dir), ["link.safetensors", "model.safetensors"], "nothing else written");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn eval_refuses_a_limit_of_no_images() {
    let dir = fresh_dir("limit-0");
    let model = dir.join("model.safetensors");
    write_model(&model);
    let (ok, stdout, stderr) = vae(&["eval", model.to_str().unwrap(), "--limit", "0"]);
    assert!(!ok, "exit status 0: {stdout}");
    assert!(!stdout.contains("NaN"), "{stdout}");
    assert!(stderr.contains("--limit = 0 is not allowed") && stderr.contains("at least 1"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_write_that_fails_leaves_no_partial_file() {
    let dir = fresh_dir("failed-write");
    let model = dir.join("model.safetensors");
    write_model(&model);
    let csv = dir.join("latents.csv");
    // Files may grow to one block (512 or 1,024 bytes) and SIGXFSZ is ignored, so the CSV's write fails with EFBIG.
    let out = Command::new("sh")
        .args(["-c", r#"trap '' XFSZ; ulimit -f 1; exec "$0" "$@""#, env!("CARGO_BIN_EXE_vae")])
        .args(["encode", model.to_str().unwrap(), "--limit", "600", "--out", csv.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("latents.csv"), "{stderr}");
    assert_eq!(names_in(&dir), ["model.safetensors"], "the temporary file is removed");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ctrl_c_while_training_leaves_no_partial_file() {
    use std::io::BufRead;
    let dir = fresh_dir("ctrl-c");
    let model = dir.join("model.safetensors");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vae"))
        .args(["train", "--epochs", "1000", "--limit", "600", "--out", model.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    // The first epoch's line: the output was checked, the data read, training under way.
    let first_epoch = lines.find(|line| line.as_ref().is_ok_and(|l| l.starts_with("epoch"))).expect("an epoch line").unwrap();
    assert!(first_epoch.contains("test −ELBO"), "{first_epoch}");
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "interrupted, not finished");
    assert_eq!(names_in(&dir), Vec::<String>::new(), "no model and no temporary file");
    std::fs::remove_dir_all(&dir).ok();
}

/// A PNG of a `w` × `h` grey page with a dark bar at column `at` (a stroke of the class it stands for).
fn png_page(path: &std::path::Path, w: u32, h: u32, at: u32) {
    let mut pixels = vec![230u8; (w * h) as usize];
    for y in h / 5..4 * h / 5 {
        for x in at..at + w / 8 {
            pixels[(y * w + x) as usize] = 20;
        }
    }
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().unwrap().write_image_data(&pixels).unwrap();
}

#[test]
fn train_and_encode_on_a_folder_of_images_labelled_by_sub_folder() {
    let dir = fresh_dir("image-folder");
    let images = dir.join("images");
    for (class, at) in [("left", 5u32), ("right", 40)] {
        std::fs::create_dir_all(images.join(class)).unwrap();
        for i in 0..12 {
            png_page(&images.join(class).join(format!("{i}.png")), 60 + i, 50, at);
        }
    }
    std::fs::write(images.join("right").join("notes.txt"), b"not an image").unwrap();
    std::fs::write(images.join("left").join("blank.png"), b"").unwrap();
    let model = dir.join("m.safetensors");
    let data = images.to_str().unwrap();
    let (ok, stdout, stderr) = vae(&["train", "--data", data, "--epochs", "1", "--batch", "8", "--out", model.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("on 22 images, testing on 2"), "24 images, a tenth (2) to test:\n{stdout}");
    assert!(stderr.contains("notes.txt") && stderr.contains("blank.png"), "the files that could not be read are named: {stderr}");
    let csv = dir.join("z.csv");
    let (ok, _, stderr) = vae(&["encode", model.to_str().unwrap(), "--data", data, "--out", csv.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.lines().skip(1).all(|l| l.split(',').nth(1) == Some("right")), "the last images, labelled by folder: {text}");

    // No usable image at all is an error naming the folder.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("x.txt"), b"text").unwrap();
    let (ok, _, stderr) = vae(&["train", "--data", empty.to_str().unwrap(), "--epochs", "1", "--out", model.to_str().unwrap()]);
    assert!(!ok && stderr.contains("empty") && stderr.contains("holds no image"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_exported_set_of_idx_files_trains_from_its_folder() {
    let dir = fresh_dir("idx-export");
    let data = vae_playground::Dataset::from_idx_gz(
        "images",
        include_bytes!("../data/mnist-10k-images.idx3-ubyte.gz"),
        "labels",
        include_bytes!("../data/mnist-10k-labels.idx1-ubyte.gz"),
    )
    .unwrap()
    .take(400);
    let (images, labels) = data.to_idx_gz();
    std::fs::write(dir.join("own-images.idx3-ubyte.gz"), images).unwrap();
    std::fs::write(dir.join("own-labels.idx1-ubyte.gz"), labels.unwrap()).unwrap();
    let model = dir.join("m.safetensors");
    let (ok, stdout, stderr) = vae(&["train", "--data", dir.to_str().unwrap(), "--epochs", "1", "--out", model.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("on 360 images, testing on 40"), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_structure_is_chosen_with_arch_and_a_wrong_one_is_named() {
    let (ok, _, stderr) = vae(&["train", "--arch", "transformer", "--epochs", "1", "--out", "/tmp/never.safetensors"]);
    assert!(!ok && stderr.contains("architecture = \"transformer\" is not allowed"), "{stderr}");
}
