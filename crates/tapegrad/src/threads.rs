//! The threads tapegrad computes on.
//!
//! Matrix products of at least 2^22 multiply-adds are split over rayon's
//! global thread pool (smaller ones, and everything else in the core, run
//! on the calling thread: handing them to the pool costs more than it
//! saves); tapegrad-nn's Adam step splits large parameters over the same
//! pool. Results are bit-identical from run to run for a given thread
//! count.
//!
//! Call [`set_num_threads`] at the start of `main`. It sizes the pool (from
//! its argument, or `RAYON_NUM_THREADS`, or one thread per core) and makes
//! the calling thread one of the pool's threads, as OpenMP's master thread
//! is: when that thread reaches a large product it computes its share
//! itself, instead of handing the whole product to the pool and sleeping
//! until the pool wakes it (a round trip that cost 2-5% of a
//! two-thread W2 epoch). Without the call, rayon starts its own pool on
//! first use, sized the same way, and the calling thread waits during
//! each parallel product.

use std::fmt;
use std::num::NonZeroUsize;

/// Starts the pool that large products run on, with `n` threads, or with
/// `RAYON_NUM_THREADS` (else one per core) if `n` is 0. With two threads or
/// more, the calling thread is one of them (see the [module
/// docs](crate::threads)), so call it from the thread that will train,
/// typically at the start of `main`. Other threads can still use tapegrad:
/// their large products run on the pool's other threads.
///
/// Returns [`ThreadPoolError`] if the pool has already started (it starts
/// on its first use, and its size cannot change after that) or if the
/// calling thread already belongs to a rayon pool.
///
/// ```
/// tapegrad::set_num_threads(2)?;
/// assert_eq!(tapegrad::num_threads(), 2);
/// let err = tapegrad::set_num_threads(1).unwrap_err();
/// assert!(err.to_string().contains("cannot set the number of threads to 1"));
/// # Ok::<(), tapegrad::ThreadPoolError>(())
/// ```
pub fn set_num_threads(n: usize) -> Result<(), ThreadPoolError> {
    let n = if n == 0 { default_num_threads() } else { n };
    let builder = rayon::ThreadPoolBuilder::new().num_threads(n);
    // With one thread nothing is split, and a pool whose only thread is the
    // caller would leave work sent from any other thread undone.
    let builder = if n >= 2 {
        builder.use_current_thread()
    } else {
        builder
    };
    builder.build_global().map_err(|e| ThreadPoolError {
        reason: format!("cannot set the number of threads to {n}: {e}"),
    })
}

/// `RAYON_NUM_THREADS` if it is a positive count, else the number of CPUs
/// this process may use: the size rayon gives its pool by default.
fn default_num_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<NonZeroUsize>().ok())
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get)
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
/// // rayon's pool starts on first use; after that its size is fixed.
/// assert!(tapegrad::num_threads() >= 1);
/// let err = tapegrad::set_num_threads(2).unwrap_err();
/// assert!(err.to_string().starts_with("cannot set the number of threads to 2"));
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
