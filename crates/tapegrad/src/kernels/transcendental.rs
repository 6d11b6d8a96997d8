//! `exp` and `tanh` for `f32` as branch-free arithmetic, so that a loop
//! over a slice compiles to vector instructions (libm's `expf` and `tanhf`
//! are calls, one element at a time).
//!
//! `exp`: with `n = round(x / ln 2)` and `r = x - n ln 2` (`|r| <= ln 2 / 2`,
//! `ln 2` split in two parts so that `r` is exact to working precision),
//! `e^x = 2^n e^r`, where `e^r - 1 = r + r^2 P(r)` with the degree-5
//! polynomial of Cephes' `expf`. `2^n` is applied as two powers of two built
//! from exponent bits, so that results that overflow become infinity and
//! results below `f32::MIN_POSITIVE` become subnormal or zero, as libm's do.
//!
//! `tanh`: `tanh x = expm1(2x) / (expm1(2x) + 2)`, with `expm1` built on the
//! same reduction (`expm1(y) = 2^n (e^r - 1) + (2^n - 1)`), which keeps the
//! relative error small near zero where `1 - 2 / (e^{2x} + 1)` would cancel.
//!
//! Both stay within a few units in the last place of the correctly rounded
//! result over the whole range (measured in the tests below).

/// `log2(e)`.
const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// `ln 2` in two parts: the first has few significant bits, so `n * LN2_HI`
/// is exact for the `n` that occur.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Adding and subtracting `1.5 * 2^23` rounds an `f32` below `2^22` in
/// magnitude to the nearest integer, without a rounding instruction.
const ROUNDING: f32 = 12_582_912.0;
/// The coefficients of `P` in `e^r - 1 = r + r^2 P(r)`, highest first.
const P: [f32; 6] = [
    1.987_569_1e-4,
    1.398_2e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    0.166_666_65,
    0.5,
];
/// Below this `exp` is zero even as a subnormal; above the next it is infinite.
const EXP_LOW: f32 = -104.0;
const EXP_HIGH: f32 = 89.0;
/// `tanh` of a larger magnitude rounds to +-1.
const TANH_SATURATES: f32 = 10.0;

/// `e^r - 1` for `|r| <= ln 2 / 2`.
#[inline(always)]
fn expm1_reduced(r: f32) -> f32 {
    let p = P.iter().fold(0.0, |acc, &c| acc * r + c);
    r + r * r * p
}

/// `n = round(y / ln 2)`, as an integer, and `y - n ln 2`.
///
/// The integer is read from the bits of `y / ln 2 + ROUNDING`, whose low
/// mantissa bits hold it, rather than converted with `as`, whose saturating
/// semantics the compiler cannot vectorise.
#[inline(always)]
fn reduce(y: f32) -> (i32, f32) {
    let shifted = y * LOG2_E + ROUNDING;
    let n = shifted - ROUNDING;
    let integer = shifted.to_bits().wrapping_sub(ROUNDING.to_bits()) as i32;
    (integer, (y - n * LN2_HI) - n * LN2_LO)
}

/// `2^n` for an integral `n` in `[-126, 127]`, from its exponent bits.
#[inline(always)]
fn power_of_two(n: i32) -> f32 {
    f32::from_bits(((n + 127) as u32) << 23)
}

/// `e^x`, within 2 ulp of the correctly rounded value; NaN stays NaN.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    // `clamp` passes NaN through.
    let x = x.clamp(EXP_LOW, EXP_HIGH);
    let (n, r) = reduce(x);
    // n lies in [-150, 129]; each half in [-75, 65] is a normal power of two.
    let half = n >> 1;
    (1.0 + expm1_reduced(r)) * power_of_two(half) * power_of_two(n - half)
}

/// `tanh x`, within a few ulp of the correctly rounded value; NaN stays NaN
/// and the sign of zero is kept.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let magnitude = x.abs();
    // Not `min`, which would turn NaN into TANH_SATURATES.
    let y = 2.0
        * if magnitude > TANH_SATURATES {
            TANH_SATURATES
        } else {
            magnitude
        };
    let (n, r) = reduce(y);
    // n lies in [0, 29]: 2^n is exact.
    let scale = power_of_two(n);
    let expm1 = scale * expm1_reduced(r) + (scale - 1.0);
    (expm1 / (expm1 + 2.0)).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance from `got` to the correctly rounded `exact`, in units in
    /// the last place of the latter.
    fn ulps(got: f32, exact: f64) -> f64 {
        let rounded = exact as f32;
        if got == rounded {
            return 0.0;
        }
        let ulp = f64::from(f32::from_bits(rounded.abs().to_bits() + 1) - rounded.abs());
        (f64::from(got) - exact).abs() / ulp
    }

    /// Evenly spaced points of `[low, high]`, both ends included.
    fn sweep(low: f32, high: f32, count: usize) -> impl Iterator<Item = f32> {
        (0..=count).map(move |i| low + (high - low) * i as f32 / count as f32)
    }

    /// The largest error of `f` against `exact` over `points`, in ulp.
    fn worst_ulps(
        points: impl Iterator<Item = f32>,
        f: fn(f32) -> f32,
        exact: fn(f64) -> f64,
    ) -> f64 {
        points
            .map(|x| ulps(f(x), exact(f64::from(x))))
            .fold(0.0, f64::max)
    }

    #[test]
    fn exp_is_within_two_ulp_everywhere_it_is_finite() {
        let points = sweep(-103.0, 88.7, 400_000).chain(sweep(-1.0, 1.0, 100_000));
        let worst = worst_ulps(points, exp_f32, f64::exp);
        assert!(worst <= 2.0, "exp: {worst} ulp");
    }

    #[test]
    fn exp_overflows_underflows_and_passes_nan_like_libm() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(88.8), f32::INFINITY);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(-105.0), 0.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        let largest = exp_f32(88.72);
        assert!(largest.is_finite() && ulps(largest, f64::from(88.72f32).exp()) <= 2.0);
        let subnormal = exp_f32(-100.0);
        assert!(subnormal > 0.0 && subnormal < f32::MIN_POSITIVE);
        assert!((f64::from(subnormal) - (-100.0f64).exp()).abs() <= 1.5e-45);
        assert_eq!(exp_f32(-100.0), (-100.0f32).exp());
    }

    #[test]
    fn tanh_is_within_three_ulp_and_keeps_small_values_relative() {
        let points = sweep(-12.0, 12.0, 400_000)
            .chain(sweep(-0.01, 0.01, 100_000))
            .chain((1..=60).map(|k| 0.5f32.powi(k)));
        let worst = worst_ulps(points, tanh_f32, f64::tanh);
        assert!(worst <= 3.0, "tanh: {worst} ulp");
    }

    #[test]
    fn tanh_saturates_keeps_the_sign_of_zero_and_passes_nan() {
        assert_eq!(tanh_f32(20.0), 1.0);
        assert_eq!(tanh_f32(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh_f32(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0f32).to_bits());
        assert!(tanh_f32(f32::NAN).is_nan());
        assert_eq!(tanh_f32(1e-30), 1e-30);
    }
}
