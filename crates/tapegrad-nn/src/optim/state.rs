//! Saving and restoring optimizer state as named tensors.

use std::fmt;

use tapegrad::{Float, Tensor};

/// Why a saved optimizer state could not be restored.
///
/// ```
/// use tapegrad_nn::optim::StateError;
/// let err = StateError::Missing { name: "m.0".into() };
/// assert_eq!(err.to_string(), "optimizer state has no tensor named m.0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// A tensor the optimizer needs is absent.
    Missing {
        /// Its name.
        name: String,
    },
    /// A tensor has the wrong shape.
    Shape {
        /// Its name.
        name: String,
        /// The shape the optimizer needs.
        expected: Vec<usize>,
        /// The shape found.
        found: Vec<usize>,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Missing { name } => write!(f, "optimizer state has no tensor named {name}"),
            StateError::Shape {
                name,
                expected,
                found,
            } => write!(
                f,
                "optimizer state tensor {name} has shape {found:?}, expected {expected:?}"
            ),
        }
    }
}

impl std::error::Error for StateError {}

/// Looks up `name` in a saved state, checking its shape when `shape` is given.
pub(crate) fn find<T: Float>(
    state: &[(String, Tensor<T>)],
    name: &str,
    shape: Option<&[usize]>,
) -> Result<Tensor<T>, StateError> {
    let (_, t) = state
        .iter()
        .find(|(n, _)| n == name)
        .ok_or_else(|| StateError::Missing { name: name.into() })?;
    match shape {
        Some(s) if s != t.shape() => Err(StateError::Shape {
            name: name.into(),
            expected: s.to_vec(),
            found: t.shape().to_vec(),
        }),
        _ => Ok(t.clone()),
    }
}

/// The step counter as a saved tensor, and back.
pub(crate) fn step_tensor<T: Float>(step: u64) -> Tensor<T> {
    Tensor::scalar(T::cast(step as f64))
}

pub(crate) fn step_from<T: Float>(state: &[(String, Tensor<T>)]) -> Result<u64, StateError> {
    let t = find(state, "step", Some(&[]))?;
    Ok(t.item().as_f64() as u64)
}

/// Restores the per-parameter tensors named `{prefix}.0`, `{prefix}.1`, ...
/// (stopping at the first absent index, which is missing if a later one is
/// present), checking that `like` (when given) has a tensor of the same
/// shape at each index.
pub(crate) fn restore_slots<T: Float>(
    state: &[(String, Tensor<T>)],
    prefix: &str,
    like: Option<&[Tensor<T>]>,
) -> Result<Vec<Tensor<T>>, StateError> {
    let mut slots = Vec::new();
    while let Ok(t) = find(state, &format!("{prefix}.{}", slots.len()), None) {
        slots.push(t);
    }
    let index = |name: &str| -> Option<usize> {
        name.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()
    };
    if state
        .iter()
        .any(|(name, _)| index(name).is_some_and(|i| i > slots.len()))
    {
        return Err(StateError::Missing {
            name: format!("{prefix}.{}", slots.len()),
        });
    }
    if let Some(like) = like {
        for (i, l) in like.iter().enumerate() {
            let name = format!("{prefix}.{i}");
            let t = slots
                .get(i)
                .ok_or_else(|| StateError::Missing { name: name.clone() })?;
            if t.shape() != l.shape() {
                return Err(StateError::Shape {
                    name,
                    expected: l.shape().to_vec(),
                    found: t.shape().to_vec(),
                });
            }
        }
    }
    Ok(slots)
}

/// Per-parameter tensors as named state entries.
pub(crate) fn named_slots<T: Float>(prefix: &str, slots: &[Tensor<T>]) -> Vec<(String, Tensor<T>)> {
    slots
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("{prefix}.{i}"), t.clone()))
        .collect()
}
