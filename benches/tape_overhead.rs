//! W3, the tape's fixed cost per op: a chain of 1,000 recorded elementwise
//! ops (`x = x * w + b`, 500 times) on 16-element f32 vars that all want
//! gradients, forward only and forward plus backward. Throughput counts ops,
//! so criterion's "elem/s" is ops per second; time per op is the reported
//! time divided by 1,000.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tapegrad::{Tape, Tensor};
use tapegrad_benches::{config, w3_inputs, w3_on_tape, W3_LEN, W3_OPS};

fn w3(c: &mut Criterion) {
    let mut group = c.benchmark_group("tape_overhead/W3");
    group.throughput(Throughput::Elements(W3_OPS as u64));
    let inputs = w3_inputs();
    let seed = Tensor::ones([W3_LEN]);
    let mut tape = Tape::new();
    group.bench_function("forward", |bench| {
        bench.iter(|| w3_on_tape(&mut tape, &inputs).value())
    });
    group.bench_function("forward+backward", |bench| {
        bench.iter(|| w3_on_tape(&mut tape, &inputs).backward_with(seed.clone()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = w3
}
criterion_main!(benches);
