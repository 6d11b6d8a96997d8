//! Numerically stable softmax, log-softmax and log-sum-exp along an axis.

use super::elementwise::map_into;
use crate::shape::{check_axis, shape_of};
use crate::tensor::pool;
use crate::{Float, Tensor};

impl<T: Float> Tensor<T> {
    /// `log(sum(exp(x)))` along `axis`, shifted by the maximum so that it
    /// neither overflows nor underflows.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::from_vec(vec![1e4, 1e4], [2])?;
    /// let lse = t.logsumexp(0, false).item();
    /// assert!((lse - (1e4 + 2f64.ln())).abs() < 1e-9);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn logsumexp(&self, axis: usize, keepdim: bool) -> Tensor<T> {
        check_axis("logsumexp", axis, self.shape());
        let shift = self.max_axes(&[axis], true).map_owned(finite_or_zero);
        let sum = (self - &shift).exp().sum_axes(&[axis], true);
        let lse = sum.ln() + shift;
        if keepdim {
            lse
        } else {
            let dims: Vec<usize> = lse
                .shape()
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != axis)
                .map(|(_, &d)| d)
                .collect();
            lse.reshape(dims)
        }
    }

    /// `x - logsumexp(x)` along `axis`: log-probabilities, stable for any input.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::from_vec(vec![-1e4, 0.0, 1e4], [1, 3])?;
    /// let lp = t.log_softmax(1);
    /// assert!(lp.all_finite());
    /// assert_eq!(lp.get(&[0, 2]), 0.0);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn log_softmax(&self, axis: usize) -> Tensor<T> {
        check_axis("log_softmax", axis, self.shape());
        if axis + 1 == self.ndim() {
            return self.log_softmax_last_axis();
        }
        self - &self.logsumexp(axis, true)
    }

    /// `exp(x) / sum(exp(x))` along `axis`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let p = Tensor::<f64>::arange(3).softmax(0);
    /// assert!((p.sum_all() - 1.0).abs() < 1e-12);
    /// ```
    pub fn softmax(&self, axis: usize) -> Tensor<T> {
        self.log_softmax(axis).map_owned(T::kernel_exp)
    }

    /// Each row shifted by its maximum, minus the log of its sum of
    /// exponentials. The exponentials of all rows are taken in one
    /// vectorised pass, not row by row (rows are often short: 10 classes).
    fn log_softmax_last_axis(&self) -> Tensor<T> {
        let n = self.shape().last().copied().unwrap_or(1);
        let mut out = pool::take_to_overwrite(self.numel());
        if n > 0 {
            for (row, x) in out.chunks_exact_mut(n).zip(self.as_slice().chunks_exact(n)) {
                let max = finite_or_zero(x.iter().copied().fold(T::neg_infinity(), T::max));
                row.iter_mut().zip(x).for_each(|(r, &v)| *r = v - max);
            }
            let mut exps = pool::take_to_overwrite(out.len());
            map_into(&mut exps, &out, &T::kernel_exp);
            for (row, e) in out.chunks_exact_mut(n).zip(exps.chunks_exact(n)) {
                let log_sum = e.iter().copied().sum::<T>().ln();
                row.iter_mut().for_each(|r| *r -= log_sum);
            }
            pool::give(exps);
        }
        Tensor::from_parts(out, shape_of(self.shape()))
    }
}

/// The shift used for stability: infinite maxima (all `-inf` rows) become 0.
fn finite_or_zero<T: Float>(m: T) -> T {
    if m.is_finite() {
        m
    } else {
        T::zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_softmax_agrees_on_every_axis() {
        let t = Tensor::<f64>::arange(12)
            .reshape([3, 4])
            .map(|x| (x * 0.7).sin());
        let by_rows = t.log_softmax(1);
        let by_cols = t.transpose(0, 1).log_softmax(0).transpose(0, 1);
        for (a, b) in by_rows.as_slice().iter().zip(by_cols.as_slice()) {
            assert!((a - b).abs() < 1e-12);
        }
        for r in 0..3 {
            let total: f64 = (0..4).map(|c| by_rows.get(&[r, c]).exp()).sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
    }
}
