//! What gradients mean: accumulation over every use, zero gradients for
//! leaves that take no part, constants, `no_grad` and `detach`, gradients
//! that are vars again, and repeatable backward passes.

mod common;

use common::{assert_close, t};
use tapegrad::{Tape, Tensor, Var};

#[test]
fn a_var_used_many_times_accumulates() {
    let tape = Tape::new();
    let x = tape.var(t(&[1.0, 2.0, 3.0], &[3]));
    // d/dx [x*x + 3x + x + 2 sum(x)] = 2x + 3 + 1 + 2.
    let y = (x * x + x * 3.0 + x).sum() + x.sum() * 2.0;
    assert_eq!(y.backward()[x].to_vec(), vec![8.0, 10.0, 12.0]);
    // Every copy of x in a concatenation sends its slice of the gradient back.
    let w = t(
        &[1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 100.0, 200.0, 300.0],
        &[9],
    );
    let z = (Var::concat(&[x, x, x], 0) * &w).sum();
    assert_eq!(z.backward()[x].to_vec(), vec![111.0, 222.0, 333.0]);
    // And through a broadcast: each element of x is used twice.
    let b = (x.broadcast_to([2, 3]) * x).sum();
    assert_eq!(b.backward()[x].to_vec(), vec![4.0, 8.0, 12.0]);
}

#[test]
fn accumulation_also_holds_in_recorded_gradients() {
    let tape = Tape::new();
    let x = tape.var(Tensor::scalar(1.5));
    let y = x * x.exp() + x.sin() * x;
    let d1 = tape.grad(y, &[x])[0];
    // y' = e^x (1 + x) + cos x · x + sin x.
    let xv = 1.5f64;
    let want = xv.exp() * (1.0 + xv) + xv.cos() * xv + xv.sin();
    assert!((d1.value().item() - want).abs() < 1e-12);
    assert!((y.backward()[x].item() - want).abs() < 1e-12);
}

#[test]
fn a_leaf_that_takes_no_part_gets_zeros() {
    let tape = Tape::new();
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    let unused = tape.var(t(&[5.0, 6.0, 7.0], &[3]));
    let y = x.exp().sum();
    let grads = y.backward();
    assert_eq!(grads[unused], Tensor::zeros([3]));
    // A leaf whose only path to the output is through detach is unused too.
    let z = (x * unused.detach().sum()).sum();
    assert_eq!(z.backward()[unused], Tensor::zeros([3]));
    // tape.grad gives a zero constant for it, usable in further arithmetic.
    let g = tape.grad(y, &[unused])[0];
    assert_eq!(g.value(), Tensor::zeros([3]));
    assert!(!g.requires_grad());
}

#[test]
fn constants_get_no_gradient_and_record_nothing_to_differentiate() {
    let tape = Tape::new();
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    let c = tape.constant(t(&[3.0, 4.0], &[2]));
    assert!(!c.requires_grad());
    let cc = c * c + 1.0;
    assert!(!cc.requires_grad(), "ops on constants only are constants");
    let y = (x * cc).sum();
    let grads = y.backward();
    assert_eq!(grads[x].to_vec(), vec![10.0, 17.0]);
    assert!(grads.get(c).is_none());
    assert!(grads.get(cc).is_none());
    // A constant tensor mixed into arithmetic is lifted as a constant too.
    let lifted = (x * &t(&[2.0, 2.0], &[2])).sum();
    assert_eq!(lifted.backward()[x].to_vec(), vec![2.0, 2.0]);
    // tape.grad with respect to a constant is a zero constant.
    let dc = tape.grad(y, &[c])[0];
    assert_eq!(dc.value(), Tensor::zeros([2]));
    assert!(!dc.requires_grad());
}

#[test]
fn no_grad_records_constants() {
    let tape = Tape::new();
    let x = tape.var(t(&[0.5, -1.0], &[2]));
    let y = tape.no_grad(|| {
        assert!(!tape.is_recording());
        // Nested no_grad restores "not recording", not "recording".
        let inner = tape.no_grad(|| x * 3.0);
        assert!(!tape.is_recording());
        x.exp() * 2.0 + inner
    });
    assert!(tape.is_recording());
    assert!(!y.requires_grad());
    // y acts as a constant: only the direct x term is differentiated.
    let grads = (x * y + x).sum().backward();
    assert_eq!(grads[x], &y.value() + &Tensor::ones([2]));
    assert!(grads.get(y).is_none());
}

#[test]
fn no_grad_restores_recording_after_a_panic() {
    let tape = Tape::<f64>::new();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tape.no_grad(|| panic!("inside no_grad"));
    }));
    assert!(caught.is_err());
    assert!(tape.is_recording());
}

#[test]
fn detach_stops_gradients() {
    let tape = Tape::new();
    let x = tape.var(t(&[3.0, -2.0], &[2]));
    let d = x.detach();
    assert!(!d.requires_grad());
    assert_eq!(d.value(), x.value());
    // d/dx (x * stop(x)) = stop(x), not 2x.
    let grads = (x * d).sum().backward();
    assert_eq!(grads[x].to_vec(), vec![3.0, -2.0]);
    assert!(grads.get(d).is_none());
    // Detaching an intermediate cuts everything behind it.
    let h = x.exp().detach();
    assert_eq!((h * 2.0).sum().backward()[x], Tensor::zeros([2]));
}

#[test]
fn recorded_gradients_are_differentiable_vars() {
    let tape = Tape::new();
    let x = tape.var(t(&[0.5, 2.0], &[2]));
    let y = x.powf(4.0).sum();
    let d1 = tape.grad(y, &[x])[0];
    assert!(d1.requires_grad());
    let d2 = tape.grad(d1.sum(), &[x])[0];
    let d3 = tape.grad(d2.sum(), &[x])[0];
    assert_close(&d3.value(), &t(&[12.0, 48.0], &[2]), 1e-12);
    // A gradient can enter a new loss, e.g. a gradient penalty |∇y|^2,
    // whose own gradient is 2 (4x^3)(12x^2) = 96 x^5.
    let penalty = d1.square().sum();
    let grads = penalty.backward();
    assert_close(
        &grads[x],
        &t(&[96.0 * 0.5f64.powi(5), 96.0 * 32.0], &[2]),
        1e-12,
    );
}

#[test]
fn a_scalar_that_depends_on_no_var_gives_zero_grads() {
    let tape = Tape::new();
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    let w = tape.var(t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]));
    let c = tape.constant(Tensor::scalar(2.0));
    let y = (c * c).exp();
    assert!(!y.requires_grad());
    let grads = y.backward();
    assert_eq!(grads[x], Tensor::zeros([2]));
    assert_eq!(grads[w], Tensor::zeros([2, 2]));
    assert!(grads.get(c).is_none());
    let recorded = tape.grad(y, &[x, w]);
    assert_eq!(recorded[0].value(), Tensor::zeros([2]));
    assert_eq!(recorded[1].value(), Tensor::zeros([2, 2]));
}

#[test]
fn backward_is_repeatable() {
    let tape = Tape::new();
    let x = tape.var(common::smooth(&[3, 4], 1));
    let w = tape.var(common::smooth(&[4, 2], 2));
    let y = x.matmul(w).tanh().log_softmax(1).sum() + (x * x).mean();
    let first = y.backward();
    let second = y.backward();
    for v in [x, w] {
        let bits = |g: &Tensor<f64>| g.as_slice().iter().map(|e| e.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&first[v]), bits(&second[v]));
    }
    // Recording more ops (here a recorded gradient) does not change it.
    let _ = tape.grad(y, &[x, w]);
    let third = y.backward();
    assert_eq!(first[x], third[x]);
    assert_eq!(first[w], third[w]);
}

#[test]
fn backward_with_a_seed_weights_the_outputs() {
    let tape = Tape::new();
    let x = tape.var(t(&[1.0, 2.0, 3.0], &[3]));
    let y = x.square();
    let grads = y.backward_with(t(&[1.0, 0.0, -1.0], &[3]));
    assert_eq!(grads[x].to_vec(), vec![2.0, 0.0, -6.0]);
    // A one-element output of any rank is a scalar for backward.
    let z = x.sum_axes(&[0], true).reshape([1, 1]);
    assert_eq!(z.backward()[x].to_vec(), vec![1.0; 3]);
}

#[test]
fn removing_a_gradient_takes_it_out() {
    let tape = Tape::new();
    let x = tape.var(t(&[1.0, -1.0], &[2]));
    let mut grads = (x * 3.0).sum().backward();
    assert_eq!(grads.remove(x), Some(t(&[3.0, 3.0], &[2])));
    assert!(grads.get(x).is_none());
    assert!(grads.remove(x).is_none());
}

#[test]
fn piecewise_ops_at_their_kinks_follow_the_documented_conventions() {
    let tape = Tape::new();
    let x = tape.var(t(&[-1.0, 0.0, 1.0], &[3]));
    let grad = |y: Var<'_, f64>| y.sum().backward()[x].to_vec();
    // abs and relu have slope 0 at 0; leaky_relu has slope alpha there.
    assert_eq!(grad(x.abs()), vec![-1.0, 0.0, 1.0]);
    assert_eq!(grad(x.relu()), vec![0.0, 0.0, 1.0]);
    assert_eq!(grad(x.leaky_relu(0.25)), vec![0.25, 0.25, 1.0]);
    // clamp passes the gradient on its closed interval, bounds included.
    assert_eq!(grad(x.clamp(-1.0, 0.5)), vec![1.0, 1.0, 0.0]);
    assert_eq!(grad(x.clamp(0.0, 1.0)), vec![0.0, 1.0, 1.0]);
    // Ties share the gradient equally.
    let y = tape.var(t(&[0.0, 0.0, 2.0], &[3]));
    let g = x.maximum(y).sum().backward();
    assert_eq!(
        (g[x].to_vec(), g[y].to_vec()),
        (vec![0.0, 0.5, 0.0], vec![1.0, 0.5, 1.0])
    );
    let g = x.minimum(y).sum().backward();
    assert_eq!(
        (g[x].to_vec(), g[y].to_vec()),
        (vec![1.0, 0.5, 1.0], vec![0.0, 0.5, 0.0])
    );
    let m = tape.var(t(&[3.0, 1.0, 3.0, 2.0, 2.0, 2.0], &[2, 3]));
    let g = m.max_axes(&[1], false).sum().backward();
    assert_eq!(
        g[m].to_vec(),
        vec![0.5, 0.0, 0.5, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]
    );
    let g = m.min_axes(&[0], true).sum().backward();
    assert_eq!(g[m].to_vec(), vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
}

#[test]
fn an_output_that_is_an_input() {
    common::check_both("identity", |_, v| v[0], &[common::smooth(&[2, 3], 3)]);
    let tape = Tape::new();
    let x = tape.var(Tensor::scalar(2.0));
    assert_eq!(x.backward()[x].item(), 1.0);
    let d = tape.grad(x, &[x])[0];
    assert_eq!(d.value().item(), 1.0);
}

#[test]
fn pow_at_zero_takes_the_limits_not_nan() {
    let tape = Tape::new();
    let a = tape.var(Tensor::<f64>::from_vec(vec![0.0, 0.0, 2.0], [3]).unwrap());
    let b = tape.var(Tensor::<f64>::from_vec(vec![0.0, 2.0, 0.0], [3]).unwrap());
    let grads = a.pow(b).sum().backward();
    // d/da a^b: b a^(b-1) -> 0 at b = 0, 2 * 0 = 0 at (0, 2), 0 at (2, 0).
    assert_eq!(grads[a].to_vec(), vec![0.0, 0.0, 0.0]);
    // d/db a^b: a^b ln a -> 0 where a = 0, and ln 2 at (2, 0).
    assert_eq!(grads[b].to_vec(), vec![0.0, 0.0, 2f64.ln()]);
}

#[test]
#[should_panic(expected = "belongs to a different tape")]
fn grads_from_before_a_clear_reject_new_vars() {
    let mut tape = Tape::<f64>::new();
    let grads = {
        let x = tape.var(Tensor::scalar(1.0));
        x.exp().backward()
    };
    tape.clear();
    let y = tape.var(Tensor::scalar(2.0));
    let _ = &grads[y];
}
