//! W4: the `[256, 512] x [512, 512]` f32 product on a tape, forward only and
//! forward plus backward to both inputs, in FLOP/s (criterion's "elem/s"
//! counts floating-point operations: `2 * m * n * k` per product, three
//! products with the backward).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tapegrad::{Tape, Tensor};
use tapegrad_benches::{config, matmul_flops, uniform, W4_SHAPE};

fn w4(c: &mut Criterion) {
    let (m, k, n) = W4_SHAPE;
    let mut group = c.benchmark_group("W4");
    let a = uniform(&[m, k], -1.0, 1.0, 1);
    let b = uniform(&[k, n], -1.0, 1.0, 2);
    let seed = Tensor::ones([m, n]);
    let mut tape = Tape::new();
    group.throughput(Throughput::Elements(matmul_flops(m, k, n)));
    group.bench_function("forward", |bench| {
        bench.iter(|| {
            tape.clear();
            tape.var(a.clone()).matmul(tape.var(b.clone())).value()
        })
    });
    group.throughput(Throughput::Elements(3 * matmul_flops(m, k, n)));
    group.bench_function("forward+backward", |bench| {
        bench.iter(|| {
            tape.clear();
            tape.var(a.clone())
                .matmul(tape.var(b.clone()))
                .backward_with(seed.clone())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = w4
}
criterion_main!(benches);
