//! Adam and AdamW.
//!
//! With gradient `g`, step `t`, learning rate `lr`:
//!
//! ```text
//! m = beta1 m + (1 - beta1) g
//! v = beta2 v + (1 - beta2) g^2
//! Keras form:   w -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
//! PyTorch form: w -= lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)
//! AdamW also:   w -= lr * weight_decay * w   (decoupled decay, on the weights before the step)
//! ```
//!
//! The default is Keras's: lr 1e-3, betas 0.9 and 0.999, eps 1e-7 in the
//! Keras form (the epsilon is added to `sqrt(v)` before bias correction).
//! [`Adam::pytorch`] gives PyTorch's: eps 1e-8 added after bias correction.
//! The two forms differ only in where eps enters.
//!
//! Differentiable mode, the hypergradient of a loss after one step:
//!
//! ```
//! use tapegrad::{Tape, Tensor};
//! use tapegrad_nn::optim::{Adam, AdamState};
//! let tape = Tape::new();
//! let lr = tape.var(Tensor::scalar(0.1f64));
//! let w = tape.var(Tensor::from_vec(vec![1.0, -2.0], [2])?);
//! fn loss<'t>(w: tapegrad::Var<'t, f64>) -> tapegrad::Var<'t, f64> {
//!     w.square().sum()
//! }
//! let g = tape.grad(loss(w), &[w]);
//! let mut state = AdamState::default();
//! let moved = Adam::default().update(&mut state, &[w], &g, &lr);
//! let dloss_dlr = tape.grad(loss(moved[0]), &[lr])[0].value().item();
//! assert!(dloss_dlr < 0.0); // a larger step would lower the loss further
//! # Ok::<(), tapegrad::TensorError>(())
//! ```

use tapegrad::{Float, Operand, Tensor};

use super::fused::{self, flush_subnormal, ElementwiseStep};
use super::state::{named_slots, restore_slots, step_from, step_tensor};
use super::{check_step, Optimizer, StateError};
use crate::module::Param;

/// Where Adam's epsilon enters the update; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpsilonForm {
    /// Added to `sqrt(v)` with the bias correction folded into the step size (Keras, TensorFlow).
    Keras,
    /// Added to `sqrt(v_hat)` after bias correction (PyTorch, the paper's Algorithm 1).
    PyTorch,
}

/// The Adam optimizer (AdamW with a weight decay); see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Adam<T: Float> {
    /// The learning rate.
    pub lr: f64,
    /// Decay of the first-moment estimate.
    pub beta1: f64,
    /// Decay of the second-moment estimate.
    pub beta2: f64,
    /// The epsilon guarding the division.
    pub epsilon: f64,
    /// Where the epsilon enters.
    pub form: EpsilonForm,
    /// Decoupled weight decay (0 for plain Adam).
    pub weight_decay: f64,
    state: AdamState<Tensor<T>>,
}

/// Adam's running state: the step count and the moment estimates, one per
/// parameter, as tensors (ordinary mode) or vars (differentiable mode).
#[derive(Debug, Clone)]
pub struct AdamState<G> {
    /// Steps taken.
    pub step: u64,
    /// First-moment estimates.
    pub m: Vec<G>,
    /// Second-moment estimates.
    pub v: Vec<G>,
}

impl<G> Default for AdamState<G> {
    fn default() -> Self {
        AdamState {
            step: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }
}

impl<T: Float> Default for Adam<T> {
    /// Keras's defaults: lr 1e-3, betas 0.9 / 0.999, eps 1e-7, Keras form.
    fn default() -> Self {
        Adam {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            form: EpsilonForm::Keras,
            weight_decay: 0.0,
            state: AdamState::default(),
        }
    }
}

impl<T: Float> Adam<T> {
    /// Keras's Adam with learning rate `lr`.
    ///
    /// ```
    /// let adam = tapegrad_nn::optim::Adam::<f32>::new(3e-4);
    /// assert_eq!((adam.lr, adam.epsilon), (3e-4, 1e-7));
    /// ```
    pub fn new(lr: f64) -> Self {
        Adam {
            lr,
            ..Adam::default()
        }
    }

    /// PyTorch's Adam defaults: lr 1e-3, eps 1e-8 after bias correction.
    ///
    /// ```
    /// use tapegrad_nn::optim::{Adam, EpsilonForm};
    /// let adam = Adam::<f32>::pytorch();
    /// assert_eq!((adam.epsilon, adam.form), (1e-8, EpsilonForm::PyTorch));
    /// ```
    pub fn pytorch() -> Self {
        Adam {
            epsilon: 1e-8,
            form: EpsilonForm::PyTorch,
            ..Adam::default()
        }
    }

    /// AdamW as Keras defines it: Adam plus decoupled weight decay (Keras's default is 0.004).
    ///
    /// ```
    /// let adamw = tapegrad_nn::optim::Adam::<f32>::adamw(1e-3, 0.004);
    /// assert_eq!(adamw.weight_decay, 0.004);
    /// ```
    pub fn adamw(lr: f64, weight_decay: f64) -> Self {
        Adam {
            lr,
            weight_decay,
            ..Adam::default()
        }
    }

    /// One Adam step for `params` with gradients `grads` and learning rate
    /// `lr`, advancing `state`. On tensors this is the ordinary update; on
    /// vars it is recorded and can be differentiated (the `lr` field is not
    /// used: `lr` is an operand so that it can be a var).
    pub fn update<G: Operand<T>>(
        &self,
        state: &mut AdamState<G>,
        params: &[G],
        grads: &[G],
        lr: &G,
    ) -> Vec<G> {
        if state.m.is_empty() {
            state.m = params
                .iter()
                .map(|p| p.lift(Tensor::zeros(p.shape())))
                .collect();
            state.v = state.m.clone();
        }
        assert!(
            state.m.len() == params.len() && grads.len() == params.len(),
            "Adam: state for {} parameters, given {} parameters and {} gradients",
            state.m.len(),
            params.len(),
            grads.len()
        );
        state.step += 1;
        let t = state.step as f64;
        let (b1, b2) = (self.beta1, self.beta2);
        let (c1, c2) = (1.0 - b1.powf(t), 1.0 - b2.powf(t));
        let c = T::cast;
        let mut out = Vec::with_capacity(params.len());
        for i in 0..params.len() {
            let g = &grads[i];
            state.m[i] = state.m[i].mul_scalar(c(b1)).add(&g.mul_scalar(c(1.0 - b1)));
            state.v[i] = state.v[i]
                .mul_scalar(c(b2))
                .add(&g.square().mul_scalar(c(1.0 - b2)));
            let (m, v) = (&state.m[i], &state.v[i]);
            let direction = match self.form {
                EpsilonForm::Keras => m
                    .div(&v.sqrt().add_scalar(c(self.epsilon)))
                    .mul_scalar(c(c2.sqrt() / c1)),
                EpsilonForm::PyTorch => m
                    .mul_scalar(c(1.0 / c1))
                    .div(&v.mul_scalar(c(1.0 / c2)).sqrt().add_scalar(c(self.epsilon))),
            };
            let mut w = params[i].clone();
            if self.weight_decay != 0.0 {
                w = w.sub(&w.mul(lr).mul_scalar(c(self.weight_decay)));
            }
            out.push(w.sub(&direction.mul(lr)));
        }
        out
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    /// The ordinary step: the same arithmetic as [`Adam::update`], in the
    /// same order (so the same bits, except that moments that would become
    /// subnormal are set to zero), fused into one pass per parameter that
    /// updates the weights and moments in place.
    fn step(&mut self, params: &mut [&mut Param<T>], grads: &[Tensor<T>]) {
        check_step("Adam", params, grads);
        if self.state.m.is_empty() {
            self.state.m = grads.iter().map(|g| Tensor::zeros(g.shape())).collect();
            self.state.v = self.state.m.clone();
        }
        assert!(
            self.state.m.len() == params.len(),
            "Adam: state for {} parameters, given {}",
            self.state.m.len(),
            params.len()
        );
        self.state.step += 1;
        let coefficients = Coefficients::new(self, self.state.step);
        for (i, (p, g)) in params.iter_mut().zip(grads).enumerate() {
            let (m, v) = (self.state.m[i].make_mut(), self.state.v[i].make_mut());
            fused::apply(
                &coefficients,
                p.value_mut().make_mut(),
                g.as_slice(),
                [m, v],
            );
        }
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn state(&self) -> Vec<(String, Tensor<T>)> {
        let mut out = vec![("step".to_string(), step_tensor(self.state.step))];
        out.extend(named_slots("m", &self.state.m));
        out.extend(named_slots("v", &self.state.v));
        out
    }

    fn load_state(&mut self, state: &[(String, Tensor<T>)]) -> Result<(), StateError> {
        let step = step_from(state)?;
        // One m and one v per parameter: each list must cover the other.
        let m = restore_slots(state, "m", Some(&restore_slots(state, "v", None)?))?;
        let v = restore_slots(state, "v", Some(&m))?;
        self.state = AdamState { step, m, v };
        Ok(())
    }
}

/// The per-step constants of an Adam update, in `T`.
struct Coefficients<T> {
    lr: T,
    beta1: T,
    one_minus_beta1: T,
    beta2: T,
    one_minus_beta2: T,
    epsilon: T,
    weight_decay: Option<T>,
    form: EpsilonForm,
    /// Keras form: `sqrt(1 - beta2^t) / (1 - beta1^t)`.
    step_scale: T,
    /// PyTorch form: `1 / (1 - beta1^t)` and `1 / (1 - beta2^t)`.
    inverse_c1: T,
    inverse_c2: T,
}

impl<T: Float> Coefficients<T> {
    fn new(adam: &Adam<T>, step: u64) -> Self {
        let t = step as f64;
        let (c1, c2) = (1.0 - adam.beta1.powf(t), 1.0 - adam.beta2.powf(t));
        Coefficients {
            lr: T::cast(adam.lr),
            beta1: T::cast(adam.beta1),
            one_minus_beta1: T::cast(1.0 - adam.beta1),
            beta2: T::cast(adam.beta2),
            one_minus_beta2: T::cast(1.0 - adam.beta2),
            epsilon: T::cast(adam.epsilon),
            weight_decay: (adam.weight_decay != 0.0).then(|| T::cast(adam.weight_decay)),
            form: adam.form,
            step_scale: T::cast(c2.sqrt() / c1),
            inverse_c1: T::cast(1.0 / c1),
            inverse_c2: T::cast(1.0 / c2),
        }
    }
}

impl<T: Float> ElementwiseStep<T, 2> for Coefficients<T> {
    /// One parameter's Adam step, in place, in one pass over the weights,
    /// gradient and moments `[m, v]`, with the operations of
    /// [`Adam::update`] in the same order. The branches on the form and on
    /// weight decay are taken once, outside the loop, so that the loop
    /// vectorises (no fused multiply-adds are formed, so the bits do not
    /// depend on the CPU).
    #[inline(always)]
    fn run(&self, w: &mut [T], g: &[T], [m, v]: [&mut [T]; 2]) {
        let k = self;
        let keras = |m: T, v: T| m / (v.sqrt() + k.epsilon) * k.step_scale;
        let pytorch = |m: T, v: T| m * k.inverse_c1 / ((v * k.inverse_c2).sqrt() + k.epsilon);
        match (k.form, k.weight_decay) {
            (EpsilonForm::Keras, None) => each_element(k, w, g, m, v, |w| w, keras),
            (EpsilonForm::PyTorch, None) => each_element(k, w, g, m, v, |w| w, pytorch),
            (EpsilonForm::Keras, Some(d)) => {
                each_element(k, w, g, m, v, |w| w - w * k.lr * d, keras)
            }
            (EpsilonForm::PyTorch, Some(d)) => {
                each_element(k, w, g, m, v, |w| w - w * k.lr * d, pytorch)
            }
        }
    }
}

/// The loop of Adam's step: moments first (flushed to zero when they
/// would be subnormal), then `decay` on the weight, then the step along
/// `direction(m, v)` scaled by the learning rate.
#[inline(always)]
fn each_element<T: Float>(
    k: &Coefficients<T>,
    w: &mut [T],
    g: &[T],
    m: &mut [T],
    v: &mut [T],
    decay: impl Fn(T) -> T,
    direction: impl Fn(T, T) -> T,
) {
    let elements = w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut());
    for (((w, &g), m), v) in elements {
        *m = flush_subnormal(*m * k.beta1 + g * k.one_minus_beta1);
        *v = flush_subnormal(*v * k.beta2 + g * g * k.one_minus_beta2);
        *w = decay(*w);
        *w -= direction(*m, *v) * k.lr;
    }
}

#[cfg(test)]
mod tests {
    use super::super::fused::testing::*;
    use super::super::fused::PARALLEL_CHUNK;
    use super::*;

    /// The fused in-place step and the generic update agree to the bit.
    #[test]
    fn fused_step_matches_generic_update_bitwise() {
        for adam in [
            Adam::<f64>::new(0.01),
            Adam::pytorch(),
            Adam::adamw(0.01, 0.1),
        ] {
            let what = format!("{:?}, weight decay {}", adam.form, adam.weight_decay);
            let mut state = AdamState::default();
            let lr = Tensor::scalar(adam.lr);
            assert_fused_matches_generic(&what, adam.clone(), |w, g| {
                adam.update(&mut state, &[w], &[g], &lr).remove(0)
            });
        }
    }

    /// A parameter large enough to be split over threads gets the same bits
    /// as on one thread and as the generic update.
    #[test]
    fn chunked_step_on_two_threads_matches_one_thread_bitwise() {
        let n = 2 * PARALLEL_CHUNK + 3;
        let w0 = Tensor::from_fn([n], |i| (i as f32 * 0.37).sin());
        let g = Tensor::from_fn([n], |i| (i as f32 * 0.11).cos());
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            let mut param = Param::new("w", w0.clone());
            let mut adam = Adam::<f32>::new(0.01);
            pool.install(|| {
                for _ in 0..3 {
                    adam.step(&mut [&mut param], std::slice::from_ref(&g));
                }
            });
            param.value().clone()
        };
        let (one, two) = (run(1), run(2));
        let mut state = AdamState::default();
        let mut w = w0.clone();
        for _ in 0..3 {
            w = Adam::<f32>::new(0.01)
                .update(
                    &mut state,
                    &[w],
                    std::slice::from_ref(&g),
                    &Tensor::scalar(0.01),
                )
                .remove(0);
        }
        let bits = |t: &Tensor<f32>| t.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&two));
        assert_eq!(bits(&one), bits(&w));
        assert_ne!(bits(&one), bits(&w0));
    }

    /// With a gradient of zero, the moments decay through the subnormal
    /// range in the generic rule; the fused step sets them to zero instead,
    /// and the weights keep the same bits.
    #[test]
    fn fused_step_flushes_subnormal_moments_and_keeps_the_weights() {
        let adam = Adam::<f32>::new(0.01);
        let mut state = AdamState::default();
        let lr = Tensor::scalar(0.01);
        assert_fused_flushes_subnormal_state(
            adam.clone(),
            1200,
            |w, g| {
                let w = adam.update(&mut state, &[w], &[g], &lr).remove(0);
                (w, state.m[0].to_vec())
            },
            |fused| fused.state.m[0].to_vec(),
        );
    }
}
