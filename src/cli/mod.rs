//! The native command line: train (either structure), evaluate, draw the latent manifold, export latents, on the
//! bundled digits, a folder of IDX files or a folder of images (`source`); files written whole or not at all
//! (`output`). Shares every line of model code with the browser build.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::explore::generate::{manifold, GridPlane};
use crate::model::{validate_hidden, Architecture, Model, ModelConfig};
use crate::train::evaluate;
use crate::{weights, Dataset, Error, Result, TrainConfig, Trainer};

mod output;
mod source;

use output::{refuse_writing_over, AtomicOutput};

#[derive(Parser)]
#[command(
    name = "vae",
    version,
    about = "Train and explore a variational autoencoder (MLP or convolutional) on MNIST digits or your own images"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct DataArgs {
    /// A folder of gzip'd IDX files (*images*.idx3-ubyte.gz, and optionally *labels*.idx1-ubyte.gz and classes.txt),
    /// or a folder of images (PNG, JPEG, GIF, WebP; labelled by sub-folder names). Default: the bundled digits
    #[arg(long)]
    data: Option<PathBuf>,
    /// Use only the first N images (before the split), for quick runs
    #[arg(long)]
    limit: Option<usize>,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model and save it as .safetensors
    Train {
        #[arg(long, default_value_t = 20)]
        epochs: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1e-3)]
        lr: f64,
        #[arg(long, default_value_t = 128)]
        batch: usize,
        #[arg(long, default_value_t = 1.0)]
        beta: f64,
        /// The structure: the tutorial's MLP, or the Keras example's convolutional encoder and decoder
        #[arg(long, default_value = "mlp")]
        arch: String,
        /// Hidden units of the MLP (not used by conv)
        #[arg(long, default_value_t = 128)]
        hidden: usize,
        #[arg(long, default_value_t = 2)]
        latent: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Test negative ELBO of a saved model (nats per image, 10 z-samples)
    Eval {
        model: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Decode a grid of latent points over the N(0,1) quantiles into one PNG
    Sample {
        model: PathBuf,
        #[arg(long, default_value_t = 20)]
        grid: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write μ(x) of every test image as CSV: index,label,z0,z1,…
    Encode {
        model: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

pub fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Train { epochs, out, lr, batch, beta, arch, hidden, latent, seed, data } => {
            let architecture: Architecture = arch.parse()?;
            validate_hidden(hidden)?;
            // A path that cannot be written is found now, not after the whole run.
            refuse_writing_over(&out, &source::files(data.data.as_deref()))?;
            let output = AtomicOutput::prepare(&out)?;
            let data = source::load(data.data.as_deref(), data.limit)?;
            let model = ModelConfig::of(architecture, hidden, latent, data.spec());
            let config = TrainConfig { model, beta, learning_rate: lr, batch_size: batch, seed };
            train(config, epochs, output, &data)
        }
        Command::Eval { model, data } => {
            let model = load_model(&model)?;
            let (_, test) = source::load(data.data.as_deref(), data.limit)?.split();
            let elbo = evaluate(model.view(), &test)?;
            println!(
                "test −ELBO {:.2} nats/image (recon {:.2} + KL {:.2}) on {} test images",
                elbo.neg_elbo,
                elbo.recon,
                elbo.kl,
                test.len()
            );
            Ok(())
        }
        Command::Sample { model, grid, out } => {
            refuse_writing_over(&out, std::slice::from_ref(&model))?;
            let model = load_model(&model)?;
            write_manifold(&model, grid, &out)?;
            println!("wrote {} ({grid}×{grid} images)", out.display());
            Ok(())
        }
        Command::Encode { model, out, data } => {
            refuse_writing_over(&out, &[vec![model.clone()], source::files(data.data.as_deref())].concat())?;
            let model = load_model(&model)?;
            let (_, test) = source::load(data.data.as_deref(), data.limit)?.split();
            let means = model.view().encode_means(&test.all_pixels())?;
            let latent = model.config().latent;
            let mut csv = String::from("index,label");
            (0..latent).for_each(|i| csv.push_str(&format!(",z{i}")));
            csv.push('\n');
            for (i, z) in means.chunks(latent).enumerate() {
                let z: Vec<String> = z.iter().map(|v| format!("{v:.6}")).collect();
                // An unlabelled set leaves the label empty; a labelled one with class names writes the name.
                let label = match (test.labels(), test.class_names()) {
                    (Some(labels), Some(names)) => names.get(labels[i] as usize).cloned().unwrap_or_default(),
                    (Some(labels), None) => labels[i].to_string(),
                    (None, _) => String::new(),
                };
                csv.push_str(&format!("{i},{label},{}\n", z.join(",")));
            }
            AtomicOutput::prepare(&out)?.commit(csv.as_bytes())?;
            println!("wrote {} ({} test images)", out.display(), test.len());
            Ok(())
        }
    }
}

fn train(config: TrainConfig, epochs: u64, out: AtomicOutput, data: &Dataset) -> Result<()> {
    let mut trainer = Trainer::new(config, data)?;
    let model = config.model;
    let shape = match model.architecture {
        Architecture::Mlp => format!("{}-{}-{} MLP", model.image.pixels(), model.hidden, model.latent),
        Architecture::Conv => format!("convolutional (latent {})", model.latent),
    };
    println!(
        "training a {shape} VAE ({} parameters) on {} images, testing on {}",
        trainer.model().parameter_count(),
        trainer.train_set().len(),
        trainer.test_set().len()
    );
    let bar = ProgressBar::new(trainer.steps_per_epoch() as u64);
    bar.set_style(
        ProgressStyle::with_template("epoch {prefix} [{bar:30}] {pos}/{len} steps  loss {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    for epoch in 1..=epochs {
        bar.reset();
        bar.set_prefix(format!("{epoch}/{epochs}"));
        let started = Instant::now();
        let mean = trainer.run_epoch(|report| {
            bar.inc(1);
            bar.set_message(format!("{:.1}", report.metrics.loss));
        })?;
        let seconds = started.elapsed().as_secs_f64();
        let elbo = trainer.evaluate()?;
        bar.suspend(|| {
            println!(
                "epoch {epoch:>3}  train loss {:7.2}  test −ELBO {:7.2} (recon {:6.2} + KL {:5.2})  {:>6.0} samples/s",
                mean.loss,
                elbo.neg_elbo,
                elbo.recon,
                elbo.kl,
                trainer.train_set().len() as f64 / seconds
            )
        });
    }
    bar.finish_and_clear();
    let saved = out.commit(&weights::to_safetensors(trainer.model(), config.beta)?)?;
    println!("saved {}", saved.display());
    Ok(())
}

fn load_model(path: &Path) -> Result<Model> {
    let loaded = weights::from_safetensors(&read_file(path)?).map_err(|e| match e {
        Error::Weights(msg) => Error::Weights(format!("{}: {msg}", path.display())),
        other => other,
    })?;
    Ok(loaded.model)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io { path: path.display().to_string(), source })
}

/// The classic picture of a 2-D VAE: a grid of latent points at evenly spaced quantiles of N(0, 1), decoded, so equal
/// areas of the picture hold equal prior mass. Latent dimensions beyond the first two stay at 0. Grey images (the
/// first channel of each position, for images with more).
fn write_manifold(model: &Model, grid: usize, out: &Path) -> Result<()> {
    let config = model.config();
    let images = manifold(model.view(), grid, &GridPlane::first_two(config.latent))?;
    let output = AtomicOutput::prepare(out)?;
    let spec = config.image;
    let (width, height) = (grid * spec.width, grid * spec.height);
    let mut pixels = vec![0u8; width * height];
    for (cell, image) in images.chunks(spec.pixels()).enumerate() {
        let (row, col) = (cell / grid, cell % grid);
        for (i, v) in image.iter().step_by(spec.channels).enumerate() {
            let (y, x) = (row * spec.height + i / spec.width, col * spec.width + i % spec.width);
            pixels[y * width + x] = (v * 255.0).round() as u8;
        }
    }
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, width as u32, height as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let io_error = |e: png::EncodingError| Error::Io { path: out.display().to_string(), source: std::io::Error::other(e.to_string()) };
    encoder.write_header().map_err(io_error)?.write_image_data(&pixels).map_err(io_error)?;
    output.commit(&png_bytes)?;
    Ok(())
}
