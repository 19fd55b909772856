//! gzip'd IDX files, MNIST's format: reading them, with errors that name the file, and writing them (the "Export
//! dataset" file, which `vae train --data DIR` and the page's `data` attribute read back).
//!
//! An IDX file is a big-endian header — a magic number whose low byte is the number of dimensions, one 32-bit size
//! per dimension — then the values, here unsigned bytes: images [n, rows, cols] (magic 2051) or, with channels,
//! [n, rows, cols, channels] (2052); labels [n] (2049).

use std::io::{Read, Write};

use crate::data::ImageSpec;
use crate::error::{Error, Result};

pub const IMAGES_MAGIC: u32 = 2051;
pub const IMAGES_WITH_CHANNELS_MAGIC: u32 = 2052;
pub const LABELS_MAGIC: u32 = 2049;
/// An IDX file larger than this after decompression is refused rather than read into memory.
pub const MAX_DECOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;

/// Reads an images file: its image shape and the pixels. With `expected`, images of another shape are refused
/// (the bundled digits and IDX given by URL are MNIST's 28 × 28).
pub fn read_images(name: &str, gz: &[u8], expected: Option<ImageSpec>) -> Result<(ImageSpec, Vec<u8>)> {
    let bytes = gunzip(name, gz)?;
    let magic = check_magic(name, &bytes, &[IMAGES_MAGIC, IMAGES_WITH_CHANNELS_MAGIC])?;
    let dims = header(name, &bytes, if magic == IMAGES_MAGIC { 3 } else { 4 })?;
    let (rows, cols, channels) = (dims[1], dims[2], dims.get(3).copied().unwrap_or(1));
    if let Some(expected) = expected {
        if (cols, rows, channels) != (expected.width, expected.height, expected.channels) {
            return Err(Error::data(
                name,
                format!("images are {rows} × {cols}, expected {} × {} (MNIST-sized)", expected.height, expected.width),
            ));
        }
    }
    let spec = ImageSpec { width: cols, height: rows, channels };
    spec.validate().map_err(|e| Error::data(name, format!("images are {rows} × {cols} × {channels}: {e}")))?;
    let payload = payload(name, &bytes, &dims)?;
    Ok((spec, payload))
}

/// Reads a labels file: one byte per image.
pub fn read_labels(name: &str, gz: &[u8]) -> Result<Vec<u8>> {
    let bytes = gunzip(name, gz)?;
    check_magic(name, &bytes, &[LABELS_MAGIC])?;
    let dims = header(name, &bytes, 1)?;
    payload(name, &bytes, &dims)
}

/// `images` (n images of `spec`) as a gzip'd IDX file: the same images always give the same bytes.
pub fn write_images(spec: ImageSpec, images: &[u8]) -> Vec<u8> {
    let count = images.len() / spec.pixels().max(1);
    let mut dims = vec![count, spec.height, spec.width];
    let magic = if spec.channels == 1 {
        IMAGES_MAGIC
    } else {
        dims.push(spec.channels);
        IMAGES_WITH_CHANNELS_MAGIC
    };
    write(magic, &dims, images)
}

/// `labels` as a gzip'd IDX file.
pub fn write_labels(labels: &[u8]) -> Vec<u8> {
    write(LABELS_MAGIC, &[labels.len()], labels)
}

fn write(magic: u32, dims: &[usize], payload: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(4 + 4 * dims.len() + payload.len());
    raw.extend_from_slice(&magic.to_be_bytes());
    for &d in dims {
        raw.extend_from_slice(&(d as u32).to_be_bytes());
    }
    raw.extend_from_slice(payload);
    // No file name, modification time 0, "unknown" system: nothing in the gzip header varies between runs.
    let mut encoder = flate2::GzBuilder::new().mtime(0).operating_system(255).write(Vec::new(), flate2::Compression::default());
    encoder.write_all(&raw).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Decompresses a whole file, at most `MAX_DECOMPRESSED_BYTES`.
fn gunzip(name: &str, gz: &[u8]) -> Result<Vec<u8>> {
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
    Ok(bytes)
}

fn short_header(name: &str, bytes: &[u8]) -> Error {
    Error::data(name, format!("is {} bytes, too short for an IDX header", bytes.len()))
}

fn word(bytes: &[u8], i: usize) -> u32 {
    u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4 bytes"))
}

/// The magic number, if it is one of `allowed`; checked before the rest of the header, so a swapped file is named
/// as such.
fn check_magic(name: &str, bytes: &[u8], allowed: &[u32]) -> Result<u32> {
    if bytes.len() < 4 {
        return Err(short_header(name, bytes));
    }
    let found = word(bytes, 0);
    if allowed.contains(&found) {
        return Ok(found);
    }
    let images = allowed.contains(&IMAGES_MAGIC);
    let what = if images { "images (2051)" } else { "labels (2049)" };
    let hint = match found {
        IMAGES_MAGIC | IMAGES_WITH_CHANNELS_MAGIC if !images => " — this is an images file; were the two files swapped?",
        LABELS_MAGIC if images => " — this is a labels file; were the two files swapped?",
        _ => "",
    };
    Err(Error::data(name, format!("IDX magic number is {found}, expected {what}{hint}")))
}

/// The `rank` sizes after the magic number.
fn header(name: &str, bytes: &[u8], rank: usize) -> Result<Vec<usize>> {
    if bytes.len() < 4 * (1 + rank) {
        return Err(short_header(name, bytes));
    }
    Ok((0..rank).map(|i| word(bytes, 1 + i) as usize).collect())
}

/// The values after the header, exactly as many as the sizes announce, and at least one item.
fn payload(name: &str, bytes: &[u8], dims: &[usize]) -> Result<Vec<u8>> {
    let count = dims[0];
    let item_len = dims[1..].iter().try_fold(1usize, |p, &d| p.checked_mul(d));
    // Checked: in wasm32, 5,478,275 images of 784 bytes wrap to 304.
    let expected = item_len.and_then(|len| count.checked_mul(len.max(1))).filter(|&n| n as u64 <= MAX_DECOMPRESSED_BYTES);
    let expected = expected.ok_or_else(|| {
        Error::data(
            name,
            format!(
                "header announces {count} items, more than the {} MiB the playground reads; the file is damaged or too large",
                MAX_DECOMPRESSED_BYTES / (1024 * 1024)
            ),
        )
    })?;
    let payload = &bytes[4 * dims.len() + 4..];
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
