//! tapegrad: reverse-mode automatic differentiation on n-dimensional tensors.
pub mod element;
pub mod gradcheck;
pub mod kernels;
pub mod shape;
pub mod tape;
pub mod tensor;

pub use element::Float;
pub use tape::{CustomOp, Grads, Tape, Var};
pub use tensor::{Tensor, TensorError};
