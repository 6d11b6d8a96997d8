//! Comparisons that produce boolean masks, and `where_`, which selects by one.

use super::elementwise::zip_map;
use super::for_each_row;
use crate::shape::{broadcast_or_panic, broadcast_strides, numel};
use crate::tensor::pool;
use crate::{Float, Tensor};

/// Declares broadcasting comparison methods returning `Tensor<bool>`.
macro_rules! comparisons {
    ($($(#[$doc:meta])* $name:ident => $f:expr;)*) => {
        impl<T: Float> Tensor<T> {
            $(
                $(#[$doc])*
                pub fn $name(&self, other: &Tensor<T>) -> Tensor<bool> {
                    zip_map(stringify!($name), self, other, $f)
                }
            )*
        }
    };
}

comparisons! {
    /// Elementwise `self > other`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let m = Tensor::<f32>::arange(3).gt(&Tensor::scalar(0.5));
    /// assert_eq!(m.to_vec(), vec![false, true, true]);
    /// ```
    gt => |x, y| x > y;
    /// Elementwise `self >= other`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(2).ge(&Tensor::scalar(1.0)).to_vec(), vec![false, true]);
    /// ```
    ge => |x, y| x >= y;
    /// Elementwise `self < other`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(2).lt(&Tensor::scalar(1.0)).to_vec(), vec![true, false]);
    /// ```
    lt => |x, y| x < y;
    /// Elementwise `self <= other`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(2).le(&Tensor::scalar(0.0)).to_vec(), vec![true, false]);
    /// ```
    le => |x, y| x <= y;
    /// Elementwise `self == other`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(2).eq_elem(&Tensor::scalar(1.0)).to_vec(), vec![false, true]);
    /// ```
    eq_elem => |x, y| x == y;
    /// Elementwise `self != other`, broadcasting.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::arange(2).ne_elem(&Tensor::scalar(1.0)).to_vec(), vec![true, false]);
    /// ```
    ne_elem => |x, y| x != y;
}

impl<T: Float> Tensor<T> {
    /// Picks `on_true` where `mask` holds and `on_false` elsewhere; all three
    /// broadcast together.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![-1.0f32, 2.0], [2])?;
    /// let relu = Tensor::where_(&x.gt(&Tensor::scalar(0.0)), &x, &Tensor::scalar(0.0));
    /// assert_eq!(relu.to_vec(), vec![0.0, 2.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn where_(mask: &Tensor<bool>, on_true: &Tensor<T>, on_false: &Tensor<T>) -> Tensor<T> {
        let values = broadcast_or_panic("where", on_true.shape(), on_false.shape());
        let shape = broadcast_or_panic("where", mask.shape(), &values);
        let strides = [
            broadcast_strides(mask.shape(), &shape),
            broadcast_strides(on_true.shape(), &shape),
            broadcast_strides(on_false.shape(), &shape),
        ];
        let inner = shape.last().copied().unwrap_or(1);
        let inner_strides = strides.clone().map(|s| s.last().copied().unwrap_or(0));
        let (m, a, b) = (mask.as_slice(), on_true.as_slice(), on_false.as_slice());
        let mut out = pool::take(numel(&shape));
        for_each_row(
            &shape,
            [&strides[0], &strides[1], &strides[2]],
            |[om, oa, ob]| {
                out.extend((0..inner).map(|i| {
                    if m[om + i * inner_strides[0]] {
                        a[oa + i * inner_strides[1]]
                    } else {
                        b[ob + i * inner_strides[2]]
                    }
                }));
            },
        );
        Tensor::from_parts(out, shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_broadcasts_mask_and_values() {
        let mask = Tensor::from_vec(vec![true, false], [2, 1]).unwrap();
        let a = Tensor::<f64>::arange(3);
        let out = Tensor::where_(&mask, &a, &Tensor::scalar(-1.0));
        assert_eq!(out.shape(), &[2, 3]);
        assert_eq!(out.to_vec(), vec![0.0, 1.0, 2.0, -1.0, -1.0, -1.0]);
    }
}
