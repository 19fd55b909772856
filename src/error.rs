//! The crate's one error type. Every message says what went wrong and what a person can do about it.

use std::fmt;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An IDX data file that cannot be used; `source` names the file.
    #[error("{source_name}: {problem}")]
    Data { source_name: String, problem: String },

    /// A weights file that cannot be loaded; the message names the tensor where there is one.
    #[error("weights: {0}")]
    Weights(String),

    /// A setting outside the range the model can train with.
    #[error("{name} = {value} is not allowed: {expected}")]
    InvalidSetting { name: &'static str, value: String, expected: String },

    /// A non-finite loss or gradient; the weights from before that step are kept.
    #[error(
        "training diverged at step {step}: the {what} became {value}. The weights from before this step are kept; \
         lower the learning rate (now {learning_rate}) or reset"
    )]
    Diverged { step: u64, what: &'static str, value: f32, learning_rate: f64 },

    /// A saved training state that does not fit this trainer; nothing was changed.
    #[error("training state: {0}")]
    State(String),

    /// A file the native CLI could not read or write.
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },

    /// Tensor arithmetic failed: a bug rather than bad input, so the message keeps candle's own words.
    #[error("tensor computation failed: {0}")]
    Tensor(#[from] candle_core::Error),
}

impl Error {
    pub(crate) fn data(source_name: &str, problem: impl fmt::Display) -> Self {
        Error::Data { source_name: source_name.to_string(), problem: problem.to_string() }
    }

    pub(crate) fn weights(problem: impl fmt::Display) -> Self {
        Error::Weights(problem.to_string())
    }

    pub(crate) fn setting(name: &'static str, value: impl fmt::Display, expected: impl fmt::Display) -> Self {
        Error::InvalidSetting { name, value: value.to_string(), expected: expected.to_string() }
    }
}
