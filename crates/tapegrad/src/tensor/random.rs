//! Seeded random tensors: uniform and normal.

use rand::Rng;

use super::Tensor;
use crate::Float;

impl<T: Float> Tensor<T> {
    /// Elements drawn uniformly from `[low, high)`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad::Tensor;
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let t = Tensor::<f32>::rand_uniform([100], -1.0, 1.0, &mut rng);
    /// assert!(t.as_slice().iter().all(|&x| (-1.0..1.0).contains(&x)));
    /// ```
    pub fn rand_uniform(shape: impl AsRef<[usize]>, low: T, high: T, rng: &mut impl Rng) -> Self {
        let (low, high) = (low.as_f64(), high.as_f64());
        Self::from_fn(shape, |_| T::cast(low + (high - low) * rng.gen::<f64>()))
    }

    /// Elements drawn from the standard normal distribution (Box-Muller).
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad::Tensor;
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let t = Tensor::<f64>::randn([10_000], &mut rng);
    /// assert!((t.sum_all() / 10_000.0).abs() < 0.05);
    /// ```
    pub fn randn(shape: impl AsRef<[usize]>, rng: &mut impl Rng) -> Self {
        Self::from_fn(shape, |_| T::cast(standard_normal(rng)))
    }
}

/// One standard-normal sample by the Box-Muller transform.
pub(crate) fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
