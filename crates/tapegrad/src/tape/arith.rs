//! `+ - * /` and unary `-` on vars, mixed freely with scalars and constant
//! tensors, all recorded and broadcasting.

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::op::Op;
use super::Var;
use crate::{Float, Tensor};

impl<'t, T: Float> Add for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn add(self, rhs: Var<'t, T>) -> Var<'t, T> {
        self.binary(rhs, Op::Add, |a, b| a + b)
    }
}

impl<'t, T: Float> Sub for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn sub(self, rhs: Var<'t, T>) -> Var<'t, T> {
        self.binary(rhs, Op::Sub, |a, b| a - b)
    }
}

impl<'t, T: Float> Mul for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn mul(self, rhs: Var<'t, T>) -> Var<'t, T> {
        self.binary(rhs, Op::Mul, |a, b| a * b)
    }
}

impl<'t, T: Float> Div for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn div(self, rhs: Var<'t, T>) -> Var<'t, T> {
        self.binary(rhs, Op::Div, |a, b| a / b)
    }
}

impl<'t, T: Float> Neg for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn neg(self) -> Var<'t, T> {
        let value = -&self.value();
        self.tape().record(Op::Neg, &[self], value)
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// `self + c` for a scalar `c`.
    #[track_caller]
    pub(crate) fn add_scalar(self, c: T) -> Var<'t, T> {
        let value = self.value().add_scalar(c);
        self.tape().record(Op::AddScalar, &[self], value)
    }

    /// `self * c` for a scalar `c`.
    #[track_caller]
    pub(crate) fn mul_scalar(self, c: T) -> Var<'t, T> {
        let value = self.value().mul_scalar(c);
        self.tape().record(Op::MulScalar(c), &[self], value)
    }
}

impl<'t, T: Float> Add<T> for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn add(self, c: T) -> Var<'t, T> {
        self.add_scalar(c)
    }
}

impl<'t, T: Float> Sub<T> for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn sub(self, c: T) -> Var<'t, T> {
        self.add_scalar(-c)
    }
}

impl<'t, T: Float> Mul<T> for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn mul(self, c: T) -> Var<'t, T> {
        self.mul_scalar(c)
    }
}

impl<'t, T: Float> Div<T> for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn div(self, c: T) -> Var<'t, T> {
        self.mul_scalar(c.recip())
    }
}

/// Scalar-on-the-left arithmetic (`2.0 * x`, `1.0 - x`) for one float type.
macro_rules! scalar_lhs {
    ($t:ty) => {
        impl<'t> Add<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn add(self, x: Var<'t, $t>) -> Var<'t, $t> {
                x.add_scalar(self)
            }
        }
        impl<'t> Sub<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn sub(self, x: Var<'t, $t>) -> Var<'t, $t> {
                (-x).add_scalar(self)
            }
        }
        impl<'t> Mul<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn mul(self, x: Var<'t, $t>) -> Var<'t, $t> {
                x.mul_scalar(self)
            }
        }
        impl<'t> Div<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn div(self, x: Var<'t, $t>) -> Var<'t, $t> {
                x.recip().mul_scalar(self)
            }
        }
    };
}

scalar_lhs!(f32);
scalar_lhs!(f64);

/// Arithmetic between a var and a constant tensor, which is lifted onto the tape.
macro_rules! tensor_rhs {
    ($trait:ident, $method:ident) => {
        impl<'t, T: Float> $trait<&Tensor<T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<T>) -> Var<'t, T> {
                self.$method(self.lift(rhs.clone()))
            }
        }
    };
}

tensor_rhs!(Add, add);
tensor_rhs!(Sub, sub);
tensor_rhs!(Mul, mul);
tensor_rhs!(Div, div);

#[cfg(test)]
mod tests {
    use crate::{Tape, Tensor};

    #[test]
    fn scalars_mix_on_both_sides() {
        let tape = Tape::new();
        let x = tape.var(Tensor::scalar(2.0f64));
        let y = (1.0 - x) * 3.0 + 4.0 / x - x / 2.0 + 2.0 * x - 1.0;
        assert_eq!(y.value().item(), -3.0 + 2.0 - 1.0 + 4.0 - 1.0);
        // dy/dx = -3 - 4/x^2 - 1/2 + 2
        assert_eq!(y.backward()[x].item(), -3.0 - 1.0 - 0.5 + 2.0);
    }

    #[test]
    fn constant_tensors_lift_onto_the_tape() {
        let tape = Tape::new();
        let x = tape.var(Tensor::<f64>::ones([2]));
        let w = Tensor::from_vec(vec![3.0, 5.0], [2]).unwrap();
        let g = (x * &w).sum().backward();
        assert_eq!(g[x], w);
    }

    #[test]
    #[should_panic(expected = "add: operands of shapes [2] and [2] belong to different tapes")]
    fn mixing_tapes_panics() {
        let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
        let _ = a.var(Tensor::zeros([2])) + b.var(Tensor::zeros([2]));
    }
}
