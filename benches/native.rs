//! Native figures: training throughput (batch 128, one thread) and test −ELBO at epochs 1, 5, 20, 50 over 3 seeds.
//! Prints JSON; passes or fails on nothing. `cargo bench --bench native [-- --quick]` (quick: throughput only).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    // One thread, so the figure is comparable to the browser's single worker. candle reads this per matmul.
    std::env::set_var("RAYON_NUM_THREADS", "1");
    use std::time::Instant;
    use vae_playground::{Dataset, TrainConfig, Trainer};

    let data = Dataset::from_idx_gz(
        "images",
        include_bytes!("../data/mnist-10k-images.idx3-ubyte.gz"),
        "labels",
        include_bytes!("../data/mnist-10k-labels.idx1-ubyte.gz"),
    )
    .expect("bundled digits");
    let quick = std::env::args().any(|a| a == "--quick");

    let mut trainer = Trainer::new(TrainConfig::default(), &data).unwrap();
    for _ in 0..100 {
        trainer.step().unwrap(); // warm caches and the allocator before timing
    }
    let steps = 500;
    let started = Instant::now();
    for _ in 0..steps {
        trainer.step().unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    // Count the images actually seen: the last batch of an epoch is smaller.
    let samples = steps as f64 * 128.0 * (9000.0 / (trainer.steps_per_epoch() as f64 * 128.0));
    let throughput = samples / seconds;

    let checkpoints = [1u64, 5, 20, 50];
    let mut quality = Vec::new();
    if !quick {
        for seed in 0..3u64 {
            let mut trainer = Trainer::new(TrainConfig { seed, ..TrainConfig::default() }, &data).unwrap();
            let mut at = Vec::new();
            for epoch in 1..=50 {
                trainer.run_epoch(|_| {}).unwrap();
                if checkpoints.contains(&epoch) {
                    at.push(trainer.evaluate().unwrap().neg_elbo);
                }
            }
            eprintln!("seed {seed}: test −ELBO at epochs {checkpoints:?} = {at:?}");
            quality.push(at);
        }
    }
    let mean_at = |i: usize| quality.iter().map(|q| q[i] as f64).sum::<f64>() / quality.len() as f64;
    let quality_json: Vec<String> =
        if quick { vec![] } else { checkpoints.iter().enumerate().map(|(i, e)| format!("\"{e}\": {:.2}", mean_at(i))).collect() };
    println!(
        "{{\"native_train_samples_per_sec\": {throughput:.0}, \"batch\": 128, \"threads\": 1, \
         \"test_neg_elbo_mean_of_3_seeds\": {{{}}}}}",
        quality_json.join(", ")
    );
}

#[cfg(target_arch = "wasm32")]
fn main() {}
