//! Matrix products on the `gemm` crate: 2-D and batched with broadcast batch
//! dimensions, transposes passed to the kernel as strides, never copied.

use gemm::Parallelism;

use crate::shape::{broadcast_or_panic, broadcast_strides, numel, Shape};
use crate::tensor::pool;
use crate::{Float, Tensor};

/// Products with fewer multiply-adds than this run on the calling thread:
/// below it, handing work to rayon's pool costs more than it saves (the
/// seed model's 32 x 784 x 32 products ran 1.6x slower on two threads).
const PARALLEL_THRESHOLD: usize = 1 << 22;

/// The shape of one operand as the product sees it: batch dims and a matrix.
struct Operand<'a> {
    batch: &'a [usize],
    rows: usize,
    cols: usize,
    /// Strides of the stored matrix as seen through the optional transpose.
    row_stride: isize,
    col_stride: isize,
}

impl<'a> Operand<'a> {
    fn new(dims: &'a [usize], transposed: bool) -> Self {
        let n = dims.len();
        let (r, c) = (dims[n - 2], dims[n - 1]);
        if transposed {
            Operand {
                batch: &dims[..n - 2],
                rows: c,
                cols: r,
                row_stride: 1,
                col_stride: c as isize,
            }
        } else {
            Operand {
                batch: &dims[..n - 2],
                rows: r,
                cols: c,
                row_stride: c as isize,
                col_stride: 1,
            }
        }
    }
}

impl<T: Float> Tensor<T> {
    /// The matrix product over the last two axes; leading axes are batch axes
    /// and broadcast. Both operands need at least two dimensions.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2])?;
    /// let i = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], [2, 2])?;
    /// assert_eq!(a.matmul(&i), a);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn matmul(&self, other: &Tensor<T>) -> Tensor<T> {
        self.matmul_transposed(other, false, false)
    }

    /// `op(self) · op(other)`, where `op` transposes the last two axes of an
    /// operand whose flag is set; the transpose costs nothing.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::<f64>::arange(6).reshape([2, 3]);
    /// let gram = a.matmul_transposed(&a, false, true);
    /// assert_eq!(gram.to_vec(), vec![5.0, 14.0, 14.0, 50.0]);
    /// ```
    pub fn matmul_transposed(&self, other: &Tensor<T>, ta: bool, tb: bool) -> Tensor<T> {
        let describe =
            |dims: &[usize], t: bool| format!("{dims:?}{}", if t { " (transposed)" } else { "" });
        assert!(
            self.ndim() >= 2 && other.ndim() >= 2,
            "matmul: operands must have at least 2 dimensions, got {} and {}",
            describe(self.shape(), ta),
            describe(other.shape(), tb)
        );
        let (a, b) = (
            Operand::new(self.shape(), ta),
            Operand::new(other.shape(), tb),
        );
        assert!(
            a.cols == b.rows,
            "matmul: cannot multiply {} by {}",
            describe(self.shape(), ta),
            describe(other.shape(), tb)
        );
        let batch = broadcast_or_panic("matmul", a.batch, b.batch);
        let (m, k, n) = (a.rows, a.cols, b.cols);
        let mut shape: Shape = batch.clone();
        shape.extend_from_slice(&[m, n]);
        // gemm writes every element without reading the old values (it is
        // told not to read them), so a recycled buffer needs no zeroing.
        let mut out = pool::take_to_overwrite(numel(&shape));
        if k == 0 || out.is_empty() {
            out.fill(T::zero());
            return Tensor::from_parts(out, shape);
        }
        let a_batch = broadcast_strides(a.batch, &batch);
        let b_batch = broadcast_strides(b.batch, &batch);
        let count = numel(&batch);
        for i in 0..count {
            let (mut ia, mut ib, mut rest) = (0, 0, i);
            for d in (0..batch.len()).rev() {
                let pos = rest % batch[d];
                rest /= batch[d];
                ia += pos * a_batch[d];
                ib += pos * b_batch[d];
            }
            let lhs = &self.as_slice()[ia * m * k..][..m * k];
            let rhs = &other.as_slice()[ib * k * n..][..k * n];
            let dst = &mut out[i * m * n..][..m * n];
            gemm_into(dst, lhs, &a, rhs, &b, (m, k, n));
        }
        Tensor::from_parts(out, shape)
    }
}

/// `dst = lhs · rhs` for one matrix of the batch.
fn gemm_into<T: Float>(
    dst: &mut [T],
    lhs: &[T],
    a: &Operand<'_>,
    rhs: &[T],
    b: &Operand<'_>,
    (m, k, n): (usize, usize, usize),
) {
    let parallelism = if m * n * k >= PARALLEL_THRESHOLD && rayon::current_num_threads() > 1 {
        Parallelism::Rayon(0)
    } else {
        Parallelism::None
    };
    // SAFETY: `dst` holds m*n elements written row-major (row stride n, column
    // stride 1). `lhs` holds the m*k elements of op(A) and `rhs` the k*n
    // elements of op(B); every (row, col) visited under the given strides lies
    // inside them because the strides describe those same contiguous matrices,
    // possibly transposed. `T` is f32 or f64 (the trait is sealed), both of
    // which gemm supports. The slices do not overlap: `dst` is uniquely borrowed.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.as_ptr(),
            a.col_stride,
            a.row_stride,
            rhs.as_ptr(),
            b.col_stride,
            b.row_stride,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook triple loop, as the reference the gemm path is tested against.
    fn naive(a: &Tensor<f64>, b: &Tensor<f64>) -> Tensor<f64> {
        let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
        Tensor::from_fn([m, n], |i| {
            (0..k)
                .map(|p| a.get(&[i / n, p]) * b.get(&[p, i % n]))
                .sum()
        })
    }

    #[test]
    fn matches_the_triple_loop_with_and_without_transposes() {
        let a = Tensor::<f64>::from_fn([5, 7], |i| (i as f64 * 0.37).sin());
        let b = Tensor::<f64>::from_fn([7, 3], |i| (i as f64 * 0.11).cos());
        let expected = naive(&a, &b);
        let cases = [
            a.matmul(&b),
            a.transpose(0, 1).matmul_transposed(&b, true, false),
            a.matmul_transposed(&b.transpose(0, 1), false, true),
            a.transpose(0, 1)
                .matmul_transposed(&b.transpose(0, 1), true, true),
        ];
        for got in cases {
            for (x, y) in got.as_slice().iter().zip(expected.as_slice()) {
                assert!((x - y).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn batch_dimensions_broadcast() {
        let a = Tensor::<f64>::from_fn([2, 1, 2, 3], |i| i as f64);
        let b = Tensor::<f64>::from_fn([3, 3, 4], |i| (i % 5) as f64);
        let out = a.matmul(&b);
        assert_eq!(out.shape(), &[2, 3, 2, 4]);
        let a1 = a.narrow(0, 1, 1).reshape([2, 3]);
        let b2 = b.narrow(0, 2, 1).reshape([3, 4]);
        let expected = naive(&a1, &b2);
        let got = out.narrow(0, 1, 1).narrow(1, 2, 1).reshape([2, 4]);
        assert_eq!(got, expected);
    }

    #[test]
    #[should_panic(expected = "matmul: cannot multiply [2, 3] by [4, 5]")]
    fn mismatched_inner_dimensions_panic() {
        Tensor::<f64>::zeros([2, 3]).matmul(&Tensor::zeros([4, 5]));
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() {
        Tensor::<f32>::full([2, 3], f32::NAN); // a recycled buffer full of NaN
        let out = Tensor::<f32>::zeros([2, 0]).matmul(&Tensor::zeros([0, 3]));
        assert_eq!(out.to_vec(), vec![0.0; 6]);
    }

    /// The output buffer comes from the pool with old contents; each of
    /// gemm's paths (vector-matrix, matrix-vector, small, blocked,
    /// transposed) must overwrite it without reading it.
    #[test]
    fn old_contents_of_a_recycled_output_buffer_are_ignored() {
        for (m, k, n) in [(1, 9, 7), (7, 9, 1), (3, 4, 5), (16, 16, 16), (70, 300, 45)] {
            let a = Tensor::<f64>::from_fn([m, k], |i| (i as f64 * 0.37).sin());
            let b = Tensor::<f64>::from_fn([k, n], |i| (i as f64 * 0.11).cos());
            let expected = naive(&a, &b);
            let (at, bt) = (a.transpose(0, 1), b.transpose(0, 1));
            for transposed in [false, true] {
                drop(Tensor::<f64>::full([m, n], f64::NAN));
                let got = if transposed {
                    at.matmul_transposed(&bt, true, true)
                } else {
                    a.matmul(&b)
                };
                for (x, y) in got.as_slice().iter().zip(expected.as_slice()) {
                    assert!((x - y).abs() < 1e-12, "{m}x{k}x{n}: {x} vs {y}");
                }
            }
        }
    }
}
