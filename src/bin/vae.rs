//! The native `vae` command line; it lives in the library's `cli` module, beside the model code it shares.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    vae_playground::cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
