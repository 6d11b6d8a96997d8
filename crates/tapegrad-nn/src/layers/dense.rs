//! [`Dense`]: the fully connected layer, `y = activation(x · W + b)`.
//!
//! The kernel `W` has shape `[input_dim, units]` as in Keras (PyTorch stores
//! its transpose), the bias `b` shape `[units]`. Keras's defaults apply: a
//! Glorot-uniform kernel, a zero bias, no activation.
//!
//! ```
//! use rand::{rngs::StdRng, SeedableRng};
//! use tapegrad::{Tape, Tensor};
//! use tapegrad_nn::{Activation, Bound, Dense, Module};
//! let mut rng = StdRng::seed_from_u64(0);
//! let layer = Dense::<f32>::new(784, 32, Activation::Relu, &mut rng);
//! let tape = Tape::new();
//! let x = tape.constant(Tensor::zeros([5, 784]));
//! let y = layer.forward(&Bound::new(&tape), x);
//! assert_eq!(y.shape().as_slice(), &[5, 32]);
//! ```

use rand::Rng;
use tapegrad::{Float, Var};

use super::Activation;
use crate::init::Initializer;
use crate::module::{Bound, Module, Param};

/// A fully connected layer; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Dense<T: Float> {
    kernel: Param<T>,
    bias: Option<Param<T>>,
    activation: Activation,
}

/// PyTorch's name for [`Dense`].
pub type Linear<T> = Dense<T>;

impl<T: Float> Dense<T> {
    /// A layer with Keras's default initialisers (Glorot-uniform kernel, zero bias).
    pub fn new(input_dim: usize, units: usize, activation: Activation, rng: &mut impl Rng) -> Self {
        Self::with_init(
            input_dim,
            units,
            activation,
            Initializer::GlorotUniform,
            Some(Initializer::Zeros),
            rng,
        )
    }

    /// A layer with the given initialisers; `bias: None` gives a layer without bias.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad_nn::{Activation, Dense, Initializer, Module};
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let layer = Dense::<f64>::with_init(3, 2, Activation::Linear, Initializer::HeNormal, None, &mut rng);
    /// assert_eq!(layer.params().len(), 1);
    /// ```
    pub fn with_init(
        input_dim: usize,
        units: usize,
        activation: Activation,
        kernel: Initializer,
        bias: Option<Initializer>,
        rng: &mut impl Rng,
    ) -> Self {
        Dense {
            kernel: Param::new(
                "kernel",
                kernel.init(&[input_dim, units], input_dim, units, rng),
            ),
            bias: bias.map(|b| Param::new("bias", b.init(&[units], input_dim, units, rng))),
            activation,
        }
    }

    /// The kernel `W`, shape `[input_dim, units]`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad_nn::{Activation, Dense};
    /// let layer = Dense::<f32>::new(4, 3, Activation::Linear, &mut StdRng::seed_from_u64(0));
    /// assert_eq!(layer.kernel().value().shape(), &[4, 3]);
    /// ```
    pub fn kernel(&self) -> &Param<T> {
        &self.kernel
    }

    /// The bias `b`, shape `[units]`, if the layer has one.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad_nn::{Activation, Dense};
    /// let layer = Dense::<f32>::new(4, 3, Activation::Linear, &mut StdRng::seed_from_u64(0));
    /// assert_eq!(layer.bias().unwrap().value().to_vec(), vec![0.0; 3]);
    /// ```
    pub fn bias(&self) -> Option<&Param<T>> {
        self.bias.as_ref()
    }

    /// The activation applied after the affine map.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad_nn::{Activation, Dense};
    /// let layer = Dense::<f32>::new(4, 3, Activation::Tanh, &mut StdRng::seed_from_u64(0));
    /// assert_eq!(layer.activation(), Activation::Tanh);
    /// ```
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// `x · W + b`, before the activation.
    fn affine<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        let z = x.matmul(p.var(&self.kernel));
        match &self.bias {
            Some(b) => z + p.var(b),
            None => z,
        }
    }
}

impl<T: Float> Module<T> for Dense<T> {
    fn forward<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        self.activation.apply(self.affine(p, x))
    }

    fn forward_logits<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Option<Var<'t, T>> {
        (self.activation == Activation::Softmax).then(|| self.affine(p, x))
    }

    fn params(&self) -> Vec<&Param<T>> {
        std::iter::once(&self.kernel).chain(&self.bias).collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        std::iter::once(&mut self.kernel)
            .chain(self.bias.as_mut())
            .collect()
    }

    fn collect_params<'a>(&'a self, out: &mut Vec<&'a Param<T>>) {
        out.push(&self.kernel);
        out.extend(&self.bias);
    }

    fn collect_params_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Param<T>>) {
        out.push(&mut self.kernel);
        out.extend(self.bias.as_mut());
    }

    fn name(&self) -> String {
        "Dense".to_string()
    }

    fn output_shape(&self, input: &[usize]) -> Vec<usize> {
        let mut out = input.to_vec();
        if let Some(last) = out.last_mut() {
            *last = self.kernel.value().shape()[1];
        }
        out
    }
}
