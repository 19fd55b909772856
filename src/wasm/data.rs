//! The data: a `DataHandle` holds a `Dataset` read and checked once (a reset builds a new trainer on it without
//! reading the files again), from IDX files, the person's own images, or a mix; and the preparation of a drawing or
//! a photo the MNIST way.

use wasm_bindgen::prelude::*;

use crate::data::prepare::{prepare, prepare_inked_image};
use crate::data::{Dataset, ImageSpec};

#[wasm_bindgen]
pub struct DataHandle {
    pub(super) data: Dataset,
    /// The person's own images in a mixed set (they sit in its training split).
    pub(super) own: Option<Dataset>,
}

/// Class names from JS: an array of strings, or nothing.
fn class_names(value: JsValue) -> Result<Option<Vec<String>>, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(value).map(Some).map_err(|e| JsError::new(&format!("class names must be an array of strings: {e}")))
}

#[wasm_bindgen]
impl DataHandle {
    /// Two gzip'd IDX files of MNIST-sized images and their digits; the names are only used in error messages.
    #[wasm_bindgen(constructor)]
    pub fn new(images_name: &str, images_gz: &[u8], labels_name: &str, labels_gz: &[u8]) -> Result<DataHandle, JsError> {
        Ok(DataHandle { data: Dataset::from_idx_gz(images_name, images_gz, labels_name, labels_gz)?, own: None })
    }

    /// gzip'd IDX images, with their labels if there are some, and the names of the labels' classes if given (a
    /// label past them is an error naming it; without names, labels are the digits 0–9).
    #[wasm_bindgen(js_name = fromIdx)]
    pub fn from_idx(
        images_name: &str,
        images_gz: &[u8],
        labels_name: Option<String>,
        labels_gz: Option<Vec<u8>>,
        class_names_value: JsValue,
    ) -> Result<DataHandle, JsError> {
        let names = class_names(class_names_value)?;
        let labels = match (&labels_name, &labels_gz) {
            (_, None) => None,
            (name, Some(gz)) => Some((name.as_deref().unwrap_or("labels"), gz.as_slice())),
        };
        Ok(DataHandle { data: Dataset::read_idx(images_name, images_gz, labels, names, None)?, own: None })
    }

    /// The person's own images: `width` · `height` bytes each (white on black), with a label each and the labels'
    /// class names if given. Split by the rule (the last tenth, at most 1,000, is the test set).
    #[wasm_bindgen(js_name = fromImages)]
    pub fn from_images(
        images: Vec<u8>,
        width: usize,
        height: usize,
        labels: Option<Vec<u8>>,
        class_names_value: JsValue,
    ) -> Result<DataHandle, JsError> {
        let spec = ImageSpec { width, height, channels: 1 };
        spec.validate()?;
        let names = class_names(class_names_value)?;
        Ok(DataHandle { data: Dataset::new("own images", spec, images, labels, names)?, own: None })
    }

    /// `base`'s split with every image of `own` added to the training split (none of them in the test set).
    pub fn mixed(base: &DataHandle, own: &DataHandle) -> Result<DataHandle, JsError> {
        Ok(DataHandle { data: Dataset::mixed(&base.data, &own.data)?, own: Some(own.data.clone()) })
    }

    /// Images read. (No `is_empty`: a set holds at least one image, so a handle never is.)
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn width(&self) -> usize {
        self.data.spec().width
    }

    pub fn height(&self) -> usize {
        self.data.spec().height
    }

    pub fn channels(&self) -> usize {
        self.data.spec().channels
    }

    #[wasm_bindgen(js_name = hasLabels)]
    pub fn has_labels(&self) -> bool {
        self.data.labels().is_some()
    }

    /// The names of labels 0, 1, …, or null when the labels are the digits 0–9 (or there are none).
    #[wasm_bindgen(js_name = classNames)]
    pub fn class_names(&self) -> Option<Vec<String>> {
        self.data.class_names().map(<[String]>::to_vec)
    }

    /// How many of the images are the person's own (a mixed set), else 0.
    #[wasm_bindgen(js_name = ownCount)]
    pub fn own_count(&self) -> usize {
        self.own.as_ref().map_or(0, Dataset::len)
    }

    /// `{ images, labels }`: the set as gzip'd IDX files (`labels` null for an unlabelled set) — what
    /// `vae train --data DIR` and the `data` attribute read back.
    #[wasm_bindgen(js_name = exportIdx)]
    pub fn export_idx(&self) -> Result<JsValue, JsError> {
        let (images, labels) = self.data.to_idx_gz();
        let files = js_sys::Object::new();
        let labels = labels.map_or(JsValue::NULL, |bytes| js_sys::Uint8Array::from(bytes.as_slice()).into());
        for (key, value) in [("images", js_sys::Uint8Array::from(images.as_slice()).into()), ("labels", labels)] {
            js_sys::Reflect::set(&files, &key.into(), &value).map_err(|_| JsError::new("the exported files could not be handed over"))?;
        }
        Ok(files.into())
    }

    /// A hex digest (SHA-256) of the images and labels: names an own set in a weights file's metadata.
    pub fn hash(&self) -> String {
        self.data.hash()
    }
}

/// A drawing (`width` × `height` intensities in [0, 1], white ink on black) made into a 28 × 28 MNIST-style digit.
#[wasm_bindgen(js_name = prepareDrawing)]
pub fn prepare_drawing(pixels: &[f32], width: usize, height: usize) -> Result<Vec<f32>, JsError> {
    Ok(prepare(pixels, width, height)?)
}

/// A photo, scan or drawing of any size (grey levels in [0, 1], 1 = white) made into a 28 × 28 MNIST-style image,
/// as the CLI's `--data` prepares a folder's images (`data::prepare::prepare_image`): inverted when its background is
/// light, the background under uneven light taken away, then boxed and centred as `prepareDrawing`. `undefined` when
/// the image has no ink.
#[wasm_bindgen(js_name = prepareImage)]
pub fn prepare_photo(gray: &[f32], width: usize, height: usize) -> Result<Option<Vec<f32>>, JsError> {
    Ok(prepare_inked_image(gray, width, height)?)
}
