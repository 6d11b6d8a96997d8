//! tapegrad: reverse-mode automatic differentiation on n-dimensional tensors.
pub mod element;
pub mod kernels;
pub mod shape;
pub mod tensor;

pub use element::Float;
pub use tensor::{Tensor, TensorError};
