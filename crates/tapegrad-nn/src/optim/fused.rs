//! How the optimizers' ordinary steps run: one pass per parameter over its
//! weights, gradient and state buffers, updating them in place, compiled
//! for the CPU's best instruction set (`pulp`'s runtime dispatch) and split
//! over rayon's threads when the parameter is large.
//!
//! Each optimizer writes its per-element rule as an [`ElementwiseStep`];
//! [`apply`] runs it on one parameter. The rule is elementwise, so the bits
//! do not depend on how the parameter is split. The rules repeat the
//! operations of the optimizers' generic `update`, in the same order, so
//! that both give the same bits, except that state buffers which would
//! become subnormal are set to zero ([`flush_subnormal`]).

use tapegrad::Float;

/// A per-element update rule of an optimizer with `N` state buffers.
pub(super) trait ElementwiseStep<T, const N: usize>: Sync {
    /// Updates `w` and `state` in place from the gradient `g`; all slices
    /// have the same length. Implementations are `#[inline(always)]`, so
    /// that [`apply`] compiles the loop under the dispatched instruction
    /// set, and pass the slices to the function holding the loop as
    /// parameters of their own: the compiler knows that parameters do not
    /// overlap, but not the elements of an array, and without that it
    /// leaves the loop scalar.
    fn run(&self, w: &mut [T], g: &[T], state: [&mut [T]; N]);
}

/// A parameter of fewer than twice this many elements is updated on one
/// thread; a larger one is halved until its pieces are.
pub(super) const PARALLEL_CHUNK: usize = 1 << 15;

/// Runs `step` on one parameter: its weights `w`, gradient `g` and state
/// buffers, all of the same length.
pub(super) fn apply<T: Float, const N: usize>(
    step: &impl ElementwiseStep<T, N>,
    w: &mut [T],
    g: &[T],
    state: [&mut [T]; N],
) {
    if w.len() < 2 * PARALLEL_CHUNK || rayon::current_num_threads() == 1 {
        pulp::Arch::new().dispatch(Dispatch { step, w, g, state });
        return;
    }
    let mid = w.len() / 2;
    let (w_low, w_high) = w.split_at_mut(mid);
    let (g_low, g_high) = g.split_at(mid);
    let mut halves = state.map(|s| s.split_at_mut(mid));
    let state_low = halves.each_mut().map(|h| std::mem::take(&mut h.0));
    let state_high = halves.map(|h| h.1);
    rayon::join(
        || apply(step, w_low, g_low, state_low),
        || apply(step, w_high, g_high, state_high),
    );
}

/// One piece of a parameter, as `pulp` hands it to the instruction set it
/// picked.
struct Dispatch<'a, S, T, const N: usize> {
    step: &'a S,
    w: &'a mut [T],
    g: &'a [T],
    state: [&'a mut [T]; N],
}

impl<S: ElementwiseStep<T, N>, T, const N: usize> pulp::WithSimd for Dispatch<'_, S, T, N> {
    type Output = ();

    #[inline(always)]
    fn with_simd<I: pulp::Simd>(self, _: I) {
        self.step.run(self.w, self.g, self.state);
    }
}

/// `x`, or zero if it is subnormal.
///
/// A state buffer (a moment, a velocity, a mean square) whose gradient has
/// become zero or tiny decays geometrically and would spend many steps in
/// the subnormal range, where each arithmetic operation on it costs many
/// times more (the seed model's training step, repeated on one batch, ran
/// 25% slower for it with Adam). The update does not notice: such a value
/// moves a weight by less than a thousandth of an ulp of any weight above
/// 1e-30, and vanishes against an epsilon added to it.
#[inline(always)]
pub(super) fn flush_subnormal<T: Float>(x: T) -> T {
    if x.abs() < T::min_positive_value() {
        T::zero()
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `w += g * s`, `s *= 2`: enough to see every element visited once.
    struct AddScaled;

    impl ElementwiseStep<f32, 1> for AddScaled {
        #[inline(always)]
        fn run(&self, w: &mut [f32], g: &[f32], [s]: [&mut [f32]; 1]) {
            for ((w, &g), s) in w.iter_mut().zip(g).zip(s.iter_mut()) {
                *w += g * *s;
                *s *= 2.0;
            }
        }
    }

    /// A parameter split over threads (in pieces of uneven length) gets
    /// the same bits as on one thread, each element updated exactly once.
    #[test]
    fn split_over_threads_matches_one_thread_bitwise() {
        let n = 4 * PARALLEL_CHUNK + 5;
        let g: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            let mut w: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let mut s = vec![1.5f32; n];
            pool.install(|| {
                for _ in 0..3 {
                    apply(&AddScaled, &mut w, &g, [&mut s]);
                }
            });
            (w, s)
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        assert!(
            two.1.iter().all(|&s| s == 12.0),
            "each element scaled 3 times"
        );
        let expected_w0 = (0.0f32 + 1.0 * 1.5) + 1.0 * 3.0 + 1.0 * 6.0;
        assert_eq!(two.0[0], expected_w0);
    }

    #[test]
    fn flush_subnormal_zeroes_only_subnormals() {
        let tiny = f32::MIN_POSITIVE / 4.0;
        assert!(tiny.is_subnormal());
        assert_eq!(flush_subnormal(tiny), 0.0);
        assert_eq!(flush_subnormal(-tiny), 0.0);
        assert_eq!(flush_subnormal(f32::MIN_POSITIVE), f32::MIN_POSITIVE);
        assert_eq!(flush_subnormal(-0.5f64), -0.5);
    }
}

/// Checks shared by the optimizers' tests of their fused steps.
#[cfg(test)]
pub(super) mod testing {
    use tapegrad::Tensor;

    use super::super::Optimizer;
    use crate::module::Param;

    fn bits(t: &Tensor<f64>) -> Vec<u64> {
        t.as_slice().iter().map(|x| x.to_bits()).collect()
    }

    /// Four steps of `fused`'s ordinary step and of `generic` (its
    /// update on tensors: weights and gradient to new weights) from the
    /// same weights give the same bits; `what` names the case.
    pub fn assert_fused_matches_generic<O: Optimizer<f64>>(
        what: &str,
        mut fused: O,
        mut generic: impl FnMut(Tensor<f64>, Tensor<f64>) -> Tensor<f64>,
    ) {
        let w0 = Tensor::from_fn([5], |i| i as f64 * 0.3 - 0.7);
        let mut param = Param::new("w", w0.clone());
        let mut w = w0;
        for step in 0..4 {
            let g = Tensor::from_fn([5], |i| ((i + step) as f64 * 1.3).sin());
            fused.step(&mut [&mut param], std::slice::from_ref(&g));
            w = generic(w, g);
            assert_eq!(bits(param.value()), bits(&w), "{what}, step {step}");
        }
    }

    /// `steps` steps with a gradient at the first only. The state buffer
    /// that `generic` returns beside the new weights passes through
    /// subnormals as it decays; the fused step's (`fused_state`) equals it
    /// while it is normal, is never subnormal and ends at zero; the
    /// weights keep the same bits throughout.
    pub fn assert_fused_flushes_subnormal_state<O: Optimizer<f32>>(
        mut fused: O,
        steps: usize,
        mut generic: impl FnMut(Tensor<f32>, Tensor<f32>) -> (Tensor<f32>, Vec<f32>),
        fused_state: impl Fn(&O) -> Vec<f32>,
    ) {
        let w0 = Tensor::from_vec(vec![0.5f32, -1.5], [2]).unwrap();
        let mut param = Param::new("w", w0.clone());
        let mut w = w0;
        let mut saw_subnormal = false;
        for step in 0..steps {
            let g = if step == 0 {
                Tensor::from_vec(vec![1e-3f32, -2e-3], [2]).unwrap()
            } else {
                Tensor::zeros([2])
            };
            fused.step(&mut [&mut param], std::slice::from_ref(&g));
            let (new_w, generic_state) = generic(w, g);
            w = new_w;
            saw_subnormal |= generic_state.iter().any(|x| x.is_subnormal());
            for (fused_x, generic_x) in fused_state(&fused).into_iter().zip(generic_state) {
                assert!(!fused_x.is_subnormal(), "step {step}: {fused_x:e}");
                if generic_x.is_normal() {
                    assert_eq!(fused_x, generic_x, "step {step}");
                }
            }
            assert_eq!(param.value().as_slice(), w.as_slice(), "step {step}");
        }
        assert!(
            saw_subnormal,
            "the generic state should pass through subnormals"
        );
        assert_eq!(fused_state(&fused), vec![0.0, 0.0]);
    }
}
