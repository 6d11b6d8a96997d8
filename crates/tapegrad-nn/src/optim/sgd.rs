//! Stochastic gradient descent, with optional momentum and Nesterov momentum,
//! in Keras's form and with Keras's defaults (lr 0.01, no momentum):
//!
//! ```text
//! plain:     w -= lr g
//! momentum:  u = momentum u - lr g;  w += u
//! Nesterov:  u = momentum u - lr g;  w += momentum u - lr g
//! ```
//!
//! For a constant learning rate this is PyTorch's SGD as well, with PyTorch's
//! buffer equal to `-u / lr`.
//!
//! ```
//! use tapegrad::Tensor;
//! use tapegrad_nn::optim::{Optimizer, Sgd};
//! use tapegrad_nn::Param;
//! let mut w = Param::new("w", Tensor::<f64>::ones([1]));
//! let mut sgd = Sgd::with_momentum(0.1, 0.9, false);
//! sgd.step(&mut [&mut w], &[Tensor::ones([1])]); // u = -0.1
//! sgd.step(&mut [&mut w], &[Tensor::ones([1])]); // u = -0.19
//! assert!((w.value().item() - (1.0 - 0.1 - 0.19)).abs() < 1e-15);
//! ```

use tapegrad::{Float, Operand, Tensor};

use super::state::{named_slots, restore_slots};
use super::{step_with, Optimizer, StateError};
use crate::module::Param;

/// The SGD optimizer; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Sgd<T: Float> {
    /// The learning rate.
    pub lr: f64,
    /// The momentum factor (0 for none).
    pub momentum: f64,
    /// Whether to use Nesterov momentum.
    pub nesterov: bool,
    state: SgdState<Tensor<T>>,
}

/// SGD's momentum buffers (empty without momentum).
#[derive(Debug, Clone)]
pub struct SgdState<G> {
    /// One velocity per parameter.
    pub velocity: Vec<G>,
}

impl<G> Default for SgdState<G> {
    fn default() -> Self {
        SgdState {
            velocity: Vec::new(),
        }
    }
}

impl<T: Float> Default for Sgd<T> {
    /// Keras's defaults: lr 0.01, no momentum.
    fn default() -> Self {
        Sgd::new(0.01)
    }
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    ///
    /// ```
    /// assert_eq!(tapegrad_nn::optim::Sgd::<f32>::new(0.1).momentum, 0.0);
    /// ```
    pub fn new(lr: f64) -> Self {
        Self::with_momentum(lr, 0.0, false)
    }

    /// SGD with momentum, Nesterov's if `nesterov`.
    ///
    /// ```
    /// assert!(tapegrad_nn::optim::Sgd::<f32>::with_momentum(0.1, 0.9, true).nesterov);
    /// ```
    pub fn with_momentum(lr: f64, momentum: f64, nesterov: bool) -> Self {
        Sgd {
            lr,
            momentum,
            nesterov,
            state: SgdState::default(),
        }
    }

    /// One step; recorded when the operands are vars (see [`Adam::update`](super::Adam::update)).
    pub fn update<G: Operand<T>>(
        &self,
        state: &mut SgdState<G>,
        params: &[G],
        grads: &[G],
        lr: &G,
    ) -> Vec<G> {
        assert!(
            grads.len() == params.len(),
            "SGD: {} parameters and {} gradients",
            params.len(),
            grads.len()
        );
        if self.momentum == 0.0 {
            return params
                .iter()
                .zip(grads)
                .map(|(w, g)| w.sub(&g.mul(lr)))
                .collect();
        }
        if state.velocity.is_empty() {
            state.velocity = params
                .iter()
                .map(|p| p.lift(Tensor::zeros(p.shape())))
                .collect();
        }
        let momentum = T::cast(self.momentum);
        let mut out = Vec::with_capacity(params.len());
        for (i, (w, g)) in params.iter().zip(grads).enumerate() {
            let step = g.mul(lr);
            state.velocity[i] = state.velocity[i].mul_scalar(momentum).sub(&step);
            let change = if self.nesterov {
                state.velocity[i].mul_scalar(momentum).sub(&step)
            } else {
                state.velocity[i].clone()
            };
            out.push(w.add(&change));
        }
        out
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step(&mut self, params: &mut [&mut Param<T>], grads: &[Tensor<T>]) {
        let lr = Tensor::scalar(T::cast(self.lr));
        let mut state = std::mem::take(&mut self.state);
        step_with("SGD", params, grads, |values| {
            self.update(&mut state, values, grads, &lr)
        });
        self.state = state;
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn state(&self) -> Vec<(String, Tensor<T>)> {
        named_slots("velocity", &self.state.velocity)
    }

    fn load_state(&mut self, state: &[(String, Tensor<T>)]) -> Result<(), StateError> {
        self.state.velocity = restore_slots(state, "velocity", None)?;
        Ok(())
    }
}
