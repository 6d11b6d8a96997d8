//! [`Grads`]: the result of a first-order backward pass.

use std::ops::Index;

use super::Var;
use crate::{Float, Tensor};

/// Gradients of one scalar with respect to the leaf vars of a tape, indexed by var.
///
/// Every leaf created before the output has an entry: a zero tensor when it
/// does not affect the output. Indexing with a var that is not a leaf of the
/// same tape panics.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// let tape = Tape::new();
/// let x = tape.var(Tensor::scalar(3.0f64));
/// let mut grads = x.square().backward();
/// assert_eq!(grads[x].item(), 6.0);
/// let owned: Tensor<f64> = grads.remove(x).unwrap();
/// assert_eq!(owned.item(), 6.0);
/// assert!(grads.get(x).is_none());
/// ```
pub struct Grads<T: Float> {
    tape_id: u64,
    /// Indexed by node; `Some` only for leaves.
    by_node: Vec<Option<Tensor<T>>>,
}

impl<T: Float> Grads<T> {
    pub(crate) fn new(tape_id: u64, by_node: Vec<Option<Tensor<T>>>) -> Self {
        Grads { tape_id, by_node }
    }

    /// The gradient for `var`, or `None` if it is not a leaf of this backward
    /// pass (or was removed).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(1.0f64));
    /// let y = x.exp();
    /// let grads = y.backward();
    /// assert!(grads.get(x).is_some());
    /// assert!(grads.get(y).is_none());
    /// ```
    pub fn get(&self, var: Var<'_, T>) -> Option<&Tensor<T>> {
        self.check_tape(var);
        self.by_node.get(var.index()).and_then(Option::as_ref)
    }

    /// Takes the gradient for `var` out, leaving `None`; avoids a copy when
    /// an optimizer consumes it.
    pub fn remove(&mut self, var: Var<'_, T>) -> Option<Tensor<T>> {
        self.check_tape(var);
        self.by_node.get_mut(var.index()).and_then(Option::take)
    }

    fn check_tape(&self, var: Var<'_, T>) {
        assert!(
            var.tape().id() == self.tape_id,
            "grads: var of shape {:?} belongs to a different tape",
            var.shape().as_slice()
        );
    }
}

impl<T: Float> Index<Var<'_, T>> for Grads<T> {
    type Output = Tensor<T>;

    fn index(&self, var: Var<'_, T>) -> &Tensor<T> {
        self.get(var).unwrap_or_else(|| {
            panic!(
                "grads: var #{} of shape {:?} is not a leaf created before the output \
                 (only tape.var leaves get gradients; use tape.grad for others)",
                var.index(),
                var.shape().as_slice()
            )
        })
    }
}
