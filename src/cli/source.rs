//! What `--data` names: nothing (the bundled digits), a folder of gzip'd IDX files (what the page's "Export
//! dataset" writes), or a folder of images prepared the MNIST way (`data::prepare::prepare_image`), labelled by the
//! names of their sub-folders.

use std::path::{Path, PathBuf};

use crate::data::prepare::{prepare_image, FIELD};
use crate::data::Dataset;
use crate::{Error, Result};

use super::read_file;

const IMAGES: &str = "mnist-10k-images.idx3-ubyte.gz";
const LABELS: &str = "mnist-10k-labels.idx1-ubyte.gz";
/// In an IDX folder, the class names, one a line (label 0 first); without it labels are the digits 0–9.
const CLASSES: &str = "classes.txt";
/// An image larger than this on a side is scaled down as it is read (the result is 28 × 28 anyway).
const READ_SIDE: u32 = 1024;

/// The data `--data` names (the bundled digits without it), its first `limit` images if given.
pub fn load(data: Option<&Path>, limit: Option<usize>) -> Result<Dataset> {
    if limit == Some(0) {
        return Err(Error::setting("--limit", 0, "a number of images, at least 1 (leave --limit out to use them all)"));
    }
    let data = match data {
        None => Dataset::from_idx_gz(
            IMAGES,
            include_bytes!("../../data/mnist-10k-images.idx3-ubyte.gz"),
            LABELS,
            include_bytes!("../../data/mnist-10k-labels.idx1-ubyte.gz"),
        )?,
        Some(dir) => match idx_files(dir)? {
            Some((images, labels)) => read_idx_folder(dir, &images, labels.as_deref())?,
            None => read_image_folder(dir)?,
        },
    };
    Ok(match limit {
        Some(n) => data.take(n),
        None => data,
    })
}

/// The files `--data` reads, for refusing an output over one of them (none for the bundled digits).
pub fn files(data: Option<&Path>) -> Vec<PathBuf> {
    match data {
        None => Vec::new(),
        Some(dir) => match idx_files(dir) {
            Ok(Some((images, labels))) => [Some(images), labels].into_iter().flatten().collect(),
            _ => walk(dir).unwrap_or_default(),
        },
    }
}

/// The IDX images file of a folder and its labels file if there is one; `None` when the folder holds no IDX images
/// (a folder of images). The bundled names first; else the one `*idx3-ubyte.gz` and the one `*idx1-ubyte.gz`.
fn idx_files(dir: &Path) -> Result<Option<(PathBuf, Option<PathBuf>)>> {
    if dir.join(IMAGES).is_file() || dir.join(LABELS).is_file() {
        return Ok(Some((dir.join(IMAGES), Some(dir.join(LABELS)))));
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io { path: dir.display().to_string(), source })?;
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
    names.sort();
    let ending = |suffix: &str| names.iter().filter(|p| p.to_string_lossy().ends_with(suffix)).cloned().collect::<Vec<_>>();
    let one = |found: Vec<PathBuf>, what: &str| -> Result<Option<PathBuf>> {
        match found.len() {
            0 | 1 => Ok(found.into_iter().next()),
            _ => Err(Error::data(
                &dir.display().to_string(),
                format!(
                    "holds {} {what} files ({}); keep one",
                    found.len(),
                    found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    };
    let images = one(ending("idx3-ubyte.gz"), "IDX images")?;
    let labels = one(ending("idx1-ubyte.gz"), "IDX labels")?;
    Ok(images.map(|images| (images, labels)))
}

fn read_idx_folder(dir: &Path, images: &Path, labels: Option<&Path>) -> Result<Dataset> {
    let images_bytes = read_file(images)?;
    let labels_bytes = labels.map(read_file).transpose()?;
    let classes = dir.join(CLASSES);
    let class_names = if classes.is_file() {
        let text = String::from_utf8(read_file(&classes)?)
            .map_err(|_| Error::data(&classes.display().to_string(), "is not UTF-8 text (one class name a line)"))?;
        Some(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
    } else {
        None
    };
    let labels = labels.zip(labels_bytes.as_deref()).map(|(path, bytes)| (path.display().to_string(), bytes));
    Dataset::read_idx(&images.display().to_string(), &images_bytes, labels.as_ref().map(|(n, b)| (n.as_str(), *b)), class_names, None)
}

/// Every file under `dir` (its sub-folders too), in name order.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| Error::Io { path: folder.display().to_string(), source })?;
        for entry in entries.filter_map(|e| e.ok()) {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A folder of images: each prepared as MNIST's digits were. With sub-folders, each is a class named after it
/// (sorted), its files (at any depth) its images, and files beside the sub-folders are skipped; without, the set is
/// unlabelled. A file that cannot be read or holds no ink is named and skipped; no usable image is an error.
fn read_image_folder(dir: &Path) -> Result<Dataset> {
    let name = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io { path: name.clone(), source })?;
    let mut classes: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    classes.sort();
    let mut groups: Vec<(Option<u8>, Vec<PathBuf>)> = Vec::new();
    if classes.is_empty() {
        groups.push((None, walk(dir)?));
    } else {
        if classes.len() > 255 {
            return Err(Error::data(&name, format!("has {} sub-folders; a set names at most 255 classes", classes.len())));
        }
        for (label, class) in classes.iter().enumerate() {
            groups.push((Some(label as u8), walk(class)?));
        }
        for loose in std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()) {
            eprintln!("skipped {}: not in a class folder", loose.display());
        }
    }
    let (mut images, mut labels) = (Vec::new(), Vec::new());
    for (label, files) in &groups {
        for file in files {
            match read_image(file) {
                Ok(image) => {
                    images.extend(image.iter().map(|v| (v * 255.0).round() as u8));
                    labels.extend(*label);
                }
                Err(problem) => eprintln!("skipped {}: {problem}", file.display()),
            }
        }
    }
    if images.is_empty() {
        return Err(Error::data(&name, "holds no image that could be read (PNG, JPEG, GIF or WebP, with some ink on its background)"));
    }
    let class_names = (!classes.is_empty())
        .then(|| classes.iter().map(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()).collect());
    let labels = (!classes.is_empty()).then_some(labels);
    Dataset::new(&name, FIELD, images, labels, class_names)
}

/// One image file, decoded, in grey levels (transparency composited over white), prepared as an MNIST digit.
fn read_image(path: &Path) -> std::result::Result<Vec<f32>, String> {
    let decoded = image::ImageReader::open(path)
        .map_err(|e| e.to_string())?
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| format!("not an image this reads ({e})"))?;
    let decoded =
        if decoded.width() > READ_SIDE || decoded.height() > READ_SIDE { decoded.thumbnail(READ_SIDE, READ_SIDE) } else { decoded };
    let rgba = decoded.to_rgba32f();
    let (width, height) = (rgba.width() as usize, rgba.height() as usize);
    let gray: Vec<f32> = rgba
        .pixels()
        .map(|p| {
            let [r, g, b, a] = p.0;
            let luma = 0.299 * r + 0.587 * g + 0.114 * b;
            a * luma + (1.0 - a)
        })
        .collect();
    prepare_image(&gray, width, height).map_err(|e| e.to_string())
}
