//! [`Tensor`]: an immutable, n-dimensional, row-major array with shared storage.
//!
//! Cloning a tensor copies a pointer, not the data. Every operation returns a
//! new tensor; the eager operations live in the `kernels` modules and are
//! methods on `Tensor`, and the same operations on a [`Var`](crate::Var) are
//! recorded on a tape.

mod display;
mod error;
pub(crate) mod pool;
mod random;

pub use error::TensorError;

use std::mem::ManuallyDrop;
use std::sync::Arc;

use crate::shape::{checked_numel, numel, shape_of, strides, Shape};
use crate::Float;

/// An n-dimensional array in row-major order.
///
/// `T` is usually `f32` or `f64`; masks are `Tensor<bool>` and indices
/// `Tensor<usize>`. The storage is shared between clones, so a clone is cheap
/// and a tensor can be sent to and shared between threads.
///
/// ```
/// use tapegrad::Tensor;
/// let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3])?;
/// assert_eq!(t.shape(), &[2, 3]);
/// assert_eq!(t.get(&[1, 0]), 4.0);
/// assert_eq!(t.sum_all(), 21.0);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Tensor<T: 'static> {
    /// Dropped by hand, in `Drop`, so that it can go back to the [`pool`].
    data: ManuallyDrop<Arc<Storage<T>>>,
    shape: Shape,
}

/// A tensor's elements. When the last tensor sharing them is dropped, the
/// buffer and its shared allocation go back to the thread's [`pool`].
#[derive(PartialEq)]
struct Storage<T: 'static>(Vec<T>);

impl<T: 'static> Drop for Tensor<T> {
    fn drop(&mut self) {
        // SAFETY: `self.data` is taken exactly once, here, as the tensor is
        // dropped; nothing reads it afterwards.
        let data = unsafe { ManuallyDrop::take(&mut self.data) };
        pool::recycle(data);
    }
}

impl<T: Clone + 'static> Clone for Storage<T> {
    fn clone(&self) -> Self {
        let mut copy = pool::take(self.0.len());
        copy.extend_from_slice(&self.0);
        Storage(copy)
    }
}

impl<T: 'static> Drop for Storage<T> {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.0));
    }
}

impl<T: 'static> Tensor<T> {
    /// A tensor of `shape` holding `data` in row-major order.
    ///
    /// Returns [`TensorError::LengthMismatch`] if `data.len()` is not the
    /// product of the dimensions, or [`TensorError::TooLarge`] if that product
    /// overflows.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert!(Tensor::from_vec(vec![1.0f32, 2.0], [3]).is_err());
    /// ```
    pub fn from_vec(data: Vec<T>, shape: impl AsRef<[usize]>) -> Result<Self, TensorError> {
        let shape = shape_of(shape);
        let expected = checked_numel(&shape).ok_or_else(|| TensorError::TooLarge {
            shape: shape.to_vec(),
        })?;
        if expected != data.len() {
            return Err(TensorError::LengthMismatch {
                len: data.len(),
                shape: shape.to_vec(),
            });
        }
        Ok(Tensor::from_parts(data, shape))
    }

    /// Like [`from_vec`](Self::from_vec) for data whose length is known to match;
    /// used by kernels that computed the shape themselves.
    pub(crate) fn from_parts(data: Vec<T>, shape: Shape) -> Self {
        debug_assert_eq!(data.len(), numel(&shape));
        Tensor {
            data: ManuallyDrop::new(pool::share(data)),
            shape,
        }
    }

    /// A tensor of `shape` holding a copy of `data` in row-major order; the
    /// same checks as [`from_vec`](Self::from_vec).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let labels = [2usize, 0, 1];
    /// let index = Tensor::from_slice(&labels, [3, 1])?;
    /// assert_eq!(index.as_slice(), &labels);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn from_slice(data: &[T], shape: impl AsRef<[usize]>) -> Result<Self, TensorError>
    where
        T: Clone,
    {
        let mut copy = pool::take(data.len());
        copy.extend_from_slice(data);
        Tensor::from_vec(copy, shape)
    }

    /// The dimensions, outermost first.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::zeros([4, 1]).shape(), &[4, 1]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of dimensions.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::scalar(1.0f64).ndim(), 0);
    /// ```
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::zeros([2, 0, 3]).numel(), 0);
    /// ```
    pub fn numel(&self) -> usize {
        self.data.0.len()
    }

    /// The elements in row-major order.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::ones([2]).as_slice(), &[1.0, 1.0]);
    /// ```
    pub fn as_slice(&self) -> &[T] {
        &self.data.0
    }

    /// Whether this tensor and `other` share one buffer (are clones of each other).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::<f32>::zeros([3]);
    /// assert!(a.shares_storage(&a.clone()));
    /// ```
    pub fn shares_storage(&self, other: &Tensor<T>) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }

    /// The same data viewed with another shape of equal element count; no copy.
    pub(crate) fn with_shape(&self, shape: Shape) -> Self {
        debug_assert_eq!(numel(&shape), self.data.0.len());
        Tensor {
            data: ManuallyDrop::new(Arc::clone(&self.data)),
            shape,
        }
    }

    /// The storage if this tensor holds the only reference to it.
    pub(crate) fn unique_data_mut(&mut self) -> Option<&mut Vec<T>> {
        Arc::get_mut(&mut *self.data).map(|s| &mut s.0)
    }

    /// The row-major offset of a multi-index, panicking if it is out of bounds.
    fn offset(&self, index: &[usize]) -> usize {
        assert!(
            index.len() == self.shape.len() && index.iter().zip(&self.shape).all(|(i, d)| i < d),
            "index {index:?} is out of bounds for shape {:?}",
            self.shape.as_slice()
        );
        index
            .iter()
            .zip(strides(&self.shape))
            .map(|(i, s)| i * s)
            .sum()
    }
}

impl<T: Clone + 'static> Tensor<T> {
    /// A tensor of `shape` with every element equal to `value`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([2], 7u8).to_vec(), vec![7, 7]);
    /// ```
    pub fn full(shape: impl AsRef<[usize]>, value: T) -> Self {
        let shape = shape_of(shape);
        Self::from_parts(pool::filled(numel(&shape), value), shape)
    }

    /// A 0-dimensional tensor holding one value.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::scalar(2.5f32).item(), 2.5);
    /// ```
    pub fn scalar(value: T) -> Self {
        Self::from_parts(pool::filled(1, value), Shape::new())
    }

    /// The element at a multi-index; panics if the index is out of bounds.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::from_vec(vec![1, 2, 3, 4], [2, 2])?;
    /// assert_eq!(t.get(&[1, 1]), 4);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn get(&self, index: &[usize]) -> T {
        self.data.0[self.offset(index)].clone()
    }

    /// The single element of a tensor with exactly one element.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full([1, 1], 3.0f64).item(), 3.0);
    /// ```
    pub fn item(&self) -> T {
        assert!(
            self.data.0.len() == 1,
            "item: tensor of shape {:?} does not have exactly one element",
            self.shape.as_slice()
        );
        self.data.0[0].clone()
    }

    /// The elements in row-major order, copied out.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::zeros([2]).to_vec(), vec![0.0, 0.0]);
    /// ```
    pub fn to_vec(&self) -> Vec<T> {
        let mut out = pool::take(self.numel());
        out.extend_from_slice(&self.data.0);
        out
    }

    /// A mutable view of the elements, copying the storage first if it is shared.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::<f32>::zeros([2]);
    /// let mut b = a.clone();
    /// b.make_mut()[0] = 1.0;
    /// assert_eq!((a.to_vec(), b.to_vec()), (vec![0.0, 0.0], vec![1.0, 0.0]));
    /// ```
    pub fn make_mut(&mut self) -> &mut [T] {
        Arc::make_mut(&mut *self.data).0.as_mut_slice()
    }
}

impl<T: Float> Tensor<T> {
    /// A tensor of zeros.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::zeros([3]).sum_all(), 0.0);
    /// ```
    pub fn zeros(shape: impl AsRef<[usize]>) -> Self {
        Self::full(shape, T::zero())
    }

    /// A tensor of ones.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::ones([2, 2]).sum_all(), 4.0);
    /// ```
    pub fn ones(shape: impl AsRef<[usize]>) -> Self {
        Self::full(shape, T::one())
    }

    /// The 1-D tensor `[0, 1, ..., n - 1]`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(3).to_vec(), vec![0.0, 1.0, 2.0]);
    /// ```
    pub fn arange(n: usize) -> Self {
        Self::from_fn([n], |i| T::cast(i as f64))
    }

    /// A tensor of `shape` whose element at each row-major position `i` is `f(i)`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::<f64>::from_fn([2, 2], |i| i as f64 * 10.0);
    /// assert_eq!(t.to_vec(), vec![0.0, 10.0, 20.0, 30.0]);
    /// ```
    pub fn from_fn(shape: impl AsRef<[usize]>, f: impl FnMut(usize) -> T) -> Self {
        let shape = shape_of(shape);
        let mut data = pool::take(numel(&shape));
        data.extend((0..numel(&shape)).map(f));
        Self::from_parts(data, shape)
    }

    /// The sum of all elements, as a plain number.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(4).sum_all(), 6.0);
    /// ```
    pub fn sum_all(&self) -> T {
        self.data.0.iter().copied().sum()
    }

    /// The same values converted to another float type.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t: Tensor<f32> = Tensor::<f64>::ones([2]).cast();
    /// assert_eq!(t.to_vec(), vec![1.0f32, 1.0]);
    /// ```
    pub fn cast<U: Float>(&self) -> Tensor<U> {
        let mut data = pool::take(self.numel());
        data.extend(self.data.0.iter().map(|x| U::cast(x.as_f64())));
        Tensor::from_parts(data, self.shape.clone())
    }

    /// Whether every element is finite (neither NaN nor infinite).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert!(!Tensor::scalar(f64::NAN).all_finite());
    /// ```
    pub fn all_finite(&self) -> bool {
        self.data.0.iter().all(|x| x.is_finite())
    }
}

impl Tensor<bool> {
    /// A mask as numbers: 1 where true, 0 where false.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let m = Tensor::from_vec(vec![true, false], [2])?;
    /// assert_eq!(m.to_float::<f32>().to_vec(), vec![1.0, 0.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn to_float<T: Float>(&self) -> Tensor<T> {
        let mut data = pool::take(self.numel());
        data.extend(
            self.data
                .0
                .iter()
                .map(|&b| if b { T::one() } else { T::zero() }),
        );
        Tensor::from_parts(data, self.shape.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_checks_length_and_overflow() {
        let err = Tensor::from_vec(vec![1.0f64; 5], [2, 3]).unwrap_err();
        assert_eq!(
            err,
            TensorError::LengthMismatch {
                len: 5,
                shape: vec![2, 3]
            }
        );
        let err = Tensor::<f64>::from_vec(vec![], [usize::MAX, 3]).unwrap_err();
        assert!(matches!(err, TensorError::TooLarge { .. }));
    }

    #[test]
    fn clones_share_and_make_mut_copies_on_write() {
        let a = Tensor::<f32>::arange(4);
        let mut b = a.clone();
        assert!(a.shares_storage(&b));
        b.make_mut()[3] = 9.0;
        assert!(!a.shares_storage(&b));
        assert_eq!(a.get(&[3]), 3.0);
    }

    #[test]
    #[should_panic(expected = "index [2, 0] is out of bounds for shape [2, 2]")]
    fn get_out_of_bounds_panics_with_shape() {
        Tensor::<f32>::zeros([2, 2]).get(&[2, 0]);
    }

    #[test]
    fn tensors_are_send_and_sync() {
        fn assert_send_sync<X: Send + Sync>() {}
        assert_send_sync::<Tensor<f32>>();
    }
}
