//! Printing tensors the way numpy does: nested brackets, aligned columns, and
//! `...` in place of the middle of large tensors.

use std::fmt;

use super::Tensor;
use crate::shape::strides;
use crate::Float;

/// Tensors with more elements than this print only their edges.
const SUMMARY_THRESHOLD: usize = 1000;
/// How many items are shown at each end of a summarised dimension.
const EDGE_ITEMS: usize = 3;
/// Decimal places when the formatter does not ask for a precision.
const DEFAULT_PRECISION: usize = 4;

impl<T: Float> fmt::Display for Tensor<T> {
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::from_vec(vec![1.0, -2.5, 3.0, 4.0], [2, 2])?;
    /// assert_eq!(format!("{t:.1}"), "[[ 1.0 -2.5]\n [ 3.0  4.0]]");
    /// let big = Tensor::<f32>::arange(2000);
    /// assert!(format!("{big:.0}").starts_with("[   0    1    2 ... 1997 1998 1999]"));
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let precision = f.precision().unwrap_or(DEFAULT_PRECISION);
        let printer = Printer {
            tensor: self,
            strides: strides(self.shape()).to_vec(),
            summarize: self.numel() > SUMMARY_THRESHOLD,
            precision,
            width: 0,
        };
        let width = printer.max_width(0, 0);
        let mut out = String::new();
        Printer { width, ..printer }.write(&mut out, 0, 0);
        f.write_str(&out)
    }
}

impl<T: Float> fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor<{}>{:?}\n{}", T::NAME, self.shape(), self)
    }
}

struct Printer<'a, T: 'static> {
    tensor: &'a Tensor<T>,
    strides: Vec<usize>,
    summarize: bool,
    precision: usize,
    width: usize,
}

impl<T: Float> Printer<'_, T> {
    /// The indices of dimension `dim` to print; `None` stands for the `...`.
    fn shown(&self, dim: usize) -> Vec<Option<usize>> {
        let n = self.tensor.shape()[dim];
        if self.summarize && n > 2 * EDGE_ITEMS {
            (0..EDGE_ITEMS)
                .map(Some)
                .chain([None])
                .chain((n - EDGE_ITEMS..n).map(Some))
                .collect()
        } else {
            (0..n).map(Some).collect()
        }
    }

    fn element(&self, offset: usize) -> String {
        format!("{:.*}", self.precision, self.tensor.as_slice()[offset])
    }

    fn max_width(&self, dim: usize, offset: usize) -> usize {
        if dim == self.tensor.ndim() {
            return self.element(offset).len();
        }
        self.shown(dim)
            .into_iter()
            .flatten()
            .map(|i| self.max_width(dim + 1, offset + i * self.strides[dim]))
            .max()
            .unwrap_or(0)
    }

    fn write(&self, out: &mut String, dim: usize, offset: usize) {
        let ndim = self.tensor.ndim();
        if dim == ndim {
            out.push_str(&format!("{:>w$}", self.element(offset), w = self.width));
            return;
        }
        out.push('[');
        let separator = if dim + 1 == ndim {
            " ".to_string()
        } else {
            format!("{}{}", "\n".repeat(ndim - dim - 1), " ".repeat(dim + 1))
        };
        for (k, index) in self.shown(dim).into_iter().enumerate() {
            if k > 0 {
                out.push_str(&separator);
            }
            match index {
                Some(i) => self.write(out, dim + 1, offset + i * self.strides[dim]),
                None => out.push_str("..."),
            }
        }
        out.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_and_empty_print() {
        assert_eq!(format!("{:.2}", Tensor::scalar(1.5f64)), "1.50");
        assert_eq!(format!("{}", Tensor::<f32>::zeros([0])), "[]");
    }

    #[test]
    fn three_dimensions_separate_blocks_by_blank_lines() {
        let t = Tensor::<f64>::arange(8).reshape([2, 2, 2]);
        assert_eq!(format!("{t:.0}"), "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]");
    }
}
