//! The index of the largest score in each row, and the score ordering it uses.

use tapegrad::{Float, Tensor};

/// Whether score `a` ranks above score `b`: NaN ranks above every number, as in
/// numpy's `argmax`, and two NaNs tie.
pub(super) fn ranks_above<T: Float>(a: T, b: T) -> bool {
    match (a.is_nan(), b.is_nan()) {
        (true, nan_b) => !nan_b,
        (false, true) => false,
        (false, false) => a > b,
    }
}

/// The rows of a `[n, classes]` score matrix, panicking (naming `caller`) if
/// `scores` is not a matrix with at least one column.
pub(super) fn score_rows<'a, T: Float>(
    caller: &str,
    scores: &'a Tensor<T>,
) -> std::slice::ChunksExact<'a, T> {
    match *scores.shape() {
        [_, classes] if classes > 0 => scores.as_slice().chunks_exact(classes),
        _ => panic!(
            "{caller}: predictions must be a [n, classes] matrix with classes >= 1, not of shape {:?}",
            scores.shape()
        ),
    }
}

/// The index of the largest entry of a non-empty row; ties go to the lowest
/// index, and the first NaN counts as the largest.
pub(super) fn argmax<T: Float>(row: &[T]) -> usize {
    (1..row.len()).fold(0, |best, i| {
        if ranks_above(row[i], row[best]) {
            i
        } else {
            best
        }
    })
}

/// The column of the largest score in each row of a `[n, classes]` matrix.
///
/// Ties go to the lowest index; a NaN counts as larger than every number (the
/// first NaN in a row wins), as numpy's `argmax` does. Panics if `scores` is
/// not a matrix with at least one column.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::metrics::argmax_rows;
/// let scores = Tensor::from_vec(vec![0.1f32, 0.7, 0.2, 0.5, 0.5, 0.0], [2, 3])?;
/// assert_eq!(argmax_rows(&scores), vec![1, 0]);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn argmax_rows<T: Float>(scores: &Tensor<T>) -> Vec<usize> {
    score_rows("argmax_rows", scores).map(argmax).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_largest_and_breaks_ties_low() {
        let scores = Tensor::from_vec(
            vec![-1.0f64, -3.0, -1.0, 2.0, 2.0, 0.0, 0.0, 5.0, 4.0],
            [3, 3],
        )
        .unwrap();
        assert_eq!(argmax_rows(&scores), vec![0, 0, 1]);
    }

    #[test]
    fn nan_counts_as_largest_and_first_nan_wins() {
        let nan = f32::NAN;
        let scores = Tensor::from_vec(vec![1.0, nan, nan, nan, 9.0, 1.0], [2, 3]).unwrap();
        assert_eq!(argmax_rows(&scores), vec![1, 0]);
    }

    #[test]
    fn no_rows_give_no_labels() {
        assert!(argmax_rows(&Tensor::<f32>::zeros([0, 4])).is_empty());
    }

    #[test]
    #[should_panic(expected = "argmax_rows: predictions must be a [n, classes] matrix")]
    fn rejects_vectors() {
        argmax_rows(&Tensor::<f32>::zeros([4]));
    }

    #[test]
    #[should_panic(expected = "not of shape [3, 0]")]
    fn rejects_zero_columns() {
        argmax_rows(&Tensor::<f32>::zeros([3, 0]));
    }
}
