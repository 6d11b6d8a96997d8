//! Reductions on plain f32 tensors, in input elements per second:
//! `sum_axes` down the rows (axis 0) and along each row (axis 1) and
//! `max_axes` both ways on `[1024, 1024]`, and `log_softmax` along axis 1 of
//! W1/W2-sized logits `[128, 10]` and of `[1024, 1000]`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tapegrad_benches::{config, uniform};

fn sum_and_max(c: &mut Criterion) {
    let mut group = c.benchmark_group("reductions");
    let x = uniform(&[1024, 1024], -1.0, 1.0, 1);
    group.throughput(Throughput::Elements(x.numel() as u64));
    for axis in [0, 1] {
        group.bench_function(
            BenchmarkId::new("sum_axes", format!("1024x1024 axis {axis}")),
            |bench| bench.iter(|| x.sum_axes(&[axis], false)),
        );
        group.bench_function(
            BenchmarkId::new("max_axes", format!("1024x1024 axis {axis}")),
            |bench| bench.iter(|| x.max_axes(&[axis], false)),
        );
    }
    group.finish();
}

fn log_softmax(c: &mut Criterion) {
    let mut group = c.benchmark_group("reductions/log_softmax");
    for [rows, cols] in [[128, 10], [1024, 1000]] {
        let x = uniform(&[rows, cols], -5.0, 5.0, 2);
        group.throughput(Throughput::Elements((rows * cols) as u64));
        group.bench_function(
            BenchmarkId::from_parameter(format!("{rows}x{cols}")),
            |bench| bench.iter(|| x.log_softmax(1)),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = sum_and_max, log_softmax
}
criterion_main!(benches);
