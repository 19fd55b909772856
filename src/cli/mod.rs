//! The native command line: train, evaluate, draw the latent manifold, export latents.
//! Shares every line of model code with the browser build.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::generate::{manifold, GridPlane};
use crate::train::{encode_means, evaluate};
use crate::{weights, Dataset, Error, Result, TrainConfig, Trainer, Vae, VaeConfig, IMAGE_PIXELS, IMAGE_SIDE};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(name = "vae", version, about = "Train and explore a 2-D variational autoencoder on MNIST digits")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct DataArgs {
    /// Folder with mnist-10k-images.idx3-ubyte.gz and mnist-10k-labels.idx1-ubyte.gz (default: the bundled digits)
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
        Command::Train { epochs, out, lr, batch, beta, hidden, latent, seed, data } => {
            let config = TrainConfig { model: VaeConfig { hidden, latent, beta }, learning_rate: lr, batch_size: batch, seed };
            // A path that cannot be written is found now, not after the whole run.
            refuse_writing_over(&out, &data.files())?;
            let output = AtomicOutput::prepare(&out)?;
            train(config, epochs, output, &load_data(&data)?)
        }
        Command::Eval { model, data } => {
            let vae = load_model(&model)?;
            let (_, test) = load_data(&data)?.split();
            let elbo = evaluate(&vae, &test)?;
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
            let vae = load_model(&model)?;
            write_manifold(&vae, grid, &out)?;
            println!("wrote {} ({grid}×{grid} digits)", out.display());
            Ok(())
        }
        Command::Encode { model, out, data } => {
            refuse_writing_over(&out, &[vec![model.clone()], data.files()].concat())?;
            let vae = load_model(&model)?;
            let (_, test) = load_data(&data)?.split();
            let means = encode_means(&vae, &test)?;
            let latent = vae.config().latent;
            let mut csv = String::from("index,label");
            (0..latent).for_each(|i| csv.push_str(&format!(",z{i}")));
            csv.push('\n');
            for (i, (z, label)) in means.chunks(latent).zip(test.labels()).enumerate() {
                let z: Vec<String> = z.iter().map(|v| format!("{v:.6}")).collect();
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
    println!(
        "training a {}-{}-{} VAE ({} parameters) on {} images, testing on {}",
        784,
        config.model.hidden,
        config.model.latent,
        trainer.vae().parameter_count(),
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
    let saved = out.commit(&weights::to_safetensors(trainer.vae())?)?;
    println!("saved {}", saved.display());
    Ok(())
}

const IMAGES: &str = "mnist-10k-images.idx3-ubyte.gz";
const LABELS: &str = "mnist-10k-labels.idx1-ubyte.gz";

impl DataArgs {
    /// The files `--data` names (none for the bundled digits).
    fn files(&self) -> Vec<PathBuf> {
        self.data.iter().flat_map(|dir| [dir.join(IMAGES), dir.join(LABELS)]).collect()
    }
}

fn load_data(args: &DataArgs) -> Result<Dataset> {
    if args.limit == Some(0) {
        return Err(Error::setting("--limit", 0, "a number of images, at least 1 (leave --limit out to use them all)"));
    }
    let data = match &args.data {
        None => Dataset::from_idx_gz(
            IMAGES,
            include_bytes!("../../data/mnist-10k-images.idx3-ubyte.gz"),
            LABELS,
            include_bytes!("../../data/mnist-10k-labels.idx1-ubyte.gz"),
        )?,
        Some(dir) => {
            let (images, labels) = (dir.join(IMAGES), dir.join(LABELS));
            Dataset::from_idx_gz(&images.display().to_string(), &read_file(&images)?, &labels.display().to_string(), &read_file(&labels)?)?
        }
    };
    Ok(match args.limit {
        Some(n) => data.take(n),
        None => data,
    })
}

fn load_model(path: &Path) -> Result<Vae> {
    weights::from_safetensors(&read_file(path)?).map_err(|e| match e {
        Error::Weights(msg) => Error::Weights(format!("{}: {msg}", path.display())),
        other => other,
    })
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io { path: path.display().to_string(), source })
}

/// A file written whole or not at all: `commit` writes the bytes to a new temporary file beside the target, then
/// renames it over the target, so an interrupted save never leaves a broken file where a good one was.
///
/// The temporary file exists only while `commit` writes it (milliseconds), and every error on the way removes it:
/// a Ctrl-C during a long training run, when nothing has been written yet, leaves nothing behind. (Only a Ctrl-C in
/// those milliseconds can leave `.NAME.PID.partial`; a signal handler to close that window too would be more code
/// and a dependency for a file whose name says what it is.) `prepare` creates the temporary file and removes it at
/// once, so a folder that is missing or not writable is reported before any work is done. The temporary file is
/// created new (`create_new`): a file or symlink already at its name is refused, never followed or truncated.
struct AtomicOutput {
    target: PathBuf,
    temporary: PathBuf,
}

impl AtomicOutput {
    fn prepare(target: &Path) -> Result<AtomicOutput> {
        let io = |source| Error::Io { path: target.display().to_string(), source };
        if target.is_dir() {
            return Err(io(std::io::Error::other("is a folder; give a file name, e.g. model.safetensors")));
        }
        let name = target.file_name().ok_or_else(|| io(std::io::Error::other("names no file")))?;
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".{}.partial", std::process::id()));
        let output = AtomicOutput { target: target.to_path_buf(), temporary: target.with_file_name(temporary_name) };
        drop(output.create_temporary()?);
        std::fs::remove_file(&output.temporary).map_err(io)?;
        Ok(output)
    }

    /// The temporary file, new: never one that exists (a symlink planted there would be followed).
    fn create_temporary(&self) -> Result<std::fs::File> {
        std::fs::OpenOptions::new().write(true).create_new(true).open(&self.temporary).map_err(|e| {
            let problem = if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "cannot be written: {} already exists (left by an interrupted save, or put there by someone else);                      remove it and try again",
                    self.temporary.display()
                )
            } else {
                let folder = self.target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
                format!("cannot be written ({e}); check that {} exists and is writable", folder.display())
            };
            Error::Io { path: self.target.display().to_string(), source: std::io::Error::new(e.kind(), problem) }
        })
    }

    fn commit(self, bytes: &[u8]) -> Result<PathBuf> {
        use std::io::Write;
        let mut file = self.create_temporary()?;
        let written = file.write_all(bytes).and_then(|_| file.sync_all());
        drop(file);
        if let Err(source) = written.and_then(|_| std::fs::rename(&self.temporary, &self.target)) {
            let _ = std::fs::remove_file(&self.temporary); // leave nothing behind
            return Err(Error::Io { path: self.target.display().to_string(), source });
        }
        Ok(self.target)
    }
}

/// Refuses an output that is one of the files the command reads (by another spelling of its path, or a hard link
/// to it): the result would be written over the input.
fn refuse_writing_over(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    match inputs.iter().find(|input| same_file(out, input)) {
        None => Ok(()),
        Some(input) => Err(Error::Io {
            path: out.display().to_string(),
            source: std::io::Error::other(format!("is the file this command reads ({}); choose another --out", input.display())),
        }),
    }
}

/// Whether two paths name one existing file: the same device and inode on unix, else the same canonical path.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return (a.dev(), a.ino()) == (b.dev(), b.ino());
        }
    }
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// The classic picture of a 2-D VAE: a grid of latent points at evenly spaced quantiles of N(0, 1), decoded, so equal
/// areas of the picture hold equal prior mass. Latent dimensions beyond the first two stay at 0.
fn write_manifold(vae: &Vae, grid: usize, out: &Path) -> Result<()> {
    let latent = vae.config().latent;
    let digits = manifold(vae.decoder(), grid, &GridPlane::first_two(latent))?;
    let output = AtomicOutput::prepare(out)?;
    let side = grid * IMAGE_SIDE;
    let mut pixels = vec![0u8; side * side];
    for (cell, digit) in digits.chunks(IMAGE_PIXELS).enumerate() {
        let (row, col) = (cell / grid, cell % grid);
        for (i, v) in digit.iter().enumerate() {
            let (y, x) = (row * IMAGE_SIDE + i / IMAGE_SIDE, col * IMAGE_SIDE + i % IMAGE_SIDE);
            pixels[y * side + x] = (v * 255.0).round() as u8;
        }
    }
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let io_error = |e: png::EncodingError| Error::Io { path: out.display().to_string(), source: std::io::Error::other(e.to_string()) };
    encoder.write_header().map_err(io_error)?.write_image_data(&pixels).map_err(io_error)?;
    output.commit(&png_bytes)?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::AtomicOutput;

    /// Someone who can write in the output's folder plants a symlink where the temporary file will be: it is not
    /// followed (the file it points to would have been truncated and written), and the save is refused.
    #[test]
    fn a_symlink_planted_at_the_temporary_name_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("vae-cli-symlink-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        let planted = dir.join(format!(".model.safetensors.{}.partial", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let result = AtomicOutput::prepare(&dir.join("model.safetensors")).and_then(|output| output.commit(b"overwritten"));
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious", "the symlink was followed");
        let message = result.expect_err("refused").to_string();
        assert!(message.contains(".partial") && message.contains("exists"), "{message}");
        assert!(!dir.join("model.safetensors").exists());
        std::fs::remove_dir_all(&dir).ok();
    }
}
