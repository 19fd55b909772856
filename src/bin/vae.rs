//! The native command line: train, evaluate, draw the latent manifold, export latents.
//! Shares every line of model code with the browser build.

#[cfg(not(target_arch = "wasm32"))]
include!("../cli/main.rs");

#[cfg(target_arch = "wasm32")]
fn main() {}
