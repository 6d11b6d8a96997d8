//! RMSprop in Keras's form and with Keras's defaults (lr 1e-3, rho 0.9,
//! eps 1e-7, no momentum):
//!
//! ```text
//! s = rho s + (1 - rho) g^2
//! d = lr g / sqrt(s + eps)
//! without momentum: w -= d
//! with momentum:    u = momentum u + d;  w -= u
//! ```
//!
//! PyTorch adds its epsilon (1e-8) outside the square root instead, and
//! defaults to lr 0.01 and alpha (rho) 0.99.
//!
//! ```
//! use tapegrad::Tensor;
//! use tapegrad_nn::optim::{Optimizer, RmsProp};
//! use tapegrad_nn::Param;
//! let mut w = Param::new("w", Tensor::<f64>::zeros([1]));
//! let mut opt = RmsProp::new(0.01);
//! opt.step(&mut [&mut w], &[Tensor::ones([1])]);
//! let expected = -0.01 / (0.1f64 + 1e-7).sqrt();
//! assert!((w.value().item() - expected).abs() < 1e-15);
//! ```

use tapegrad::{Float, Operand, Tensor};

use super::state::{named_slots, restore_slots};
use super::{step_with, Optimizer, StateError};
use crate::module::Param;

/// The RMSprop optimizer; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct RmsProp<T: Float> {
    /// The learning rate.
    pub lr: f64,
    /// Decay of the squared-gradient average.
    pub rho: f64,
    /// Momentum factor (0 for none).
    pub momentum: f64,
    /// Added to the average under the square root.
    pub epsilon: f64,
    state: RmsPropState<Tensor<T>>,
}

/// RMSprop's running averages and momentum buffers, one per parameter.
#[derive(Debug, Clone)]
pub struct RmsPropState<G> {
    /// Running averages of squared gradients.
    pub mean_square: Vec<G>,
    /// Momentum buffers (empty without momentum).
    pub velocity: Vec<G>,
}

impl<G> Default for RmsPropState<G> {
    fn default() -> Self {
        RmsPropState {
            mean_square: Vec::new(),
            velocity: Vec::new(),
        }
    }
}

impl<T: Float> Default for RmsProp<T> {
    /// Keras's defaults.
    fn default() -> Self {
        RmsProp::new(1e-3)
    }
}

impl<T: Float> RmsProp<T> {
    /// Keras's RMSprop with learning rate `lr`.
    ///
    /// ```
    /// assert_eq!(tapegrad_nn::optim::RmsProp::<f32>::new(1e-3).rho, 0.9);
    /// ```
    pub fn new(lr: f64) -> Self {
        RmsProp {
            lr,
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            state: RmsPropState::default(),
        }
    }

    /// One step; recorded when the operands are vars (see [`Adam::update`](super::Adam::update)).
    pub fn update<G: Operand<T>>(
        &self,
        state: &mut RmsPropState<G>,
        params: &[G],
        grads: &[G],
        lr: &G,
    ) -> Vec<G> {
        assert!(
            grads.len() == params.len(),
            "RMSprop: {} parameters and {} gradients",
            params.len(),
            grads.len()
        );
        let zeros = || {
            params
                .iter()
                .map(|p| p.lift(Tensor::zeros(p.shape())))
                .collect()
        };
        if state.mean_square.is_empty() {
            state.mean_square = zeros();
        }
        if self.momentum != 0.0 && state.velocity.is_empty() {
            state.velocity = zeros();
        }
        let (rho, c) = (self.rho, T::cast);
        let mut out = Vec::with_capacity(params.len());
        for (i, (w, g)) in params.iter().zip(grads).enumerate() {
            state.mean_square[i] = state.mean_square[i]
                .mul_scalar(c(rho))
                .add(&g.square().mul_scalar(c(1.0 - rho)));
            let step = g
                .mul(lr)
                .div(&state.mean_square[i].add_scalar(c(self.epsilon)).sqrt());
            let change = if self.momentum == 0.0 {
                step
            } else {
                state.velocity[i] = state.velocity[i].mul_scalar(c(self.momentum)).add(&step);
                state.velocity[i].clone()
            };
            out.push(w.sub(&change));
        }
        out
    }
}

impl<T: Float> Optimizer<T> for RmsProp<T> {
    fn step(&mut self, params: &mut [&mut Param<T>], grads: &[Tensor<T>]) {
        let lr = Tensor::scalar(T::cast(self.lr));
        let mut state = std::mem::take(&mut self.state);
        step_with("RMSprop", params, grads, |values| {
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
        let mut out = named_slots("mean_square", &self.state.mean_square);
        out.extend(named_slots("velocity", &self.state.velocity));
        out
    }

    fn load_state(&mut self, state: &[(String, Tensor<T>)]) -> Result<(), StateError> {
        let mean_square = restore_slots(state, "mean_square", None)?;
        let velocity = if self.momentum == 0.0 {
            restore_slots(state, "velocity", None)?
        } else {
            // With momentum, one buffer per average and one average per buffer.
            let velocity = restore_slots(state, "velocity", Some(&mean_square))?;
            restore_slots(state, "mean_square", Some(&velocity))?;
            velocity
        };
        self.state = RmsPropState {
            mean_square,
            velocity,
        };
        Ok(())
    }
}
