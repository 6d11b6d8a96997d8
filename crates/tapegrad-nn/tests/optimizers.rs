//! Proves that each optimizer follows its published update rule: on the
//! problem `f(w) = sum(a * (w - c)^2)` (a 3-element `w` and a 2-element `b`,
//! f64), six steps of SGD (plain, momentum, Nesterov), Adam (Keras form,
//! PyTorch form, AdamW) and RMSprop (with and without momentum) match an
//! independent reference written here in plain f64 loops to 1e-10, both via
//! `Optimizer::step` on `Param`s and via the generic `update` on vars
//! recorded on a tape (differentiable mode). Also proves that a saved
//! optimizer state restores bit for bit, and that a state missing a tensor
//! is refused with `StateError::Missing`.

use tapegrad::{Tape, Tensor, Var};
use tapegrad_nn::optim::{
    Adam, AdamState, Optimizer, RmsProp, RmsPropState, Sgd, SgdState, StateError,
};
use tapegrad_nn::Param;

const STEPS: usize = 6;

/// The initial parameters, and the problem's centres and weights, for the
/// five elements of `w` (3) followed by `b` (2).
const START: [f64; 5] = [0.5, -1.0, 2.0, 0.3, -0.8];
const CENTRE: [f64; 5] = [1.0, 0.5, -1.5, -0.2, 0.6];
const WEIGHT: [f64; 5] = [1.0, 3.0, 0.5, 2.0, 0.25];
const SPLIT: usize = 3;

/// An update rule with every constant spelled out, for the reference.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Sgd {
        lr: f64,
    },
    Momentum {
        lr: f64,
        momentum: f64,
        nesterov: bool,
    },
    Adam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
        pytorch: bool,
    },
    RmsProp {
        lr: f64,
        rho: f64,
        eps: f64,
        momentum: f64,
    },
}

impl Rule {
    fn lr(self) -> f64 {
        match self {
            Rule::Sgd { lr }
            | Rule::Momentum { lr, .. }
            | Rule::Adam { lr, .. }
            | Rule::RmsProp { lr, .. } => lr,
        }
    }
}

/// The published update rules, in plain f64 loops: the parameters after
/// each of `steps` steps.
fn reference(rule: Rule, steps: usize) -> Vec<Vec<f64>> {
    let n = START.len();
    let mut w = START.to_vec();
    let (mut m, mut v, mut u) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut trajectory = Vec::new();
    for t in 1..=steps {
        let g: Vec<f64> = (0..n)
            .map(|i| 2.0 * WEIGHT[i] * (w[i] - CENTRE[i]))
            .collect();
        for i in 0..n {
            match rule {
                // w <- w - lr g
                Rule::Sgd { lr } => w[i] -= lr * g[i],
                // Keras: u <- mu u - lr g; w <- w + u (Nesterov: w + mu u - lr g)
                Rule::Momentum {
                    lr,
                    momentum,
                    nesterov,
                } => {
                    u[i] = momentum * u[i] - lr * g[i];
                    w[i] += if nesterov {
                        momentum * u[i] - lr * g[i]
                    } else {
                        u[i]
                    };
                }
                // Kingma & Ba; Keras folds the bias corrections into the step
                // size with eps added to sqrt(v); PyTorch (Algorithm 1) adds
                // eps to sqrt(v_hat). AdamW first decays w by lr * wd * w.
                Rule::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    pytorch,
                } => {
                    m[i] = beta1 * m[i] + (1.0 - beta1) * g[i];
                    v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i];
                    let c1 = 1.0 - beta1.powi(t as i32);
                    let c2 = 1.0 - beta2.powi(t as i32);
                    w[i] -= lr * weight_decay * w[i];
                    if pytorch {
                        let (m_hat, v_hat) = (m[i] / c1, v[i] / c2);
                        w[i] -= lr * m_hat / (v_hat.sqrt() + eps);
                    } else {
                        let alpha = lr * c2.sqrt() / c1;
                        w[i] -= alpha * m[i] / (v[i].sqrt() + eps);
                    }
                }
                // Keras: s <- rho s + (1 - rho) g^2; d = lr g / sqrt(s + eps);
                // w <- w - d, or with momentum u <- mu u + d; w <- w - u.
                Rule::RmsProp {
                    lr,
                    rho,
                    eps,
                    momentum,
                } => {
                    v[i] = rho * v[i] + (1.0 - rho) * g[i] * g[i];
                    let d = lr * g[i] / (v[i] + eps).sqrt();
                    if momentum > 0.0 {
                        u[i] = momentum * u[i] + d;
                        w[i] -= u[i];
                    } else {
                        w[i] -= d;
                    }
                }
            }
        }
        trajectory.push(w.clone());
    }
    trajectory
}

/// One of the crate's optimizers, by concrete type (for `update`).
enum Opt {
    Sgd(Sgd<f64>),
    Adam(Adam<f64>),
    RmsProp(RmsProp<f64>),
}

impl Opt {
    fn as_dyn(&mut self) -> &mut dyn Optimizer<f64> {
        match self {
            Opt::Sgd(o) => o,
            Opt::Adam(o) => o,
            Opt::RmsProp(o) => o,
        }
    }
}

/// An optimizer as the crate builds it, and the rule it should follow.
struct Case {
    name: &'static str,
    rule: Rule,
    make: fn() -> Opt,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "SGD",
            rule: Rule::Sgd { lr: 0.1 },
            make: || Opt::Sgd(Sgd::new(0.1)),
        },
        Case {
            name: "SGD with momentum",
            rule: Rule::Momentum {
                lr: 0.05,
                momentum: 0.9,
                nesterov: false,
            },
            make: || Opt::Sgd(Sgd::with_momentum(0.05, 0.9, false)),
        },
        Case {
            name: "SGD with Nesterov momentum",
            rule: Rule::Momentum {
                lr: 0.05,
                momentum: 0.9,
                nesterov: true,
            },
            make: || Opt::Sgd(Sgd::with_momentum(0.05, 0.9, true)),
        },
        Case {
            name: "Adam, Keras form",
            rule: Rule::Adam {
                lr: 0.1,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-7,
                weight_decay: 0.0,
                pytorch: false,
            },
            make: || Opt::Adam(Adam::new(0.1)),
        },
        Case {
            name: "Adam, Keras form, large eps, other betas",
            rule: Rule::Adam {
                lr: 0.1,
                beta1: 0.8,
                beta2: 0.95,
                eps: 0.1,
                weight_decay: 0.0,
                pytorch: false,
            },
            make: || {
                let mut adam = Adam::new(0.1);
                (adam.beta1, adam.beta2, adam.epsilon) = (0.8, 0.95, 0.1);
                Opt::Adam(adam)
            },
        },
        Case {
            name: "Adam, PyTorch form",
            rule: Rule::Adam {
                lr: 0.1,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.0,
                pytorch: true,
            },
            make: || {
                let mut adam = Adam::pytorch();
                adam.lr = 0.1;
                Opt::Adam(adam)
            },
        },
        Case {
            name: "Adam, PyTorch form, large eps, other betas",
            rule: Rule::Adam {
                lr: 0.1,
                beta1: 0.8,
                beta2: 0.95,
                eps: 0.1,
                weight_decay: 0.0,
                pytorch: true,
            },
            make: || {
                let mut adam = Adam::pytorch();
                (adam.lr, adam.beta1, adam.beta2, adam.epsilon) = (0.1, 0.8, 0.95, 0.1);
                Opt::Adam(adam)
            },
        },
        Case {
            name: "AdamW",
            rule: Rule::Adam {
                lr: 0.1,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-7,
                weight_decay: 0.05,
                pytorch: false,
            },
            make: || Opt::Adam(Adam::adamw(0.1, 0.05)),
        },
        Case {
            name: "RMSprop",
            rule: Rule::RmsProp {
                lr: 0.05,
                rho: 0.9,
                eps: 1e-7,
                momentum: 0.0,
            },
            make: || Opt::RmsProp(RmsProp::new(0.05)),
        },
        Case {
            name: "RMSprop with momentum",
            rule: Rule::RmsProp {
                lr: 0.05,
                rho: 0.9,
                eps: 1e-7,
                momentum: 0.8,
            },
            make: || {
                let mut rms = RmsProp::new(0.05);
                rms.momentum = 0.8;
                Opt::RmsProp(rms)
            },
        },
    ]
}

/// The problem on a tape: `sum(a * (w - c)^2)` over both parameters.
fn objective<'t>(tape: &'t Tape<f64>, params: &[Var<'t, f64>]) -> Var<'t, f64> {
    let part = |p: Var<'t, f64>, range: std::ops::Range<usize>| {
        let n = range.len();
        let c = tape.constant(Tensor::from_fn([n], |i| CENTRE[range.start + i]));
        let a = tape.constant(Tensor::from_fn([n], |i| WEIGHT[range.start + i]));
        ((p - c).square() * a).sum()
    };
    part(params[0], 0..SPLIT) + part(params[1], SPLIT..START.len())
}

fn start_params() -> [Param<f64>; 2] {
    [
        Param::new("w", Tensor::from_fn([SPLIT], |i| START[i])),
        Param::new(
            "b",
            Tensor::from_fn([START.len() - SPLIT], |i| START[SPLIT + i]),
        ),
    ]
}

fn flat(params: &[Param<f64>; 2]) -> Vec<f64> {
    params.iter().flat_map(|p| p.value().to_vec()).collect()
}

/// One ordinary step: gradients from a backward pass, then `Optimizer::step`.
fn step(opt: &mut dyn Optimizer<f64>, params: &mut [Param<f64>; 2]) {
    let grads = {
        let tape = Tape::new();
        let vars: Vec<Var<'_, f64>> = params.iter().map(|p| tape.var(p.value().clone())).collect();
        let g = objective(&tape, &vars).backward();
        vars.iter().map(|v| g[*v].clone()).collect::<Vec<_>>()
    };
    let [w, b] = params;
    opt.step(&mut [w, b], &grads);
}

fn stepped_trajectory(opt: &mut dyn Optimizer<f64>, steps: usize) -> Vec<Vec<f64>> {
    let mut params = start_params();
    (0..steps)
        .map(|_| {
            step(opt, &mut params);
            flat(&params)
        })
        .collect()
}

/// The trajectory of `update` on vars: every step recorded on `tape`, with
/// the gradients themselves from `tape.grad` and the learning rate a var.
fn recorded_trajectory<'t>(
    tape: &'t Tape<f64>,
    lr: f64,
    steps: usize,
    mut update: impl FnMut(&[Var<'t, f64>], &[Var<'t, f64>], &Var<'t, f64>) -> Vec<Var<'t, f64>>,
) -> Vec<Vec<f64>> {
    let lr = tape.var(Tensor::scalar(lr));
    let mut params: Vec<Var<'t, f64>> = start_params()
        .iter()
        .map(|p| tape.var(p.value().clone()))
        .collect();
    let mut trajectory = Vec::new();
    for _ in 0..steps {
        let grads = tape.grad(objective(tape, &params), &params);
        params = update(&params, &grads, &lr);
        assert!(
            params.iter().all(|p| p.requires_grad()),
            "a recorded step is differentiable"
        );
        trajectory.push(params.iter().flat_map(|p| p.value().to_vec()).collect());
    }
    trajectory
}

fn var_trajectory(opt: &Opt, lr: f64, steps: usize) -> Vec<Vec<f64>> {
    let tape = Tape::new();
    match opt {
        Opt::Sgd(o) => {
            let mut state = SgdState::default();
            recorded_trajectory(&tape, lr, steps, |p, g, lr| o.update(&mut state, p, g, lr))
        }
        Opt::Adam(o) => {
            let mut state = AdamState::default();
            recorded_trajectory(&tape, lr, steps, |p, g, lr| o.update(&mut state, p, g, lr))
        }
        Opt::RmsProp(o) => {
            let mut state = RmsPropState::default();
            recorded_trajectory(&tape, lr, steps, |p, g, lr| o.update(&mut state, p, g, lr))
        }
    }
}

fn assert_trajectories_match(what: &str, got: &[Vec<f64>], want: &[Vec<f64>], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: number of steps");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        for (i, (a, b)) in g.iter().zip(w).enumerate() {
            assert!(
                (a - b).abs() <= tol,
                "{what}: step {}, element {i}: {a} vs reference {b} (difference {:e})",
                k + 1,
                (a - b).abs()
            );
        }
    }
}

#[test]
fn step_follows_the_published_rule_for_every_optimizer() {
    for case in cases() {
        let want = reference(case.rule, STEPS);
        let got = stepped_trajectory((case.make)().as_dyn(), STEPS);
        assert_trajectories_match(case.name, &got, &want, 1e-10);
    }
}

#[test]
fn recorded_update_on_vars_follows_the_same_trajectory() {
    for case in cases() {
        let want = reference(case.rule, STEPS);
        let opt = (case.make)();
        let recorded = var_trajectory(&opt, case.rule.lr(), STEPS);
        assert_trajectories_match(&format!("{} (vars)", case.name), &recorded, &want, 1e-10);
        let stepped = stepped_trajectory((case.make)().as_dyn(), STEPS);
        assert_trajectories_match(
            &format!("{} (vars vs step)", case.name),
            &recorded,
            &stepped,
            1e-12,
        );
    }
}

#[test]
fn the_reference_tells_the_rules_apart() {
    // The comparisons above are only meaningful if the rules give visibly
    // different trajectories: where eps enters, Nesterov or not, decay or not.
    let all: Vec<(&str, Vec<Vec<f64>>)> = cases()
        .iter()
        .map(|c| (c.name, reference(c.rule, STEPS)))
        .collect();
    for (i, (a, ta)) in all.iter().enumerate() {
        for (b, tb) in &all[i + 1..] {
            let gap = ta
                .last()
                .unwrap()
                .iter()
                .zip(tb.last().unwrap())
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            assert!(gap > 1e-7, "{a} and {b} end within {gap:e} of each other");
        }
    }
}

#[test]
fn learning_rate_accessors_drive_the_step() {
    let mut sgd = Sgd::new(0.1);
    assert_eq!(Optimizer::<f64>::learning_rate(&sgd), 0.1);
    sgd.set_learning_rate(0.25);
    assert_eq!(Optimizer::<f64>::learning_rate(&sgd), 0.25);
    let got = stepped_trajectory(&mut sgd, 2);
    assert_trajectories_match(
        "SGD lr 0.25",
        &got,
        &reference(Rule::Sgd { lr: 0.25 }, 2),
        1e-12,
    );
    let mut adam = Adam::<f64>::new(0.1);
    adam.set_learning_rate(0.2);
    assert_eq!(adam.learning_rate(), 0.2);
    let mut rms = RmsProp::<f64>::new(0.1);
    rms.set_learning_rate(0.3);
    assert_eq!(rms.learning_rate(), 0.3);
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn saved_state_restores_bit_for_bit() {
    for case in cases() {
        let mut first = (case.make)();
        let mut params = start_params();
        for _ in 0..3 {
            step(first.as_dyn(), &mut params);
        }
        let saved = first.as_dyn().state();
        let after_three = params.clone();
        for _ in 0..2 {
            step(first.as_dyn(), &mut params);
        }
        let continued = flat(&params);

        let mut second = (case.make)();
        second
            .as_dyn()
            .load_state(&saved)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let mut resumed = after_three.clone();
        for _ in 0..2 {
            step(second.as_dyn(), &mut resumed);
        }
        assert_eq!(
            bits(&flat(&resumed)),
            bits(&continued),
            "{}: resumed run differs",
            case.name
        );

        // Without the state, the continuation differs, for every optimizer
        // that has state: so the comparison above can fail.
        let mut fresh = (case.make)();
        let mut restarted = after_three;
        for _ in 0..2 {
            step(fresh.as_dyn(), &mut restarted);
        }
        if saved.is_empty() {
            assert_eq!(case.name, "SGD", "only plain SGD is stateless");
        } else {
            assert_ne!(
                flat(&restarted),
                continued,
                "{}: state had no effect",
                case.name
            );
        }
    }
}

/// Whether `name` is the last per-parameter slot of a family that nothing
/// else in the state pairs with (SGD's velocities, RMSprop's averages
/// without momentum). A state without it looks like a state for fewer
/// parameters, which `load_state` cannot tell apart without the parameters.
fn unpaired_last_slot(saved: &[(String, Tensor<f64>)], name: &str) -> bool {
    let family = |n: &str| n.rsplit_once('.').map(|(f, _)| f.to_string());
    let Some(own) = family(name) else {
        return false;
    };
    let families: std::collections::BTreeSet<String> =
        saved.iter().filter_map(|(n, _)| family(n)).collect();
    let last = saved
        .iter()
        .filter(|(n, _)| family(n).as_deref() == Some(own.as_str()))
        .count();
    families.len() == 1 && *name == format!("{own}.{}", last - 1)
}

#[test]
fn a_state_missing_a_tensor_is_refused() {
    let mut refused = 0;
    for case in cases() {
        let mut opt = (case.make)();
        let mut params = start_params();
        for _ in 0..3 {
            step(opt.as_dyn(), &mut params);
        }
        let saved = opt.as_dyn().state();
        for (name, _) in &saved {
            let without: Vec<(String, Tensor<f64>)> =
                saved.iter().filter(|(n, _)| n != name).cloned().collect();
            let mut fresh = (case.make)();
            let result = fresh.as_dyn().load_state(&without);
            if unpaired_last_slot(&saved, name) {
                // Accepted as the state of one parameter fewer: the next step
                // for all the parameters must then refuse to run.
                assert_eq!(result, Ok(()), "{}: state without {name}", case.name);
                let mut moved = params.clone();
                let stepped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    step(fresh.as_dyn(), &mut moved)
                }));
                assert!(
                    stepped.is_err(),
                    "{}: stepped with a state missing {name}",
                    case.name
                );
            } else {
                assert_eq!(
                    result,
                    Err(StateError::Missing { name: name.clone() }),
                    "{}: state without {name}",
                    case.name
                );
                refused += 1;
            }
        }
    }
    // step, m.0, m.1, v.0, v.1 for each of the five Adams; velocity.0 for
    // SGD with momentum and with Nesterov; mean_square.0 for RMSprop; all
    // four tensors of RMSprop with momentum.
    assert_eq!(refused, 5 * 5 + 2 + 1 + 4);
}
