//! Reading safetensors bytes or files back into named tensors.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use safetensors::tensor::Metadata;
use safetensors::{Dtype, SafeTensors};
use tapegrad::{Float, Tensor};

use super::element::Element;
use super::WeightsError;

/// The length of the little-endian `u64` that starts every file.
const LENGTH_PREFIX: usize = 8;

/// One tensor as the file stores it, not yet decoded.
pub(super) struct Stored<'a> {
    /// The tensor's name.
    pub(super) name: String,
    /// The stored element type.
    pub(super) dtype: Dtype,
    /// The stored shape.
    pub(super) shape: Vec<usize>,
    /// The tensor's little-endian bytes; their length matches dtype and shape.
    pub(super) bytes: &'a [u8],
}

impl Stored<'_> {
    /// The tensor as `Tensor<T>`, or a
    /// [`DtypeMismatch`](WeightsError::DtypeMismatch) if it is not stored as
    /// `T`'s dtype.
    pub(super) fn decode<T: Float>(&self) -> Result<Tensor<T>, WeightsError> {
        let element = Element::of::<T>();
        if self.dtype != element.dtype() {
            return Err(WeightsError::DtypeMismatch {
                name: self.name.clone(),
                expected: element.dtype().to_string(),
                found: self.dtype.to_string(),
            });
        }
        Tensor::from_vec(element.decode(self.bytes), &self.shape)
            .map_err(|err| WeightsError::Format(format!("tensor `{}`: {err}", self.name)))
    }
}

/// Rejects input whose header declares more tensor data than follows it, or
/// names a tensor (or `__metadata__`) more than once.
///
/// safetensors 0.8.0's `read_metadata` adds the declared data length to the
/// header length without an overflow check, so a header whose offsets reach
/// near `usize::MAX` makes it panic in debug builds. Parsing the header here
/// first bounds that sum by the input's length. The library also keeps only
/// the last of two entries with one name, silently loading one of two
/// different tensors; [`duplicate_name`] finds that. Anything else malformed
/// is left for the library to report.
fn check_header(bytes: &[u8]) -> Result<(), WeightsError> {
    let Some((prefix, rest)) = bytes.split_first_chunk::<LENGTH_PREFIX>() else {
        return Ok(());
    };
    let header = usize::try_from(u64::from_le_bytes(*prefix))
        .ok()
        .and_then(|len| rest.get(..len));
    let Some(header) = header else {
        return Ok(());
    };
    let Ok(metadata) = serde_json::from_slice::<Metadata>(header) else {
        return Ok(());
    };
    if let Some(name) = duplicate_name(header) {
        return Err(WeightsError::Format(format!(
            "the header names `{name}` more than once"
        )));
    }
    let present = rest.len() - header.len();
    if metadata.data_len() > present {
        return Err(WeightsError::Format(format!(
            "the header declares {} bytes of tensor data but only {present} follow it",
            metadata.data_len()
        )));
    }
    Ok(())
}

/// The first key that the top-level object of `header` repeats, unescaped.
///
/// `header` must be valid JSON: the scan only tracks strings and nesting, and
/// takes the strings right after the top-level `{` or a top-level `,` as keys.
fn duplicate_name(header: &[u8]) -> Option<String> {
    let mut names = HashSet::new();
    let (mut depth, mut at_key) = (0usize, false);
    let mut bytes = header.iter().enumerate();
    while let Some((start, &byte)) = bytes.next() {
        match byte {
            b'"' => {
                let mut escaped = false;
                let (end, _) = bytes.by_ref().find(|&(_, &b)| {
                    let closes = b == b'"' && !escaped;
                    escaped = b == b'\\' && !escaped;
                    closes
                })?;
                if depth == 1 && at_key {
                    let name: String = serde_json::from_slice(&header[start..=end]).ok()?;
                    if !names.insert(name.clone()) {
                        return Some(name);
                    }
                }
                at_key = false;
            }
            b'{' | b'[' => {
                depth += 1;
                at_key = depth == 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => at_key = depth == 1,
            _ => {}
        }
    }
    None
}

/// The tensors of a safetensors file in the order of their data, validated by
/// the safetensors crate but not yet decoded.
pub(super) fn parse(bytes: &[u8]) -> Result<Vec<Stored<'_>>, WeightsError> {
    check_header(bytes)?;
    let (header_len, metadata) = SafeTensors::read_metadata(bytes).map_err(WeightsError::format)?;
    // `read_metadata` checked that the offsets tile exactly the bytes after the header.
    let data = &bytes[LENGTH_PREFIX + header_len..];
    let mut infos: Vec<_> = metadata.tensors().into_iter().collect();
    infos.sort_by(|(a, x), (b, y)| (x.data_offsets, a).cmp(&(y.data_offsets, b)));
    Ok(infos
        .into_iter()
        .map(|(name, info)| Stored {
            name,
            dtype: info.dtype,
            shape: info.shape.clone(),
            bytes: &data[info.data_offsets.0..info.data_offsets.1],
        })
        .collect())
}

/// Reads a file's bytes, naming the path in the error.
pub(super) fn read_file(path: &Path) -> Result<Vec<u8>, WeightsError> {
    fs::read(path).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Every tensor in safetensors bytes, with its name, in the order of the data
/// (for files written by [`to_safetensors_bytes`](super::to_safetensors_bytes),
/// name order).
///
/// Every tensor must be stored as `T`'s dtype (`F32` for `f32`, `F64` for
/// `f64`); the first that is not gives
/// [`DtypeMismatch`](WeightsError::DtypeMismatch). Malformed bytes give
/// [`Format`](WeightsError::Format); no input panics.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::weights::{from_safetensors_bytes, to_safetensors_bytes};
/// let (a, b) = (Tensor::<f32>::ones([2, 3]), Tensor::<f32>::scalar(0.5));
/// let bytes = to_safetensors_bytes(&[("b", &b), ("a", &a)])?;
/// let loaded = from_safetensors_bytes::<f32>(&bytes)?;
/// assert_eq!(loaded, vec![("a".to_string(), a), ("b".to_string(), b)]);
/// assert!(from_safetensors_bytes::<f32>(&bytes[..bytes.len() - 1]).is_err());
/// # Ok::<(), tapegrad_nn::weights::WeightsError>(())
/// ```
pub fn from_safetensors_bytes<T: Float>(
    bytes: &[u8],
) -> Result<Vec<(String, Tensor<T>)>, WeightsError> {
    parse(bytes)?
        .into_iter()
        .map(|stored| Ok((stored.name.clone(), stored.decode()?)))
        .collect()
}

/// Every tensor in the safetensors file at `path`, as
/// [`from_safetensors_bytes`] reads them; failing to read the file gives
/// [`Io`](WeightsError::Io).
///
/// ```
/// use tapegrad_nn::weights::{load_safetensors, WeightsError};
/// let err = load_safetensors::<f32>("/no/such/file.safetensors").unwrap_err();
/// assert!(matches!(err, WeightsError::Io { .. }));
/// ```
pub fn load_safetensors<T: Float>(
    path: impl AsRef<Path>,
) -> Result<Vec<(String, Tensor<T>)>, WeightsError> {
    from_safetensors_bytes(&read_file(path.as_ref())?)
}
