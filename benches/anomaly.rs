//! The cost of anomaly mode: the W3 chain (1,000 recorded elementwise ops on
//! 16-element vars, forward and backward) with detection off, the default,
//! and on. Off, each op pays one flag test, so `off` should match
//! `tape_overhead/W3/forward+backward`; `on` adds a finiteness scan of every
//! output and gradient. Throughput counts ops.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tapegrad::{Tape, Tensor};
use tapegrad_benches::{config, w3_inputs, w3_on_tape, W3_LEN, W3_OPS};

fn anomaly(c: &mut Criterion) {
    let mut group = c.benchmark_group("anomaly/W3");
    group.throughput(Throughput::Elements(W3_OPS as u64));
    let inputs = w3_inputs();
    let seed = Tensor::ones([W3_LEN]);
    for (name, on) in [("off", false), ("on", true)] {
        let mut tape = Tape::new();
        tape.set_detect_anomaly(on);
        group.bench_function(name, |bench| {
            bench.iter(|| w3_on_tape(&mut tape, &inputs).backward_with(seed.clone()))
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
