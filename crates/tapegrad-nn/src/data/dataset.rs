//! [`Dataset`]: labelled examples in memory, handed out in mini-batches.

use std::fmt;

use rand::seq::SliceRandom;
use rand::Rng;
use tapegrad::Tensor;

/// Examples as the rows of a `[n, d]` feature matrix, each with a class label.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::data::Dataset;
/// let x = Tensor::from_vec(vec![0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0], [3, 2])?;
/// let data = Dataset::new(x, vec![0, 1, 0])?;
/// assert_eq!(data.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Tensor<f32>,
    labels: Vec<usize>,
}

/// Why features and labels do not form a [`Dataset`].
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::data::{Dataset, DatasetError};
/// let err = Dataset::new(Tensor::zeros([3, 2]), vec![0, 1]).unwrap_err();
/// assert_eq!(err, DatasetError::LengthMismatch { rows: 3, labels: 2 });
/// assert_eq!(err.to_string(), "3 feature rows but 2 labels");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetError {
    /// The features are not a matrix.
    NotMatrix {
        /// The shape of the features.
        shape: Vec<usize>,
    },
    /// The number of labels differs from the number of feature rows.
    LengthMismatch {
        /// The number of feature rows.
        rows: usize,
        /// The number of labels.
        labels: usize,
    },
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatasetError::NotMatrix { shape } => {
                write!(
                    f,
                    "features must be a [n, d] matrix, not of shape {shape:?}"
                )
            }
            DatasetError::LengthMismatch { rows, labels } => {
                write!(f, "{rows} feature rows but {labels} labels")
            }
        }
    }
}

impl std::error::Error for DatasetError {}

impl Dataset {
    /// A data set whose example `i` is row `i` of `features` with label `labels[i]`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::{Dataset, DatasetError};
    /// let err = Dataset::new(Tensor::zeros([4]), vec![0; 4]).unwrap_err();
    /// assert_eq!(err, DatasetError::NotMatrix { shape: vec![4] });
    /// ```
    pub fn new(features: Tensor<f32>, labels: Vec<usize>) -> Result<Self, DatasetError> {
        let &[rows, _] = features.shape() else {
            return Err(DatasetError::NotMatrix {
                shape: features.shape().to_vec(),
            });
        };
        if rows != labels.len() {
            return Err(DatasetError::LengthMismatch {
                rows,
                labels: labels.len(),
            });
        }
        Ok(Dataset { features, labels })
    }

    /// The number of examples.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::Dataset;
    /// assert_eq!(Dataset::new(Tensor::zeros([5, 2]), vec![0; 5])?.len(), 5);
    /// # Ok::<(), tapegrad_nn::data::DatasetError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::Dataset;
    /// assert!(Dataset::new(Tensor::zeros([0, 2]), vec![])?.is_empty());
    /// # Ok::<(), tapegrad_nn::data::DatasetError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The `[n, d]` feature matrix, one example per row.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::Dataset;
    /// let data = Dataset::new(Tensor::ones([2, 3]), vec![1, 0])?;
    /// assert_eq!(data.features().shape(), &[2, 3]);
    /// # Ok::<(), tapegrad_nn::data::DatasetError>(())
    /// ```
    pub fn features(&self) -> &Tensor<f32> {
        &self.features
    }

    /// The class label of each example.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::Dataset;
    /// let data = Dataset::new(Tensor::ones([2, 3]), vec![1, 0])?;
    /// assert_eq!(data.labels(), &[1, 0]);
    /// # Ok::<(), tapegrad_nn::data::DatasetError>(())
    /// ```
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The first `n` examples, or all of them if there are fewer.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::Dataset;
    /// let data = Dataset::new(Tensor::arange(6).reshape([3, 2]), vec![0, 1, 2])?;
    /// let head = data.take(2);
    /// assert_eq!(head.features().to_vec(), vec![0.0, 1.0, 2.0, 3.0]);
    /// assert_eq!(head.labels(), &[0, 1]);
    /// assert_eq!(data.take(10).len(), 3);
    /// # Ok::<(), tapegrad_nn::data::DatasetError>(())
    /// ```
    pub fn take(&self, n: usize) -> Dataset {
        self.rows(0, n.min(self.len()))
    }

    /// The first `n` examples and the rest, e.g. a training set and a
    /// validation set; panics if `n` exceeds the number of examples.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::Dataset;
    /// let data = Dataset::new(Tensor::arange(6).reshape([3, 2]), vec![0, 1, 2])?;
    /// let (train, valid) = data.split_at(2);
    /// assert_eq!(train.labels(), &[0, 1]);
    /// assert_eq!(valid.features().to_vec(), vec![4.0, 5.0]);
    /// # Ok::<(), tapegrad_nn::data::DatasetError>(())
    /// ```
    pub fn split_at(&self, n: usize) -> (Dataset, Dataset) {
        assert!(
            n <= self.len(),
            "split_at: cannot split {} examples at {n}",
            self.len()
        );
        (self.rows(0, n), self.rows(n, self.len() - n))
    }

    /// Mini-batches of `batch_size` examples in order; the last one holds
    /// the remainder. Panics if `batch_size` is zero.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::Dataset;
    /// let data = Dataset::new(Tensor::arange(5).reshape([5, 1]), vec![0, 1, 2, 3, 4])?;
    /// let sizes: Vec<usize> = data.batches(2).map(|b| b.y.len()).collect();
    /// assert_eq!(sizes, vec![2, 2, 1]);
    /// # Ok::<(), tapegrad_nn::data::DatasetError>(())
    /// ```
    pub fn batches(&self, batch_size: usize) -> Batches<'_> {
        Batches::new(self, (0..self.len()).collect(), batch_size)
    }

    /// Mini-batches of `batch_size` examples in an order drawn from `rng`;
    /// call once per epoch with the same generator for a fresh, reproducible
    /// order each epoch. The last batch holds the remainder. Panics if
    /// `batch_size` is zero.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad::Tensor;
    /// use tapegrad_nn::data::Dataset;
    /// let data = Dataset::new(Tensor::arange(4).reshape([4, 1]), vec![0, 1, 2, 3])?;
    /// let mut rng = StdRng::seed_from_u64(7);
    /// for batch in data.shuffled_batches(3, &mut rng) {
    ///     // Each row still carries its own label.
    ///     let rows: Vec<usize> = batch.x.to_vec().iter().map(|&v| v as usize).collect();
    ///     assert_eq!(rows, batch.y);
    /// }
    /// # Ok::<(), tapegrad_nn::data::DatasetError>(())
    /// ```
    pub fn shuffled_batches(&self, batch_size: usize, rng: &mut impl Rng) -> Batches<'_> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(rng);
        Batches::new(self, order, batch_size)
    }

    /// The `len` examples starting at `start`.
    fn rows(&self, start: usize, len: usize) -> Dataset {
        Dataset {
            features: self.features.narrow(0, start, len),
            labels: self.labels[start..start + len].to_vec(),
        }
    }
}

/// A mini-batch: a `[b, d]` feature matrix and the `b` matching labels.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::data::Dataset;
/// let data = Dataset::new(Tensor::ones([3, 4]), vec![2, 0, 1])?;
/// let batch = data.batches(3).next().unwrap();
/// assert_eq!(batch.x.shape(), &[3, 4]);
/// assert_eq!(batch.y, vec![2, 0, 1]);
/// # Ok::<(), tapegrad_nn::data::DatasetError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The features, one example per row.
    pub x: Tensor<f32>,
    /// The label of each row.
    pub y: Vec<usize>,
}

/// An iterator over the mini-batches of a [`Dataset`], made by
/// [`Dataset::batches`] or [`Dataset::shuffled_batches`]. It holds only an
/// order of indices; each batch gathers its own rows.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::data::Dataset;
/// let data = Dataset::new(Tensor::zeros([10, 1]), vec![0; 10])?;
/// assert_eq!(data.batches(4).len(), 3);
/// # Ok::<(), tapegrad_nn::data::DatasetError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Batches<'a> {
    data: &'a Dataset,
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
}

impl<'a> Batches<'a> {
    fn new(data: &'a Dataset, order: Vec<usize>, batch_size: usize) -> Self {
        assert!(batch_size > 0, "batches: batch_size must be at least 1");
        Batches {
            data,
            order,
            batch_size,
            next: 0,
        }
    }
}

impl Iterator for Batches<'_> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        let rest = &self.order[self.next..];
        if rest.is_empty() {
            return None;
        }
        let idx = &rest[..self.batch_size.min(rest.len())];
        self.next += idx.len();
        Some(Batch {
            x: self.data.features.index_select(0, idx),
            y: idx.iter().map(|&i| self.data.labels[i]).collect(),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.order.len() - self.next).div_ceil(self.batch_size);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Batches<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// `n` examples whose single feature and label are both the example's index.
    fn indexed(n: usize) -> Dataset {
        Dataset::new(Tensor::arange(n).reshape([n, 1]), (0..n).collect()).unwrap()
    }

    /// The example indices in the order the batches visit them, checking that
    /// every row matches its label.
    fn visit_order(batches: Batches<'_>) -> Vec<usize> {
        let mut order = Vec::new();
        for batch in batches {
            let rows: Vec<usize> = batch.x.as_slice().iter().map(|&v| v as usize).collect();
            assert_eq!(rows, batch.y);
            assert_eq!(batch.x.shape(), &[batch.y.len(), 1]);
            order.extend(batch.y);
        }
        order
    }

    #[test]
    fn new_checks_rank_and_lengths() {
        assert_eq!(
            Dataset::new(Tensor::zeros([2, 2, 2]), vec![0, 0]).unwrap_err(),
            DatasetError::NotMatrix {
                shape: vec![2, 2, 2]
            }
        );
        assert_eq!(
            Dataset::new(Tensor::zeros([2, 3]), vec![0; 3]).unwrap_err(),
            DatasetError::LengthMismatch { rows: 2, labels: 3 }
        );
    }

    #[test]
    fn each_epoch_covers_every_index_exactly_once() {
        let data = indexed(103);
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..3 {
            let mut order = visit_order(data.shuffled_batches(10, &mut rng));
            assert_ne!(order, (0..103).collect::<Vec<_>>());
            order.sort_unstable();
            assert_eq!(order, (0..103).collect::<Vec<_>>());
        }
        assert_eq!(visit_order(data.batches(10)), (0..103).collect::<Vec<_>>());
    }

    #[test]
    fn same_seed_same_order_and_different_seeds_or_epochs_differ() {
        let data = indexed(50);
        let epochs = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            let first = visit_order(data.shuffled_batches(8, &mut rng));
            let second = visit_order(data.shuffled_batches(8, &mut rng));
            (first, second)
        };
        let (a1, a2) = epochs(42);
        assert_eq!((a1.clone(), a2.clone()), epochs(42));
        assert_ne!(a1, a2);
        assert_ne!(a1, epochs(43).0);
    }

    #[test]
    fn last_partial_batch_has_the_remainder() {
        let data = indexed(23);
        let mut rng = StdRng::seed_from_u64(0);
        let batches = data.shuffled_batches(5, &mut rng);
        assert_eq!(batches.len(), 5);
        let sizes: Vec<usize> = batches.map(|b| b.x.shape()[0]).collect();
        assert_eq!(sizes, vec![5, 5, 5, 5, 3]);
        assert_eq!(data.batches(23).len(), 1);
        assert_eq!(
            data.batches(100).map(|b| b.y.len()).collect::<Vec<_>>(),
            vec![23]
        );
        assert_eq!(indexed(0).batches(4).count(), 0);
    }

    #[test]
    fn batches_gather_whole_rows() {
        let x = Tensor::from_vec(vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5], [3, 2]).unwrap();
        let data = Dataset::new(x, vec![7, 8, 9]).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        for batch in data.shuffled_batches(2, &mut rng) {
            for (row, &label) in batch.x.as_slice().chunks(2).zip(&batch.y) {
                let i = label - 7;
                assert_eq!(row, &[i as f32, i as f32 + 0.5]);
            }
        }
    }

    #[test]
    #[should_panic(expected = "batches: batch_size must be at least 1")]
    fn zero_batch_size_panics() {
        indexed(3).batches(0);
    }

    #[test]
    fn take_and_split_at_keep_rows_with_labels() {
        let data = indexed(5);
        let (train, valid) = data.split_at(3);
        assert_eq!(train, data.take(3));
        assert_eq!(train.features().as_slice(), &[0.0, 1.0, 2.0]);
        assert_eq!(valid.labels(), &[3, 4]);
        assert_eq!(valid.features().as_slice(), &[3.0, 4.0]);
        assert_eq!(valid.features().shape(), &[2, 1]);
        let (all, none) = data.split_at(5);
        assert_eq!((all.len(), none.len()), (5, 0));
        assert!(none.is_empty());
        assert_eq!(data.take(99), data);
    }

    #[test]
    #[should_panic(expected = "split_at: cannot split 5 examples at 6")]
    fn split_at_past_the_end_panics() {
        indexed(5).split_at(6);
    }
}
