//! `set_num_threads`: the calling thread becomes one of the pool's threads,
//! large products give the same values on it as from any other thread, and
//! the pool's size is fixed once it has started. One test in its own
//! process, since the global pool can start only once.

use std::thread;

use tapegrad::Tensor;

#[test]
fn the_calling_thread_joins_the_pool_and_other_threads_still_compute() {
    tapegrad::set_num_threads(2).expect("the pool has not started yet");
    assert_eq!(tapegrad::num_threads(), 2);
    assert_eq!(
        rayon::current_thread_index(),
        Some(0),
        "the caller is thread 0"
    );

    // 256 x 512 x 64 is 2^23 multiply-adds, above the threshold for
    // splitting a product over the pool.
    let a = Tensor::<f64>::from_fn([256, 512], |i| ((i % 97) as f64 * 0.31).sin());
    let b = Tensor::<f64>::from_fn([512, 64], |i| ((i % 89) as f64 * 0.17).cos());
    let here = a.matmul(&b);
    let (a2, b2) = (a.clone(), b.clone());
    let elsewhere = thread::spawn(move || a2.matmul(&b2)).join().unwrap();
    assert_eq!(here.to_vec(), elsewhere.to_vec());
    // Row blocks of 8 are below the threshold and run on one thread.
    let blocks: Vec<Tensor<f64>> = (0..32).map(|r| a.narrow(0, 8 * r, 8).matmul(&b)).collect();
    let serial = Tensor::concat(&blocks.iter().collect::<Vec<_>>(), 0);
    for (p, s) in here.to_vec().iter().zip(serial.to_vec()) {
        assert!((p - s).abs() <= 1e-12 * s.abs().max(1.0), "{p} vs {s}");
    }

    let err = tapegrad::set_num_threads(3).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot set the number of threads to 3"),
        "{err}"
    );
}
