//! Elementwise arithmetic: unary maps, scalar arithmetic and broadcasting
//! binary operations, with `+ - * /` overloaded on tensors and scalars.

use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub};

use super::for_each_row;
use crate::shape::{broadcast_or_panic, broadcast_strides, broadcasts_to, numel};
use crate::tensor::pool;
use crate::{Float, Tensor};

/// `sqrt(2 / pi)`, the scale inside the tanh approximation of GELU.
pub(crate) const GELU_SCALE: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh approximation of GELU.
pub(crate) const GELU_CUBIC: f64 = 0.044_715;

/// Applies `f` to pairs of elements of `a` and `b` broadcast together.
pub(crate) fn zip_map<T: Copy + 'static, U: 'static>(
    op: &str,
    a: &Tensor<T>,
    b: &Tensor<T>,
    f: impl Fn(T, T) -> U,
) -> Tensor<U> {
    let (xa, xb) = (a.as_slice(), b.as_slice());
    if a.shape() == b.shape() {
        let mut data = pool::take(xa.len());
        data.extend(xa.iter().zip(xb).map(|(&x, &y)| f(x, y)));
        return Tensor::from_parts(data, a.shape().into());
    }
    let shape = broadcast_or_panic(op, a.shape(), b.shape());
    let (sa, sb) = (
        broadcast_strides(a.shape(), &shape),
        broadcast_strides(b.shape(), &shape),
    );
    let inner = shape.last().copied().unwrap_or(1);
    let (ia, ib) = (
        sa.last().copied().unwrap_or(0),
        sb.last().copied().unwrap_or(0),
    );
    let mut out = pool::take(numel(&shape));
    for_each_row(&shape, [&sa, &sb], |[oa, ob]| match (ia, ib) {
        (1, 1) => out.extend(
            xa[oa..oa + inner]
                .iter()
                .zip(&xb[ob..ob + inner])
                .map(|(&x, &y)| f(x, y)),
        ),
        (1, _) => out.extend(xa[oa..oa + inner].iter().map(|&x| f(x, xb[ob]))),
        (_, 1) => out.extend(xb[ob..ob + inner].iter().map(|&y| f(xa[oa], y))),
        _ => out.extend((0..inner).map(|_| f(xa[oa], xb[ob]))),
    });
    Tensor::from_parts(out, shape)
}

/// Slices at least this long are mapped under runtime dispatch.
const DISPATCH_MIN_LEN: usize = 64;

/// `dst[i] = f(src[i])`, or `dst[i] = f(dst[i])` without a source. Long
/// slices run under `pulp`'s runtime dispatch, so that the loop (with `f`
/// inlined) is compiled for AVX2 or AVX-512 where the CPU has them; the
/// results are the same either way.
struct Map<'a, T, F> {
    dst: &'a mut [T],
    src: Option<&'a [T]>,
    f: &'a F,
}

impl<T: Float, F: Fn(T) -> T> pulp::WithSimd for Map<'_, T, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        match self.src {
            Some(src) => {
                for (d, &s) in self.dst.iter_mut().zip(src) {
                    *d = (self.f)(s);
                }
            }
            None => self.dst.iter_mut().for_each(|d| *d = (self.f)(*d)),
        }
    }
}

impl<T: Float, F: Fn(T) -> T> Map<'_, T, F> {
    fn run(self) {
        if self.dst.len() >= DISPATCH_MIN_LEN {
            pulp::Arch::new().dispatch(self);
        } else {
            pulp::WithSimd::with_simd(self, pulp::Scalar);
        }
    }
}

/// `dst[i] = f(src[i])`, vectorised where the CPU allows.
pub(crate) fn map_into<T: Float>(dst: &mut [T], src: &[T], f: &impl Fn(T) -> T) {
    Map {
        dst,
        src: Some(src),
        f,
    }
    .run();
}

/// `data[i] = f(data[i])`, vectorised where the CPU allows.
pub(crate) fn map_in_place<T: Float>(data: &mut [T], f: &impl Fn(T) -> T) {
    Map {
        dst: data,
        src: None,
        f,
    }
    .run();
}

impl<T: Float> Tensor<T> {
    /// Applies `f` to every element.
    ///
    /// Let `f` capture scalars by value (a `move` closure): the compiler
    /// then loads them once and vectorises the loop. Through a borrow it
    /// cannot tell that the writes leave the scalar alone, reloads it for
    /// every element and keeps the loop scalar, several times slower.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(3).map(|x| x * x).to_vec(), vec![0.0, 1.0, 4.0]);
    /// ```
    pub fn map(&self, f: impl Fn(T) -> T) -> Tensor<T> {
        let mut data = pool::take_to_overwrite(self.numel());
        map_into(&mut data, self.as_slice(), &f);
        Tensor::from_parts(data, self.shape().into())
    }

    /// Consumes the tensor and applies `f` to every element, in place when
    /// the storage is not shared.
    pub(crate) fn map_owned(mut self, f: impl Fn(T) -> T) -> Tensor<T> {
        match self.unique_data_mut() {
            Some(data) => {
                map_in_place(data, &f);
                self
            }
            None => self.map(f),
        }
    }

    /// Combines `self` and `other` elementwise with numpy broadcasting;
    /// `op` names the operation in the panic message for incompatible shapes.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::<f64>::arange(3).reshape([3, 1]);
    /// let b = Tensor::<f64>::arange(2);
    /// assert_eq!(a.zip_with("plus", &b, |x, y| x + y).shape(), &[3, 2]);
    /// ```
    pub fn zip_with(&self, op: &str, other: &Tensor<T>, f: impl Fn(T, T) -> T) -> Tensor<T> {
        zip_map(op, self, other, f)
    }

    /// Elementwise `self ^ exponent`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::full([2], 3.0f64).pow(&Tensor::scalar(2.0));
    /// assert_eq!(t.to_vec(), vec![9.0, 9.0]);
    /// ```
    pub fn pow(&self, exponent: &Tensor<T>) -> Tensor<T> {
        zip_map("pow", self, exponent, T::powf)
    }

    /// Elementwise `self ^ p` for a scalar exponent.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1], 4.0f32).powf(0.5).item(), 2.0);
    /// ```
    pub fn powf(&self, p: T) -> Tensor<T> {
        self.map(move |x| x.powf(p))
    }

    /// The elementwise larger of `self` and `other`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(3).maximum(&Tensor::scalar(1.0));
    /// assert_eq!(t.to_vec(), vec![1.0, 1.0, 2.0]);
    /// ```
    pub fn maximum(&self, other: &Tensor<T>) -> Tensor<T> {
        zip_map("maximum", self, other, T::max)
    }

    /// The elementwise smaller of `self` and `other`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(3).minimum(&Tensor::scalar(1.0));
    /// assert_eq!(t.to_vec(), vec![0.0, 1.0, 1.0]);
    /// ```
    pub fn minimum(&self, other: &Tensor<T>) -> Tensor<T> {
        zip_map("minimum", self, other, T::min)
    }

    /// Each element plus a scalar.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::zeros([1]).add_scalar(2.0).item(), 2.0);
    /// ```
    pub fn add_scalar(&self, c: T) -> Tensor<T> {
        self.map(move |x| x + c)
    }

    /// Each element times a scalar.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::ones([1]).mul_scalar(3.0).item(), 3.0);
    /// ```
    pub fn mul_scalar(&self, c: T) -> Tensor<T> {
        self.map(move |x| x * c)
    }

    /// Each element clamped to `[low, high]`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(4).clamp(1.0, 2.0).to_vec(), vec![1.0, 1.0, 2.0, 2.0]);
    /// ```
    pub fn clamp(&self, low: T, high: T) -> Tensor<T> {
        assert!(low <= high, "clamp: low {low} is above high {high}");
        self.map(move |x| x.max(low).min(high))
    }

    /// `x` where `x > 0`, else `alpha * x`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::from_vec(vec![-2.0f32, 3.0], [2])?.leaky_relu(0.1);
    /// assert_eq!(t.to_vec(), vec![-0.2, 3.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn leaky_relu(&self, alpha: T) -> Tensor<T> {
        self.map(move |x| if x > T::zero() { x } else { alpha * x })
    }

    /// GELU in its tanh approximation, `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`,
    /// the form used by GPT-2 and JAX's default.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::zeros([1]).gelu().item(), 0.0);
    /// ```
    pub fn gelu(&self) -> Tensor<T> {
        let (scale, cubic, half) = (T::cast(GELU_SCALE), T::cast(GELU_CUBIC), T::cast(0.5));
        self.map(move |x| half * x * (T::one() + (scale * (x + cubic * x * x * x)).kernel_tanh()))
    }

    /// `ln(1 + e^x)`, computed without overflow for large `|x|`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1], 1000.0f64).softplus().item(), 1000.0);
    /// ```
    pub fn softplus(&self) -> Tensor<T> {
        self.map(|x| x.max(T::zero()) + (-x.abs()).kernel_exp().ln_1p())
    }
}

/// Declares unary elementwise methods that apply a method of `T` to each element.
macro_rules! unary_methods {
    ($($(#[$doc:meta])* $name:ident => $f:expr;)*) => {
        impl<T: Float> Tensor<T> {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Tensor<T> {
                    self.map($f)
                }
            )*
        }
    };
}

unary_methods! {
    /// Elementwise `e^x`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::zeros([1]).exp().item(), 1.0);
    /// ```
    exp => T::kernel_exp;
    /// Elementwise natural logarithm.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::ones([1]).ln().item(), 0.0);
    /// ```
    ln => T::ln;
    /// Elementwise square root.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1], 9.0f32).sqrt().item(), 3.0);
    /// ```
    sqrt => T::sqrt;
    /// Elementwise absolute value.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1], -2.0f32).abs().item(), 2.0);
    /// ```
    abs => T::abs;
    /// Elementwise `x * x`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1], -3.0f32).square().item(), 9.0);
    /// ```
    square => |x| x * x;
    /// Elementwise `1 / x`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1], 4.0f32).recip().item(), 0.25);
    /// ```
    recip => T::recip;
    /// Elementwise sine.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::zeros([1]).sin().item(), 0.0);
    /// ```
    sin => T::sin;
    /// Elementwise cosine.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::zeros([1]).cos().item(), 1.0);
    /// ```
    cos => T::cos;
    /// Elementwise hyperbolic tangent.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::zeros([1]).tanh().item(), 0.0);
    /// ```
    tanh => T::kernel_tanh;
    /// Elementwise logistic sigmoid `1 / (1 + e^-x)`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::zeros([1]).sigmoid().item(), 0.5);
    /// ```
    sigmoid => |x| T::one() / (T::one() + (-x).kernel_exp());
    /// Elementwise `max(x, 0)`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1], -1.0f32).relu().item(), 0.0);
    /// ```
    relu => |x| x.max(T::zero());
    /// Elementwise sign: -1, 0 or 1.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1], -5.0f32).sign().item(), -1.0);
    /// ```
    sign => |x| if x > T::zero() { T::one() } else if x < T::zero() { -T::one() } else { T::zero() };
}

/// Implements a broadcasting binary operator for every pairing of owned and
/// borrowed tensors and scalars. Owned left operands are reused in place when
/// their storage is unshared and already has the result's shape.
macro_rules! binary_operator {
    ($trait:ident, $method:ident, $name:literal, $f:expr) => {
        impl<T: Float> $trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                zip_map($name, self, rhs, $f)
            }
        }
        impl<T: Float> $trait<Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(mut self, rhs: Tensor<T>) -> Tensor<T> {
                if rhs.shape() == self.shape() {
                    if let Some(data) = self.unique_data_mut() {
                        let f = $f;
                        data.iter_mut()
                            .zip(rhs.as_slice())
                            .for_each(|(x, &y)| *x = f(*x, y));
                        return self;
                    }
                }
                zip_map($name, &self, &rhs, $f)
            }
        }
        impl<T: Float> $trait<&Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                zip_map($name, &self, rhs, $f)
            }
        }
        impl<T: Float> $trait<T> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: T) -> Tensor<T> {
                let f = $f;
                self.map(move |x| f(x, rhs))
            }
        }
        impl<T: Float> $trait<T> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: T) -> Tensor<T> {
                let f = $f;
                self.map_owned(move |x| f(x, rhs))
            }
        }
        impl $trait<&Tensor<f32>> for f32 {
            type Output = Tensor<f32>;
            fn $method(self, rhs: &Tensor<f32>) -> Tensor<f32> {
                let f = $f;
                rhs.map(move |y| f(self, y))
            }
        }
        impl $trait<&Tensor<f64>> for f64 {
            type Output = Tensor<f64>;
            fn $method(self, rhs: &Tensor<f64>) -> Tensor<f64> {
                let f = $f;
                rhs.map(move |y| f(self, y))
            }
        }
    };
}

binary_operator!(Add, add, "add", |x, y| x + y);
binary_operator!(Sub, sub, "sub", |x, y| x - y);
binary_operator!(Mul, mul, "mul", |x, y| x * y);
binary_operator!(Div, div, "div", |x, y| x / y);

impl<T: Float> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        self.map(|x| -x)
    }
}

impl<T: Float> Neg for Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        self.map_owned(|x| -x)
    }
}

impl<T: Float> AddAssign<&Tensor<T>> for Tensor<T> {
    /// Adds `rhs` (which must broadcast to `self`'s shape) into `self`,
    /// in place unless the storage is shared.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let mut acc = Tensor::<f32>::zeros([2, 2]);
    /// acc += &Tensor::ones([2]);
    /// assert_eq!(acc.sum_all(), 4.0);
    /// ```
    fn add_assign(&mut self, rhs: &Tensor<T>) {
        assert!(
            broadcasts_to(rhs.shape(), self.shape()),
            "add_assign: shape {:?} cannot be added into shape {:?}",
            rhs.shape(),
            self.shape()
        );
        if rhs.shape() == self.shape() {
            let data = self.make_mut();
            data.iter_mut()
                .zip(rhs.as_slice())
                .for_each(|(x, &y)| *x += y);
        } else {
            *self = &*self + rhs;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(data.to_vec(), shape).unwrap()
    }

    #[test]
    fn broadcasting_covers_rows_columns_and_scalars() {
        let col = t(&[1.0, 2.0], &[2, 1]);
        let row = t(&[10.0, 20.0, 30.0], &[3]);
        let sum = &col + &row;
        assert_eq!(sum.shape(), &[2, 3]);
        assert_eq!(sum.to_vec(), vec![11.0, 21.0, 31.0, 12.0, 22.0, 32.0]);
        assert_eq!(
            (&row - &Tensor::scalar(1.0)).to_vec(),
            vec![9.0, 19.0, 29.0]
        );
        assert_eq!((2.0 / &t(&[4.0], &[1])).item(), 0.5);
    }

    #[test]
    #[should_panic(expected = "mul: shapes [2, 3] and [4] cannot be broadcast together")]
    fn incompatible_broadcast_names_op_and_shapes() {
        let _ = &Tensor::<f64>::zeros([2, 3]) * &Tensor::zeros([4]);
    }

    #[test]
    fn owned_operands_are_reused_in_place() {
        let a = Tensor::<f64>::ones([3]);
        let ptr = a.as_slice().as_ptr();
        let b = a * Tensor::full([3], 2.0);
        assert_eq!(b.as_slice().as_ptr(), ptr);
        assert_eq!(b.to_vec(), vec![2.0; 3]);
    }

    /// The dispatched (vectorised) loop and the scalar function give the
    /// same bits, for slices long enough to dispatch and for short ones.
    #[test]
    fn f32_exp_and_tanh_tensors_match_the_scalar_kernels_bitwise() {
        for len in [7, 1000] {
            let t = Tensor::<f32>::from_fn([len], |i| (i as f32 - 500.0) * 0.2);
            let pairs = [
                (t.exp(), f32::kernel_exp as fn(f32) -> f32),
                (t.tanh(), f32::kernel_tanh),
            ];
            for (got, scalar) in pairs {
                for (&y, &x) in got.as_slice().iter().zip(t.as_slice()) {
                    assert_eq!(y.to_bits(), scalar(x).to_bits(), "x = {x}");
                }
            }
        }
    }

    #[test]
    fn softplus_and_gelu_match_their_formulas() {
        let x = t(&[-3.0, -0.5, 0.0, 2.0], &[4]);
        for (s, &v) in x.softplus().as_slice().iter().zip(x.as_slice()) {
            assert!((s - (1.0 + v.exp()).ln()).abs() < 1e-12);
        }
        let g = t(&[1.0], &[1]).gelu().item();
        assert!((g - 0.841_191_990_607_477_2).abs() < 1e-12);
    }
}
