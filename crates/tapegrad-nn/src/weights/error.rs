//! [`WeightsError`]: why named tensors could not be saved or loaded.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why named tensors could not be saved or loaded.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::weights::{from_safetensors_bytes, to_safetensors_bytes, WeightsError};
/// let bytes = to_safetensors_bytes(&[("w", &Tensor::<f64>::zeros([2]))])?;
/// let err = from_safetensors_bytes::<f32>(&bytes).unwrap_err();
/// assert!(matches!(err, WeightsError::DtypeMismatch { .. }));
/// assert_eq!(err.to_string(), "tensor `w` is stored as F64 but F32 was expected (no conversion is done)");
/// # Ok::<(), WeightsError>(())
/// ```
#[derive(Debug)]
pub enum WeightsError {
    /// The file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The bytes are not a valid safetensors file, or the tensors cannot be
    /// written as one; the message is the safetensors crate's, or says what is
    /// inconsistent.
    Format(String),
    /// A tensor the caller expects is not in the file.
    MissingTensor {
        /// The tensor's name.
        name: String,
    },
    /// The file holds a tensor the caller does not expect.
    UnexpectedTensor {
        /// The tensor's name.
        name: String,
    },
    /// A tensor's shape differs from the expected one.
    ShapeMismatch {
        /// The tensor's name.
        name: String,
        /// The shape the caller expects.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A tensor is stored with a dtype other than the requested element type's
    /// (`F32` for `f32`, `F64` for `f64`).
    DtypeMismatch {
        /// The tensor's name.
        name: String,
        /// The dtype of the requested element type, as safetensors spells it.
        expected: String,
        /// The dtype in the file, as safetensors spells it.
        found: String,
    },
    /// A name occurs twice among the tensors to save or the tensors expected.
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// A tensor to save is named `__metadata__`, which the format reserves.
    ReservedName {
        /// The reserved name.
        name: String,
    },
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::Io { path, source } => {
                write!(f, "cannot access safetensors file {}: {source}", path.display())
            }
            WeightsError::Format(message) => write!(f, "invalid safetensors data: {message}"),
            WeightsError::MissingTensor { name } => {
                write!(f, "tensor `{name}` is expected but not in the file")
            }
            WeightsError::UnexpectedTensor { name } => {
                write!(f, "tensor `{name}` is in the file but not expected")
            }
            WeightsError::ShapeMismatch {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor `{name}` has shape {found:?} but {expected:?} was expected"
            ),
            WeightsError::DtypeMismatch {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor `{name}` is stored as {found} but {expected} was expected (no conversion is done)"
            ),
            WeightsError::DuplicateName { name } => {
                write!(f, "tensor name `{name}` occurs more than once")
            }
            WeightsError::ReservedName { name } => write!(
                f,
                "`{name}` is reserved by the safetensors format and cannot name a tensor"
            ),
        }
    }
}

impl std::error::Error for WeightsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WeightsError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl WeightsError {
    /// A [`Format`](WeightsError::Format) error carrying the safetensors
    /// crate's message.
    pub(super) fn format(err: safetensors::SafeTensorError) -> Self {
        WeightsError::Format(err.to_string())
    }
}
