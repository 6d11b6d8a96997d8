//! User-defined ops through `CustomOp`: checked at first and second order,
//! in eager backward and in recorded gradients, with broadcasting, with
//! inputs that get no gradient, and mixed with constants.

mod common;

use common::{assert_close, check_both, positive, smooth, t, XSinX, SHAPES};
use tapegrad::gradcheck::GradCheck;
use tapegrad::{CustomOp, Tape, Tensor, Var};

/// `a · e^b` with `a` and `b` broadcast together: a two-input op whose VJP
/// reuses its output and sums each gradient back to its operand's shape.
struct MulExp;

impl CustomOp<f64> for MulExp {
    fn name(&self) -> &str {
        "mul_exp"
    }
    fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
        inputs[0] * &inputs[1].exp()
    }
    fn vjp<'t>(
        &self,
        inputs: &[Var<'t, f64>],
        output: Var<'t, f64>,
        grad: Var<'t, f64>,
    ) -> Vec<Option<Var<'t, f64>>> {
        let (a, b) = (inputs[0], inputs[1]);
        vec![
            Some((grad * b.exp()).sum_to(a.shape())),
            Some((grad * output).sum_to(b.shape())),
        ]
    }
}

/// `a · b`, passing no gradient to `b`: a scale treated as a hyperparameter.
struct ScaleBy;

impl CustomOp<f64> for ScaleBy {
    fn name(&self) -> &str {
        "scale_by"
    }
    fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
        inputs[0] * inputs[1]
    }
    fn vjp<'t>(
        &self,
        inputs: &[Var<'t, f64>],
        _output: Var<'t, f64>,
        grad: Var<'t, f64>,
    ) -> Vec<Option<Var<'t, f64>>> {
        vec![Some(grad * inputs[1]), None]
    }
}

#[test]
fn smooth_custom_op_passes_both_orders() {
    for (seed, shape) in SHAPES.iter().enumerate() {
        check_both(
            &format!("x_sin_x on {shape:?}"),
            |tape, v| tape.custom(XSinX, &[v[0]]),
            &[smooth(shape, seed as u64)],
        );
    }
}

#[test]
fn two_input_custom_op_passes_both_orders_with_broadcasting() {
    let pairs: [(&[usize], &[usize]); 5] = [
        (&[], &[]),
        (&[2, 3], &[2, 3]),
        (&[2, 3], &[3]),
        (&[1, 3], &[2, 1]),
        (&[2, 3, 2], &[]),
    ];
    for (k, (sa, sb)) in pairs.into_iter().enumerate() {
        check_both(
            &format!("mul_exp of {sa:?} and {sb:?}"),
            |tape, v| tape.custom(MulExp, &[v[0], v[1]]),
            &[smooth(sa, 10 + k as u64), smooth(sb, 20 + k as u64)],
        );
    }
}

#[test]
fn custom_ops_compose_with_builtins_and_each_other() {
    check_both(
        "composite of custom ops",
        |tape, v| {
            let h = tape.custom(XSinX, &[v[0].tanh()]);
            let y = tape.custom(MulExp, &[h, v[1]]) * v[0];
            tape.custom(XSinX, &[y.log_softmax(1)])
        },
        &[smooth(&[2, 3], 30), smooth(&[3], 31)],
    );
    // Fast mode, for a larger input, at both orders.
    let fast = GradCheck::default().fast();
    let x = smooth(&[6, 5], 32);
    fast.first_order(
        |tape, v| tape.custom(MulExp, &[v[0], v[1]]),
        &[x.clone(), smooth(&[5], 33)],
    )
    .unwrap();
    fast.second_order(|tape, v| tape.custom(XSinX, &[v[0]]).sum(), &[x])
        .unwrap();
}

#[test]
fn eager_and_recorded_gradients_match_the_formula() {
    let data = [0.3, -1.1, 2.0];
    let tape = Tape::new();
    let x = tape.var(t(&data, &[3]));
    let y = tape.custom(XSinX, &[x]);
    assert!(y.requires_grad());
    let first = |v: f64| v.sin() + v * v.cos();
    let second = |v: f64| 2.0 * v.cos() - v * v.sin();
    let want1 = Tensor::from_vec(data.map(first).to_vec(), [3]).unwrap();
    let want2 = Tensor::from_vec(data.map(second).to_vec(), [3]).unwrap();
    assert_close(&y.sum().backward()[x], &want1, 1e-14);
    let d1 = tape.grad(y.sum(), &[x])[0];
    assert_close(&d1.value(), &want1, 1e-14);
    let d2 = tape.grad(d1.sum(), &[x])[0];
    assert_close(&d2.value(), &want2, 1e-14);
}

#[test]
fn an_input_given_no_gradient_gets_zeros() {
    let tape = Tape::new();
    let a = tape.var(t(&[1.0, 2.0], &[2]));
    let b = tape.var(t(&[3.0, -4.0], &[2]));
    let y = tape.custom(ScaleBy, &[a, b]).sum();
    let grads = y.backward();
    assert_eq!(grads[a].to_vec(), vec![3.0, -4.0]);
    assert_eq!(grads[b], Tensor::zeros([2]));
    let recorded = tape.grad(y, &[a, b]);
    assert_eq!(recorded[0].value().to_vec(), vec![3.0, -4.0]);
    assert_eq!(recorded[1].value(), Tensor::zeros([2]));
}

#[test]
fn a_constant_input_to_a_custom_op_gets_no_gradient_entry() {
    let tape = Tape::new();
    let a = tape.var(t(&[1.0, 2.0], &[2]));
    let c = tape.constant(t(&[0.5, -1.0], &[2]));
    let y = tape.custom(MulExp, &[a, c]).sum();
    let grads = y.backward();
    assert_close(&grads[a], &c.value().exp(), 1e-15);
    assert!(
        grads.get(c).is_none(),
        "a constant must not collect a gradient"
    );
}

#[test]
fn custom_ops_on_constants_or_under_no_grad_record_constants() {
    let tape = Tape::new();
    let x = tape.var(t(&[0.5, 1.5], &[2]));
    let c = tape.constant(t(&[0.5, 1.5], &[2]));
    assert!(!tape.custom(XSinX, &[c]).requires_grad());
    let y = tape.no_grad(|| tape.custom(XSinX, &[x]));
    assert!(!y.requires_grad());
    assert_eq!(y.value(), x.value().map(|v| v * v.sin()));
}

#[test]
fn a_custom_op_with_a_positive_domain() {
    /// `ln(a) / b`, a two-input op that needs positive `a`.
    struct LogRatio;
    impl CustomOp<f64> for LogRatio {
        fn name(&self) -> &str {
            "log_ratio"
        }
        fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
            &inputs[0].ln() / inputs[1]
        }
        fn vjp<'t>(
            &self,
            inputs: &[Var<'t, f64>],
            output: Var<'t, f64>,
            grad: Var<'t, f64>,
        ) -> Vec<Option<Var<'t, f64>>> {
            let (a, b) = (inputs[0], inputs[1]);
            vec![Some(grad / (a * b)), Some(-(grad * output) / b)]
        }
    }
    check_both(
        "log_ratio",
        |tape, v| tape.custom(LogRatio, &[v[0], v[1]]),
        &[positive(&[2, 3], 40), positive(&[2, 3], 41)],
    );
}
