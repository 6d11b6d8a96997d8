//! Shared by the integration tests: seeded input builders and wrappers around
//! the gradient checker that name the failing case.
//!
//! Each test binary uses only part of this module.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use tapegrad::gradcheck::{gradcheck, gradgradcheck, GradCheck};
use tapegrad::{CustomOp, Tape, Tensor, Var};

/// One shape of each rank from 0 to 3, all small enough for the full Jacobian.
pub const SHAPES: [&[usize]; 4] = [&[], &[4], &[2, 3], &[2, 3, 2]];

/// Elements drawn uniformly from `[low, high)` by a generator seeded with `seed`.
pub fn uniform(shape: &[usize], low: f64, high: f64, seed: u64) -> Tensor<f64> {
    Tensor::rand_uniform(shape, low, high, &mut StdRng::seed_from_u64(seed))
}

/// Values in `[-1.5, 1.5)`, for ops defined everywhere.
pub fn smooth(shape: &[usize], seed: u64) -> Tensor<f64> {
    uniform(shape, -1.5, 1.5, seed)
}

/// Values in `[0.5, 2)`, for `ln`, `sqrt`, `recip`, `pow` and denominators.
pub fn positive(shape: &[usize], seed: u64) -> Tensor<f64> {
    uniform(shape, 0.5, 2.0, seed)
}

/// Distinct values `offset + 0.1 k` for integers `k` around 0, in a seeded
/// order. With `offset` 0.05 every element is 0.05 away from 0, from every
/// multiple of 0.1 and from every other element, so piecewise ops (kinks at
/// 0 or at clamp bounds that are multiples of 0.1) and reductions that pick
/// one element (no ties) are differentiable there. Two tensors built with
/// offsets 0.05 and 0.02 never come within 0.03 of each other.
pub fn spaced(shape: &[usize], offset: f64, seed: u64) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let half = (n / 2) as f64;
    let mut values: Vec<f64> = (0..n).map(|k| offset + 0.1 * (k as f64 - half)).collect();
    values.shuffle(&mut StdRng::seed_from_u64(seed));
    Tensor::from_vec(values, shape).expect("length is the product of the shape")
}

/// A mask of `shape` that is true at positions `i` with `i % 3 != 1`.
pub fn mask(shape: &[usize]) -> Tensor<bool> {
    let n: usize = shape.iter().product();
    Tensor::from_vec((0..n).map(|i| i % 3 != 1).collect(), shape)
        .expect("length is the product of the shape")
}

/// Checks `f` at first order with the default settings, panicking with `what`.
pub fn check_first<F>(what: &str, f: F, inputs: &[Tensor<f64>])
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    if let Err(e) = gradcheck(f, inputs) {
        panic!("{what}: {e}");
    }
}

/// Checks `f` at first and second order with the default settings.
pub fn check_both<F>(what: &str, f: F, inputs: &[Tensor<f64>])
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    if let Err(e) = gradcheck(&f, inputs) {
        panic!("{what}: {e}");
    }
    if let Err(e) = gradgradcheck(&f, inputs) {
        panic!("{what}: {e}");
    }
}

/// For ops that only move or add elements: checks `f` at both orders, and
/// also `sin(f)` at second order, whose vector-Jacobian product depends on
/// the inputs through `f` and its transpose.
pub fn check_linear<F>(what: &str, f: F, inputs: &[Tensor<f64>])
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    check_both(what, &f, inputs);
    if let Err(e) = gradgradcheck(|t, v| f(t, v).sin(), inputs) {
        panic!("sin of {what}: {e}");
    }
}

/// Checks `f` at both orders in fast mode (one random projection), for
/// inputs too large for the full Jacobian.
pub fn check_fast<F>(what: &str, f: F, inputs: &[Tensor<f64>])
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let fast = GradCheck::default().fast();
    if let Err(e) = fast.first_order(&f, inputs) {
        panic!("{what}: {e}");
    }
    if let Err(e) = fast.second_order(&f, inputs) {
        panic!("{what}: {e}");
    }
}

/// Asserts that two tensors have one shape and agree elementwise within `tol`.
#[track_caller]
pub fn assert_close(got: &Tensor<f64>, want: &Tensor<f64>, tol: f64) {
    assert_eq!(got.shape(), want.shape(), "shapes differ");
    for (k, (g, w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "element {k}: got {g}, want {w} (tolerance {tol})\n got: {:?}\nwant: {:?}",
            got.as_slice(),
            want.as_slice()
        );
    }
}

/// A tensor of `shape` from literal row-major data.
#[track_caller]
pub fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape).expect("literal data fits its shape")
}

/// `x sin x`, elementwise, as a custom op: a smooth one-input op whose
/// hand-written VJP uses the input.
pub struct XSinX;

impl CustomOp<f64> for XSinX {
    fn name(&self) -> &str {
        "x_sin_x"
    }
    fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
        inputs[0].map(|x| x * x.sin())
    }
    fn vjp<'t>(
        &self,
        inputs: &[Var<'t, f64>],
        _output: Var<'t, f64>,
        grad: Var<'t, f64>,
    ) -> Vec<Option<Var<'t, f64>>> {
        let x = inputs[0];
        vec![Some(grad * (x.sin() + x * x.cos()))]
    }
}
