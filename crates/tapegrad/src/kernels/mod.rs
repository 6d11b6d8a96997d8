//! Eager tensor operations: the arithmetic every recorded op runs forward.
//!
//! Each submodule adds methods to [`Tensor`](crate::Tensor). Loops run over
//! contiguous slices so the compiler can vectorise them; broadcasting walks
//! strides instead of materialising expanded operands.

mod broadcast;
mod compare;
mod elementwise;
mod layout;
mod matmul;
mod reduce;
mod softmax;
pub(crate) mod transcendental;

pub(crate) use broadcast::for_each_row;
pub(crate) use elementwise::{GELU_CUBIC, GELU_SCALE};
pub(crate) use layout::{swapped_axes, unsqueezed_shape};
pub(crate) use reduce::reduced_count;
