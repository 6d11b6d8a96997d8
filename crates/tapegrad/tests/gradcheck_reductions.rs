//! Finite-difference checks, at first and second order, of the reductions:
//! sums and means over any set of axes, maxima and minima (away from ties),
//! log-sum-exp, softmax and log-softmax along every axis.

mod common;

use common::{check_both, smooth, spaced, SHAPES};

/// Every non-empty set of axes of a tensor of rank `ndim`, then the empty
/// set (which reduces over all axes).
fn axis_sets(ndim: usize) -> Vec<Vec<usize>> {
    let mut sets: Vec<Vec<usize>> = (1..1usize << ndim)
        .map(|bits| (0..ndim).filter(|a| bits & (1 << a) != 0).collect())
        .collect();
    sets.push(Vec::new());
    sets
}

#[test]
fn axis_sets_cover_every_subset() {
    assert_eq!(
        axis_sets(2),
        vec![vec![0], vec![1], vec![0, 1], Vec::<usize>::new()]
    );
    assert_eq!(axis_sets(3).len(), 8);
}

#[test]
fn sum_and_mean_of_everything() {
    for (seed, shape) in SHAPES.iter().enumerate() {
        let x = [smooth(shape, seed as u64)];
        check_both(&format!("sum of {shape:?}"), |_, v| v[0].sum(), &x);
        check_both(&format!("mean of {shape:?}"), |_, v| v[0].mean(), &x);
    }
}

#[test]
fn sum_axes_and_mean_axes_over_every_axis_set() {
    for (seed, shape) in SHAPES.iter().enumerate() {
        let x = [smooth(shape, 10 + seed as u64)];
        for axes in axis_sets(shape.len()) {
            for keepdim in [false, true] {
                let what = |op: &str| format!("{op} of {shape:?} over {axes:?}, keepdim {keepdim}");
                check_both(&what("sum_axes"), |_, v| v[0].sum_axes(&axes, keepdim), &x);
                check_both(
                    &what("mean_axes"),
                    |_, v| v[0].mean_axes(&axes, keepdim),
                    &x,
                );
            }
        }
    }
}

#[test]
fn sums_feed_nonlinear_ops() {
    // The gradient of a reduction is broadcast back; squaring afterwards makes
    // the second-order check depend on the input too.
    let x = [smooth(&[2, 3, 2], 20)];
    check_both(
        "square of sum over [0, 2]",
        |_, v| v[0].sum_axes(&[0, 2], true).square() * v[0],
        &x,
    );
    check_both(
        "exp of mean over [1]",
        |_, v| v[0].mean_axes(&[1], false).exp(),
        &x,
    );
}

#[test]
fn max_axes_and_min_axes_without_ties() {
    for (seed, shape) in SHAPES.iter().enumerate() {
        let x = [spaced(shape, 0.05, 30 + seed as u64)];
        for axes in axis_sets(shape.len()) {
            for keepdim in [false, true] {
                let what = |op: &str| format!("{op} of {shape:?} over {axes:?}, keepdim {keepdim}");
                check_both(&what("max_axes"), |_, v| v[0].max_axes(&axes, keepdim), &x);
                check_both(&what("min_axes"), |_, v| v[0].min_axes(&axes, keepdim), &x);
            }
        }
    }
}

#[test]
fn max_of_a_nonlinear_function() {
    // The winner's gradient must be the chain through its own element:
    // squaring makes that element's slope differ from every other's (after a
    // shift that keeps the squares distinct).
    let x = [spaced(&[2, 3], 0.05, 40)];
    check_both(
        "max of square",
        |_, v| (v[0] + 2.0).square().max_axes(&[1], false) * 3.0,
        &x,
    );
    check_both("min of exp", |_, v| v[0].exp().min_axes(&[0], true), &x);
}

#[test]
fn logsumexp_along_every_axis() {
    for (seed, shape) in SHAPES.iter().enumerate().skip(1) {
        let x = [smooth(shape, 50 + seed as u64)];
        for axis in 0..shape.len() {
            for keepdim in [false, true] {
                check_both(
                    &format!("logsumexp of {shape:?} along {axis}, keepdim {keepdim}"),
                    |_, v| v[0].logsumexp(axis, keepdim),
                    &x,
                );
            }
        }
    }
}

#[test]
fn softmax_and_log_softmax_along_every_axis() {
    for (seed, shape) in SHAPES.iter().enumerate().skip(1) {
        let x = [smooth(shape, 60 + seed as u64)];
        for axis in 0..shape.len() {
            let what = |op: &str| format!("{op} of {shape:?} along {axis}");
            check_both(&what("softmax"), |_, v| v[0].softmax(axis), &x);
            check_both(&what("log_softmax"), |_, v| v[0].log_softmax(axis), &x);
        }
    }
}

#[test]
fn softmax_of_a_shifted_and_scaled_input() {
    // Large, spread-out logits: the probabilities are far from uniform.
    let x = [smooth(&[3, 4], 70).mul_scalar(4.0)];
    check_both(
        "weighted log_softmax",
        |_, v| (v[0].log_softmax(1) * v[0]).sum_axes(&[1], false),
        &x,
    );
    check_both(
        "softmax of a product",
        |_, v| (v[0] * v[1]).softmax(0),
        &[x[0].clone(), smooth(&[4], 71)],
    );
}
