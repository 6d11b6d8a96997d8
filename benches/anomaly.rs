//! The cost of anomaly mode: the W3 chain (1,000 recorded elementwise ops on
//! 16-element vars, forward and backward) with detection off, the default,
//! and on. Off, each op pays one flag test, so `off` should match
//! `tape_overhead/W3/forward+backward`; `on` adds a finiteness scan of every
//! output and gradient. Throughput counts ops.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tapegrad::{Tape, Tensor};
use tapegrad_benches::{config, uniform, w3_chain, W3_LEN, W3_OPS};

fn anomaly(c: &mut Criterion) {
    let mut group = c.benchmark_group("anomaly/W3");
    group.throughput(Throughput::Elements(W3_OPS as u64));
    let x = uniform(&[W3_LEN], -1.0, 1.0, 1);
    let w = uniform(&[W3_LEN], 0.5, 0.9, 2);
    let b = uniform(&[W3_LEN], -0.1, 0.1, 3);
    let seed = Tensor::ones([W3_LEN]);
    for (name, on) in [("off", false), ("on", true)] {
        let mut tape = Tape::new();
        group.bench_function(name, |bench| {
            bench.iter(|| {
                tape.clear();
                tape.set_detect_anomaly(on);
                let (x, w, b) = (
                    tape.var(x.clone()),
                    tape.var(w.clone()),
                    tape.var(b.clone()),
                );
                w3_chain(x, w, b).backward_with(seed.clone())
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = anomaly
}
criterion_main!(benches);
