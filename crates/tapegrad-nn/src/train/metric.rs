//! Metrics tracked during training, as `compile` names them.

use tapegrad::{Float, Tensor};

use crate::loss::Targets;
use crate::metrics::{binary_accuracy, categorical_accuracy, sparse_accuracy, top_k_accuracy};

/// A metric reported per epoch, averaged over samples.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::loss::Targets;
/// use tapegrad_nn::train::Metric;
/// let scores = Tensor::from_vec(vec![0.9, 0.1, 0.2, 0.8], [2, 2])?;
/// let acc = Metric::Accuracy.batch_value(&scores, &Targets::<f64>::Labels(vec![0, 0]));
/// assert_eq!(acc, 0.5);
/// assert_eq!(Metric::Accuracy.name(), "accuracy");
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// Class accuracy: against labels (sparse) or one-hot targets (categorical).
    Accuracy,
    /// Whether the label is among the `k` highest scores.
    TopKAccuracy(usize),
    /// Thresholded (at 0.5) accuracy of probabilities against 0/1 targets.
    BinaryAccuracy,
}

impl Metric {
    /// The name in logs and in the history.
    pub fn name(self) -> String {
        match self {
            Metric::Accuracy => "accuracy".into(),
            Metric::TopKAccuracy(k) => format!("top_{k}_accuracy"),
            Metric::BinaryAccuracy => "binary_accuracy".into(),
        }
    }

    /// The metric on one batch of model outputs.
    pub fn batch_value<T: Float>(self, output: &Tensor<T>, targets: &Targets<T>) -> f64 {
        match (self, targets) {
            (Metric::Accuracy, Targets::Labels(l)) => sparse_accuracy(output, l),
            (Metric::Accuracy, Targets::Dense(t)) => categorical_accuracy(output, t),
            (Metric::TopKAccuracy(k), Targets::Labels(l)) => top_k_accuracy(output, l, k),
            (Metric::BinaryAccuracy, Targets::Dense(t)) => binary_accuracy(output, t, T::cast(0.5)),
            (metric, _) => panic!("{}: does not apply to these targets", metric.name()),
        }
    }
}
