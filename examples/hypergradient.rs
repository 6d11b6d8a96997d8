//! Learning Adam's learning rate while training, by differentiating the loss
//! through the optimizer step: hypergradient descent (Baydin et al., "Online
//! Learning Rate Adaptation with Hypergradient Descent", ICLR 2018; Chandra
//! et al., "Gradient Descent: The Ultimate Optimizer", NeurIPS 2022).
//!
//! A `784 -> 32 relu -> 10` MLP is trained with Adam on a small MNIST subset
//! (the first 5,000 training images, tested on the first 1,000 test images),
//! starting from a deliberately poor learning rate (1e-5). Each step builds a
//! fresh tape holding exactly one step:
//!
//! 1. bind the weights `w` as vars and the learning rate `lr` as a var;
//! 2. take the batch loss's gradients `g` with `Tape::grad` (recorded);
//! 3. apply `Adam::update` to vars: `w' = w - lr * d(g)` is recorded too;
//! 4. compute the *next* batch's loss at `w'` and differentiate it with
//!    respect to `lr`: the hypergradient `dL(w')/dlr = -<grad L(w'), d>`;
//! 5. move the learning rate against it, `lr -= hyper_lr * dL(w')/dlr`, and
//!    commit `w'` as plain tensors.
//!
//! The learning rate is a plain (not log-parameterised) var, as in both
//! papers: the hypergradient then does not shrink with `lr` itself, so a
//! rate that starts far too small grows at a steady pace instead of a
//! vanishing one. The printout shows it climbing by two orders of magnitude
//! within the first hundred steps and then settling near 2e-3, and compares
//! the test accuracy with plain Adam left at the starting rate. (The plain
//! parameterisation is not scale-free: from a rate far too large, where the
//! hypergradient is small and noisy, the same hyper-learning-rate moves it
//! only slowly.)
//!
//! Truncation: Adam's moment estimates `m` and `v` are kept as tensors
//! between steps and lifted onto each step's tape as constants, so the
//! hypergradient sees only how this step's learning rate moves this step's
//! weights, not how earlier rates shaped the moments or the weights (the
//! one-step horizon that both papers use; weights too enter each tape as
//! fresh leaves).
//!
//! ```text
//! cargo run --release --example hypergradient -- [--lr0 1e-5] [--hyper-lr 1e-6] [--steps 500]
//!     [--batch-size 64] [--print-every 25] [--seed 0] [--data DIR]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::{Tape, Tensor, Var};
use tapegrad_nn::data::{Batch, Dataset, Mnist};
use tapegrad_nn::loss::{sparse_categorical_crossentropy, Reduction};
use tapegrad_nn::metrics::sparse_accuracy;
use tapegrad_nn::optim::{Adam, AdamState};
use tapegrad_nn::{Activation, Bound, Dense, Module, Sequential};

/// Training images used (a subset keeps the example fast).
const TRAIN_IMAGES: usize = 5_000;
/// Test images used.
const TEST_IMAGES: usize = 1_000;

/// The command-line settings.
struct Args {
    lr0: f64,
    hyper_lr: f64,
    steps: usize,
    batch_size: usize,
    print_every: usize,
    seed: u64,
    data: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        lr0: 1e-5,
        hyper_lr: 1e-6,
        steps: 500,
        batch_size: 64,
        print_every: 25,
        seed: 0,
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let count = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        let real = |v: String| v.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--lr0" => args.lr0 = real(value()?)?,
            "--hyper-lr" => args.hyper_lr = real(value()?)?,
            "--steps" => args.steps = count(value()?)?,
            "--batch-size" => args.batch_size = count(value()?)?,
            "--print-every" => args.print_every = count(value()?)?,
            "--seed" => args.seed = count(value()?)? as u64,
            "--data" => args.data = PathBuf::from(value()?),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if args.batch_size == 0 || args.print_every == 0 {
        return Err("--batch-size and --print-every must be positive".into());
    }
    Ok(args)
}

/// An endless supply of mini-batches: one shuffled pass after another.
struct BatchStream<'a> {
    data: &'a Dataset,
    batch_size: usize,
    rng: StdRng,
    pending: Vec<Batch>,
}

impl BatchStream<'_> {
    fn next_batch(&mut self) -> Batch {
        if self.pending.is_empty() {
            self.pending = self
                .data
                .shuffled_batches(self.batch_size, &mut self.rng)
                .collect();
            self.pending.reverse();
        }
        self.pending.pop().expect("the training set is not empty")
    }
}

/// The mean cross-entropy of the model's logits on `batch`.
fn batch_loss<'t>(net: &Sequential<f32>, bound: &Bound<'t, f32>, batch: &Batch) -> Var<'t, f32> {
    let x = bound.tape().constant(batch.x.clone());
    let logits = net.forward(bound, x);
    sparse_categorical_crossentropy(logits, &batch.y, true, Reduction::Mean)
}

/// What one training run ends with.
struct Outcome {
    lr: f64,
    test_accuracy: f64,
}

/// Trains a fresh model (initialised from `args.seed`) for `args.steps`
/// steps, adapting the learning rate with hyper-learning-rate `hyper_lr`
/// (0 keeps it fixed); prints the trace when `trace` is set.
fn train(
    args: &Args,
    train_set: &Dataset,
    test_set: &Dataset,
    hyper_lr: f64,
    trace: bool,
) -> Outcome {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut net = Sequential::<f32>::new()
        .push(Dense::new(784, 32, Activation::Relu, &mut rng))
        .push(Dense::new(32, 10, Activation::Linear, &mut rng));
    let adam = Adam::<f32>::default();
    let mut moments = AdamState::<Tensor<f32>> {
        step: 0,
        m: net
            .params()
            .iter()
            .map(|p| Tensor::zeros(p.value().shape()))
            .collect(),
        v: net
            .params()
            .iter()
            .map(|p| Tensor::zeros(p.value().shape()))
            .collect(),
    };
    let mut lr = args.lr0;
    let mut batches = BatchStream {
        data: train_set,
        batch_size: args.batch_size,
        rng,
        pending: Vec::new(),
    };
    let mut batch = batches.next_batch();
    let mut window_loss = 0.0;
    for step in 1..=args.steps {
        let next = batches.next_batch();
        let tape = Tape::new();
        let bound = Bound::new(&tape);
        let lr_var = tape.var(Tensor::scalar(lr as f32));
        let loss = batch_loss(&net, &bound, &batch);
        let params: Vec<Var<'_, f32>> = net.params().iter().map(|p| bound.var(p)).collect();
        let grads = tape.grad(loss, &params);
        let mut state = AdamState {
            step: moments.step,
            m: moments.m.iter().map(|t| tape.constant(t.clone())).collect(),
            v: moments.v.iter().map(|t| tape.constant(t.clone())).collect(),
        };
        let moved = adam.update(&mut state, &params, &grads, &lr_var);
        for (p, &w) in net.params().iter().zip(&moved) {
            bound.set(p, w);
        }
        let next_loss = batch_loss(&net, &bound, &next);
        let hypergradient = tape.grad(next_loss, &[lr_var])[0].value().item() as f64;
        lr -= hyper_lr * hypergradient;

        window_loss += loss.value().item() as f64;
        if step % args.print_every == 0 {
            if trace {
                println!(
                    "step {step:>5}  lr {lr:.3e}  dL/dlr {hypergradient:>+10.3e}  train loss {:.4}",
                    window_loss / args.print_every as f64
                );
            }
            window_loss = 0.0;
        }
        moments = AdamState {
            step: state.step,
            m: state.m.iter().map(|m| m.value()).collect(),
            v: state.v.iter().map(|v| v.value()).collect(),
        };
        for (p, w) in net.params_mut().into_iter().zip(&moved) {
            p.set_value(w.value());
        }
        batch = next;
    }
    let tape = Tape::new();
    let logits = net.forward(
        &Bound::frozen(&tape),
        tape.constant(test_set.features().clone()),
    );
    Outcome {
        lr,
        test_accuracy: sparse_accuracy(&logits.value(), test_set.labels()),
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mnist = match Mnist::load(&args.data) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: cannot load MNIST from {}: {e}", args.data.display());
            return ExitCode::FAILURE;
        }
    };
    let (train_set, test_set) = (mnist.train.take(TRAIN_IMAGES), mnist.test.take(TEST_IMAGES));
    println!(
        "Adam with a learned learning rate: {} training images, {} test images, \
         lr0 {:.0e}, hyper-lr {:.0e}, {} steps of {}",
        train_set.len(),
        test_set.len(),
        args.lr0,
        args.hyper_lr,
        args.steps,
        args.batch_size
    );
    let start = Instant::now();
    let learned = train(&args, &train_set, &test_set, args.hyper_lr, true);
    let seconds = start.elapsed().as_secs_f64();
    let fixed = train(&args, &train_set, &test_set, 0.0, false);
    println!(
        "learned lr: {:.3e} -> {:.3e} ({seconds:.1} s); test accuracy {:.4}",
        args.lr0, learned.lr, learned.test_accuracy
    );
    println!(
        "fixed lr:   {:.3e} throughout;  test accuracy {:.4}",
        fixed.lr, fixed.test_accuracy
    );
    ExitCode::SUCCESS
}
