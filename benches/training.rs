//! Whole training steps and the optimizer step alone, through tapegrad-nn.
//!
//! - `train_step/W1`: the seed model (784 -> 32 relu -> 10 softmax, Adam,
//!   sparse categorical cross-entropy) on a batch of 32.
//! - `train_step/W2`: 784 -> 512 relu -> 512 relu -> 10, Adam, batch 128.
//! - `adam_step/W1`, `adam_step/W2`: Adam's ordinary (fused, in-place)
//!   step on the 25,450 parameters of the seed model and the 669,706 of W2;
//!   `sgd_momentum_step/*` and `rmsprop_step/*` the same for SGD with
//!   momentum 0.9 and Keras's RMSprop.
//!
//! Throughput is in samples per second for training steps and parameters
//! per second for optimizer steps. Inputs are seeded random pixels: a step's
//! cost does not depend on the values. One epoch of MNIST is 1,875 W1 steps
//! or 469 W2 steps.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::{Tape, Tensor};
use tapegrad_benches::{config, uniform};
use tapegrad_nn::loss::{Loss, Targets};
use tapegrad_nn::optim::{Adam, Optimizer, RmsProp, Sgd};
use tapegrad_nn::train::{Metric, Model};
use tapegrad_nn::{Activation, Dense, Module, Param, Sequential};

/// A compiled model with Keras's Adam and sparse cross-entropy.
fn model(widths: &[usize]) -> Model<f32> {
    let mut rng = StdRng::seed_from_u64(0);
    let mut net = Sequential::new();
    for (i, pair) in widths.windows(2).enumerate() {
        let last = i + 2 == widths.len();
        let activation = if last {
            Activation::Softmax
        } else {
            Activation::Relu
        };
        net = net.push(Dense::new(pair[0], pair[1], activation, &mut rng));
    }
    let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
    Model::compile(net, Adam::default(), loss, &[Metric::Accuracy])
}

fn train_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_step");
    for (name, widths, batch) in [
        ("W1", &[784, 32, 10][..], 32),
        ("W2", &[784, 512, 512, 10][..], 128),
    ] {
        let mut model = model(widths);
        let x = uniform(&[batch, 784], 0.0, 1.0, 1);
        let y = Targets::Labels((0..batch).map(|i| i % 10).collect());
        let mut tape = Tape::new();
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(name, |b| b.iter(|| model.train_step(&mut tape, &x, &y)));
    }
    group.finish();
}

/// Builds a fresh optimizer.
type MakeOptimizer = fn() -> Box<dyn Optimizer<f32>>;

/// `<optimizer>_step/W1` and `/W2`: one ordinary step of each optimizer
/// on the parameters of the seed model and of W2.
fn optimizer_steps(c: &mut Criterion) {
    let optimizers: [(&str, MakeOptimizer); 3] = [
        ("adam_step", || Box::new(Adam::default())),
        ("sgd_momentum_step", || {
            Box::new(Sgd::with_momentum(0.01, 0.9, false))
        }),
        ("rmsprop_step", || Box::new(RmsProp::default())),
    ];
    for (group_name, make) in optimizers {
        let mut group = c.benchmark_group(group_name);
        for (name, widths) in [("W1", &[784, 32, 10][..]), ("W2", &[784, 512, 512, 10][..])] {
            let mut params: Vec<Param<f32>> =
                model(widths).net().params().into_iter().cloned().collect();
            let grads: Vec<Tensor<f32>> = params
                .iter()
                .map(|p| uniform(p.value().shape(), -1.0, 1.0, 2))
                .collect();
            let count: usize = grads.iter().map(Tensor::numel).sum();
            let mut optimizer = make();
            group.throughput(Throughput::Elements(count as u64));
            group.bench_function(name, |b| {
                b.iter(|| {
                    let mut refs: Vec<&mut Param<f32>> = params.iter_mut().collect();
                    optimizer.step(&mut refs, &grads);
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = train_steps, optimizer_steps
}
criterion_main!(benches);
