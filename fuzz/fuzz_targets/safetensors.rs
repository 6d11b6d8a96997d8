//! Fuzzes the safetensors loaders with arbitrary bytes: `from_safetensors_bytes`
//! for `f32` and `f64`, and the checked `from_safetensors_bytes_into` against a
//! small expected list for both.
//!
//! Besides "never panics", every input checks that:
//! * allocation is bounded by the input: each loader holds at most
//!   [`FACTOR`] times the input's length (plus [`SLACK`]) at once, which
//!   covers parsing the JSON header into its tree and the decoded tensors;
//! * accepted tensors are consistent: every tensor holds the product of its
//!   shape, all of them together take no more bytes than the input, a file is
//!   never read as both `f32` and `f64` unless it holds no tensors, and the
//!   checked loader returns exactly the expected shapes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapegrad::{Float, Tensor};
use tapegrad_nn::weights::{from_safetensors_bytes, from_safetensors_bytes_into};
use tapegrad_nn_fuzz::peak_bytes;

/// The tensors the checked loader is asked for.
const EXPECTED: [(&str, &[usize]); 2] = [("w", &[2, 2]), ("b", &[2])];
/// Bytes a loader may hold per input byte while parsing the header and
/// decoding the tensors.
const FACTOR: usize = 64;
/// Fixed allocations independent of the input, such as an error message.
const SLACK: usize = 4096;

/// Runs `load` on `input`, asserting the allocation bound and, on success,
/// that the tensors are consistent with their shapes and the input's size.
fn check<T: Float, R, E: ToString>(
    input: &[u8],
    load: impl FnOnce(&[u8]) -> Result<R, E>,
    tensors: impl Fn(&R) -> Vec<&Tensor<T>>,
) -> Option<R> {
    let (result, peak) = peak_bytes(|| load(input));
    let bound = FACTOR * input.len() + SLACK;
    assert!(
        peak <= bound,
        "{peak} bytes allocated for a {}-byte input (bound {bound})",
        input.len()
    );
    let loaded = match result {
        Ok(loaded) => loaded,
        Err(err) => {
            // Rendering exercises every error's `Display`.
            assert!(!err.to_string().is_empty());
            return None;
        }
    };
    let mut bytes = 0;
    for tensor in tensors(&loaded) {
        let numel = tensor
            .shape()
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d));
        assert_eq!(numel, Some(tensor.numel()), "shape {:?}", tensor.shape());
        bytes += tensor.numel() * std::mem::size_of::<T>();
    }
    assert!(
        bytes <= input.len(),
        "{bytes} tensor bytes from {} input bytes",
        input.len()
    );
    Some(loaded)
}

/// Checks both loaders for element type `T`; returns how many tensors the
/// unchecked loader accepted, if it accepted the input.
fn check_both<T: Float>(input: &[u8]) -> Option<usize> {
    let named = check(input, from_safetensors_bytes::<T>, |named| {
        named.iter().map(|(_, tensor)| tensor).collect()
    });
    let expected = check(
        input,
        |bytes| from_safetensors_bytes_into::<T>(bytes, &EXPECTED),
        |tensors| tensors.iter().collect(),
    );
    if let Some(tensors) = expected {
        let shapes: Vec<&[usize]> = tensors.iter().map(Tensor::shape).collect();
        let wanted: Vec<&[usize]> = EXPECTED.iter().map(|&(_, shape)| shape).collect();
        assert_eq!(shapes, wanted);
    }
    named.map(|named| named.len())
}

fuzz_target!(|input: &[u8]| {
    if let (Some(f32s), Some(f64s)) = (check_both::<f32>(input), check_both::<f64>(input)) {
        assert_eq!((f32s, f64s), (0, 0), "read as both f32 and f64");
    }
});
