//! Callbacks run at the end of each epoch: the [`Callback`] trait,
//! [`EarlyStopping`] and [`ModelCheckpoint`].

use std::path::PathBuf;

use tapegrad::{Float, Tensor};

use super::history::EpochLogs;
use crate::module::Module;
use crate::weights::{save_weights, WeightsError};

/// Whether training goes on after a callback has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Train the next epoch.
    Continue,
    /// Stop after this epoch.
    Stop,
}

/// Code run by `fit` after each epoch, with that epoch's logs and the model.
///
/// ```
/// use tapegrad::Float;
/// use tapegrad_nn::train::{Callback, Control, EpochLogs};
/// use tapegrad_nn::Module;
///
/// /// Stops once the loss drops below a target.
/// struct StopBelow(f64);
///
/// impl<T: Float> Callback<T> for StopBelow {
///     fn on_epoch_end(&mut self, _: usize, logs: &EpochLogs, _: &mut dyn Module<T>) -> Control {
///         if logs["loss"] < self.0 { Control::Stop } else { Control::Continue }
///     }
/// }
/// let mut cb = StopBelow(0.1);
/// let logs: EpochLogs = [("loss".to_string(), 0.05)].into_iter().collect();
/// let mut net = tapegrad_nn::Sequential::<f32>::new();
/// assert_eq!(Callback::<f32>::on_epoch_end(&mut cb, 0, &logs, &mut net), Control::Stop);
/// ```
pub trait Callback<T: Float> {
    /// Runs after epoch `epoch` (counted from 0).
    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &EpochLogs,
        model: &mut dyn Module<T>,
    ) -> Control;

    /// Runs once when training ends, however it ends.
    fn on_train_end(&mut self, model: &mut dyn Module<T>) {
        let _ = model;
    }
}

/// Stops training when a monitored quantity has stopped improving, as
/// Keras's `EarlyStopping`: once `patience` epochs in a row have not
/// improved on the best. Quantities whose name contains `acc` are
/// maximised, all others minimised.
///
/// ```
/// use tapegrad_nn::train::{Callback, Control, EarlyStopping, EpochLogs};
/// let mut stop = EarlyStopping::<f32>::new("val_loss", 2);
/// let mut net = tapegrad_nn::Sequential::<f32>::new();
/// let logs = |v: f64| -> EpochLogs { [("val_loss".to_string(), v)].into_iter().collect() };
/// assert_eq!(stop.on_epoch_end(0, &logs(1.0), &mut net), Control::Continue);
/// assert_eq!(stop.on_epoch_end(1, &logs(1.5), &mut net), Control::Continue);
/// assert_eq!(stop.on_epoch_end(2, &logs(1.2), &mut net), Control::Stop);
/// assert_eq!(stop.best_epoch(), Some(0));
/// ```
#[derive(Debug, Clone)]
pub struct EarlyStopping<T: Float> {
    /// The logged quantity watched.
    pub monitor: String,
    /// Epochs without improvement after which training stops.
    pub patience: usize,
    /// The smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Whether to put back the best epoch's weights when training ends.
    pub restore_best_weights: bool,
    best: Option<(usize, f64)>,
    waited: usize,
    best_weights: Option<Vec<Tensor<T>>>,
}

impl<T: Float> EarlyStopping<T> {
    /// Watches `monitor` with the given patience; min_delta 0, no restoring.
    pub fn new(monitor: impl Into<String>, patience: usize) -> Self {
        EarlyStopping {
            monitor: monitor.into(),
            patience,
            min_delta: 0.0,
            restore_best_weights: false,
            best: None,
            waited: 0,
            best_weights: None,
        }
    }

    /// The epoch with the best value so far.
    pub fn best_epoch(&self) -> Option<usize> {
        self.best.map(|(epoch, _)| epoch)
    }

    fn improves(&self, value: f64, best: f64) -> bool {
        if self.monitor.contains("acc") {
            value > best + self.min_delta
        } else {
            value < best - self.min_delta
        }
    }
}

impl<T: Float> Callback<T> for EarlyStopping<T> {
    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &EpochLogs,
        model: &mut dyn Module<T>,
    ) -> Control {
        let Some(&value) = logs.get(&self.monitor) else {
            panic!(
                "EarlyStopping: {} is not logged (logged: {:?})",
                self.monitor,
                logs.keys().collect::<Vec<_>>()
            );
        };
        if self.best.is_none_or(|(_, best)| self.improves(value, best)) {
            self.best = Some((epoch, value));
            self.waited = 0;
            if self.restore_best_weights {
                self.best_weights =
                    Some(model.params().iter().map(|p| p.value().clone()).collect());
            }
            return Control::Continue;
        }
        self.waited += 1;
        if self.waited >= self.patience {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    fn on_train_end(&mut self, model: &mut dyn Module<T>) {
        if let Some(best) = self.best_weights.take() {
            for (p, w) in model.params_mut().into_iter().zip(best) {
                p.set_value(w);
            }
        }
    }
}

/// Saves the model's weights (safetensors) after each epoch, or only when a
/// monitored quantity improves, as Keras's `ModelCheckpoint`. A failed write
/// stops training; the error is kept in [`error`](Self::error).
///
/// ```
/// use tapegrad_nn::train::{Callback, Control, EpochLogs, ModelCheckpoint};
/// let path = std::env::temp_dir().join("tapegrad-doc-checkpoint.safetensors");
/// let mut checkpoint = ModelCheckpoint::best(&path, "loss");
/// let mut net = tapegrad_nn::Sequential::<f32>::new();
/// let logs: EpochLogs = [("loss".to_string(), 0.5)].into_iter().collect();
/// assert_eq!(Callback::<f32>::on_epoch_end(&mut checkpoint, 0, &logs, &mut net), Control::Continue);
/// assert!(path.exists());
/// # std::fs::remove_file(&path).ok();
/// ```
#[derive(Debug)]
pub struct ModelCheckpoint {
    path: PathBuf,
    monitor: Option<String>,
    best: Option<f64>,
    error: Option<WeightsError>,
}

impl ModelCheckpoint {
    /// Saves after every epoch, overwriting `path`.
    pub fn every_epoch(path: impl Into<PathBuf>) -> Self {
        ModelCheckpoint {
            path: path.into(),
            monitor: None,
            best: None,
            error: None,
        }
    }

    /// Saves only when `monitor` improves (maximised if its name contains
    /// `acc`, else minimised).
    pub fn best(path: impl Into<PathBuf>, monitor: impl Into<String>) -> Self {
        ModelCheckpoint {
            monitor: Some(monitor.into()),
            ..ModelCheckpoint::every_epoch(path)
        }
    }

    /// The error of a failed save, if any.
    pub fn error(&self) -> Option<&WeightsError> {
        self.error.as_ref()
    }

    fn improved(&mut self, logs: &EpochLogs) -> bool {
        let Some(monitor) = &self.monitor else {
            return true;
        };
        let value = *logs
            .get(monitor)
            .unwrap_or_else(|| panic!("ModelCheckpoint: {monitor} is not logged"));
        let better = match self.best {
            None => true,
            Some(best) if monitor.contains("acc") => value > best,
            Some(best) => value < best,
        };
        if better {
            self.best = Some(value);
        }
        better
    }
}

impl<T: Float> Callback<T> for ModelCheckpoint {
    fn on_epoch_end(&mut self, _: usize, logs: &EpochLogs, model: &mut dyn Module<T>) -> Control {
        if !self.improved(logs) {
            return Control::Continue;
        }
        match save_weights(model, &self.path) {
            Ok(()) => Control::Continue,
            Err(e) => {
                eprintln!("ModelCheckpoint: cannot save {}: {e}", self.path.display());
                self.error = Some(e);
                Control::Stop
            }
        }
    }
}
