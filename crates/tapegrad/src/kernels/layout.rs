//! Operations that move elements without arithmetic: reshape, permute,
//! slicing and padding, concatenation, indexing and one-hot encoding.

use super::for_each_row;
use crate::shape::{check_axis, numel, shape_of, strides, Shape};
use crate::tensor::pool;
use crate::{Float, Tensor};

/// A tensor viewed as `[outer, axis, inner]` around one axis.
#[derive(Clone, Copy)]
struct AxisView {
    outer: usize,
    len: usize,
    inner: usize,
}

impl AxisView {
    fn new(dims: &[usize], axis: usize) -> Self {
        AxisView {
            outer: dims[..axis].iter().product(),
            len: dims[axis],
            inner: dims[axis + 1..].iter().product(),
        }
    }
}

/// `dims` with dimension `axis` replaced by `len`.
fn with_dim(dims: &[usize], axis: usize, len: usize) -> Shape {
    let mut out = shape_of(dims);
    out[axis] = len;
    out
}

impl<T: Float> Tensor<T> {
    /// The same elements with another shape of equal element count; shares storage.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([2, 3]);
    /// assert_eq!(t.get(&[1, 0]), 3.0);
    /// ```
    pub fn reshape(&self, shape: impl AsRef<[usize]>) -> Tensor<T> {
        let shape = shape_of(shape);
        assert!(
            numel(&shape) == self.numel(),
            "reshape: cannot reshape {:?} ({} elements) into {:?}",
            self.shape(),
            self.numel(),
            shape.as_slice()
        );
        self.with_shape(shape)
    }

    /// Reorders the axes: output axis `i` is input axis `axes[i]`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([1, 2, 3]).permute(&[2, 0, 1]);
    /// assert_eq!(t.shape(), &[3, 1, 2]);
    /// assert_eq!(t.get(&[2, 0, 1]), 5.0);
    /// ```
    pub fn permute(&self, axes: &[usize]) -> Tensor<T> {
        let mut seen = vec![false; self.ndim()];
        let valid = axes.len() == self.ndim()
            && axes
                .iter()
                .all(|&a| a < seen.len() && !std::mem::replace(&mut seen[a], true));
        assert!(
            valid,
            "permute: {axes:?} is not a permutation of the axes of {:?}",
            self.shape()
        );
        let own = strides(self.shape());
        let shape: Shape = axes.iter().map(|&a| self.shape()[a]).collect();
        let from: Shape = axes.iter().map(|&a| own[a]).collect();
        let inner = shape.last().copied().unwrap_or(1);
        let step = from.last().copied().unwrap_or(0);
        let data = self.as_slice();
        let mut out = pool::take(self.numel());
        for_each_row(&shape, [&from], |[o]| {
            out.extend((0..inner).map(|i| data[o + i * step]));
        });
        Tensor::from_parts(out, shape)
    }

    /// Swaps two axes.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([2, 3]).transpose(0, 1);
    /// assert_eq!(t.to_vec(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    /// ```
    pub fn transpose(&self, a: usize, b: usize) -> Tensor<T> {
        self.permute(&swapped_axes("transpose", self.shape(), a, b))
    }

    /// The elements `start..start + len` along `axis`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([2, 3]).narrow(1, 1, 2);
    /// assert_eq!(t.to_vec(), vec![1.0, 2.0, 4.0, 5.0]);
    /// ```
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Tensor<T> {
        check_axis("narrow", axis, self.shape());
        let v = AxisView::new(self.shape(), axis);
        assert!(
            start.checked_add(len).is_some_and(|end| end <= v.len),
            "narrow: range {start}..{} is out of bounds for axis {axis} of shape {:?}",
            start.saturating_add(len),
            self.shape()
        );
        let data = self.as_slice();
        let mut out = pool::take(v.outer * len * v.inner);
        for o in 0..v.outer {
            let begin = (o * v.len + start) * v.inner;
            out.extend_from_slice(&data[begin..begin + len * v.inner]);
        }
        Tensor::from_parts(out, with_dim(self.shape(), axis, len))
    }

    /// Adds `before` zeros ahead of and `after` zeros behind the elements along `axis`.
    /// It is the adjoint of [`narrow`](Self::narrow).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::ones([2]).pad(0, 1, 2);
    /// assert_eq!(t.to_vec(), vec![0.0, 1.0, 1.0, 0.0, 0.0]);
    /// ```
    pub fn pad(&self, axis: usize, before: usize, after: usize) -> Tensor<T> {
        check_axis("pad", axis, self.shape());
        let v = AxisView::new(self.shape(), axis);
        let len = v.len + before + after;
        let mut out = pool::filled(v.outer * len * v.inner, T::zero());
        let data = self.as_slice();
        for o in 0..v.outer {
            let src = &data[o * v.len * v.inner..(o + 1) * v.len * v.inner];
            let begin = (o * len + before) * v.inner;
            out[begin..begin + src.len()].copy_from_slice(src);
        }
        Tensor::from_parts(out, with_dim(self.shape(), axis, len))
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::<f32>::zeros([2, 1]);
    /// let b = Tensor::<f32>::ones([2, 2]);
    /// assert_eq!(Tensor::concat(&[&a, &b], 1).to_vec(), vec![0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    /// ```
    pub fn concat(tensors: &[&Tensor<T>], axis: usize) -> Tensor<T> {
        let first = tensors.first().expect("concat: needs at least one tensor");
        check_axis("concat", axis, first.shape());
        for t in tensors {
            let agrees = t.ndim() == first.ndim()
                && (0..t.ndim()).all(|d| d == axis || t.shape()[d] == first.shape()[d]);
            assert!(
                agrees,
                "concat: shape {:?} does not match {:?} outside axis {axis}",
                t.shape(),
                first.shape()
            );
        }
        let total: usize = tensors.iter().map(|t| t.shape()[axis]).sum();
        let v = AxisView::new(first.shape(), axis);
        let mut out = pool::take(v.outer * total * v.inner);
        for o in 0..v.outer {
            for t in tensors {
                let chunk = t.shape()[axis] * v.inner;
                out.extend_from_slice(&t.as_slice()[o * chunk..(o + 1) * chunk]);
            }
        }
        Tensor::from_parts(out, with_dim(first.shape(), axis, total))
    }

    /// Stacks equally shaped tensors along a new axis at position `axis`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::<f32>::zeros([3]);
    /// assert_eq!(Tensor::stack(&[&a, &a], 0).shape(), &[2, 3]);
    /// assert_eq!(Tensor::stack(&[&a, &a], 1).shape(), &[3, 2]);
    /// ```
    pub fn stack(tensors: &[&Tensor<T>], axis: usize) -> Tensor<T> {
        let first = tensors.first().expect("stack: needs at least one tensor");
        assert!(
            axis <= first.ndim(),
            "stack: axis {axis} is out of range for shape {:?}",
            first.shape()
        );
        let lifted: Vec<Tensor<T>> = tensors
            .iter()
            .map(|t| {
                assert!(
                    t.shape() == first.shape(),
                    "stack: shape {:?} differs from {:?}",
                    t.shape(),
                    first.shape()
                );
                t.unsqueeze(axis)
            })
            .collect();
        Tensor::concat(&lifted.iter().collect::<Vec<_>>(), axis)
    }

    /// Inserts an axis of size 1 at position `axis`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::zeros([3]).unsqueeze(0).shape(), &[1, 3]);
    /// ```
    pub fn unsqueeze(&self, axis: usize) -> Tensor<T> {
        self.reshape(unsqueezed_shape("unsqueeze", self.shape(), axis))
    }

    /// The entries at `indices` along `axis`, in that order (repeats allowed).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::arange(6).reshape([3, 2]).index_select(0, &[2, 0]);
    /// assert_eq!(t.to_vec(), vec![4.0, 5.0, 0.0, 1.0]);
    /// ```
    pub fn index_select(&self, axis: usize, indices: &[usize]) -> Tensor<T> {
        check_axis("index_select", axis, self.shape());
        let v = AxisView::new(self.shape(), axis);
        check_indices("index_select", indices, v.len, axis);
        let data = self.as_slice();
        let mut out = pool::take(v.outer * indices.len() * v.inner);
        for o in 0..v.outer {
            for &i in indices {
                let begin = (o * v.len + i) * v.inner;
                out.extend_from_slice(&data[begin..begin + v.inner]);
            }
        }
        Tensor::from_parts(out, with_dim(self.shape(), axis, indices.len()))
    }

    /// Adds entry `j` along `axis` into position `indices[j]` of a zero tensor
    /// whose `axis` has length `len`; the adjoint of
    /// [`index_select`](Self::index_select).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::ones([3]).index_add(0, &[1, 1, 0], 2);
    /// assert_eq!(t.to_vec(), vec![1.0, 2.0]);
    /// ```
    pub fn index_add(&self, axis: usize, indices: &[usize], len: usize) -> Tensor<T> {
        check_axis("index_add", axis, self.shape());
        let v = AxisView::new(self.shape(), axis);
        assert!(
            v.len == indices.len(),
            "index_add: {} indices for axis {axis} of shape {:?}",
            indices.len(),
            self.shape()
        );
        check_indices("index_add", indices, len, axis);
        let data = self.as_slice();
        let mut out = pool::filled(v.outer * len * v.inner, T::zero());
        for o in 0..v.outer {
            for (j, &i) in indices.iter().enumerate() {
                let src = &data[(o * v.len + j) * v.inner..][..v.inner];
                let dst = &mut out[(o * len + i) * v.inner..][..v.inner];
                dst.iter_mut().zip(src).for_each(|(d, &s)| *d += s);
            }
        }
        Tensor::from_parts(out, with_dim(self.shape(), axis, len))
    }

    /// Picks along `axis` by a tensor of indices, as `torch.gather`:
    /// `out[.., j, ..] = self[.., index[.., j, ..], ..]`. The index has the
    /// shape of the output and agrees with `self` on every other axis.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::<f32>::arange(6).reshape([2, 3]);
    /// let index = Tensor::from_vec(vec![2, 0], [2, 1])?;
    /// assert_eq!(x.gather(1, &index).to_vec(), vec![2.0, 3.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn gather(&self, axis: usize, index: &Tensor<usize>) -> Tensor<T> {
        check_gather_shapes("gather", self.shape(), index.shape(), axis);
        let v = AxisView::new(self.shape(), axis);
        let picked = index.shape()[axis];
        check_indices("gather", index.as_slice(), v.len, axis);
        let (data, idx) = (self.as_slice(), index.as_slice());
        let mut out = pool::take(index.numel());
        for o in 0..v.outer {
            for j in 0..picked {
                for k in 0..v.inner {
                    let i = idx[(o * picked + j) * v.inner + k];
                    out.push(data[(o * v.len + i) * v.inner + k]);
                }
            }
        }
        Tensor::from_parts(out, shape_of(index.shape()))
    }

    /// Adds each element into the position `index` names along `axis` of a
    /// zero tensor whose `axis` has length `len`; the adjoint of
    /// [`gather`](Self::gather).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let src = Tensor::<f32>::ones([2, 1]);
    /// let index = Tensor::from_vec(vec![2, 0], [2, 1])?;
    /// assert_eq!(src.scatter_add(1, &index, 3).to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn scatter_add(&self, axis: usize, index: &Tensor<usize>, len: usize) -> Tensor<T> {
        assert!(
            self.shape() == index.shape(),
            "scatter_add: source shape {:?} differs from index shape {:?}",
            self.shape(),
            index.shape()
        );
        check_axis("scatter_add", axis, self.shape());
        check_indices("scatter_add", index.as_slice(), len, axis);
        let v = AxisView::new(self.shape(), axis);
        let (data, idx) = (self.as_slice(), index.as_slice());
        let mut out = pool::filled(v.outer * len * v.inner, T::zero());
        for o in 0..v.outer {
            for j in 0..v.len {
                for k in 0..v.inner {
                    let at = (o * v.len + j) * v.inner + k;
                    out[(o * len + idx[at]) * v.inner + k] += data[at];
                }
            }
        }
        Tensor::from_parts(out, with_dim(self.shape(), axis, len))
    }

    /// Rows of `classes` zeros with a one at each label: shape `[labels.len(), classes]`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f32>::one_hot(&[2, 0], 3);
    /// assert_eq!(t.to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    /// ```
    pub fn one_hot(labels: &[usize], classes: usize) -> Tensor<T> {
        check_indices("one_hot", labels, classes, 1);
        let mut out = pool::filled(labels.len() * classes, T::zero());
        for (row, &label) in labels.iter().enumerate() {
            out[row * classes + label] = T::one();
        }
        Tensor::from_parts(out, shape_of([labels.len(), classes]))
    }
}

/// The permutation that swaps axes `a` and `b` of a tensor of shape `dims`.
pub(crate) fn swapped_axes(op: &str, dims: &[usize], a: usize, b: usize) -> Vec<usize> {
    check_axis(op, a, dims);
    check_axis(op, b, dims);
    let mut axes: Vec<usize> = (0..dims.len()).collect();
    axes.swap(a, b);
    axes
}

/// `dims` with a 1 inserted at `axis`.
pub(crate) fn unsqueezed_shape(op: &str, dims: &[usize], axis: usize) -> Shape {
    assert!(
        axis <= dims.len(),
        "{op}: axis {axis} is out of range for shape {dims:?}"
    );
    let mut out = shape_of(dims);
    out.insert(axis, 1);
    out
}

fn check_indices(op: &str, indices: &[usize], len: usize, axis: usize) {
    if let Some(&bad) = indices.iter().find(|&&i| i >= len) {
        panic!("{op}: index {bad} is out of range for axis {axis} of size {len}");
    }
}

fn check_gather_shapes(op: &str, dims: &[usize], index: &[usize], axis: usize) {
    check_axis(op, axis, dims);
    let agrees =
        index.len() == dims.len() && (0..dims.len()).all(|d| d == axis || index[d] == dims[d]);
    assert!(
        agrees,
        "{op}: index shape {index:?} must match {dims:?} on every axis but {axis}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_undoes_narrow() {
        let t = Tensor::<f64>::arange(12).reshape([3, 4]);
        let back = t.narrow(1, 1, 2).pad(1, 1, 1);
        assert_eq!(back.shape(), &[3, 4]);
        assert_eq!(back.get(&[2, 2]), 10.0);
        assert_eq!(back.get(&[2, 3]), 0.0);
    }

    #[test]
    fn gather_and_scatter_add_are_adjoint() {
        let x = Tensor::<f64>::arange(6).reshape([3, 2]).map(|v| v + 1.0);
        let index = Tensor::from_vec(vec![1, 0, 2, 2], [2, 2]).unwrap();
        let picked = x.gather(0, &index);
        assert_eq!(picked.to_vec(), vec![3.0, 2.0, 5.0, 6.0]);
        let y = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2]).unwrap();
        let lhs: f64 = (&picked * &y).sum_all();
        let rhs: f64 = (&x * &y.scatter_add(0, &index, 3)).sum_all();
        assert_eq!(lhs, rhs);
    }

    #[test]
    #[should_panic(expected = "index_select: index 3 is out of range for axis 0 of size 3")]
    fn index_out_of_range_panics() {
        Tensor::<f64>::zeros([3]).index_select(0, &[3]);
    }

    #[test]
    #[should_panic(expected = "reshape: cannot reshape [2, 3] (6 elements) into [4]")]
    fn bad_reshape_panics() {
        Tensor::<f64>::zeros([2, 3]).reshape([4]);
    }

    #[test]
    #[should_panic(expected = "permute: [0, 0] is not a permutation of the axes of [2, 3]")]
    fn bad_permutation_panics() {
        Tensor::<f64>::zeros([2, 3]).permute(&[0, 0]);
    }
}
