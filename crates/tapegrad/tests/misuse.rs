//! Misuse fails loudly, with a message naming the op and the shapes; data
//! from outside (`Tensor::from_vec`) fails with an error value instead.

use tapegrad::{Tape, Tensor, TensorError, Var};

#[test]
#[should_panic(expected = "matmul: cannot multiply [2, 3] by [4, 5]")]
fn matmul_of_mismatched_vars() {
    let tape = Tape::<f64>::new();
    let _ = tape
        .var(Tensor::zeros([2, 3]))
        .matmul(tape.var(Tensor::zeros([4, 5])));
}

#[test]
#[should_panic(expected = "matmul: cannot multiply [3, 2] (transposed) by [3, 2] (transposed)")]
fn matmul_transposed_names_the_transposed_operands() {
    let tape = Tape::<f64>::new();
    let a = tape.var(Tensor::zeros([3, 2]));
    let _ = a.matmul_transposed(a, true, true);
}

#[test]
#[should_panic(expected = "matmul: operands must have at least 2 dimensions, got [3] and [3, 2]")]
fn matmul_of_a_vector() {
    let tape = Tape::<f64>::new();
    let _ = tape
        .var(Tensor::zeros([3]))
        .matmul(tape.var(Tensor::zeros([3, 2])));
}

#[test]
#[should_panic(expected = "matmul: shapes [2] and [3] cannot be broadcast together")]
fn matmul_with_incompatible_batches() {
    let tape = Tape::<f64>::new();
    let _ = tape
        .var(Tensor::zeros([2, 2, 3]))
        .matmul(tape.var(Tensor::zeros([3, 3, 4])));
}

#[test]
#[should_panic(expected = "add: shapes [2, 3] and [4] cannot be broadcast together")]
fn add_of_unbroadcastable_vars() {
    let tape = Tape::<f64>::new();
    let _ = tape.var(Tensor::zeros([2, 3])) + tape.var(Tensor::zeros([4]));
}

#[test]
#[should_panic(expected = "mul: shapes [3] and [2, 2] cannot be broadcast together")]
fn mul_of_a_var_by_an_unbroadcastable_tensor() {
    let tape = Tape::<f64>::new();
    let _ = tape.var(Tensor::zeros([3])) * &Tensor::zeros([2, 2]);
}

#[test]
#[should_panic(expected = "maximum: shapes [2] and [3] cannot be broadcast together")]
fn maximum_of_unbroadcastable_vars() {
    let tape = Tape::<f64>::new();
    let _ = tape
        .var(Tensor::zeros([2]))
        .maximum(tape.var(Tensor::zeros([3])));
}

#[test]
#[should_panic(expected = "broadcast_to: shape [3] cannot be broadcast to [2, 4]")]
fn broadcast_to_an_incompatible_shape() {
    let tape = Tape::<f64>::new();
    let _ = tape.var(Tensor::zeros([3])).broadcast_to([2, 4]);
}

#[test]
#[should_panic(expected = "add: operands of shapes [2] and [3] belong to different tapes")]
fn vars_from_two_tapes() {
    let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
    let _ = a.var(Tensor::zeros([2])) + b.var(Tensor::zeros([3]));
}

#[test]
#[should_panic(expected = "matmul: operands of shapes [2, 2] and [2, 2] belong to different tapes")]
fn matmul_of_vars_from_two_tapes() {
    let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
    let _ = a
        .var(Tensor::zeros([2, 2]))
        .matmul(b.var(Tensor::zeros([2, 2])));
}

#[test]
#[should_panic(expected = "concat: operands of shapes [2] and [2] belong to different tapes")]
fn concat_of_vars_from_two_tapes() {
    let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
    let _ = Var::concat(&[a.var(Tensor::zeros([2])), b.var(Tensor::zeros([2]))], 0);
}

#[test]
#[should_panic(expected = "grad: a var of shape [2] belongs to a different tape")]
fn grad_with_respect_to_a_var_of_another_tape() {
    let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
    let x = a.var(Tensor::zeros([2]));
    let other = b.var(Tensor::zeros([2]));
    let _ = a.grad(x.sum(), &[other]);
}

#[test]
#[should_panic(expected = "grads: var of shape [2] belongs to a different tape")]
fn indexing_grads_with_a_var_of_another_tape() {
    let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
    let grads = a.var(Tensor::zeros([2])).sum().backward();
    let _ = &grads[b.var(Tensor::zeros([2]))];
}

#[test]
#[should_panic(expected = "backward: output of shape [2, 3] is not a scalar")]
fn backward_of_a_non_scalar() {
    let tape = Tape::<f64>::new();
    let _ = tape.var(Tensor::zeros([2, 3])).exp().backward();
}

#[test]
#[should_panic(expected = "grad: output of shape [3] is not a scalar")]
fn recorded_grad_of_a_non_scalar() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([3]));
    let _ = tape.grad(x.exp(), &[x]);
}

#[test]
#[should_panic(expected = "backward_with: seed of shape [3] for an output of shape [2]")]
fn backward_with_a_seed_of_the_wrong_shape() {
    let tape = Tape::<f64>::new();
    let _ = tape
        .var(Tensor::zeros([2]))
        .exp()
        .backward_with(Tensor::ones([3]));
}

#[test]
#[should_panic(expected = "grads: var #1 of shape [2] is not a leaf created before the output")]
fn indexing_grads_with_a_non_leaf() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    let hidden = x.exp();
    let grads = hidden.sum().backward();
    let _ = &grads[hidden];
}

#[test]
#[should_panic(expected = "is not a leaf created before the output")]
fn indexing_grads_with_a_leaf_created_after_the_output() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    let grads = x.sum().backward();
    let late = tape.var(Tensor::zeros([2]));
    let _ = &grads[late];
}

#[test]
fn from_vec_with_a_wrong_length_is_an_error() {
    let err = Tensor::from_vec(vec![1.0f64; 5], [2, 3]).unwrap_err();
    assert_eq!(
        err,
        TensorError::LengthMismatch {
            len: 5,
            shape: vec![2, 3]
        }
    );
    assert_eq!(
        err.to_string(),
        "5 elements cannot fill a tensor of shape [2, 3] (which holds 6)"
    );
    let err = Tensor::<f32>::from_vec(vec![0.0], []).map(|t| t.item());
    assert_eq!(err, Ok(0.0), "one element fills a scalar");
    let err = Tensor::<f32>::from_vec(vec![], [usize::MAX, 2]).unwrap_err();
    assert_eq!(
        err,
        TensorError::TooLarge {
            shape: vec![usize::MAX, 2]
        }
    );
}
