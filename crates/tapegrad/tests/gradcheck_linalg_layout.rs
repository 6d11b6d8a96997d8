//! Finite-difference checks, at first and second order, of matrix products
//! (plain, batched, batch-broadcast, transposed) and of every op that moves
//! elements: reshape, permute, transpose, broadcast_to, sum_to, narrow, pad,
//! concat, stack, unsqueeze and the four indexing ops, with repeated indices.

mod common;

use common::{check_both, check_fast, check_linear, smooth, SHAPES};
use tapegrad::{Tensor, Var};

/// A tensor of indices from literal data.
fn idx(data: &[usize], shape: &[usize]) -> Tensor<usize> {
    Tensor::from_vec(data.to_vec(), shape).expect("literal indices fit their shape")
}

#[test]
fn matmul_plain_batched_and_broadcast() {
    let cases: [(&[usize], &[usize]); 7] = [
        (&[2, 3], &[3, 4]),
        (&[3, 1], &[1, 4]),
        (&[1, 3], &[3, 1]),
        (&[2, 2, 3], &[2, 3, 2]),
        (&[2, 3, 4], &[4, 5]),
        (&[3, 4], &[2, 4, 2]),
        (&[1, 3, 4], &[2, 4, 5]),
    ];
    for (k, (sa, sb)) in cases.into_iter().enumerate() {
        let (a, b) = (smooth(sa, 2 * k as u64), smooth(sb, 2 * k as u64 + 1));
        check_both(
            &format!("matmul of {sa:?} by {sb:?}"),
            |_, v| v[0].matmul(v[1]),
            &[a.clone(), b.clone()],
        );
        // Squared, so the second-order check also sees each operand's
        // gradient depend on both.
        check_both(
            &format!("square of matmul of {sa:?} by {sb:?}"),
            |_, v| v[0].matmul(v[1]).square(),
            &[a, b],
        );
    }
}

#[test]
fn matmul_of_a_var_with_itself() {
    let a = [smooth(&[3, 3], 20)];
    check_both("a · a", |_, v| v[0].matmul(v[0]), &a);
    check_both(
        "a^T · a",
        |_, v| v[0].matmul_transposed(v[0], true, false),
        &a,
    );
}

#[test]
fn matmul_transposed_all_flag_combinations() {
    let (m, k, n) = (2, 3, 4);
    for ta in [false, true] {
        for tb in [false, true] {
            let sa: Vec<usize> = if ta { vec![k, m] } else { vec![m, k] };
            let sb: Vec<usize> = if tb { vec![n, k] } else { vec![k, n] };
            let what = format!("matmul_transposed({ta}, {tb}) of {sa:?} by {sb:?}");
            check_both(
                &what,
                |_, v| v[0].matmul_transposed(v[1], ta, tb).tanh(),
                &[smooth(&sa, 21), smooth(&sb, 22)],
            );
            // Batched on the left only: the right operand's gradient sums over the batch.
            let batched: Vec<usize> = [&[2][..], &sa].concat();
            check_both(
                &format!("batched {what}"),
                |_, v| v[0].matmul_transposed(v[1], ta, tb).tanh(),
                &[smooth(&batched, 23), smooth(&sb, 24)],
            );
        }
    }
}

#[test]
fn matmul_transposed_agrees_with_explicit_transposes() {
    // Not a gradient check: the flags must mean what they say, or the checks
    // above would pass for a consistently wrong product.
    let tape = tapegrad::Tape::new();
    let a = tape.var(smooth(&[3, 2], 25));
    let b = tape.var(smooth(&[4, 3], 26));
    let flagged = a.matmul_transposed(b, true, true).value();
    let explicit = a.transpose(0, 1).matmul(b.transpose(0, 1)).value();
    common::assert_close(&flagged, &explicit, 1e-14);
}

#[test]
fn reshape_permute_transpose() {
    let reshapes: [(&[usize], &[usize]); 6] = [
        (&[], &[1, 1]),
        (&[4], &[2, 2]),
        (&[2, 3], &[3, 2]),
        (&[2, 3], &[6]),
        (&[2, 3, 2], &[4, 3]),
        (&[2, 3, 2], &[12]),
    ];
    for (k, (from, to)) in reshapes.into_iter().enumerate() {
        check_linear(
            &format!("reshape {from:?} to {to:?}"),
            |_, v| v[0].reshape(to),
            &[smooth(from, k as u64)],
        );
    }
    let permutes: [(&[usize], &[usize]); 6] = [
        (&[], &[]),
        (&[4], &[0]),
        (&[2, 3], &[1, 0]),
        (&[2, 3, 2], &[2, 0, 1]),
        (&[2, 3, 2], &[1, 2, 0]),
        (&[2, 3, 2], &[0, 2, 1]),
    ];
    for (k, (shape, axes)) in permutes.into_iter().enumerate() {
        check_linear(
            &format!("permute {shape:?} by {axes:?}"),
            |_, v| v[0].permute(axes),
            &[smooth(shape, 10 + k as u64)],
        );
    }
    let transposes: [(&[usize], usize, usize); 4] = [
        (&[2, 3], 0, 1),
        (&[2, 3, 2], 0, 2),
        (&[2, 3, 2], 2, 1),
        (&[2, 3, 2], 1, 1),
    ];
    for (k, (shape, a, b)) in transposes.into_iter().enumerate() {
        check_linear(
            &format!("transpose {shape:?} axes {a}, {b}"),
            |_, v| v[0].transpose(a, b),
            &[smooth(shape, 20 + k as u64)],
        );
    }
}

#[test]
fn broadcast_to_and_sum_to() {
    let broadcasts: [(&[usize], &[usize]); 6] = [
        (&[], &[2, 3]),
        (&[3], &[2, 3]),
        (&[2, 1], &[2, 3]),
        (&[2, 1, 2], &[2, 3, 2]),
        (&[1, 3, 1], &[2, 3, 2]),
        (&[4], &[4]),
    ];
    for (k, (from, to)) in broadcasts.into_iter().enumerate() {
        check_linear(
            &format!("broadcast_to {from:?} to {to:?}"),
            |_, v| v[0].broadcast_to(to),
            &[smooth(from, 30 + k as u64)],
        );
        // sum_to is the adjoint: it takes the broadcast shape back down.
        check_linear(
            &format!("sum_to {to:?} to {from:?}"),
            |_, v| v[0].sum_to(from),
            &[smooth(to, 40 + k as u64)],
        );
    }
}

#[test]
fn narrow_and_pad() {
    let narrows: [(&[usize], usize, usize, usize); 6] = [
        (&[4], 0, 1, 2),
        (&[4], 0, 0, 4),
        (&[2, 3], 1, 1, 2),
        (&[2, 3], 0, 0, 1),
        (&[2, 3, 2], 1, 0, 2),
        (&[2, 3, 2], 2, 1, 1),
    ];
    for (k, (shape, axis, start, len)) in narrows.into_iter().enumerate() {
        check_linear(
            &format!("narrow {shape:?} axis {axis} from {start} by {len}"),
            |_, v| v[0].narrow(axis, start, len),
            &[smooth(shape, 50 + k as u64)],
        );
    }
    let pads: [(&[usize], usize, usize, usize); 5] = [
        (&[4], 0, 1, 2),
        (&[2, 3], 1, 2, 0),
        (&[2, 3], 0, 0, 1),
        (&[2, 3, 2], 1, 1, 1),
        (&[2, 3, 2], 2, 0, 2),
    ];
    for (k, (shape, axis, before, after)) in pads.into_iter().enumerate() {
        check_linear(
            &format!("pad {shape:?} axis {axis} by {before}, {after}"),
            |_, v| v[0].pad(axis, before, after),
            &[smooth(shape, 60 + k as u64)],
        );
    }
}

#[test]
fn concat_stack_unsqueeze() {
    let concats: [(&[&[usize]], usize); 5] = [
        (&[&[2], &[3], &[1]], 0),
        (&[&[2, 3], &[1, 3]], 0),
        (&[&[2, 1], &[2, 3]], 1),
        (&[&[2, 1, 2], &[2, 2, 2]], 1),
        (&[&[2, 3, 1], &[2, 3, 2], &[2, 3, 1]], 2),
    ];
    for (k, (shapes, axis)) in concats.into_iter().enumerate() {
        let inputs: Vec<Tensor<f64>> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| smooth(s, 70 + 3 * k as u64 + i as u64))
            .collect();
        check_linear(
            &format!("concat of {shapes:?} along {axis}"),
            |_, v| Var::concat(v, axis),
            &inputs,
        );
    }
    check_linear(
        "concat of a var with itself",
        |_, v| Var::concat(&[v[0], v[1], v[0]], 1),
        &[smooth(&[2, 2], 90), smooth(&[2, 1], 91)],
    );
    for (k, shape) in SHAPES.iter().enumerate() {
        for axis in 0..=shape.len() {
            let inputs = [
                smooth(shape, 100 + 2 * k as u64),
                smooth(shape, 101 + 2 * k as u64),
            ];
            check_linear(
                &format!("stack of two {shape:?} along {axis}"),
                |_, v| Var::stack(&[v[0], v[1], v[0]], axis),
                &inputs,
            );
            check_linear(
                &format!("unsqueeze {shape:?} at {axis}"),
                |_, v| v[0].unsqueeze(axis),
                &inputs[..1],
            );
        }
    }
}

#[test]
fn index_select_and_index_add_with_repeats() {
    let selects: [(&[usize], usize, &[usize]); 6] = [
        (&[4], 0, &[3, 1, 3, 0, 3]),
        (&[2, 3], 1, &[2, 2, 0]),
        (&[2, 3], 0, &[1, 1, 0, 1]),
        (&[2, 3, 2], 2, &[1, 1, 0]),
        (&[2, 3, 2], 1, &[0, 2, 0, 2]),
        (&[2, 3, 2], 0, &[1]),
    ];
    for (k, (shape, axis, indices)) in selects.into_iter().enumerate() {
        check_linear(
            &format!("index_select {shape:?} axis {axis} at {indices:?}"),
            |_, v| v[0].index_select(axis, indices),
            &[smooth(shape, 110 + k as u64)],
        );
    }
    let adds: [(&[usize], usize, &[usize], usize); 5] = [
        (&[4], 0, &[1, 1, 0, 2], 3),
        (&[4], 0, &[5, 5, 5, 5], 6),
        (&[2, 3], 1, &[0, 0, 2], 4),
        (&[2, 3], 0, &[1, 1], 2),
        (&[2, 3, 2], 1, &[1, 1, 1], 2),
    ];
    for (k, (shape, axis, indices, len)) in adds.into_iter().enumerate() {
        check_linear(
            &format!("index_add {shape:?} axis {axis} into {indices:?} of {len}"),
            |_, v| v[0].index_add(axis, indices, len),
            &[smooth(shape, 120 + k as u64)],
        );
    }
}

#[test]
fn gather_and_scatter_add_with_repeats() {
    let gathers = [
        (vec![4], 0, idx(&[3, 3, 0, 1, 1, 1], &[6])),
        (vec![2, 3], 1, idx(&[2, 0, 2, 2, 1, 1, 0, 1], &[2, 4])),
        (vec![2, 3], 0, idx(&[1, 1, 0, 1, 0, 1, 1, 1, 1], &[3, 3])),
        (
            vec![2, 3, 2],
            2,
            idx(&[1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1], &[2, 3, 2]),
        ),
        (vec![2, 3, 2], 1, idx(&[2, 2, 0, 2], &[2, 1, 2])),
    ];
    for (k, (shape, axis, index)) in gathers.iter().enumerate() {
        check_linear(
            &format!("gather {shape:?} axis {axis} by {:?}", index.as_slice()),
            |_, v| v[0].gather(*axis, index),
            &[smooth(shape, 130 + k as u64)],
        );
    }
    // scatter_add: the source has the index's shape; `len` is the output's size along `axis`.
    let scatters = [
        (0, idx(&[0, 2, 0, 0], &[4]), 3),
        (1, idx(&[1, 1, 0, 2, 0, 2], &[2, 3]), 3),
        (1, idx(&[3, 3, 3, 0, 3, 3], &[2, 3]), 4),
        (0, idx(&[2, 2, 0, 2, 2, 2], &[2, 3]), 3),
        (2, idx(&[0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0], &[2, 3, 2]), 2),
    ];
    for (k, (axis, index, len)) in scatters.iter().enumerate() {
        check_linear(
            &format!(
                "scatter_add axis {axis} by {:?} of {:?} into {len}",
                index.as_slice(),
                index.shape()
            ),
            |_, v| v[0].scatter_add(*axis, index, *len),
            &[smooth(index.shape(), 140 + k as u64)],
        );
    }
}

#[test]
fn a_small_classifier_in_fast_mode() {
    // Inputs too large for the full Jacobian at second order: a two-layer
    // network with a cross-entropy loss, checked through one projection.
    let labels = idx(&[2, 0, 3, 3, 1, 0], &[6, 1]);
    check_fast(
        "classifier loss",
        |_, v| {
            let (x, w1, b1, w2) = (v[0], v[1], v[2], v[3]);
            let hidden = (x.matmul(w1) + b1).tanh();
            let logits = hidden.matmul_transposed(w2, false, true);
            -logits.log_softmax(1).gather(1, &labels).mean()
        },
        &[
            smooth(&[6, 8], 150),
            smooth(&[8, 10], 151).mul_scalar(0.5),
            smooth(&[10], 152),
            smooth(&[4, 10], 153).mul_scalar(0.5),
        ],
    );
}
