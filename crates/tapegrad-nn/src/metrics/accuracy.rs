//! Accuracy in its four usual forms: sparse labels, one-hot targets, binary
//! probabilities, and top-k.

use tapegrad::{Float, Tensor};

use super::argmax::{argmax, ranks_above, score_rows};
use super::ratio;

/// Panics (naming `caller`) unless there is one label per row and every label
/// is a valid class.
fn check_labels<T: Float>(caller: &str, scores: &Tensor<T>, labels: &[usize]) {
    let (rows, classes) = (scores.shape()[0], scores.shape()[1]);
    assert!(
        labels.len() == rows,
        "{caller}: {} labels for {rows} rows of predictions",
        labels.len()
    );
    if let Some((i, label)) = labels.iter().enumerate().find(|(_, &l)| l >= classes) {
        panic!("{caller}: label {label} at position {i} is not below the {classes} classes");
    }
}

/// The fraction of rows whose largest score is at the column of their label.
///
/// `scores` is `[n, classes]` (logits or probabilities) and `labels` holds `n`
/// class indices. Ties in a row go to the lowest index (see
/// [`argmax_rows`](super::argmax_rows)); no rows give 0. Panics if `scores`
/// is not a matrix, the lengths differ, or a label is `>= classes`.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::metrics::sparse_accuracy;
/// let scores = Tensor::from_vec(vec![2.0f32, 1.0, 0.0, 3.0, 1.0, 1.0], [3, 2])?;
/// assert_eq!(sparse_accuracy(&scores, &[0, 1, 1]), 2.0 / 3.0);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn sparse_accuracy<T: Float>(scores: &Tensor<T>, labels: &[usize]) -> f64 {
    let rows = score_rows("sparse_accuracy", scores);
    check_labels("sparse_accuracy", scores, labels);
    let correct = rows
        .zip(labels)
        .filter(|(row, &label)| argmax(row) == label)
        .count();
    ratio(correct, labels.len())
}

/// The fraction of rows whose largest score is where the one-hot target's is.
///
/// Both tensors are `[n, classes]`; the target's class is its row's argmax, so
/// smoothed labels work too. No rows give 0. Panics if the shapes differ or are
/// not matrices.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::metrics::categorical_accuracy;
/// let scores = Tensor::from_vec(vec![0.9f64, 0.1, 0.3, 0.7], [2, 2])?;
/// let targets = Tensor::from_vec(vec![1.0, 0.0, 1.0, 0.0], [2, 2])?;
/// assert_eq!(categorical_accuracy(&scores, &targets), 0.5);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn categorical_accuracy<T: Float>(scores: &Tensor<T>, targets: &Tensor<T>) -> f64 {
    assert!(
        scores.shape() == targets.shape(),
        "categorical_accuracy: predictions of shape {:?} but targets of shape {:?}",
        scores.shape(),
        targets.shape()
    );
    let rows = score_rows("categorical_accuracy", scores);
    let correct = rows
        .zip(score_rows("categorical_accuracy", targets))
        .filter(|(row, target)| argmax(row) == argmax(target))
        .count();
    ratio(correct, scores.shape()[0])
}

/// The length of a `[n]` or `[n, 1]` tensor, panicking (naming `what`) otherwise.
fn column_len<T>(what: &str, t: &Tensor<T>) -> usize {
    match *t.shape() {
        [n] | [n, 1] => n,
        _ => panic!(
            "binary_accuracy: {what} must have shape [n] or [n, 1], not {:?}",
            t.shape()
        ),
    }
}

/// The fraction of examples whose thresholded probability equals the 0/1 target.
///
/// An example is predicted positive when its probability is strictly greater
/// than `threshold` (Keras uses 0.5), so a NaN probability is predicted
/// negative. `probs` and `targets` each have shape `[n]` or `[n, 1]`; every
/// target must be exactly 0 or 1. No examples give 0. Panics if the lengths
/// differ, a shape is not a column, or a target is neither 0 nor 1.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::metrics::binary_accuracy;
/// let probs = Tensor::from_vec(vec![0.8f32, 0.4, 0.6, 0.5], [4, 1])?;
/// let targets = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], [4])?;
/// assert_eq!(binary_accuracy(&probs, &targets, 0.5), 0.5);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn binary_accuracy<T: Float>(probs: &Tensor<T>, targets: &Tensor<T>, threshold: T) -> f64 {
    let n = column_len("predictions", probs);
    let targets_len = column_len("targets", targets);
    assert!(
        n == targets_len,
        "binary_accuracy: {n} predictions but {targets_len} targets"
    );
    let correct = probs
        .as_slice()
        .iter()
        .zip(targets.as_slice())
        .enumerate()
        .filter(|&(i, (&p, &t))| {
            assert!(
                t == T::zero() || t == T::one(),
                "binary_accuracy: target {t} at position {i} is neither 0 nor 1"
            );
            (p > threshold) == (t == T::one())
        })
        .count();
    ratio(correct, n)
}

/// The fraction of rows whose label is among the `k` highest-scoring classes.
///
/// Classes are ranked by score, ties going to the lower index, exactly as in
/// [`argmax_rows`](super::argmax_rows), so `k = 1` equals
/// [`sparse_accuracy`]. A `k` of at least the number of classes counts every
/// row. No rows give 0. Panics if `k` is 0, `scores` is not a matrix, the
/// lengths differ, or a label is `>= classes`.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::metrics::top_k_accuracy;
/// let scores = Tensor::from_vec(vec![0.5f32, 0.3, 0.2, 0.1, 0.2, 0.7], [2, 3])?;
/// assert_eq!(top_k_accuracy(&scores, &[1, 0], 2), 0.5);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn top_k_accuracy<T: Float>(scores: &Tensor<T>, labels: &[usize], k: usize) -> f64 {
    assert!(k > 0, "top_k_accuracy: k must be at least 1, not 0");
    let rows = score_rows("top_k_accuracy", scores);
    check_labels("top_k_accuracy", scores, labels);
    let correct = rows
        .zip(labels)
        .filter(|(row, &label)| {
            let target = row[label];
            let ahead = row
                .iter()
                .enumerate()
                .filter(|&(j, &s)| ranks_above(s, target) || (j < label && !ranks_above(target, s)))
                .count();
            ahead < k
        })
        .count();
    ratio(correct, labels.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four examples over three classes; row argmaxes are 2, 0 (a tie of 0 and
    /// 1), 1, 2.
    fn scores() -> Tensor<f64> {
        Tensor::from_vec(
            vec![
                0.1, 0.2, 0.7, //
                0.4, 0.4, 0.2, //
                0.0, 0.9, 0.1, //
                0.3, 0.3, 0.4,
            ],
            [4, 3],
        )
        .unwrap()
    }

    #[test]
    fn sparse_accuracy_counts_argmax_hits() {
        assert_eq!(sparse_accuracy(&scores(), &[2, 0, 1, 2]), 1.0);
        assert_eq!(sparse_accuracy(&scores(), &[2, 1, 1, 0]), 0.5);
        assert_eq!(sparse_accuracy(&scores(), &[0, 1, 0, 1]), 0.0);
    }

    #[test]
    fn empty_batches_score_zero() {
        let none = Tensor::<f32>::zeros([0, 3]);
        assert_eq!(sparse_accuracy(&none, &[]), 0.0);
        assert_eq!(categorical_accuracy(&none, &none), 0.0);
        assert_eq!(top_k_accuracy(&none, &[], 2), 0.0);
        let empty = Tensor::<f32>::zeros([0]);
        assert_eq!(binary_accuracy(&empty, &empty, 0.5), 0.0);
    }

    #[test]
    fn categorical_accuracy_compares_argmaxes() {
        let targets = Tensor::from_vec(
            vec![
                0.0, 0.0, 1.0, //
                0.0, 1.0, 0.0, //
                0.0, 1.0, 0.0, //
                1.0, 0.0, 0.0,
            ],
            [4, 3],
        )
        .unwrap();
        assert_eq!(categorical_accuracy(&scores(), &targets), 0.5);
    }

    #[test]
    fn binary_accuracy_thresholds_strictly() {
        let probs = Tensor::from_vec(vec![0.5f64, 0.51, 0.2, f64::NAN, 0.9], [5]).unwrap();
        let targets = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0, 1.0], [5, 1]).unwrap();
        assert_eq!(binary_accuracy(&probs, &targets, 0.5), 0.8);
        assert_eq!(binary_accuracy(&probs, &targets, 0.6), 0.6);
    }

    #[test]
    fn top_k_ranks_ties_by_index() {
        let labels = [0, 1, 2, 0];
        // Ranks of the labels: 2, 1 (behind the tied class 0), 1, 1.
        assert_eq!(top_k_accuracy(&scores(), &labels, 1), 0.0);
        assert_eq!(top_k_accuracy(&scores(), &labels, 2), 0.75);
        assert_eq!(top_k_accuracy(&scores(), &labels, 3), 1.0);
        assert_eq!(top_k_accuracy(&scores(), &labels, 10), 1.0);
    }

    #[test]
    fn top_1_equals_sparse_accuracy_even_with_nan() {
        let s = Tensor::from_vec(
            vec![
                f32::NAN,
                1.0,
                f32::NAN,
                2.0,
                2.0,
                1.0,
                0.0,
                f32::NAN,
                f32::NAN,
            ],
            [3, 3],
        )
        .unwrap();
        for labels in [[0, 0, 1], [2, 1, 2], [1, 0, 0]] {
            assert_eq!(top_k_accuracy(&s, &labels, 1), sparse_accuracy(&s, &labels));
        }
        assert_eq!(sparse_accuracy(&s, &[0, 0, 1]), 1.0);
    }

    #[test]
    #[should_panic(expected = "sparse_accuracy: 3 labels for 4 rows of predictions")]
    fn sparse_accuracy_rejects_length_mismatch() {
        sparse_accuracy(&scores(), &[0, 1, 2]);
    }

    #[test]
    #[should_panic(expected = "top_k_accuracy: label 3 at position 1 is not below the 3 classes")]
    fn top_k_rejects_out_of_range_labels() {
        top_k_accuracy(&scores(), &[0, 3, 0, 0], 1);
    }

    #[test]
    #[should_panic(expected = "top_k_accuracy: k must be at least 1, not 0")]
    fn top_k_rejects_zero_k() {
        top_k_accuracy(&scores(), &[0, 0, 0, 0], 0);
    }

    #[test]
    #[should_panic(
        expected = "categorical_accuracy: predictions of shape [4, 3] but targets of shape [4, 2]"
    )]
    fn categorical_accuracy_rejects_shape_mismatch() {
        categorical_accuracy(&scores(), &Tensor::zeros([4, 2]));
    }

    #[test]
    #[should_panic(expected = "binary_accuracy: 2 predictions but 3 targets")]
    fn binary_accuracy_rejects_length_mismatch() {
        binary_accuracy(&Tensor::<f32>::zeros([2]), &Tensor::zeros([3, 1]), 0.5);
    }

    #[test]
    #[should_panic(
        expected = "binary_accuracy: predictions must have shape [n] or [n, 1], not [2, 2]"
    )]
    fn binary_accuracy_rejects_matrices() {
        binary_accuracy(&Tensor::<f32>::zeros([2, 2]), &Tensor::zeros([4]), 0.5);
    }

    #[test]
    #[should_panic(expected = "binary_accuracy: target 0.5 at position 1 is neither 0 nor 1")]
    fn binary_accuracy_rejects_soft_targets() {
        let targets = Tensor::from_vec(vec![1.0f32, 0.5], [2]).unwrap();
        binary_accuracy(&Tensor::zeros([2]), &targets, 0.5);
    }
}
