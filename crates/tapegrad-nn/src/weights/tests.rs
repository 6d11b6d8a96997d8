//! Round trips, a file written by hand in the documented layout, the checked
//! loader's errors, and malformed input that must fail without panicking.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tapegrad::Tensor;

use super::*;

/// A file laid out by hand: the 8-byte little-endian header length, the JSON
/// header (with the `__metadata__` entry PyTorch writes, and keys in no
/// particular order), then the raw little-endian data.
fn handwritten(header: &str, data: &[u8]) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

/// A small valid f32 file with two tensors.
fn small_file() -> Vec<u8> {
    let w = Tensor::from_vec(vec![1.0f32, -2.0, 0.5, 3.0], [2, 2]).unwrap();
    let b = Tensor::from_vec(vec![0.25f32], [1]).unwrap();
    to_safetensors_bytes(&[("w", &w), ("b", &b)]).unwrap()
}

/// Runs every loader on `bytes`; a panic fails the test.
fn load_all_ways(bytes: &[u8]) -> Result<(), WeightsError> {
    from_safetensors_bytes::<f64>(bytes)?;
    from_safetensors_bytes_into::<f32>(bytes, &[("w", &[2, 2]), ("b", &[1])])?;
    from_safetensors_bytes::<f32>(bytes).map(drop)
}

fn bits<T: Copy>(t: &Tensor<T>, f: impl Fn(T) -> u64) -> Vec<u64> {
    t.as_slice().iter().map(|&x| f(x)).collect()
}

#[test]
fn f32_round_trip_is_bit_exact() {
    let special = [
        0.0f32,
        -0.0,
        f32::MIN_POSITIVE / 8.0,
        f32::MAX,
        f32::INFINITY,
        f32::NAN,
    ];
    let a = Tensor::from_vec(special.to_vec(), [2, 3]).unwrap();
    let scalar = Tensor::scalar(1.0f32 / 3.0);
    let empty = Tensor::<f32>::zeros([0, 4]);
    let bytes = to_safetensors_bytes(&[("a", &a), ("scalar", &scalar), ("empty", &empty)]).unwrap();
    let loaded = from_safetensors_bytes::<f32>(&bytes).unwrap();
    let names: Vec<&str> = loaded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "empty", "scalar"]);
    let f32_bits = |x: f32| u64::from(x.to_bits());
    for (name, original) in [("a", &a), ("empty", &empty), ("scalar", &scalar)] {
        let (_, back) = loaded.iter().find(|(n, _)| n == name).unwrap();
        assert_eq!(back.shape(), original.shape(), "{name}");
        assert_eq!(bits(back, f32_bits), bits(original, f32_bits), "{name}");
    }
}

#[test]
fn f64_round_trip_through_a_file_is_bit_exact() {
    let path = std::env::temp_dir().join(format!(
        "tapegrad-weights-f64-round-trip-{}.safetensors",
        std::process::id()
    ));
    let w = Tensor::from_fn([3, 4, 2], |i| (i as f64).sqrt() - 1e-300);
    let v = Tensor::from_vec(vec![f64::NEG_INFINITY, -0.0, 5e-324], [3]).unwrap();
    save_safetensors(&path, &[("layer.0.weight", &w), ("v", &v)]).unwrap();
    let loaded = load_into::<f64>(&path, &[("v", &[3]), ("layer.0.weight", &[3, 4, 2])]);
    std::fs::remove_file(&path).unwrap();
    let loaded = loaded.unwrap();
    assert_eq!(bits(&loaded[0], f64::to_bits), bits(&v, f64::to_bits));
    assert_eq!(loaded[1], w);
}

#[test]
fn writer_follows_the_documented_layout() {
    let bytes = small_file();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(header_len % 8, 0, "the header is padded to 8 bytes");
    let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
    assert_eq!(
        header.trim_end(),
        r#"{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]}}"#
    );
    let data = &bytes[8 + header_len..];
    let expected: Vec<u8> = [0.25f32, 1.0, -2.0, 0.5, 3.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    assert_eq!(data, expected);
}

#[test]
fn loads_a_file_written_by_hand() {
    let header = concat!(
        r#"{"__metadata__":{"format":"pt"},"#,
        r#""weight":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},"#,
        r#""bias":{"shape":[2],"dtype":"F32","data_offsets":[0,8]}}"#,
    );
    let data = [
        0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x40, 0x40, // bias: 0.5, 3.0
        0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, // weight: 1.0, -2.0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, //         0.0, 2.0
    ];
    let bytes = handwritten(header, &data);
    let loaded =
        from_safetensors_bytes_into::<f32>(&bytes, &[("weight", &[2, 2]), ("bias", &[2])]).unwrap();
    assert_eq!(loaded[0].to_vec(), [1.0, -2.0, 0.0, 2.0]);
    assert_eq!(loaded[1].to_vec(), [0.5, 3.0]);

    let header = r#"{"x":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}"#;
    let bytes = handwritten(header, &[0, 0, 0, 0, 0, 0, 0xf8, 0x3f]);
    let loaded = from_safetensors_bytes::<f64>(&bytes).unwrap();
    assert_eq!(loaded, [("x".to_string(), Tensor::scalar(1.5))]);
}

#[test]
fn other_dtypes_are_reported_not_converted() {
    let header = r#"{"h":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#;
    let bytes = handwritten(header, &[0x80, 0x3f, 0x00, 0x40]);
    let err = from_safetensors_bytes::<f32>(&bytes).unwrap_err();
    assert!(matches!(
        &err,
        WeightsError::DtypeMismatch { name, expected, found }
            if name == "h" && expected == "F32" && found == "BF16"
    ));
    let f32_file = small_file();
    let err =
        from_safetensors_bytes_into::<f64>(&f32_file, &[("w", &[2, 2]), ("b", &[1])]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tensor `w` is stored as F32 but F64 was expected (no conversion is done)"
    );
}

#[test]
fn checked_loader_names_missing_extra_and_misshapen_tensors() {
    let bytes = small_file();
    let missing =
        from_safetensors_bytes_into::<f32>(&bytes, &[("w", &[2, 2]), ("b", &[1]), ("c", &[1])]);
    assert!(matches!(missing, Err(WeightsError::MissingTensor { name }) if name == "c"));
    let extra = from_safetensors_bytes_into::<f32>(&bytes, &[("w", &[2, 2])]);
    assert!(matches!(extra, Err(WeightsError::UnexpectedTensor { name }) if name == "b"));
    let shape = from_safetensors_bytes_into::<f32>(&bytes, &[("w", &[4]), ("b", &[1])]);
    assert!(matches!(
        shape,
        Err(WeightsError::ShapeMismatch { name, expected, found })
            if name == "w" && expected == [4] && found == [2, 2]
    ));
    let twice = from_safetensors_bytes_into::<f32>(&bytes, &[("w", &[2, 2]), ("w", &[2, 2])]);
    assert!(matches!(twice, Err(WeightsError::DuplicateName { name }) if name == "w"));
}

#[test]
fn writer_rejects_duplicate_and_reserved_names() {
    let t = Tensor::<f32>::zeros([1]);
    let err = to_safetensors_bytes(&[("a", &t), ("a", &t)]).unwrap_err();
    assert!(matches!(err, WeightsError::DuplicateName { name } if name == "a"));
    let err = to_safetensors_bytes(&[("__metadata__", &t)]).unwrap_err();
    assert!(matches!(err, WeightsError::ReservedName { .. }));
}

#[test]
fn io_errors_name_the_path() {
    let dir = std::env::temp_dir().join("tapegrad-weights-no-such-dir");
    let err = save_safetensors(
        dir.join("x.safetensors"),
        &[("t", &Tensor::<f32>::zeros([1]))],
    )
    .unwrap_err();
    assert!(matches!(&err, WeightsError::Io { path, .. } if path.ends_with("x.safetensors")));
    assert!(err.to_string().contains("tapegrad-weights-no-such-dir"));
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn every_truncation_fails_cleanly() {
    let bytes = small_file();
    assert!(
        load_all_ways(&bytes).is_err(),
        "f64 cannot read an f32 file"
    );
    from_safetensors_bytes::<f32>(&bytes).unwrap();
    for len in 0..bytes.len() {
        assert!(
            from_safetensors_bytes::<f32>(&bytes[..len]).is_err(),
            "a {len}-byte prefix loaded"
        );
        assert!(load_all_ways(&bytes[..len]).is_err());
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        from_safetensors_bytes::<f32>(&longer),
        Err(WeightsError::Format(_))
    ));
}

#[test]
fn random_byte_flips_never_panic() {
    let bytes = small_file();
    let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..5000 {
        let mut corrupt = bytes.clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..header_end);
            corrupt[at] ^= 1 << rng.gen_range(0..8);
        }
        if let Ok(tensors) = from_safetensors_bytes::<f32>(&corrupt) {
            for (name, t) in tensors {
                assert_eq!(t.numel(), t.shape().iter().product::<usize>(), "{name}");
            }
        }
        let _ = load_all_ways(&corrupt);
    }
}

#[test]
fn a_header_claiming_a_huge_tensor_fails_without_allocating() {
    let header =
        r#"{"big":{"dtype":"F32","shape":[100000,100000],"data_offsets":[0,40000000000]}}"#;
    let err = from_safetensors_bytes::<f32>(&handwritten(header, &[0; 16])).unwrap_err();
    assert!(matches!(err, WeightsError::Format(_)));
    let header = r#"{"big":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#;
    let err = from_safetensors_bytes::<f64>(&handwritten(header, &[0; 8])).unwrap_err();
    assert!(matches!(err, WeightsError::Format(_)));
    let mut bytes = u64::MAX.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"{}");
    assert!(matches!(
        load_all_ways(&bytes),
        Err(WeightsError::Format(_))
    ));
}

#[test]
fn offsets_beyond_the_data_fail_cleanly() {
    let header = r#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let err = from_safetensors_bytes::<f32>(&handwritten(header, &[0; 4])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid safetensors data: the header declares 8 bytes of tensor data but only 4 follow it"
    );
    let header = r#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#;
    assert!(load_all_ways(&handwritten(header, &[0; 12])).is_err());
    let header = r#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#;
    assert!(load_all_ways(&handwritten(header, &[0; 16])).is_err());
}

#[test]
fn offsets_summing_past_usize_max_fail_cleanly() {
    // Eight byte tensors of usize::MAX / 8 bytes each: their offsets are valid
    // on their own, but adding the header length to their total overflows.
    let step = usize::MAX / 8;
    let entries: Vec<String> = (0..8)
        .map(|i| {
            format!(
                r#""t{i}":{{"dtype":"U8","shape":[{step}],"data_offsets":[{},{}]}}"#,
                step * i,
                step * (i + 1)
            )
        })
        .collect();
    let header = format!("{{{}}}", entries.join(","));
    let err = from_safetensors_bytes::<f32>(&handwritten(&header, &[])).unwrap_err();
    assert!(err
        .to_string()
        .contains("bytes of tensor data but only 0 follow it"));
}
