//! A reader for the IDX format that MNIST ships in, raw or gzipped.
//!
//! An IDX file is two zero bytes, a type byte, a dimension count byte, that
//! many big-endian `u32` dimensions, and then the elements in row-major order.
//! Only the unsigned-byte type (`0x08`) is supported. The reader never trusts
//! the header: it reads at most as many bytes as the header claims, so a
//! lying header costs no more memory than the input itself.

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The type code of unsigned bytes, the only element type supported.
const TYPE_U8: u8 = 0x08;
/// The length of the fixed part of the header: magic, type and dimension count.
const PREFIX_LEN: usize = 4;

/// An n-dimensional array of unsigned bytes read from an IDX file.
///
/// ```
/// use tapegrad_nn::data::parse_idx;
/// let bytes = [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];
/// let array = parse_idx(&bytes)?;
/// assert_eq!(array.dims, vec![2, 3]);
/// assert_eq!(array.data, vec![1, 2, 3, 4, 5, 6]);
/// # Ok::<(), tapegrad_nn::data::IdxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// The dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The elements in row-major order; its length is the product of `dims`.
    pub data: Vec<u8>,
}

/// Why bytes could not be read as an IDX array.
///
/// ```
/// use tapegrad_nn::data::{parse_idx, IdxError};
/// let err = parse_idx(&[0, 0, 0x0d, 1, 0, 0, 0, 1]).unwrap_err();
/// assert!(matches!(err, IdxError::UnsupportedType { code: 0x0d }));
/// assert_eq!(err.to_string(), "IDX element type 0x0d is not supported (only 0x08, unsigned byte, is)");
/// ```
#[derive(Debug)]
pub enum IdxError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The data is gzip-compressed but the compressed stream is corrupt.
    Gzip {
        /// The decompressor's error.
        source: io::Error,
    },
    /// The first two bytes are not zero.
    BadMagic {
        /// The first two bytes found.
        found: [u8; 2],
    },
    /// The type byte names an element type other than unsigned byte.
    UnsupportedType {
        /// The type byte found.
        code: u8,
    },
    /// The input ends inside the header.
    ShortHeader {
        /// The header length, in bytes, as far as it could be determined.
        expected: usize,
        /// The number of bytes present.
        found: usize,
    },
    /// The input ends before the elements the header announces.
    Truncated {
        /// The number of element bytes the header announces.
        expected: usize,
        /// The number of element bytes present.
        found: usize,
    },
    /// The input continues after the elements the header announces.
    TrailingBytes {
        /// The number of element bytes the header announces.
        expected: usize,
        /// The number of bytes present after the header.
        found: usize,
    },
    /// The header announces more elements than can be held in memory.
    TooLarge {
        /// The dimensions announced by the header.
        dims: Vec<u32>,
    },
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdxError::Io { path, source } => {
                write!(f, "cannot read IDX file {}: {source}", path.display())
            }
            IdxError::Gzip { source } => write!(f, "corrupt gzip stream: {source}"),
            IdxError::BadMagic { found } => write!(
                f,
                "not an IDX file: it starts with {:#04x} {:#04x} instead of two zero bytes",
                found[0], found[1]
            ),
            IdxError::UnsupportedType { code } => write!(
                f,
                "IDX element type {code:#04x} is not supported (only 0x08, unsigned byte, is)"
            ),
            IdxError::ShortHeader { expected, found } => write!(
                f,
                "IDX header is truncated: expected {expected} bytes, found {found}"
            ),
            IdxError::Truncated { expected, found } => write!(
                f,
                "IDX data is truncated: the header announces {expected} bytes, found {found}"
            ),
            IdxError::TrailingBytes { expected, found } => write!(
                f,
                "IDX data has trailing bytes: the header announces {expected} bytes, found {found}"
            ),
            IdxError::TooLarge { dims } => write!(
                f,
                "IDX header announces dimensions {dims:?}, more elements than fit in memory"
            ),
        }
    }
}

impl std::error::Error for IdxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IdxError::Io { source, .. } | IdxError::Gzip { source } => Some(source),
            _ => None,
        }
    }
}

/// Parses an IDX array from bytes, decompressing them first if they start
/// with the gzip magic number.
///
/// ```
/// use tapegrad_nn::data::{parse_idx, IdxError};
/// let array = parse_idx(&[0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9])?;
/// assert_eq!((array.dims, array.data), (vec![2], vec![7, 9]));
/// let err = parse_idx(&[0, 0, 0x08, 1, 0, 0, 0, 3, 7, 9]).unwrap_err();
/// assert!(matches!(err, IdxError::Truncated { expected: 3, found: 2 }));
/// # Ok::<(), IdxError>(())
/// ```
pub fn parse_idx(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        decode(MultiGzDecoder::new(bytes), bytes.len())
    } else {
        decode(bytes, bytes.len())
    }
}

/// Reads an IDX array from a file, raw or gzipped (detected by content, not
/// by name).
///
/// ```
/// use tapegrad_nn::data::{read_idx, IdxError};
/// let path = std::env::temp_dir().join("tapegrad-nn-read-idx-doctest.idx");
/// std::fs::write(&path, [0, 0, 0x08, 1, 0, 0, 0, 1, 42])?;
/// assert_eq!(read_idx(&path)?.data, vec![42]);
/// # std::fs::remove_file(&path)?;
/// assert!(matches!(read_idx("/no/such/file"), Err(IdxError::Io { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray, IdxError> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(|source| IdxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_idx(&bytes)
}

/// Parses an IDX stream; `input_len` (the size of the raw input) bounds the
/// memory reserved up front. Errors from `reader` can only come from a
/// decompressor, since reading a byte slice cannot fail.
fn decode(mut reader: impl Read, input_len: usize) -> Result<IdxArray, IdxError> {
    let prefix = read_up_to(&mut reader, PREFIX_LEN, input_len)?;
    if prefix.len() < 2 {
        return Err(IdxError::ShortHeader {
            expected: PREFIX_LEN,
            found: prefix.len(),
        });
    }
    if prefix[..2] != [0, 0] {
        return Err(IdxError::BadMagic {
            found: [prefix[0], prefix[1]],
        });
    }
    let [_, _, code, ndims] = prefix[..] else {
        return Err(IdxError::ShortHeader {
            expected: PREFIX_LEN,
            found: prefix.len(),
        });
    };
    if code != TYPE_U8 {
        return Err(IdxError::UnsupportedType { code });
    }
    let dims_len = 4 * usize::from(ndims);
    let dim_bytes = read_up_to(&mut reader, dims_len, input_len)?;
    if dim_bytes.len() < dims_len {
        return Err(IdxError::ShortHeader {
            expected: PREFIX_LEN + dims_len,
            found: PREFIX_LEN + dim_bytes.len(),
        });
    }
    let raw_dims: Vec<u32> = dim_bytes
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let too_large = || IdxError::TooLarge {
        dims: raw_dims.clone(),
    };
    let dims = raw_dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| too_large()))
        .collect::<Result<Vec<usize>, IdxError>>()?;
    let len = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&len| isize::try_from(len).is_ok())
        .ok_or_else(too_large)?;
    let data = read_up_to(&mut reader, len, input_len)?;
    if data.len() < len {
        return Err(IdxError::Truncated {
            expected: len,
            found: data.len(),
        });
    }
    let extra =
        io::copy(&mut reader, &mut io::sink()).map_err(|source| IdxError::Gzip { source })?;
    if extra > 0 {
        let found = usize::try_from(extra)
            .ok()
            .and_then(|extra| len.checked_add(extra))
            .unwrap_or(usize::MAX);
        return Err(IdxError::TrailingBytes {
            expected: len,
            found,
        });
    }
    Ok(IdxArray { dims, data })
}

/// Reads up to `n` bytes, fewer only if the stream ends first. At most
/// `input_len` bytes are reserved up front; beyond that the buffer grows only
/// as data actually arrives.
fn read_up_to(reader: &mut impl Read, n: usize, input_len: usize) -> Result<Vec<u8>, IdxError> {
    let mut buf = Vec::with_capacity(n.min(input_len));
    let limit = u64::try_from(n).unwrap_or(u64::MAX);
    reader
        .take(limit)
        .read_to_end(&mut buf)
        .map_err(|source| IdxError::Gzip { source })?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;
    use std::time::{Duration, Instant};

    /// A valid IDX file with dimensions [2, 3] and elements 1..=6.
    const SMALL: [u8; 18] = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn small_array() -> IdxArray {
        IdxArray {
            dims: vec![2, 3],
            data: vec![1, 2, 3, 4, 5, 6],
        }
    }

    #[test]
    fn parses_raw_and_gzipped() {
        assert_eq!(parse_idx(&SMALL).unwrap(), small_array());
        assert_eq!(parse_idx(&gzip(&SMALL)).unwrap(), small_array());
    }

    #[test]
    fn parses_zero_dimensional_and_empty_arrays() {
        let scalar = parse_idx(&[0, 0, 8, 0, 7]).unwrap();
        assert_eq!((scalar.dims, scalar.data), (vec![], vec![7]));
        let empty = parse_idx(&[0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0, 5]).unwrap();
        assert_eq!((empty.dims, empty.data), (vec![0, 5], vec![]));
    }

    #[test]
    fn rejects_bad_magic() {
        let mut bytes = SMALL;
        bytes[1] = 3;
        let err = parse_idx(&bytes).unwrap_err();
        assert!(matches!(err, IdxError::BadMagic { found: [0, 3] }), "{err}");
    }

    #[test]
    fn rejects_unsupported_type_naming_the_code() {
        let mut bytes = SMALL;
        bytes[2] = 0x0b;
        let err = parse_idx(&bytes).unwrap_err();
        assert!(matches!(err, IdxError::UnsupportedType { code: 0x0b }));
        assert!(err.to_string().contains("0x0b"), "{err}");
    }

    #[test]
    fn rejects_empty_and_short_headers() {
        let err = parse_idx(&[]).unwrap_err();
        assert!(
            matches!(
                err,
                IdxError::ShortHeader {
                    expected: 4,
                    found: 0
                }
            ),
            "{err}"
        );
        let err = parse_idx(&[0, 0, 8]).unwrap_err();
        assert!(
            matches!(
                err,
                IdxError::ShortHeader {
                    expected: 4,
                    found: 3
                }
            ),
            "{err}"
        );
        let err = parse_idx(&SMALL[..10]).unwrap_err();
        assert!(
            matches!(
                err,
                IdxError::ShortHeader {
                    expected: 12,
                    found: 10
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn rejects_truncated_data_naming_expected_and_found() {
        for bytes in [SMALL[..16].to_vec(), gzip(&SMALL[..16])] {
            let err = parse_idx(&bytes).unwrap_err();
            assert!(
                matches!(
                    err,
                    IdxError::Truncated {
                        expected: 6,
                        found: 4
                    }
                ),
                "{err}"
            );
            assert_eq!(
                err.to_string(),
                "IDX data is truncated: the header announces 6 bytes, found 4"
            );
        }
    }

    #[test]
    fn rejects_trailing_bytes() {
        let mut bytes = SMALL.to_vec();
        bytes.extend([9, 9]);
        for input in [bytes.clone(), gzip(&bytes)] {
            let err = parse_idx(&input).unwrap_err();
            assert!(
                matches!(
                    err,
                    IdxError::TrailingBytes {
                        expected: 6,
                        found: 8
                    }
                ),
                "{err}"
            );
        }
    }

    /// An IDX header announcing `rows * cols` elements, followed by three.
    fn huge(rows: u32, cols: u32) -> Vec<u8> {
        let mut bytes = vec![0, 0, 8, 2];
        bytes.extend(rows.to_be_bytes());
        bytes.extend(cols.to_be_bytes());
        bytes.extend([1, 2, 3]);
        bytes
    }

    #[test]
    fn rejects_huge_headers_quickly_without_allocating() {
        let start = Instant::now();
        let bytes = huge(1_000_000, 1_000_000);
        for input in [bytes.clone(), gzip(&bytes)] {
            let err = parse_idx(&input).unwrap_err();
            assert!(
                matches!(
                    err,
                    IdxError::Truncated {
                        expected: 1_000_000_000_000,
                        found: 3
                    }
                ),
                "{err}"
            );
        }
        // 2^62 bytes: reserving them would abort the test process.
        let bytes = huge(1 << 31, 1 << 31);
        for input in [bytes.clone(), gzip(&bytes)] {
            let err = parse_idx(&input).unwrap_err();
            assert!(
                matches!(
                    err,
                    IdxError::Truncated { found: 3, .. } | IdxError::TooLarge { .. }
                ),
                "{err}"
            );
        }
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn rejects_element_counts_that_overflow() {
        let mut bytes = vec![0, 0, 8, 4];
        for _ in 0..4 {
            bytes.extend(u32::MAX.to_be_bytes());
        }
        let err = parse_idx(&bytes).unwrap_err();
        assert!(
            matches!(&err, IdxError::TooLarge { dims } if dims == &[u32::MAX; 4]),
            "{err}"
        );
    }

    #[test]
    fn rejects_corrupt_gzip() {
        let mut bytes = gzip(&SMALL);
        let n = bytes.len();
        bytes[n - 8] ^= 0xff; // the CRC-32 of the uncompressed data
        let err = parse_idx(&bytes).unwrap_err();
        assert!(matches!(err, IdxError::Gzip { .. }), "{err}");
        let err = parse_idx(&[0x1f, 0x8b, 0xff, 0xff, 0xff]).unwrap_err();
        assert!(matches!(err, IdxError::Gzip { .. }), "{err}");
    }

    #[test]
    fn every_prefix_of_a_valid_file_is_an_error() {
        for input in [SMALL.to_vec(), gzip(&SMALL)] {
            for n in 0..input.len() {
                assert!(
                    parse_idx(&input[..n]).is_err(),
                    "prefix of {n} bytes parsed"
                );
            }
            assert!(parse_idx(&input).is_ok());
        }
    }

    #[test]
    fn read_idx_names_a_missing_file() {
        let err = read_idx("/nonexistent/tapegrad-nn/x.idx").unwrap_err();
        assert!(matches!(&err, IdxError::Io { path, .. } if path.ends_with("x.idx")));
        assert!(
            err.to_string().contains("/nonexistent/tapegrad-nn/x.idx"),
            "{err}"
        );
    }
}
