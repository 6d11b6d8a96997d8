//! Optimizers: SGD (with momentum and Nesterov), Adam and AdamW, RMSprop.
//!
//! Each update rule is written once, generic over [`Operand`], as each
//! optimizer's `update`. Called with vars, the step is recorded on a tape,
//! so that a loss after several steps can be differentiated with respect to
//! the learning rate or the initial weights, as in hypergradient descent or
//! MAML; called with tensors, it records nothing. Ordinary training
//! ([`Optimizer::step`]) runs the same arithmetic in the same order as one
//! fused pass per parameter that updates the weights and the optimizer's
//! state in place, over rayon's threads for large parameters; it gives the
//! same bits as `update` on tensors, except that state that would become
//! subnormal is set to zero, which keeps the arithmetic fast and the
//! weights unchanged.
//!
//! [`Operand`]: tapegrad::Operand

mod adam;
mod fused;
mod rmsprop;
mod sgd;
mod state;

pub use adam::{Adam, AdamState, EpsilonForm};
pub use rmsprop::{RmsProp, RmsPropState};
pub use sgd::{Sgd, SgdState};
pub use state::StateError;

use tapegrad::{Float, Tensor};

use crate::module::Param;

/// An optimizer as the training loop drives it: updates parameters in place
/// from their gradients, and saves and restores its state.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::optim::{Optimizer, Sgd};
/// use tapegrad_nn::Param;
/// let mut w = Param::new("w", Tensor::<f64>::ones([2]));
/// let mut sgd = Sgd::new(0.5);
/// sgd.step(&mut [&mut w], &[Tensor::full([2], 2.0)]);
/// assert_eq!(w.value().to_vec(), vec![0.0, 0.0]);
/// ```
pub trait Optimizer<T: Float> {
    /// Moves each parameter against its gradient (`grads[i]` for `params[i]`).
    fn step(&mut self, params: &mut [&mut Param<T>], grads: &[Tensor<T>]);

    /// The learning rate.
    fn learning_rate(&self) -> f64;

    /// Changes the learning rate for later steps.
    fn set_learning_rate(&mut self, lr: f64);

    /// The optimizer's state as named tensors (step count, moment estimates).
    fn state(&self) -> Vec<(String, Tensor<T>)>;

    /// Restores a state saved by [`state`](Self::state) from an optimizer of the same kind.
    fn load_state(&mut self, state: &[(String, Tensor<T>)]) -> Result<(), StateError>;
}

/// Checks that there is one gradient per parameter, each of its shape.
fn check_step<T: Float>(optimizer: &str, params: &[&mut Param<T>], grads: &[Tensor<T>]) {
    assert!(
        params.len() == grads.len(),
        "{optimizer}: {} parameters but {} gradients",
        params.len(),
        grads.len()
    );
    for (p, g) in params.iter().zip(grads) {
        assert!(
            p.value().shape() == g.shape(),
            "{optimizer}: parameter {} has shape {:?} but its gradient {:?}",
            p.name(),
            p.value().shape(),
            g.shape()
        );
    }
}
