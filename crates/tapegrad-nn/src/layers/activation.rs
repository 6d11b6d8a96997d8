//! Activation functions, usable as a function on a var, as a [`Dense`]
//! layer's activation, or as a layer of their own in a [`Sequential`].
//!
//! [`Dense`]: crate::Dense
//! [`Sequential`]: crate::Sequential

use tapegrad::{Float, Tensor, Var};

use crate::module::{Bound, Module, Param};

/// An elementwise (or, for the softmaxes, last-axis) activation.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::Activation;
/// let tape = Tape::new();
/// let x = tape.var(Tensor::<f64>::from_vec(vec![-1.0, 2.0], [1, 2])?);
/// assert_eq!(Activation::Relu.apply(x).value().to_vec(), vec![0.0, 2.0]);
/// let p = Activation::Softmax.apply(x).value();
/// assert!((p.sum_all() - 1.0).abs() < 1e-12);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// The identity.
    Linear,
    /// `max(x, 0)`.
    Relu,
    /// `x` where positive, else `alpha * x` (Keras's default alpha is 0.3, PyTorch's 0.01).
    LeakyRelu(f64),
    /// `x` where positive, else `alpha * (e^x - 1)` (default alpha 1).
    Elu(f64),
    /// GELU, tanh approximation.
    Gelu,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// `ln(1 + e^x)`.
    Softplus,
    /// Softmax over the last axis.
    Softmax,
    /// Log-softmax over the last axis.
    LogSoftmax,
}

impl Activation {
    /// Applies the activation to `x`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// use tapegrad_nn::Activation;
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(0.0f64));
    /// assert_eq!(Activation::Sigmoid.apply(x).value().item(), 0.5);
    /// ```
    pub fn apply<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
        let last = || x.shape().len().saturating_sub(1);
        match self {
            Activation::Linear => x,
            Activation::Relu => x.relu(),
            Activation::LeakyRelu(alpha) => x.leaky_relu(T::cast(alpha)),
            Activation::Elu(alpha) => elu(x, T::cast(alpha)),
            Activation::Gelu => x.gelu(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Tanh => x.tanh(),
            Activation::Softplus => x.softplus(),
            Activation::Softmax => x.softmax(last()),
            Activation::LogSoftmax => x.log_softmax(last()),
        }
    }

    /// The name Keras gives the activation.
    ///
    /// ```
    /// assert_eq!(tapegrad_nn::Activation::Relu.name(), "relu");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::LeakyRelu(_) => "leaky_relu",
            Activation::Elu(_) => "elu",
            Activation::Gelu => "gelu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softplus => "softplus",
            Activation::Softmax => "softmax",
            Activation::LogSoftmax => "log_softmax",
        }
    }
}

/// ELU: `x` where positive, else `alpha * (e^x - 1)`, composed so that the
/// exponential never sees a large positive argument.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// let tape = Tape::new();
/// let x = tape.var(Tensor::from_vec(vec![-1.0, 2.0], [2])?);
/// let y = tapegrad_nn::layers::elu(x, 1.0).value();
/// assert!((y.get(&[0]) - ((-1f64).exp() - 1.0)).abs() < 1e-15);
/// assert_eq!(y.get(&[1]), 2.0);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn elu<'t, T: Float>(x: Var<'t, T>, alpha: T) -> Var<'t, T> {
    let positive = x.value().gt(&Tensor::scalar(T::zero()));
    let negative_part = (x
        .minimum(x.tape().constant(Tensor::scalar(T::zero())))
        .exp()
        - T::one())
        * alpha;
    Var::where_(&positive, x, negative_part)
}

impl<T: Float> Module<T> for Activation {
    fn forward<'t>(&self, _: &Bound<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        self.apply(x)
    }

    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }

    fn name(&self) -> String {
        format!("Activation({})", Activation::name(*self))
    }
}
