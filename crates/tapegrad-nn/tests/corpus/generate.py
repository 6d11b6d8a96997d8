#!/usr/bin/env python3
"""Writes the malformed-input corpus for tests/malformed_corpus.rs and its
README.md index.

Run it from anywhere (`python3 generate.py`); it rewrites idx/, safetensors/
and README.md next to itself. The output is deterministic (gzip timestamps
are zero), so rerunning it leaves git clean unless a case changed. Every file
must be rejected by the readers; the expected error text for each lives in
tests/malformed_corpus.rs.
"""

import gzip
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def idx(dims, data=b"", ndims=None, code=0x08):
    """An IDX file; `ndims` overrides the dimension-count byte."""
    count = len(dims) if ndims is None else ndims
    head = bytes([0, 0, code, count]) + b"".join(struct.pack(">I", d) for d in dims)
    return head + bytes(data)


SMALL = idx([2, 3], [1, 2, 3, 4, 5, 6])
SMALL_GZ = gz(SMALL)
CLAIMS_1E12 = idx([10**6, 10**6], [1, 2, 3])
U32_MAX = 2**32 - 1

IDX = [
    ("empty.idx", "empty file", b""),
    ("prefix_1.idx", "one byte: ends inside the magic number", b"\x00"),
    ("prefix_2.idx", "ends after the magic number, before the type byte", b"\x00\x00"),
    ("prefix_3.idx", "ends before the dimension-count byte", b"\x00\x00\x08"),
    ("dims_missing.idx", "one dimension announced, none present", idx([], ndims=1)),
    ("dims_partial.idx", "second of two dimensions cut after two bytes", SMALL[:10]),
    ("bad_magic_first.idx", "first magic byte is 0x01", b"\x01" + SMALL[1:]),
    ("bad_magic_second.idx", "second magic byte is 0x03", b"\x00\x03" + SMALL[2:]),
    ("text.idx", "a text file, not IDX at all", b"hello, world\n"),
    ("type_00.idx", "type code 0x00 (undefined)", idx([1], [0], code=0x00)),
    ("type_09.idx", "type code 0x09 (signed byte, unsupported)", idx([1], [0], code=0x09)),
    ("type_0b.idx", "type code 0x0b (i16, unsupported)", idx([1], [0, 0], code=0x0B)),
    ("type_0c.idx", "type code 0x0c (i32, unsupported)", idx([1], [0] * 4, code=0x0C)),
    ("type_0d.idx", "type code 0x0d (f32, unsupported)", idx([1], [0] * 4, code=0x0D)),
    ("type_0e.idx", "type code 0x0e (f64, unsupported)", idx([1], [0] * 8, code=0x0E)),
    ("type_ff.idx", "type code 0xff (undefined)", idx([1], [0], code=0xFF)),
    ("ndims_0_no_data.idx", "0 dimensions (a scalar) but no element byte", idx([])),
    ("ndims_0_two_bytes.idx", "0 dimensions (a scalar) but two element bytes", idx([], [7, 7])),
    ("ndims_255_short.idx", "255 dimensions announced, two present", idx([1, 1], ndims=255)),
    ("ndims_255_no_data.idx", "255 dimensions of 1, no element byte", idx([1] * 255)),
    ("claims_1e12.idx", "header claims 10^6 x 10^6 = 10^12 elements, 3 present", CLAIMS_1E12),
    ("claims_u32max_squared.idx", "dims [2^32-1, 2^32-1]: product exceeds isize::MAX",
     idx([U32_MAX, U32_MAX], [1])),
    ("claims_overflow.idx", "four dims of 2^32-1: product overflows usize",
     idx([U32_MAX] * 4, [1])),
    ("data_short.idx", "dims [2, 3] with 4 of 6 element bytes", SMALL[:-2]),
    ("data_long.idx", "dims [2, 3] with 8 element bytes (2 trailing)", SMALL + b"\x09\x09"),
    ("zero_dim_trailing.idx", "dims [0, 5] (no elements) followed by one byte", idx([0, 5], [1])),
    ("gzip_magic_only.idx.gz", "the gzip magic number and nothing else", b"\x1f\x8b"),
    ("gzip_bad_header.idx.gz", "gzip magic followed by an invalid method and flags",
     b"\x1f\x8b\xff\xff\xff"),
    ("gzip_bad_crc.idx.gz", "valid file gzipped, CRC-32 trailer flipped",
     SMALL_GZ[:-8] + bytes(b ^ 0xFF for b in SMALL_GZ[-8:-4]) + SMALL_GZ[-4:]),
    ("gzip_bad_isize.idx.gz", "valid file gzipped, length trailer off by one",
     SMALL_GZ[:-4] + struct.pack("<I", len(SMALL) + 1)),
    ("gzip_truncated.idx.gz", "valid file gzipped, cut inside the DEFLATE stream",
     SMALL_GZ[: len(SMALL_GZ) - 12]),
    ("gzip_no_trailer.idx.gz", "valid file gzipped, 8-byte trailer missing", SMALL_GZ[:-8]),
    ("gzip_trailing_garbage.idx.gz", "valid gzip member followed by non-gzip bytes",
     SMALL_GZ + b"junk"),
    ("gzip_empty_stream.idx.gz", "gzip of an empty file", gz(b"")),
    ("gzip_bad_magic.idx.gz", "gzip of an IDX file with bad magic", gz(b"\x00\x03" + SMALL[2:])),
    ("gzip_type_0d.idx.gz", "gzip of an f32 IDX file", gz(idx([1], [0] * 4, code=0x0D))),
    ("gzip_data_short.idx.gz", "gzip of dims [2, 3] with 4 element bytes", gz(SMALL[:-2])),
    ("gzip_data_long.idx.gz", "gzip of dims [2, 3] with 8 element bytes", gz(SMALL + b"\x09\x09")),
    ("gzip_claims_1e12.idx.gz", "gzip of a header claiming 10^12 elements, 3 present",
     gz(CLAIMS_1E12)),
    ("gzip_claims_overflow.idx.gz", "gzip of a header whose element count overflows",
     gz(idx([U32_MAX] * 4, [1]))),
    ("gzip_bomb_1e12.idx.gz", "~1 KB gzip: claims 10^12 elements, inflates to 10^6 zero bytes",
     gz(idx([10**6, 10**6], bytes(10**6)))),
]


def st_raw(header, data=b"", length=None):
    """A safetensors file from raw header bytes; `length` overrides the prefix."""
    n = len(header) if length is None else length
    return struct.pack("<Q", n) + header + data


def st(header_json, data=b""):
    return st_raw(header_json.encode(), data)


def tensor(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def st_obj(tensors, data=b""):
    return st(json.dumps(tensors, separators=(",", ":")), data)


F32_4 = struct.pack("<f", 1.0)
W_JSON = '"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}'
WB = st_obj({"w": tensor("F32", [2, 2], 0, 16), "b": tensor("F32", [2], 16, 24)}, bytes(24))
HUGE = 2**61 - 1  # the most U8 elements whose bit count fits in a u64

SAFETENSORS = [
    ("empty.safetensors", "empty file", b""),
    ("prefix_7.safetensors", "7 bytes: ends inside the header-length prefix", b"\x02" + bytes(6)),
    ("prefix_only.safetensors", "header length 2 and no header", struct.pack("<Q", 2)),
    ("header_len_beyond_file.safetensors", "header length 64, 2 header bytes present",
     st_raw(b"{}", length=64)),
    ("header_len_u64_max.safetensors", "header length u64::MAX", st_raw(b"{}", length=2**64 - 1)),
    ("header_len_over_limit.safetensors", "header length 100,000,001 (over the format's cap)",
     st_raw(b"{}", length=100_000_001)),
    ("header_len_zero.safetensors", "header length 0: empty JSON", st_raw(b"")),
    ("header_not_utf8.safetensors", "header holds invalid UTF-8", st_raw(b'{"\xff":1}')),
    ("json_truncated.safetensors", "JSON cut mid-object", st('{"w":{"dtype":"F32"')),
    ("json_trailing.safetensors", "JSON object followed by junk", st("{} x")),
    ("json_array.safetensors", "JSON is an array, not an object", st("[]")),
    ("json_string.safetensors", "JSON is a string, not an object", st('"w"')),
    ("json_null.safetensors", "JSON is null", st("null")),
    ("tensor_not_object.safetensors", "a tensor's entry is a number", st('{"w":5}')),
    ("missing_offsets.safetensors", "a tensor without data_offsets",
     st('{"w":{"dtype":"F32","shape":[1]}}', F32_4)),
    ("unknown_dtype.safetensors", "dtype X99", st_obj({"w": tensor("X99", [1], 0, 4)}, F32_4)),
    ("lowercase_dtype.safetensors", "dtype f32 (dtypes are upper case)",
     st_obj({"w": tensor("f32", [1], 0, 4)}, F32_4)),
    ("dtype_f16.safetensors", "a well-formed F16 tensor: never converted to f32/f64",
     st_obj({"w": tensor("F16", [2], 0, 4)}, bytes(4))),
    ("negative_offset.safetensors", "data_offsets [-4, 0]",
     st('{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}', F32_4)),
    ("offset_overflow.safetensors", "data_offsets end is 2^64 (overflows u64)",
     st('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551616]}}', b"\x00")),
    ("offset_float.safetensors", "data_offsets end is 4.0, not an integer",
     st('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}', F32_4)),
    ("offsets_reversed.safetensors", "data_offsets [4, 0]",
     st_obj({"w": tensor("F32", [1], 4, 0)}, F32_4)),
    ("offsets_not_from_zero.safetensors", "the only tensor starts at byte 4",
     st_obj({"w": tensor("F32", [1], 4, 8)}, bytes(8))),
    ("offsets_overlap.safetensors", "tensors at [0, 8) and [4, 12)",
     st_obj({"a": tensor("F32", [2], 0, 8), "b": tensor("F32", [2], 4, 12)}, bytes(12))),
    ("offsets_gap.safetensors", "tensors at [0, 4) and [8, 12), a gap between",
     st_obj({"a": tensor("F32", [1], 0, 4), "b": tensor("F32", [1], 8, 12)}, bytes(12))),
    ("offsets_beyond_data.safetensors", "offsets end at 16, 8 data bytes present",
     st_obj({"w": tensor("F32", [4], 0, 16)}, bytes(8))),
    ("claims_1e12.safetensors", "a U8 tensor of 10^6 x 10^6 = 10^12 bytes, none present",
     st_obj({"w": tensor("U8", [10**6, 10**6], 0, 10**12)})),
    ("claims_near_usize_max.safetensors", "8 tensors of 2^61-1 bytes: data ends near 2^64",
     st_obj({f"t{i}": tensor("U8", [HUGE], i * HUGE, (i + 1) * HUGE) for i in range(8)})),
    ("shape_overflow.safetensors", "shape [2^32, 2^32, 2]: element count overflows",
     st_obj({"w": tensor("F32", [2**32, 2**32, 2], 0, 4)}, F32_4)),
    ("shape_bits_overflow.safetensors", "shape [2^61] of F64: bit count overflows",
     st_obj({"w": tensor("F64", [2**61], 0, 8)}, bytes(8))),
    ("shape_negative.safetensors", "shape [-1]",
     st('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', F32_4)),
    ("shape_size_mismatch.safetensors", "shape [2] of F32 over a 4-byte range",
     st_obj({"w": tensor("F32", [2], 0, 4)}, F32_4)),
    ("misaligned_f4.safetensors", "3 F4 elements: 12 bits, not whole bytes",
     st_obj({"w": tensor("F4", [3], 0, 2)}, bytes(2))),
    ("data_short.safetensors", "w [2, 2] and b [2] of F32 with 20 of 24 data bytes", WB[:-4]),
    ("data_long.safetensors", "w [2, 2] and b [2] of F32 with 4 trailing bytes", WB + bytes(4)),
    ("duplicate_name_same.safetensors", "tensor w given twice, identically",
     st("{" + W_JSON + "," + W_JSON + "}", F32_4)),
    ("duplicate_name_different.safetensors", "tensor w given twice; the second covers the data",
     st('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        '"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', bytes(8))),
    ("duplicate_name_escaped.safetensors", "tensor w given twice, once spelled \\u0077",
     st("{" + W_JSON + "," + W_JSON.replace('"w"', '"\\u0077"') + "}", F32_4)),
    ("duplicate_metadata.safetensors", "__metadata__ given twice",
     st('{"__metadata__":{"a":"1"},"__metadata__":{"a":"2"},' + W_JSON + "}", F32_4)),
    ("metadata_not_strings.safetensors", "__metadata__ maps a key to a number",
     st('{"__metadata__":{"a":1},' + W_JSON + "}", F32_4)),
]


def main():
    lines = [
        "# Malformed-input corpus",
        "",
        "Small files that the IDX and safetensors readers must reject with an error,",
        "never a panic, and without allocating more than the file's bytes (inflated,",
        "for gzip) can hold: several claim 10^12 elements or more.",
        "`tests/malformed_corpus.rs` runs every file through the readers and checks",
        "the error's message. Written by `generate.py` (deterministic; rerun it after",
        "editing a case there, and add the case's expected message to the test).",
        "",
    ]
    for folder, cases in [("idx", IDX), ("safetensors", SAFETENSORS)]:
        out = ROOT / folder
        out.mkdir(exist_ok=True)
        for old in out.iterdir():
            old.unlink()
        lines += [f"## {folder}/", ""]
        for name, description, data in cases:
            (out / name).write_bytes(data)
            lines.append(f"- `{name}` ({len(data)} B): {description}")
        lines.append("")
    (ROOT / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
