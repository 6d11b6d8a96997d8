//! [`Model`]: a network compiled with an optimizer, a loss and metrics.

use std::path::Path;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use tapegrad::{Float, Tape, Tensor, Var};

use super::callbacks::{Callback, Control};
use super::history::{EpochLogs, History};
use super::metric::Metric;
use super::progress::Progress;
use crate::layers::{Activation, Sequential};
use crate::loss::{Loss, Targets};
use crate::module::{Bound, Module};
use crate::optim::Optimizer;
use crate::weights::{load_weights, save_weights, WeightsError};

/// How `fit` trains; [`FitConfig::default`] is Keras's (1 epoch, batch 32,
/// shuffled, verbose 1) with seed 0.
///
/// ```
/// let config = tapegrad_nn::train::FitConfig { epochs: 10, ..Default::default() };
/// assert_eq!(config.batch_size, 32);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FitConfig {
    /// Passes over the training data.
    pub epochs: usize,
    /// Samples per gradient step.
    pub batch_size: usize,
    /// Whether to shuffle the samples at every epoch.
    pub shuffle: bool,
    /// Seeds the shuffling.
    pub seed: u64,
    /// The fraction of the data, taken from its end before shuffling, held
    /// out for validation.
    pub validation_split: f64,
    /// 0 silent, 1 a progress bar, 2 one line per epoch.
    pub verbose: u8,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            validation_split: 0.0,
            verbose: 1,
        }
    }
}

/// A network with its optimizer, loss and metrics: Keras's compiled model.
///
/// ```
/// use rand::{rngs::StdRng, SeedableRng};
/// use tapegrad::Tensor;
/// use tapegrad_nn::loss::{Loss, Targets};
/// use tapegrad_nn::optim::Adam;
/// use tapegrad_nn::train::{FitConfig, Metric, Model};
/// use tapegrad_nn::{Activation, Dense, Sequential};
///
/// // Learn which of two features is larger.
/// let mut rng = StdRng::seed_from_u64(0);
/// let x = Tensor::<f32>::rand_uniform([256, 2], -1.0, 1.0, &mut rng);
/// let labels = (0..256).map(|i| usize::from(x.get(&[i, 1]) > x.get(&[i, 0]))).collect();
/// let y = Targets::Labels(labels);
/// let net = Sequential::new()
///     .push(Dense::new(2, 8, Activation::Relu, &mut rng))
///     .push(Dense::new(8, 2, Activation::Softmax, &mut rng));
/// let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
/// let mut model = Model::compile(net, Adam::new(0.05), loss, &[Metric::Accuracy]);
/// let config = FitConfig { epochs: 20, verbose: 0, ..Default::default() };
/// let history = model.fit(&x, &y, &config);
/// assert!(history.metric("accuracy").last().unwrap() > &0.95);
/// ```
pub struct Model<T: Float> {
    net: Sequential<T>,
    optimizer: Box<dyn Optimizer<T>>,
    loss: Loss,
    metrics: Vec<Metric>,
}

impl<T: Float> Model<T> {
    /// Compiles `net` for training with `optimizer`, `loss` and `metrics`.
    pub fn compile(
        net: Sequential<T>,
        optimizer: impl Optimizer<T> + 'static,
        loss: Loss,
        metrics: &[Metric],
    ) -> Self {
        Model {
            net,
            optimizer: Box::new(optimizer),
            loss,
            metrics: metrics.to_vec(),
        }
    }

    /// The network.
    pub fn net(&self) -> &Sequential<T> {
        &self.net
    }

    /// The network, mutably (to load weights, say).
    pub fn net_mut(&mut self) -> &mut Sequential<T> {
        &mut self.net
    }

    /// The optimizer, mutably (to change its learning rate or restore its state).
    pub fn optimizer_mut(&mut self) -> &mut dyn Optimizer<T> {
        self.optimizer.as_mut()
    }

    /// Saves the network's weights to a safetensors file; see [`save_weights`].
    pub fn save_weights(&self, path: impl AsRef<Path>) -> Result<(), WeightsError> {
        save_weights(&self.net, path)
    }

    /// Loads the network's weights from a safetensors file, checking names,
    /// shapes and element type; see [`load_weights`].
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<(), WeightsError> {
        load_weights(&mut self.net, path)
    }

    /// Keras's summary table for inputs of `input_shape` (without the batch axis).
    pub fn summary(&self, input_shape: &[usize]) -> String {
        self.net.summary(input_shape)
    }

    /// Trains on `x` (samples along the first axis) and `y`; see [`fit_with`](Self::fit_with).
    pub fn fit(&mut self, x: &Tensor<T>, y: &Targets<T>, config: &FitConfig) -> History {
        self.fit_with(x, y, config, None, &mut [])
    }

    /// Trains with optional validation data (which takes precedence over
    /// `validation_split`) and callbacks; returns the per-epoch logs.
    pub fn fit_with(
        &mut self,
        x: &Tensor<T>,
        y: &Targets<T>,
        config: &FitConfig,
        validation: Option<(&Tensor<T>, &Targets<T>)>,
        callbacks: &mut [&mut dyn Callback<T>],
    ) -> History {
        let n = x.shape().first().copied().unwrap_or(0);
        assert!(
            n == y.len(),
            "fit: {n} samples in x but {} targets in y",
            y.len()
        );
        assert!(config.batch_size > 0, "fit: batch_size must be positive");
        assert!(
            (0.0..1.0).contains(&config.validation_split),
            "fit: validation_split {} is not in [0, 1)",
            config.validation_split
        );
        let held_out = (n as f64 * config.validation_split) as usize;
        let train_n = n - held_out;
        let split = (held_out > 0 && validation.is_none()).then(|| {
            let rows: Vec<usize> = (train_n..n).collect();
            (x.index_select(0, &rows), y.select(&rows))
        });
        let validation = validation.or(split.as_ref().map(|(vx, vy)| (vx, vy)));
        let mut order: Vec<usize> = (0..train_n).collect();
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut tape = Tape::new();
        let mut history = History::default();
        for epoch in 0..config.epochs {
            if config.verbose > 0 {
                println!("Epoch {}/{}", epoch + 1, config.epochs);
            }
            if config.shuffle {
                order.shuffle(&mut rng);
            }
            let steps = train_n.div_ceil(config.batch_size);
            let mut progress = Progress::new(config.verbose, steps);
            let mut totals = vec![0.0; 1 + self.metrics.len()];
            let mut seen = 0;
            for (step, rows) in order.chunks(config.batch_size).enumerate() {
                let batch_y = y.select(rows);
                let (loss, output) = self.train_step(&mut tape, &x.index_select(0, rows), &batch_y);
                let weight = rows.len() as f64;
                totals[0] += loss * weight;
                for (total, metric) in totals[1..].iter_mut().zip(&self.metrics) {
                    *total += metric.batch_value(&output, &batch_y) * weight;
                }
                seen += rows.len();
                progress.update(step + 1, &self.named(&totals, seen as f64, ""));
            }
            let mut logs: Vec<(String, f64)> = self.named(&totals, seen as f64, "");
            if let Some((vx, vy)) = validation {
                let val = self.evaluate(vx, vy, config.batch_size);
                logs.extend(self.log_names("val_").into_iter().map(|k| {
                    let v = val[&k["val_".len()..]];
                    (k, v)
                }));
            }
            progress.finish(&logs);
            let logs: EpochLogs = logs.into_iter().collect();
            let mut stop = false;
            for cb in callbacks.iter_mut() {
                stop |= cb.on_epoch_end(epoch, &logs, &mut self.net) == Control::Stop;
            }
            history.push(logs);
            if stop {
                break;
            }
        }
        for cb in callbacks.iter_mut() {
            cb.on_train_end(&mut self.net);
        }
        history
    }

    /// One gradient step on a batch: returns the batch's mean loss and the
    /// model's output. The tape is cleared before and after the step, and
    /// its allocation reused.
    pub fn train_step(
        &mut self,
        tape: &mut Tape<T>,
        x: &Tensor<T>,
        y: &Targets<T>,
    ) -> (f64, Tensor<T>) {
        tape.clear();
        let (loss, output, grads) = {
            let bound = Bound::new(tape);
            let input = tape.constant(x.clone());
            let (output, logits) = run(&self.net, &bound, input);
            let loss = self.loss.compute(output, logits, y);
            let mut grads = loss.backward();
            let params = self.net.params();
            let grads: Vec<Tensor<T>> = params
                .iter()
                .map(|p| {
                    grads
                        .remove(bound.var(p))
                        .expect("every parameter is a leaf")
                })
                .collect();
            (loss.value().item().as_f64(), output.value(), grads)
        };
        // Releasing the step's nodes leaves the parameters' buffers unshared,
        // so the optimizer updates them in place.
        tape.clear();
        self.optimizer.step(&mut self.net.params_mut(), &grads);
        (loss, output)
    }

    /// The mean loss and metrics over `x` and `y`, in batches, recording nothing.
    ///
    /// The result maps `loss` and each metric's name to its value.
    pub fn evaluate(&self, x: &Tensor<T>, y: &Targets<T>, batch_size: usize) -> EpochLogs {
        let n = x.shape().first().copied().unwrap_or(0);
        assert!(
            n == y.len(),
            "evaluate: {n} samples in x but {} targets in y",
            y.len()
        );
        assert!(batch_size > 0, "evaluate: batch_size must be positive");
        let mut totals = vec![0.0; 1 + self.metrics.len()];
        let rows: Vec<usize> = (0..n).collect();
        for chunk in rows.chunks(batch_size) {
            let tape = Tape::new();
            let bound = Bound::frozen(&tape);
            let input = tape.constant(x.index_select(0, chunk));
            let batch_y = y.select(chunk);
            let (output, logits) = run(&self.net, &bound, input);
            let loss = self
                .loss
                .compute(output, logits, &batch_y)
                .value()
                .item()
                .as_f64();
            let weight = chunk.len() as f64;
            totals[0] += loss * weight;
            for (total, metric) in totals[1..].iter_mut().zip(&self.metrics) {
                *total += metric.batch_value(&output.value(), &batch_y) * weight;
            }
        }
        self.named(&totals, n as f64, "").into_iter().collect()
    }

    /// The model's outputs for `x`, computed in batches without recording.
    pub fn predict(&self, x: &Tensor<T>, batch_size: usize) -> Tensor<T> {
        assert!(batch_size > 0, "predict: batch_size must be positive");
        let n = x.shape().first().copied().unwrap_or(0);
        let rows: Vec<usize> = (0..n).collect();
        let outputs: Vec<Tensor<T>> = rows
            .chunks(batch_size)
            .map(|chunk| {
                let tape = Tape::new();
                let input = tape.constant(x.index_select(0, chunk));
                self.net.forward(&Bound::frozen(&tape), input).value()
            })
            .collect();
        let mut shape = self.net.output_shape(x.shape());
        if outputs.is_empty() {
            shape[0] = 0;
            return Tensor::zeros(shape);
        }
        Tensor::concat(&outputs.iter().collect::<Vec<_>>(), 0)
    }

    /// `loss` and the metric names, with a prefix.
    fn log_names(&self, prefix: &str) -> Vec<String> {
        std::iter::once("loss".to_string())
            .chain(self.metrics.iter().map(|m| m.name()))
            .map(|name| format!("{prefix}{name}"))
            .collect()
    }

    /// Sample-weighted totals as means under their log names; with no
    /// samples there is no mean, and every value is NaN.
    fn named(&self, totals: &[f64], count: f64, prefix: &str) -> Vec<(String, f64)> {
        self.log_names(prefix)
            .into_iter()
            .zip(
                totals
                    .iter()
                    .map(|t| if count > 0.0 { t / count } else { f64::NAN }),
            )
            .collect()
    }
}

/// Runs `net` once on `input`: the output and, when the network ends in a
/// softmax, the logits before it (for a stable cross-entropy).
fn run<'t, T: Float>(
    net: &Sequential<T>,
    bound: &Bound<'t, T>,
    input: Var<'t, T>,
) -> (Var<'t, T>, Option<Var<'t, T>>) {
    match net.forward_logits(bound, input) {
        Some(logits) => (Activation::Softmax.apply(logits), Some(logits)),
        None => (net.forward(bound, input), None),
    }
}
