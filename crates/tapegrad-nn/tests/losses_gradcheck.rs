//! Proves that every loss has correct gradients at first and second order
//! under each reduction (Mean, Sum, None), in f64 through the core's
//! checker (with respect to predictions and, where the loss is
//! differentiable in them, targets; piecewise losses away from their kinks),
//! and that the values agree with hand computations: known distributions,
//! Keras's renormalisation and clipping at 1e-7, the stable logits path that
//! `Loss::compute` takes for a model ending in softmax, and the closed-form
//! gradient `softmax - one_hot` of cross-entropy from logits.

mod common;

use common::{assert_close, check_both, t, uniform};
use tapegrad::{Tape, Tensor, Var};
use tapegrad_nn::loss::{
    binary_crossentropy, categorical_crossentropy, huber, mean_absolute_error, mean_squared_error,
    sparse_categorical_crossentropy, Loss, Reduction, Targets, PROBABILITY_EPSILON,
};

const REDUCTIONS: [Reduction; 3] = [Reduction::Mean, Reduction::Sum, Reduction::None];

/// Per-sample losses reduced by hand.
fn reduce(per_sample: &[f64], reduction: Reduction) -> Vec<f64> {
    let sum: f64 = per_sample.iter().sum();
    match reduction {
        Reduction::Mean => vec![sum / per_sample.len() as f64],
        Reduction::Sum => vec![sum],
        Reduction::None => per_sample.to_vec(),
    }
}

fn rows(x: &Tensor<f64>) -> Vec<Vec<f64>> {
    let m = x.shape()[1];
    x.as_slice().chunks(m).map(<[f64]>::to_vec).collect()
}

fn logsumexp(row: &[f64]) -> f64 {
    let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    top + row.iter().map(|z| (z - top).exp()).sum::<f64>().ln()
}

/// Positive, unnormalised scores in `[0.1, 1)`: after renormalisation every
/// probability stays far from Keras's clipping bounds.
fn scores(shape: &[usize], seed: u64) -> Tensor<f64> {
    uniform(shape, 0.1, 1.0, seed)
}

/// Errors whose magnitudes keep at least 0.1 from 0 and from 1 (Huber's
/// default delta), half of them in each of Huber's regions.
fn errors(shape: &[usize], seed: u64) -> Tensor<f64> {
    let magnitudes = [0.2, 0.45, 0.8, 1.3, 1.75, 2.6];
    let signs = uniform(shape, -1.0, 1.0, seed);
    Tensor::from_fn(shape, |i| {
        magnitudes[i % magnitudes.len()] * signs.as_slice()[i].signum()
    })
}

#[test]
fn sparse_categorical_crossentropy_gradients() {
    let labels = [2, 0, 3];
    let logits = uniform(&[3, 4], -2.0, 2.0, 1);
    let probs = scores(&[3, 4], 2);
    for reduction in REDUCTIONS {
        for (from_logits, pred) in [(true, &logits), (false, &probs)] {
            check_both(
                &format!("sparse CE from_logits {from_logits} {reduction:?}"),
                |_, v| sparse_categorical_crossentropy(v[0], &labels, from_logits, reduction),
                std::slice::from_ref(pred),
            );
        }
    }
}

#[test]
fn categorical_crossentropy_gradients_wrt_predictions_and_targets() {
    let logits = uniform(&[3, 4], -2.0, 2.0, 3);
    let probs = scores(&[3, 4], 4);
    let target = uniform(&[3, 4], 0.0, 1.0, 5);
    for reduction in REDUCTIONS {
        for (from_logits, pred) in [(true, &logits), (false, &probs)] {
            check_both(
                &format!("categorical CE from_logits {from_logits} {reduction:?}"),
                |_, v| categorical_crossentropy(v[0], v[1], from_logits, reduction),
                &[pred.clone(), target.clone()],
            );
        }
    }
}

#[test]
fn binary_crossentropy_gradients_wrt_predictions_and_targets() {
    let logits = uniform(&[3, 2], -3.0, 3.0, 6);
    let probs = uniform(&[3, 2], 0.05, 0.95, 7);
    let target = uniform(&[3, 2], 0.0, 1.0, 8);
    for reduction in REDUCTIONS {
        for (from_logits, pred) in [(true, &logits), (false, &probs)] {
            check_both(
                &format!("binary CE from_logits {from_logits} {reduction:?}"),
                |_, v| binary_crossentropy(v[0], v[1], from_logits, reduction),
                &[pred.clone(), target.clone()],
            );
        }
    }
}

#[test]
fn regression_loss_gradients_wrt_predictions_and_targets() {
    let target = uniform(&[3, 4], -1.0, 1.0, 9);
    let pred = &target + &errors(&[3, 4], 10);
    let inputs = [pred, target];
    for reduction in REDUCTIONS {
        check_both(
            &format!("MSE {reduction:?}"),
            |_, v| mean_squared_error(v[0], v[1], reduction),
            &inputs,
        );
        check_both(
            &format!("MAE {reduction:?}"),
            |_, v| mean_absolute_error(v[0], v[1], reduction),
            &inputs,
        );
        for delta in [1.0, 0.6] {
            check_both(
                &format!("Huber delta {delta} {reduction:?}"),
                |_, v| huber(v[0], v[1], delta, reduction),
                &inputs,
            );
        }
    }
}

#[test]
fn crossentropy_of_known_distributions() {
    let probs = t(&[0.2, 0.3, 0.5, 0.7, 0.2, 0.1], &[2, 3]);
    let labels = [2, 0];
    let one_hot = t(&[0.0, 0.0, 1.0, 1.0, 0.0, 0.0], &[2, 3]);
    let soft = t(&[0.1, 0.2, 0.7, 0.5, 0.25, 0.25], &[2, 3]);
    let hard_by_hand = [-(0.5f64.ln()), -(0.7f64.ln())];
    let soft_by_hand = [
        -(0.1 * 0.2f64.ln() + 0.2 * 0.3f64.ln() + 0.7 * 0.5f64.ln()),
        -(0.5 * 0.7f64.ln() + 0.25 * 0.2f64.ln() + 0.25 * 0.1f64.ln()),
    ];
    for reduction in REDUCTIONS {
        let tape = Tape::new();
        let p = tape.var(probs.clone());
        let sparse = sparse_categorical_crossentropy(p, &labels, false, reduction);
        let hard = categorical_crossentropy(p, tape.constant(one_hot.clone()), false, reduction);
        let smooth = categorical_crossentropy(p, tape.constant(soft.clone()), false, reduction);
        let want = reduce(&hard_by_hand, reduction);
        assert_close("sparse CE", sparse.value().as_slice(), &want, 1e-14);
        assert_close("one-hot CE", hard.value().as_slice(), &want, 1e-14);
        assert_close(
            "soft-target CE",
            smooth.value().as_slice(),
            &reduce(&soft_by_hand, reduction),
            1e-14,
        );
    }
}

#[test]
fn crossentropy_from_logits_is_logsumexp_minus_the_true_logit() {
    let logits = t(&[1.5, -0.5, 0.25, 3.0, -2.0, 0.0, 0.75, 1.0], &[2, 4]);
    let labels = [3, 1];
    let by_hand: Vec<f64> = rows(&logits)
        .iter()
        .zip(labels)
        .map(|(r, k)| logsumexp(r) - r[k])
        .collect();
    for reduction in REDUCTIONS {
        let tape = Tape::new();
        let z = tape.var(logits.clone());
        let sparse = sparse_categorical_crossentropy(z, &labels, true, reduction);
        let dense = categorical_crossentropy(
            z,
            tape.constant(Tensor::one_hot(&labels, 4)),
            true,
            reduction,
        );
        let want = reduce(&by_hand, reduction);
        assert_close(
            "sparse CE from logits",
            sparse.value().as_slice(),
            &want,
            1e-13,
        );
        assert_close("CE from logits", dense.value().as_slice(), &want, 1e-13);
    }
}

#[test]
fn crossentropy_gradient_from_logits_is_softmax_minus_one_hot() {
    let logits = t(&[1.5, -0.5, 0.25, 3.0, -2.0, 0.0], &[2, 3]);
    let labels = [1, 2];
    let tape = Tape::new();
    let z = tape.var(logits.clone());
    let grads = sparse_categorical_crossentropy(z, &labels, true, Reduction::Mean).backward();
    let mut want = Vec::new();
    for (i, r) in rows(&logits).iter().enumerate() {
        let lse = logsumexp(r);
        for (j, v) in r.iter().enumerate() {
            let indicator = f64::from(u8::from(j == labels[i]));
            want.push(((v - lse).exp() - indicator) / 2.0);
        }
    }
    assert_close("dCE/dz", grads[z].as_slice(), &want, 1e-14);
}

#[test]
fn probabilities_are_renormalised_as_keras_does() {
    // Scores 1 and 3 are the distribution (0.25, 0.75).
    let tape = Tape::new();
    let p = tape.var(t(&[1.0, 3.0, 2.0, 2.0], &[2, 2]));
    let loss = sparse_categorical_crossentropy(p, &[1, 0], false, Reduction::None);
    assert_close(
        "renormalised CE",
        loss.value().as_slice(),
        &[-(0.75f64.ln()), -(0.5f64.ln())],
        1e-14,
    );
}

#[test]
fn a_zero_probability_for_the_true_class_is_clipped_at_1e_minus_7() {
    let want = -(1e-7f64.ln());
    assert_eq!(PROBABILITY_EPSILON, 1e-7);
    let close = |what: &str, got: f64| {
        assert!(
            ((got - want) / want).abs() <= 1e-6,
            "{what}: {got}, want -ln(1e-7) = {want}"
        );
    };
    let tape = Tape::new();
    let p = tape.var(t(&[0.0, 1.0], &[1, 2]));
    close(
        "sparse CE",
        sparse_categorical_crossentropy(p, &[0], false, Reduction::Mean)
            .value()
            .item(),
    );
    let one_hot = tape.constant(t(&[1.0, 0.0], &[1, 2]));
    close(
        "categorical CE",
        categorical_crossentropy(p, one_hot, false, Reduction::Sum)
            .value()
            .item(),
    );
    // Binary: probability 0 for a positive, and 1 for a negative.
    let q = tape.var(t(&[0.0, 1.0], &[2, 1]));
    let y = tape.constant(t(&[1.0, 0.0], &[2, 1]));
    let per_sample = binary_crossentropy(q, y, false, Reduction::None).value();
    close("binary CE of 0 for a positive", per_sample.get(&[0]));
    close("binary CE of 1 for a negative", per_sample.get(&[1]));
    // Every value is finite, and so is every gradient.
    let grads = binary_crossentropy(q, y, false, Reduction::Sum).backward();
    assert!(grads[q].all_finite());
}

#[test]
fn binary_crossentropy_values() {
    let logits = t(&[0.5, -1.5, 2.0, 0.0, -0.25, 1.0], &[3, 2]);
    let probs = t(&[0.9, 0.2, 0.4, 0.6, 0.05, 0.7], &[3, 2]);
    let target = t(&[1.0, 0.0, 0.3, 1.0, 0.0, 0.8], &[3, 2]);
    let per_sample = |f: &dyn Fn(f64, f64) -> f64, pred: &Tensor<f64>| -> Vec<f64> {
        (0..3)
            .map(|i| {
                (0..2)
                    .map(|j| f(pred.get(&[i, j]), target.get(&[i, j])))
                    .sum::<f64>()
                    / 2.0
            })
            .collect()
    };
    let from_logits = per_sample(&|x, y| (1.0 + x.exp()).ln() - x * y, &logits);
    let from_probs = per_sample(&|p, y| -(y * p.ln() + (1.0 - y) * (1.0 - p).ln()), &probs);
    for reduction in REDUCTIONS {
        let tape = Tape::new();
        let y = tape.constant(target.clone());
        let a = binary_crossentropy(tape.var(logits.clone()), y, true, reduction);
        let b = binary_crossentropy(tape.var(probs.clone()), y, false, reduction);
        let what = format!("binary CE {reduction:?}");
        assert_close(
            &what,
            a.value().as_slice(),
            &reduce(&from_logits, reduction),
            1e-14,
        );
        assert_close(
            &what,
            b.value().as_slice(),
            &reduce(&from_probs, reduction),
            1e-14,
        );
    }
}

#[test]
fn regression_loss_values() {
    let pred = t(&[0.5, 3.0, -1.0, 0.25, -2.0, 1.5], &[2, 3]);
    let target = t(&[0.0, 0.5, -1.5, 1.0, 0.0, 1.5], &[2, 3]);
    let per_sample = |f: &dyn Fn(f64) -> f64| -> Vec<f64> {
        (0..2)
            .map(|i| {
                (0..3)
                    .map(|j| f(pred.get(&[i, j]) - target.get(&[i, j])))
                    .sum::<f64>()
                    / 3.0
            })
            .collect()
    };
    let delta = 1.0;
    let huber_by_hand = |e: f64| {
        if e.abs() <= delta {
            0.5 * e * e
        } else {
            delta * (e.abs() - 0.5 * delta)
        }
    };
    let mse = per_sample(&|e| e * e);
    let mae = per_sample(&f64::abs);
    let hub = per_sample(&huber_by_hand);
    for reduction in REDUCTIONS {
        let tape = Tape::new();
        let (p, y) = (tape.var(pred.clone()), tape.constant(target.clone()));
        let what = format!("{reduction:?}");
        let got = mean_squared_error(p, y, reduction).value();
        assert_close(
            &format!("MSE {what}"),
            got.as_slice(),
            &reduce(&mse, reduction),
            1e-14,
        );
        let got = mean_absolute_error(p, y, reduction).value();
        assert_close(
            &format!("MAE {what}"),
            got.as_slice(),
            &reduce(&mae, reduction),
            1e-14,
        );
        let got = huber(p, y, delta, reduction).value();
        assert_close(
            &format!("Huber {what}"),
            got.as_slice(),
            &reduce(&hub, reduction),
            1e-14,
        );
    }
    // Reduction::None keeps one loss per sample.
    let tape = Tape::new();
    let per = mean_squared_error(
        tape.var(pred.clone()),
        tape.constant(target.clone()),
        Reduction::None,
    );
    assert_eq!(per.shape().as_slice(), &[2]);
}

/// The network's output and its logits, as a model ending in softmax gives them.
fn softmax_output<'t>(tape: &'t Tape<f64>, logits: &Tensor<f64>) -> (Var<'t, f64>, Var<'t, f64>) {
    let z = tape.var(logits.clone());
    (z.softmax(1), z)
}

#[test]
fn compute_trains_on_logits_with_the_same_value_for_moderate_inputs() {
    let logits = uniform(&[4, 3], -3.0, 3.0, 12);
    let labels = vec![0, 2, 1, 2];
    let one_hot = Tensor::one_hot(&labels, 3);
    let tape = Tape::new();
    let (out, z) = softmax_output(&tape, &logits);
    let sparse = Loss::SparseCategoricalCrossentropy { from_logits: false };
    let dense = Loss::CategoricalCrossentropy { from_logits: false };
    let on_probs = sparse_categorical_crossentropy(out, &labels, false, Reduction::Mean);
    let cases = [
        sparse.compute(out, Some(z), &Targets::Labels(labels.clone())),
        sparse.compute(out, None, &Targets::Labels(labels.clone())),
        dense.compute(out, Some(z), &Targets::Dense(one_hot.clone())),
        dense.compute(out, None, &Targets::Dense(one_hot)),
    ];
    for (i, got) in cases.iter().enumerate() {
        let (got, want) = (got.value().item(), on_probs.value().item());
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "case {i}: {got} vs {want}"
        );
    }
    // Both paths give the same gradient with respect to the logits.
    let via_logits = sparse
        .compute(out, Some(z), &Targets::Labels(labels.clone()))
        .backward();
    let via_probs = on_probs.backward();
    assert_close(
        "gradients",
        via_logits[z].as_slice(),
        via_probs[z].as_slice(),
        1e-12,
    );
}

#[test]
fn compute_uses_the_logits_where_probabilities_would_clip() {
    // The true class's probability e^-40 is below 1e-7: from probabilities
    // the loss is clipped at -ln(1e-7); from the logits it is exact.
    let logits = t(&[0.0, 40.0], &[1, 2]);
    let exact = logsumexp(&[0.0, 40.0]);
    let tape = Tape::new();
    let (out, z) = softmax_output(&tape, &logits);
    let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
    let labels = Targets::Labels(vec![0]);
    let stable = loss.compute(out, Some(z), &labels).value().item();
    let clipped = loss.compute(out, None, &labels).value().item();
    assert!(
        (stable - exact).abs() <= 1e-12 * exact,
        "{stable} vs {exact}"
    );
    assert!(
        (clipped + 1e-7f64.ln()).abs() <= 1e-6 * clipped,
        "clipped {clipped}"
    );
}

#[test]
fn compute_matches_each_functional_loss_with_mean_reduction() {
    let pred = uniform(&[3, 2], 0.1, 0.9, 13);
    let target = uniform(&[3, 2], 0.0, 1.0, 14);
    let tape = Tape::new();
    let (p, y) = (tape.var(pred), tape.constant(target.clone()));
    let dense = Targets::Dense(target);
    let mean = Reduction::Mean;
    let cases = [
        (
            Loss::BinaryCrossentropy { from_logits: true },
            binary_crossentropy(p, y, true, mean),
        ),
        (
            Loss::BinaryCrossentropy { from_logits: false },
            binary_crossentropy(p, y, false, mean),
        ),
        (
            Loss::CategoricalCrossentropy { from_logits: true },
            categorical_crossentropy(p, y, true, mean),
        ),
        (Loss::MeanSquaredError, mean_squared_error(p, y, mean)),
        (Loss::MeanAbsoluteError, mean_absolute_error(p, y, mean)),
        (Loss::Huber(0.3), huber(p, y, 0.3, mean)),
    ];
    for (loss, want) in cases {
        let got = loss.compute(p, None, &dense).value().item();
        assert_eq!(got, want.value().item(), "{loss:?}");
    }
    let labels = Targets::Labels(vec![1, 0, 1]);
    let got = Loss::SparseCategoricalCrossentropy { from_logits: true }
        .compute(p, None, &labels)
        .value()
        .item();
    let want = sparse_categorical_crossentropy(p, &[1, 0, 1], true, mean);
    assert_eq!(got, want.value().item());
}
