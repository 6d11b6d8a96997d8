//! [`Operand`]: what both [`Tensor`] and [`Var`] are, so that a formula is
//! written once and runs eagerly on tensors or recorded on a tape.
//!
//! The built-in VJP rules are written this way, which is why a first-order
//! backward records nothing while `Tape::grad` gives differentiable results.
//! Optimizers use it the same way: one update rule, applied in place in
//! ordinary training or recorded when differentiating through the step.

use super::Var;
use crate::shape::Shape;
use crate::{Float, Tensor};

/// A value that the differentiable operations apply to: an eager [`Tensor`]
/// or a recorded [`Var`]. Each method is the operation of the same name on
/// the implementing type; binary ones broadcast.
///
/// ```
/// use tapegrad::{Operand, Tape, Tensor};
///
/// /// One step of gradient descent, written once.
/// fn descend<G: Operand<f64>>(w: &G, g: &G, lr: &G) -> G {
///     w.sub(&g.mul(lr))
/// }
///
/// let w = Tensor::from_vec(vec![1.0, 2.0], [2])?;
/// let g = Tensor::from_vec(vec![0.5, 0.5], [2])?;
/// assert_eq!(descend(&w, &g, &Tensor::scalar(2.0)).to_vec(), vec![0.0, 1.0]);
///
/// let tape = Tape::new();
/// let lr = tape.var(Tensor::scalar(2.0));
/// let (wv, gv) = (tape.constant(w), tape.constant(g));
/// let moved = descend(&wv, &gv, &lr).sum();
/// assert_eq!(moved.backward()[lr].item(), -1.0);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub trait Operand<T: Float>: Clone {
    /// The dimensions.
    fn shape(&self) -> Shape;
    /// The forward value, for masks and other constants of the rule.
    fn value(&self) -> Tensor<T>;
    /// `t` as a constant operand of the same kind.
    fn lift(&self, t: Tensor<T>) -> Self;
    /// The `add` operation.
    fn add(&self, o: &Self) -> Self;
    /// The `sub` operation.
    fn sub(&self, o: &Self) -> Self;
    /// The `mul` operation.
    fn mul(&self, o: &Self) -> Self;
    /// The `div` operation.
    fn div(&self, o: &Self) -> Self;
    /// The `neg` operation.
    fn neg(&self) -> Self;
    /// The `add_scalar` operation.
    fn add_scalar(&self, c: T) -> Self;
    /// The `mul_scalar` operation.
    fn mul_scalar(&self, c: T) -> Self;
    /// The `powf` operation.
    fn powf(&self, p: T) -> Self;
    /// The `pow` operation.
    fn pow(&self, e: &Self) -> Self;
    /// The `exp` operation.
    fn exp(&self) -> Self;
    /// The `ln` operation.
    fn ln(&self) -> Self;
    /// The `sin` operation.
    fn sin(&self) -> Self;
    /// The `cos` operation.
    fn cos(&self) -> Self;
    /// The `square` operation.
    fn square(&self) -> Self;
    /// The `sqrt` operation.
    fn sqrt(&self) -> Self;
    /// The `sigmoid` operation.
    fn sigmoid(&self) -> Self;
    /// The `sum_axes` operation.
    fn sum_axes(&self, axes: &[usize], keepdim: bool) -> Self;
    /// The `sum_to` operation.
    fn sum_to(&self, shape: &[usize]) -> Self;
    /// The `broadcast_to` operation.
    fn broadcast_to(&self, shape: &[usize]) -> Self;
    /// The `reshape` operation.
    fn reshape(&self, shape: &[usize]) -> Self;
    /// The `permute` operation.
    fn permute(&self, axes: &[usize]) -> Self;
    /// `op(self) · op(o)`, where `op` transposes the last two axes when its flag is set.
    fn matmul(&self, o: &Self, ta: bool, tb: bool) -> Self;
    /// The `narrow` operation.
    fn narrow(&self, axis: usize, start: usize, len: usize) -> Self;
    /// The `pad` operation.
    fn pad(&self, axis: usize, before: usize, after: usize) -> Self;
    /// The `index_select` operation.
    fn index_select(&self, axis: usize, indices: &[usize]) -> Self;
    /// The `index_add` operation.
    fn index_add(&self, axis: usize, indices: &[usize], len: usize) -> Self;
    /// The `gather` operation.
    fn gather(&self, axis: usize, index: &Tensor<usize>) -> Self;
    /// The `scatter_add` operation.
    fn scatter_add(&self, axis: usize, index: &Tensor<usize>, len: usize) -> Self;

    /// Multiplies by a constant tensor (a mask or a local slope), broadcasting.
    fn mul_const(&self, c: Tensor<T>) -> Self {
        self.mul(&self.lift(c))
    }
}

impl<T: Float> Operand<T> for Tensor<T> {
    fn shape(&self) -> Shape {
        self.shape().into()
    }
    fn value(&self) -> Tensor<T> {
        self.clone()
    }
    fn lift(&self, t: Tensor<T>) -> Self {
        t
    }
    fn add(&self, o: &Self) -> Self {
        self + o
    }
    fn sub(&self, o: &Self) -> Self {
        self - o
    }
    fn mul(&self, o: &Self) -> Self {
        self * o
    }
    fn div(&self, o: &Self) -> Self {
        self / o
    }
    fn neg(&self) -> Self {
        -self
    }
    fn add_scalar(&self, c: T) -> Self {
        Tensor::add_scalar(self, c)
    }
    fn mul_scalar(&self, c: T) -> Self {
        Tensor::mul_scalar(self, c)
    }
    fn powf(&self, p: T) -> Self {
        Tensor::powf(self, p)
    }
    fn pow(&self, e: &Self) -> Self {
        Tensor::pow(self, e)
    }
    fn exp(&self) -> Self {
        Tensor::exp(self)
    }
    fn ln(&self) -> Self {
        Tensor::ln(self)
    }
    fn sin(&self) -> Self {
        Tensor::sin(self)
    }
    fn cos(&self) -> Self {
        Tensor::cos(self)
    }
    fn square(&self) -> Self {
        Tensor::square(self)
    }
    fn sqrt(&self) -> Self {
        Tensor::sqrt(self)
    }
    fn sigmoid(&self) -> Self {
        Tensor::sigmoid(self)
    }
    fn sum_axes(&self, axes: &[usize], keepdim: bool) -> Self {
        Tensor::sum_axes(self, axes, keepdim)
    }
    fn sum_to(&self, shape: &[usize]) -> Self {
        Tensor::sum_to(self, shape)
    }
    fn broadcast_to(&self, shape: &[usize]) -> Self {
        Tensor::broadcast_to(self, shape)
    }
    fn reshape(&self, shape: &[usize]) -> Self {
        Tensor::reshape(self, shape)
    }
    fn permute(&self, axes: &[usize]) -> Self {
        Tensor::permute(self, axes)
    }
    fn matmul(&self, o: &Self, ta: bool, tb: bool) -> Self {
        self.matmul_transposed(o, ta, tb)
    }
    fn narrow(&self, axis: usize, start: usize, len: usize) -> Self {
        Tensor::narrow(self, axis, start, len)
    }
    fn pad(&self, axis: usize, before: usize, after: usize) -> Self {
        Tensor::pad(self, axis, before, after)
    }
    fn index_select(&self, axis: usize, indices: &[usize]) -> Self {
        Tensor::index_select(self, axis, indices)
    }
    fn index_add(&self, axis: usize, indices: &[usize], len: usize) -> Self {
        Tensor::index_add(self, axis, indices, len)
    }
    fn gather(&self, axis: usize, index: &Tensor<usize>) -> Self {
        Tensor::gather(self, axis, index)
    }
    fn scatter_add(&self, axis: usize, index: &Tensor<usize>, len: usize) -> Self {
        Tensor::scatter_add(self, axis, index, len)
    }
    fn mul_const(&self, c: Tensor<T>) -> Self {
        self * &c
    }
}

impl<'t, T: Float> Operand<T> for Var<'t, T> {
    fn shape(&self) -> Shape {
        Var::shape(*self)
    }
    fn value(&self) -> Tensor<T> {
        Var::value(*self)
    }
    fn lift(&self, t: Tensor<T>) -> Self {
        Var::lift(*self, t)
    }
    fn add(&self, o: &Self) -> Self {
        *self + *o
    }
    fn sub(&self, o: &Self) -> Self {
        *self - *o
    }
    fn mul(&self, o: &Self) -> Self {
        *self * *o
    }
    fn div(&self, o: &Self) -> Self {
        *self / *o
    }
    fn neg(&self) -> Self {
        -*self
    }
    fn add_scalar(&self, c: T) -> Self {
        Var::add_scalar(*self, c)
    }
    fn mul_scalar(&self, c: T) -> Self {
        Var::mul_scalar(*self, c)
    }
    fn powf(&self, p: T) -> Self {
        Var::powf(*self, p)
    }
    fn pow(&self, e: &Self) -> Self {
        Var::pow(*self, *e)
    }
    fn exp(&self) -> Self {
        Var::exp(*self)
    }
    fn ln(&self) -> Self {
        Var::ln(*self)
    }
    fn sin(&self) -> Self {
        Var::sin(*self)
    }
    fn cos(&self) -> Self {
        Var::cos(*self)
    }
    fn square(&self) -> Self {
        Var::square(*self)
    }
    fn sqrt(&self) -> Self {
        Var::sqrt(*self)
    }
    fn sigmoid(&self) -> Self {
        Var::sigmoid(*self)
    }
    fn sum_axes(&self, axes: &[usize], keepdim: bool) -> Self {
        Var::sum_axes(*self, axes, keepdim)
    }
    fn sum_to(&self, shape: &[usize]) -> Self {
        if Var::shape(*self).as_slice() == shape {
            return *self;
        }
        Var::sum_to(*self, shape)
    }
    fn broadcast_to(&self, shape: &[usize]) -> Self {
        Var::broadcast_to(*self, shape)
    }
    fn reshape(&self, shape: &[usize]) -> Self {
        Var::reshape(*self, shape)
    }
    fn permute(&self, axes: &[usize]) -> Self {
        Var::permute(*self, axes)
    }
    fn matmul(&self, o: &Self, ta: bool, tb: bool) -> Self {
        self.matmul_transposed(*o, ta, tb)
    }
    fn narrow(&self, axis: usize, start: usize, len: usize) -> Self {
        Var::narrow(*self, axis, start, len)
    }
    fn pad(&self, axis: usize, before: usize, after: usize) -> Self {
        Var::pad(*self, axis, before, after)
    }
    fn index_select(&self, axis: usize, indices: &[usize]) -> Self {
        Var::index_select(*self, axis, indices)
    }
    fn index_add(&self, axis: usize, indices: &[usize], len: usize) -> Self {
        Var::index_add(*self, axis, indices, len)
    }
    fn gather(&self, axis: usize, index: &Tensor<usize>) -> Self {
        Var::gather(*self, axis, index)
    }
    fn scatter_add(&self, axis: usize, index: &Tensor<usize>, len: usize) -> Self {
        Var::scatter_add(*self, axis, index, len)
    }
}
