//! The MNIST handwritten digits, loaded from the four canonical IDX files.

use std::fmt;
use std::path::{Path, PathBuf};

use tapegrad::Tensor;

use super::dataset::{Dataset, DatasetError};
use super::idx::{read_idx, IdxArray, IdxError};

/// The number of digit classes; every label must be below it.
const CLASSES: usize = 10;

/// The MNIST training and test sets, with pixels scaled to `[0, 1]` and each
/// image flattened to one row of `rows * cols` features.
///
/// ```
/// use tapegrad_nn::data::Mnist;
/// let dir = std::env::temp_dir().join("tapegrad-nn-mnist-struct-doctest");
/// # std::fs::create_dir_all(&dir)?;
/// # let images = [0u8, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255];
/// # let labels = [0u8, 0, 8, 1, 0, 0, 0, 1, 9];
/// # for split in ["train", "t10k"] {
/// #     std::fs::write(dir.join(format!("{split}-images-idx3-ubyte")), images)?;
/// #     std::fs::write(dir.join(format!("{split}-labels-idx1-ubyte")), labels)?;
/// # }
/// let mnist = Mnist::load(&dir)?;
/// assert_eq!(mnist.train.features().as_slice(), &[0.0, 1.0]);
/// assert_eq!(mnist.test.labels(), &[9]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist {
    /// The 60,000 training examples (in the canonical files).
    pub train: Dataset,
    /// The 10,000 test examples (in the canonical files).
    pub test: Dataset,
}

/// Why the MNIST files could not be loaded; every variant names a file.
///
/// ```
/// use tapegrad_nn::data::{Mnist, MnistError};
/// let err = Mnist::load("/no/such/dir").unwrap_err();
/// assert!(matches!(err, MnistError::Missing { .. }));
/// assert!(err.to_string().contains("/no/such/dir/train-images-idx3-ubyte.gz"));
/// ```
#[derive(Debug)]
pub enum MnistError {
    /// Neither the gzipped nor the raw file exists.
    Missing {
        /// The gzipped file looked for first.
        gz: PathBuf,
        /// The raw file looked for next.
        raw: PathBuf,
    },
    /// A file is not a valid IDX file.
    Idx {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: IdxError,
    },
    /// An image file does not hold a `[n, rows, cols]` array.
    ImageShape {
        /// The file.
        path: PathBuf,
        /// The dimensions it holds.
        dims: Vec<usize>,
    },
    /// A label file does not hold a `[n]` array.
    LabelShape {
        /// The file.
        path: PathBuf,
        /// The dimensions it holds.
        dims: Vec<usize>,
    },
    /// A label is not a digit.
    LabelOutOfRange {
        /// The file.
        path: PathBuf,
        /// The position of the label.
        index: usize,
        /// The label found.
        label: u8,
    },
    /// An image file and its label file do not match up.
    Inconsistent {
        /// The image file.
        images: PathBuf,
        /// The label file.
        labels: PathBuf,
        /// How they differ.
        source: DatasetError,
    },
}

impl fmt::Display for MnistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MnistError::Missing { gz, raw } => write!(
                f,
                "MNIST file not found: neither {} nor {} exists",
                gz.display(),
                raw.display()
            ),
            MnistError::Idx { path, source } => write!(f, "{}: {source}", path.display()),
            MnistError::ImageShape { path, dims } => write!(
                f,
                "{}: images must have dimensions [n, rows, cols], not {dims:?}",
                path.display()
            ),
            MnistError::LabelShape { path, dims } => write!(
                f,
                "{}: labels must have dimensions [n], not {dims:?}",
                path.display()
            ),
            MnistError::LabelOutOfRange { path, index, label } => write!(
                f,
                "{}: label {index} is {label}, not a digit 0-9",
                path.display()
            ),
            MnistError::Inconsistent {
                images,
                labels,
                source,
            } => write!(
                f,
                "{} and {} do not match: {source}",
                images.display(),
                labels.display()
            ),
        }
    }
}

impl std::error::Error for MnistError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MnistError::Idx { source, .. } => Some(source),
            MnistError::Inconsistent { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Mnist {
    /// Loads `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
    /// `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz` from `dir`,
    /// falling back to each name without `.gz` when the gzipped file is absent.
    ///
    /// ```
    /// use tapegrad_nn::data::{Mnist, MnistError};
    /// let dir = std::env::temp_dir().join("tapegrad-nn-mnist-load-doctest");
    /// # std::fs::create_dir_all(&dir)?;
    /// # let images = [0u8, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0];
    /// # for split in ["train", "t10k"] {
    /// #     std::fs::write(dir.join(format!("{split}-images-idx3-ubyte")), images)?;
    /// # }
    /// // One training label, 12, which is not a digit.
    /// std::fs::write(dir.join("train-labels-idx1-ubyte"), [0u8, 0, 8, 1, 0, 0, 0, 1, 12])?;
    /// let err = Mnist::load(&dir).unwrap_err();
    /// assert!(matches!(err, MnistError::LabelOutOfRange { index: 0, label: 12, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(dir: impl AsRef<Path>) -> Result<Mnist, MnistError> {
        let dir = dir.as_ref();
        Ok(Mnist {
            train: load_split(dir, "train")?,
            test: load_split(dir, "t10k")?,
        })
    }
}

/// Loads the images and labels of one split (`"train"` or `"t10k"`).
fn load_split(dir: &Path, split: &str) -> Result<Dataset, MnistError> {
    let images_path = locate(dir, &format!("{split}-images-idx3-ubyte"))?;
    let labels_path = locate(dir, &format!("{split}-labels-idx1-ubyte"))?;
    let images = read(&images_path)?;
    let labels = read(&labels_path)?;
    to_dataset(images, &images_path, labels, &labels_path)
}

/// The gzipped file `name.gz` in `dir` if it exists, else the raw file `name`.
fn locate(dir: &Path, name: &str) -> Result<PathBuf, MnistError> {
    let gz = dir.join(format!("{name}.gz"));
    let raw = dir.join(name);
    if gz.exists() {
        Ok(gz)
    } else if raw.exists() {
        Ok(raw)
    } else {
        Err(MnistError::Missing { gz, raw })
    }
}

/// Reads an IDX file, naming it in any error.
fn read(path: &Path) -> Result<IdxArray, MnistError> {
    read_idx(path).map_err(|source| MnistError::Idx {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks an image array and a label array and turns them into a data set.
fn to_dataset(
    images: IdxArray,
    images_path: &Path,
    labels: IdxArray,
    labels_path: &Path,
) -> Result<Dataset, MnistError> {
    let image_shape_error = |dims: &[usize]| MnistError::ImageShape {
        path: images_path.to_path_buf(),
        dims: dims.to_vec(),
    };
    let &[n, rows, cols] = images.dims.as_slice() else {
        return Err(image_shape_error(&images.dims));
    };
    if labels.dims.len() != 1 {
        return Err(MnistError::LabelShape {
            path: labels_path.to_path_buf(),
            dims: labels.dims,
        });
    }
    if let Some((index, &label)) = labels
        .data
        .iter()
        .enumerate()
        .find(|&(_, &label)| usize::from(label) >= CLASSES)
    {
        return Err(MnistError::LabelOutOfRange {
            path: labels_path.to_path_buf(),
            index,
            label,
        });
    }
    let pixels = images.data.iter().map(|&p| f32::from(p) / 255.0).collect();
    let features =
        Tensor::from_vec(pixels, [n, rows * cols]).map_err(|_| image_shape_error(&images.dims))?;
    let labels = labels.data.into_iter().map(usize::from).collect();
    Dataset::new(features, labels).map_err(|source| MnistError::Inconsistent {
        images: images_path.to_path_buf(),
        labels: labels_path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const MNIST_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/mnist");

    fn array(dims: &[usize], data: &[u8]) -> IdxArray {
        IdxArray {
            dims: dims.to_vec(),
            data: data.to_vec(),
        }
    }

    fn convert(images: IdxArray, labels: IdxArray) -> Result<Dataset, MnistError> {
        to_dataset(images, Path::new("img"), labels, Path::new("lbl"))
    }

    /// A fresh, empty directory for one test.
    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tapegrad-nn-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn loads_the_shipped_copy() {
        let mnist = Mnist::load(MNIST_DIR).unwrap();
        assert_eq!(mnist.train.features().shape(), &[60_000, 784]);
        assert_eq!(mnist.test.features().shape(), &[10_000, 784]);
        assert_eq!(mnist.train.len(), 60_000);
        assert_eq!(mnist.test.len(), 10_000);
        for data in [&mnist.train, &mnist.test] {
            let pixels = data.features().as_slice();
            assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p)));
            assert!(pixels.contains(&0.0) && pixels.contains(&1.0));
        }
        let mut train_counts = [0usize; 10];
        for &label in mnist.train.labels() {
            train_counts[label] += 1;
        }
        assert!(
            train_counts.iter().all(|c| (5_000..=7_000).contains(c)),
            "{train_counts:?}"
        );
        let mut test_counts = [0usize; 10];
        for &label in mnist.test.labels() {
            test_counts[label] += 1;
        }
        assert!(
            test_counts.iter().all(|c| (800..=1_200).contains(c)),
            "{test_counts:?}"
        );
    }

    #[test]
    fn scales_and_flattens_images() {
        let images = array(&[2, 2, 2], &[0, 51, 102, 255, 255, 0, 0, 0]);
        let data = convert(images, array(&[2], &[3, 9])).unwrap();
        assert_eq!(data.features().shape(), &[2, 4]);
        assert_eq!(
            data.features().as_slice(),
            &[0.0, 0.2, 0.4, 1.0, 1.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(data.labels(), &[3, 9]);
    }

    #[test]
    fn rejects_bad_shapes_and_labels_naming_the_file() {
        let err = convert(array(&[2, 2], &[0; 4]), array(&[2], &[0, 0])).unwrap_err();
        assert!(matches!(&err, MnistError::ImageShape { dims, .. } if dims == &[2, 2]));
        assert!(err.to_string().starts_with("img: "), "{err}");

        let err = convert(array(&[1, 1, 1], &[0]), array(&[1, 1], &[0])).unwrap_err();
        assert!(matches!(err, MnistError::LabelShape { .. }));
        assert!(err.to_string().starts_with("lbl: "), "{err}");

        let err = convert(array(&[2, 1, 1], &[0; 2]), array(&[2], &[9, 10])).unwrap_err();
        assert!(matches!(
            err,
            MnistError::LabelOutOfRange {
                index: 1,
                label: 10,
                ..
            }
        ));
        assert!(err.to_string().starts_with("lbl: "), "{err}");

        let err = convert(array(&[2, 1, 1], &[0; 2]), array(&[3], &[0; 3])).unwrap_err();
        assert!(matches!(
            err,
            MnistError::Inconsistent {
                source: DatasetError::LengthMismatch { rows: 2, labels: 3 },
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "img and lbl do not match: 2 feature rows but 3 labels"
        );
    }

    #[test]
    fn prefers_gz_and_falls_back_to_raw_names() {
        let dir = scratch_dir("locate");
        let err = locate(&dir, "x").unwrap_err();
        assert!(
            matches!(&err, MnistError::Missing { gz, raw } if gz.ends_with("x.gz") && raw.ends_with("x"))
        );
        fs::write(dir.join("x"), b"").unwrap();
        assert_eq!(locate(&dir, "x").unwrap(), dir.join("x"));
        fs::write(dir.join("x.gz"), b"").unwrap();
        assert_eq!(locate(&dir, "x").unwrap(), dir.join("x.gz"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_file_error_names_the_file() {
        let dir = scratch_dir("corrupt");
        fs::write(dir.join("train-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0]).unwrap();
        fs::write(
            dir.join("train-labels-idx1-ubyte"),
            [0, 0, 8, 1, 0, 0, 0, 0],
        )
        .unwrap();
        let err = Mnist::load(&dir).unwrap_err();
        assert!(matches!(
            &err,
            MnistError::Idx { path, source: IdxError::ShortHeader { .. } }
                if path.ends_with("train-images-idx3-ubyte")
        ));
        assert!(err.to_string().contains("train-images-idx3-ubyte"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
