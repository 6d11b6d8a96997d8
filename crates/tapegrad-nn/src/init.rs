//! Weight initialisers, all seeded by the caller's random generator.
//!
//! | initialiser | distribution |
//! |---|---|
//! | `GlorotUniform` (Keras's default kernel) | `U(-l, l)`, `l = sqrt(6 / (fan_in + fan_out))` |
//! | `GlorotNormal` | normal truncated at 2 std, std `sqrt(2 / (fan_in + fan_out)) / 0.8796` (as Keras) |
//! | `HeUniform` | `U(-l, l)`, `l = sqrt(6 / fan_in)` |
//! | `HeNormal` | normal truncated at 2 std, std `sqrt(2 / fan_in) / 0.8796` (as Keras) |
//! | `TorchLinear` (PyTorch's `nn.Linear` default, weights and bias) | `U(-l, l)`, `l = 1 / sqrt(fan_in)` |
//! | `Zeros` (Keras's default bias), `Constant(c)` | constant |

use rand::Rng;
use tapegrad::{Float, Tensor};

/// The standard deviation of a standard normal truncated to `[-2, 2]`.
const TRUNCATED_STD: f64 = 0.879_625_661_034_239_8;

/// How to draw a parameter's initial value; see the [module docs](self).
///
/// ```
/// use rand::{rngs::StdRng, SeedableRng};
/// use tapegrad_nn::Initializer;
/// let mut rng = StdRng::seed_from_u64(1);
/// let w = Initializer::GlorotUniform.init::<f32>(&[784, 32], 784, 32, &mut rng);
/// let limit = (6.0f32 / 816.0).sqrt();
/// assert!(w.as_slice().iter().all(|x| x.abs() <= limit));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Initializer {
    /// Glorot (Xavier) uniform.
    GlorotUniform,
    /// Glorot (Xavier) truncated normal.
    GlorotNormal,
    /// He (Kaiming) uniform.
    HeUniform,
    /// He (Kaiming) truncated normal.
    HeNormal,
    /// PyTorch's `nn.Linear` default.
    TorchLinear,
    /// All zeros.
    Zeros,
    /// Every element equal to the value.
    Constant(f64),
}

impl Initializer {
    /// A tensor of `shape` for a layer with the given fan-in and fan-out.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad_nn::Initializer;
    /// let mut rng = StdRng::seed_from_u64(1);
    /// assert_eq!(Initializer::Constant(0.5).init::<f64>(&[2], 1, 1, &mut rng).to_vec(), vec![0.5, 0.5]);
    /// ```
    pub fn init<T: Float>(
        self,
        shape: &[usize],
        fan_in: usize,
        fan_out: usize,
        rng: &mut impl Rng,
    ) -> Tensor<T> {
        let (fan_in, fan_out) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        match self {
            Initializer::GlorotUniform => uniform(shape, (6.0 / (fan_in + fan_out)).sqrt(), rng),
            Initializer::GlorotNormal => truncated_normal(
                shape,
                (2.0 / (fan_in + fan_out)).sqrt() / TRUNCATED_STD,
                rng,
            ),
            Initializer::HeUniform => uniform(shape, (6.0 / fan_in).sqrt(), rng),
            Initializer::HeNormal => {
                truncated_normal(shape, (2.0 / fan_in).sqrt() / TRUNCATED_STD, rng)
            }
            Initializer::TorchLinear => uniform(shape, 1.0 / fan_in.sqrt(), rng),
            Initializer::Zeros => Tensor::zeros(shape),
            Initializer::Constant(c) => Tensor::full(shape, T::cast(c)),
        }
    }
}

fn uniform<T: Float>(shape: &[usize], limit: f64, rng: &mut impl Rng) -> Tensor<T> {
    Tensor::from_fn(shape, |_| T::cast(rng.gen_range(-limit..limit)))
}

/// Normal samples with standard deviation `std`, redrawn until within 2 std.
fn truncated_normal<T: Float>(shape: &[usize], std: f64, rng: &mut impl Rng) -> Tensor<T> {
    Tensor::from_fn(shape, |_| loop {
        let z = standard_normal(rng);
        if z.abs() <= 2.0 {
            return T::cast(z * std);
        }
    })
}

fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    fn std_of(t: &Tensor<f64>) -> f64 {
        let n = t.numel() as f64;
        let mean = t.sum_all() / n;
        (t.as_slice().iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt()
    }

    #[test]
    fn spreads_match_their_formulas() {
        let mut rng = StdRng::seed_from_u64(3);
        let (fan_in, fan_out) = (300, 100);
        let expected = [
            (
                Initializer::GlorotUniform,
                (6.0f64 / 400.0).sqrt() / 3f64.sqrt(),
            ),
            (Initializer::GlorotNormal, (2.0f64 / 400.0).sqrt()),
            (
                Initializer::HeUniform,
                (6.0f64 / 300.0).sqrt() / 3f64.sqrt(),
            ),
            (Initializer::HeNormal, (2.0f64 / 300.0).sqrt()),
            (
                Initializer::TorchLinear,
                (1.0f64 / 300.0).sqrt() / 3f64.sqrt(),
            ),
        ];
        for (init, std) in expected {
            let t = init.init::<f64>(&[fan_in, fan_out], fan_in, fan_out, &mut rng);
            let got = std_of(&t);
            assert!(
                (got / std - 1.0).abs() < 0.03,
                "{init:?}: std {got} vs {std}"
            );
        }
    }

    #[test]
    fn same_seed_same_weights() {
        let draw =
            || Initializer::HeNormal.init::<f32>(&[4, 4], 4, 4, &mut StdRng::seed_from_u64(9));
        assert_eq!(draw(), draw());
    }
}
