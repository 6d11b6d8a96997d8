//! The safetensors dtype of each element type, and the little-endian bytes of
//! its values.

use safetensors::Dtype;
use tapegrad::Float;

/// The element types tapegrad stores, one per [`Float`] implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Element {
    /// `f32`, stored as `F32`.
    F32,
    /// `f64`, stored as `F64`.
    F64,
}

impl Element {
    /// The element type of `T`.
    pub(super) fn of<T: Float>() -> Self {
        match T::NAME {
            "f32" => Element::F32,
            "f64" => Element::F64,
            other => unreachable!("tapegrad::Float is sealed to f32 and f64, not {other}"),
        }
    }

    /// The safetensors dtype that holds this element type exactly.
    pub(super) fn dtype(self) -> Dtype {
        match self {
            Element::F32 => Dtype::F32,
            Element::F64 => Dtype::F64,
        }
    }

    /// The values as little-endian bytes of this element type.
    pub(super) fn encode<T: Float>(self, values: &[T]) -> Vec<u8> {
        match self {
            Element::F32 => values
                .iter()
                .flat_map(|x| (x.as_f64() as f32).to_le_bytes())
                .collect(),
            Element::F64 => values
                .iter()
                .flat_map(|x| x.as_f64().to_le_bytes())
                .collect(),
        }
    }

    /// The values held by little-endian bytes of this element type; a trailing
    /// partial element is ignored.
    pub(super) fn decode<T: Float>(self, bytes: &[u8]) -> Vec<T> {
        match self {
            Element::F32 => bytes
                .chunks_exact(4)
                .map(|c| T::cast(f64::from(f32::from_le_bytes(array(c)))))
                .collect(),
            Element::F64 => bytes
                .chunks_exact(8)
                .map(|c| T::cast(f64::from_le_bytes(array(c))))
                .collect(),
        }
    }
}

/// The first `N` bytes of a chunk known to hold exactly `N`.
fn array<const N: usize>(chunk: &[u8]) -> [u8; N] {
    std::array::from_fn(|i| chunk[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_little_endian_ieee_bits() {
        assert_eq!(
            Element::F32.encode(&[1.0f32, -2.0]),
            [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]
        );
        assert_eq!(
            Element::F64.encode(&[1.5f64]),
            [0, 0, 0, 0, 0, 0, 0xf8, 0x3f]
        );
    }

    #[test]
    fn decoding_inverts_encoding_bit_for_bit() {
        let values = [0.0f32, -0.0, 1e-45, f32::MAX, f32::NEG_INFINITY, 0.1];
        let back: Vec<f32> = Element::F32.decode(&Element::F32.encode(&values));
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values));
        let values = [f64::MIN_POSITIVE / 4.0, -0.0, 1.0 / 3.0];
        let back: Vec<f64> = Element::F64.decode(&Element::F64.encode(&values));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values));
    }

    #[test]
    fn maps_float_types_to_their_dtypes() {
        assert_eq!(Element::of::<f32>().dtype(), Dtype::F32);
        assert_eq!(Element::of::<f64>().dtype(), Dtype::F64);
    }
}
