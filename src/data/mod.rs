//! The digits: reading gzip'd IDX files, the train/test split contract, shuffled batches.

use std::io::Read;

use candle_core::{Device, Tensor};

use crate::error::{Error, Result};
use crate::size;

/// Images are MNIST's 28 × 28 grey levels, flattened row by row.
pub const IMAGE_SIDE: usize = 28;
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;

/// The bundled files keep the last 1,000 images as the test set; this is a public contract.
pub const TEST_SET_SIZE: usize = 1000;

const IDX_IMAGES_MAGIC: u32 = 2051;
const IDX_LABELS_MAGIC: u32 = 2049;
/// An IDX file larger than this after decompression is refused rather than read into memory.
pub const MAX_DECOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;
/// The most images one call encodes, decodes or classifies: as many as the largest manifold (100 × 100) or the
/// most samples decode.
pub const MAX_IMAGES_PER_CALL: usize = 10_000;
/// The most images one call finds the nearest training digits of (each is compared with every training digit).
pub const MAX_NEAREST: usize = 100;

/// How many 784-value images `pixels` holds, 1 to `max`; else an error naming `what` and the limit.
pub fn image_count(what: &'static str, pixels: &[f32], max: usize) -> Result<usize> {
    size::items(what, pixels.len(), IMAGE_PIXELS, "784 pixel values per image (28 × 28, row by row)", "image", max)
}

/// Labelled 28 × 28 grey-level images, kept as bytes (one tenth the memory of f32) until batched.
#[derive(Clone, Debug)]
pub struct Dataset {
    images: Vec<u8>,
    labels: Vec<u8>,
}

impl Dataset {
    /// Reads a pair of gzip'd IDX files; the names are only used in error messages.
    pub fn from_idx_gz(images_name: &str, images_gz: &[u8], labels_name: &str, labels_gz: &[u8]) -> Result<Self> {
        let images = read_idx(images_name, images_gz, IDX_IMAGES_MAGIC, &[IMAGE_SIDE, IMAGE_SIDE])?;
        let labels = read_idx(labels_name, labels_gz, IDX_LABELS_MAGIC, &[])?;
        let n_images = images.len() / IMAGE_PIXELS;
        if n_images != labels.len() {
            return Err(Error::data(
                labels_name,
                format!("holds {} labels but {images_name} holds {n_images} images; they must match", labels.len()),
            ));
        }
        if let Some(bad) = labels.iter().position(|&l| l > 9) {
            return Err(Error::data(labels_name, format!("label {} at index {bad} is not a digit 0–9", labels[bad])));
        }
        Ok(Dataset { images, labels })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    pub fn image(&self, index: usize) -> &[u8] {
        &self.images[index * IMAGE_PIXELS..(index + 1) * IMAGE_PIXELS]
    }

    /// The first n images.
    pub fn take(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset { images: self.images[..n * IMAGE_PIXELS].to_vec(), labels: self.labels[..n].to_vec() }
    }

    /// (train, test): the last `TEST_SET_SIZE` images are the test set. A smaller data set (one of the user's own)
    /// keeps its last tenth for testing instead, so that it still trains on most of it.
    pub fn split(&self) -> (Dataset, Dataset) {
        let test_len = TEST_SET_SIZE.min(self.len() / 10).max(1).min(self.len());
        let cut = self.len() - test_len;
        let part = |range: std::ops::Range<usize>| Dataset {
            images: self.images[range.start * IMAGE_PIXELS..range.end * IMAGE_PIXELS].to_vec(),
            labels: self.labels[range].to_vec(),
        };
        (part(0..cut), part(cut..self.len()))
    }

    /// The images at `indices` as intensities in [0, 1]: a [len, 784] f32 tensor.
    pub fn batch(&self, indices: &[usize]) -> Result<Tensor> {
        let mut pixels = vec![0f32; indices.len() * IMAGE_PIXELS];
        self.fill_batch(indices, &mut pixels);
        Ok(Tensor::from_vec(pixels, (indices.len(), IMAGE_PIXELS), &Device::Cpu)?)
    }

    /// The images at `indices` as intensities in [0, 1], row by row, into the first `indices.len()` rows of `out`.
    pub fn fill_batch(&self, indices: &[usize], out: &mut [f32]) {
        // The images lie scattered over megabytes: first one byte of each of their cache lines, loads that do not
        // wait on one another, so the memory fetches them all at once; converted one image at a time, each waited
        // for its first lines in turn (wasm has no prefetch instruction): about half of the batch time (0.065 ms).
        let mut touched = 0u8;
        for &i in indices {
            for line in self.image(i).iter().step_by(64) {
                touched |= *line;
            }
        }
        core::hint::black_box(touched);
        for (&i, row) in indices.iter().zip(out.chunks_exact_mut(IMAGE_PIXELS)) {
            for (o, &p) in row.iter_mut().zip(self.image(i)) {
                *o = p as f32 / 255.0;
            }
        }
    }

    /// The mean image, 784 intensities in [0, 1]: the baseline that recovery is compared with.
    pub fn mean_image(&self) -> Vec<f32> {
        let mut sum = vec![0f64; IMAGE_PIXELS];
        for image in self.images.chunks(IMAGE_PIXELS) {
            for (s, &p) in sum.iter_mut().zip(image) {
                *s += p as f64;
            }
        }
        sum.iter().map(|s| (s / (255.0 * self.len().max(1) as f64)) as f32).collect()
    }

    /// Images at `indices` as intensities in [0, 1], 784 each, flat: at most as many as the set holds.
    pub fn pixels(&self, indices: &[usize]) -> Result<Vec<f32>> {
        if indices.len() > self.len() {
            return Err(Error::data(
                "digits",
                format!("asked for {} images of a set of {}; ask for at most {} at a time", indices.len(), self.len(), self.len()),
            ));
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(Error::data("digits", format!("index {bad} is past the last of {} images", self.len())));
        }
        Ok(indices.iter().flat_map(|&i| self.image(i).iter().map(|&p| p as f32 / 255.0)).collect())
    }

    /// For an image (784 intensities in [0, 1]): the index of the image here nearest to it (Euclidean), and the
    /// distance. Are generated digits new, or copies of training digits? This answers it.
    pub fn nearest(&self, image: &[f32]) -> (usize, f32) {
        let mut best = (0, f32::INFINITY);
        for (index, candidate) in self.images.chunks(IMAGE_PIXELS).enumerate() {
            let mut sum = 0f32;
            for (&p, &q) in candidate.iter().zip(image) {
                let d = p as f32 / 255.0 - q;
                sum += d * d;
            }
            if sum < best.1 {
                best = (index, sum);
            }
        }
        (best.0, best.1.sqrt())
    }

    /// For each image of `pixels` (784 intensities each, at most `MAX_NEAREST`): the nearest image here, its pixels,
    /// then all the distances at the end.
    pub fn nearest_each(&self, pixels: &[f32]) -> Result<Vec<f32>> {
        image_count("nearest training digits", pixels, MAX_NEAREST)?;
        let found: Vec<(usize, f32)> = pixels.chunks(IMAGE_PIXELS).map(|image| self.nearest(image)).collect();
        let mut out: Vec<f32> = found.iter().flat_map(|&(i, _)| self.image(i).iter().map(|&p| p as f32 / 255.0)).collect();
        out.extend(found.iter().map(|&(_, d)| d));
        Ok(out)
    }

    /// All images in order, as one tensor.
    pub fn all(&self) -> Result<Tensor> {
        self.batch(&(0..self.len()).collect::<Vec<_>>())
    }
}

/// Decompresses and validates one IDX file of unsigned bytes; returns its payload.
/// `item_dims` are the dimensions after the item count (28, 28 for images; none for labels).
fn read_idx(name: &str, gz: &[u8], magic: u32, item_dims: &[usize]) -> Result<Vec<u8>> {
    if gz.len() < 2 || gz[0..2] != [0x1f, 0x8b] {
        return Err(Error::data(name, "is not gzip-compressed; expected an .idx-ubyte.gz file (compress it with gzip)"));
    }
    let mut bytes = Vec::new();
    // One byte past the cap tells a file that is too large from one that is exactly at it.
    flate2::read::GzDecoder::new(gz)
        .take(MAX_DECOMPRESSED_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::data(name, format!("gzip data is damaged or truncated ({e})")))?;
    if bytes.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(Error::data(
            name,
            format!(
                "is larger than {} MiB once decompressed, more than the playground reads; use fewer images \
                 (MNIST's 70,000 digits are 55 MiB)",
                MAX_DECOMPRESSED_BYTES / (1024 * 1024)
            ),
        ));
    }

    // The magic number is checked before the rest of the header, so a swapped file is named as such.
    let short_header = || Error::data(name, format!("is {} bytes, too short for an IDX header", bytes.len()));
    if bytes.len() < 4 {
        return Err(short_header());
    }
    let word = |i: usize| u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4 bytes"));
    let found = word(0);
    if found != magic {
        let what = if magic == IDX_IMAGES_MAGIC { "images (2051)" } else { "labels (2049)" };
        let hint = match found {
            IDX_IMAGES_MAGIC => " — this is an images file; were the two files swapped?",
            IDX_LABELS_MAGIC => " — this is a labels file; were the two files swapped?",
            _ => "",
        };
        return Err(Error::data(name, format!("IDX magic number is {found}, expected {what}{hint}")));
    }
    let header_len = 4 + 4 * (1 + item_dims.len());
    if bytes.len() < header_len {
        return Err(short_header());
    }
    let count = word(1) as usize;
    let dims: Vec<usize> = (0..item_dims.len()).map(|i| word(2 + i) as usize).collect();
    if dims != item_dims {
        return Err(Error::data(name, format!("images are {} × {}, expected 28 × 28 (MNIST-sized)", dims[0], dims[1])));
    }
    let item_len: usize = item_dims.iter().product();
    // Checked: in wasm32, 5,478,275 images of 784 bytes wrap to 304.
    let expected = count.checked_mul(item_len.max(1)).filter(|&n| n as u64 <= MAX_DECOMPRESSED_BYTES).ok_or_else(|| {
        Error::data(
            name,
            format!(
                "header announces {count} items, more than the {} MiB the playground reads; the file is damaged or too large",
                MAX_DECOMPRESSED_BYTES / (1024 * 1024)
            ),
        )
    })?;
    let payload = &bytes[header_len..];
    if payload.len() != expected {
        return Err(Error::data(
            name,
            format!(
                "header announces {count} items ({expected} bytes) but {} bytes follow; the file is truncated or damaged",
                payload.len()
            ),
        ));
    }
    if count == 0 {
        return Err(Error::data(name, "holds no items"));
    }
    Ok(payload.to_vec())
}
