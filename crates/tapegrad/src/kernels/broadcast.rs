//! Row-wise iteration over a broadcast shape: the one loop every broadcasting
//! kernel is built on.

/// Calls `row(offsets)` for each innermost row of `shape`, in row-major order.
///
/// `strides[k]` gives, per dimension of `shape`, how far operand `k` moves
/// (0 along a broadcast dimension); `offsets[k]` is where operand `k`'s row
/// starts. The row's length is the last dimension (1 for a scalar shape).
/// Nothing is called when the shape has no elements.
pub(crate) fn for_each_row<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
    mut row: impl FnMut([usize; N]),
) {
    if shape.contains(&0) {
        return;
    }
    let Some(outer) = shape.len().checked_sub(1) else {
        row([0; N]);
        return;
    };
    let mut index = smallvec::SmallVec::<[usize; 4]>::from_elem(0, outer);
    let mut offsets = [0usize; N];
    loop {
        row(offsets);
        let mut d = outer;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            for k in 0..N {
                offsets[k] += strides[k][d];
            }
            if index[d] < shape[d] {
                break;
            }
            for k in 0..N {
                offsets[k] -= strides[k][d] * shape[d];
            }
            index[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_rows_with_broadcast_offsets() {
        let mut seen = Vec::new();
        for_each_row(&[2, 3, 4], [&[12, 4, 1], &[0, 1, 0]], |o| seen.push(o));
        assert_eq!(
            seen,
            vec![[0, 0], [4, 1], [8, 2], [12, 0], [16, 1], [20, 2]]
        );
    }

    #[test]
    fn scalar_has_one_row_and_empty_none() {
        let mut count = 0;
        for_each_row::<1>(&[], [&[]], |_| count += 1);
        for_each_row(&[3, 0], [&[0, 1]], |_| count += 1);
        assert_eq!(count, 1);
    }
}
