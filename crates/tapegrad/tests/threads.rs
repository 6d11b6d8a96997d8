//! Thread safety: tensors cross threads, and independent tapes run on
//! separate threads at once with the same results as on one.

use std::thread;

use tapegrad::gradcheck::gradcheck;
use tapegrad::{Tape, Tensor};

fn gradient_on_own_tape(seed: u64) -> Vec<f64> {
    let x0 = Tensor::<f64>::from_fn([3, 4], |i| ((i as u64 + seed) as f64 * 0.37).sin());
    let tape = Tape::new();
    let x = tape.var(x0.clone());
    let w = tape.var(Tensor::from_fn([4, 2], |i| i as f64 * 0.1 - 0.3));
    let grads = x.matmul(w).tanh().log_softmax(1).sum().backward();
    gradcheck(
        |_, v| v[0].matmul(v[1]).tanh().log_softmax(1).sum(),
        &[x0, w.value()],
    )
    .unwrap();
    grads[x].to_vec()
}

#[test]
fn independent_tapes_run_in_parallel_threads() {
    let expected: Vec<Vec<f64>> = (0..4).map(gradient_on_own_tape).collect();
    let handles: Vec<_> = (0..4)
        .map(|seed| thread::spawn(move || gradient_on_own_tape(seed)))
        .collect();
    for (handle, want) in handles.into_iter().zip(expected) {
        assert_eq!(handle.join().unwrap(), want);
    }
}

#[test]
fn tensors_and_tapes_move_between_threads() {
    fn is_send<X: Send>() {}
    fn is_sync<X: Sync>() {}
    is_send::<Tensor<f32>>();
    is_sync::<Tensor<f32>>();
    is_send::<Tape<f32>>();
    let t = Tensor::<f32>::ones([2]);
    let back = thread::spawn(move || t.mul_scalar(2.0)).join().unwrap();
    assert_eq!(back.to_vec(), vec![2.0, 2.0]);
}
