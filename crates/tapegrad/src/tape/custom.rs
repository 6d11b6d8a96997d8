//! User-defined primitive operations.
//!
//! A custom op supplies its forward pass on plain tensors and its
//! vector-Jacobian product written with [`Var`] operations. Because the VJP is
//! itself made of recorded ops, a custom op is differentiable to any order
//! without further work.
//!
//! ```
//! use tapegrad::{CustomOp, Tape, Tensor, Var};
//!
//! /// `x^3`, with its derivative `3 x^2` supplied by hand.
//! struct Cube;
//!
//! impl CustomOp<f64> for Cube {
//!     fn name(&self) -> &str {
//!         "cube"
//!     }
//!     fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
//!         inputs[0].map(|x| x * x * x)
//!     }
//!     fn vjp<'t>(
//!         &self,
//!         inputs: &[Var<'t, f64>],
//!         _output: Var<'t, f64>,
//!         grad: Var<'t, f64>,
//!     ) -> Vec<Option<Var<'t, f64>>> {
//!         vec![Some(grad * inputs[0].square() * 3.0)]
//!     }
//! }
//!
//! let tape = Tape::new();
//! let x = tape.var(Tensor::scalar(2.0));
//! let y = tape.custom(Cube, &[x]);
//! assert_eq!(y.value().item(), 8.0);
//! let dy = tape.grad(y, &[x])[0];
//! assert_eq!(dy.value().item(), 12.0);
//! let d2y = tape.grad(dy, &[x])[0];
//! assert_eq!(d2y.value().item(), 12.0); // 6x
//! ```

use super::Var;
use crate::{Float, Tensor};

/// A primitive operation defined outside tapegrad; see the [module docs](self).
pub trait CustomOp<T: Float>: Send + Sync {
    /// The name shown in error messages and tape listings.
    fn name(&self) -> &str;

    /// Computes the output from the input values.
    fn forward(&self, inputs: &[&Tensor<T>]) -> Tensor<T>;

    /// Given the inputs, the output and the gradient of a scalar loss with
    /// respect to the output, returns the gradient with respect to each
    /// input (`None` for an input that gets none), each of its input's shape.
    /// Write it with `Var` operations only, so that it can be differentiated.
    fn vjp<'t>(
        &self,
        inputs: &[Var<'t, T>],
        output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Vec<Option<Var<'t, T>>>;
}
