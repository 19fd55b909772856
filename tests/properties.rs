#![cfg(not(target_arch = "wasm32"))]
//! Property tests (proptest), seeded so that every run checks the same cases: the native matrix product against the
//! plain triple loop for random shapes, layouts and starts; the IDX and safetensors readers on random and damaged
//! bytes — never a panic, always an error or a valid result.

mod common;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed};
use vae_playground::{weights, Dataset, Model, ModelConfig};

/// A fixed seed and no failure files: the same cases on every machine, every run.
fn seeded(cases: u32) -> Config {
    Config { cases, rng_algorithm: RngAlgorithm::ChaCha, rng_seed: RngSeed::Fixed(15), failure_persistence: None, ..Config::default() }
}

/// Values in [−1, 1) from a seed (xorshift): sizes shrink well when the values are not part of the strategy.
fn values(seed: u64, len: usize) -> Vec<f32> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2000) as f32 / 1000.0 - 1.0
        })
        .collect()
}

proptest! {
    #![proptest_config(seeded(1500))]

    /// Shapes from empty to several tiles, k sometimes across the browser kernel's 256-row blocks; A and B stored by
    /// rows or by columns (a transposed view), with padded lines; each start.
    #[test]
    fn the_native_product_matches_the_plain_product(
        m in 0usize..24,
        k in prop_oneof![3 => 0usize..40, 1 => 0usize..300],
        n in 0usize..24,
        (a_by_columns, b_by_columns) in (any::<bool>(), any::<bool>()),
        (a_pad, b_pad) in (0usize..3, 0usize..3),
        start in prop::sample::select(common::STARTS.to_vec()),
        seed in any::<u64>(),
    ) {
        let a = common::Stored::new(&values(seed, m * k), m, k, a_by_columns, a_pad);
        let b = common::Stored::new(&values(seed ^ 1, k * n), k, n, b_by_columns, b_pad);
        let (initial, bias) = (values(seed ^ 2, m * n), values(seed ^ 3, n));
        common::check_against_plain_product(&a, &b, start, &initial, &bias).map_err(TestCaseError::fail)?;
    }
}

/// A small valid pair of IDX files (before gzip): `count` images and their labels.
fn small_idx(count: u32) -> (Vec<u8>, Vec<u8>) {
    let pixels: Vec<u8> = (0..count as usize * 784).map(|i| (i * 37 % 256) as u8).collect();
    let labels: Vec<u8> = (0..count as u8).map(|i| i % 10).collect();
    (common::idx(2051, &[count, 28, 28], &pixels), common::idx(2049, &[count], &labels))
}

/// Bytes changed at a few places (each `(where, value)`), then perhaps cut short.
fn damaged(mut bytes: Vec<u8>, changes: &[(Index, u8)], cut: Option<Index>) -> Vec<u8> {
    if !bytes.is_empty() {
        for (at, value) in changes {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
    }
    if let Some(at) = cut {
        bytes.truncate(at.index(bytes.len() + 1));
    }
    bytes
}

/// What a reader returned is an error naming the file, or a data set that keeps its own invariants.
fn check_read(result: vae_playground::Result<Dataset>) -> Result<(), TestCaseError> {
    match result {
        Err(e) => prop_assert!(e.to_string().starts_with("images") || e.to_string().starts_with("labels"), "{e}"),
        Ok(data) => {
            prop_assert!(!data.is_empty());
            prop_assert!(data.labels().unwrap().iter().all(|&l| l <= 9));
            let all: Vec<usize> = (0..data.len()).collect();
            prop_assert_eq!(data.pixels(&all).unwrap().len(), data.len() * 784);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(seeded(600))]

    /// Damaged IDX contents (header words, counts, dimensions, payload, length), gzip'd as a reader receives them.
    #[test]
    fn the_idx_reader_never_panics_on_damaged_files(
        count in 1u32..4,
        image_changes in prop::collection::vec((any::<Index>(), any::<u8>()), 0..4),
        image_cut in prop::option::weighted(0.3, any::<Index>()),
        label_changes in prop::collection::vec((any::<Index>(), any::<u8>()), 0..3),
        header_word in prop::option::weighted(0.5, (0usize..4, any::<u32>())),
    ) {
        let (mut images, labels) = small_idx(count);
        if let Some((word, value)) = header_word {
            images[4 * word..4 * word + 4].copy_from_slice(&value.to_be_bytes());
        }
        let images = common::gzip(&damaged(images, &image_changes, image_cut));
        let labels = common::gzip(&damaged(labels, &label_changes, None));
        check_read(Dataset::from_idx_gz("images", &images, "labels", &labels))?;
    }

    /// Random bytes, random bytes behind gzip's magic number, and damaged gzip streams.
    #[test]
    fn the_idx_reader_never_panics_on_random_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        gzip_magic in any::<bool>(),
        stream_changes in prop::collection::vec((any::<Index>(), any::<u8>()), 1..4),
    ) {
        let (valid_images, valid_labels) = small_idx(2);
        let labels = common::gzip(&valid_labels);
        let random = if gzip_magic { [&[0x1f, 0x8b][..], &bytes].concat() } else { bytes.clone() };
        check_read(Dataset::from_idx_gz("images", &random, "labels", &labels))?;
        check_read(Dataset::from_idx_gz("images", &common::gzip(&bytes), "labels", &labels))?;
        let stream = damaged(common::gzip(&valid_images), &stream_changes, None);
        check_read(Dataset::from_idx_gz("images", &stream, "labels", &labels))?;
    }
}

/// A valid file of a small model (3 hidden units, 2 latent dimensions), with metadata of its own.
fn small_model_file() -> Vec<u8> {
    let model = Model::new(ModelConfig::mlp(3, 2), 0).unwrap();
    let extra = [("note".to_string(), "kept".to_string())].into();
    weights::to_safetensors_with(model.view(), 1.0, &extra).unwrap()
}

/// What the safetensors readers returned is an error, or a model whose shapes are the contract's.
fn check_weights(bytes: &[u8]) -> Result<(), TestCaseError> {
    let _ = weights::metadata(bytes);
    match weights::from_safetensors(bytes) {
        Err(e) => prop_assert!(e.to_string().starts_with("weights: "), "{e}"),
        Ok(loaded) => {
            let config = loaded.model.config();
            prop_assert!(config.validate().is_ok());
            let (h, l, p) = (config.hidden, config.latent, config.image.pixels());
            prop_assert_eq!(loaded.model.parameters().len(), h * p + h + 2 * (l * h + l) + h * l + h + p * h + p);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(seeded(800))]

    /// A valid file damaged: mostly in its header (the JSON: names, dtypes, shapes, offsets), anywhere, or cut short.
    #[test]
    fn the_safetensors_readers_never_panic_on_damaged_files(
        header_changes in prop::collection::vec((0usize..800, any::<u8>()), 0..4),
        changes in prop::collection::vec((any::<Index>(), any::<u8>()), 0..3),
        cut in prop::option::weighted(0.2, any::<Index>()),
    ) {
        let mut bytes = small_model_file();
        for (at, value) in header_changes {
            let at = at.min(bytes.len() - 1);
            bytes[at] = value;
        }
        check_weights(&damaged(bytes, &changes, cut))?;
    }

    /// Random bytes, and headers of random shapes and offsets (huge ones too) over a little data.
    #[test]
    fn the_safetensors_readers_never_panic_on_random_headers(
        bytes in prop::collection::vec(any::<u8>(), 0..64),
        shape in prop::collection::vec(prop_oneof![0u64..5, any::<u64>()], 0..3),
        offsets in (prop_oneof![0u64..64, any::<u64>()], prop_oneof![0u64..64, any::<u64>()]),
        dtype in prop::sample::select(vec!["F32", "F64", "U8", "BOOL", "X"]),
        name in prop::sample::select(vec!["enc.fc.weight", "enc.fc.bias", "dec.out.weight", "other"]),
    ) {
        check_weights(&bytes)?;
        let header = format!(
            r#"{{"__metadata__":{{"hidden":"1"}},"{name}":{{"dtype":"{dtype}","shape":{shape:?},"data_offsets":[{},{}]}}}}"#,
            offsets.0, offsets.1
        );
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend(header.as_bytes());
        file.extend(&bytes);
        check_weights(&file)?;
    }
}
