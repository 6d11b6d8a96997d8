//! Reductions over chosen axes (sum, mean, max, min), and the pair that moves
//! between a shape and its broadcast: `broadcast_to` and its adjoint `sum_to`.

use super::for_each_row;
use crate::shape::{
    broadcast_strides, broadcasts_to, normalize_axes, numel, reduced_shape, shape_of, strides,
    Shape,
};
use crate::tensor::pool;
use crate::{Float, Tensor};

/// Folds `x` over `axes` (all axes when empty) with `f`, starting from `init`.
fn reduce<T: Float>(
    op: &str,
    x: &Tensor<T>,
    axes: &[usize],
    keepdim: bool,
    init: T,
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    let axes = normalize_axes(op, axes, x.shape());
    let kept = reduced_shape(x.shape(), &axes, true);
    let (xs, os) = (strides(x.shape()), broadcast_strides(&kept, x.shape()));
    let inner = x.shape().last().copied().unwrap_or(1);
    let inner_reduced = os.last().is_none_or(|&s| s == 0);
    let data = x.as_slice();
    let mut out = pool::take(numel(&kept));
    out.resize(numel(&kept), init);
    for_each_row(x.shape(), [&xs, &os], |[xo, oo]| {
        let row = &data[xo..xo + inner];
        if inner_reduced {
            out[oo] = f(out[oo], fold_lanes(row, init, &f));
        } else {
            out[oo..oo + inner]
                .iter_mut()
                .zip(row)
                .for_each(|(acc, &v)| *acc = f(*acc, v));
        }
    });
    Tensor::from_parts(out, reduced_shape(x.shape(), &axes, keepdim))
}

/// Independent accumulators in [`fold_lanes`]: enough to hide an add's
/// latency and to let the compiler use vector registers.
const LANES: usize = 8;

/// Folds a contiguous row with `f` in [`LANES`] interleaved accumulators,
/// each starting from the identity `init`, then folds those together. One
/// serial chain would be bound by the latency of `f`; this runs about as
/// fast as reducing across rows. The order is fixed, so results are
/// deterministic.
fn fold_lanes<T: Float>(row: &[T], init: T, f: &impl Fn(T, T) -> T) -> T {
    let mut lanes = [init; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = f(*lane, v);
        }
    }
    let folded = lanes.into_iter().fold(init, f);
    tail.iter().fold(folded, |acc, &v| f(acc, v))
}

impl<T: Float> Tensor<T> {
    /// The sum of all elements as a 0-dimensional tensor.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::ones([2, 3]).sum().shape(), &[] as &[usize]);
    /// ```
    pub fn sum(&self) -> Tensor<T> {
        Tensor::scalar(self.sum_all())
    }

    /// Sums over `axes` (all axes when empty), keeping them as size 1 if `keepdim`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([2, 3]);
    /// assert_eq!(t.sum_axes(&[0], false).to_vec(), vec![3.0, 5.0, 7.0]);
    /// assert_eq!(t.sum_axes(&[1], true).shape(), &[2, 1]);
    /// ```
    pub fn sum_axes(&self, axes: &[usize], keepdim: bool) -> Tensor<T> {
        reduce("sum", self, axes, keepdim, T::zero(), |a, b| a + b)
    }

    /// The mean of all elements as a 0-dimensional tensor.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(4).mean().item(), 1.5);
    /// ```
    pub fn mean(&self) -> Tensor<T> {
        self.mean_axes(&[], false)
    }

    /// Means over `axes` (all axes when empty).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([2, 3]);
    /// assert_eq!(t.mean_axes(&[1], false).to_vec(), vec![1.0, 4.0]);
    /// ```
    pub fn mean_axes(&self, axes: &[usize], keepdim: bool) -> Tensor<T> {
        let count = reduced_count("mean", self.shape(), axes);
        let count = T::cast(count as f64);
        self.sum_axes(axes, keepdim).map_owned(move |x| x / count)
    }

    /// Maxima over `axes` (all axes when empty); `-inf` for an empty reduction.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([2, 3]);
    /// assert_eq!(t.max_axes(&[1], false).to_vec(), vec![2.0, 5.0]);
    /// ```
    pub fn max_axes(&self, axes: &[usize], keepdim: bool) -> Tensor<T> {
        reduce("max", self, axes, keepdim, T::neg_infinity(), T::max)
    }

    /// Minima over `axes` (all axes when empty); `+inf` for an empty reduction.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([2, 3]);
    /// assert_eq!(t.min_axes(&[0], true).to_vec(), vec![0.0, 1.0, 2.0]);
    /// ```
    pub fn min_axes(&self, axes: &[usize], keepdim: bool) -> Tensor<T> {
        reduce("min", self, axes, keepdim, T::infinity(), T::min)
    }

    /// Expands the tensor to `shape` by numpy broadcasting, copying the data.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(2).broadcast_to([3, 2]);
    /// assert_eq!(t.to_vec(), vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
    /// ```
    pub fn broadcast_to(&self, shape: impl AsRef<[usize]>) -> Tensor<T> {
        let shape = shape_of(shape);
        assert!(
            broadcasts_to(self.shape(), &shape),
            "broadcast_to: shape {:?} cannot be broadcast to {:?}",
            self.shape(),
            shape.as_slice()
        );
        if self.shape() == shape.as_slice() {
            return self.clone();
        }
        let from = broadcast_strides(self.shape(), &shape);
        let inner = shape.last().copied().unwrap_or(1);
        let inner_stride = from.last().copied().unwrap_or(0);
        let data = self.as_slice();
        let mut out = pool::take(numel(&shape));
        for_each_row(&shape, [&from], |[o]| {
            if inner_stride == 1 {
                out.extend_from_slice(&data[o..o + inner]);
            } else {
                out.extend(std::iter::repeat_n(data[o], inner));
            }
        });
        Tensor::from_parts(out, shape)
    }

    /// Sums a broadcast tensor back down to `shape`, the adjoint of
    /// [`broadcast_to`](Self::broadcast_to): how the gradient of a broadcast
    /// operand is formed.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let g = Tensor::<f32>::ones([3, 2]);
    /// assert_eq!(g.sum_to([2]).to_vec(), vec![3.0, 3.0]);
    /// assert_eq!(g.sum_to([3, 1]).to_vec(), vec![2.0, 2.0, 2.0]);
    /// ```
    pub fn sum_to(&self, shape: impl AsRef<[usize]>) -> Tensor<T> {
        let target = shape.as_ref();
        if self.shape() == target {
            return self.clone();
        }
        assert!(
            broadcasts_to(target, self.shape()),
            "sum_to: shape {:?} cannot be summed down to {:?}",
            self.shape(),
            target
        );
        let lead = self.ndim() - target.len();
        let axes: Shape = (0..self.ndim())
            .filter(|&i| i < lead || (target[i - lead] == 1 && self.shape()[i] != 1))
            .collect();
        self.sum_axes(&axes, true).reshape(target)
    }
}

/// How many elements each output of a reduction over `axes` combines.
pub(crate) fn reduced_count(op: &str, dims: &[usize], axes: &[usize]) -> usize {
    normalize_axes(op, axes, dims)
        .iter()
        .map(|&a| dims[a])
        .product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_middle_axis_and_several_axes() {
        let t = Tensor::<f64>::arange(24).reshape([2, 3, 4]);
        let s = t.sum_axes(&[1], false);
        assert_eq!(s.shape(), &[2, 4]);
        assert_eq!(s.get(&[1, 2]), 14.0 + 18.0 + 22.0);
        let s = t.sum_axes(&[0, 2], true);
        assert_eq!(s.shape(), &[1, 3, 1]);
        assert_eq!(s.to_vec(), vec![60.0, 92.0, 124.0]);
    }

    #[test]
    fn empty_reductions_give_identities() {
        let t = Tensor::<f64>::zeros([0, 3]);
        assert_eq!(t.sum_axes(&[0], false).to_vec(), vec![0.0; 3]);
        assert_eq!(t.max_axes(&[0], false).get(&[0]), f64::NEG_INFINITY);
    }

    #[test]
    #[should_panic(expected = "sum: axis 2 is out of range for shape [2, 3]")]
    fn bad_axis_panics() {
        Tensor::<f64>::zeros([2, 3]).sum_axes(&[2], false);
    }

    #[test]
    #[should_panic(expected = "broadcast_to: shape [3] cannot be broadcast to [2, 4]")]
    fn bad_broadcast_panics() {
        Tensor::<f64>::zeros([3]).broadcast_to([2, 4]);
    }
}
