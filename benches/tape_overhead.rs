//! W3, the tape's fixed cost per op: a chain of 1,000 recorded elementwise
//! ops (`x = x * w + b`, 500 times) on 16-element f32 vars that all want
//! gradients, forward only and forward plus backward. Throughput counts ops,
//! so criterion's "elem/s" is ops per second; time per op is the reported
//! time divided by 1,000.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tapegrad::{Tape, Tensor};
use tapegrad_benches::{config, uniform, w3_chain, W3_LEN, W3_OPS};

fn w3(c: &mut Criterion) {
    let mut group = c.benchmark_group("tape_overhead/W3");
    group.throughput(Throughput::Elements(W3_OPS as u64));
    let x = uniform(&[W3_LEN], -1.0, 1.0, 1);
    let w = uniform(&[W3_LEN], 0.5, 0.9, 2);
    let b = uniform(&[W3_LEN], -0.1, 0.1, 3);
    let seed = Tensor::ones([W3_LEN]);
    let mut tape = Tape::new();
    group.bench_function("forward", |bench| {
        bench.iter(|| {
            tape.clear();
            let (x, w, b) = (
                tape.var(x.clone()),
                tape.var(w.clone()),
                tape.var(b.clone()),
            );
            w3_chain(x, w, b).value()
        })
    });
    group.bench_function("forward+backward", |bench| {
        bench.iter(|| {
            tape.clear();
            let (x, w, b) = (
                tape.var(x.clone()),
                tape.var(w.clone()),
                tape.var(b.clone()),
            );
            w3_chain(x, w, b).backward_with(seed.clone())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = w3
}
criterion_main!(benches);
