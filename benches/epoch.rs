//! Whole training epochs of W1 and W2 on the real MNIST training set, timed
//! the way `pytorch/train_mlp.py` times PyTorch: `cargo bench -p
//! tapegrad-benches --bench epoch [-- --repeats R] [FILTER]`.
//!
//! Each repeat builds the network from fresh seeded weights and runs one
//! shuffled epoch through `Model::fit` (batch gathering included, loading
//! the data not), with sparse cross-entropy and Adam (lr 1e-3): W1 is
//! 784 -> 32 relu -> 10 with batch 32, W2 is 784 -> 512 relu -> 512 relu ->
//! 10 with batch 128. It prints one JSON line per workload in the PyTorch
//! scripts' format, with `"impl": "tapegrad"`; `side_by_side.py` reads it.
//! The data is the copy in `examples/data/mnist`. Like the mnist example,
//! it sets the thread pool up with `tapegrad::set_num_threads(0)`: set
//! `RAYON_NUM_THREADS` to fix the thread count.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad_nn::data::Mnist;
use tapegrad_nn::loss::{Loss, Targets};
use tapegrad_nn::optim::Adam;
use tapegrad_nn::train::{FitConfig, Model};
use tapegrad_nn::{Activation, Dense, Sequential};

/// (name, layer widths, batch size) of each workload.
const WORKLOADS: [(&str, &[usize], usize); 2] = [
    ("W1", &[784, 32, 10], 32),
    ("W2", &[784, 512, 512, 10], 128),
];

/// Dense layers of `widths`, relu between them and softmax at the end.
fn network(widths: &[usize], seed: u64) -> Sequential<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut net = Sequential::new();
    for (i, pair) in widths.windows(2).enumerate() {
        let activation = if i + 2 == widths.len() {
            Activation::Softmax
        } else {
            Activation::Relu
        };
        net = net.push(Dense::new(pair[0], pair[1], activation, &mut rng));
    }
    net
}

/// `--repeats R` (default 5) and the filters: the other arguments that do
/// not start with `--` (cargo passes `--bench`).
fn parse_args() -> Result<(usize, Vec<String>), String> {
    let mut repeats = 5;
    let mut filters = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--repeats" {
            let value = args.next().ok_or("--repeats needs a value")?;
            repeats = value
                .parse()
                .map_err(|_| format!("--repeats: {value:?} is not a count"))?;
        } else if !arg.starts_with("--") {
            filters.push(arg);
        }
    }
    Ok((repeats, filters))
}

fn main() -> ExitCode {
    let (repeats, filters) = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let chosen: Vec<_> = WORKLOADS
        .iter()
        .filter(|(name, ..)| {
            let id = format!("epoch/{name}");
            filters.is_empty() || filters.iter().any(|f| id.contains(f.as_str()))
        })
        .collect();
    if chosen.is_empty() {
        return ExitCode::SUCCESS;
    }
    if let Err(e) = tapegrad::set_num_threads(0) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/mnist");
    let mnist = match Mnist::load(&dir) {
        Ok(mnist) => mnist,
        Err(e) => {
            eprintln!("error: cannot load MNIST from {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let x = mnist.train.features();
    let y = Targets::Labels(mnist.train.labels().to_vec());
    for &&(name, widths, batch_size) in &chosen {
        let mut seconds = Vec::with_capacity(repeats);
        for repeat in 0..repeats as u64 {
            let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
            let mut model = Model::compile(network(widths, repeat), Adam::default(), loss, &[]);
            let config = FitConfig {
                epochs: 1,
                batch_size,
                seed: repeat,
                verbose: 0,
                ..FitConfig::default()
            };
            let start = Instant::now();
            let history = model.fit(x, &y, &config);
            seconds.push(start.elapsed().as_secs_f64());
            let loss = history.metric("loss").last().copied().unwrap_or(f64::NAN);
            eprintln!("{name} repeat {repeat}: epoch loss {loss:.4}");
        }
        let seconds: Vec<String> = seconds.iter().map(f64::to_string).collect();
        println!(
            "{{\"workload\": \"{name}\", \"variant\": \"train epoch\", \"impl\": \"tapegrad\", \
             \"threads\": {}, \"per\": \"epoch\", \"seconds\": [{}]}}",
            tapegrad::num_threads(),
            seconds.join(", ")
        );
    }
    ExitCode::SUCCESS
}
