//! Proves that every nn building block has correct gradients at first and
//! second order, in f64, through the core's finite-difference checker:
//! `Dense` (with and without bias, under each activation) with respect to
//! its input and to its parameters (bound to the checker's vars), every
//! `Activation` variant (piecewise ones evaluated away from their kinks),
//! a `Sequential` of two `Dense` layers, and a custom `Module`. Forward
//! values are also compared with plain-f64 formulas, since a gradient check
//! alone cannot tell that a layer computes the wrong function, and the
//! harness itself is shown to reject a layer whose gradient is wrong.

mod common;

use common::{assert_close, bind, check_both, checker, off_zero, t, uniform};
use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::gradcheck::GradCheckError;
use tapegrad::{Tape, Tensor, Var};
use tapegrad_nn::{Activation, Bound, Dense, Initializer, Module, Param, Sequential};

/// Every activation variant, with non-default parameters where they have one.
const ACTIVATIONS: [Activation; 12] = [
    Activation::Linear,
    Activation::Relu,
    Activation::LeakyRelu(0.3),
    Activation::Elu(1.0),
    Activation::Elu(0.7),
    Activation::Gelu,
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Softplus,
    Activation::Softmax,
    Activation::LogSoftmax,
    Activation::LeakyRelu(0.01),
];

/// The activation of a row, in plain f64: the published formulas.
fn reference(act: Activation, row: &[f64]) -> Vec<f64> {
    let each = |f: &dyn Fn(f64) -> f64| row.iter().map(|&x| f(x)).collect::<Vec<f64>>();
    match act {
        Activation::Linear => each(&|x| x),
        Activation::Relu => each(&|x| x.max(0.0)),
        Activation::LeakyRelu(a) => each(&|x| if x > 0.0 { x } else { a * x }),
        Activation::Elu(a) => each(&|x| if x > 0.0 { x } else { a * (x.exp() - 1.0) }),
        Activation::Gelu => each(&|x| {
            let k = (2.0 / std::f64::consts::PI).sqrt();
            0.5 * x * (1.0 + (k * (x + 0.044_715 * x.powi(3))).tanh())
        }),
        Activation::Sigmoid => each(&|x| 1.0 / (1.0 + (-x).exp())),
        Activation::Tanh => each(&f64::tanh),
        Activation::Softplus => each(&|x| (1.0 + x.exp()).ln()),
        Activation::Softmax => {
            let total: f64 = row.iter().map(|x| x.exp()).sum();
            each(&|x| x.exp() / total)
        }
        Activation::LogSoftmax => {
            let total: f64 = row.iter().map(|x| x.exp()).sum();
            each(&|x| x - total.ln())
        }
    }
}

/// Whether the activation has a kink (or a jump in its second derivative) at 0.
fn has_kink(act: Activation) -> bool {
    matches!(
        act,
        Activation::Relu | Activation::LeakyRelu(_) | Activation::Elu(_)
    )
}

/// The rows of a `[n, m]` tensor.
fn rows(x: &Tensor<f64>) -> Vec<Vec<f64>> {
    let m = x.shape()[1];
    x.as_slice().chunks(m).map(<[f64]>::to_vec).collect()
}

/// `x · W + b` in plain loops.
fn affine(x: &Tensor<f64>, w: &Tensor<f64>, b: Option<&Tensor<f64>>) -> Tensor<f64> {
    let (n, k, m) = (x.shape()[0], x.shape()[1], w.shape()[1]);
    Tensor::from_fn([n, m], |flat| {
        let (i, j) = (flat / m, flat % m);
        let dot: f64 = (0..k).map(|l| x.get(&[i, l]) * w.get(&[l, j])).sum();
        dot + b.map_or(0.0, |b| b.get(&[j]))
    })
}

fn smallest_magnitude(z: &Tensor<f64>) -> f64 {
    z.as_slice()
        .iter()
        .fold(f64::INFINITY, |m, v| m.min(v.abs()))
}

/// A `[n, input]` batch and a Dense layer whose pre-activations on it stay
/// at least 0.05 from 0 (the first seed that gives one), so that piecewise
/// activations are differentiable there at every order.
fn dense_case(
    n: usize,
    input: usize,
    units: usize,
    act: Activation,
    bias: bool,
) -> (Dense<f64>, Tensor<f64>) {
    for seed in 0..1000 {
        let mut rng = StdRng::seed_from_u64(seed);
        let bias_init = bias.then_some(Initializer::TorchLinear);
        let layer = Dense::with_init(
            input,
            units,
            act,
            Initializer::GlorotUniform,
            bias_init,
            &mut rng,
        );
        let x = uniform(&[n, input], -1.5, 1.5, seed + 7_000);
        let z = affine(&x, layer.kernel().value(), layer.bias().map(Param::value));
        if smallest_magnitude(&z) > 0.05 {
            return (layer, x);
        }
    }
    panic!("no seed gives pre-activations away from 0");
}

/// The parameter values of a module, as checker inputs.
fn values(params: &[&Param<f64>]) -> Vec<Tensor<f64>> {
    params.iter().map(|p| p.value().clone()).collect()
}

#[test]
fn activation_values_match_their_formulas() {
    let x = t(
        &[
            -2.5, -0.7, -0.1, 0.3, 1.2, 3.0, 0.05, -1.6, 2.2, -0.4, 0.9, -3.1,
        ],
        &[3, 4],
    );
    for act in ACTIVATIONS {
        let tape = Tape::new();
        let y = act.apply(tape.var(x.clone())).value();
        let want: Vec<f64> = rows(&x).iter().flat_map(|r| reference(act, r)).collect();
        assert_eq!(y.shape(), &[3, 4], "{act:?}: shape");
        assert_close(&format!("{act:?}"), y.as_slice(), &want, 1e-12);
        // As a layer of its own, an activation does the same.
        let as_layer = act.forward(&Bound::new(&tape), tape.var(x.clone())).value();
        assert_eq!(as_layer.to_vec(), y.to_vec(), "{act:?} as a module");
    }
}

#[test]
fn every_activation_passes_first_and_second_order_checks() {
    for act in ACTIVATIONS {
        let x = if has_kink(act) {
            off_zero(&[3, 4], 11)
        } else {
            uniform(&[3, 4], -2.0, 2.0, 11)
        };
        check_both(&format!("{act:?}"), |_, v| act.apply(v[0]), &[x]);
    }
}

#[test]
fn softmaxes_act_on_the_last_axis_of_any_rank() {
    let x = uniform(&[2, 2, 3], -2.0, 2.0, 5);
    for act in [Activation::Softmax, Activation::LogSoftmax] {
        let tape = Tape::new();
        let y = act.apply(tape.var(x.clone())).value();
        let want: Vec<f64> = x
            .as_slice()
            .chunks(3)
            .flat_map(|r| reference(act, r))
            .collect();
        assert_close(&format!("{act:?} rank 3"), y.as_slice(), &want, 1e-12);
        check_both(
            &format!("{act:?} rank 3"),
            |_, v| act.apply(v[0]),
            std::slice::from_ref(&x),
        );
    }
}

#[test]
fn dense_values_match_plain_loops() {
    for act in ACTIVATIONS {
        for bias in [true, false] {
            let (layer, x) = dense_case(2, 3, 4, act, bias);
            assert_eq!(layer.params().len(), 1 + usize::from(bias));
            let tape = Tape::new();
            let y = layer
                .forward(&Bound::new(&tape), tape.constant(x.clone()))
                .value();
            let z = affine(&x, layer.kernel().value(), layer.bias().map(Param::value));
            let want: Vec<f64> = rows(&z).iter().flat_map(|r| reference(act, r)).collect();
            assert_eq!(y.shape(), &[2, 4]);
            assert_close(
                &format!("Dense {act:?} bias {bias}"),
                y.as_slice(),
                &want,
                1e-12,
            );
        }
    }
}

#[test]
fn dense_gradients_wrt_input_and_parameters_at_both_orders() {
    for act in ACTIVATIONS {
        for bias in [true, false] {
            let (layer, x) = dense_case(2, 3, 4, act, bias);
            let params = layer.params();
            let mut inputs = vec![x];
            inputs.extend(values(&params));
            check_both(
                &format!("Dense {act:?} bias {bias}"),
                |tape, v| {
                    let bound = bind(tape, &params, &v[1..]);
                    layer.forward(&bound, v[0])
                },
                &inputs,
            );
        }
    }
}

#[test]
fn dense_forward_logits_are_the_pre_softmax_values() {
    let (layer, x) = dense_case(3, 3, 4, Activation::Softmax, true);
    let tape = Tape::new();
    let bound = Bound::new(&tape);
    let input = tape.constant(x.clone());
    let logits = layer
        .forward_logits(&bound, input)
        .expect("a softmax layer has logits");
    let z = affine(&x, layer.kernel().value(), layer.bias().map(Param::value));
    assert_close("logits", logits.value().as_slice(), z.as_slice(), 1e-12);
    let (other, _) = dense_case(3, 3, 4, Activation::Tanh, true);
    assert!(other.forward_logits(&bound, input).is_none());
}

/// Dense(3 -> 4, `first`) then Dense(4 -> 3, `second`), on a batch that keeps
/// both layers' pre-activations away from 0.
fn two_layer_case(first: Activation, second: Activation) -> (Sequential<f64>, Tensor<f64>) {
    for seed in 0..1000 {
        let mut rng = StdRng::seed_from_u64(seed);
        let a = Dense::with_init(
            3,
            4,
            first,
            Initializer::GlorotUniform,
            Some(Initializer::TorchLinear),
            &mut rng,
        );
        let b = Dense::with_init(
            4,
            3,
            second,
            Initializer::GlorotUniform,
            Some(Initializer::TorchLinear),
            &mut rng,
        );
        let x = uniform(&[3, 3], -1.5, 1.5, seed + 9_000);
        let z1 = affine(&x, a.kernel().value(), a.bias().map(Param::value));
        let h = Tensor::from_vec(
            rows(&z1).iter().flat_map(|r| reference(first, r)).collect(),
            [3, 4],
        )
        .expect("3 x 4 values");
        let z2 = affine(&h, b.kernel().value(), b.bias().map(Param::value));
        if smallest_magnitude(&z1) > 0.05 && smallest_magnitude(&z2) > 0.05 {
            return (Sequential::new().push(a).push(b), x);
        }
    }
    panic!("no seed gives pre-activations away from 0");
}

#[test]
fn sequential_of_two_dense_layers_at_both_orders() {
    let cases = [
        (Activation::Tanh, Activation::Softmax),
        (Activation::Relu, Activation::LogSoftmax),
        (Activation::Elu(1.0), Activation::Sigmoid),
    ];
    for (first, second) in cases {
        let (net, x) = two_layer_case(first, second);
        let params = net.params();
        assert_eq!(params.len(), 4);
        let mut inputs = vec![x];
        inputs.extend(values(&params));
        check_both(
            &format!("Sequential {first:?} -> {second:?}"),
            |tape, v| {
                let bound = bind(tape, &params, &v[1..]);
                net.forward(&bound, v[0])
            },
            &inputs,
        );
    }
}

#[test]
fn sequential_composes_its_layers_and_exposes_the_last_logits() {
    let (net, x) = two_layer_case(Activation::Tanh, Activation::Softmax);
    let tape = Tape::new();
    let bound = Bound::new(&tape);
    let input = tape.constant(x.clone());
    let out = net.forward(&bound, input).value();
    // By hand: the layers one after the other.
    let by_hand = net.layers()[1]
        .forward(&bound, net.layers()[0].forward(&bound, input))
        .value();
    assert_eq!(out.to_vec(), by_hand.to_vec());
    let logits = net.forward_logits(&bound, input).expect("ends in softmax");
    let want: Vec<f64> = rows(&logits.value())
        .iter()
        .flat_map(|r| reference(Activation::Softmax, r))
        .collect();
    assert_close("softmax of the logits", out.as_slice(), &want, 1e-12);
    assert_eq!(net.output_shape(&[7, 3]), vec![7, 3]);
}

/// A custom layer: a highway unit, `g * dense(x) + (1 - g) * x`, with a
/// learned gate `g = sigmoid(gate)` per feature.
struct Highway {
    inner: Dense<f64>,
    gate: Param<f64>,
}

impl Highway {
    fn new(features: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        Highway {
            inner: Dense::with_init(
                features,
                features,
                Activation::Tanh,
                Initializer::GlorotUniform,
                Some(Initializer::TorchLinear),
                &mut rng,
            ),
            gate: Param::new("gate", uniform(&[features], -1.0, 1.0, seed + 1)),
        }
    }
}

impl Module<f64> for Highway {
    fn forward<'t>(&self, p: &Bound<'t, f64>, x: Var<'t, f64>) -> Var<'t, f64> {
        let g = p.var(&self.gate).sigmoid();
        self.inner.forward(p, x) * g + x * (1.0 - g)
    }

    fn params(&self) -> Vec<&Param<f64>> {
        let mut out = self.inner.params();
        out.push(&self.gate);
        out
    }

    fn params_mut(&mut self) -> Vec<&mut Param<f64>> {
        let mut out = self.inner.params_mut();
        out.push(&mut self.gate);
        out
    }
}

#[test]
fn custom_module_alone_and_in_a_sequential_at_both_orders() {
    let layer = Highway::new(3, 21);
    let x = uniform(&[2, 3], -1.5, 1.5, 22);
    let params = layer.params();
    assert_eq!(params.len(), 3);
    let mut inputs = vec![x.clone()];
    inputs.extend(values(&params));
    check_both(
        "Highway",
        |tape, v| {
            let bound = bind(tape, &params, &v[1..]);
            layer.forward(&bound, v[0])
        },
        &inputs,
    );

    let mut rng = StdRng::seed_from_u64(23);
    let net = Sequential::new().push(Highway::new(3, 24)).push(Dense::new(
        3,
        2,
        Activation::Softmax,
        &mut rng,
    ));
    let params = net.params();
    assert_eq!(params.len(), 5);
    let mut inputs = vec![x];
    inputs.extend(values(&params));
    check_both(
        "Sequential(Highway, Dense)",
        |tape, v| {
            let bound = bind(tape, &params, &v[1..]);
            net.forward(&bound, v[0])
        },
        &inputs,
    );
}

/// A layer whose gradient is wrong on purpose: the scale is detached.
struct BrokenScale {
    scale: Param<f64>,
}

impl Module<f64> for BrokenScale {
    fn forward<'t>(&self, p: &Bound<'t, f64>, x: Var<'t, f64>) -> Var<'t, f64> {
        x * p.var(&self.scale).detach()
    }

    fn params(&self) -> Vec<&Param<f64>> {
        vec![&self.scale]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<f64>> {
        vec![&mut self.scale]
    }
}

#[test]
fn the_harness_rejects_a_module_with_a_wrong_gradient() {
    let layer = BrokenScale {
        scale: Param::new("scale", t(&[0.5, -2.0], &[2])),
    };
    let x = t(&[1.0, 2.0, -0.5, 0.25], &[2, 2]);
    let params = layer.params();
    let inputs = [x, layer.scale.value().clone()];
    let result = checker().first_order(
        |tape, v| {
            let bound = bind(tape, &params, &v[1..]);
            layer.forward(&bound, v[0])
        },
        &inputs,
    );
    match result {
        Err(GradCheckError::Mismatch {
            input: 1,
            analytic,
            numeric,
            ..
        }) => {
            assert_eq!(analytic, 0.0);
            assert!(numeric.abs() > 0.1);
        }
        other => panic!("a detached parameter must fail the check, got {other:?}"),
    }
}
