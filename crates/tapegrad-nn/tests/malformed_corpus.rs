//! Runs every file of the committed malformed-input corpus (`tests/corpus/`,
//! written by its `generate.py` and indexed in its `README.md`) through the
//! IDX and safetensors readers. Each file must give an error, never a value
//! and never a panic, and the error's message must state the fault: the
//! expected fragment of each message is listed here beside the file's name.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use tapegrad_nn::data::{parse_idx, read_idx};
use tapegrad_nn::weights::{
    from_safetensors_bytes, from_safetensors_bytes_into, load_into, load_safetensors,
};

/// Each IDX file and a fragment of the message its error must contain.
#[rustfmt::skip]
const IDX: &[(&str, &str)] = &[
    ("empty.idx", "header is truncated: expected 4 bytes, found 0"),
    ("prefix_1.idx", "header is truncated: expected 4 bytes, found 1"),
    ("prefix_2.idx", "header is truncated: expected 4 bytes, found 2"),
    ("prefix_3.idx", "header is truncated: expected 4 bytes, found 3"),
    ("dims_missing.idx", "header is truncated: expected 8 bytes, found 4"),
    ("dims_partial.idx", "header is truncated: expected 12 bytes, found 10"),
    ("bad_magic_first.idx", "starts with 0x01 0x00"),
    ("bad_magic_second.idx", "starts with 0x00 0x03"),
    ("text.idx", "not an IDX file"),
    ("type_00.idx", "type 0x00 is not supported"),
    ("type_09.idx", "type 0x09 is not supported"),
    ("type_0b.idx", "type 0x0b is not supported"),
    ("type_0c.idx", "type 0x0c is not supported"),
    ("type_0d.idx", "type 0x0d is not supported"),
    ("type_0e.idx", "type 0x0e is not supported"),
    ("type_ff.idx", "type 0xff is not supported"),
    ("ndims_0_no_data.idx", "truncated: the header announces 1 bytes, found 0"),
    ("ndims_0_two_bytes.idx", "trailing bytes: the header announces 1 bytes, found 2"),
    ("ndims_255_short.idx", "header is truncated: expected 1024 bytes, found 12"),
    ("ndims_255_no_data.idx", "truncated: the header announces 1 bytes, found 0"),
    ("claims_1e12.idx", "announces 1000000000000 bytes, found 3"),
    ("claims_u32max_squared.idx", "[4294967295, 4294967295], more elements than fit"),
    ("claims_overflow.idx", "[4294967295, 4294967295, 4294967295, 4294967295]"),
    ("data_short.idx", "truncated: the header announces 6 bytes, found 4"),
    ("data_long.idx", "trailing bytes: the header announces 6 bytes, found 8"),
    ("zero_dim_trailing.idx", "trailing bytes: the header announces 0 bytes, found 1"),
    ("gzip_magic_only.idx.gz", "corrupt gzip stream"),
    ("gzip_bad_header.idx.gz", "corrupt gzip stream"),
    ("gzip_bad_crc.idx.gz", "corrupt gzip stream does not have a matching checksum"),
    ("gzip_bad_isize.idx.gz", "corrupt gzip stream does not have a matching checksum"),
    ("gzip_truncated.idx.gz", "corrupt gzip stream"),
    ("gzip_no_trailer.idx.gz", "corrupt gzip stream"),
    ("gzip_trailing_garbage.idx.gz", "corrupt gzip stream"),
    ("gzip_empty_stream.idx.gz", "header is truncated: expected 4 bytes, found 0"),
    ("gzip_bad_magic.idx.gz", "starts with 0x00 0x03"),
    ("gzip_type_0d.idx.gz", "type 0x0d is not supported"),
    ("gzip_data_short.idx.gz", "truncated: the header announces 6 bytes, found 4"),
    ("gzip_data_long.idx.gz", "trailing bytes: the header announces 6 bytes, found 8"),
    ("gzip_claims_1e12.idx.gz", "announces 1000000000000 bytes, found 3"),
    ("gzip_claims_overflow.idx.gz", "more elements than fit in memory"),
    ("gzip_bomb_1e12.idx.gz", "announces 1000000000000 bytes, found 1000000"),
];

/// Each safetensors file and a fragment of the message its error must contain.
#[rustfmt::skip]
const SAFETENSORS: &[(&str, &str)] = &[
    ("empty.safetensors", "header too small"),
    ("prefix_7.safetensors", "header too small"),
    ("prefix_only.safetensors", "invalid header length"),
    ("header_len_beyond_file.safetensors", "invalid header length"),
    ("header_len_u64_max.safetensors", "header too large"),
    ("header_len_over_limit.safetensors", "header too large"),
    ("header_len_zero.safetensors", "EOF while parsing a value"),
    ("header_not_utf8.safetensors", "invalid UTF-8 in header"),
    ("json_truncated.safetensors", "EOF while parsing an object"),
    ("json_trailing.safetensors", "trailing characters"),
    ("json_array.safetensors", "invalid type: sequence"),
    ("json_string.safetensors", "invalid type: string"),
    ("json_null.safetensors", "invalid type: null"),
    ("tensor_not_object.safetensors", "invalid type: integer `5`"),
    ("missing_offsets.safetensors", "missing field `data_offsets`"),
    ("unknown_dtype.safetensors", "unknown variant `X99`"),
    ("lowercase_dtype.safetensors", "unknown variant `f32`"),
    ("dtype_f16.safetensors", "tensor `w` is stored as F16"),
    ("negative_offset.safetensors", "invalid value: integer `-4`"),
    ("offset_overflow.safetensors", "floating point `1.8446744073709552e+19`"),
    ("offset_float.safetensors", "floating point `4.0`"),
    ("offsets_reversed.safetensors", "invalid offset for tensor `w`"),
    ("offsets_not_from_zero.safetensors", "invalid offset for tensor `w`"),
    ("offsets_overlap.safetensors", "invalid offset for tensor `b`"),
    ("offsets_gap.safetensors", "invalid offset for tensor `b`"),
    ("offsets_beyond_data.safetensors", "declares 16 bytes of tensor data but only 8"),
    ("claims_1e12.safetensors", "declares 1000000000000 bytes of tensor data but only 0"),
    ("claims_near_usize_max.safetensors", "declares 18446744073709551608 bytes"),
    ("shape_overflow.safetensors", "overflow computing buffer size"),
    ("shape_bits_overflow.safetensors", "overflow computing buffer size"),
    ("shape_negative.safetensors", "invalid value: integer `-1`"),
    ("shape_size_mismatch.safetensors", "invalid shape, data type, or offset"),
    ("misaligned_f4.safetensors", "byte boundary"),
    ("data_short.safetensors", "declares 24 bytes of tensor data but only 20"),
    ("data_long.safetensors", "file not fully covered"),
    ("duplicate_name_same.safetensors", "names `w` more than once"),
    ("duplicate_name_different.safetensors", "names `w` more than once"),
    ("duplicate_name_escaped.safetensors", "names `w` more than once"),
    ("duplicate_metadata.safetensors", "duplicate field `__metadata__`"),
    ("metadata_not_strings.safetensors", "invalid type: integer `1`"),
];

/// The tensor the checked loaders are asked for.
const EXPECTED: [(&str, &[usize]); 1] = [("w", &[1])];

/// The most bytes the whole corpus may take.
const MAX_CORPUS_BYTES: u64 = 100 * 1024;

/// The corpus folder, `tests/corpus/`.
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Asserts that `reader`, run by `read` on `file`, neither succeeds nor panics
/// but gives an error whose message contains `fragment`; returns the message.
fn assert_rejected<T, E: Display>(
    file: &str,
    fragment: &str,
    reader: &str,
    read: impl FnOnce() -> Result<T, E>,
) -> String {
    let message = match panic::catch_unwind(AssertUnwindSafe(read)) {
        Ok(Err(err)) => err.to_string(),
        Ok(Ok(_)) => panic!("{reader} accepted the malformed file {file}"),
        Err(_) => panic!("{reader} panicked on {file}"),
    };
    assert!(
        message.contains(fragment),
        "{reader} on {file}: expected a message containing {fragment:?}, got {message:?}"
    );
    message
}

#[test]
fn every_idx_file_is_rejected_naming_its_fault() {
    for &(file, fragment) in IDX {
        let path = corpus().join("idx").join(file);
        let bytes = fs::read(&path).unwrap();
        let parsed = assert_rejected(file, fragment, "parse_idx", || parse_idx(&bytes));
        let read = assert_rejected(file, fragment, "read_idx", || read_idx(&path));
        assert_eq!(read, parsed, "read_idx and parse_idx disagree on {file}");
    }
}

#[test]
fn every_safetensors_file_is_rejected_naming_its_fault() {
    for &(file, fragment) in SAFETENSORS {
        let path = corpus().join("safetensors").join(file);
        let bytes = fs::read(&path).unwrap();
        assert_rejected(file, fragment, "from_safetensors_bytes::<f32>", || {
            from_safetensors_bytes::<f32>(&bytes)
        });
        assert_rejected(file, fragment, "from_safetensors_bytes::<f64>", || {
            from_safetensors_bytes::<f64>(&bytes)
        });
        assert_rejected(file, fragment, "from_safetensors_bytes_into::<f32>", || {
            from_safetensors_bytes_into::<f32>(&bytes, &EXPECTED)
        });
        assert_rejected(file, fragment, "from_safetensors_bytes_into::<f64>", || {
            from_safetensors_bytes_into::<f64>(&bytes, &EXPECTED)
        });
        assert_rejected(file, fragment, "load_safetensors::<f32>", || {
            load_safetensors::<f32>(&path)
        });
        assert_rejected(file, fragment, "load_into::<f64>", || {
            load_into::<f64>(&path, &EXPECTED)
        });
    }
}

#[test]
fn the_corpus_holds_exactly_the_listed_files_and_stays_small() {
    let index = fs::read_to_string(corpus().join("README.md")).unwrap();
    let mut total = 0;
    for (name, cases) in [("idx", IDX), ("safetensors", SAFETENSORS)] {
        let mut on_disk = BTreeSet::new();
        for entry in fs::read_dir(corpus().join(name)).unwrap() {
            let entry = entry.unwrap();
            total += entry.metadata().unwrap().len();
            on_disk.insert(entry.file_name().into_string().unwrap());
        }
        let listed: BTreeSet<String> = cases.iter().map(|&(file, _)| file.to_string()).collect();
        assert_eq!(
            on_disk, listed,
            "files in tests/corpus/{name}/ differ from the test's list"
        );
        for file in &listed {
            assert!(
                index.contains(&format!("`{file}`")),
                "README.md does not describe {file}"
            );
        }
    }
    assert!(total <= MAX_CORPUS_BYTES, "the corpus takes {total} bytes");
}
