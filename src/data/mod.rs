//! Images to train on: a `Dataset` carries the shape of its images (`ImageSpec`), optional labels with optional class
//! names, and its split (the public contract: the last tenth, at most 1,000 images, is the test set). `idx` reads
//! and writes gzip'd IDX files; `prepare` makes a drawing or a photo into an MNIST-style image.

pub mod idx;
pub mod prepare;

pub use idx::MAX_DECOMPRESSED_BYTES;

use std::fmt;

use crate::error::{Error, Result};
use crate::size;

/// The shape of one image: `width` × `height` positions of `channels` grey levels each, stored row by row with a
/// position's channels together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ImageSpec {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
}

impl ImageSpec {
    /// MNIST's digits (and Fashion-MNIST's clothes): 28 × 28 grey levels.
    pub const MNIST: ImageSpec = ImageSpec { width: 28, height: 28, channels: 1 };
    /// The widest and tallest images a data set may hold.
    pub const MAX_SIDE: usize = 256;
    pub const MAX_CHANNELS: usize = 4;

    /// Values per image.
    pub const fn pixels(&self) -> usize {
        self.width * self.height * self.channels
    }

    /// Sides from 1 to `MAX_SIDE`, channels from 1 to `MAX_CHANNELS`.
    pub fn validate(&self) -> Result<()> {
        size::within("image width", self.width, 1, Self::MAX_SIDE)?;
        size::within("image height", self.height, 1, Self::MAX_SIDE)?;
        size::within("image channels", self.channels, 1, Self::MAX_CHANNELS)?;
        Ok(())
    }

    /// How many images of this shape `values` holds, 1 to `max`; else an error naming `what` and the limit.
    pub fn count(&self, what: &'static str, values: &[f32], max: usize) -> Result<usize> {
        let shape = format!("{} pixel values per image ({self}, row by row)", self.pixels());
        size::items(what, values.len(), self.pixels(), &shape, "image", max)
    }
}

impl fmt::Display for ImageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} × {}", self.width, self.height)?;
        if self.channels != 1 {
            write!(f, " × {}", self.channels)?;
        }
        Ok(())
    }
}

/// The bundled files keep the last 1,000 images as the test set; this is a public contract.
pub const TEST_SET_SIZE: usize = 1000;
/// The most images one call encodes, decodes or classifies: as many as the largest manifold (100 × 100) or the
/// most samples decode.
pub const MAX_IMAGES_PER_CALL: usize = 10_000;
/// The most images one call finds the nearest training images of (each is compared with every training image).
pub const MAX_NEAREST: usize = 100;
/// The label of an image that has none, in a set where the others have one: an own unlabelled image mixed into a
/// labelled set (see `Dataset::mixed`). Never a class: a set has at most 255 classes.
pub const UNLABELLED: u8 = u8::MAX;
/// The digits' names, what labels mean when a set names no classes.
const DIGITS: usize = 10;

/// Images kept as bytes (one tenth the memory of f32) until batched, with their labels if they have some.
#[derive(Clone, Debug)]
pub struct Dataset {
    spec: ImageSpec,
    images: Vec<u8>,
    labels: Option<Vec<u8>>,
    /// What label i means; without names, labels are the digits 0–9.
    class_names: Option<Vec<String>>,
    /// Where the test set starts when it is not where the split rule puts it (a mixed set).
    test_from: Option<usize>,
}

impl Dataset {
    /// Images of `spec` (row by row, `spec.pixels()` bytes each), with labels (one per image) and class names if
    /// there are some. `source` names the data in errors. A label must name a class: below the number of class
    /// names, or a digit 0–9 when there are none.
    pub fn new(source: &str, spec: ImageSpec, images: Vec<u8>, labels: Option<Vec<u8>>, class_names: Option<Vec<String>>) -> Result<Self> {
        spec.validate()?;
        let count = images.len() / spec.pixels();
        if images.is_empty() || images.len() % spec.pixels() != 0 {
            return Err(Error::data(
                source,
                format!("{} bytes are not whole images of {spec} ({} bytes each)", images.len(), spec.pixels()),
            ));
        }
        if let Some(names) = &class_names {
            if names.is_empty() || names.len() > UNLABELLED as usize {
                return Err(Error::data(source, format!("{} class names; a set names 1 to 255 classes", names.len())));
            }
        }
        if let Some(labels) = &labels {
            if labels.len() != count {
                return Err(Error::data(source, format!("holds {} labels for {count} images; they must match", labels.len())));
            }
            check_labels(source, labels, class_names.as_deref())?;
        }
        Ok(Dataset { spec, images, labels, class_names, test_from: None })
    }

    /// Reads a pair of gzip'd IDX files of MNIST-sized images and their digits 0–9 (the bundled digits, or IDX files
    /// by URL); the names are only used in error messages.
    pub fn from_idx_gz(images_name: &str, images_gz: &[u8], labels_name: &str, labels_gz: &[u8]) -> Result<Self> {
        Self::read_idx(images_name, images_gz, Some((labels_name, labels_gz)), None, Some(ImageSpec::MNIST))
    }

    /// Reads gzip'd IDX images of any size (up to `ImageSpec::MAX_SIDE`), with a labels file and class names if
    /// there are some (`expected`: refuse images of another shape).
    pub fn read_idx(
        images_name: &str,
        images_gz: &[u8],
        labels: Option<(&str, &[u8])>,
        class_names: Option<Vec<String>>,
        expected: Option<ImageSpec>,
    ) -> Result<Self> {
        let (spec, images) = idx::read_images(images_name, images_gz, expected)?;
        let count = images.len() / spec.pixels();
        let labels = match labels {
            None => None,
            Some((labels_name, labels_gz)) => {
                let labels = idx::read_labels(labels_name, labels_gz)?;
                if labels.len() != count {
                    return Err(Error::data(
                        labels_name,
                        format!("holds {} labels but {images_name} holds {count} images; they must match", labels.len()),
                    ));
                }
                check_labels(labels_name, &labels, class_names.as_deref())?;
                Some(labels)
            }
        };
        Self::new(images_name, spec, images, labels, class_names)
    }

    /// `base`'s split with every image of `own` added to the training split (so none of them is in the test set).
    /// The result is labelled when `base` is: `own`'s labels are matched to `base`'s classes by name (by number
    /// when neither names its classes), and an unlabelled own image gets `UNLABELLED`.
    pub fn mixed(base: &Dataset, own: &Dataset) -> Result<Dataset> {
        if own.spec != base.spec {
            return Err(Error::data("own images", format!("are {}, the set they join holds {}", own.spec, base.spec)));
        }
        let cut = base.test_start();
        let labels = match (&base.labels, &own.labels) {
            (None, _) => None,
            (Some(base_labels), own_labels) => {
                let own_labels: Vec<u8> = match own_labels {
                    None => vec![UNLABELLED; own.len()],
                    Some(labels) => {
                        let map = own.class_map_into(base)?;
                        labels.iter().map(|&l| map[l as usize]).collect()
                    }
                };
                Some([&base_labels[..cut], &own_labels, &base_labels[cut..]].concat())
            }
        };
        let pixels = base.spec.pixels();
        let images = [&base.images[..cut * pixels], &own.images[..], &base.images[cut * pixels..]].concat();
        Ok(Dataset { spec: base.spec, images, labels, class_names: base.class_names.clone(), test_from: Some(cut + own.len()) })
    }

    /// For each of this set's labels, the label of the class of the same name in `base`.
    fn class_map_into(&self, base: &Dataset) -> Result<Vec<u8>> {
        let names = |set: &Dataset| set.class_names.clone().unwrap_or_else(|| (0..DIGITS).map(|d| d.to_string()).collect());
        let (own, theirs) = (names(self), names(base));
        own.iter()
            .map(|name| {
                theirs.iter().position(|n| n == name).map(|i| i as u8).ok_or_else(|| {
                    Error::data("own images", format!("label “{name}” is not one of the set's classes ({})", theirs.join(", ")))
                })
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.images.len() / self.spec.pixels()
    }

    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    pub fn spec(&self) -> ImageSpec {
        self.spec
    }

    /// One label per image, if the set has labels.
    pub fn labels(&self) -> Option<&[u8]> {
        self.labels.as_deref()
    }

    /// What each label means, if the set names its classes (else labels are the digits 0–9).
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// The number of classes a label may name.
    pub fn class_count(&self) -> usize {
        self.class_names.as_ref().map_or(DIGITS, Vec::len)
    }

    /// All images' bytes, image after image.
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    pub fn image(&self, index: usize) -> &[u8] {
        let pixels = self.spec.pixels();
        &self.images[index * pixels..(index + 1) * pixels]
    }

    /// The first n images (split by the rule).
    pub fn take(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            images: self.images[..n * self.spec.pixels()].to_vec(),
            labels: self.labels.as_ref().map(|l| l[..n].to_vec()),
            test_from: None,
            ..self.clone_empty()
        }
    }

    fn clone_empty(&self) -> Dataset {
        Dataset { spec: self.spec, images: Vec::new(), labels: None, class_names: self.class_names.clone(), test_from: None }
    }

    /// Where the test set starts. The rule: the last `TEST_SET_SIZE` images, or the last tenth of a smaller set (so
    /// that one of the user's own still trains on most of it), at least one image; a mixed set keeps its base's.
    pub fn test_start(&self) -> usize {
        self.test_from.unwrap_or_else(|| {
            let test_len = TEST_SET_SIZE.min(self.len() / 10).max(1).min(self.len());
            self.len() - test_len
        })
    }

    /// (train, test), cut at `test_start`.
    pub fn split(&self) -> (Dataset, Dataset) {
        let (cut, pixels) = (self.test_start(), self.spec.pixels());
        let part = |range: std::ops::Range<usize>| Dataset {
            images: self.images[range.start * pixels..range.end * pixels].to_vec(),
            labels: self.labels.as_ref().map(|l| l[range].to_vec()),
            ..self.clone_empty()
        };
        (part(0..cut), part(cut..self.len()))
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
        for (&i, row) in indices.iter().zip(out.chunks_exact_mut(self.spec.pixels())) {
            for (o, &p) in row.iter_mut().zip(self.image(i)) {
                *o = p as f32 / 255.0;
            }
        }
    }

    /// The mean image, intensities in [0, 1]: the baseline that recovery is compared with.
    pub fn mean_image(&self) -> Vec<f32> {
        let mut sum = vec![0f64; self.spec.pixels()];
        for image in self.images.chunks(self.spec.pixels()) {
            for (s, &p) in sum.iter_mut().zip(image) {
                *s += p as f64;
            }
        }
        sum.iter().map(|s| (s / (255.0 * self.len().max(1) as f64)) as f32).collect()
    }

    /// Images at `indices` as intensities in [0, 1], flat: at most as many as the set holds.
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
        let mut out = vec![0f32; indices.len() * self.spec.pixels()];
        self.fill_batch(indices, &mut out);
        Ok(out)
    }

    /// Every image as intensities in [0, 1], flat.
    pub fn all_pixels(&self) -> Vec<f32> {
        self.images.iter().map(|&p| p as f32 / 255.0).collect()
    }

    /// For an image (intensities in [0, 1]): the index of the image here nearest to it (Euclidean), and the
    /// distance. Are generated digits new, or copies of training digits? This answers it.
    pub fn nearest(&self, image: &[f32]) -> (usize, f32) {
        let mut best = (0, f32::INFINITY);
        for (index, candidate) in self.images.chunks(self.spec.pixels()).enumerate() {
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

    /// For each image of `pixels` (at most `MAX_NEAREST`): the nearest image here, its pixels, then all the
    /// distances at the end.
    pub fn nearest_each(&self, pixels: &[f32]) -> Result<Vec<f32>> {
        self.spec.count("nearest training digits", pixels, MAX_NEAREST)?;
        let found: Vec<(usize, f32)> = pixels.chunks(self.spec.pixels()).map(|image| self.nearest(image)).collect();
        let mut out: Vec<f32> = found.iter().flat_map(|&(i, _)| self.image(i).iter().map(|&p| p as f32 / 255.0)).collect();
        out.extend(found.iter().map(|&(_, d)| d));
        Ok(out)
    }

    /// The set as gzip'd IDX files: images, and labels if it has some (the same set always gives the same bytes).
    pub fn to_idx_gz(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        (idx::write_images(self.spec, &self.images), self.labels.as_deref().map(idx::write_labels))
    }

    /// A SHA-256 digest of the set, in hex: its shape, its images and its labels (what names an own set in a
    /// weights file's metadata, without the images).
    pub fn hash(&self) -> String {
        let mut hasher = crate::sha256::Sha256::new();
        for size in [self.spec.width, self.spec.height, self.spec.channels, self.len()] {
            hasher.update(&(size as u64).to_le_bytes());
        }
        hasher.update(&self.images);
        if let Some(labels) = &self.labels {
            hasher.update(labels);
        }
        hasher.hex()
    }
}

/// Every label names a class: below the number of names, or a digit when there are none (today's MNIST message).
fn check_labels(source: &str, labels: &[u8], class_names: Option<&[String]>) -> Result<()> {
    let count = class_names.map_or(DIGITS, <[String]>::len);
    if let Some(bad) = labels.iter().position(|&l| l as usize >= count) {
        let problem = match class_names {
            None => format!("label {} at index {bad} is not a digit 0–9", labels[bad]),
            Some(_) => {
                format!("label {} at index {bad} names no class: there are {count} class names (labels 0–{})", labels[bad], count - 1)
            }
        };
        return Err(Error::data(source, problem));
    }
    Ok(())
}
