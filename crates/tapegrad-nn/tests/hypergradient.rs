//! Proves that training itself can be differentiated: three Adam steps of a
//! tiny model (Dense 3 -> 2 on fixed f64 data), recorded with `Adam::update`
//! on vars and gradients from `tape.grad`, give a derivative of the final
//! loss with respect to the learning rate, and (MAML-style) with respect to
//! the initial weights, that agrees to 1e-5 relative with a central finite
//! difference of the whole three-step run done the ordinary way
//! (`Optimizer::step` on plain tensors, or `Model::train_step`).

use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::{Tape, Tensor, Var};
use tapegrad_nn::loss::{mean_squared_error, Loss, Reduction, Targets};
use tapegrad_nn::optim::{Adam, AdamState, Optimizer};
use tapegrad_nn::train::Model;
use tapegrad_nn::{Activation, Bound, Dense, Initializer, Module, Sequential};

const STEPS: usize = 3;
const LR: f64 = 0.05;
const H: f64 = 1e-6;

fn data() -> (Tensor<f64>, Tensor<f64>) {
    let mut rng = StdRng::seed_from_u64(3);
    let x = Tensor::rand_uniform([5, 3], -1.0, 1.0, &mut rng);
    let y = Tensor::rand_uniform([5, 2], -0.8, 0.8, &mut rng);
    (x, y)
}

fn tiny_layer() -> Dense<f64> {
    Dense::with_init(
        3,
        2,
        Activation::Tanh,
        Initializer::GlorotUniform,
        Some(Initializer::TorchLinear),
        &mut StdRng::seed_from_u64(4),
    )
}

fn mse<'t>(
    layer: &Dense<f64>,
    bound: &Bound<'t, f64>,
    x: &Tensor<f64>,
    y: &Tensor<f64>,
) -> Var<'t, f64> {
    let tape = bound.tape();
    let out = layer.forward(bound, tape.constant(x.clone()));
    mean_squared_error(out, tape.constant(y.clone()), Reduction::Mean)
}

/// The loss after `STEPS` Adam steps, recorded on `tape` from learning rate
/// `lr` and initial parameters `start` (vars, so both can be differentiated).
fn recorded_run<'t>(
    tape: &'t Tape<f64>,
    layer: &Dense<f64>,
    lr: Var<'t, f64>,
    start: &[Var<'t, f64>],
) -> Var<'t, f64> {
    let (x, y) = data();
    let params = layer.params();
    let bound = Bound::new(tape);
    let mut current = start.to_vec();
    let adam = Adam::new(LR);
    let mut state = AdamState::default();
    for _ in 0..STEPS {
        for (p, v) in params.iter().zip(&current) {
            bound.set(p, *v);
        }
        let loss = mse(layer, &bound, &x, &y);
        let grads = tape.grad(loss, &current);
        current = adam.update(&mut state, &current, &grads, &lr);
    }
    for (p, v) in params.iter().zip(&current) {
        bound.set(p, *v);
    }
    mse(layer, &bound, &x, &y)
}

/// The same run done the ordinary way: `Optimizer::step` on the layer's
/// parameters, nothing recorded across steps. `nudge` moves one element of
/// one initial parameter first.
fn plain_run(lr: f64, nudge: Option<(usize, usize, f64)>) -> f64 {
    let (x, y) = data();
    let mut layer = tiny_layer();
    if let Some((param, element, delta)) = nudge {
        let p = &mut layer.params_mut()[param];
        let mut value = p.value().clone();
        value.make_mut()[element] += delta;
        p.set_value(value);
    }
    let mut adam = Adam::new(lr);
    for _ in 0..STEPS {
        let grads = {
            let tape = Tape::new();
            let bound = Bound::new(&tape);
            let g = mse(&layer, &bound, &x, &y).backward();
            layer
                .params()
                .iter()
                .map(|p| g[bound.var(p)].clone())
                .collect::<Vec<_>>()
        };
        adam.step(&mut layer.params_mut(), &grads);
    }
    let tape = Tape::new();
    mse(&layer, &Bound::frozen(&tape), &x, &y).value().item()
}

fn assert_relative(what: &str, analytic: f64, numeric: f64, rtol: f64) {
    let error = (analytic - numeric).abs() / numeric.abs();
    assert!(
        error <= rtol,
        "{what}: analytic {analytic} vs finite difference {numeric} (relative error {error:e})"
    );
}

#[test]
fn recorded_run_reproduces_the_ordinary_run() {
    let layer = tiny_layer();
    let tape = Tape::new();
    let start: Vec<Var<'_, f64>> = layer
        .params()
        .iter()
        .map(|p| tape.var(p.value().clone()))
        .collect();
    let recorded = recorded_run(&tape, &layer, tape.var(Tensor::scalar(LR)), &start);
    let plain = plain_run(LR, None);
    assert!(
        (recorded.value().item() - plain).abs() <= 1e-12,
        "{} vs {plain}",
        recorded.value().item()
    );
    // Training helps, so the learning rate matters.
    let tape = Tape::new();
    let initial = mse(&layer, &Bound::frozen(&tape), &data().0, &data().1)
        .value()
        .item();
    assert!(plain < initial - 1e-3, "loss {initial} -> {plain}");
}

#[test]
fn hypergradient_wrt_learning_rate_matches_finite_difference() {
    let layer = tiny_layer();
    let tape = Tape::new();
    let lr = tape.var(Tensor::scalar(LR));
    // The initial weights are vars too: `tape.grad` gives constants (which
    // want no gradient) a zero gradient, and the first step needs theirs.
    let start: Vec<Var<'_, f64>> = layer
        .params()
        .iter()
        .map(|p| tape.var(p.value().clone()))
        .collect();
    let loss = recorded_run(&tape, &layer, lr, &start);
    let analytic = tape.grad(loss, &[lr])[0].value().item();
    let numeric = (plain_run(LR + H, None) - plain_run(LR - H, None)) / (2.0 * H);
    assert!(
        numeric.abs() > 1e-3,
        "the loss must depend on the learning rate: {numeric}"
    );
    assert_relative("dL/dlr", analytic, numeric, 1e-5);
}

#[test]
fn gradient_wrt_initial_weights_matches_finite_difference() {
    let layer = tiny_layer();
    let tape = Tape::new();
    let lr = tape.constant(Tensor::scalar(LR));
    let start: Vec<Var<'_, f64>> = layer
        .params()
        .iter()
        .map(|p| tape.var(p.value().clone()))
        .collect();
    let loss = recorded_run(&tape, &layer, lr, &start);
    let grads: Vec<Tensor<f64>> = tape.grad(loss, &start).iter().map(|g| g.value()).collect();
    // Kernel elements [0, 0], [1, 1], [2, 0] and both bias elements.
    for (param, element) in [(0, 0), (0, 3), (0, 4), (1, 0), (1, 1)] {
        let analytic = grads[param].as_slice()[element];
        let numeric = (plain_run(LR, Some((param, element, H)))
            - plain_run(LR, Some((param, element, -H))))
            / (2.0 * H);
        assert_relative(
            &format!("dL/dw0 param {param} element {element}"),
            analytic,
            numeric,
            1e-5,
        );
    }
}

/// Dense(3 -> 4, tanh) then Dense(4 -> 3, softmax), as a fresh network.
fn classifier() -> Sequential<f64> {
    let mut rng = StdRng::seed_from_u64(8);
    Sequential::new()
        .push(Dense::new(3, 4, Activation::Tanh, &mut rng))
        .push(Dense::new(4, 3, Activation::Softmax, &mut rng))
}

/// Three `Model::train_step`s with Adam at `lr`, then the mean loss.
fn trained_loss(lr: f64, x: &Tensor<f64>, y: &Targets<f64>) -> f64 {
    let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
    let mut model = Model::compile(classifier(), Adam::new(lr), loss, &[]);
    let mut tape = Tape::new();
    for _ in 0..STEPS {
        model.train_step(&mut tape, x, y);
    }
    model.evaluate(x, y, 16)["loss"]
}

/// The classifier's loss as `Model` computes it: from the logits before softmax.
fn classifier_loss<'t>(
    net: &Sequential<f64>,
    bound: &Bound<'t, f64>,
    x: &Tensor<f64>,
    targets: &Targets<f64>,
) -> Var<'t, f64> {
    let input = bound.tape().constant(x.clone());
    let logits = net.forward_logits(bound, input).expect("ends in softmax");
    let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
    loss.compute(Activation::Softmax.apply(logits), Some(logits), targets)
}

#[test]
fn hypergradient_through_a_classifier_matches_the_training_loop() {
    let x = Tensor::rand_uniform([6, 3], -1.0, 1.0, &mut StdRng::seed_from_u64(9));
    let labels = vec![0, 2, 1, 1, 0, 2];
    let targets = Targets::Labels(labels);
    let net = classifier();
    let params = net.params();
    let tape = Tape::new();
    let lr = tape.var(Tensor::scalar(LR));
    let bound = Bound::new(&tape);
    let mut current: Vec<Var<'_, f64>> = params.iter().map(|p| bound.var(p)).collect();
    let adam = Adam::new(LR);
    let mut state = AdamState::default();
    for _ in 0..STEPS {
        let grads = tape.grad(classifier_loss(&net, &bound, &x, &targets), &current);
        current = adam.update(&mut state, &current, &grads, &lr);
        for (p, v) in params.iter().zip(&current) {
            bound.set(p, *v);
        }
    }
    let final_loss = classifier_loss(&net, &bound, &x, &targets);
    assert!((final_loss.value().item() - trained_loss(LR, &x, &targets)).abs() <= 1e-12);
    let analytic = tape.grad(final_loss, &[lr])[0].value().item();
    let numeric =
        (trained_loss(LR + H, &x, &targets) - trained_loss(LR - H, &x, &targets)) / (2.0 * H);
    assert!(
        numeric.abs() > 1e-3,
        "the loss must depend on the learning rate: {numeric}"
    );
    assert_relative("dL/dlr (classifier)", analytic, numeric, 1e-5);
}
