//! Losses, each a composition of core ops (so differentiable to any order).
//!
//! Per-sample losses are reduced over the batch by a [`Reduction`]. The
//! cross-entropies take logits (`from_logits = true`, fused through
//! `log_softmax`: the stable path) or probabilities with Keras's semantics:
//! probabilities are renormalised and clipped to `[1e-7, 1 - 1e-7]`.
//!
//! ```
//! use tapegrad::{Tape, Tensor};
//! use tapegrad_nn::loss::{sparse_categorical_crossentropy, Reduction};
//! let tape = Tape::new();
//! let logits = tape.var(Tensor::<f64>::zeros([2, 4]));
//! let loss = sparse_categorical_crossentropy(logits, &[1, 3], true, Reduction::Mean);
//! assert!((loss.value().item() - 4f64.ln()).abs() < 1e-12);
//! ```

use tapegrad::{Float, Tensor, Var};

/// Keras's clipping bound for probabilities.
pub const PROBABILITY_EPSILON: f64 = 1e-7;

/// How per-sample losses combine into the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The mean over samples (Keras's and PyTorch's default).
    #[default]
    Mean,
    /// The sum over samples.
    Sum,
    /// One loss per sample, shape `[n]`.
    None,
}

impl Reduction {
    /// Reduces per-sample losses of shape `[n]`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// use tapegrad_nn::loss::Reduction;
    /// let tape = Tape::new();
    /// let l = tape.constant(Tensor::<f64>::arange(4));
    /// assert_eq!(Reduction::Sum.apply(l).value().item(), 6.0);
    /// ```
    pub fn apply<'t, T: Float>(self, per_sample: Var<'t, T>) -> Var<'t, T> {
        match self {
            Reduction::Mean => per_sample.mean(),
            Reduction::Sum => per_sample.sum(),
            Reduction::None => per_sample,
        }
    }
}

/// Cross-entropy against integer labels; `pred` is `[n, classes]` logits or probabilities.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::loss::{sparse_categorical_crossentropy, Reduction};
/// let tape = Tape::new();
/// let probs = tape.var(Tensor::from_vec(vec![0.25, 0.75], [1, 2])?);
/// let loss = sparse_categorical_crossentropy(probs, &[1], false, Reduction::Mean);
/// assert!((loss.value().item() + 0.75f64.ln()).abs() < 1e-12);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn sparse_categorical_crossentropy<'t, T: Float>(
    pred: Var<'t, T>,
    labels: &[usize],
    from_logits: bool,
    reduction: Reduction,
) -> Var<'t, T> {
    let shape = pred.shape();
    assert!(
        shape.len() == 2 && shape[0] == labels.len(),
        "sparse_categorical_crossentropy: predictions of shape {:?} for {} labels",
        shape.as_slice(),
        labels.len()
    );
    let index = Tensor::from_slice(labels, [labels.len(), 1]).expect("one index per label");
    let picked = log_probabilities(pred, from_logits).gather(1, &index);
    reduction.apply(-picked.reshape([labels.len()]))
}

/// Cross-entropy against target distributions of the same shape as `pred`.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::loss::{categorical_crossentropy, Reduction};
/// let tape = Tape::new();
/// let logits = tape.var(Tensor::<f64>::zeros([1, 2]));
/// let target = tape.constant(Tensor::from_vec(vec![0.0, 1.0], [1, 2])?);
/// let loss = categorical_crossentropy(logits, target, true, Reduction::Sum);
/// assert!((loss.value().item() - 2f64.ln()).abs() < 1e-12);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn categorical_crossentropy<'t, T: Float>(
    pred: Var<'t, T>,
    target: Var<'t, T>,
    from_logits: bool,
    reduction: Reduction,
) -> Var<'t, T> {
    check_same_shape("categorical_crossentropy", pred, target);
    let last = pred.shape().len() - 1;
    let per_sample = -(target * log_probabilities(pred, from_logits)).sum_axes(&[last], false);
    reduction.apply(per_sample)
}

/// Binary cross-entropy against targets in `[0, 1]`; `pred` holds logits
/// (computed stably as `softplus(x) - x y`) or probabilities (clipped).
/// Per-sample losses average over the last axis.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::loss::{binary_crossentropy, Reduction};
/// let tape = Tape::new();
/// let logits = tape.var(Tensor::<f64>::zeros([3, 1]));
/// let target = tape.constant(Tensor::from_vec(vec![0.0, 1.0, 1.0], [3, 1])?);
/// let loss = binary_crossentropy(logits, target, true, Reduction::Mean);
/// assert!((loss.value().item() - 2f64.ln()).abs() < 1e-12);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn binary_crossentropy<'t, T: Float>(
    pred: Var<'t, T>,
    target: Var<'t, T>,
    from_logits: bool,
    reduction: Reduction,
) -> Var<'t, T> {
    check_same_shape("binary_crossentropy", pred, target);
    let elementwise = if from_logits {
        pred.softplus() - pred * target
    } else {
        let p = clip_probability(pred);
        let (one_minus_target, one_minus_p) = (-target + T::one(), -p + T::one());
        -(target * p.ln() + one_minus_target * one_minus_p.ln())
    };
    reduction.apply(mean_last_axis(elementwise))
}

/// Mean squared error, averaged over the last axis per sample.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::loss::{mean_squared_error, Reduction};
/// let tape = Tape::new();
/// let pred = tape.var(Tensor::from_vec(vec![1.0, 3.0], [1, 2])?);
/// let target = tape.constant(Tensor::<f64>::zeros([1, 2]));
/// assert_eq!(mean_squared_error(pred, target, Reduction::Mean).value().item(), 5.0);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn mean_squared_error<'t, T: Float>(
    pred: Var<'t, T>,
    target: Var<'t, T>,
    reduction: Reduction,
) -> Var<'t, T> {
    check_same_shape("mean_squared_error", pred, target);
    reduction.apply(mean_last_axis((pred - target).square()))
}

/// Mean absolute error, averaged over the last axis per sample.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::loss::{mean_absolute_error, Reduction};
/// let tape = Tape::new();
/// let pred = tape.var(Tensor::from_vec(vec![1.0, -3.0], [1, 2])?);
/// let target = tape.constant(Tensor::<f64>::zeros([1, 2]));
/// assert_eq!(mean_absolute_error(pred, target, Reduction::Mean).value().item(), 2.0);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn mean_absolute_error<'t, T: Float>(
    pred: Var<'t, T>,
    target: Var<'t, T>,
    reduction: Reduction,
) -> Var<'t, T> {
    check_same_shape("mean_absolute_error", pred, target);
    reduction.apply(mean_last_axis((pred - target).abs()))
}

/// Huber loss: `e^2 / 2` where `|e| <= delta`, else `delta (|e| - delta / 2)`,
/// averaged over the last axis per sample (Keras's default delta is 1).
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::loss::{huber, Reduction};
/// let tape = Tape::new();
/// let pred = tape.var(Tensor::from_vec(vec![0.5, 3.0], [1, 2])?);
/// let target = tape.constant(Tensor::<f64>::zeros([1, 2]));
/// assert_eq!(huber(pred, target, 1.0, Reduction::Mean).value().item(), (0.125 + 2.5) / 2.0);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
pub fn huber<'t, T: Float>(
    pred: Var<'t, T>,
    target: Var<'t, T>,
    delta: T,
    reduction: Reduction,
) -> Var<'t, T> {
    check_same_shape("huber", pred, target);
    let error = pred - target;
    let small = error.value().abs().le(&Tensor::scalar(delta));
    let quadratic = error.square() * T::cast(0.5);
    let linear = (error.abs() - delta * T::cast(0.5)) * delta;
    reduction.apply(mean_last_axis(Var::where_(&small, quadratic, linear)))
}

/// Log-probabilities over the last axis from logits, or from probabilities
/// (renormalised and clipped, as Keras does).
fn log_probabilities<T: Float>(pred: Var<'_, T>, from_logits: bool) -> Var<'_, T> {
    let last = pred.shape().len() - 1;
    if from_logits {
        pred.log_softmax(last)
    } else {
        clip_probability(pred / pred.sum_axes(&[last], true)).ln()
    }
}

fn clip_probability<T: Float>(p: Var<'_, T>) -> Var<'_, T> {
    let eps = PROBABILITY_EPSILON;
    p.clamp(T::cast(eps), T::cast(1.0 - eps))
}

fn mean_last_axis<T: Float>(x: Var<'_, T>) -> Var<'_, T> {
    let last = x.shape().len().saturating_sub(1);
    x.mean_axes(&[last], false)
}

fn check_same_shape<T: Float>(op: &str, pred: Var<'_, T>, target: Var<'_, T>) {
    assert!(
        pred.shape() == target.shape() && !pred.shape().is_empty(),
        "{op}: predictions of shape {:?} and targets of shape {:?} must match (with a batch axis)",
        pred.shape().as_slice(),
        target.shape().as_slice()
    );
}

/// Training targets: integer labels or a tensor of target values.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad_nn::loss::Targets;
/// let t = Targets::<f32>::Labels(vec![3, 1, 4]);
/// assert_eq!(t.len(), 3);
/// assert!(matches!(t.select(&[2, 0]), Targets::Labels(l) if l == vec![4, 3]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Targets<T: Float> {
    /// One class index per sample.
    Labels(Vec<usize>),
    /// A target row per sample (one-hot classes, regression values, binary labels).
    Dense(Tensor<T>),
}

impl<T: Float> Targets<T> {
    /// The number of samples.
    pub fn len(&self) -> usize {
        match self {
            Targets::Labels(l) => l.len(),
            Targets::Dense(t) => t.shape().first().copied().unwrap_or(0),
        }
    }

    /// Whether there are no samples.
    ///
    /// ```
    /// assert!(tapegrad_nn::loss::Targets::<f32>::Labels(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The targets of the samples at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Targets<T> {
        match self {
            Targets::Labels(l) => Targets::Labels(rows.iter().map(|&r| l[r]).collect()),
            Targets::Dense(t) => Targets::Dense(t.index_select(0, rows)),
        }
    }
}

/// A loss as `compile` names it, with Keras's meaning.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// use tapegrad_nn::loss::{Loss, Targets};
/// let tape = Tape::new();
/// let probs = tape.var(Tensor::from_vec(vec![0.5, 0.5], [1, 2])?);
/// let loss = Loss::SparseCategoricalCrossentropy { from_logits: false };
/// let value = loss.compute(probs, None, &Targets::Labels(vec![0])).value().item();
/// assert!((value - 2f64.ln()).abs() < 1e-12);
/// # Ok::<(), tapegrad::TensorError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Loss {
    /// [`sparse_categorical_crossentropy`] against labels.
    SparseCategoricalCrossentropy {
        /// Whether the model outputs logits.
        from_logits: bool,
    },
    /// [`categorical_crossentropy`] against one-hot or soft targets.
    CategoricalCrossentropy {
        /// Whether the model outputs logits.
        from_logits: bool,
    },
    /// [`binary_crossentropy`] against targets in `[0, 1]`.
    BinaryCrossentropy {
        /// Whether the model outputs logits.
        from_logits: bool,
    },
    /// [`mean_squared_error`].
    MeanSquaredError,
    /// [`mean_absolute_error`].
    MeanAbsoluteError,
    /// [`huber`] with this delta.
    Huber(f64),
}

impl Loss {
    /// The mean loss of a batch. `output` is the model's output; `logits`,
    /// when the model ends in a softmax, is its input: a cross-entropy from
    /// probabilities then trains on the logits, as Keras's TensorFlow backend
    /// does, for stability.
    pub fn compute<'t, T: Float>(
        self,
        output: Var<'t, T>,
        logits: Option<Var<'t, T>>,
        targets: &Targets<T>,
    ) -> Var<'t, T> {
        let mean = Reduction::Mean;
        let dense = |name: &str| match targets {
            Targets::Dense(t) => output.tape().constant(t.clone()),
            Targets::Labels(_) => panic!("{name}: needs dense targets, got labels"),
        };
        match self {
            Loss::SparseCategoricalCrossentropy { from_logits } => {
                let Targets::Labels(labels) = targets else {
                    panic!("sparse_categorical_crossentropy: needs labels, got dense targets");
                };
                match (from_logits, logits) {
                    (false, Some(z)) => sparse_categorical_crossentropy(z, labels, true, mean),
                    _ => sparse_categorical_crossentropy(output, labels, from_logits, mean),
                }
            }
            Loss::CategoricalCrossentropy { from_logits } => {
                let target = dense("categorical_crossentropy");
                match (from_logits, logits) {
                    (false, Some(z)) => categorical_crossentropy(z, target, true, mean),
                    _ => categorical_crossentropy(output, target, from_logits, mean),
                }
            }
            Loss::BinaryCrossentropy { from_logits } => {
                binary_crossentropy(output, dense("binary_crossentropy"), from_logits, mean)
            }
            Loss::MeanSquaredError => mean_squared_error(output, dense("mean_squared_error"), mean),
            Loss::MeanAbsoluteError => {
                mean_absolute_error(output, dense("mean_absolute_error"), mean)
            }
            Loss::Huber(delta) => huber(output, dense("huber"), T::cast(delta), mean),
        }
    }
}
