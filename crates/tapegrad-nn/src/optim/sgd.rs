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

use super::fused::{self, flush_subnormal, ElementwiseStep};
use super::state::{named_slots, restore_slots};
use super::{check_step, Optimizer, StateError};
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
    /// The ordinary step: the arithmetic of [`Sgd::update`] in the same
    /// order (so the same bits, except that velocities that would become
    /// subnormal are set to zero), in one pass per parameter that updates
    /// the weights and velocity in place.
    fn step(&mut self, params: &mut [&mut Param<T>], grads: &[Tensor<T>]) {
        check_step("SGD", params, grads);
        let rule = SgdRule {
            lr: T::cast(self.lr),
            momentum: T::cast(self.momentum),
            nesterov: self.nesterov,
        };
        if self.momentum == 0.0 {
            for (p, g) in params.iter_mut().zip(grads) {
                fused::apply(&rule, p.value_mut().make_mut(), g.as_slice(), []);
            }
            return;
        }
        let velocity = &mut self.state.velocity;
        if velocity.is_empty() {
            *velocity = grads.iter().map(|g| Tensor::zeros(g.shape())).collect();
        }
        assert!(
            velocity.len() == params.len(),
            "SGD: state for {} parameters, given {}",
            velocity.len(),
            params.len()
        );
        for ((p, g), u) in params.iter_mut().zip(grads).zip(velocity) {
            let w = p.value_mut().make_mut();
            fused::apply(&rule, w, g.as_slice(), [u.make_mut()]);
        }
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

/// SGD's per-step constants, in `T`.
struct SgdRule<T> {
    lr: T,
    momentum: T,
    nesterov: bool,
}

impl<T: Float> ElementwiseStep<T, 0> for SgdRule<T> {
    /// Plain SGD: `w -= g lr`.
    #[inline(always)]
    fn run(&self, w: &mut [T], g: &[T], []: [&mut [T]; 0]) {
        for (w, &g) in w.iter_mut().zip(g) {
            *w -= g * self.lr;
        }
    }
}

impl<T: Float> ElementwiseStep<T, 1> for SgdRule<T> {
    /// SGD with momentum, updating the velocity `u` (flushed to zero when
    /// it would be subnormal). The Nesterov branch is taken outside the
    /// loop, so that the loop vectorises.
    #[inline(always)]
    fn run(&self, w: &mut [T], g: &[T], [u]: [&mut [T]; 1]) {
        let momentum = self.momentum;
        if self.nesterov {
            with_velocity(self, w, g, u, |u, step| u * momentum - step);
        } else {
            with_velocity(self, w, g, u, |u, _| u);
        }
    }
}

/// The loop of SGD with momentum: `u = momentum u - g lr`, then
/// `w += change(u, g lr)`.
#[inline(always)]
fn with_velocity<T: Float>(
    rule: &SgdRule<T>,
    w: &mut [T],
    g: &[T],
    u: &mut [T],
    change: impl Fn(T, T) -> T,
) {
    for ((w, &g), u) in w.iter_mut().zip(g).zip(u.iter_mut()) {
        let step = g * rule.lr;
        *u = flush_subnormal(*u * rule.momentum - step);
        *w += change(*u, step);
    }
}

#[cfg(test)]
mod tests {
    use super::super::fused::testing::*;
    use super::*;

    /// The fused in-place step and the generic update agree to the bit.
    #[test]
    fn fused_step_matches_generic_update_bitwise() {
        for sgd in [
            Sgd::<f64>::new(0.1),
            Sgd::with_momentum(0.1, 0.9, false),
            Sgd::with_momentum(0.1, 0.9, true),
        ] {
            let what = format!("momentum {}, nesterov {}", sgd.momentum, sgd.nesterov);
            let mut state = SgdState::default();
            let lr = Tensor::scalar(sgd.lr);
            assert_fused_matches_generic(&what, sgd.clone(), |w, g| {
                sgd.update(&mut state, &[w], &[g], &lr).remove(0)
            });
        }
    }

    /// With a gradient of zero, the velocity decays through the subnormal
    /// range in the generic rule; the fused step sets it to zero instead,
    /// and the weights keep the same bits.
    #[test]
    fn fused_step_flushes_a_subnormal_velocity_and_keeps_the_weights() {
        let sgd = Sgd::<f32>::with_momentum(0.1, 0.5, false);
        let mut state = SgdState::default();
        let lr = Tensor::scalar(0.1);
        assert_fused_flushes_subnormal_state(
            sgd.clone(),
            200,
            |w, g| {
                let w = sgd.update(&mut state, &[w], &[g], &lr).remove(0);
                (w, state.velocity[0].to_vec())
            },
            |fused| fused.state.velocity[0].to_vec(),
        );
    }
}
