//! Finite-difference gradient checking, for tapegrad's tests and yours.
//!
//! [`gradcheck`] compares every entry of the Jacobian that the tape computes
//! with a central difference `(f(x + eps) - f(x - eps)) / 2 eps`, in `f64`.
//! An entry passes when `|analytic - numeric| <= atol + rtol * |numeric|`.
//! It also checks that two backward passes give the same bits and that a
//! zero output gradient gives zero input gradients. [`gradgradcheck`] does
//! the same for the gradient itself, `x, v -> J(x)^T v`, which checks that
//! the backward pass is correctly differentiable, as PyTorch's
//! `gradgradcheck` does. [`GradCheck`] sets the tolerances and the fast mode,
//! which compares one random projection `v^T J u` instead of every entry.
//!
//! ```
//! use tapegrad::gradcheck::{gradcheck, gradgradcheck};
//! use tapegrad::{Tape, Tensor, Var};
//!
//! fn f<'t>(_: &'t Tape<f64>, v: &[Var<'t, f64>]) -> Var<'t, f64> {
//!     (v[0].sin() * v[0]).sum()
//! }
//! let x = Tensor::from_vec(vec![0.5, -1.0, 2.0], [3])?;
//! gradcheck(f, &[x.clone()])?;
//! gradgradcheck(f, &[x])?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;

pub use error::GradCheckError;

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::{Tape, Tensor, Var};

/// Settings for a gradient check; [`GradCheck::default`] gives eps 1e-6,
/// atol 1e-5, rtol 1e-3, the full Jacobian and seed 0.
///
/// ```
/// use tapegrad::gradcheck::GradCheck;
/// use tapegrad::Tensor;
/// let check = GradCheck::default().rtol(1e-4).fast();
/// check.first_order(|_, x| x[0].exp().sum(), &[Tensor::<f64>::ones([4])])?;
/// # Ok::<(), tapegrad::gradcheck::GradCheckError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    eps: f64,
    atol: f64,
    rtol: f64,
    fast: bool,
    seed: u64,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
            fast: false,
            seed: 0,
        }
    }
}

/// Checks the gradient of `f` at `inputs` with the default settings.
///
/// `f` builds the function on the tape it is given, from the vars of the
/// inputs, and returns its output (of any shape).
///
/// ```
/// use tapegrad::gradcheck::gradcheck;
/// use tapegrad::Tensor;
/// let a = Tensor::<f64>::from_fn([2, 3], |i| i as f64 * 0.1);
/// let b = Tensor::<f64>::from_fn([3, 2], |i| 1.0 - i as f64 * 0.2);
/// gradcheck(|_, v| v[0].matmul(v[1]).tanh(), &[a, b])?;
/// # Ok::<(), tapegrad::gradcheck::GradCheckError>(())
/// ```
pub fn gradcheck<F>(f: F, inputs: &[Tensor<f64>]) -> Result<(), GradCheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    GradCheck::default().first_order(f, inputs)
}

/// Checks the gradient of the gradient of `f` at `inputs` with the default settings.
///
/// ```
/// use tapegrad::gradcheck::gradgradcheck;
/// use tapegrad::Tensor;
/// let x = Tensor::<f64>::from_fn([4], |i| i as f64 * 0.3 - 0.5);
/// gradgradcheck(|_, v| v[0].sigmoid() * v[0].exp(), &[x])?;
/// # Ok::<(), tapegrad::gradcheck::GradCheckError>(())
/// ```
pub fn gradgradcheck<F>(f: F, inputs: &[Tensor<f64>]) -> Result<(), GradCheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    GradCheck::default().second_order(f, inputs)
}

impl GradCheck {
    /// Sets the finite-difference step.
    ///
    /// ```
    /// let c = tapegrad::gradcheck::GradCheck::default().eps(1e-5);
    /// # let _ = c;
    /// ```
    pub fn eps(self, eps: f64) -> Self {
        GradCheck { eps, ..self }
    }

    /// Sets the absolute tolerance.
    ///
    /// ```
    /// let c = tapegrad::gradcheck::GradCheck::default().atol(1e-7);
    /// # let _ = c;
    /// ```
    pub fn atol(self, atol: f64) -> Self {
        GradCheck { atol, ..self }
    }

    /// Sets the relative tolerance.
    ///
    /// ```
    /// let c = tapegrad::gradcheck::GradCheck::default().rtol(1e-4);
    /// # let _ = c;
    /// ```
    pub fn rtol(self, rtol: f64) -> Self {
        GradCheck { rtol, ..self }
    }

    /// Compares one random projection `v^T J u` instead of the whole
    /// Jacobian: two function evaluations instead of two per input element.
    ///
    /// ```
    /// let c = tapegrad::gradcheck::GradCheck::default().fast();
    /// # let _ = c;
    /// ```
    pub fn fast(self) -> Self {
        GradCheck { fast: true, ..self }
    }

    /// Seeds the random directions of fast mode and of the second-order check.
    ///
    /// ```
    /// let c = tapegrad::gradcheck::GradCheck::default().seed(7);
    /// # let _ = c;
    /// ```
    pub fn seed(self, seed: u64) -> Self {
        GradCheck { seed, ..self }
    }

    /// Checks the first-order gradient of `f` at `inputs`; see the [module docs](self).
    ///
    /// ```
    /// use tapegrad::gradcheck::GradCheck;
    /// use tapegrad::Tensor;
    /// let x = Tensor::<f64>::from_fn([2, 3], |i| i as f64);
    /// GradCheck::default().first_order(|_, v| v[0].log_softmax(1), &[x])?;
    /// # Ok::<(), tapegrad::gradcheck::GradCheckError>(())
    /// ```
    pub fn first_order<F>(&self, f: F, inputs: &[Tensor<f64>]) -> Result<(), GradCheckError>
    where
        F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
    {
        self.check(1, &f, inputs)
    }

    /// Checks the gradient of `x, v -> J_f(x)^T v`, the vector-Jacobian
    /// product of `f`, with respect to every input and to `v` (drawn at random).
    ///
    /// ```
    /// use tapegrad::gradcheck::GradCheck;
    /// use tapegrad::Tensor;
    /// let x = Tensor::<f64>::from_fn([3], |i| i as f64 + 0.5);
    /// GradCheck::default().second_order(|_, v| v[0].ln() * v[0], &[x])?;
    /// # Ok::<(), tapegrad::gradcheck::GradCheckError>(())
    /// ```
    pub fn second_order<F>(&self, f: F, inputs: &[Tensor<f64>]) -> Result<(), GradCheckError>
    where
        F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
    {
        let out_shape = evaluate(&f, inputs).shape().to_vec();
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0x5eed);
        let v = Tensor::<f64>::randn(&out_shape, &mut rng);
        let n = inputs.len();
        let vjp = higher_ranked(|tape, vars| {
            let out = f(tape, &vars[..n]);
            let grads = tape.grad_with(out, &vars[..n], vars[n]);
            let flat: Vec<Var<'_, f64>> = grads
                .iter()
                .map(|g| g.reshape([g.shape().iter().product::<usize>()]))
                .collect();
            if flat.is_empty() {
                // A function of no inputs has no gradient to check.
                return tape.constant(Tensor::zeros([0]));
            }
            Var::concat(&flat, 0)
        });
        let mut all = inputs.to_vec();
        all.push(v);
        self.check(2, &vjp, &all)
    }

    fn check<F>(&self, order: u8, f: &F, inputs: &[Tensor<f64>]) -> Result<(), GradCheckError>
    where
        F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
    {
        check_repeatable_and_zero(f, inputs)?;
        if self.fast {
            self.check_projection(order, f, inputs)
        } else {
            self.check_jacobian(order, f, inputs)
        }
    }

    fn check_jacobian<F>(
        &self,
        order: u8,
        f: &F,
        inputs: &[Tensor<f64>],
    ) -> Result<(), GradCheckError>
    where
        F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
    {
        let tape = Tape::new();
        let vars = leaves(&tape, inputs);
        let out = f(&tape, &vars);
        let out_value = out.value();
        let rows: Vec<Vec<Tensor<f64>>> = (0..out_value.numel())
            .map(|o| {
                let seed = Tensor::from_fn(out_value.shape(), |k| f64::from(u8::from(k == o)));
                let grads = out.backward_with(seed);
                vars.iter().map(|x| grads[*x].clone()).collect()
            })
            .collect();
        for (i, x) in inputs.iter().enumerate() {
            for e in 0..x.numel() {
                let numeric_column = self.central_difference(f, inputs, i, e);
                for (o, row) in rows.iter().enumerate() {
                    let analytic = row[i].as_slice()[e];
                    let numeric = numeric_column.as_slice()[o];
                    let tolerance = self.atol + self.rtol * numeric.abs();
                    if !approx::abs_diff_eq!(analytic, numeric, epsilon = tolerance) {
                        return Err(GradCheckError::Mismatch {
                            order,
                            input: i,
                            element: unravel(e, x.shape()),
                            output: unravel(o, out_value.shape()),
                            analytic,
                            numeric,
                            tolerance,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn check_projection<F>(
        &self,
        order: u8,
        f: &F,
        inputs: &[Tensor<f64>],
    ) -> Result<(), GradCheckError>
    where
        F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
    {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let tape = Tape::new();
        let vars = leaves(&tape, inputs);
        let out = f(&tape, &vars);
        let v = Tensor::<f64>::randn(out.shape(), &mut rng);
        let u: Vec<Tensor<f64>> = inputs
            .iter()
            .map(|x| Tensor::randn(x.shape(), &mut rng))
            .collect();
        let grads = out.backward_with(v.clone());
        let analytic: f64 = vars
            .iter()
            .zip(&u)
            .map(|(x, u)| (&grads[*x] * u).sum_all())
            .sum();
        let shifted = |sign: f64| -> f64 {
            let moved: Vec<Tensor<f64>> = inputs
                .iter()
                .zip(&u)
                .map(|(x, u)| x + &(u * (sign * self.eps)))
                .collect();
            (&evaluate(f, &moved) * &v).sum_all()
        };
        let numeric = (shifted(1.0) - shifted(-1.0)) / (2.0 * self.eps);
        let tolerance = self.atol + self.rtol * numeric.abs();
        if approx::abs_diff_eq!(analytic, numeric, epsilon = tolerance) {
            Ok(())
        } else {
            Err(GradCheckError::ProjectionMismatch {
                order,
                analytic,
                numeric,
                tolerance,
            })
        }
    }

    /// The derivative of every output element with respect to element `e` of input `i`.
    fn central_difference<F>(
        &self,
        f: &F,
        inputs: &[Tensor<f64>],
        i: usize,
        e: usize,
    ) -> Tensor<f64>
    where
        F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
    {
        let mut moved = inputs.to_vec();
        moved[i].make_mut()[e] += self.eps;
        let plus = evaluate(f, &moved);
        moved[i].make_mut()[e] -= 2.0 * self.eps;
        let minus = evaluate(f, &moved);
        (&plus - &minus).mul_scalar(1.0 / (2.0 * self.eps))
    }
}

/// The inputs as leaf vars on `tape`, each wanting a gradient.
fn leaves<'t>(tape: &'t Tape<f64>, inputs: &[Tensor<f64>]) -> Vec<Var<'t, f64>> {
    inputs.iter().map(|t| tape.var(t.clone())).collect()
}

/// Pins a closure to the signature the checker takes, so that its lifetimes
/// are inferred as higher-ranked.
fn higher_ranked<F>(f: F) -> F
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    f
}

/// Runs `f` and returns its output value. The inputs are vars, not
/// constants, because the function may itself take gradients of them.
fn evaluate<F>(f: &F, inputs: &[Tensor<f64>]) -> Tensor<f64>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let tape = Tape::new();
    let vars = leaves(&tape, inputs);
    f(&tape, &vars).value()
}

/// Two backward passes with the same seed must agree bit for bit, and a zero
/// seed must give exactly zero gradients.
fn check_repeatable_and_zero<F>(f: &F, inputs: &[Tensor<f64>]) -> Result<(), GradCheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let tape = Tape::new();
    let vars = leaves(&tape, inputs);
    let out = f(&tape, &vars);
    let seed = Tensor::from_fn(out.shape(), |k| 1.0 + (k % 7) as f64 * 0.25);
    let (first, second) = (out.backward_with(seed.clone()), out.backward_with(seed));
    let zero = out.backward_with(Tensor::zeros(out.shape()));
    for (i, x) in vars.iter().enumerate() {
        let (a, b) = (first[*x].as_slice(), second[*x].as_slice());
        if let Some(e) = (0..a.len()).find(|&e| a[e].to_bits() != b[e].to_bits()) {
            return Err(GradCheckError::NotRepeatable {
                input: i,
                element: unravel(e, inputs[i].shape()),
                first: a[e],
                second: b[e],
            });
        }
        let z = zero[*x].as_slice();
        if let Some(e) = (0..z.len()).find(|&e| z[e] != 0.0) {
            return Err(GradCheckError::NonZeroForZeroGradient {
                input: i,
                element: unravel(e, inputs[i].shape()),
                value: z[e],
            });
        }
    }
    Ok(())
}

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        index[d] = flat % shape[d];
        flat /= shape[d];
    }
    index
}
