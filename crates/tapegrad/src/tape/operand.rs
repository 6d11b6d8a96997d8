//! What VJP rules compute with. A rule is written once, generically, and runs
//! on plain tensors for a first-order backward (nothing recorded) or on vars
//! when the backward pass itself must be differentiable.

use super::Var;
use crate::shape::Shape;
use crate::{Float, Tensor};

pub(crate) trait Operand<T: Float>: Clone {
    fn shape(&self) -> Shape;
    /// The forward value, for masks and other constants of the rule.
    fn value(&self) -> Tensor<T>;
    /// `t` as a constant operand of the same kind.
    fn lift(&self, t: Tensor<T>) -> Self;
    fn add(&self, o: &Self) -> Self;
    fn sub(&self, o: &Self) -> Self;
    fn mul(&self, o: &Self) -> Self;
    fn div(&self, o: &Self) -> Self;
    fn neg(&self) -> Self;
    fn add_scalar(&self, c: T) -> Self;
    fn mul_scalar(&self, c: T) -> Self;
    fn powf(&self, p: T) -> Self;
    fn pow(&self, e: &Self) -> Self;
    fn exp(&self) -> Self;
    fn ln(&self) -> Self;
    fn sin(&self) -> Self;
    fn cos(&self) -> Self;
    fn square(&self) -> Self;
    fn sigmoid(&self) -> Self;
    fn sum_axes(&self, axes: &[usize], keepdim: bool) -> Self;
    fn sum_to(&self, shape: &[usize]) -> Self;
    fn broadcast_to(&self, shape: &[usize]) -> Self;
    fn reshape(&self, shape: &[usize]) -> Self;
    fn permute(&self, axes: &[usize]) -> Self;
    fn matmul(&self, o: &Self, ta: bool, tb: bool) -> Self;
    fn narrow(&self, axis: usize, start: usize, len: usize) -> Self;
    fn pad(&self, axis: usize, before: usize, after: usize) -> Self;
    fn index_select(&self, axis: usize, indices: &[usize]) -> Self;
    fn index_add(&self, axis: usize, indices: &[usize], len: usize) -> Self;
    fn gather(&self, axis: usize, index: &Tensor<usize>) -> Self;
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
