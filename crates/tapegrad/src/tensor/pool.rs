//! A per-thread pool of tensor buffers, so that a training step reuses the
//! memory of the step before instead of asking the system for fresh pages.
//!
//! A large `f32` or `f64` buffer whose last tensor is dropped goes back to
//! its thread's pool, filed by capacity; kernels that produce a result of
//! that size take it from the pool. Without this, the C allocator returns
//! large freed blocks to the kernel and every step faults its pages in again
//! (about a fifth of a W2 step's time went to page faults). Buffers under
//! [`MIN_POOLED_BYTES`] are left to the allocator, which serves small sizes
//! from memory it keeps anyway.

use std::any::Any;
use std::cell::RefCell;

/// Smaller buffers are not pooled.
const MIN_POOLED_BYTES: usize = 16 * 1024;
/// At most this many idle buffers of one size are kept.
const MAX_PER_SIZE: usize = 64;
/// At most this many idle bytes are kept per thread and element type.
const MAX_POOLED_BYTES: usize = 1 << 30;

/// Idle buffers of one element type, by capacity.
struct Pool<T> {
    by_capacity: Vec<(usize, Vec<Vec<T>>)>,
    bytes: usize,
}

impl<T> Pool<T> {
    const fn new() -> Self {
        Pool {
            by_capacity: Vec::new(),
            bytes: 0,
        }
    }

    fn take(&mut self, len: usize) -> Option<Vec<T>> {
        let (_, idle) = self.by_capacity.iter_mut().find(|(c, _)| *c == len)?;
        let buffer = idle.pop()?;
        self.bytes -= len * std::mem::size_of::<T>();
        Some(buffer)
    }

    fn give(&mut self, mut buffer: Vec<T>) {
        let capacity = buffer.capacity();
        let bytes = capacity * std::mem::size_of::<T>();
        if bytes < MIN_POOLED_BYTES || self.bytes + bytes > MAX_POOLED_BYTES {
            return;
        }
        buffer.clear();
        let slot = match self.by_capacity.iter().position(|(c, _)| *c == capacity) {
            Some(i) => &mut self.by_capacity[i].1,
            None => {
                self.by_capacity.push((capacity, Vec::new()));
                &mut self.by_capacity.last_mut().expect("just pushed").1
            }
        };
        if slot.len() < MAX_PER_SIZE {
            slot.push(buffer);
            self.bytes += bytes;
        }
    }
}

thread_local! {
    static F32: RefCell<Pool<f32>> = const { RefCell::new(Pool::new()) };
    static F64: RefCell<Pool<f64>> = const { RefCell::new(Pool::new()) };
}

/// An empty vector with room for exactly `len` elements, from this thread's
/// pool when it holds one of that capacity.
pub(crate) fn take<T: 'static>(len: usize) -> Vec<T> {
    if len * std::mem::size_of::<T>() < MIN_POOLED_BYTES {
        return Vec::with_capacity(len);
    }
    let mut out: Vec<T> = Vec::new();
    let slot: &mut dyn Any = &mut out;
    let pooled = if let Some(v) = slot.downcast_mut::<Vec<f32>>() {
        F32.try_with(|p| p.borrow_mut().take(len))
            .ok()
            .flatten()
            .map(|b| *v = b)
    } else if let Some(v) = slot.downcast_mut::<Vec<f64>>() {
        F64.try_with(|p| p.borrow_mut().take(len))
            .ok()
            .flatten()
            .map(|b| *v = b)
    } else {
        None
    };
    if pooled.is_none() {
        out = Vec::with_capacity(len);
    }
    out
}

/// Returns a buffer no tensor uses any more to this thread's pool (or to
/// the allocator, if it is small, not `f32`/`f64`, or the pool is full).
pub(crate) fn give<T: 'static>(buffer: Vec<T>) {
    if buffer.capacity() * std::mem::size_of::<T>() < MIN_POOLED_BYTES {
        return;
    }
    let mut buffer = buffer;
    let slot: &mut dyn Any = &mut buffer;
    if let Some(v) = slot.downcast_mut::<Vec<f32>>() {
        let v = std::mem::take(v);
        let _ = F32.try_with(|p| p.borrow_mut().give(v));
    } else if let Some(v) = slot.downcast_mut::<Vec<f64>>() {
        let v = std::mem::take(v);
        let _ = F64.try_with(|p| p.borrow_mut().give(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_buffer_is_reused_and_a_small_one_is_not() {
        let large = take::<f32>(8192);
        let address = large.as_ptr();
        give(large);
        let again = take::<f32>(8192);
        assert_eq!(again.as_ptr(), address);
        assert_eq!((again.len(), again.capacity()), (0, 8192));
        let other_size = take::<f32>(8191);
        assert_ne!(other_size.as_ptr(), address);
        let small = take::<f64>(16);
        assert!(small.capacity() >= 16);
        give(small);
        assert!(F64.with(|p| p.borrow().bytes) == 0);
    }

    #[test]
    fn other_element_types_pass_through() {
        let v = take::<usize>(10_000);
        assert!(v.capacity() >= 10_000);
        give(v);
    }
}
