//! [`ConfusionMatrix`]: counts of (actual, predicted) class pairs, and the
//! per-class precision, recall and F1 derived from them.

use std::fmt;

use super::ratio;

/// How often each actual class was predicted as each class.
///
/// Rows are actual classes and columns predicted classes. Precision, recall and
/// F1 are defined as 0 when their denominator is 0: a class that is never
/// predicted has precision 0, and a class that never occurs has recall 0.
///
/// ```
/// use tapegrad_nn::metrics::ConfusionMatrix;
/// let m = ConfusionMatrix::from_labels(&[0, 1, 1, 1], &[0, 0, 1, 1], 2);
/// assert_eq!(m.count(0, 1), 1);
/// assert_eq!(m.accuracy(), 0.75);
/// assert_eq!(m.to_string(), "        predicted\nactual  0  1\n     0  1  1\n     1  0  2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    /// `classes * classes` counts, row-major with rows = actual class.
    counts: Vec<usize>,
}

impl ConfusionMatrix {
    /// Counts the pairs `(actual[i], predicted[i])` over `classes` classes.
    ///
    /// Panics if the slices differ in length, `classes` is 0, or a label is
    /// `>= classes`.
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// let m = ConfusionMatrix::from_labels(&[2, 0], &[2, 1], 3);
    /// assert_eq!((m.count(2, 2), m.count(1, 0), m.total()), (1, 1, 2));
    /// ```
    pub fn from_labels(predicted: &[usize], actual: &[usize], classes: usize) -> Self {
        assert!(
            classes > 0,
            "ConfusionMatrix::from_labels: classes must be at least 1, not 0"
        );
        assert!(
            predicted.len() == actual.len(),
            "ConfusionMatrix::from_labels: {} predicted labels but {} actual labels",
            predicted.len(),
            actual.len()
        );
        let mut counts = vec![0; classes * classes];
        for (i, (&p, &a)) in predicted.iter().zip(actual).enumerate() {
            assert!(
                p < classes && a < classes,
                "ConfusionMatrix::from_labels: pair {i} (predicted {p}, actual {a}) is not below the {classes} classes"
            );
            counts[a * classes + p] += 1;
        }
        ConfusionMatrix { classes, counts }
    }

    /// The number of classes (rows, and columns).
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix::from_labels(&[], &[], 4).classes(), 4);
    /// ```
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// All counts, row-major: the entry at `actual * classes + predicted`.
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// let m = ConfusionMatrix::from_labels(&[1, 1], &[0, 1], 2);
    /// assert_eq!(m.counts(), &[0, 1, 0, 1]);
    /// ```
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// How many examples of class `actual` were predicted as `predicted`.
    /// Panics if either is `>= classes`.
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// let m = ConfusionMatrix::from_labels(&[1, 1, 0], &[0, 0, 0], 2);
    /// assert_eq!((m.count(0, 0), m.count(0, 1)), (1, 2));
    /// ```
    pub fn count(&self, actual: usize, predicted: usize) -> usize {
        self.check_class("count", actual);
        self.check_class("count", predicted);
        self.counts[actual * self.classes + predicted]
    }

    /// The number of examples counted.
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix::from_labels(&[0, 1, 0], &[0, 0, 0], 2).total(), 3);
    /// ```
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The fraction of examples on the diagonal; 0 if there are none.
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix::from_labels(&[0, 1], &[0, 0], 2).accuracy(), 0.5);
    /// ```
    pub fn accuracy(&self) -> f64 {
        let correct = (0..self.classes).map(|c| self.diagonal(c)).sum();
        ratio(correct, self.total())
    }

    /// Of the examples predicted as `class`, the fraction that are `class`:
    /// `tp / (tp + fp)`, or 0 if `class` is never predicted. Panics if
    /// `class >= classes`.
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// let m = ConfusionMatrix::from_labels(&[1, 1, 1], &[1, 0, 0], 2);
    /// assert_eq!((m.precision(0), m.precision(1)), (0.0, 1.0 / 3.0));
    /// ```
    pub fn precision(&self, class: usize) -> f64 {
        self.check_class("precision", class);
        ratio(self.diagonal(class), self.predicted_as(class))
    }

    /// Of the examples of `class`, the fraction predicted as `class`:
    /// `tp / (tp + fn)`, or 0 if `class` never occurs. Panics if
    /// `class >= classes`.
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// let m = ConfusionMatrix::from_labels(&[1, 1, 1], &[1, 0, 0], 2);
    /// assert_eq!((m.recall(0), m.recall(1)), (0.0, 1.0));
    /// ```
    pub fn recall(&self, class: usize) -> f64 {
        self.check_class("recall", class);
        ratio(self.diagonal(class), self.actually(class))
    }

    /// The harmonic mean of precision and recall, `2tp / (2tp + fp + fn)`,
    /// or 0 if `class` is neither predicted nor present. Panics if
    /// `class >= classes`.
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// let m = ConfusionMatrix::from_labels(&[1, 1, 1], &[1, 0, 0], 2);
    /// assert_eq!(m.f1(1), 0.5);
    /// ```
    pub fn f1(&self, class: usize) -> f64 {
        self.check_class("f1", class);
        let tp = self.diagonal(class);
        ratio(2 * tp, self.predicted_as(class) + self.actually(class))
    }

    /// The unweighted mean of [`f1`](Self::f1) over all classes, absent ones
    /// included (they contribute 0).
    ///
    /// ```
    /// use tapegrad_nn::metrics::ConfusionMatrix;
    /// let m = ConfusionMatrix::from_labels(&[1, 1, 1], &[1, 0, 0], 2);
    /// assert_eq!(m.macro_f1(), 0.25);
    /// ```
    pub fn macro_f1(&self) -> f64 {
        (0..self.classes).map(|c| self.f1(c)).sum::<f64>() / self.classes as f64
    }

    /// Panics (naming `method`) if `class` is not a valid class.
    fn check_class(&self, method: &str, class: usize) {
        assert!(
            class < self.classes,
            "ConfusionMatrix::{method}: class {class} is not below the {} classes",
            self.classes
        );
    }

    /// The number of correctly classified examples of `class`.
    fn diagonal(&self, class: usize) -> usize {
        self.counts[class * self.classes + class]
    }

    /// The number of examples predicted as `class` (a column sum).
    fn predicted_as(&self, class: usize) -> usize {
        self.counts[class..].iter().step_by(self.classes).sum()
    }

    /// The number of examples whose actual class is `class` (a row sum).
    fn actually(&self, class: usize) -> usize {
        self.counts[class * self.classes..(class + 1) * self.classes]
            .iter()
            .sum()
    }
}

/// A right-aligned table, one row per actual class and one column per
/// predicted class, under a `predicted` caption; no trailing newline.
impl fmt::Display for ConfusionMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CORNER: &str = "actual";
        let digits = |n: usize| n.to_string().len();
        let largest = self.counts.iter().copied().max().unwrap_or(0);
        let cell = digits(largest).max(digits(self.classes - 1));
        let label = CORNER.len().max(digits(self.classes - 1));
        write!(f, "{:label$}  predicted", "")?;
        write!(f, "\n{CORNER:<label$}")?;
        for class in 0..self.classes {
            write!(f, "  {class:>cell$}")?;
        }
        for (actual, row) in self.counts.chunks_exact(self.classes).enumerate() {
            write!(f, "\n{actual:>label$}")?;
            for count in row {
                write!(f, "  {count:>cell$}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten examples over three classes, worked out by hand:
    ///
    /// ```text
    ///                predicted
    ///                0  1  2   row sum
    /// actual 0       2  1  0   3
    ///        1       0  3  1   4
    ///        2       2  0  1   3
    /// column sum     4  4  2
    /// ```
    fn worked_example(classes: usize) -> ConfusionMatrix {
        let actual = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2];
        let predicted = [0, 0, 1, 1, 1, 1, 2, 0, 0, 2];
        ConfusionMatrix::from_labels(&predicted, &actual, classes)
    }

    fn assert_close(found: f64, expected: f64) {
        assert!(
            (found - expected).abs() < 1e-12,
            "found {found}, expected {expected}"
        );
    }

    #[test]
    fn counts_pairs_with_rows_actual_and_columns_predicted() {
        let m = worked_example(3);
        assert_eq!(m.counts(), &[2, 1, 0, 0, 3, 1, 2, 0, 1]);
        assert_eq!(m.count(2, 0), 2);
        assert_eq!(m.count(0, 2), 0);
        assert_eq!(m.total(), 10);
        assert_close(m.accuracy(), 0.6);
    }

    #[test]
    fn per_class_scores_match_the_hand_computation() {
        let m = worked_example(3);
        for (c, precision, recall, f1) in [
            (0, 2.0 / 4.0, 2.0 / 3.0, 4.0 / 7.0),
            (1, 3.0 / 4.0, 3.0 / 4.0, 3.0 / 4.0),
            (2, 1.0 / 2.0, 1.0 / 3.0, 2.0 / 5.0),
        ] {
            assert_close(m.precision(c), precision);
            assert_close(m.recall(c), recall);
            assert_close(m.f1(c), f1);
            let harmonic = 2.0 * precision * recall / (precision + recall);
            assert_close(m.f1(c), harmonic);
        }
        assert_close(m.macro_f1(), 241.0 / 420.0);
    }

    #[test]
    fn an_absent_class_scores_zero_and_lowers_the_macro_f1() {
        let m = worked_example(4);
        assert_eq!((m.precision(3), m.recall(3), m.f1(3)), (0.0, 0.0, 0.0));
        assert_close(m.macro_f1(), 241.0 / 560.0);
        assert_close(m.accuracy(), 0.6);
    }

    #[test]
    fn an_empty_matrix_scores_zero() {
        let m = ConfusionMatrix::from_labels(&[], &[], 2);
        assert_eq!((m.accuracy(), m.macro_f1(), m.total()), (0.0, 0.0, 0));
    }

    #[test]
    fn displays_an_aligned_table() {
        let expected = [
            "        predicted",
            "actual  0  1  2",
            "     0  2  1  0",
            "     1  0  3  1",
            "     2  2  0  1",
        ]
        .join("\n");
        assert_eq!(worked_example(3).to_string(), expected);
    }

    #[test]
    fn display_widens_columns_for_large_counts_and_many_classes() {
        let m = ConfusionMatrix::from_labels(&[1; 123], &[0; 123], 2);
        let expected = [
            "        predicted",
            "actual    0    1",
            "     0    0  123",
            "     1    0    0",
        ]
        .join("\n");
        assert_eq!(m.to_string(), expected);
        let wide = ConfusionMatrix::from_labels(&[], &[], 1000).to_string();
        assert!(wide.lines().nth(1).unwrap().starts_with("actual    0    1"));
        assert!(wide.lines().last().unwrap().starts_with("   999    0"));
    }

    #[test]
    #[should_panic(
        expected = "ConfusionMatrix::from_labels: 3 predicted labels but 2 actual labels"
    )]
    fn rejects_length_mismatch() {
        ConfusionMatrix::from_labels(&[0, 1, 0], &[0, 1], 2);
    }

    #[test]
    #[should_panic(
        expected = "ConfusionMatrix::from_labels: pair 1 (predicted 0, actual 2) is not below the 2 classes"
    )]
    fn rejects_out_of_range_labels() {
        ConfusionMatrix::from_labels(&[0, 0], &[0, 2], 2);
    }

    #[test]
    #[should_panic(expected = "ConfusionMatrix::precision: class 3 is not below the 3 classes")]
    fn rejects_out_of_range_class_queries() {
        worked_example(3).precision(3);
    }
}
