//! Fuzzes `tapegrad_nn::data::parse_idx` with arbitrary bytes, raw or gzipped.
//!
//! Besides "never panics", every input checks two properties:
//! * allocation is bounded by the input: a raw input may make the reader hold
//!   at most [`RAW_FACTOR`] times its length (plus [`SLACK`]) at once, and a
//!   gzip input at most twice the most its DEFLATE stream can inflate to
//!   ([`DEFLATE_MAX_RATIO`] times its length) plus the decoder's fixed state;
//! * an accepted array is consistent: its data holds the product of its
//!   dimensions, and an accepted raw input is exactly the IDX encoding of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapegrad_nn::data::parse_idx;
use tapegrad_nn_fuzz::peak_bytes;

/// The first two bytes of a gzip stream, which make the reader inflate.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Bytes a raw input may cost per input byte: the dimension bytes are held
/// as read, as `u32`s and as `usize`s, and the data as read.
const RAW_FACTOR: usize = 8;
/// DEFLATE's largest expansion: a 258-byte match costs at least two bits,
/// so one input byte inflates to at most 1032 bytes.
const DEFLATE_MAX_RATIO: usize = 1032;
/// The inflater's window and tables and the gzip reader's buffer.
const GZIP_STATE: usize = 256 * 1024;
/// Fixed allocations independent of the input, such as a short error value.
const SLACK: usize = 1024;

fuzz_target!(|input: &[u8]| {
    let (result, peak) = peak_bytes(|| parse_idx(input));
    let gzipped = input.starts_with(&GZIP_MAGIC);
    let bound = if gzipped {
        2 * DEFLATE_MAX_RATIO * input.len() + GZIP_STATE
    } else {
        RAW_FACTOR * input.len() + SLACK
    };
    assert!(
        peak <= bound,
        "{peak} bytes allocated for a {}-byte input (bound {bound})",
        input.len()
    );
    let array = match result {
        Ok(array) => array,
        Err(err) => {
            // Rendering exercises every error's `Display`.
            assert!(!err.to_string().is_empty());
            return;
        }
    };
    let len = array.dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    assert_eq!(len, Some(array.data.len()), "dims {:?}", array.dims);
    if !gzipped {
        let mut encoded = vec![0, 0, 0x08, u8::try_from(array.dims.len()).unwrap()];
        for &d in &array.dims {
            encoded.extend(u32::try_from(d).unwrap().to_be_bytes());
        }
        encoded.extend(&array.data);
        assert_eq!(
            encoded, input,
            "an accepted raw input is not its array's encoding"
        );
    }
});
