//! vae-playground: a variational autoencoder — the tutorial's MLP — trained by steps written out over flat buffers,
//! with candle's autograd as the oracle they are tested against.
//!
//! The same code trains natively (the `vae` CLI) and in the browser (wasm32, see `wasm`). Nothing here touches the
//! DOM: the bindings hand plain numbers and bytes to TypeScript. From the bottom up:
//!
//! - `kernels` — matrix products (the f32x4 kernel in the browser, gemm natively) and elementwise passes
//! - `data` — images with their shape (`ImageSpec`), labels and split; IDX files; the MNIST preparation
//! - `model` — the structures' tables of tensors (the weights contract), seeded initialisation, inference
//! - `step` — the training step as a value (`TrainStep`), one per structure; the loss; Adam
//! - `train` — the `Trainer` (the settings, the epochs, the step) and the test −ELBO
//! - `weights` — safetensors in and out, for any structure
//! - `oracle` — candle's models with autograd, which the steps are tested against
//! - `explore` — generate, recover, PCA, the classifier
//! - `wasm` (wasm32) — the bindings; `cli` (native) — the `vae` command

pub mod data;
pub mod error;
pub mod explore;
pub mod kernels;
pub mod model;
pub mod oracle;
pub mod profile;
pub mod rng;
pub mod sha256;
pub mod size;
pub mod step;
pub mod train;
pub mod weights;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
#[global_allocator]
static ALLOCATOR: wasm::alloc_count::Counting = wasm::alloc_count::Counting;

/// The native `vae` command line (`src/bin/vae.rs` only calls `cli::main`).
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

pub use data::{Dataset, ImageSpec};
pub use error::{Error, Result};
pub use model::{Architecture, Decoder, Model, ModelConfig, ModelView};
pub use train::{Elbo, StepMetrics, TrainConfig, Trainer};
