//! A per-thread pool of tensor storage, so that a warm training step reuses
//! the memory of the step before instead of asking the allocator again.
//!
//! Two things are recycled. A buffer (`Vec`) whose last tensor is dropped
//! goes back to its thread's pool, filed by capacity, with its contents
//! left as they were; kernels that produce a result of that size take it
//! back. And the shared allocation a tensor's buffer lives in (the `Arc`
//! around it) is kept, emptied, for the next tensor. Without the buffer
//! pool, the C allocator returns large freed blocks to the kernel and every
//! step faults its pages in again (about a fifth of a W2 step's time went to
//! page faults); without the rest, each operation costs two small
//! allocations and frees.
//!
//! `f32`, `f64` and `usize` (index) tensors are pooled; other element types
//! go to the allocator. The pool's size is bounded (see the constants).

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::mem::size_of;
use std::sync::Arc;
use std::thread::LocalKey;

use super::Storage;
use crate::Float;

/// Idle buffers of one capacity are kept while there are fewer than this
/// many of them...
const MIN_PER_CAPACITY: usize = 64;
/// ...or while they hold at most this many bytes together, so that a long
/// chain of small tensors (W3: a thousand 16-element tensors alive at once)
/// is recycled whole.
const BYTES_PER_CAPACITY: usize = 4 << 20;
/// At most this many different capacities are pooled per thread and type.
const MAX_CAPACITIES: usize = 128;
/// At most this many idle bytes are kept per thread and element type.
const MAX_POOLED_BYTES: usize = 1 << 30;
/// At most this many idle, empty storage allocations are kept per thread
/// and element type.
const MAX_SHELLS: usize = 1 << 16;

/// One thread's idle storage of one element type.
struct Pool<T: 'static> {
    /// Buffers by capacity; each keeps its old (initialised) elements.
    by_capacity: Vec<(usize, Vec<Vec<T>>)>,
    bytes: usize,
    /// Shared allocations holding an empty `Vec`, not referenced elsewhere.
    shells: Vec<Arc<Storage<T>>>,
}

impl<T: 'static> Pool<T> {
    const fn new() -> Self {
        Pool {
            by_capacity: Vec::new(),
            bytes: 0,
            shells: Vec::new(),
        }
    }

    fn take(&mut self, capacity: usize) -> Option<Vec<T>> {
        let (_, idle) = self.by_capacity.iter_mut().find(|(c, _)| *c == capacity)?;
        let buffer = idle.pop()?;
        self.bytes -= capacity * size_of::<T>();
        Some(buffer)
    }

    /// Keeps `buffer`, or hands it back if the pool is full.
    fn give(&mut self, buffer: Vec<T>) -> Option<Vec<T>> {
        let capacity = buffer.capacity();
        let bytes = capacity * size_of::<T>();
        if self.bytes + bytes > MAX_POOLED_BYTES {
            return Some(buffer);
        }
        let index = match self.by_capacity.iter().position(|(c, _)| *c == capacity) {
            Some(i) => i,
            None if self.by_capacity.len() < MAX_CAPACITIES => {
                self.by_capacity.push((capacity, Vec::new()));
                self.by_capacity.len() - 1
            }
            None => return Some(buffer),
        };
        let idle = &mut self.by_capacity[index].1;
        if idle.len() >= MIN_PER_CAPACITY && (idle.len() + 1) * bytes > BYTES_PER_CAPACITY {
            return Some(buffer);
        }
        idle.push(buffer);
        self.bytes += bytes;
        None
    }
}

thread_local! {
    static F32: RefCell<Pool<f32>> = const { RefCell::new(Pool::new()) };
    static F64: RefCell<Pool<f64>> = const { RefCell::new(Pool::new()) };
    static USIZE: RefCell<Pool<usize>> = const { RefCell::new(Pool::new()) };
}

/// Runs `f` on this thread's pool for `T`; `None` if `T` is not pooled, the
/// thread is exiting, or the pool is in use further up the stack.
fn with_pool<T: 'static, R>(f: impl FnOnce(&mut Pool<T>) -> R) -> Option<R> {
    fn run<P: 'static, T: 'static, R>(
        key: &'static LocalKey<RefCell<Pool<P>>>,
        f: impl FnOnce(&mut Pool<T>) -> R,
    ) -> Option<R> {
        key.try_with(|cell| {
            let mut pool = cell.try_borrow_mut().ok()?;
            let pool: &mut dyn Any = &mut *pool;
            pool.downcast_mut::<Pool<T>>().map(f)
        })
        .ok()
        .flatten()
    }
    let id = TypeId::of::<T>();
    if id == TypeId::of::<f32>() {
        run(&F32, f)
    } else if id == TypeId::of::<f64>() {
        run(&F64, f)
    } else if id == TypeId::of::<usize>() {
        run(&USIZE, f)
    } else {
        None
    }
}

/// An empty vector with room for `len` elements, from this thread's pool
/// when it holds one of that capacity.
pub(crate) fn take<T: 'static>(len: usize) -> Vec<T> {
    let mut buffer = take_initialised(len);
    buffer.clear();
    buffer
}

/// A vector of `len` elements whose values are unspecified (whatever the
/// buffer held before, or zeros): for kernels that overwrite every element.
pub(crate) fn take_to_overwrite<T: Float>(len: usize) -> Vec<T> {
    let mut buffer = take_initialised(len);
    buffer.truncate(len);
    buffer.resize(len, T::zero());
    buffer
}

/// A vector of `len` copies of `value`, in a pooled buffer when there is one.
pub(crate) fn filled<T: Clone + 'static>(len: usize, value: T) -> Vec<T> {
    let mut buffer = take(len);
    buffer.resize(len, value);
    buffer
}

/// A pooled buffer of capacity `len`, with its old elements, or a new empty one.
fn take_initialised<T: 'static>(len: usize) -> Vec<T> {
    if len == 0 {
        return Vec::new();
    }
    with_pool(|pool: &mut Pool<T>| pool.take(len))
        .flatten()
        .unwrap_or_else(|| Vec::with_capacity(len))
}

/// Returns a buffer no tensor uses any more to this thread's pool (or to
/// the allocator, if its type is not pooled or the pool is full).
pub(crate) fn give<T: 'static>(buffer: Vec<T>) {
    if buffer.capacity() == 0 {
        return;
    }
    // A buffer the pool does not keep is dropped here, outside the borrow.
    drop(with_pool(|pool: &mut Pool<T>| pool.give(buffer)));
}

/// Shared storage holding `data`, in an allocation reused from a dropped
/// tensor when the pool has one.
pub(super) fn share<T: 'static>(data: Vec<T>) -> Arc<Storage<T>> {
    match with_pool(|pool: &mut Pool<T>| pool.shells.pop()).flatten() {
        Some(mut shell) => {
            Arc::get_mut(&mut shell)
                .expect("idle shells are not shared")
                .0 = data;
            shell
        }
        None => Arc::new(Storage(data)),
    }
}

/// Takes back the storage of a dropped tensor: if no other tensor shares
/// it, its buffer and its allocation go to the pool; otherwise this only
/// drops one reference.
pub(super) fn recycle<T: 'static>(mut storage: Arc<Storage<T>>) {
    let Some(unique) = Arc::get_mut(&mut storage) else {
        return;
    };
    give(std::mem::take(&mut unique.0));
    let refused = with_pool(|pool: &mut Pool<T>| {
        if pool.shells.len() < MAX_SHELLS {
            pool.shells.push(storage);
            None
        } else {
            Some(storage)
        }
    });
    // A shell the pool does not keep is dropped here, outside the borrow
    // (its empty buffer needs no pool).
    drop(refused);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_is_reused_by_capacity_and_keeps_its_elements() {
        let mut large = take::<f32>(8192);
        large.resize(8192, 7.0);
        let address = large.as_ptr();
        give(large);
        let again = take_to_overwrite::<f32>(8192);
        assert_eq!(again.as_ptr(), address);
        assert_eq!((again.len(), again[8191]), (8192, 7.0));
        give(again);
        let cleared = take::<f32>(8192);
        assert_eq!((cleared.as_ptr(), cleared.len()), (address, 0));
        let other_size = take::<f32>(8191);
        assert_ne!(other_size.as_ptr(), address);
    }

    /// Idle buffers of one capacity in `F32`'s pool.
    fn idle_f32(capacity: usize) -> usize {
        F32.with(|p| {
            let p = p.borrow();
            let found = p.by_capacity.iter().find(|(c, _)| *c == capacity);
            found.map_or(0, |(_, idle)| idle.len())
        })
    }

    #[test]
    fn buffers_of_one_capacity_are_kept_up_to_a_count_or_a_byte_bound() {
        // 8 KB buffers: the byte bound (4 MiB) allows more than the count.
        let small = 2048;
        (0..MIN_PER_CAPACITY + 10).for_each(|_| give(Vec::<f32>::with_capacity(small)));
        assert_eq!(idle_f32(small), MIN_PER_CAPACITY + 10);
        // 400 KB buffers: past the count, the byte bound refuses them.
        let large = 100_000;
        (0..MIN_PER_CAPACITY + 10).for_each(|_| give(Vec::<f32>::with_capacity(large)));
        assert_eq!(idle_f32(large), MIN_PER_CAPACITY);
    }

    #[test]
    fn a_shell_is_reused_only_when_unshared() {
        let storage = share(vec![1.0f32, 2.0]);
        let address = Arc::as_ptr(&storage);
        let other = Arc::clone(&storage);
        recycle(storage);
        assert_eq!(other.0, vec![1.0, 2.0], "a shared storage is left alone");
        recycle(other);
        let again = share(vec![3.0f32]);
        assert_eq!(Arc::as_ptr(&again), address);
        assert_eq!(again.0, vec![3.0]);
    }

    #[test]
    fn other_element_types_pass_through() {
        let v = take::<u8>(10_000);
        assert!(v.capacity() >= 10_000);
        give(v);
        let shared = share(vec![true]);
        recycle(shared);
    }
}
