//! Named tensors saved to and loaded from the safetensors format.
//!
//! A safetensors file is an 8-byte little-endian `u64` header length `n`, then
//! `n` bytes of UTF-8 JSON mapping each tensor name to its `dtype`, `shape`
//! and `data_offsets` (a `[begin, end)` byte range), optionally with a
//! `__metadata__` map of strings, then the tensors' little-endian bytes, packed
//! back to back. It is the format of PyTorch's and Hugging Face's
//! `safetensors` packages, so files move between them and tapegrad.
//!
//! `f32` tensors are stored as `F32` and `f64` tensors as `F64`. Loading never
//! converts: reading an `F64` tensor as `f32`, or any other dtype, is a
//! [`WeightsError::DtypeMismatch`]. No input makes a loader panic or allocate
//! more than the input's own size.
//!
//! ```
//! use tapegrad::Tensor;
//! use tapegrad_nn::weights::{from_safetensors_bytes_into, to_safetensors_bytes};
//! let (w, b) = (Tensor::<f32>::ones([4, 3]), Tensor::<f32>::zeros([3]));
//! let bytes = to_safetensors_bytes(&[("dense.weight", &w), ("dense.bias", &b)])?;
//! let expected: [(&str, &[usize]); 2] = [("dense.weight", &[4, 3]), ("dense.bias", &[3])];
//! assert_eq!(from_safetensors_bytes_into::<f32>(&bytes, &expected)?, vec![w, b]);
//! # Ok::<(), tapegrad_nn::weights::WeightsError>(())
//! ```

mod element;
mod error;
mod expect;
mod module_io;
mod read;
mod write;

#[cfg(test)]
mod tests;

pub use error::WeightsError;
pub use expect::{from_safetensors_bytes_into, load_into};
pub use module_io::{load_weights, save_weights};
pub use read::{from_safetensors_bytes, load_safetensors};
pub use write::{save_safetensors, to_safetensors_bytes};

/// The name the format reserves for its free-form metadata map.
const METADATA_KEY: &str = "__metadata__";
