//! Shared by the nn integration tests: seeded inputs, and a wrapper around
//! the core's gradient checker that runs both orders, names the failing case
//! and refuses vacuous checks (an input the output does not depend on).
//!
//! Each test binary uses only part of this module.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::gradcheck::GradCheck;
use tapegrad::{Tape, Tensor, Var};
use tapegrad_nn::{Bound, Param};

/// A tensor from literal data.
pub fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape).expect("length is the product of the shape")
}

/// Elements drawn uniformly from `[low, high)` by a generator seeded with `seed`.
pub fn uniform(shape: &[usize], low: f64, high: f64, seed: u64) -> Tensor<f64> {
    Tensor::rand_uniform(shape, low, high, &mut StdRng::seed_from_u64(seed))
}

/// Values in `[-1.5, 1.5)` that keep at least `0.2` away from 0, for
/// activations with a kink at 0.
pub fn off_zero(shape: &[usize], seed: u64) -> Tensor<f64> {
    uniform(shape, -1.3, 1.3, seed).map(|v| v + 0.2 * v.signum())
}

/// The checker's tolerances for these tests: tighter than its defaults,
/// which f64 central differences with eps 1e-6 easily meet on smooth maps.
pub fn checker() -> GradCheck {
    GradCheck::default().atol(1e-7).rtol(1e-5)
}

/// Checks `f` at `inputs` at first and second order, after making sure the
/// check is not vacuous: every input must receive a nonzero gradient.
pub fn check_both<F>(what: &str, f: F, inputs: &[Tensor<f64>])
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    assert_depends_on_every_input(what, &f, inputs);
    if let Err(e) = checker().first_order(&f, inputs) {
        panic!("{what}: first-order check failed: {e}");
    }
    if let Err(e) = checker().second_order(&f, inputs) {
        panic!("{what}: second-order check failed: {e}");
    }
}

/// Panics unless each input gets a gradient with some nonzero element (for
/// an output weighting that is nowhere zero).
pub fn assert_depends_on_every_input<F>(what: &str, f: &F, inputs: &[Tensor<f64>])
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let tape = Tape::new();
    let vars: Vec<Var<'_, f64>> = inputs.iter().map(|x| tape.var(x.clone())).collect();
    let out = f(&tape, &vars);
    let seed = Tensor::from_fn(out.shape(), |k| 1.0 + 0.37 * (k % 5) as f64);
    let grads = out.backward_with(seed);
    for (i, x) in vars.iter().enumerate() {
        assert!(
            grads[*x].as_slice().iter().any(|g| *g != 0.0),
            "{what}: the output does not depend on input {i}, so its check would be vacuous"
        );
    }
}

/// A [`Bound`] with `params[k]` bound to `vars[k]`, so that the checker's
/// input vars are the parameters.
pub fn bind<'t>(
    tape: &'t Tape<f64>,
    params: &[&Param<f64>],
    vars: &[Var<'t, f64>],
) -> Bound<'t, f64> {
    assert_eq!(params.len(), vars.len(), "one var per parameter");
    let bound = Bound::new(tape);
    for (p, v) in params.iter().zip(vars) {
        bound.set(p, *v);
    }
    bound
}

/// Asserts that two slices agree elementwise within `tol` (absolute).
pub fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{what}: element {i} is {g}, want {w} (difference {:e}, tolerance {tol:e})",
            (g - w).abs()
        );
    }
}
