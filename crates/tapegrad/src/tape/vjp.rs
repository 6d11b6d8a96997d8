//! Vector-Jacobian products of the built-in ops.
//!
//! Every rule is written with [`Operand`] operations, so the same code gives
//! plain tensors in a first-order backward and recorded vars (differentiable
//! again) when a graph of the gradient is wanted. Values a rule treats as
//! constants (masks, local slopes of piecewise-linear ops) are lifted from the
//! forward values and carry no gradient, which is exact: they are locally
//! constant.

use smallvec::{smallvec, SmallVec};

use super::op::Op;
use super::operand::Operand;
use super::var::kept_shape;
use crate::{Float, Tensor};

/// Gradients for each input of one node; `None` where none is needed.
pub(crate) type InputGrads<G> = SmallVec<[Option<G>; 2]>;

/// The gradients of a node's inputs `x`, given its output `y` and the
/// gradient `g` flowing into it. Only inputs with `needs[i]` are computed.
/// Custom ops are handled by the caller.
pub(crate) fn vjp<T: Float, G: Operand<T>>(
    op: &Op<T>,
    x: &[G],
    y: &G,
    g: &G,
    needs: &[bool],
) -> InputGrads<G> {
    let want = |i: usize| needs.get(i).copied().unwrap_or(false);
    let to = |v: G, i: usize| v.sum_to(&x[i].shape());
    let one = |v: G| -> InputGrads<G> { smallvec![Some(v)] };
    let two = |a: &dyn Fn() -> G, b: &dyn Fn() -> G| -> InputGrads<G> {
        smallvec![want(0).then(a), want(1).then(b)]
    };
    match op {
        Op::Leaf | Op::Constant | Op::Custom(_) => SmallVec::new(),
        Op::Add => two(&|| to(g.clone(), 0), &|| to(g.clone(), 1)),
        Op::Sub => two(&|| to(g.clone(), 0), &|| to(g.neg(), 1)),
        Op::Mul => two(&|| to(g.mul(&x[1]), 0), &|| to(g.mul(&x[0]), 1)),
        Op::Div => two(&|| to(g.div(&x[1]), 0), &|| {
            to(g.mul(y).div(&x[1]).neg(), 1)
        }),
        Op::Pow => {
            // d/da a^b = b a^(b-1) and d/db a^b = a^b ln a, with the limits
            // PyTorch uses where those forms are 0 * inf: 0 at b = 0 and at a = 0.
            let (a, b) = (&x[0], &x[1]);
            let b_is_zero = b.value().map(|v| f_of(v == T::zero()));
            let a_is_zero = a.value().map(|v| f_of(v == T::zero()));
            two(
                &|| {
                    let exponent = b.add_scalar(-T::one()).add(&b.lift(b_is_zero.clone()));
                    to(g.mul(b).mul(&a.pow(&exponent)), 0)
                },
                &|| to(g.mul(y).mul(&a.add(&a.lift(a_is_zero.clone())).ln()), 1),
            )
        }
        Op::Maximum | Op::Minimum => {
            let larger = matches!(op, Op::Maximum);
            let share = tie_split(&x[0].value(), &x[1].value(), larger);
            let other = share.map(|s| T::one() - s);
            two(&|| to(g.mul_const(share.clone()), 0), &|| {
                to(g.mul_const(other.clone()), 1)
            })
        }
        Op::Neg => one(g.neg()),
        Op::AddScalar => one(g.clone()),
        Op::MulScalar(c) => one(g.mul_scalar(*c)),
        Op::PowScalar(p) if *p == T::zero() => one(g.mul_scalar(T::zero())),
        Op::PowScalar(p) => one(g.mul(&x[0].powf(*p - T::one())).mul_scalar(*p)),
        Op::Exp => one(g.mul(y)),
        Op::Ln => one(g.div(&x[0])),
        Op::Sqrt => one(g.div(y).mul_scalar(T::cast(0.5))),
        Op::Abs => one(g.mul_const(x[0].value().sign())),
        Op::Square => one(g.mul(&x[0]).mul_scalar(T::cast(2.0))),
        Op::Recip => one(g.mul(&y.square()).neg()),
        Op::Sin => one(g.mul(&x[0].cos())),
        Op::Cos => one(g.mul(&x[0].sin()).neg()),
        Op::Tanh => one(g.mul(&y.square().neg().add_scalar(T::one()))),
        Op::Sigmoid => one(g.mul(y).mul(&y.neg().add_scalar(T::one()))),
        Op::Relu => one(g.mul_const(slope(&x[0].value(), T::zero()))),
        Op::Softplus => one(g.mul(&x[0].sigmoid())),
        Op::LeakyRelu(alpha) => one(g.mul_const(slope(&x[0].value(), *alpha))),
        Op::Clamp(low, high) => {
            let (low, high) = (*low, *high);
            let inside = x[0].value().map(move |v| {
                if low <= v && v <= high {
                    T::one()
                } else {
                    T::zero()
                }
            });
            one(g.mul_const(inside))
        }
        Op::SumAxes { axes, .. } => {
            let x_shape = x[0].shape();
            one(g
                .reshape(&kept_shape(&x_shape, axes))
                .broadcast_to(&x_shape))
        }
        Op::MaxAxes { axes, .. } | Op::MinAxes { axes, .. } => {
            let x_shape = x[0].shape();
            let kept = kept_shape(&x_shape, axes);
            let xv = x[0].value();
            let hits = xv.eq_elem(&y.value().reshape(&kept)).to_float::<T>();
            let share = &hits / &hits.sum_axes(axes, true);
            one(g.reshape(&kept).broadcast_to(&x_shape).mul_const(share))
        }
        Op::LogSoftmax(axis) => {
            let total = g.sum_axes(&[*axis], true);
            one(g.sub(&y.exp().mul(&total)))
        }
        Op::MatMul { ta, tb } => matmul_vjp(&x[0], &x[1], g, *ta, *tb, needs),
        Op::Reshape => one(g.reshape(&x[0].shape())),
        Op::Permute(axes) => {
            let mut inverse = vec![0; axes.len()];
            for (i, &a) in axes.iter().enumerate() {
                inverse[a] = i;
            }
            one(g.permute(&inverse))
        }
        Op::BroadcastTo => one(g.sum_to(&x[0].shape())),
        Op::SumTo => one(g.broadcast_to(&x[0].shape())),
        Op::Narrow { axis, start } => {
            let (full, len) = (x[0].shape()[*axis], y.shape()[*axis]);
            one(g.pad(*axis, *start, full - start - len))
        }
        Op::Pad { axis, before } => one(g.narrow(*axis, *before, x[0].shape()[*axis])),
        Op::Concat(axis) => {
            let mut offset = 0;
            x.iter()
                .enumerate()
                .map(|(i, xi)| {
                    let len = xi.shape()[*axis];
                    offset += len;
                    want(i).then(|| g.narrow(*axis, offset - len, len))
                })
                .collect()
        }
        Op::IndexSelect { axis, indices } => one(g.index_add(*axis, indices, x[0].shape()[*axis])),
        Op::IndexAdd { axis, indices } => one(g.index_select(*axis, indices)),
        Op::Gather { axis, index } => one(g.scatter_add(*axis, index, x[0].shape()[*axis])),
        Op::ScatterAdd { axis, index } => one(g.gather(*axis, index)),
        Op::Where(mask) => {
            let on_true = mask.to_float::<T>();
            let on_false = on_true.map(|m| T::one() - m);
            two(&|| to(g.mul_const(on_true.clone()), 0), &|| {
                to(g.mul_const(on_false.clone()), 1)
            })
        }
    }
}

/// Gradients of `C = op(A) · op(B)`, each written as another product so that
/// no transpose is ever copied.
fn matmul_vjp<T: Float, G: Operand<T>>(
    a: &G,
    b: &G,
    g: &G,
    ta: bool,
    tb: bool,
    needs: &[bool],
) -> InputGrads<G> {
    let grad_a = || {
        let ga = if ta {
            b.matmul(g, tb, true)
        } else {
            g.matmul(b, false, !tb)
        };
        ga.sum_to(&a.shape())
    };
    let grad_b = || {
        let gb = if tb {
            g.matmul(a, true, ta)
        } else {
            a.matmul(g, !ta, false)
        };
        gb.sum_to(&b.shape())
    };
    smallvec![needs[0].then(grad_a), needs[1].then(grad_b)]
}

/// 1 for true, 0 for false.
fn f_of<T: Float>(condition: bool) -> T {
    if condition {
        T::one()
    } else {
        T::zero()
    }
}

/// The local slope of a ReLU-like op: 1 where `x > 0`, `negative` elsewhere.
fn slope<T: Float>(x: &Tensor<T>, negative: T) -> Tensor<T> {
    x.map(move |v| if v > T::zero() { T::one() } else { negative })
}

/// The share of the gradient of `maximum(a, b)` (or `minimum`) that goes to
/// `a`, in the broadcast shape: 1 where `a` wins, 0 where it loses, 1/2 at ties.
fn tie_split<T: Float>(a: &Tensor<T>, b: &Tensor<T>, larger: bool) -> Tensor<T> {
    let half = T::cast(0.5);
    a.zip_with("maximum", b, |p, q| {
        let wins = if larger { p > q } else { p < q };
        if p == q {
            half
        } else if wins {
            T::one()
        } else {
            T::zero()
        }
    })
}
