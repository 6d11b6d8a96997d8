//! Anomaly mode: stop at the first non-finite value, forward or backward,
//! naming the op, its input shapes and where the user's code created it.
//!
//! ```should_panic
//! use tapegrad::{Tape, Tensor};
//! let tape = Tape::new();
//! tape.set_detect_anomaly(true);
//! let x = tape.var(Tensor::from_vec(vec![1.0f64, -1.0], [2]).unwrap());
//! let _ = x.sqrt(); // panics: "anomaly: sqrt produced a non-finite value in forward ..."
//! ```

use super::{Node, RestoreOnDrop, Tape};
use crate::{Float, Tensor};

impl<T: Float> Tape<T> {
    /// Switches anomaly detection on or off (off by default). While on, every
    /// recorded op's output and every gradient a backward pass computes is
    /// checked for NaN and infinity, and the first bad one panics with the
    /// op's name, its input shapes and the source location that created it.
    /// Off, it costs one flag test per op.
    ///
    /// ```
    /// let tape = tapegrad::Tape::<f32>::new();
    /// tape.set_detect_anomaly(true);
    /// assert!(tape.detects_anomaly());
    /// ```
    pub fn set_detect_anomaly(&self, on: bool) {
        self.detect_anomaly.set(on);
    }

    /// Whether anomaly detection is on.
    ///
    /// ```
    /// assert!(!tapegrad::Tape::<f32>::new().detects_anomaly());
    /// ```
    pub fn detects_anomaly(&self) -> bool {
        self.detect_anomaly.get()
    }

    /// Runs `f` with anomaly detection on, restoring the previous setting after.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let y = tape.with_anomaly_detection(|| tape.var(Tensor::scalar(4.0f64)).sqrt());
    /// assert_eq!(y.value().item(), 2.0);
    /// assert!(!tape.detects_anomaly());
    /// ```
    pub fn with_anomaly_detection<R>(&self, f: impl FnOnce() -> R) -> R {
        let _restore = RestoreOnDrop::set(&self.detect_anomaly, true);
        f()
    }
}

/// Panics if `value`, the forward output of `op`, is not finite.
pub(crate) fn check_forward<T: Float>(
    op: &str,
    input_shapes: &[Vec<usize>],
    value: &Tensor<T>,
    location: &std::panic::Location<'_>,
) {
    if !value.all_finite() {
        panic!(
            "anomaly: {op} produced a non-finite value in forward (inputs of shapes {input_shapes:?}, \
             output of shape {:?}), created at {location}",
            value.shape()
        );
    }
}

/// Panics if `grad`, the gradient the backward of `node` gives its input
/// number `input`, is not finite.
pub(crate) fn check_backward<T: Float>(
    node: &Node<T>,
    nodes: &[Node<T>],
    input: usize,
    grad: &Tensor<T>,
) {
    if !grad.all_finite() {
        let shapes: Vec<&[usize]> = node
            .inputs
            .iter()
            .map(|&j| nodes[j as usize].value.shape())
            .collect();
        panic!(
            "anomaly: the backward of {} produced a non-finite gradient for its input {input} \
             (inputs of shapes {shapes:?}), op created at {}",
            node.op.name(),
            node.location
        );
    }
}
