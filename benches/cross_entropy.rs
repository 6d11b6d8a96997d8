//! Softmax cross-entropy forward plus backward on a tape, composed from core
//! ops as `-(log_softmax(logits, 1).gather(1, labels)).mean()`, for the
//! logits of a W1 batch (`[32, 10]`) and a W2 batch (`[128, 10]`); throughput
//! counts logits.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tapegrad::Tape;
use tapegrad_benches::{config, cross_entropy, labels, uniform};

fn forward_backward(c: &mut Criterion) {
    let mut group = c.benchmark_group("cross_entropy/forward+backward");
    let mut tape = Tape::new();
    for rows in [32, 128] {
        let logits = uniform(&[rows, 10], -3.0, 3.0, 1);
        let labels = labels(rows, 10);
        group.throughput(Throughput::Elements((rows * 10) as u64));
        group.bench_function(BenchmarkId::from_parameter(format!("{rows}x10")), |bench| {
            bench.iter(|| {
                tape.clear();
                cross_entropy(tape.var(logits.clone()), &labels).backward()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = forward_backward
}
criterion_main!(benches);
