//! Shapes: dimension lists, element counts, row-major strides and numpy broadcasting.

use smallvec::SmallVec;

/// The dimensions of a tensor, outermost first. Up to four dimensions live inline.
pub type Shape = SmallVec<[usize; 4]>;

/// Builds a [`Shape`] from anything that lists dimensions.
///
/// ```
/// use tapegrad::shape::shape_of;
/// assert_eq!(shape_of([2, 3]).as_slice(), &[2, 3]);
/// ```
pub fn shape_of(dims: impl AsRef<[usize]>) -> Shape {
    SmallVec::from_slice(dims.as_ref())
}

/// The number of elements of `dims`, or `None` if the product overflows `usize`.
///
/// ```
/// use tapegrad::shape::checked_numel;
/// assert_eq!(checked_numel(&[2, 3, 4]), Some(24));
/// assert_eq!(checked_numel(&[]), Some(1));
/// assert_eq!(checked_numel(&[usize::MAX, 2]), None);
/// ```
pub fn checked_numel(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// The number of elements of `dims`; panics, naming the shape, if it overflows.
pub(crate) fn numel(dims: &[usize]) -> usize {
    checked_numel(dims)
        .unwrap_or_else(|| panic!("shape {dims:?} has more elements than fit in usize"))
}

/// Row-major strides (in elements) of a contiguous tensor of shape `dims`.
pub(crate) fn strides(dims: &[usize]) -> Shape {
    let mut s: Shape = SmallVec::from_elem(1, dims.len());
    for i in (0..dims.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * dims[i + 1];
    }
    s
}

/// The numpy broadcast of two shapes; `None` if they are incompatible.
///
/// ```
/// use tapegrad::shape::broadcast_shapes;
/// assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap().as_slice(), &[3, 4]);
/// assert!(broadcast_shapes(&[3], &[4]).is_none());
/// ```
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Shape> {
    let n = a.len().max(b.len());
    let mut out: Shape = SmallVec::with_capacity(n);
    for i in 0..n {
        let da = dim_from_right(a, n - 1 - i);
        let db = dim_from_right(b, n - 1 - i);
        out.push(match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        });
    }
    Some(out)
}

/// Like [`broadcast_shapes`], but panics with a message naming `op` and both shapes.
pub(crate) fn broadcast_or_panic(op: &str, a: &[usize], b: &[usize]) -> Shape {
    broadcast_shapes(a, b)
        .unwrap_or_else(|| panic!("{op}: shapes {a:?} and {b:?} cannot be broadcast together"))
}

/// Whether a tensor of shape `from` broadcasts to exactly `to`.
pub(crate) fn broadcasts_to(from: &[usize], to: &[usize]) -> bool {
    from.len() <= to.len() && broadcast_shapes(from, to).is_some_and(|s| s.as_slice() == to)
}

/// Strides that read a contiguous tensor of shape `from` as if it had shape `to`:
/// zero along every broadcast dimension. `from` must broadcast to `to`.
pub(crate) fn broadcast_strides(from: &[usize], to: &[usize]) -> Shape {
    let own = strides(from);
    let lead = to.len() - from.len();
    (0..to.len())
        .map(|i| {
            if i < lead || from[i - lead] == 1 {
                0
            } else {
                own[i - lead]
            }
        })
        .collect()
}

/// Dimension `i` counted from the right (0 is the last), or 1 past the front.
fn dim_from_right(dims: &[usize], i: usize) -> usize {
    if i < dims.len() {
        dims[dims.len() - 1 - i]
    } else {
        1
    }
}

/// Checks that `axis` is valid for a tensor of rank `ndim`, panicking with `op` named.
pub(crate) fn check_axis(op: &str, axis: usize, dims: &[usize]) {
    assert!(
        axis < dims.len(),
        "{op}: axis {axis} is out of range for shape {dims:?}"
    );
}

/// The axes of a reduction, sorted and de-duplicated; all axes when `axes` is empty.
pub(crate) fn normalize_axes(op: &str, axes: &[usize], dims: &[usize]) -> SmallVec<[usize; 4]> {
    if axes.is_empty() {
        return (0..dims.len()).collect();
    }
    let mut out: SmallVec<[usize; 4]> = SmallVec::from_slice(axes);
    for &a in &out {
        check_axis(op, a, dims);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The shape left after reducing `axes` (sorted) of `dims`, keeping them as 1 or dropping them.
pub(crate) fn reduced_shape(dims: &[usize], axes: &[usize], keepdim: bool) -> Shape {
    dims.iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdim) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_are_row_major() {
        assert_eq!(strides(&[2, 3, 4]).as_slice(), &[12, 4, 1]);
        assert_eq!(strides(&[]).as_slice(), &[] as &[usize]);
    }

    #[test]
    fn broadcast_strides_zero_the_expanded_axes() {
        assert_eq!(
            broadcast_strides(&[3, 1], &[2, 3, 4]).as_slice(),
            &[0, 1, 0]
        );
    }

    #[test]
    fn reduced_shape_keeps_or_drops() {
        assert_eq!(reduced_shape(&[2, 3, 4], &[1], true).as_slice(), &[2, 1, 4]);
        assert_eq!(reduced_shape(&[2, 3, 4], &[0, 2], false).as_slice(), &[3]);
    }

    #[test]
    fn broadcasts_to_requires_exact_target() {
        assert!(broadcasts_to(&[3, 1], &[2, 3, 4]));
        assert!(!broadcasts_to(&[2, 3, 4], &[3, 4]));
    }
}
