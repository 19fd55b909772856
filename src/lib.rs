//! vae-playground: the classic two-layer variational autoencoder on MNIST, in candle.
//!
//! The same code trains natively (the `vae` CLI) and in the browser (wasm32, see `bindings`). Nothing here
//! touches the DOM: the bindings hand plain numbers and bytes to TypeScript.

#[path = "explore/classifier.rs"]
pub mod classifier;
#[path = "data/mod.rs"]
pub mod data;
#[path = "data/prepare.rs"]
pub mod drawing;
pub mod error;
#[path = "step/mlp.rs"]
pub mod fused;
#[path = "explore/generate.rs"]
pub mod generate;
#[path = "step/loss.rs"]
pub mod loss;
#[path = "kernels/matmul/mod.rs"]
pub mod matmul;
#[path = "model/mlp.rs"]
pub mod model;
#[path = "explore/pca.rs"]
pub mod pca;
#[path = "explore/recover.rs"]
pub mod recover;
pub mod rng;
pub mod size;
#[path = "train/mod.rs"]
pub mod train;
pub mod weights;

#[cfg(target_arch = "wasm32")]
#[path = "wasm/mod.rs"]
pub mod bindings;

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
#[path = "wasm/alloc_count.rs"]
pub mod alloc_count;

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
#[global_allocator]
static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;

/// The native `vae` command line (`src/bin/vae.rs` only calls `cli::main`).
#[cfg(not(target_arch = "wasm32"))]
#[path = "cli/mod.rs"]
pub mod cli;

pub use data::{Dataset, IMAGE_PIXELS, IMAGE_SIDE};
pub use error::{Error, Result};
pub use model::{Decoder, Vae, VaeConfig};
pub use train::{Elbo, StepMetrics, TrainConfig, Trainer};
