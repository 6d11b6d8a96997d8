//! tapegrad: reverse-mode automatic differentiation on n-dimensional tensors.
//!
//! - [`Tensor`]: an immutable n-dimensional array with shared storage, and
//!   its eager operations (the `kernels` modules add them as methods).
//! - [`Tape`] and [`Var`]: operations on vars are recorded in order; one
//!   reverse sweep gives [`Grads`] (first order, nothing recorded) or, with
//!   [`Tape::grad`], gradients that are vars themselves and can be
//!   differentiated again.
//! - [`CustomOp`]: a primitive of your own, with its VJP written in var ops.
//! - [`Operand`]: what tensors and vars share, so that a formula written once
//!   runs either way.
//! - [`gradcheck`]: finite-difference checking of first and second order.
//! - [`threads`]: large matrix products run on rayon's pool; set its size
//!   with [`set_num_threads`] or `RAYON_NUM_THREADS`.
//!
//! ```
//! use tapegrad::{Tape, Tensor};
//! let tape = Tape::new();
//! let x = tape.var(Tensor::from_vec(vec![0.5, -1.0], [2])?);
//! let y = (x.tanh() * x).sum();
//! let dx = tape.grad(y, &[x])[0];
//! let hessian_row = tape.grad(dx.narrow(0, 0, 1).sum(), &[x])[0];
//! assert_eq!(hessian_row.value().get(&[1]), 0.0); // x0 and x1 do not interact
//! # Ok::<(), tapegrad::TensorError>(())
//! ```
pub mod element;
pub mod gradcheck;
pub mod kernels;
pub mod shape;
pub mod tape;
pub mod tensor;
pub mod threads;

pub use element::Float;
pub use tape::{CustomOp, Grads, Operand, Tape, Var};
pub use tensor::{Tensor, TensorError};
pub use threads::{num_threads, set_num_threads, ThreadPoolError};

/// The README's example, compiled and run as a doctest so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
