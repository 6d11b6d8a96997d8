//! Keras-style training: [`Model`] with `compile`, `fit`, `evaluate` and
//! `predict`, metrics, progress output, a [`History`] and callbacks.

mod callbacks;
mod history;
mod metric;
mod model;
mod progress;

pub use callbacks::{Callback, Control, EarlyStopping, ModelCheckpoint};
pub use history::{EpochLogs, History};
pub use metric::Metric;
pub use model::{FitConfig, Model};
