//! [`Var`]: a handle to a value recorded on a tape, with every differentiable
//! operation as a method (arithmetic operators live in `arith`).

use std::sync::Arc;

use super::op::Op;
use super::{Grads, Tape};
use crate::kernels::{swapped_axes, unsqueezed_shape};
use crate::shape::{check_axis, shape_of, Shape};
use crate::{Float, Tensor};

/// A value on a [`Tape`]: a small `Copy` handle, so code reads like the math.
///
/// Every operation on vars is recorded on their tape and returns a new var.
/// Operations on vars of different tapes panic.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// let tape = Tape::new();
/// let x = tape.var(Tensor::from_vec(vec![1.0, 2.0], [2])?);
/// let w = tape.var(Tensor::from_vec(vec![3.0, 4.0], [2])?);
/// let b = tape.constant(Tensor::scalar(0.5));
/// let y = (x * w + b).sum();
/// assert_eq!(y.value().item(), 12.0);
/// let grads = y.backward();
/// assert_eq!(grads[w].to_vec(), vec![1.0, 2.0]);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub struct Var<'t, T: Float> {
    tape: &'t Tape<T>,
    index: u32,
}

impl<T: Float> Clone for Var<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Float> Copy for Var<'_, T> {}

impl<T: Float> std::fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Var#{}{:?}", self.index, self.shape().as_slice())
    }
}

impl<'t, T: Float> Var<'t, T> {
    pub(crate) fn new(tape: &'t Tape<T>, index: usize) -> Self {
        let index = u32::try_from(index).expect("a tape holds at most 2^32 nodes");
        Var { tape, index }
    }

    pub(crate) fn index(self) -> usize {
        self.index as usize
    }

    /// The tape this var lives on.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f32>::ones([1]));
    /// assert!(std::ptr::eq(x.tape(), &tape));
    /// ```
    pub fn tape(self) -> &'t Tape<T> {
        self.tape
    }

    /// The forward value (a cheap clone of shared storage).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// assert_eq!(tape.var(Tensor::scalar(3.0f32)).value().item(), 3.0);
    /// ```
    pub fn value(self) -> Tensor<T> {
        self.tape.nodes()[self.index()].value.clone()
    }

    /// The shape of the value.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// assert_eq!(tape.var(Tensor::<f32>::zeros([2, 5])).shape().as_slice(), &[2, 5]);
    /// ```
    pub fn shape(self) -> Shape {
        shape_of(self.tape.nodes()[self.index()].value.shape())
    }

    /// Whether a gradient can flow from this var back to some leaf.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f32>::ones([1]));
    /// assert!(x.exp().requires_grad());
    /// assert!(!x.detach().requires_grad());
    /// ```
    pub fn requires_grad(self) -> bool {
        self.tape.nodes()[self.index()].requires_grad
    }

    /// The same value as a constant: gradients stop here.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(3.0f64));
    /// let y = x * x.detach();
    /// assert_eq!(y.backward()[x].item(), 3.0);
    /// ```
    #[track_caller]
    pub fn detach(self) -> Var<'t, T> {
        self.tape.constant(self.value())
    }

    /// Gradients of this scalar with respect to every leaf var, as plain
    /// tensors; nothing is recorded. Leaves that do not affect the output get
    /// a zero gradient. Panics unless the var holds exactly one element.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(3.0f64));
    /// let unused = tape.var(Tensor::<f64>::ones([2]));
    /// let grads = (x * x).backward();
    /// assert_eq!(grads[x].item(), 6.0);
    /// assert_eq!(grads[unused].to_vec(), vec![0.0, 0.0]);
    /// ```
    pub fn backward(self) -> Grads<T> {
        let shape = self.shape();
        assert!(
            shape.iter().product::<usize>() == 1,
            "backward: output of shape {:?} is not a scalar; use backward_with to seed it",
            shape.as_slice()
        );
        self.backward_with(Tensor::ones(shape))
    }

    /// Like [`backward`](Self::backward), seeded with the gradient `seed` of
    /// some scalar with respect to this var (of this var's shape).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2]));
    /// let grads = (x * 3.0).backward_with(Tensor::from_vec(vec![1.0, 2.0], [2])?);
    /// assert_eq!(grads[x].to_vec(), vec![3.0, 6.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn backward_with(self, seed: Tensor<T>) -> Grads<T> {
        assert!(
            seed.shape() == self.shape().as_slice(),
            "backward_with: seed of shape {:?} for an output of shape {:?}",
            seed.shape(),
            self.shape().as_slice()
        );
        super::backward::backward(self, seed)
    }

    /// Panics, naming `op` and both shapes, if `other` is on another tape.
    #[track_caller]
    pub(crate) fn check_same_tape(self, other: Var<'_, T>, op: &str) {
        assert!(
            std::ptr::eq(self.tape, other.tape),
            "{op}: operands of shapes {:?} and {:?} belong to different tapes",
            self.shape().as_slice(),
            other.shape().as_slice()
        );
    }

    #[track_caller]
    pub(crate) fn check_tape(self, tape: &Tape<T>, op: &str) {
        assert!(
            std::ptr::eq(self.tape, tape),
            "{op}: a var of shape {:?} belongs to a different tape",
            self.shape().as_slice()
        );
    }

    #[track_caller]
    fn unary(self, op: Op<T>, f: impl FnOnce(&Tensor<T>) -> Tensor<T>) -> Var<'t, T> {
        let value = f(&self.tape.nodes()[self.index()].value);
        self.tape.record(op, &[self], value)
    }

    #[track_caller]
    pub(crate) fn binary(
        self,
        other: Var<'t, T>,
        op: Op<T>,
        f: impl FnOnce(&Tensor<T>, &Tensor<T>) -> Tensor<T>,
    ) -> Var<'t, T> {
        self.check_same_tape(other, op.name());
        let value = {
            let nodes = self.tape.nodes();
            f(&nodes[self.index()].value, &nodes[other.index()].value)
        };
        self.tape.record(op, &[self, other], value)
    }

    /// A constant on this var's tape.
    #[track_caller]
    pub(crate) fn lift(self, value: Tensor<T>) -> Var<'t, T> {
        self.tape.constant(value)
    }
}

/// Declares unary methods that map to an eager tensor method and one op.
macro_rules! unary_vars {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {
        impl<'t, T: Float> Var<'t, T> {
            $(
                $(#[$doc])*
                #[track_caller]
                pub fn $name(self) -> Var<'t, T> {
                    self.unary($op, Tensor::$name)
                }
            )*
        }
    };
}

unary_vars! {
    /// Elementwise `e^x`; see [`Tensor::exp`].
    exp => Op::Exp;
    /// Elementwise natural logarithm; see [`Tensor::ln`].
    ln => Op::Ln;
    /// Elementwise square root; see [`Tensor::sqrt`].
    sqrt => Op::Sqrt;
    /// Elementwise absolute value (gradient 0 at 0); see [`Tensor::abs`].
    abs => Op::Abs;
    /// Elementwise `x * x`; see [`Tensor::square`].
    square => Op::Square;
    /// Elementwise `1 / x`; see [`Tensor::recip`].
    recip => Op::Recip;
    /// Elementwise sine; see [`Tensor::sin`].
    sin => Op::Sin;
    /// Elementwise cosine; see [`Tensor::cos`].
    cos => Op::Cos;
    /// Elementwise hyperbolic tangent; see [`Tensor::tanh`].
    tanh => Op::Tanh;
    /// Elementwise logistic sigmoid; see [`Tensor::sigmoid`].
    sigmoid => Op::Sigmoid;
    /// Elementwise `max(x, 0)` (gradient 0 at 0); see [`Tensor::relu`].
    relu => Op::Relu;
}

impl<'t, T: Float> Var<'t, T> {
    /// `x` where positive, else `alpha * x`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(-2.0f64));
    /// assert_eq!(x.leaky_relu(0.1).backward()[x].item(), 0.1);
    /// ```
    #[track_caller]
    pub fn leaky_relu(self, alpha: T) -> Var<'t, T> {
        self.unary(Op::LeakyRelu(alpha), |x| x.leaky_relu(alpha))
    }

    /// GELU (tanh approximation), composed of recorded ops; see [`Tensor::gelu`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(0.0f64));
    /// assert_eq!(x.gelu().backward()[x].item(), 0.5);
    /// ```
    #[track_caller]
    pub fn gelu(self) -> Var<'t, T> {
        use crate::kernels::{GELU_CUBIC, GELU_SCALE};
        let inner = (self + self * self.square() * T::cast(GELU_CUBIC)) * T::cast(GELU_SCALE);
        self * (inner.tanh() + T::one()) * T::cast(0.5)
    }

    /// `ln(1 + e^x)`, computed without overflow; its gradient is `sigmoid(x)`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(0.0f64));
    /// assert_eq!(x.softplus().backward()[x].item(), 0.5);
    /// ```
    #[track_caller]
    pub fn softplus(self) -> Var<'t, T> {
        self.unary(Op::Softplus, Tensor::softplus)
    }

    /// Elementwise `x ^ p` for a scalar exponent.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(4.0f64));
    /// assert_eq!(x.powf(1.5).backward()[x].item(), 3.0);
    /// ```
    #[track_caller]
    pub fn powf(self, p: T) -> Var<'t, T> {
        self.unary(Op::PowScalar(p), |x| x.powf(p))
    }

    /// Elementwise `x ^ e` for a tensor exponent, broadcasting.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(2.0f64));
    /// let e = tape.var(Tensor::scalar(3.0f64));
    /// let g = x.pow(e).backward();
    /// assert_eq!(g[x].item(), 12.0);
    /// assert!((g[e].item() - 8.0 * 2f64.ln()).abs() < 1e-12);
    /// ```
    #[track_caller]
    pub fn pow(self, exponent: Var<'t, T>) -> Var<'t, T> {
        self.binary(exponent, Op::Pow, Tensor::pow)
    }

    /// The elementwise larger value, broadcasting; ties share the gradient equally.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let a = tape.var(Tensor::scalar(1.0f64));
    /// let b = tape.var(Tensor::scalar(2.0f64));
    /// assert_eq!(a.maximum(b).backward()[b].item(), 1.0);
    /// ```
    #[track_caller]
    pub fn maximum(self, other: Var<'t, T>) -> Var<'t, T> {
        self.binary(other, Op::Maximum, Tensor::maximum)
    }

    /// The elementwise smaller value, broadcasting; ties share the gradient equally.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let a = tape.var(Tensor::scalar(1.0f64));
    /// let b = tape.var(Tensor::scalar(2.0f64));
    /// assert_eq!(a.minimum(b).backward()[a].item(), 1.0);
    /// ```
    #[track_caller]
    pub fn minimum(self, other: Var<'t, T>) -> Var<'t, T> {
        self.binary(other, Op::Minimum, Tensor::minimum)
    }

    /// Each element clamped to `[low, high]`; the gradient flows where `low <= x <= high`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(5.0f64));
    /// assert_eq!(x.clamp(0.0, 1.0).backward()[x].item(), 0.0);
    /// ```
    #[track_caller]
    pub fn clamp(self, low: T, high: T) -> Var<'t, T> {
        self.unary(Op::Clamp(low, high), |x| x.clamp(low, high))
    }

    /// Picks `on_true` where `mask` holds and `on_false` elsewhere, broadcasting.
    /// The mask carries no gradient.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let a = tape.var(Tensor::<f64>::ones([2]));
    /// let b = tape.var(Tensor::<f64>::zeros([2]));
    /// let mask = Tensor::from_vec(vec![true, false], [2])?;
    /// let g = tapegrad::Var::where_(&mask, a, b).sum().backward();
    /// assert_eq!(g[a].to_vec(), vec![1.0, 0.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    #[track_caller]
    pub fn where_(mask: &Tensor<bool>, on_true: Var<'t, T>, on_false: Var<'t, T>) -> Var<'t, T> {
        on_true.binary(on_false, Op::Where(mask.clone()), |a, b| {
            Tensor::where_(mask, a, b)
        })
    }

    /// The sum of all elements, as a 0-dimensional var.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2, 3]));
    /// assert_eq!(x.sum().value().item(), 6.0);
    /// ```
    #[track_caller]
    pub fn sum(self) -> Var<'t, T> {
        self.sum_axes(&[], false)
    }

    /// Sums over `axes` (all when empty), keeping them as size 1 if `keepdim`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2, 3]));
    /// assert_eq!(x.sum_axes(&[1], true).shape().as_slice(), &[2, 1]);
    /// ```
    #[track_caller]
    pub fn sum_axes(self, axes: &[usize], keepdim: bool) -> Var<'t, T> {
        let op = Op::SumAxes { axes: axes.into() };
        self.unary(op, |x| x.sum_axes(axes, keepdim))
    }

    /// The mean of all elements.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([4]));
    /// assert_eq!(x.mean().backward()[x].to_vec(), vec![0.25; 4]);
    /// ```
    #[track_caller]
    pub fn mean(self) -> Var<'t, T> {
        self.mean_axes(&[], false)
    }

    /// Means over `axes` (all when empty).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::arange(4).reshape([2, 2]));
    /// assert_eq!(x.mean_axes(&[0], false).value().to_vec(), vec![1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn mean_axes(self, axes: &[usize], keepdim: bool) -> Var<'t, T> {
        let count = crate::kernels::reduced_count("mean", &self.shape(), axes);
        self.sum_axes(axes, keepdim) * T::cast(1.0 / count as f64)
    }

    /// Maxima over `axes`; tied maxima share the gradient equally.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::from_vec(vec![1.0, 3.0, 3.0], [3])?);
    /// assert_eq!(x.max_axes(&[0], false).backward()[x].to_vec(), vec![0.0, 0.5, 0.5]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    #[track_caller]
    pub fn max_axes(self, axes: &[usize], keepdim: bool) -> Var<'t, T> {
        let op = Op::MaxAxes { axes: axes.into() };
        self.unary(op, |x| x.max_axes(axes, keepdim))
    }

    /// Minima over `axes`; tied minima share the gradient equally.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::from_vec(vec![1.0, 3.0], [2])?);
    /// assert_eq!(x.min_axes(&[0], false).backward()[x].to_vec(), vec![1.0, 0.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    #[track_caller]
    pub fn min_axes(self, axes: &[usize], keepdim: bool) -> Var<'t, T> {
        let op = Op::MinAxes { axes: axes.into() };
        self.unary(op, |x| x.min_axes(axes, keepdim))
    }

    /// `log(sum(exp(x)))` along `axis`, stable for large inputs.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::from_vec(vec![1e4, 1e4], [2])?);
    /// let g = x.logsumexp(0, false).backward();
    /// assert_eq!(g[x].to_vec(), vec![0.5, 0.5]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    #[track_caller]
    pub fn logsumexp(self, axis: usize, keepdim: bool) -> Var<'t, T> {
        check_axis("logsumexp", axis, &self.shape());
        let shift =
            self.value()
                .max_axes(&[axis], true)
                .map(|m| if m.is_finite() { m } else { T::zero() });
        let shift = self.lift(shift);
        let lse = (self - shift).exp().sum_axes(&[axis], true).ln() + shift;
        if keepdim {
            lse
        } else {
            let mut dims = self.shape();
            dims.remove(axis);
            lse.reshape(dims)
        }
    }

    /// Log-probabilities along `axis`, stable for any input.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::from_vec(vec![-1e4, 1e4], [2])?);
    /// assert!(x.log_softmax(0).value().all_finite());
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    #[track_caller]
    pub fn log_softmax(self, axis: usize) -> Var<'t, T> {
        self.unary(Op::LogSoftmax(axis), |x| x.log_softmax(axis))
    }

    /// Probabilities along `axis`: `exp(log_softmax(x))`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::zeros([4]));
    /// assert_eq!(x.softmax(0).value().to_vec(), vec![0.25; 4]);
    /// ```
    #[track_caller]
    pub fn softmax(self, axis: usize) -> Var<'t, T> {
        self.log_softmax(axis).exp()
    }

    /// The matrix product over the last two axes, batching and broadcasting
    /// the leading axes; see [`Tensor::matmul`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let a = tape.var(Tensor::<f64>::ones([2, 3]));
    /// let b = tape.var(Tensor::<f64>::ones([3, 4]));
    /// let g = a.matmul(b).sum().backward();
    /// assert_eq!(g[a].to_vec(), vec![4.0; 6]);
    /// ```
    #[track_caller]
    pub fn matmul(self, other: Var<'t, T>) -> Var<'t, T> {
        self.matmul_transposed(other, false, false)
    }

    /// `op(self) · op(other)` with optional transposes of the last two axes,
    /// which cost nothing; see [`Tensor::matmul_transposed`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let a = tape.var(Tensor::<f64>::ones([3, 2]));
    /// assert_eq!(a.matmul_transposed(a, true, false).shape().as_slice(), &[2, 2]);
    /// ```
    #[track_caller]
    pub fn matmul_transposed(self, other: Var<'t, T>, ta: bool, tb: bool) -> Var<'t, T> {
        self.binary(other, Op::MatMul { ta, tb }, |a, b| {
            a.matmul_transposed(b, ta, tb)
        })
    }

    /// The same elements in another shape; see [`Tensor::reshape`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([6]));
    /// assert_eq!(x.reshape([2, 3]).shape().as_slice(), &[2, 3]);
    /// ```
    #[track_caller]
    pub fn reshape(self, shape: impl AsRef<[usize]>) -> Var<'t, T> {
        self.unary(Op::Reshape, |x| x.reshape(shape))
    }

    /// Reorders the axes; see [`Tensor::permute`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([1, 2, 3]));
    /// assert_eq!(x.permute(&[2, 0, 1]).shape().as_slice(), &[3, 1, 2]);
    /// ```
    #[track_caller]
    pub fn permute(self, axes: &[usize]) -> Var<'t, T> {
        self.unary(Op::Permute(axes.into()), |x| x.permute(axes))
    }

    /// Swaps two axes.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2, 3]));
    /// assert_eq!(x.transpose(0, 1).shape().as_slice(), &[3, 2]);
    /// ```
    #[track_caller]
    pub fn transpose(self, a: usize, b: usize) -> Var<'t, T> {
        self.permute(&swapped_axes("transpose", &self.shape(), a, b))
    }

    /// Expands to `shape` by broadcasting; the gradient sums back.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([3]));
    /// let g = x.broadcast_to([2, 3]).sum().backward();
    /// assert_eq!(g[x].to_vec(), vec![2.0; 3]);
    /// ```
    #[track_caller]
    pub fn broadcast_to(self, shape: impl AsRef<[usize]>) -> Var<'t, T> {
        self.unary(Op::BroadcastTo, |x| x.broadcast_to(shape))
    }

    /// Sums a broadcast value down to `shape`; see [`Tensor::sum_to`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2, 3]));
    /// assert_eq!(x.sum_to([3]).value().to_vec(), vec![2.0; 3]);
    /// ```
    #[track_caller]
    pub fn sum_to(self, shape: impl AsRef<[usize]>) -> Var<'t, T> {
        self.unary(Op::SumTo, |x| x.sum_to(shape))
    }

    /// The elements `start..start + len` along `axis`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([4]));
    /// assert_eq!(x.narrow(0, 1, 2).backward_with(Tensor::ones([2]))[x].to_vec(), vec![0.0, 1.0, 1.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn narrow(self, axis: usize, start: usize, len: usize) -> Var<'t, T> {
        self.unary(Op::Narrow { axis, start }, |x| x.narrow(axis, start, len))
    }

    /// Zeros added on both sides along `axis`; see [`Tensor::pad`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2]));
    /// assert_eq!(x.pad(0, 1, 1).value().to_vec(), vec![0.0, 1.0, 1.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn pad(self, axis: usize, before: usize, after: usize) -> Var<'t, T> {
        self.unary(Op::Pad { axis, before }, |x| x.pad(axis, before, after))
    }

    /// Joins vars along `axis`; see [`Tensor::concat`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor, Var};
    /// let tape = Tape::new();
    /// let a = tape.var(Tensor::<f64>::ones([2]));
    /// let b = tape.var(Tensor::<f64>::zeros([3]));
    /// assert_eq!(Var::concat(&[a, b], 0).shape().as_slice(), &[5]);
    /// ```
    #[track_caller]
    pub fn concat(vars: &[Var<'t, T>], axis: usize) -> Var<'t, T> {
        let first = *vars.first().expect("concat: needs at least one var");
        for v in vars {
            first.check_same_tape(*v, "concat");
        }
        let values: Vec<Tensor<T>> = vars.iter().map(|v| v.value()).collect();
        let value = Tensor::concat(&values.iter().collect::<Vec<_>>(), axis);
        first.tape.record(Op::Concat(axis), vars, value)
    }

    /// Stacks equally shaped vars along a new axis; see [`Tensor::stack`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor, Var};
    /// let tape = Tape::new();
    /// let a = tape.var(Tensor::<f64>::ones([3]));
    /// assert_eq!(Var::stack(&[a, a], 0).shape().as_slice(), &[2, 3]);
    /// ```
    #[track_caller]
    pub fn stack(vars: &[Var<'t, T>], axis: usize) -> Var<'t, T> {
        let first = *vars.first().expect("stack: needs at least one var");
        let lifted: Vec<Var<'t, T>> = vars
            .iter()
            .map(|v| {
                assert!(
                    v.shape() == first.shape(),
                    "stack: shape {:?} differs from {:?}",
                    v.shape().as_slice(),
                    first.shape().as_slice()
                );
                v.unsqueeze(axis)
            })
            .collect();
        Var::concat(&lifted, axis)
    }

    /// Inserts an axis of size 1.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([3]));
    /// assert_eq!(x.unsqueeze(1).shape().as_slice(), &[3, 1]);
    /// ```
    #[track_caller]
    pub fn unsqueeze(self, axis: usize) -> Var<'t, T> {
        self.reshape(unsqueezed_shape("unsqueeze", &self.shape(), axis))
    }

    /// The entries at `indices` along `axis`; see [`Tensor::index_select`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([3]));
    /// let g = x.index_select(0, &[2, 2]).sum().backward();
    /// assert_eq!(g[x].to_vec(), vec![0.0, 0.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn index_select(self, axis: usize, indices: &[usize]) -> Var<'t, T> {
        let op = Op::IndexSelect {
            axis,
            indices: Arc::from(indices),
        };
        self.unary(op, |x| x.index_select(axis, indices))
    }

    /// Adds entries into the positions `indices` of a zero tensor with `len`
    /// entries along `axis`; see [`Tensor::index_add`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2]));
    /// assert_eq!(x.index_add(0, &[1, 1], 3).value().to_vec(), vec![0.0, 2.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn index_add(self, axis: usize, indices: &[usize], len: usize) -> Var<'t, T> {
        let op = Op::IndexAdd {
            axis,
            indices: Arc::from(indices),
        };
        self.unary(op, |x| x.index_add(axis, indices, len))
    }

    /// Picks along `axis` by an index tensor; see [`Tensor::gather`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::arange(6).reshape([2, 3]));
    /// let picked = x.gather(1, &Tensor::from_vec(vec![2, 0], [2, 1])?);
    /// assert_eq!(picked.value().to_vec(), vec![2.0, 3.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    #[track_caller]
    pub fn gather(self, axis: usize, index: &Tensor<usize>) -> Var<'t, T> {
        let op = Op::Gather {
            axis,
            index: index.clone(),
        };
        self.unary(op, |x| x.gather(axis, index))
    }

    /// Adds elements into the positions `index` names along `axis` of a zero
    /// tensor with `len` entries there; see [`Tensor::scatter_add`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2]));
    /// let y = x.scatter_add(0, &Tensor::from_vec(vec![0, 0], [2])?, 2);
    /// assert_eq!(y.value().to_vec(), vec![2.0, 0.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    #[track_caller]
    pub fn scatter_add(self, axis: usize, index: &Tensor<usize>, len: usize) -> Var<'t, T> {
        let op = Op::ScatterAdd {
            axis,
            index: index.clone(),
        };
        self.unary(op, |x| x.scatter_add(axis, index, len))
    }
}

/// Declares comparisons of var values; masks carry no gradient.
macro_rules! comparisons {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        impl<'t, T: Float> Var<'t, T> {
            $(
                $(#[$doc])*
                pub fn $name(self, other: Var<'t, T>) -> Tensor<bool> {
                    self.value().$name(&other.value())
                }
            )*
        }
    };
}

comparisons! {
    /// Elementwise `self > other` on the values, as a mask (no gradient).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::arange(3));
    /// let zero = tape.constant(Tensor::scalar(0.0));
    /// assert_eq!(x.gt(zero).to_vec(), vec![false, true, true]);
    /// ```
    gt;
    /// Elementwise `self >= other` on the values, as a mask (no gradient).
    ge;
    /// Elementwise `self < other` on the values, as a mask (no gradient).
    lt;
    /// Elementwise `self <= other` on the values, as a mask (no gradient).
    le;
    /// Elementwise `self == other` on the values, as a mask (no gradient).
    eq_elem;
    /// Elementwise `self != other` on the values, as a mask (no gradient).
    ne_elem;
}

/// The shape a reduction keeps when `keepdim` is true.
pub(crate) fn kept_shape(dims: &[usize], axes: &[usize]) -> Shape {
    let axes = crate::shape::normalize_axes("reduce", axes, dims);
    crate::shape::reduced_shape(dims, &axes, true)
}
