//! A researcher's own layer: a radial-basis-function (RBF) layer built on a
//! custom primitive op with a hand-written VJP, gradient-checked at first
//! and second order, then trained.
//!
//! The primitive is the matrix of squared distances between inputs `x`
//! (`[n, d]`) and centres `c` (`[k, d]`):
//!
//! ```text
//! D[i, j] = |x_i - c_j|^2
//! dL/dx = 2 (rowsum(G) * x - G c)        dL/dc = 2 (colsum(G) * c - G^T x)
//! ```
//!
//! Its VJP is written in var ops, so the op is twice differentiable with no
//! further work. The layer computes `exp(-gamma D)` and feeds a Dense
//! classifier that learns to tell points inside a circle from points outside.
//!
//! ```text
//! cargo run --release --example custom_layer
//! ```

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tapegrad::gradcheck::{gradcheck, gradgradcheck};
use tapegrad::{CustomOp, Float, Tape, Tensor, Var};
use tapegrad_nn::loss::{Loss, Targets};
use tapegrad_nn::optim::Adam;
use tapegrad_nn::train::{FitConfig, Metric, Model};
use tapegrad_nn::{Activation, Bound, Dense, Module, Param, Sequential};

/// The squared-distance primitive: forward on tensors, VJP in var ops.
struct SquaredDistance;

impl<T: Float> CustomOp<T> for SquaredDistance {
    fn name(&self) -> &str {
        "squared_distance"
    }

    fn forward(&self, inputs: &[&Tensor<T>]) -> Tensor<T> {
        let (x, c) = (inputs[0], inputs[1]);
        let x_norms = x.square().sum_axes(&[1], true);
        let c_norms = c.square().sum_axes(&[1], true).transpose(0, 1);
        let cross = x.matmul_transposed(c, false, true);
        &(&x_norms + &c_norms) - &cross.mul_scalar(T::cast(2.0))
    }

    fn vjp<'t>(
        &self,
        inputs: &[Var<'t, T>],
        _output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Vec<Option<Var<'t, T>>> {
        let (x, c) = (inputs[0], inputs[1]);
        let two = T::cast(2.0);
        let dx = (grad.sum_axes(&[1], true) * x - grad.matmul(c)) * two;
        let dc = (grad.sum_axes(&[0], true).transpose(0, 1) * c
            - grad.matmul_transposed(x, true, false))
            * two;
        vec![Some(dx), Some(dc)]
    }
}

/// `exp(-gamma |x - c_j|^2)` for `k` learned centres `c_j`.
struct Rbf<T: Float> {
    centres: Param<T>,
    gamma: T,
}

impl<T: Float> Module<T> for Rbf<T> {
    fn forward<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        let distance = x.tape().custom(SquaredDistance, &[x, p.var(&self.centres)]);
        (distance * -self.gamma).exp()
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.centres]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.centres]
    }

    fn name(&self) -> String {
        "Rbf".into()
    }

    fn output_shape(&self, input: &[usize]) -> Vec<usize> {
        vec![input[0], self.centres.value().shape()[0]]
    }
}

fn squared_distance<'t>(tape: &'t Tape<f64>, v: &[Var<'t, f64>]) -> Var<'t, f64> {
    tape.custom(SquaredDistance, &[v[0], v[1]])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(11);

    let x = Tensor::<f64>::randn([4, 3], &mut rng);
    let c = Tensor::<f64>::randn([5, 3], &mut rng);
    gradcheck(squared_distance, &[x.clone(), c.clone()])?;
    gradgradcheck(squared_distance, &[x, c])?;
    println!("squared_distance: gradient check passed at first and second order");

    let n = 1000;
    let points = Tensor::<f32>::rand_uniform([n, 2], -1.0, 1.0, &mut rng);
    let labels: Vec<usize> = (0..n)
        .map(|i| usize::from(points.get(&[i, 0]).powi(2) + points.get(&[i, 1]).powi(2) < 0.5))
        .collect();
    let rbf = Rbf {
        centres: Param::new(
            "centres",
            Tensor::from_fn([16, 2], |_| rng.gen_range(-1.0..1.0)),
        ),
        gamma: 2.0,
    };
    let net = Sequential::new()
        .push(rbf)
        .push(Dense::new(16, 2, Activation::Softmax, &mut rng));
    let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
    let mut model = Model::compile(net, Adam::new(0.05), loss, &[Metric::Accuracy]);
    print!("{}", model.summary(&[2]));
    let config = FitConfig {
        epochs: 30,
        verbose: 2,
        validation_split: 0.2,
        ..FitConfig::default()
    };
    let history = model.fit(&points, &Targets::Labels(labels), &config);
    let accuracy = history.metric("val_accuracy");
    println!(
        "validation accuracy after training: {:.3}",
        accuracy[accuracy.len() - 1]
    );
    Ok(())
}
