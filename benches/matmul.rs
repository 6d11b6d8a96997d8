//! Matrix products, in FLOP/s (criterion's "elem/s" counts floating-point
//! operations, `2 * m * n * k` per product): square f32 products of size
//! 64 to 1024 on plain tensors, and the Dense-layer shapes of W1 and W2
//! recorded on a tape, forward only and forward plus backward.

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use tapegrad::{Tape, Tensor};
use tapegrad_benches::{config, matmul_flops, uniform, DENSE_SHAPES};

/// `[n, n] x [n, n]` on plain tensors: the kernel alone, no tape.
fn square(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul/square");
    // The 1024 product takes tens of ms: too slow for linear sampling in 2 s.
    group.sampling_mode(SamplingMode::Flat);
    for n in [64, 128, 256, 512, 1024] {
        let a = uniform(&[n, n], -1.0, 1.0, 1);
        let b = uniform(&[n, n], -1.0, 1.0, 2);
        group.throughput(Throughput::Elements(matmul_flops(n, n, n)));
        group.bench_function(BenchmarkId::from_parameter(n), |bench| {
            bench.iter(|| a.matmul(&b))
        });
    }
    group.finish();
}

/// The Dense products of W1 and W2 on a reused tape: forward, and forward
/// plus the backward products for the weights (and the input, when it is a
/// hidden activation rather than data).
fn dense(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul/dense");
    let mut tape = Tape::new();
    for shape in &DENSE_SHAPES {
        let x = uniform(&[shape.m, shape.k], -1.0, 1.0, 3);
        let w = uniform(&[shape.k, shape.n], -0.1, 0.1, 4);
        let seed = Tensor::ones([shape.m, shape.n]);
        group.throughput(Throughput::Elements(shape.forward_flops()));
        group.bench_function(BenchmarkId::new("forward", shape.label()), |bench| {
            bench.iter(|| {
                tape.clear();
                shape.input(&tape, &x).matmul(tape.var(w.clone())).value()
            })
        });
        group.throughput(Throughput::Elements(shape.forward_backward_flops()));
        group.bench_function(
            BenchmarkId::new("forward+backward", shape.label()),
            |bench| {
                bench.iter(|| {
                    tape.clear();
                    shape
                        .input(&tape, &x)
                        .matmul(tape.var(w.clone()))
                        .backward_with(seed.clone())
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = square, dense
}
criterion_main!(benches);
