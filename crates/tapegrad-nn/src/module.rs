//! Parameters, the [`Module`] trait, and [`Bound`]: the parameters of a step
//! placed on a tape.
//!
//! Between steps a parameter is a plain [`Tensor`]. For a forward pass a
//! [`Bound`] puts each parameter on a tape the first time a module asks for
//! it: as a var that wants a gradient when training, as a constant for
//! inference. When differentiating through training itself, a parameter can
//! be bound to any var instead (the result of a recorded optimizer step).
//!
//! A custom layer is a struct of parameters whose `forward` composes core ops:
//!
//! ```
//! use tapegrad::{Float, Tape, Tensor, Var};
//! use tapegrad_nn::{Bound, Module, Param};
//!
//! /// `y = x * scale`, with one learned scale per feature.
//! struct Scale<T: Float> {
//!     scale: Param<T>,
//! }
//!
//! impl<T: Float> Module<T> for Scale<T> {
//!     fn forward<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
//!         x * p.var(&self.scale)
//!     }
//!     fn params(&self) -> Vec<&Param<T>> {
//!         vec![&self.scale]
//!     }
//!     fn params_mut(&mut self) -> Vec<&mut Param<T>> {
//!         vec![&mut self.scale]
//!     }
//! }
//!
//! let layer = Scale { scale: Param::new("scale", Tensor::<f64>::full([2], 3.0)) };
//! let tape = Tape::new();
//! let bound = Bound::new(&tape);
//! let y = layer.forward(&bound, tape.constant(Tensor::ones([4, 2]))).sum();
//! let grads = y.backward();
//! assert_eq!(grads[bound.var(&layer.scale)].to_vec(), vec![4.0, 4.0]);
//! ```

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use tapegrad::{Float, Tape, Tensor, Var};

/// A named, learnable tensor. Each parameter has an identity of its own, by
/// which a [`Bound`] finds its var.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::Param;
/// let p = Param::new("bias", Tensor::<f32>::zeros([3]));
/// assert_eq!(p.name(), "bias");
/// assert_eq!(p.value().shape(), &[3]);
/// ```
#[derive(Debug, Clone)]
pub struct Param<T: Float> {
    id: u64,
    name: String,
    value: Tensor<T>,
}

static NEXT_PARAM_ID: AtomicU64 = AtomicU64::new(0);

impl<T: Float> Param<T> {
    /// A parameter holding `value`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let p = tapegrad_nn::Param::new("w", Tensor::<f64>::ones([2, 2]));
    /// assert_eq!(p.value().numel(), 4);
    /// ```
    pub fn new(name: impl Into<String>, value: Tensor<T>) -> Self {
        Param {
            id: NEXT_PARAM_ID.fetch_add(1, Ordering::Relaxed),
            name: name.into(),
            value,
        }
    }

    /// The parameter's name within its layer.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(tapegrad_nn::Param::new("w", Tensor::<f32>::ones([1])).name(), "w");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current value.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let p = tapegrad_nn::Param::new("w", Tensor::<f32>::ones([1]));
    /// assert_eq!(p.value().item(), 1.0);
    /// ```
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// The value, mutably, for in-place updates (`make_mut` writes in place
    /// when nothing else shares the buffer). Its shape must not change.
    pub(crate) fn value_mut(&mut self) -> &mut Tensor<T> {
        &mut self.value
    }

    /// Replaces the value; panics if the shape changes.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let mut p = tapegrad_nn::Param::new("w", Tensor::<f32>::ones([2]));
    /// p.set_value(Tensor::zeros([2]));
    /// assert_eq!(p.value().sum_all(), 0.0);
    /// ```
    pub fn set_value(&mut self, value: Tensor<T>) {
        assert!(
            value.shape() == self.value.shape(),
            "set_value: parameter {} has shape {:?}, got {:?}",
            self.name,
            self.value.shape(),
            value.shape()
        );
        self.value = value;
    }
}

/// Something with parameters that maps an input var to an output var.
///
/// `forward` composes core ops only; gradients come from the core. `name`
/// and `output_shape` serve [`Sequential`](crate::Sequential)'s summary.
/// See the [module docs](self) for a custom layer.
pub trait Module<T: Float> {
    /// The output for input `x`, with parameters taken from `p`.
    fn forward<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Var<'t, T>;

    /// The parameters, in a fixed order.
    fn params(&self) -> Vec<&Param<T>>;

    /// The parameters, mutably, in the same order as [`params`](Self::params).
    fn params_mut(&mut self) -> Vec<&mut Param<T>>;

    /// Appends the parameters to `out`, in [`params`](Self::params) order.
    /// The default calls `params`; containers override it (and build
    /// `params` on it) so that a model's list is one vector, not one per
    /// layer, as the training loop asks for it every step.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// use tapegrad_nn::{Activation, Dense, Module, Sequential};
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    /// let net = Sequential::<f32>::new()
    ///     .push(Dense::new(3, 2, Activation::Relu, &mut rng))
    ///     .push(Dense::new(2, 1, Activation::Linear, &mut rng));
    /// let mut all = Vec::new();
    /// net.collect_params(&mut all);
    /// assert_eq!(all.len(), 4);
    /// assert!(std::ptr::eq(all[2], net.params()[2]));
    /// ```
    fn collect_params<'a>(&'a self, out: &mut Vec<&'a Param<T>>) {
        out.extend(self.params());
    }

    /// Appends the parameters to `out` mutably, in [`params`](Self::params)
    /// order; see [`collect_params`](Self::collect_params).
    ///
    /// ```
    /// use rand::SeedableRng;
    /// use tapegrad_nn::{Activation, Dense, Module};
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    /// let mut dense = Dense::<f32>::new(3, 2, Activation::Relu, &mut rng);
    /// let mut all = Vec::new();
    /// dense.collect_params_mut(&mut all);
    /// assert_eq!(all[1].value().shape(), &[2]);
    /// ```
    fn collect_params_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Param<T>>) {
        out.extend(self.params_mut());
    }

    /// The parameters with unique names, in [`params`](Self::params) order,
    /// as saved in weight files. By default the parameters' own names;
    /// containers prefix their children's (`layers.0.kernel`).
    fn named_params(&self) -> Vec<(String, &Param<T>)> {
        self.params()
            .into_iter()
            .map(|p| (p.name().to_string(), p))
            .collect()
    }

    /// The output before a final softmax, if the module ends in one, so
    /// that a cross-entropy loss can work from logits as Keras does.
    fn forward_logits<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Option<Var<'t, T>> {
        let _ = (p, x);
        None
    }

    /// The layer's kind, as a summary shows it.
    fn name(&self) -> String {
        "Module".to_string()
    }

    /// The output shape for an input of shape `input` (the batch axis first).
    fn output_shape(&self, input: &[usize]) -> Vec<usize> {
        input.to_vec()
    }
}

/// Parameters placed on one tape for one forward pass.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::{Bound, Param};
/// let w = Param::new("w", Tensor::<f64>::ones([2]));
/// let tape = Tape::new();
/// let training = Bound::new(&tape);
/// assert!(training.var(&w).requires_grad());
/// let inference = Bound::frozen(&tape);
/// assert!(!inference.var(&w).requires_grad());
/// ```
pub struct Bound<'t, T: Float> {
    tape: &'t Tape<T>,
    trainable: bool,
    vars: RefCell<Vec<(u64, Var<'t, T>)>>,
}

impl<'t, T: Float> Bound<'t, T> {
    /// Binds parameters as vars that want gradients.
    pub fn new(tape: &'t Tape<T>) -> Self {
        Bound {
            tape,
            trainable: true,
            vars: RefCell::new(Vec::new()),
        }
    }

    /// Binds parameters as constants, for inference.
    pub fn frozen(tape: &'t Tape<T>) -> Self {
        Bound {
            trainable: false,
            ..Bound::new(tape)
        }
    }

    /// The tape the parameters are bound to.
    ///
    /// ```
    /// use tapegrad::Tape;
    /// let tape = Tape::<f32>::new();
    /// assert!(std::ptr::eq(tapegrad_nn::Bound::new(&tape).tape(), &tape));
    /// ```
    pub fn tape(&self) -> &'t Tape<T> {
        self.tape
    }

    /// The var of `param`, binding it on first use.
    pub fn var(&self, param: &Param<T>) -> Var<'t, T> {
        if let Some(var) = self.lookup(param) {
            return var;
        }
        let value = param.value.clone();
        let var = if self.trainable {
            self.tape.var(value)
        } else {
            self.tape.constant(value)
        };
        self.vars.borrow_mut().push((param.id, var));
        var
    }

    /// Binds `param` to `var` (of the same shape), replacing any earlier binding.
    /// This is how a recorded optimizer step feeds the next forward pass.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// use tapegrad_nn::{Bound, Param};
    /// let w = Param::new("w", Tensor::<f64>::ones([2]));
    /// let tape = Tape::new();
    /// let bound = Bound::new(&tape);
    /// let moved = bound.var(&w) * 0.5;
    /// bound.set(&w, moved);
    /// assert_eq!(bound.var(&w).value().to_vec(), vec![0.5, 0.5]);
    /// ```
    pub fn set(&self, param: &Param<T>, var: Var<'t, T>) {
        assert!(
            var.shape().as_slice() == param.value.shape(),
            "Bound::set: parameter {} has shape {:?}, got a var of shape {:?}",
            param.name,
            param.value.shape(),
            var.shape().as_slice()
        );
        let mut vars = self.vars.borrow_mut();
        match vars.iter_mut().find(|(id, _)| *id == param.id) {
            Some(slot) => slot.1 = var,
            None => vars.push((param.id, var)),
        }
    }

    fn lookup(&self, param: &Param<T>) -> Option<Var<'t, T>> {
        self.vars
            .borrow()
            .iter()
            .find(|(id, _)| *id == param.id)
            .map(|&(_, v)| v)
    }
}
