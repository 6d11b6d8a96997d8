//! Errors from building a tensor out of data that came from elsewhere.

use std::fmt;

/// Why data could not be made into a tensor.
///
/// ```
/// use tapegrad::{Tensor, TensorError};
/// let err = Tensor::from_vec(vec![0.0f32; 5], [2, 3]).unwrap_err();
/// assert_eq!(err.to_string(), "5 elements cannot fill a tensor of shape [2, 3] (which holds 6)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TensorError {
    /// The data's length differs from the shape's element count.
    LengthMismatch {
        /// The number of elements supplied.
        len: usize,
        /// The requested shape.
        shape: Vec<usize>,
    },
    /// The shape's element count overflows `usize`.
    TooLarge {
        /// The requested shape.
        shape: Vec<usize>,
    },
}

impl fmt::Display for TensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorError::LengthMismatch { len, shape } => write!(
                f,
                "{len} elements cannot fill a tensor of shape {shape:?} (which holds {})",
                shape.iter().product::<usize>()
            ),
            TensorError::TooLarge { shape } => {
                write!(f, "shape {shape:?} has more elements than fit in memory")
            }
        }
    }
}

impl std::error::Error for TensorError {}
