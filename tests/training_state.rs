#![cfg(not(target_arch = "wasm32"))]
//! A trainer's full state (parameters, Adam's moments, where it is in its epoch, its noise): saved at any step and
//! loaded into another trainer, training goes on exactly as the first one does — the time-lapse's "branch from here".

mod common;
use common::bundled;
use vae_playground::{weights, Error, ModelConfig, TrainConfig, Trainer};

fn trainer(config: TrainConfig) -> Trainer {
    Trainer::new(config, &bundled().take(1_500)).unwrap()
}

fn weights_of(trainer: &Trainer) -> Vec<u8> {
    weights::to_safetensors(trainer.model(), 1.0).unwrap()
}

fn goes_on_exactly(config: TrainConfig, before: usize, after: usize) {
    let mut first = trainer(config);
    for _ in 0..before {
        first.step().unwrap();
    }
    let state = first.export_state();
    for _ in 0..after {
        first.step().unwrap();
    }

    // Another trainer, on the same data and settings but fresh: the state makes it the first one at `before`.
    let mut second = trainer(config);
    second.step().unwrap(); // moved on already: the state replaces that too
    second.load_state(&state).unwrap();
    assert_eq!(second.step_count(), before as u64);
    for _ in 0..after {
        second.step().unwrap();
    }
    assert_eq!(weights_of(&first), weights_of(&second), "the same weights, bit for bit, {after} steps on");
    assert_eq!((first.epoch(), first.step_count()), (second.epoch(), second.step_count()));
    assert_eq!(first.epoch_progress(), second.epoch_progress());
}

#[test]
fn a_loaded_state_trains_on_bit_for_bit_mid_epoch_and_across_an_epoch_end() {
    // 1,350 training images in batches of 128: 11 steps an epoch. From step 7, 9 more steps cross the epoch's end.
    goes_on_exactly(TrainConfig::default(), 7, 9);
    goes_on_exactly(TrainConfig::default(), 0, 3);
}

#[test]
fn the_convolutional_structure_too() {
    let config = TrainConfig { model: ModelConfig::conv(2), batch_size: 16, ..TrainConfig::default() };
    goes_on_exactly(config, 3, 2);
}

#[test]
fn a_state_with_other_settings_goes_on_with_the_trainers_own_beta_and_learning_rate() {
    // The branch's point: β and the learning rate are the loading trainer's, the rest is the state's.
    let mut first = trainer(TrainConfig::default());
    for _ in 0..5 {
        first.step().unwrap();
    }
    let state = first.export_state();
    first.set_beta(4.0).unwrap();
    first.step().unwrap();

    let mut branch = trainer(TrainConfig { beta: 4.0, ..TrainConfig::default() });
    branch.load_state(&state).unwrap();
    branch.step().unwrap();
    assert_eq!(weights_of(&first), weights_of(&branch));
    assert_eq!(branch.config().beta, 4.0);
}

#[test]
fn a_state_that_does_not_fit_is_refused_and_changes_nothing() {
    let mut source = trainer(TrainConfig::default());
    source.step().unwrap();
    let state = source.export_state();

    let mut target = trainer(TrainConfig { seed: 3, ..TrainConfig::default() });
    target.step().unwrap();
    let before = weights_of(&target);
    let refuse = |target: &mut Trainer, bytes: &[u8], words: &str| {
        let error = target.load_state(bytes).unwrap_err();
        assert!(matches!(error, Error::State(_)), "{error:?}");
        assert!(error.to_string().contains(words), "{error} should say {words}");
    };
    refuse(&mut target, &state, "seed 0");
    refuse(&mut target, &state[..state.len() - 4], "bytes");
    refuse(&mut target, b"not a state", "not a training state");
    let mut wider = trainer(TrainConfig { model: ModelConfig { hidden: 64, ..ModelConfig::default() }, ..TrainConfig::default() });
    refuse(&mut wider, &state, "parameters");
    let mut cursor_past_end = state.clone();
    // The cursor is the 5th u64 of the header (after magic, parameters, Adam's t, step, epoch).
    cursor_past_end[40..48].copy_from_slice(&1_000_000u64.to_le_bytes());
    let mut same_seed = trainer(TrainConfig::default());
    refuse(&mut same_seed, &cursor_past_end, "position");
    let mut last_epoch = cursor_past_end.clone();
    // The epoch is the 4th u64 of the header: the largest there is still gets words, not an overflow.
    last_epoch[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    refuse(&mut same_seed, &last_epoch, "position");
    assert_eq!(same_seed.step_count(), 0);
    assert_eq!(weights_of(&target), before, "a refused state changes nothing");
    assert_eq!(target.step_count(), 1);
}
