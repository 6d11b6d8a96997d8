//! Classification metrics computed on plain tensors: no tape, no gradients.
//!
//! Predictions are either a `[n, classes]` matrix of scores (logits or
//! probabilities; only their order matters) or a slice of class labels.
//! Every ratio whose denominator is zero (an empty batch, a class that is
//! never predicted or never present) is defined as 0.
//!
//! Misuse, such as a label count that differs from the number of rows, or a
//! label that is not a valid class, panics with a message naming the function
//! and the sizes involved.
//!
//! ```
//! use tapegrad::Tensor;
//! use tapegrad_nn::metrics::{argmax_rows, sparse_accuracy, ConfusionMatrix};
//! let logits = Tensor::from_vec(vec![2.0f32, -1.0, 0.3, 0.9, 0.1, 0.4], [3, 2])?;
//! let labels = [0, 1, 0];
//! assert_eq!(sparse_accuracy(&logits, &labels), 2.0 / 3.0);
//! let m = ConfusionMatrix::from_labels(&argmax_rows(&logits), &labels, 2);
//! assert_eq!((m.recall(0), m.recall(1)), (0.5, 1.0));
//! # Ok::<(), tapegrad::TensorError>(())
//! ```

mod accuracy;
mod argmax;
mod confusion;

pub use accuracy::{binary_accuracy, categorical_accuracy, sparse_accuracy, top_k_accuracy};
pub use argmax::argmax_rows;
pub use confusion::ConfusionMatrix;

/// `numerator / denominator` as `f64`, or 0 when the denominator is 0.
fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}
