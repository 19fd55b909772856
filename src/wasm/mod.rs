//! The thin wasm-bindgen layer, one file per thing it binds: the settings object (`settings`), the data
//! (`data`), the trainer (`trainer`), the page's decoder (`decoder`), the test set's evaluation away from training (`evaluator`), training shared out among Workers (`share`), what the views ask (`explore`), and the
//! build's diagnostics (`diagnostics`; the benchmark's behind the `bench` feature, with the counting allocator,
//! `alloc_count`). Numbers and bytes in and out; every error becomes a JS `Error` carrying the crate's own message
//! (`?` converts: `JsError: From<E: Error>`).

#[cfg(feature = "bench")]
pub mod alloc_count;
pub mod data;
pub mod decoder;
pub mod diagnostics;
pub mod evaluator;
pub mod explore;
pub mod settings;
pub mod share;
pub mod trainer;

use wasm_bindgen::prelude::*;

pub use data::{prepare_drawing, prepare_photo, DataHandle};
pub use decoder::DecoderHandle;
#[cfg(feature = "bench")]
pub use diagnostics::{allocation_count, fma_peak_loop, set_simd_kernel};
pub use diagnostics::{relaxed_simd, simd_kernel_enabled};
pub use evaluator::EvaluatorHandle;
pub use explore::{grid_points, project_latents, ClassifierHandle, PcaHandle};
pub use settings::{setting_limits, validate_settings};
pub use share::{ShareHandle, ShareSums};
pub use trainer::{weights_info, weights_metadata, ElboResult, StepResult, TrainerHandle};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
