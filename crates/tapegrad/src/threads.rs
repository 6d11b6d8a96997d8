//! The threads tapegrad computes on.
//!
//! Matrix products of at least 2^22 multiply-adds are split over rayon's
//! global thread pool (smaller ones, and everything else in the core, run
//! on the calling thread: handing them to the pool costs more than it
//! saves); tapegrad-nn's Adam step splits large parameters over the same
//! pool. The pool has one thread per core unless told otherwise, either by
//! the environment variable `RAYON_NUM_THREADS` or by [`set_num_threads`]
//! before the first parallel product. Results are bit-identical from run to
//! run for a given thread count.

use std::fmt;

/// Fixes the number of threads of the pool that large products run on.
/// Call it once, early: the pool starts on its first use, and its size
/// cannot change after that.
///
/// Returns [`ThreadPoolError`] if the pool has already started, or if `n`
/// is zero.
///
/// ```
/// tapegrad::set_num_threads(2)?;
/// assert_eq!(tapegrad::num_threads(), 2);
/// assert!(tapegrad::set_num_threads(1).is_err(), "the pool has started");
/// # Ok::<(), tapegrad::ThreadPoolError>(())
/// ```
pub fn set_num_threads(n: usize) -> Result<(), ThreadPoolError> {
    if n == 0 {
        return Err(ThreadPoolError {
            reason: "the number of threads must be at least 1".to_string(),
        });
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| ThreadPoolError {
            reason: format!("cannot set the number of threads to {n}: {e}"),
        })
}

/// The number of threads large products are split over.
///
/// ```
/// assert!(tapegrad::num_threads() >= 1);
/// ```
pub fn num_threads() -> usize {
    rayon::current_num_threads()
}

/// Why [`set_num_threads`] failed.
///
/// ```
/// let err = tapegrad::set_num_threads(0).unwrap_err();
/// assert_eq!(err.to_string(), "the number of threads must be at least 1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPoolError {
    reason: String,
}

impl fmt::Display for ThreadPoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ThreadPoolError {}
