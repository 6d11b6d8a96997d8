//! The seed model (784 -> Dense 32 relu -> Dense 10 softmax, Adam, sparse
//! categorical cross-entropy) on the real MNIST files shipped with the
//! examples: it learns, it is deterministic within and across processes and
//! thread counts, and a training step leaves nothing on the tape.

use std::process::Command;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::{Tape, Tensor};
use tapegrad_nn::data::{Dataset, Mnist};
use tapegrad_nn::loss::{Loss, Targets};
use tapegrad_nn::optim::Adam;
use tapegrad_nn::train::{FitConfig, Metric, Model};
use tapegrad_nn::{Activation, Dense, Module, Sequential};

const MNIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/mnist");
/// Set in a child process of the determinism test: train and print a digest.
const CHILD: &str = "TAPEGRAD_DETERMINISM_CHILD";

fn seed_model(seed: u64) -> Model<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let net = Sequential::new()
        .push(Dense::new(784, 32, Activation::Relu, &mut rng))
        .push(Dense::new(32, 10, Activation::Softmax, &mut rng));
    let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
    Model::compile(net, Adam::default(), loss, &[Metric::Accuracy])
}

fn labels(d: &Dataset) -> Targets<f32> {
    Targets::Labels(d.labels().to_vec())
}

/// Trains the seed model for one epoch on `n` training images and returns
/// the bits of every weight.
fn trained_weight_bits(n: usize) -> Vec<u32> {
    let train = Mnist::load(MNIST).expect("shipped MNIST").train.take(n);
    let mut model = seed_model(7);
    let config = FitConfig {
        verbose: 0,
        seed: 7,
        ..FitConfig::default()
    };
    model.fit(train.features(), &labels(&train), &config);
    model
        .net()
        .params()
        .iter()
        .flat_map(|p| {
            p.value()
                .as_slice()
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A short, order-sensitive digest of weight bits (FNV-1a).
fn digest(bits: &[u32]) -> u64 {
    bits.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn learns_mnist_from_two_thousand_images() {
    let mnist = Mnist::load(MNIST).expect("shipped MNIST");
    let (train, test) = (mnist.train.take(2000), mnist.test.take(1000));
    let mut model = seed_model(0);
    let config = FitConfig {
        epochs: 3,
        verbose: 0,
        ..FitConfig::default()
    };
    model.fit(train.features(), &labels(&train), &config);
    let result = model.evaluate(test.features(), &labels(&test), 256);
    // Measured with Keras's exact defaults over seeds 0-7: 0.817 to 0.848
    // (0.843 for this seed); PyTorch with the same model, initialisation,
    // Adam settings and batches gives 0.825 to 0.848, so the 0.85 is
    // beyond this budget of 189 steps for either. An untrained model scores
    // about 0.1.
    assert!(
        result["accuracy"] > 0.80,
        "test accuracy {}",
        result["accuracy"]
    );
}

#[test]
fn same_seed_gives_the_same_bits_in_one_process() {
    assert_eq!(trained_weight_bits(3000), trained_weight_bits(3000));
}

/// In a child process (see [`CHILD`]), prints the digest of one epoch's weights.
#[test]
fn determinism_child() {
    if std::env::var(CHILD).is_ok() {
        println!("digest={}", digest(&trained_weight_bits(3000)));
    }
}

#[test]
fn same_seed_gives_the_same_bits_across_processes_and_thread_counts() {
    let here = digest(&trained_weight_bits(3000));
    for threads in ["1", "2"] {
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "determinism_child",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD, "1")
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let child = stdout
            .lines()
            .find_map(|l| l.split("digest=").nth(1))
            .unwrap_or_else(|| panic!("child printed no digest: {stdout}"));
        assert_eq!(child, here.to_string(), "RAYON_NUM_THREADS={threads}");
    }
}

#[test]
fn a_training_step_leaves_nothing_on_the_tape() {
    let train = Mnist::load(MNIST).expect("shipped MNIST").train.take(320);
    let mut model = seed_model(1);
    let mut tape = Tape::new();
    let rows: Vec<usize> = (0..32).collect();
    let mut held_per_step = Vec::new();
    for step in 0..10 {
        let batch: Vec<usize> = rows.iter().map(|r| r + 32 * step).collect();
        let x = train.features().index_select(0, &batch);
        let y = Targets::Labels(batch.iter().map(|&i| train.labels()[i]).collect());
        model.train_step(&mut tape, &x, &y);
        held_per_step.push((tape.len(), tape.bytes_held()));
        tape.clear();
        assert_eq!((tape.len(), tape.bytes_held()), (0, 0));
    }
    assert!(
        held_per_step.windows(2).all(|w| w[0] == w[1]),
        "{held_per_step:?}"
    );
    let _: Tensor<f32> = model.predict(&train.features().narrow(0, 0, 4), 4);
}
