//! Writing named tensors as safetensors bytes or files.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs;
use std::path::Path;

use safetensors::{Dtype, View};
use tapegrad::{Float, Tensor};

use super::element::Element;
use super::{WeightsError, METADATA_KEY};

/// A tensor's dtype, shape and little-endian bytes, ready to be written.
struct Encoded {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Encoded {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Checks that no name repeats and none is the format's reserved metadata key.
fn check_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), WeightsError> {
    let mut seen = HashSet::new();
    for name in names {
        if name == METADATA_KEY {
            return Err(WeightsError::ReservedName { name: name.into() });
        }
        if !seen.insert(name) {
            return Err(WeightsError::DuplicateName { name: name.into() });
        }
    }
    Ok(())
}

/// The named tensors as the bytes of a safetensors file.
///
/// `f32` tensors are stored as `F32` and `f64` as `F64`, little-endian. The
/// file lists the tensors in name order (the safetensors crate sorts them), so
/// loading returns them in that order. Fails with
/// [`DuplicateName`](WeightsError::DuplicateName) if a name repeats, or
/// [`ReservedName`](WeightsError::ReservedName) for `__metadata__`.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::weights::to_safetensors_bytes;
/// let bytes = to_safetensors_bytes(&[("bias", &Tensor::<f32>::ones([2]))])?;
/// let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
/// let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
/// assert!(header.contains(r#""bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#));
/// assert_eq!(&bytes[8 + header_len..], &[0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f]);
/// # Ok::<(), tapegrad_nn::weights::WeightsError>(())
/// ```
pub fn to_safetensors_bytes<T: Float>(
    tensors: &[(&str, &Tensor<T>)],
) -> Result<Vec<u8>, WeightsError> {
    check_names(tensors.iter().map(|&(name, _)| name))?;
    let element = Element::of::<T>();
    let encoded: Vec<(&str, Encoded)> = tensors
        .iter()
        .map(|&(name, tensor)| {
            let encoded = Encoded {
                dtype: element.dtype(),
                shape: tensor.shape().to_vec(),
                bytes: element.encode(tensor.as_slice()),
            };
            (name, encoded)
        })
        .collect();
    let views = encoded.iter().map(|(name, encoded)| (*name, encoded));
    safetensors::serialize(views, None).map_err(WeightsError::format)
}

/// Writes the named tensors to a safetensors file at `path`, replacing it.
///
/// The layout and errors are those of [`to_safetensors_bytes`]; failing to
/// write gives [`Io`](WeightsError::Io).
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::weights::{load_safetensors, save_safetensors};
/// let path = std::env::temp_dir().join(format!("tapegrad-doc-save-{}.safetensors", std::process::id()));
/// let w = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], [2, 2])?;
/// save_safetensors(&path, &[("w", &w)])?;
/// let loaded = load_safetensors::<f64>(&path)?;
/// std::fs::remove_file(&path)?;
/// assert_eq!(loaded, vec![("w".to_string(), w)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_safetensors<T: Float>(
    path: impl AsRef<Path>,
    tensors: &[(&str, &Tensor<T>)],
) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = to_safetensors_bytes(tensors)?;
    fs::write(path, bytes).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        source,
    })
}
