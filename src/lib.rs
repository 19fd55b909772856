//! vae-playground: the classic two-layer variational autoencoder on MNIST, in candle.
//!
//! The same code trains natively (the `vae` CLI) and in the browser (wasm32, see `bindings`). Nothing here
//! touches the DOM: the bindings hand plain numbers and bytes to TypeScript.

pub mod classifier;
pub mod data;
pub mod drawing;
pub mod error;
pub mod fused;
pub mod generate;
pub mod loss;
pub mod matmul;
pub mod model;
pub mod pca;
pub mod recover;
pub mod rng;
pub mod size;
pub mod train;
pub mod weights;

#[cfg(target_arch = "wasm32")]
pub mod bindings;

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
pub mod alloc_count;

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
#[global_allocator]
static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;

/// The native `vae` command line (`src/bin/vae.rs` only calls `cli::main`).
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

pub use data::{Dataset, IMAGE_PIXELS, IMAGE_SIDE};
pub use error::{Error, Result};
pub use model::{Decoder, Vae, VaeConfig};
pub use train::{Elbo, StepMetrics, TrainConfig, Trainer};
