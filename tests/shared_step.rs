#![cfg(not(target_arch = "wasm32"))]
//! A step shared out among workers: the trainer computes the gradient of some of the batch's rows, a `ShareWorker`
//! (another worker's, given the parameters, the rows' indices and noise) the rest; their sum makes one update. That
//! is one worker's step up to the order in which floating-point sums are taken.

mod common;
use common::bundled;
use vae_playground::train::ShareWorker;
use vae_playground::{Dataset, ModelConfig, TrainConfig, Trainer};

/// One step of `trainer` with rows `split..` computed by `share`; returns the step's mean loss.
fn shared_step(trainer: &mut Trainer, share: &mut ShareWorker, split: impl Fn(usize) -> usize) -> f32 {
    let rows = trainer.begin_shared_step();
    let mine = split(rows);
    let own = trainer.share_gradients(0, mine, &mut ());
    share.parameters_mut().copy_from_slice(trainer.model().parameters());
    let (indices, eps) = trainer.shared_batch();
    let indices: Vec<u32> = indices[mine..].iter().map(|&i| i as u32).collect();
    let latent = trainer.config().model.latent;
    let eps = eps[mine * latent..].to_vec();
    let theirs = share.compute(&indices, &eps, trainer.config().beta as f32, 1.0 / rows as f32).unwrap();
    for (g, s) in trainer.gradients_mut().iter_mut().zip(share.gradients()) {
        *g += s;
    }
    trainer.finish_shared_step((own.0 + theirs.0, own.1 + theirs.1), &mut ()).unwrap().metrics.loss
}

fn trainers(config: TrainConfig, data: &Dataset) -> (Trainer, Trainer, ShareWorker) {
    let alone = Trainer::new(config, data).unwrap();
    let shared = Trainer::new(config, data).unwrap();
    let share = ShareWorker::new(config.model, shared.train_set().clone(), config.batch_size).unwrap();
    (alone, shared, share)
}

fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn a_batch_shared_between_two_workers_takes_the_step_one_worker_takes() {
    // 1,500 images: 1,350 to train on, an epoch of 10 full batches and one of 70, so the short batch is shared too.
    let data = bundled().take(1_500);
    let config = TrainConfig { beta: 0.8, ..TrainConfig::default() };
    let (mut alone, mut shared, mut share) = trainers(config, &data);
    for step in 0..25 {
        let want = alone.step().unwrap();
        let got = shared_step(&mut shared, &mut share, |rows| rows / 2);
        assert!((got - want.metrics.loss).abs() <= 1e-4 * want.metrics.loss, "step {step}: loss {got} against {}", want.metrics.loss);
        assert_eq!((shared.epoch(), shared.step_count()), (want.epoch, want.step));
    }
    // Adam divides by √v: gradients that differ in their last bits move a parameter by up to ~lr per step, rarely.
    let difference = largest_difference(alone.model().parameters(), shared.model().parameters());
    assert!(difference < 1e-4, "largest parameter difference after 25 steps: {difference}");
}

#[test]
fn any_split_of_the_batch_gives_the_same_step() {
    let data = bundled().take(1_500);
    let config = TrainConfig::default();
    for split in [1, 64, 127] {
        let (mut alone, mut shared, mut share) = trainers(config, &data);
        for _ in 0..3 {
            let want = alone.step().unwrap().metrics.loss;
            let got = shared_step(&mut shared, &mut share, |rows| split.min(rows - 1));
            assert!((got - want).abs() <= 1e-4 * want, "split at {split}: loss {got} against {want}");
        }
        let difference = largest_difference(alone.model().parameters(), shared.model().parameters());
        assert!(difference < 1e-5, "split at {split}: largest parameter difference {difference}");
    }
}

#[test]
fn a_convolutional_batch_is_shared_alike() {
    let data = bundled().take(600);
    let config = TrainConfig { model: ModelConfig::conv(2), batch_size: 32, ..TrainConfig::default() };
    let (mut alone, mut shared, mut share) = trainers(config, &data);
    for _ in 0..3 {
        let want = alone.step().unwrap().metrics.loss;
        let got = shared_step(&mut shared, &mut share, |rows| rows / 2);
        assert!((got - want).abs() <= 1e-4 * want, "loss {got} against {want}");
    }
    let difference = largest_difference(alone.model().parameters(), shared.model().parameters());
    assert!(difference < 1e-5, "largest parameter difference {difference}");
}

#[test]
fn a_share_naming_images_it_does_not_hold_is_refused_in_words() {
    let data = bundled().take(300);
    let config = TrainConfig::default();
    let trainer = Trainer::new(config, &data).unwrap();
    let mut share = ShareWorker::new(config.model, trainer.train_set().clone(), 8).unwrap();
    let eps = vec![0.0; 2 * config.model.latent];
    let message = share.compute(&[0, 270], &eps, 1.0, 0.5).unwrap_err().to_string();
    assert!(message.contains("image 270 of a training set of 270"), "{message}");
    let message = share.compute(&[0; 9], &[0.0; 18], 1.0, 0.5).unwrap_err().to_string();
    assert!(message.contains("at most 8 rows"), "{message}");
}

#[test]
fn loading_a_state_abandons_a_begun_shared_step() {
    let data = bundled().take(1_500);
    let mut trainer = Trainer::new(TrainConfig::default(), &data).unwrap();
    trainer.step().unwrap();
    let state = trainer.export_state();
    trainer.begin_shared_step();
    let begun = trainer.begun_step().expect("a step is begun");
    trainer.load_state(&state).unwrap();
    assert_eq!(trainer.begun_step(), None, "the state's place in the data stands; the step begun before is gone");
    trainer.begin_shared_step();
    assert_eq!(trainer.begun_step(), Some(begun + 1), "each begun step has a number of its own");
}
