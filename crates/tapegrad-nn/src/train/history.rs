//! [`History`]: the per-epoch record that `fit` returns.

use std::collections::BTreeMap;

/// The values logged at the end of one epoch (`loss`, metrics, `val_` ones).
pub type EpochLogs = BTreeMap<String, f64>;

/// Per-epoch logs of a training run, as Keras's `History`.
///
/// ```
/// use tapegrad_nn::train::History;
/// let mut h = History::default();
/// h.push([("loss".to_string(), 0.5)].into_iter().collect());
/// h.push([("loss".to_string(), 0.25)].into_iter().collect());
/// assert_eq!(h.metric("loss"), vec![0.5, 0.25]);
/// assert_eq!(h.epochs(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    logs: Vec<EpochLogs>,
}

impl History {
    /// Appends an epoch's logs.
    pub fn push(&mut self, logs: EpochLogs) {
        self.logs.push(logs);
    }

    /// The number of epochs recorded.
    pub fn epochs(&self) -> usize {
        self.logs.len()
    }

    /// One value per epoch of the named quantity (NaN where it was not logged).
    pub fn metric(&self, name: &str) -> Vec<f64> {
        self.logs
            .iter()
            .map(|l| l.get(name).copied().unwrap_or(f64::NAN))
            .collect()
    }

    /// Every epoch's logs, in order.
    ///
    /// ```
    /// assert!(tapegrad_nn::train::History::default().logs().is_empty());
    /// ```
    pub fn logs(&self) -> &[EpochLogs] {
        &self.logs
    }
}
