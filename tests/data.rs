#![cfg(not(target_arch = "wasm32"))]
//! The bundled digits, the split contract, and every kind of bad IDX file.

mod common;
use common::{bundled, gunzip, gzip, idx, IMAGES_GZ, LABELS_GZ};
use vae_playground::{Dataset, Error};

#[test]
fn bundled_digits_are_10000_labelled_mnist_images() {
    let data = bundled();
    assert_eq!(data.len(), 10_000);
    let raw = gunzip(IMAGES_GZ);
    assert_eq!(raw.len(), 16 + 10_000 * 784, "IDX header + payload");
    // Real digits: mostly dark background with some bright ink, in every image.
    for i in [0, 4_321, 9_999] {
        let image = data.image(i);
        let ink = image.iter().filter(|&&p| p > 128).count();
        assert!((40..400).contains(&ink), "image {i} has {ink} bright pixels");
        assert_eq!(image[0], 0, "corners are background");
    }
}

#[test]
fn last_1000_images_are_the_test_set_and_every_digit_is_in_both() {
    let data = bundled();
    let (train, test) = data.split();
    assert_eq!((train.len(), test.len()), (9_000, 1_000));
    assert_eq!(test.image(0), data.image(9_000), "test set starts at image 9,000");
    assert_eq!(test.image(999), data.image(9_999));
    assert_eq!(train.image(8_999), data.image(8_999));
    assert_eq!(test.labels().unwrap(), &gunzip(LABELS_GZ)[8 + 9_000..], "test labels are the last 1,000 of the file");
    for digit in 0..10u8 {
        assert!(train.labels().unwrap().contains(&digit), "digit {digit} missing from train");
        assert!(test.labels().unwrap().contains(&digit), "digit {digit} missing from test");
    }
}

#[test]
fn a_small_dataset_keeps_its_last_tenth_for_testing() {
    let (train, test) = bundled().take(500).split();
    assert_eq!((train.len(), test.len()), (450, 50));
}

#[test]
fn batches_scale_pixels_to_unit_interval() {
    let data = bundled();
    let values = data.pixels(&[3, 7]).unwrap();
    assert_eq!(values.len(), 2 * 784);
    assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
    assert_eq!(values[784 + 300], data.image(7)[300] as f32 / 255.0);
}

fn load_err(images: &[u8], labels: &[u8]) -> String {
    match Dataset::from_idx_gz("imgs.gz", images, "lbls.gz", labels) {
        Err(e @ Error::Data { .. }) => e.to_string(),
        Err(other) => panic!("wrong error kind: {other:?}"),
        Ok(_) => panic!("bad data was accepted"),
    }
}

fn labels_gz(n: u32) -> Vec<u8> {
    gzip(&idx(2049, &[n], &vec![3u8; n as usize]))
}

#[test]
fn non_gzip_file_is_refused_by_name() {
    let msg = load_err(&idx(2051, &[1, 28, 28], &[0; 784]), &labels_gz(1));
    assert!(msg.starts_with("imgs.gz:") && msg.contains("not gzip"), "{msg}");
}

#[test]
fn truncated_gzip_is_refused() {
    let msg = load_err(&IMAGES_GZ[..IMAGES_GZ.len() / 2], LABELS_GZ);
    assert!(msg.starts_with("imgs.gz:") && msg.contains("truncated"), "{msg}");
}

#[test]
fn truncated_payload_is_refused() {
    let msg = load_err(&gzip(&idx(2051, &[2, 28, 28], &[0; 784 + 100])), &labels_gz(2));
    assert!(msg.contains("announces 2 items") && msg.contains("884 bytes follow"), "{msg}");
}

#[test]
fn wrong_magic_is_refused_and_swapped_files_are_named() {
    let msg = load_err(&labels_gz(1), &labels_gz(1));
    assert!(msg.contains("magic number is 2049") && msg.contains("swapped"), "{msg}");
    let msg = load_err(&gzip(&idx(7, &[1, 28, 28], &[0; 784])), &labels_gz(1));
    assert!(msg.contains("magic number is 7"), "{msg}");
}

#[test]
fn wrong_image_size_is_refused() {
    let msg = load_err(&gzip(&idx(2051, &[1, 32, 32], &[0; 1024])), &labels_gz(1));
    assert!(msg.contains("32 × 32") && msg.contains("28 × 28"), "{msg}");
}

#[test]
fn count_mismatch_and_bad_labels_are_refused() {
    let images = gzip(&idx(2051, &[2, 28, 28], &[0; 2 * 784]));
    let msg = load_err(&images, &labels_gz(3));
    assert!(msg.starts_with("lbls.gz:") && msg.contains("3 labels") && msg.contains("2 images"), "{msg}");
    let msg = load_err(&images, &gzip(&idx(2049, &[2], &[1, 12])));
    assert!(msg.contains("label 12 at index 1"), "{msg}");
}

#[test]
fn header_too_short_is_refused() {
    let msg = load_err(&gzip(&[0, 0, 8]), &labels_gz(1));
    assert!(msg.contains("too short"), "{msg}");
}

#[test]
fn a_file_too_large_once_decompressed_is_called_that_not_truncated() {
    let cap = vae_playground::data::MAX_DECOMPRESSED_BYTES as usize;
    let header = idx(2051, &[(cap / 784 + 1) as u32, 28, 28], &[]);
    let mut raw = header;
    raw.resize(16 + (cap / 784 + 1) * 784, 0);
    let msg = load_err(&gzip(&raw), &labels_gz(1));
    assert!(msg.starts_with("imgs.gz: is larger than 256 MiB once decompressed") && msg.contains("fewer images"), "{msg}");
    assert!(!msg.contains("truncated"), "{msg}");
}
