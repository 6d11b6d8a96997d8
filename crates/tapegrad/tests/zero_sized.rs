//! Zero-sized dimensions work throughout: a batch of 0, an empty sum, an
//! empty product; and a shape whose element count overflows is refused.

use tapegrad::gradcheck::gradcheck;
use tapegrad::{Tape, Tensor, TensorError};

#[test]
fn an_empty_batch_flows_forward_and_backward() {
    let tape = Tape::new();
    let x = tape.var(Tensor::<f64>::zeros([0, 3]));
    let w = tape.var(Tensor::<f64>::ones([3, 2]));
    let b = tape.var(Tensor::<f64>::ones([2]));
    let logits = x.matmul(w) + b;
    assert_eq!(logits.shape().as_slice(), &[0, 2]);
    let loss = logits.relu().log_softmax(1).sum();
    assert_eq!(loss.value().item(), 0.0);
    let grads = loss.backward();
    assert_eq!(grads[x].shape(), &[0, 3]);
    assert_eq!(grads[w].to_vec(), vec![0.0; 6]);
    assert_eq!(grads[b].to_vec(), vec![0.0; 2]);
}

#[test]
fn empty_reductions_and_products_give_identities() {
    let empty = Tensor::<f64>::zeros([2, 0]);
    assert_eq!(empty.sum_axes(&[1], false).to_vec(), vec![0.0, 0.0]);
    assert_eq!(empty.sum().item(), 0.0);
    let product = empty.matmul(&Tensor::zeros([0, 3]));
    assert_eq!(product.to_vec(), vec![0.0; 6]);
    assert_eq!(Tensor::<f64>::zeros([0]).softmax(0).numel(), 0);
}

#[test]
fn the_checker_accepts_empty_inputs() {
    let inputs = [
        Tensor::<f64>::zeros([0, 3]),
        Tensor::from_fn([3, 2], |i| i as f64),
    ];
    gradcheck(|_, v| v[0].matmul(v[1]).tanh(), &inputs).unwrap();
    gradcheck(
        |_, v| v[0].sum_axes(&[0], false) * v[1].sum_axes(&[1], false).sum(),
        &inputs,
    )
    .unwrap();
}

#[test]
fn layout_ops_handle_empty_axes() {
    let t = Tensor::<f64>::arange(6).reshape([2, 3]);
    assert_eq!(t.narrow(1, 1, 0).shape(), &[2, 0]);
    assert_eq!(t.index_select(0, &[]).shape(), &[0, 3]);
    let joined = Tensor::concat(&[&t, &Tensor::zeros([0, 3])], 0);
    assert_eq!(joined, t);
    assert_eq!(
        Tensor::<f64>::zeros([0, 3]).transpose(0, 1).shape(),
        &[3, 0]
    );
}

#[test]
fn overflowing_shapes_are_errors_not_wraparounds() {
    let err = Tensor::<f32>::from_vec(vec![], [1 << 40, 1 << 40]).unwrap_err();
    assert!(matches!(err, TensorError::TooLarge { .. }), "{err}");
}

#[test]
#[should_panic(expected = "has more elements than fit in usize")]
fn overflowing_constructors_panic_with_the_shape() {
    let _ = Tensor::<f32>::zeros([usize::MAX, 2]);
}
