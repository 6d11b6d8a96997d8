//! Shared setup for the criterion benchmarks of this package: the criterion
//! settings, seeded inputs, and the workload pieces (W1-W4) written once in
//! tapegrad so that every bench target measures the same computation as the
//! PyTorch scripts in `pytorch/`.
//!
//! Throughput convention: criterion only knows bytes and "elements", so each
//! group reuses `Throughput::Elements` for the unit it counts and says which:
//! floating-point operations for matrix products (criterion's "elem/s" then
//! reads as FLOP/s), tensor elements for elementwise ops and reductions,
//! recorded ops for the tape-overhead chain (so the time per element is the
//! time per op). Matrix products run on rayon's global pool: set
//! `RAYON_NUM_THREADS` to fix the thread count.

use std::time::Duration;

use criterion::Criterion;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::{Tape, Tensor, Var};

/// Criterion settings for every group: 20 samples, short warm-up and
/// measurement windows and no plots keep a whole `cargo bench` within a few
/// minutes.
///
/// It also makes the bench's main thread one of the thread pool's threads,
/// as the mnist example does (see `tapegrad::threads`); the first call sets
/// the pool up, and later calls find it started and change nothing.
pub fn config() -> Criterion {
    let _ = tapegrad::set_num_threads(0);
    Criterion::default()
        .without_plots()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

/// A tensor of `shape` drawn uniformly from `[low, high)` with a fixed seed.
pub fn uniform(shape: &[usize], low: f32, high: f32, seed: u64) -> Tensor<f32> {
    Tensor::rand_uniform(shape, low, high, &mut StdRng::seed_from_u64(seed))
}

/// `rows` class labels below `classes`, shaped `[rows, 1]` for `gather(1, ..)`.
pub fn labels(rows: usize, classes: usize) -> Tensor<usize> {
    Tensor::from_vec(
        (0..rows).map(|i| (i * 7 + 3) % classes).collect(),
        [rows, 1],
    )
    .expect("one label per row")
}

/// Floating-point operations of an `[m, k] x [k, n]` product: one multiply
/// and one add per term.
pub fn matmul_flops(m: usize, k: usize, n: usize) -> u64 {
    2 * (m * k * n) as u64
}

/// The product of one Dense layer of a training workload: a batch of `m`
/// rows of width `k` times a `[k, n]` weight matrix.
pub struct DenseShape {
    /// The workload the layer belongs to, `"W1"` or `"W2"`.
    pub workload: &'static str,
    pub m: usize,
    pub k: usize,
    pub n: usize,
    /// Whether the left operand is input data, which wants no gradient
    /// (the first layer); otherwise it is a hidden activation that does.
    pub input_is_data: bool,
}

impl DenseShape {
    /// A benchmark id such as `W2 128x784x512`.
    pub fn label(&self) -> String {
        format!("{} {}x{}x{}", self.workload, self.m, self.k, self.n)
    }

    /// The left operand on `tape`: a constant for input data, else a var.
    pub fn input<'t>(&self, tape: &'t Tape<f32>, x: &Tensor<f32>) -> Var<'t, f32> {
        if self.input_is_data {
            tape.constant(x.clone())
        } else {
            tape.var(x.clone())
        }
    }

    /// FLOPs of the forward product.
    pub fn forward_flops(&self) -> u64 {
        matmul_flops(self.m, self.k, self.n)
    }

    /// FLOPs of the forward product plus the gradient products backward
    /// runs: one for the weights and, for hidden layers, one for the input.
    pub fn forward_backward_flops(&self) -> u64 {
        let products = if self.input_is_data { 2 } else { 3 };
        products * self.forward_flops()
    }
}

/// The Dense products of W1 (784->32 relu->10, batch 32) and W2
/// (784->512->512->10 relu, batch 128).
pub const DENSE_SHAPES: [DenseShape; 5] = [
    DenseShape {
        workload: "W1",
        m: 32,
        k: 784,
        n: 32,
        input_is_data: true,
    },
    DenseShape {
        workload: "W1",
        m: 32,
        k: 32,
        n: 10,
        input_is_data: false,
    },
    DenseShape {
        workload: "W2",
        m: 128,
        k: 784,
        n: 512,
        input_is_data: true,
    },
    DenseShape {
        workload: "W2",
        m: 128,
        k: 512,
        n: 512,
        input_is_data: false,
    },
    DenseShape {
        workload: "W2",
        m: 128,
        k: 512,
        n: 10,
        input_is_data: false,
    },
];

/// Mean softmax cross-entropy of `logits` `[n, classes]` against `labels`
/// `[n, 1]`, composed from core ops as a training loop would write it.
pub fn cross_entropy<'t>(logits: Var<'t, f32>, labels: &Tensor<usize>) -> Var<'t, f32> {
    -(logits.log_softmax(1).gather(1, labels)).mean()
}

/// Elements of each tensor in the W3 chain.
pub const W3_LEN: usize = 16;
/// Recorded ops in the W3 chain (each step `x * w + b` is two).
pub const W3_OPS: usize = 1_000;

/// W3: `W3_OPS / 2` steps of `x = x * w + b` on `W3_LEN`-element vars.
pub fn w3_chain<'t>(x: Var<'t, f32>, w: Var<'t, f32>, b: Var<'t, f32>) -> Var<'t, f32> {
    (0..W3_OPS / 2).fold(x, |x, _| x * w + b)
}

/// W3's inputs `x`, `w` and `b`, seeded: `w` in `[0.5, 0.9)` and `b` small, so
/// the chain stays bounded.
pub fn w3_inputs() -> [Tensor<f32>; 3] {
    [
        uniform(&[W3_LEN], -1.0, 1.0, 1),
        uniform(&[W3_LEN], 0.5, 0.9, 2),
        uniform(&[W3_LEN], -0.1, 0.1, 3),
    ]
}

/// Clears `tape`, puts W3's inputs on it as vars that want gradients, and
/// records the chain.
pub fn w3_on_tape<'t>(tape: &'t mut Tape<f32>, inputs: &[Tensor<f32>; 3]) -> Var<'t, f32> {
    tape.clear();
    let tape: &'t Tape<f32> = tape;
    let [x, w, b] = inputs.clone().map(|t| tape.var(t));
    w3_chain(x, w, b)
}

/// W4's product `[m, k] x [k, n]`.
pub const W4_SHAPE: (usize, usize, usize) = (256, 512, 512);
