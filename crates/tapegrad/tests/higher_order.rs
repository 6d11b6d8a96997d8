//! Closed forms computed by hand, not by the checker: gradients, Hessians
//! from Hessian-vector products, third derivatives, matrix-product
//! gradients, and softmax at extreme inputs.

mod common;

use common::{assert_close, t};
use tapegrad::{Tape, Tensor};

#[test]
fn gradient_of_sum_of_squares_is_twice_x() {
    let data = [0.5, -1.25, 2.0, 3.5, -0.125, 0.0];
    let tape = Tape::new();
    let x = tape.var(t(&data, &[2, 3]));
    for y in [(x * x).sum(), x.square().sum(), x.powf(2.0).sum()] {
        let grads = y.backward();
        let want: Vec<f64> = data.iter().map(|v| 2.0 * v).collect();
        // Exact: each entry is one product by 2 of a dyadic rational.
        assert_eq!(grads[x].to_vec(), want);
        assert_eq!(grads[x].shape(), &[2, 3]);
    }
}

#[test]
fn hessian_of_a_quadratic_form_from_hessian_vector_products() {
    // y = x^T A x for a non-symmetric A has Hessian A + A^T everywhere.
    let n = 4;
    let a_data = [
        1.0, 2.0, -0.5, 0.0, //
        3.0, -1.0, 4.0, 0.25, //
        0.0, 1.5, 2.0, -3.0, //
        -2.0, 0.5, 1.0, 5.0,
    ];
    let tape = Tape::new();
    let a = tape.constant(t(&a_data, &[n, n]));
    let x = tape.var(t(&[0.3, -1.2, 0.7, 2.0], &[n, 1]));
    let y = x.matmul_transposed(a.matmul(x), true, false).sum();
    let g = tape.grad(y, &[x]);
    // The gradient is (A + A^T) x.
    let ax = |i: usize| -> f64 {
        (0..n)
            .map(|j| (a_data[i * n + j] + a_data[j * n + i]) * x.value().get(&[j, 0]))
            .sum()
    };
    assert_close(&g[0].value(), &Tensor::from_fn([n, 1], ax), 1e-12);
    for j in 0..n {
        let e = tape.constant(Tensor::from_fn([n, 1], |i| f64::from(u8::from(i == j))));
        let column = tape.grad((g[0] * e).sum(), &[x])[0].value();
        for i in 0..n {
            let want = a_data[i * n + j] + a_data[j * n + i];
            let got = column.get(&[i, 0]);
            assert!(
                (got - want).abs() <= 1e-12,
                "H[{i}][{j}] = {got}, want {want}"
            );
        }
    }
}

#[test]
fn third_derivative_of_x_to_the_fourth_is_24x() {
    let data = [0.5, -1.25, 2.0];
    let tape = Tape::new();
    let x = tape.var(t(&data, &[3]));
    for (how, y) in [("powf", x.powf(4.0)), ("products", x * x * x * x)] {
        let d1 = tape.grad(y.sum(), &[x])[0];
        let d2 = tape.grad(d1.sum(), &[x])[0];
        let d3 = tape.grad(d2.sum(), &[x])[0];
        assert!(
            d3.requires_grad(),
            "{how}: the third derivative is still a var"
        );
        let want = |f: fn(f64) -> f64| Tensor::from_vec(data.map(f).to_vec(), [3]).unwrap();
        assert_close(&d1.value(), &want(|v| 4.0 * v * v * v), 1e-12);
        assert_close(&d2.value(), &want(|v| 12.0 * v * v), 1e-12);
        assert_close(&d3.value(), &want(|v| 24.0 * v), 1e-12);
        // The fourth derivative is the constant 24 and the fifth vanishes.
        let d4 = tape.grad(d3.sum(), &[x])[0];
        assert_close(&d4.value(), &Tensor::full([3], 24.0), 1e-12);
        let d5 = tape.grad(d4.sum(), &[x])[0];
        assert_close(&d5.value(), &Tensor::zeros([3]), 0.0);
    }
}

#[test]
fn derivatives_of_twice_tanh_at_one_half() {
    // d/dx 2 tanh(x) = 2 (1 - tanh^2 x); d2/dx2 = -4 tanh(x) (1 - tanh^2 x).
    // tanh(1/2) = (e - 1) / (e + 1), written out rather than taken from tanh.
    let e = std::f64::consts::E;
    let th = (e - 1.0) / (e + 1.0);
    let tape = Tape::new();
    let x = tape.var(Tensor::scalar(0.5));
    let y = x.tanh() * 2.0;
    assert!((y.value().item() - 2.0 * th).abs() < 1e-15);
    assert!((y.backward()[x].item() - 2.0 * (1.0 - th * th)).abs() < 1e-15);
    let d1 = tape.grad(y, &[x])[0];
    assert!((d1.value().item() - 2.0 * (1.0 - th * th)).abs() < 1e-15);
    let d2 = tape.grad(d1, &[x])[0];
    assert!((d2.value().item() + 4.0 * th * (1.0 - th * th)).abs() < 1e-15);
}

#[test]
fn matmul_gradients_match_hand_computed_matrices() {
    // L = sum(W ⊙ (A B)): dL/dA = W B^T and dL/dB = A^T W.
    let tape = Tape::new();
    let a = tape.var(t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]));
    let b = tape.var(t(&[1.0, 0.0, -1.0, 2.0, 3.0, 1.0], &[3, 2]));
    let w = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let product = a.matmul(b);
    assert_eq!(product.value().to_vec(), vec![8.0, 7.0, 17.0, 16.0]);
    let loss = (product * &w).sum();
    assert_eq!(loss.value().item(), 137.0);
    let grads = loss.backward();
    assert_eq!(grads[a], t(&[1.0, 3.0, 5.0, 3.0, 5.0, 13.0], &[2, 3]));
    assert_eq!(grads[b], t(&[13.0, 18.0, 17.0, 24.0, 21.0, 30.0], &[3, 2]));
    // The same through transposed storage: C = A^T' B^T' with A' = A^T, B' = B^T.
    let at = tape.var(t(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0], &[3, 2]));
    let bt = tape.var(t(&[1.0, -1.0, 3.0, 0.0, 2.0, 1.0], &[2, 3]));
    let grads = (at.matmul_transposed(bt, true, true) * &w).sum().backward();
    assert_eq!(grads[at], t(&[1.0, 3.0, 3.0, 5.0, 5.0, 13.0], &[3, 2]));
    assert_eq!(grads[bt], t(&[13.0, 17.0, 21.0, 18.0, 24.0, 30.0], &[2, 3]));
}

#[test]
fn batched_matmul_gradient_sums_over_the_broadcast_batch() {
    // A: [2, 1, 2] (two row vectors), B: [2, 1] shared by both batches.
    // L = sum(A B) = sum over batches of a_b · b, so dL/dB = a_0 + a_1 (as a column).
    let tape = Tape::new();
    let a = tape.var(t(&[1.0, 2.0, 10.0, 20.0], &[2, 1, 2]));
    let b = tape.var(t(&[3.0, 4.0], &[2, 1]));
    let grads = a.matmul(b).sum().backward();
    assert_eq!(grads[b], t(&[11.0, 22.0], &[2, 1]));
    assert_eq!(grads[a], t(&[3.0, 4.0, 3.0, 4.0], &[2, 1, 2]));
}

#[test]
fn softmax_and_log_softmax_stay_finite_at_1e4() {
    let data = [1e4, -1e4, 0.0, 5e3, -1e4, 1e4];
    let tape = Tape::new();
    let x = tape.var(t(&data, &[2, 3]));
    let weights = t(&[1.0, -2.0, 3.0, 0.5, 0.25, -1.0], &[2, 3]);
    for axis in [0, 1] {
        let p = x.softmax(axis);
        let lp = x.log_softmax(axis);
        assert!(p.value().all_finite() && lp.value().all_finite());
        // Probabilities sum to one along the axis.
        let total = p.value().sum_axes(&[axis], false);
        assert_close(&total, &Tensor::ones(total.shape()), 1e-12);
        for y in [(p * &weights).sum(), (lp * &weights).sum()] {
            let g = y.backward();
            assert!(g[x].all_finite(), "axis {axis}: {:?}", g[x].as_slice());
            let d1 = tape.grad(y, &[x])[0];
            let d2 = tape.grad((d1 * &weights).sum(), &[x])[0];
            assert!(d2.value().all_finite(), "axis {axis}: second order");
        }
    }
    // Along rows: the row [1e4, -1e4, 0] puts all mass on its first entry,
    // and [5e3, -1e4, 1e4] on its last; log-probabilities are exact gaps.
    let lp = x.log_softmax(1).value();
    assert_eq!(lp.get(&[0, 0]), 0.0);
    assert_eq!(lp.get(&[0, 1]), -2e4);
    assert_eq!(lp.get(&[1, 0]), -5e3);
    assert_eq!(lp.get(&[1, 2]), 0.0);
    // d/dx sum(w ⊙ log_softmax(x)) = w - softmax(x) * sum(w) per row; with
    // one-hot rows of softmax that is exact.
    let g = (x.log_softmax(1) * &weights).sum().backward();
    let want = t(&[1.0 - 2.0, -2.0, 3.0, 0.5, 0.25, -1.0 + 0.25], &[2, 3]);
    assert_close(&g[x], &want, 1e-12);
}

#[test]
fn logsumexp_of_large_equal_inputs() {
    let tape = Tape::new();
    let x = tape.var(t(&[1e4, 1e4, -1e4, -1e4], &[2, 2]));
    let lse = x.logsumexp(1, false);
    let want = t(&[1e4 + 2f64.ln(), -1e4 + 2f64.ln()], &[2]);
    assert_close(&lse.value(), &want, 1e-9);
    let g = lse.sum().backward();
    assert_eq!(g[x].to_vec(), vec![0.5; 4]);
}

#[test]
fn jacobian_vector_product_by_double_backward() {
    // For f(x) = M x, u(v) = J^T v = M^T v is linear in v; differentiating
    // <u, w> with respect to v gives J w = M w without forming J.
    let tape = Tape::new();
    let m = tape.constant(t(&[1.0, 2.0, 0.0, -1.0, 3.0, 1.0], &[2, 3]));
    let x = tape.var(t(&[0.5, 1.0, -2.0], &[3, 1]));
    let f = m.matmul(x);
    let v = tape.var(Tensor::zeros([2, 1]));
    let u = tape.grad_with(f, &[x], v)[0];
    let w = t(&[1.0, -1.0, 2.0], &[3, 1]);
    let jw = tape.grad((u * &w).sum(), &[v])[0].value();
    assert_eq!(jw, t(&[1.0 - 2.0, -1.0 - 3.0 + 2.0], &[2, 1]));
}

#[test]
fn gradient_with_respect_to_an_intermediate_var() {
    let tape = Tape::new();
    let x = tape.var(t(&[0.0, 1.0, -1.0], &[3]));
    let y = x.exp();
    let z = (y * y).sum() + x.sum();
    let [dy, dx] = tape.grad(z, &[y, x])[..] else {
        panic!("two gradients")
    };
    // dz/dy = 2y; dz/dx = 2 e^{2x} + 1.
    let e = std::f64::consts::E;
    assert_close(&dy.value(), &t(&[2.0, 2.0 * e, 2.0 / e], &[3]), 1e-12);
    assert_close(
        &dx.value(),
        &t(&[3.0, 2.0 * e * e + 1.0, 2.0 / (e * e) + 1.0], &[3]),
        1e-12,
    );
}

#[test]
fn f32_gradients_agree_with_f64() {
    // The same expression in both precisions: single precision must agree to
    // its own accuracy, through matmul, softmax and a second derivative.
    fn grads<T: tapegrad::Float>(a: Tensor<T>, b: Tensor<T>) -> (Tensor<T>, Tensor<T>) {
        let tape = Tape::new();
        let (a, b) = (tape.var(a), tape.var(b));
        let y = (a.matmul(b).tanh().log_softmax(1) * a.matmul(b)).sum();
        let da = tape.grad(y, &[a])[0];
        (
            y.backward()[a].clone(),
            tape.grad(da.square().sum(), &[b])[0].value(),
        )
    }
    let a = common::smooth(&[3, 4], 1);
    let b = common::smooth(&[4, 2], 2);
    let (g64, h64) = grads(a.clone(), b.clone());
    let (g32, h32) = grads(a.cast::<f32>(), b.cast::<f32>());
    assert_close(&g32.cast(), &g64, 1e-4);
    assert_close(&h32.cast(), &h64, 1e-3);
}
