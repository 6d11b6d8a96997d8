//! Elementwise kernels on plain f32 tensors, in elements per second: `a + b`
//! of one shape, `x + bias` broadcasting a `[C]` bias over `[N, C]`, `a * b`,
//! `a * 0.5` (a scalar operand), `exp`, `relu`, `leaky_relu` and `tanh`, at
//! the size of a W2 activation (`[128, 512]`) and at a million elements
//! (`[1024, 1024]`).

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use tapegrad_benches::{config, uniform};

fn elementwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("elementwise");
    // A million-element tanh takes over 10 ms: too slow for linear sampling in 2 s.
    group.sampling_mode(SamplingMode::Flat);
    for [rows, cols] in [[128, 512], [1024, 1024]] {
        let a = uniform(&[rows, cols], -2.0, 2.0, 1);
        let b = uniform(&[rows, cols], -2.0, 2.0, 2);
        let bias = uniform(&[cols], -1.0, 1.0, 3);
        let size = format!("{rows}x{cols}");
        group.throughput(Throughput::Elements((rows * cols) as u64));
        group.bench_function(BenchmarkId::new("add", &size), |bench| {
            bench.iter(|| &a + &b)
        });
        group.bench_function(BenchmarkId::new("add_bias_broadcast", &size), |bench| {
            bench.iter(|| &a + &bias)
        });
        group.bench_function(BenchmarkId::new("mul", &size), |bench| {
            bench.iter(|| &a * &b)
        });
        group.bench_function(BenchmarkId::new("mul_scalar", &size), |bench| {
            bench.iter(|| &a * 0.5)
        });
        group.bench_function(BenchmarkId::new("exp", &size), |bench| {
            bench.iter(|| a.exp())
        });
        group.bench_function(BenchmarkId::new("relu", &size), |bench| {
            bench.iter(|| a.relu())
        });
        group.bench_function(BenchmarkId::new("leaky_relu", &size), |bench| {
            bench.iter(|| a.leaky_relu(0.1))
        });
        group.bench_function(BenchmarkId::new("tanh", &size), |bench| {
            bench.iter(|| a.tanh())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = elementwise
}
criterion_main!(benches);
