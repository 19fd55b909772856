//! A trainer's full state as bytes: what another trainer of the same structure, seed and data needs to go on exactly
//! where this one is — the time-lapse keeps a few of these, and "branch from here" loads one.
//!
//! Layout, little-endian: the magic `VAESTATE`; eight u64 — parameters, Adam's updates, steps, epochs, the position
//! in the epoch's shuffle, the seed, the training images; the noise stream's position (u128); then the parameters,
//! Adam's first and second moments (f32 each, as many as the parameters).

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"VAESTATE";
const HEADER: usize = 8 + 8 * 7 + 16;

/// Where a trainer is, besides its parameters and moments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub adam_steps: i32,
    pub step: u64,
    pub epoch: u64,
    /// Images of this epoch's shuffle already trained on.
    pub cursor: usize,
    pub seed: u64,
    pub train_images: usize,
    pub noise: u128,
}

pub fn encode(position: Position, params: &[f32], m: &[f32], v: &[f32]) -> Vec<u8> {
    let n = params.len();
    let mut bytes = Vec::with_capacity(HEADER + 12 * n);
    bytes.extend_from_slice(MAGIC);
    for word in [
        params.len() as u64,
        position.adam_steps as u64,
        position.step,
        position.epoch,
        position.cursor as u64,
        position.seed,
        position.train_images as u64,
    ] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    bytes.extend_from_slice(&position.noise.to_le_bytes());
    // Sized once, then filled in place: a copy the compiler can vectorise (the worker sends one at each epoch's end).
    bytes.resize(HEADER + 12 * n, 0);
    for (values, out) in [params, m, v].into_iter().zip(bytes[HEADER..].chunks_exact_mut(4 * n.max(1))) {
        for (x, b) in values.iter().zip(out.chunks_exact_mut(4)) {
            b.copy_from_slice(&x.to_le_bytes());
        }
    }
    bytes
}

/// A decoded state, checked against the trainer that is to take it up.
pub struct Decoded {
    pub position: Position,
    pub params: Vec<f32>,
    pub m: Vec<f32>,
    pub v: Vec<f32>,
}

/// What the loading trainer is: a state must match it.
pub struct Expected {
    pub parameters: usize,
    pub seed: u64,
    pub train_images: usize,
}

fn refuse(problem: impl std::fmt::Display) -> Error {
    Error::State(problem.to_string())
}

pub fn decode(bytes: &[u8], expected: &Expected) -> Result<Decoded> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(refuse("these bytes are not a training state (one begins with VAESTATE): give it bytes exportState wrote"));
    }
    let word = |i: usize| u64::from_le_bytes(bytes[8 + 8 * i..16 + 8 * i].try_into().expect("8 bytes"));
    let parameters = word(0);
    let needed = (parameters as u128) * 12 + HEADER as u128;
    if needed != bytes.len() as u128 {
        return Err(refuse(format!(
            "{} bytes, where a state of {parameters} parameters has {needed}: it was cut short or added to",
            bytes.len()
        )));
    }
    let parameters = parameters as usize;
    if parameters != expected.parameters {
        return Err(refuse(format!(
            "it holds {parameters} parameters and this model {}: it is another structure or size",
            expected.parameters
        )));
    }
    let (seed, train_images) = (word(5), word(6));
    if seed != expected.seed {
        return Err(refuse(format!(
            "it was trained from seed {seed} and this model from seed {}: its shuffles and noise would not go on",
            expected.seed
        )));
    }
    if train_images != expected.train_images as u64 {
        return Err(refuse(format!(
            "it was trained on {train_images} images and this model on {}: another dataset",
            expected.train_images
        )));
    }
    let (adam_steps, step, epoch, cursor) = (word(1), word(2), word(3), word(4));
    if cursor >= train_images || adam_steps > i32::MAX as u64 || adam_steps > step {
        return Err(refuse(format!(
            "its position (image {cursor} of {train_images} in epoch {}, step {step}, {adam_steps} updates) is not one a trainer reaches",
            epoch.saturating_add(1)
        )));
    }
    let noise = u128::from_le_bytes(bytes[HEADER - 16..HEADER].try_into().expect("16 bytes"));
    let floats = |k: usize| -> Vec<f32> {
        bytes[HEADER + 4 * parameters * k..HEADER + 4 * parameters * (k + 1)]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect()
    };
    let (params, m, v) = (floats(0), floats(1), floats(2));
    if !params.iter().chain(&m).all(|x| x.is_finite()) || !v.iter().all(|x| x.is_finite() && *x >= 0.0) {
        return Err(refuse("it holds a value that is not a finite number (or a negative second moment)"));
    }
    let position =
        Position { adam_steps: adam_steps as i32, step, epoch, cursor: cursor as usize, seed, train_images: train_images as usize, noise };
    Ok(Decoded { position, params, m, v })
}
