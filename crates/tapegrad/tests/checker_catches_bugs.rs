//! The gradient checker's own test: custom ops with deliberately wrong VJPs
//! must be caught, and the error must say where. Each bug is paired with a
//! correct twin that passes, so a checker that rejects everything fails too.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use common::{positive, smooth};
use tapegrad::gradcheck::{gradcheck, gradgradcheck, GradCheck, GradCheckError};
use tapegrad::{CustomOp, Tensor, Var};

/// `a · b` for two `[2, 3]` inputs. With `bump` set, the gradient of `b` is
/// doubled at element `[1, 2]` and right everywhere else.
struct Mul {
    bump: bool,
}

impl Mul {
    /// 2 at `[1, 2]` and 1 elsewhere when bumped; all ones otherwise.
    fn factor(&self) -> Tensor<f64> {
        Tensor::from_fn([2, 3], |i| if self.bump && i == 5 { 2.0 } else { 1.0 })
    }
}

impl CustomOp<f64> for Mul {
    fn name(&self) -> &str {
        "mul"
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
        let (a, b) = (inputs[0], inputs[1]);
        vec![Some(grad * b), Some(grad * a * &self.factor())]
    }
}

/// `x^3`. With `detached`, the VJP `3 x^2 g` uses a detached `x`: right at
/// first order, but its own derivative with respect to `x` is lost.
struct Cube {
    detached: bool,
}

impl CustomOp<f64> for Cube {
    fn name(&self) -> &str {
        "cube"
    }
    fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
        inputs[0].powf(3.0)
    }
    fn vjp<'t>(
        &self,
        inputs: &[Var<'t, f64>],
        _output: Var<'t, f64>,
        grad: Var<'t, f64>,
    ) -> Vec<Option<Var<'t, f64>>> {
        let x = if self.detached {
            inputs[0].detach()
        } else {
            inputs[0]
        };
        vec![Some(grad * x.square() * 3.0)]
    }
}

fn mul(bump: bool) -> impl for<'t> Fn(&'t tapegrad::Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64> {
    move |tape, v| tape.custom(Mul { bump }, &[v[0], v[1]])
}

fn cube(
    detached: bool,
) -> impl for<'t> Fn(&'t tapegrad::Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64> {
    move |tape, v| tape.custom(Cube { detached }, &[v[0]])
}

fn mul_inputs() -> [Tensor<f64>; 2] {
    [positive(&[2, 3], 1), positive(&[2, 3], 2)]
}

#[test]
fn a_vjp_wrong_at_one_element_is_located_exactly() {
    let inputs = mul_inputs();
    assert_eq!(gradcheck(mul(false), &inputs), Ok(()));
    let err = gradcheck(mul(true), &inputs).unwrap_err();
    let GradCheckError::Mismatch {
        order,
        input,
        element,
        output,
        analytic,
        numeric,
        tolerance,
    } = err
    else {
        panic!("expected a mismatch, got {err:?}");
    };
    assert_eq!((order, input), (1, 1));
    assert_eq!(element, vec![1, 2]);
    assert_eq!(output, vec![1, 2], "b[1, 2] only affects out[1, 2]");
    // d out[1, 2] / d b[1, 2] = a[1, 2]; the bug doubles it.
    let a12 = inputs[0].get(&[1, 2]);
    assert!((analytic - 2.0 * a12).abs() < 1e-12, "analytic {analytic}");
    assert!((numeric - a12).abs() < 1e-6, "numeric {numeric}");
    assert!((tolerance - (1e-5 + 1e-3 * numeric.abs())).abs() < 1e-15);
}

#[test]
fn the_error_message_names_input_element_and_both_values() {
    let inputs = mul_inputs();
    let err = gradcheck(mul(true), &inputs).unwrap_err();
    let GradCheckError::Mismatch {
        analytic, numeric, ..
    } = err
    else {
        panic!("expected a mismatch, got {err:?}");
    };
    let message = err.to_string();
    for part in [
        "order-1".to_string(),
        "input 1, element [1, 2]".to_string(),
        format!("analytic {analytic:e}"),
        format!("numeric {numeric:e}"),
    ] {
        assert!(message.contains(&part), "{message:?} lacks {part:?}");
    }
}

#[test]
fn fast_mode_catches_the_same_bug_for_every_seed() {
    let inputs = mul_inputs();
    for seed in 0..8 {
        let fast = GradCheck::default().fast().seed(seed);
        assert_eq!(fast.first_order(mul(false), &inputs), Ok(()), "seed {seed}");
        match fast.first_order(mul(true), &inputs) {
            Err(GradCheckError::ProjectionMismatch {
                order,
                analytic,
                numeric,
                tolerance,
            }) => {
                assert_eq!(order, 1);
                assert!((analytic - numeric).abs() > tolerance);
            }
            other => panic!("seed {seed}: expected a projection mismatch, got {other:?}"),
        }
    }
}

#[test]
fn a_vjp_that_is_not_differentiable_passes_first_order_only() {
    let x = [smooth(&[4], 3)];
    assert_eq!(gradcheck(cube(false), &x), Ok(()));
    assert_eq!(gradgradcheck(cube(false), &x), Ok(()));
    assert_eq!(gradcheck(cube(true), &x), Ok(()));
    let err = gradgradcheck(cube(true), &x).unwrap_err();
    let GradCheckError::Mismatch {
        order,
        input,
        element,
        output,
        analytic,
        numeric,
        ..
    } = err
    else {
        panic!("expected a mismatch, got {err:?}");
    };
    // The gradient x -> 3 x^2 v lost its dependence on x (input 0), not on
    // v (input 1): the tape says 0 where the truth is 6 x v.
    assert_eq!((order, input), (2, 0));
    assert_eq!(element, output, "x[i] only affects the i-th gradient");
    assert_eq!(analytic, 0.0);
    assert!(numeric.abs() > 1e-3);
    // Fast mode sees it too.
    let fast = GradCheck::default().fast();
    assert_eq!(fast.second_order(cube(false), &x), Ok(()));
    assert!(matches!(
        fast.second_order(cube(true), &x),
        Err(GradCheckError::ProjectionMismatch { order: 2, .. })
    ));
}

#[test]
fn a_vjp_that_is_not_linear_in_the_gradient_is_caught() {
    /// `2x` with VJP `2g + 0.001`: a zero output gradient gives 0.001.
    struct Offset;
    impl CustomOp<f64> for Offset {
        fn name(&self) -> &str {
            "offset"
        }
        fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
            inputs[0].mul_scalar(2.0)
        }
        fn vjp<'t>(
            &self,
            _inputs: &[Var<'t, f64>],
            _output: Var<'t, f64>,
            grad: Var<'t, f64>,
        ) -> Vec<Option<Var<'t, f64>>> {
            vec![Some(grad * 2.0 + 0.001)]
        }
    }
    let err = gradcheck(
        |tape, v| tape.custom(Offset, &[v[0]]),
        &[smooth(&[2, 2], 4)],
    );
    assert_eq!(
        err,
        Err(GradCheckError::NonZeroForZeroGradient {
            input: 0,
            element: vec![0, 0],
            value: 0.001,
        })
    );
}

#[test]
fn a_vjp_that_changes_between_passes_is_caught() {
    /// `x`, with a VJP that drifts a little on every call.
    struct Drifting(AtomicU64);
    impl CustomOp<f64> for Drifting {
        fn name(&self) -> &str {
            "drifting"
        }
        fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
            inputs[0].clone()
        }
        fn vjp<'t>(
            &self,
            _inputs: &[Var<'t, f64>],
            _output: Var<'t, f64>,
            grad: Var<'t, f64>,
        ) -> Vec<Option<Var<'t, f64>>> {
            let calls = self.0.fetch_add(1, Ordering::Relaxed) as f64;
            vec![Some(grad * (1.0 + calls * 1e-9))]
        }
    }
    let err = gradcheck(
        |tape, v| tape.custom(Drifting(AtomicU64::new(0)), &[v[0]]),
        &[smooth(&[3], 5)],
    )
    .unwrap_err();
    let GradCheckError::NotRepeatable {
        input,
        element,
        first,
        second,
    } = err
    else {
        panic!("expected a repeatability failure, got {err:?}");
    };
    assert_eq!((input, element), (0, vec![0]));
    assert_ne!(first, second);
    assert!((second / first - (1.0 + 1e-9)).abs() < 1e-12);
}
