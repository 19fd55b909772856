//! The convolutional structure natively (one thread, as the browser's one worker): samples/s of its written-out
//! step through the `Trainer` against candle's autograd through the same model (`oracle::conv::ConvVae`; candle's
//! AdamW, not the Keras form the trainer uses: the same work per step, which is what is timed),
//! and the test −ELBO at epochs 1, 5 and 20 (batch 128, Adam 1e-3, β = 1, L = 2; 10 z-samples). Prints JSON; passes
//! or fails on nothing. `cargo bench --bench conv [-- --quick] [--seeds N] [--epochs E]` (quick: speed only).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    // One thread, so the figure is comparable to the browser's single worker. candle reads this per op.
    std::env::set_var("RAYON_NUM_THREADS", "1");
    use std::time::Instant;

    use candle_core::{Device, Tensor};
    use candle_nn::{AdamW, Optimizer, ParamsAdamW};
    use vae_playground::model::ModelConfig;
    use vae_playground::oracle::conv::ConvVae;
    use vae_playground::oracle::loss::negative_elbo;
    use vae_playground::rng::SeededRng;
    use vae_playground::{Dataset, TrainConfig, Trainer};

    let data = Dataset::from_idx_gz(
        "images",
        include_bytes!("../data/mnist-10k-images.idx3-ubyte.gz"),
        "labels",
        include_bytes!("../data/mnist-10k-labels.idx1-ubyte.gz"),
    )
    .expect("bundled digits");
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let number = |flag: &str, default: u64| {
        args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let config = |seed: u64| TrainConfig { model: ModelConfig::conv(2), seed, ..TrainConfig::default() };

    // The written-out step, through the trainer (batch, noise, step, Adam).
    let mut trainer = Trainer::new(config(0), &data).unwrap();
    for _ in 0..3 {
        trainer.step().unwrap();
    }
    let steps = 20;
    let started = Instant::now();
    for _ in 0..steps {
        trainer.step().unwrap();
    }
    let step_seconds = started.elapsed().as_secs_f64() / steps as f64;
    let gflops = trainer.matmul_flops_per_step() / step_seconds / 1e9;

    // candle's autograd through the same model: forward, loss, backward, AdamW.
    let vae = ConvVae::new(2, 0).unwrap();
    let mut optimizer = AdamW::new(vae.vars().to_vec(), ParamsAdamW { lr: 1e-3, weight_decay: 0.0, ..Default::default() }).unwrap();
    let (train, _) = data.split();
    let x = Tensor::from_vec(train.pixels(&(0..128).collect::<Vec<_>>()).unwrap(), (128, 784), &Device::Cpu).unwrap();
    let mut noise = SeededRng::new(1);
    let mut candle_step = || {
        let eps = Tensor::from_vec(noise.standard_normal(128 * 2), (128, 2), &Device::Cpu).unwrap();
        let forward = vae.forward(&x, &eps).unwrap();
        let terms = negative_elbo(&forward.logits, &x, &forward.mu, &forward.logvar, 1.0).unwrap();
        optimizer.backward_step(&terms.total).unwrap();
    };
    candle_step();
    let candle_steps = 3;
    let started = Instant::now();
    for _ in 0..candle_steps {
        candle_step();
    }
    let candle_seconds = started.elapsed().as_secs_f64() / candle_steps as f64;
    eprintln!(
        "conv step: {:.0} ms per batch of 128 = {:.0} samples/s ({gflops:.1} GFLOP/s in its products); candle autograd: {:.0} ms = {:.0} samples/s",
        step_seconds * 1e3,
        128.0 / step_seconds,
        candle_seconds * 1e3,
        128.0 / candle_seconds
    );

    let checkpoints = [1u64, 5, 20];
    let (seeds, epochs) = (number("--seeds", 3), number("--epochs", 20));
    let mut quality = Vec::new();
    if !quick {
        for seed in 0..seeds {
            let mut trainer = Trainer::new(config(seed), &data).unwrap();
            let mut at = Vec::new();
            for epoch in 1..=epochs {
                let started = Instant::now();
                trainer.run_epoch(|_| {}).unwrap();
                let seconds = started.elapsed().as_secs_f64();
                let elbo = trainer.evaluate().unwrap();
                eprintln!(
                    "seed {seed} epoch {epoch}: test −ELBO {:.2} (recon {:.2} + KL {:.2}), {seconds:.1} s",
                    elbo.neg_elbo, elbo.recon, elbo.kl
                );
                if checkpoints.contains(&epoch) {
                    at.push(format!("\"{epoch}\": {:.2}", elbo.neg_elbo));
                }
            }
            quality.push(format!("\"{seed}\": {{{}}}", at.join(", ")));
        }
    }
    println!(
        "{{\"conv_native_train_samples_per_sec\": {:.0}, \"conv_seconds_per_epoch\": {:.1}, \"conv_products_gflops\": {gflops:.2}, \
         \"candle_autograd_samples_per_sec\": {:.0}, \"batch\": 128, \"threads\": 1, \"test_neg_elbo_per_seed\": {{{}}}}}",
        128.0 / step_seconds,
        step_seconds * trainer.steps_per_epoch() as f64,
        128.0 / candle_seconds,
        quality.join(", ")
    );
}

#[cfg(target_arch = "wasm32")]
fn main() {}
