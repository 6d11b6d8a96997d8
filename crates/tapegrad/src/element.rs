//! The element types a tensor can do arithmetic on: `f32` and `f64`.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type: implemented for `f32` and `f64` only.
///
/// Everything numeric in tapegrad is generic over `T: Float`, so a model can be
/// trained in `f32` and gradient-checked in `f64` from the same code.
///
/// ```
/// use tapegrad::Float;
/// fn half<T: Float>(x: T) -> T {
///     x * T::cast(0.5)
/// }
/// assert_eq!(half(3.0f32), 1.5);
/// assert_eq!(<f64 as Float>::NAME, "f64");
/// ```
pub trait Float:
    num_traits::Float
    + num_traits::FloatConst
    + Default
    + Debug
    + Display
    + Sum
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Send
    + Sync
    + 'static
    + sealed::Sealed
{
    /// The type's name as numpy and safetensors spell it (`"f32"`, `"f64"`).
    const NAME: &'static str;

    /// Converts an `f64` constant to this type (rounding to nearest for `f32`).
    fn cast(x: f64) -> Self;

    /// Widens the value to `f64` (exact for both types).
    fn as_f64(self) -> f64;

    /// `e^self` as tensor kernels compute it. For `f32`, branch-free
    /// arithmetic that the compiler vectorises, within 2 ulp of the
    /// correctly rounded value; for `f64`, the standard library's `exp`
    /// (gradient checks run in `f64`, where accuracy comes first).
    ///
    /// ```
    /// use tapegrad::Float;
    /// assert_eq!(0.0f32.kernel_exp(), 1.0);
    /// assert!((1.0f32.kernel_exp() - std::f32::consts::E).abs() <= f32::EPSILON * 3.0);
    /// ```
    fn kernel_exp(self) -> Self;

    /// `tanh(self)` as tensor kernels compute it: vectorisable for `f32`
    /// (within 3 ulp), the standard library's for `f64`.
    ///
    /// ```
    /// use tapegrad::Float;
    /// assert_eq!(0.0f32.kernel_tanh(), 0.0);
    /// assert_eq!(30.0f64.kernel_tanh(), 1.0);
    /// ```
    fn kernel_tanh(self) -> Self;
}

impl Float for f32 {
    const NAME: &'static str = "f32";

    fn cast(x: f64) -> Self {
        x as f32
    }

    fn as_f64(self) -> f64 {
        f64::from(self)
    }

    #[inline(always)]
    fn kernel_exp(self) -> Self {
        crate::kernels::transcendental::exp_f32(self)
    }

    #[inline(always)]
    fn kernel_tanh(self) -> Self {
        crate::kernels::transcendental::tanh_f32(self)
    }
}

impl Float for f64 {
    const NAME: &'static str = "f64";

    fn cast(x: f64) -> Self {
        x
    }

    fn as_f64(self) -> f64 {
        self
    }

    #[inline(always)]
    fn kernel_exp(self) -> Self {
        self.exp()
    }

    #[inline(always)]
    fn kernel_tanh(self) -> Self {
        self.tanh()
    }
}
