//! The smallest network that learns XOR, for a first read.
//!
//! XOR is not linearly separable, so a single neuron cannot learn it; one
//! hidden layer of four tanh units can. The model is
//! `2 -> Dense 4 tanh -> Dense 1 sigmoid`, trained with Adam on binary
//! cross-entropy over the four input pairs.
//!
//! ```text
//! cargo run --release --example xor
//! ```

use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::Tensor;
use tapegrad_nn::loss::{Loss, Targets};
use tapegrad_nn::optim::Adam;
use tapegrad_nn::train::{FitConfig, Metric, Model};
use tapegrad_nn::{Activation, Dense, Sequential};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let x = Tensor::<f32>::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], [4, 2])?;
    let y = Tensor::<f32>::from_vec(vec![0.0, 1.0, 1.0, 0.0], [4, 1])?;

    let mut rng = StdRng::seed_from_u64(7);
    let net = Sequential::new()
        .push(Dense::new(2, 4, Activation::Tanh, &mut rng))
        .push(Dense::new(4, 1, Activation::Sigmoid, &mut rng));
    let loss = Loss::BinaryCrossentropy { from_logits: false };
    let mut model = Model::compile(net, Adam::new(0.05), loss, &[Metric::BinaryAccuracy]);

    let config = FitConfig {
        epochs: 500,
        batch_size: 4,
        verbose: 0,
        ..FitConfig::default()
    };
    let history = model.fit(&x, &Targets::Dense(y), &config);
    let losses = history.metric("loss");
    println!(
        "loss: {:.4} after 1 epoch, {:.4} after {}",
        losses[0],
        losses[losses.len() - 1],
        losses.len()
    );

    let predictions = model.predict(&x, 4);
    for i in 0..4 {
        println!(
            "{} XOR {} -> {:.3}",
            x.get(&[i, 0]),
            x.get(&[i, 1]),
            predictions.get(&[i, 0])
        );
    }
    Ok(())
}
