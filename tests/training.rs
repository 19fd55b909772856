#![cfg(not(target_arch = "wasm32"))]
//! Training on the bundled digits: it learns, it is reproducible, it refuses to diverge silently.

mod common;
use common::bundled;
use vae_playground::{weights, Error, ModelConfig, TrainConfig, Trainer};

#[test]
fn one_epoch_lowers_the_test_negative_elbo() {
    let mut trainer = Trainer::new(TrainConfig::default(), &bundled()).unwrap();
    let before = trainer.evaluate().unwrap();
    // An untrained decoder outputs ~0.5 everywhere: about 784·log 2 ≈ 543 nats of reconstruction error.
    assert!(before.neg_elbo > 450.0, "untrained −ELBO {before:?}");
    let mut steps = 0;
    trainer.run_epoch(|_| steps += 1).unwrap();
    let after = trainer.evaluate().unwrap();
    assert_eq!(steps, 71, "9,000 images in batches of 128 is 70 full batches and one of 40");
    assert_eq!(trainer.epoch(), 1);
    assert!(after.neg_elbo < before.neg_elbo - 150.0, "before {before:?}, after one epoch {after:?}");
    assert!((after.neg_elbo - (after.recon + after.kl)).abs() < 1e-3);
    assert!(after.kl > 0.0, "the encoder uses its latent space");
}

#[test]
fn evaluation_is_deterministic() {
    let trainer = Trainer::new(TrainConfig::default(), &bundled().take(2_000)).unwrap();
    assert_eq!(trainer.evaluate().unwrap(), trainer.evaluate().unwrap());
}

fn weights_after_steps(seed: u64, steps: usize) -> Vec<u8> {
    let config = TrainConfig { seed, ..TrainConfig::default() };
    let mut trainer = Trainer::new(config, &bundled().take(1_500)).unwrap();
    for _ in 0..steps {
        trainer.step().unwrap();
    }
    weights::to_safetensors(trainer.model(), 1.0).unwrap()
}

#[test]
fn same_seed_gives_identical_weights_and_another_seed_does_not() {
    let a = weights_after_steps(7, 12);
    assert_eq!(a, weights_after_steps(7, 12), "same seed, same bytes");
    assert_ne!(a, weights_after_steps(8, 12), "another seed, other weights");
}

#[test]
fn a_non_finite_loss_stops_the_step_and_keeps_the_weights() {
    let mut trainer = Trainer::new(TrainConfig::default(), &bundled().take(1_000)).unwrap();
    trainer.step().unwrap();
    let before = weights::to_safetensors(trainer.model(), 1.0).unwrap();
    let mut pixels = vec![0.5f32; 4 * 784];
    pixels[10] = f32::NAN;
    let err = trainer.train_on(&pixels).unwrap_err();
    assert!(matches!(err, Error::Diverged { step: 2, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("diverged at step 2") && msg.contains("lower the learning rate"), "{msg}");
    assert_eq!(before, weights::to_safetensors(trainer.model(), 1.0).unwrap(), "weights untouched");
    assert_eq!(trainer.step_count(), 1);
    trainer.step().expect("training goes on after the bad batch");
}

#[test]
fn settings_outside_their_range_are_refused_with_their_name() {
    let data = bundled().take(1_000);
    let cases = [
        (TrainConfig { learning_rate: 0.0, ..Default::default() }, "learning rate"),
        (TrainConfig { learning_rate: f64::NAN, ..Default::default() }, "learning rate"),
        (TrainConfig { batch_size: 0, ..Default::default() }, "batch size"),
        (TrainConfig { beta: -1.0, ..Default::default() }, "beta"),
        (TrainConfig { model: ModelConfig::mlp(0, 2), ..Default::default() }, "hidden units"),
        (TrainConfig { model: ModelConfig::mlp(128, 65), ..Default::default() }, "latent"),
    ];
    for (config, name) in cases {
        let msg = Trainer::new(config, &data).err().expect("refused").to_string();
        assert!(msg.starts_with(name), "{msg}");
    }
    let mut trainer = Trainer::new(TrainConfig::default(), &data).unwrap();
    assert!(trainer.set_learning_rate(-3.0).is_err());
    assert!(trainer.set_beta(f64::INFINITY).is_err());
    assert_eq!(trainer.config(), TrainConfig::default(), "a refused setting changes nothing");
    trainer.set_beta(4.0).unwrap();
    assert_eq!(trainer.config().beta, 4.0);
}

#[test]
fn beta_weights_the_kl_term_in_the_training_loss() {
    // Same seed, same first batch, same noise: only β differs, so the losses differ by exactly β·KL.
    let data = bundled().take(1_000);
    let first_step = |beta: f64| {
        let config = TrainConfig { beta, ..Default::default() };
        Trainer::new(config, &data).unwrap().step().unwrap().metrics
    };
    let (plain, free, heavy) = (first_step(1.0), first_step(0.0), first_step(3.0));
    assert_eq!((plain.recon, plain.kl), (free.recon, free.kl), "β changes neither term, only their sum");
    assert!(plain.kl > 0.01, "{plain:?}");
    assert!(((plain.loss - free.loss) - plain.kl).abs() < 1e-4, "β=1 − β=0 = KL: {plain:?} vs {free:?}");
    assert!(((heavy.loss - free.loss) - 3.0 * plain.kl).abs() < 1e-4, "β=3 − β=0 = 3·KL: {heavy:?} vs {free:?}");
}

#[test]
fn wider_and_deeper_latent_settings_train() {
    let config = TrainConfig { model: ModelConfig::mlp(32, 5), batch_size: 50, ..Default::default() };
    let mut trainer = Trainer::new(config, &bundled().take(1_000)).unwrap();
    let first = trainer.step().unwrap().metrics.loss;
    let mut last = first;
    for _ in 0..40 {
        last = trainer.step().unwrap().metrics.loss;
    }
    assert!(last < first, "loss {first} → {last}");
    assert_eq!(trainer.model().decoder().unwrap().decode_point(&[0.0; 5]).unwrap().len(), 784);
}

#[test]
fn a_resumed_model_counts_on_from_its_epoch() {
    let data = bundled().take(1_000);
    let mut trainer = Trainer::new(TrainConfig::default(), &data).unwrap();
    trainer.resume_at_epoch(7);
    assert_eq!((trainer.epoch(), trainer.step_count()), (7, 7 * 8), "900 images in batches of 128: 8 steps an epoch");
    let mut last = None;
    trainer.run_epoch(|report| last = Some((report.epoch, report.step, report.epoch_finished))).unwrap();
    assert_eq!(last, Some((8, 8 * 8, true)));
    assert_eq!(trainer.epoch_progress(), 0.0);
}
