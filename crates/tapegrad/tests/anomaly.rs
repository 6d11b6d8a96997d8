//! Anomaly mode stops at the first non-finite value, forward or backward,
//! naming the op, the shapes and the creating source line; off, it is silent.

use tapegrad::{Tape, Tensor};

fn values(v: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), [v.len()]).unwrap()
}

#[test]
#[should_panic(
    expected = "anomaly: ln produced a non-finite value in forward (inputs of shapes [[2]]"
)]
fn forward_nan_names_the_op_and_shapes() {
    let tape = Tape::new();
    tape.set_detect_anomaly(true);
    let x = tape.var(values(&[1.0, -1.0]));
    let _ = x.ln();
}

#[test]
#[should_panic(expected = "tests/anomaly.rs")]
fn forward_message_names_the_users_source_file() {
    let tape = Tape::new();
    tape.set_detect_anomaly(true);
    let x = tape.var(values(&[0.0]));
    let _ = x.recip();
}

#[test]
#[should_panic(
    expected = "anomaly: the backward of sqrt produced a non-finite gradient for its input 0"
)]
fn backward_inf_names_the_op() {
    let tape = Tape::new();
    tape.set_detect_anomaly(true);
    let x = tape.var(values(&[0.0, 4.0]));
    let _ = x.sqrt().sum().backward();
}

#[test]
#[should_panic(expected = "anomaly: the backward of sqrt")]
fn recorded_backward_is_checked_too() {
    let tape = Tape::new();
    let x = tape.var(values(&[0.0, 4.0]));
    let y = x.sqrt().sum();
    tape.with_anomaly_detection(|| tape.grad(y, &[x]));
}

#[test]
fn off_by_default_and_restored_after_a_scope() {
    let tape = Tape::new();
    let x = tape.var(values(&[0.0, 4.0]));
    let g = x.sqrt().sum().backward();
    assert!(g[x].get(&[0]).is_infinite());
    let finite = tape.with_anomaly_detection(|| x.exp().sum().backward());
    assert!(finite[x].all_finite());
    assert!(!tape.detects_anomaly());
}
