//! The seed program: Keras's MNIST classifier, written on tapegrad.
//!
//! ```text
//! Dense(32, input_dim=784, activation=relu) -> Dense(10, softmax)
//! compile(optimizer=adam, loss=sparse_categorical_crossentropy, metrics=[accuracy])
//! fit(x_train, y_train, epochs=10, batch_size=32)
//! ```
//!
//! Trains on the real MNIST files shipped in `examples/data/mnist`, prints
//! Keras's summary and progress, the wall time of every epoch, and the test
//! loss and accuracy.
//!
//! ```text
//! cargo run --release --example mnist -- [--epochs 10] [--batch-size 32] [--hidden 32] [--seed 0] [--data DIR]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::Float;
use tapegrad_nn::data::Mnist;
use tapegrad_nn::loss::{Loss, Targets};
use tapegrad_nn::optim::Adam;
use tapegrad_nn::train::{Callback, Control, EpochLogs, FitConfig, Metric, Model};
use tapegrad_nn::{Activation, Dense, Module, Sequential};

/// The command-line settings.
struct Args {
    epochs: usize,
    batch_size: usize,
    hidden: usize,
    seed: u64,
    data: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        epochs: 10,
        batch_size: 32,
        hidden: 32,
        seed: 0,
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--epochs" => args.epochs = number(value()?)? as usize,
            "--batch-size" => args.batch_size = number(value()?)? as usize,
            "--hidden" => args.hidden = number(value()?)? as usize,
            "--seed" => args.seed = number(value()?)?,
            "--data" => args.data = PathBuf::from(value()?),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if args.batch_size == 0 || args.hidden == 0 {
        return Err("--batch-size and --hidden must be positive".into());
    }
    Ok(args)
}

/// Prints how long each epoch took, from one epoch end to the next.
struct EpochTimer {
    last: Instant,
    seconds: Vec<f64>,
}

impl<T: Float> Callback<T> for EpochTimer {
    fn on_epoch_end(&mut self, epoch: usize, _: &EpochLogs, _: &mut dyn Module<T>) -> Control {
        let seconds = self.last.elapsed().as_secs_f64();
        println!("epoch {} wall time: {seconds:.3} s", epoch + 1);
        self.seconds.push(seconds);
        self.last = Instant::now();
        Control::Continue
    }
}

fn main() -> ExitCode {
    // The main thread trains, so make it one of the pool's threads: large
    // products then use it instead of waiting for the pool.
    if let Err(e) = tapegrad::set_num_threads(0) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
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
    let mut rng = StdRng::seed_from_u64(args.seed);
    let net = Sequential::<f32>::new()
        .push(Dense::new(784, args.hidden, Activation::Relu, &mut rng))
        .push(Dense::new(args.hidden, 10, Activation::Softmax, &mut rng));
    let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
    let mut model = Model::compile(net, Adam::default(), loss, &[Metric::Accuracy]);
    print!("{}", model.summary(&[784]));

    let x_train = mnist.train.features();
    let y_train = Targets::Labels(mnist.train.labels().to_vec());
    let config = FitConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        seed: args.seed,
        ..FitConfig::default()
    };
    let mut timer = EpochTimer {
        last: Instant::now(),
        seconds: Vec::new(),
    };
    model.fit_with(x_train, &y_train, &config, None, &mut [&mut timer]);
    let mean = timer.seconds.iter().sum::<f64>() / timer.seconds.len().max(1) as f64;
    println!("mean epoch wall time: {mean:.3} s");

    let y_test = Targets::Labels(mnist.test.labels().to_vec());
    let test = model.evaluate(mnist.test.features(), &y_test, 256);
    println!(
        "Test loss: {:.4} - Test accuracy: {:.4}",
        test["loss"], test["accuracy"]
    );
    ExitCode::SUCCESS
}
