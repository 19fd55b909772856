//! Helpers shared by the native integration tests.
#![allow(dead_code)]

use vae_playground::Dataset;

pub const IMAGES_GZ: &[u8] = include_bytes!("../../data/mnist-10k-images.idx3-ubyte.gz");
pub const LABELS_GZ: &[u8] = include_bytes!("../../data/mnist-10k-labels.idx1-ubyte.gz");

pub fn bundled() -> Dataset {
    Dataset::from_idx_gz("images.gz", IMAGES_GZ, "labels.gz", LABELS_GZ).expect("the bundled digits load")
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn gunzip(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut out).unwrap();
    out
}

/// An IDX file: big-endian magic, dims, then the payload.
pub fn idx(magic: u32, dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend(payload);
    bytes
}
