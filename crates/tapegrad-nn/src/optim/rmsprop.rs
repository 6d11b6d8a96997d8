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

use super::fused::{self, flush_subnormal, ElementwiseStep};
use super::state::{named_slots, restore_slots};
use super::{check_step, Optimizer, StateError};
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
    /// The ordinary step: the arithmetic of [`RmsProp::update`] in the same
    /// order (so the same bits, except that averages and velocities that
    /// would become subnormal are set to zero), in one pass per parameter
    /// that updates the weights and state in place.
    fn step(&mut self, params: &mut [&mut Param<T>], grads: &[Tensor<T>]) {
        check_step("RMSprop", params, grads);
        let zeros = || grads.iter().map(|g| Tensor::zeros(g.shape())).collect();
        let state = &mut self.state;
        if state.mean_square.is_empty() {
            state.mean_square = zeros();
        }
        if self.momentum != 0.0 && state.velocity.is_empty() {
            state.velocity = zeros();
        }
        assert!(
            state.mean_square.len() == params.len(),
            "RMSprop: state for {} parameters, given {}",
            state.mean_square.len(),
            params.len()
        );
        let rule = RmsPropRule {
            lr: T::cast(self.lr),
            rho: T::cast(self.rho),
            one_minus_rho: T::cast(1.0 - self.rho),
            epsilon: T::cast(self.epsilon),
            momentum: T::cast(self.momentum),
        };
        for (i, (p, g)) in params.iter_mut().zip(grads).enumerate() {
            let (w, g) = (p.value_mut().make_mut(), g.as_slice());
            let s = state.mean_square[i].make_mut();
            if self.momentum == 0.0 {
                fused::apply(&rule, w, g, [s]);
            } else {
                fused::apply(&rule, w, g, [s, state.velocity[i].make_mut()]);
            }
        }
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

/// RMSprop's per-step constants, in `T`.
struct RmsPropRule<T> {
    lr: T,
    rho: T,
    one_minus_rho: T,
    epsilon: T,
    momentum: T,
}

impl<T: Float> RmsPropRule<T> {
    /// Updates the mean square `s` (flushed to zero when it would be
    /// subnormal) and returns the step `g lr / sqrt(s + eps)`.
    #[inline(always)]
    fn step(&self, g: T, s: &mut T) -> T {
        *s = flush_subnormal(*s * self.rho + g * g * self.one_minus_rho);
        g * self.lr / (*s + self.epsilon).sqrt()
    }
}

impl<T: Float> ElementwiseStep<T, 1> for RmsPropRule<T> {
    /// Without momentum: `w -= step`.
    #[inline(always)]
    fn run(&self, w: &mut [T], g: &[T], [s]: [&mut [T]; 1]) {
        plain_loop(self, w, g, s);
    }
}

impl<T: Float> ElementwiseStep<T, 2> for RmsPropRule<T> {
    /// With momentum: `u = momentum u + step` (flushed to zero when it
    /// would be subnormal), then `w -= u`.
    #[inline(always)]
    fn run(&self, w: &mut [T], g: &[T], [s, u]: [&mut [T]; 2]) {
        momentum_loop(self, w, g, s, u);
    }
}

// The loops take each slice as a parameter of its own: only then does the
// compiler know that they do not overlap, and vectorise them.

/// The loop of RMSprop without momentum.
#[inline(always)]
fn plain_loop<T: Float>(rule: &RmsPropRule<T>, w: &mut [T], g: &[T], s: &mut [T]) {
    for ((w, &g), s) in w.iter_mut().zip(g).zip(s.iter_mut()) {
        *w -= rule.step(g, s);
    }
}

/// The loop of RMSprop with momentum.
#[inline(always)]
fn momentum_loop<T: Float>(rule: &RmsPropRule<T>, w: &mut [T], g: &[T], s: &mut [T], u: &mut [T]) {
    let elements = w.iter_mut().zip(g).zip(s.iter_mut()).zip(u.iter_mut());
    for (((w, &g), s), u) in elements {
        *u = flush_subnormal(*u * rule.momentum + rule.step(g, s));
        *w -= *u;
    }
}

#[cfg(test)]
mod tests {
    use super::super::fused::testing::*;
    use super::*;

    /// The fused in-place step and the generic update agree to the bit.
    #[test]
    fn fused_step_matches_generic_update_bitwise() {
        let with_momentum = RmsProp {
            momentum: 0.9,
            ..RmsProp::<f64>::new(0.01)
        };
        for rmsprop in [RmsProp::<f64>::new(0.01), with_momentum] {
            let what = format!("momentum {}", rmsprop.momentum);
            let mut state = RmsPropState::default();
            let lr = Tensor::scalar(rmsprop.lr);
            assert_fused_matches_generic(&what, rmsprop.clone(), |w, g| {
                rmsprop.update(&mut state, &[w], &[g], &lr).remove(0)
            });
        }
    }

    /// With a gradient of zero, the mean square decays through the
    /// subnormal range in the generic rule; the fused step sets it to zero
    /// instead, and the weights keep the same bits (epsilon swamps it).
    #[test]
    fn fused_step_flushes_a_subnormal_mean_square_and_keeps_the_weights() {
        let rmsprop = RmsProp::<f32>::new(0.01);
        let mut state = RmsPropState::default();
        let lr = Tensor::scalar(0.01);
        assert_fused_flushes_subnormal_state(
            rmsprop.clone(),
            1000,
            |w, g| {
                let w = rmsprop.update(&mut state, &[w], &[g], &lr).remove(0);
                (w, state.mean_square[0].to_vec())
            },
            |fused| fused.state.mean_square[0].to_vec(),
        );
    }
}
