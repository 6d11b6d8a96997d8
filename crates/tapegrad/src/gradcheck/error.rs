//! What the gradient checker reports when a gradient is wrong.

use std::fmt;

/// Why a gradient check failed, naming the input, the element and both values.
///
/// ```
/// use tapegrad::gradcheck::GradCheckError;
/// let err = GradCheckError::Mismatch {
///     order: 1,
///     input: 0,
///     element: vec![1, 2],
///     output: vec![0],
///     analytic: 2.0,
///     numeric: 3.0,
///     tolerance: 0.003,
/// };
/// assert!(err.to_string().contains("input 0, element [1, 2]"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum GradCheckError {
    /// An entry of the Jacobian differs from its finite-difference estimate.
    Mismatch {
        /// 1 for the gradient of the function, 2 for the gradient of its gradient.
        order: u8,
        /// Which input (for order 2, the last input is the output weighting `v`).
        input: usize,
        /// The element of that input, as a multi-index.
        element: Vec<usize>,
        /// The element of the output (for order 2, of the flattened gradients).
        output: Vec<usize>,
        /// The gradient from the tape.
        analytic: f64,
        /// The central-difference estimate.
        numeric: f64,
        /// `atol + rtol * |numeric|`, which the difference exceeded.
        tolerance: f64,
    },
    /// In fast mode: the projection `v^T J u` differs from its estimate.
    ProjectionMismatch {
        /// 1 or 2, as in `Mismatch`.
        order: u8,
        /// The projection from the tape.
        analytic: f64,
        /// The central-difference estimate.
        numeric: f64,
        /// `atol + rtol * |numeric|`.
        tolerance: f64,
    },
    /// Two backward passes over the same tape gave different bits.
    NotRepeatable {
        /// Which input.
        input: usize,
        /// The element of that input.
        element: Vec<usize>,
        /// The first pass's value.
        first: f64,
        /// The second pass's value.
        second: f64,
    },
    /// A zero output gradient produced a non-zero input gradient.
    NonZeroForZeroGradient {
        /// Which input.
        input: usize,
        /// The element of that input.
        element: Vec<usize>,
        /// The value that should have been zero.
        value: f64,
    },
}

impl fmt::Display for GradCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GradCheckError::Mismatch {
                order,
                input,
                element,
                output,
                analytic,
                numeric,
                tolerance,
            } => write!(
                f,
                "order-{order} gradient mismatch at input {input}, element {element:?} \
                 (output element {output:?}): analytic {analytic:e}, numeric {numeric:e}, \
                 error {:e} exceeds tolerance {tolerance:e}",
                (analytic - numeric).abs()
            ),
            GradCheckError::ProjectionMismatch {
                order,
                analytic,
                numeric,
                tolerance,
            } => write!(
                f,
                "order-{order} projection v^T J u mismatch: analytic {analytic:e}, \
                 numeric {numeric:e}, error {:e} exceeds tolerance {tolerance:e}",
                (analytic - numeric).abs()
            ),
            GradCheckError::NotRepeatable {
                input,
                element,
                first,
                second,
            } => write!(
                f,
                "backward is not repeatable at input {input}, element {element:?}: \
                 {first:e} then {second:e}"
            ),
            GradCheckError::NonZeroForZeroGradient {
                input,
                element,
                value,
            } => write!(
                f,
                "a zero output gradient gave {value:e} at input {input}, element {element:?}"
            ),
        }
    }
}

impl std::error::Error for GradCheckError {}
