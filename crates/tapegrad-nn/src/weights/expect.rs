//! Loading exactly the tensors a model expects, checking names, shapes and
//! dtypes.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use tapegrad::{Float, Tensor};

use super::read::{parse, read_file};
use super::WeightsError;

/// The expected tensors from safetensors bytes, in the order of `expected`.
///
/// `expected` lists each tensor's name and exact shape. The checks run in this
/// order, and the first failure is returned:
/// [`DuplicateName`](WeightsError::DuplicateName) if `expected` repeats a name,
/// [`Format`](WeightsError::Format) for malformed bytes,
/// [`MissingTensor`](WeightsError::MissingTensor) for the first expected name
/// absent from the file,
/// [`UnexpectedTensor`](WeightsError::UnexpectedTensor) for the first (in data
/// order) stored name not expected, then per expected tensor
/// [`DtypeMismatch`](WeightsError::DtypeMismatch) unless it is stored as `T`'s
/// dtype and [`ShapeMismatch`](WeightsError::ShapeMismatch) unless its shape is
/// exactly the expected one. Nothing is converted or reshaped.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::weights::{from_safetensors_bytes_into, to_safetensors_bytes, WeightsError};
/// let (w, b) = (Tensor::<f32>::ones([3, 2]), Tensor::<f32>::zeros([2]));
/// let bytes = to_safetensors_bytes(&[("w", &w), ("b", &b)])?;
/// let loaded = from_safetensors_bytes_into::<f32>(&bytes, &[("w", &[3, 2]), ("b", &[2])])?;
/// assert_eq!(loaded, vec![w, b]);
/// let err = from_safetensors_bytes_into::<f32>(&bytes, &[("w", &[2, 3]), ("b", &[2])]).unwrap_err();
/// assert_eq!(err.to_string(), "tensor `w` has shape [3, 2] but [2, 3] was expected");
/// # Ok::<(), WeightsError>(())
/// ```
pub fn from_safetensors_bytes_into<T: Float>(
    bytes: &[u8],
    expected: &[(&str, &[usize])],
) -> Result<Vec<Tensor<T>>, WeightsError> {
    let mut wanted = HashSet::new();
    if let Some(&(name, _)) = expected.iter().find(|&&(name, _)| !wanted.insert(name)) {
        return Err(WeightsError::DuplicateName { name: name.into() });
    }
    let stored = parse(bytes)?;
    let by_name: HashMap<&str, usize> = stored
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    if let Some(&(name, _)) = expected
        .iter()
        .find(|(name, _)| !by_name.contains_key(name))
    {
        return Err(WeightsError::MissingTensor { name: name.into() });
    }
    if let Some(extra) = stored.iter().find(|s| !wanted.contains(s.name.as_str())) {
        return Err(WeightsError::UnexpectedTensor {
            name: extra.name.clone(),
        });
    }
    expected
        .iter()
        .map(|&(name, shape)| {
            let tensor = &stored[by_name[name]];
            let decoded = tensor.decode()?;
            if tensor.shape != shape {
                return Err(WeightsError::ShapeMismatch {
                    name: name.into(),
                    expected: shape.to_vec(),
                    found: tensor.shape.clone(),
                });
            }
            Ok(decoded)
        })
        .collect()
}

/// The expected tensors from the safetensors file at `path`, checked as
/// [`from_safetensors_bytes_into`] does; failing to read the file gives
/// [`Io`](WeightsError::Io).
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::weights::{load_into, save_safetensors, WeightsError};
/// let path = std::env::temp_dir().join(format!("tapegrad-doc-load-into-{}.safetensors", std::process::id()));
/// save_safetensors(&path, &[("w", &Tensor::<f64>::ones([2])), ("extra", &Tensor::<f64>::ones([1]))])?;
/// let err = load_into::<f64>(&path, &[("w", &[2])]).unwrap_err();
/// std::fs::remove_file(&path)?;
/// assert!(matches!(err, WeightsError::UnexpectedTensor { name } if name == "extra"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_into<T: Float>(
    path: impl AsRef<Path>,
    expected: &[(&str, &[usize])],
) -> Result<Vec<Tensor<T>>, WeightsError> {
    from_safetensors_bytes_into(&read_file(path.as_ref())?, expected)
}
