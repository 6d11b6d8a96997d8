//! Random graphs as plain data: a list of nodes (an op, the indices of its
//! operands among earlier nodes, its parameters) and the terminal nodes the
//! output combines. A graph can be printed, checked for well-typedness and
//! for points away from kinks, replayed on a tape, and edited by the shrinker.

use std::fmt;

use tapegrad::shape::broadcast_shapes;
use tapegrad::{CustomOp, Tape, Tensor, Var};

use crate::common::XSinX;

/// A shape, as plain data.
pub type Dims = Vec<usize>;

/// Every value of a valid graph stays within `[-BOUND, BOUND]`, which keeps
/// `exp` bounded and finite differences accurate.
const BOUND: f64 = 50.0;

/// How far every value must stay from a kink (the 0 of `abs`, the bounds of
/// `clamp`, the other operand of `maximum`, the runner-up of a `max`): far
/// more than the checker's steps of 1e-6 move it.
const MARGIN: f64 = 1e-2;

/// Elementwise ops of one operand. Those named `*Sq` apply to `x^2 + c`, so
/// that they see positive values only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unary {
    Exp,
    Tanh,
    Sigmoid,
    Sin,
    Cos,
    Square,
    Softplus,
    Gelu,
    Neg,
    /// `ln(x^2 + 1)`.
    LnSq,
    /// `sqrt(x^2 + 0.25)`.
    SqrtSq,
    /// `1 / (x^2 + 1)`.
    RecipSq,
    Abs,
    Relu,
    /// `leaky_relu(x, 0.1)`.
    LeakyRelu,
}

/// `x ⊕ c` and `c ⊕ x` for a scalar `c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarOp {
    /// `x + c`.
    Add,
    /// `x * c`.
    Mul,
    /// `x / c`.
    Div,
    /// `c - x`.
    RSub,
    /// `c / (x^2 + 1)`.
    RDivSq,
}

/// Broadcasting ops of two operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    /// `a / (b^2 + 0.5)`.
    DivSq,
    /// `(a^2 + 0.5) ^ b`.
    PowSq,
    Maximum,
    Minimum,
}

/// Reductions over a set of axes (all of them when the set is empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    Sum,
    Mean,
    Max,
    Min,
}

/// One node's operation and parameters; its operands are in [`Node::args`].
#[derive(Clone)]
pub enum Op {
    /// A leaf whose value the graph holds; the gradient checker varies it.
    Input(Tensor<f64>),
    /// A constant leaf (`Tape::constant`): no gradient flows into it.
    Const(Tensor<f64>),
    Unary(Unary),
    /// `(x^2 + 0.5) ^ p`.
    Powf(f64),
    Clamp(f64, f64),
    Scalar(ScalarOp, f64),
    Binary(Binary),
    /// `where(mask, a, b)`; the mask has the broadcast shape of `a` and `b`.
    Where(Tensor<bool>),
    Reduce {
        kind: Reduction,
        axes: Dims,
        keepdim: bool,
    },
    LogSoftmax(usize),
    Softmax(usize),
    LogSumExp {
        axis: usize,
        keepdim: bool,
    },
    MatMul {
        ta: bool,
        tb: bool,
    },
    Reshape(Dims),
    Permute(Dims),
    Narrow {
        axis: usize,
        start: usize,
        len: usize,
    },
    Pad {
        axis: usize,
        before: usize,
        after: usize,
    },
    /// Joins all the operands along the axis.
    Concat(usize),
    IndexSelect {
        axis: usize,
        indices: Dims,
    },
    IndexAdd {
        axis: usize,
        indices: Dims,
        len: usize,
    },
    Gather {
        axis: usize,
        index: Tensor<usize>,
    },
    ScatterAdd {
        axis: usize,
        index: Tensor<usize>,
        len: usize,
    },
    BroadcastTo(Dims),
    SumTo(Dims),
    /// [`XSinX`], a correct custom op.
    XSinX,
    /// [`PlantedSin`], a custom op with a bug, for testing the tester.
    Planted(Bug),
}

/// The bugs a test can plant in the generator's ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// A VJP 10% too large: wrong at first order.
    WrongVjp,
    /// A VJP whose factor `cos x` is detached from the tape: right at first
    /// order, but the gradient of the gradient misses a term.
    DetachedVjp,
}

/// `sin x` as a custom op whose VJP has the bug it names.
pub struct PlantedSin(pub Bug);

impl CustomOp<f64> for PlantedSin {
    fn name(&self) -> &str {
        match self.0 {
            Bug::WrongVjp => "wrong_vjp_sin",
            Bug::DetachedVjp => "detached_vjp_sin",
        }
    }
    fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
        inputs[0].sin()
    }
    fn vjp<'t>(
        &self,
        inputs: &[Var<'t, f64>],
        _output: Var<'t, f64>,
        grad: Var<'t, f64>,
    ) -> Vec<Option<Var<'t, f64>>> {
        let x = inputs[0];
        vec![Some(match self.0 {
            Bug::WrongVjp => grad * x.cos() * 1.1,
            Bug::DetachedVjp => grad * x.detach().cos(),
        })]
    }
}

/// One step of a graph: `op` applied to the values of the nodes `args`.
#[derive(Clone)]
pub struct Node {
    pub op: Op,
    pub args: Vec<usize>,
}

/// A random graph. The function it stands for takes the `Input` nodes'
/// values, in order, and returns the sum of `(t * weights(t)).sum()` over
/// its terminal nodes `t`, or with `direct` the single terminal itself.
#[derive(Clone)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub outputs: Vec<usize>,
    pub direct: bool,
}

impl Graph {
    /// The values of the `Input` nodes, in order: the checker's inputs.
    pub fn inputs(&self) -> Vec<Tensor<f64>> {
        self.nodes
            .iter()
            .filter_map(|n| match &n.op {
                Op::Input(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    /// The shape of every node, or `None` if some op is applied to operands
    /// it does not accept (or the outputs are malformed).
    pub fn shapes(&self) -> Option<Vec<Dims>> {
        let outputs_ok = !self.outputs.is_empty()
            && self.outputs.iter().all(|&o| o < self.nodes.len())
            && (!self.direct || self.outputs.len() == 1);
        if !outputs_ok {
            return None;
        }
        let mut shapes: Vec<Dims> = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate() {
            if node.args.iter().any(|&a| a >= i) {
                return None;
            }
            let args: Vec<&[usize]> = node.args.iter().map(|&a| shapes[a].as_slice()).collect();
            shapes.push(infer(&node.op, &args)?);
        }
        Some(shapes)
    }

    /// The value of every node, or `None` unless the graph is well typed and
    /// every value is finite, bounded and away from kinks.
    pub fn values(&self) -> Option<Vec<Tensor<f64>>> {
        self.shapes()?;
        let tape = Tape::new();
        let mut vars: Vec<Var<'_, f64>> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let var = match &node.op {
                Op::Input(t) => tape.var(t.clone()),
                Op::Const(t) => tape.constant(t.clone()),
                op => {
                    let args: Vec<Var<'_, f64>> = node.args.iter().map(|&a| vars[a]).collect();
                    apply(op, &args)
                }
            };
            let operands: Vec<Tensor<f64>> = node.args.iter().map(|&a| vars[a].value()).collect();
            if !safe(&node.op, &operands, &var.value()) {
                return None;
            }
            vars.push(var);
        }
        Some(vars.iter().map(|v| v.value()).collect())
    }

    /// Whether the graph is well typed and its values are safe to check.
    pub fn is_valid(&self) -> bool {
        self.values().is_some()
    }

    /// Records the graph on `tape`, the `Input` nodes taking `inputs` in
    /// order, and returns the output. The graph must be valid.
    pub fn replay<'t>(&self, tape: &'t Tape<f64>, inputs: &[Var<'t, f64>]) -> Var<'t, f64> {
        let mut vars: Vec<Var<'t, f64>> = Vec::with_capacity(self.nodes.len());
        let mut next_input = inputs.iter();
        for node in &self.nodes {
            let var = match &node.op {
                Op::Input(_) => *next_input.next().expect("one var per input node"),
                Op::Const(t) => tape.constant(t.clone()),
                op => {
                    let args: Vec<Var<'t, f64>> = node.args.iter().map(|&a| vars[a]).collect();
                    apply(op, &args)
                }
            };
            vars.push(var);
        }
        if self.direct {
            return vars[self.outputs[0]];
        }
        let mut total: Option<Var<'t, f64>> = None;
        for &o in &self.outputs {
            let term = (vars[o] * &weights(&vars[o].shape())).sum();
            total = Some(total.map_or(term, |t| t + term));
        }
        total.expect("a valid graph has an output")
    }

    /// The graph without the nodes no output depends on, renumbered.
    pub fn pruned(&self) -> Graph {
        let mut live = vec![false; self.nodes.len()];
        for &o in &self.outputs {
            live[o] = true;
        }
        for i in (0..self.nodes.len()).rev() {
            if live[i] {
                for &a in &self.nodes[i].args {
                    live[a] = true;
                }
            }
        }
        let mut new_index = vec![usize::MAX; self.nodes.len()];
        let mut nodes = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if live[i] {
                new_index[i] = nodes.len();
                nodes.push(Node {
                    op: node.op.clone(),
                    args: node.args.iter().map(|&a| new_index[a]).collect(),
                });
            }
        }
        let mut outputs: Vec<usize> = Vec::new();
        for &o in &self.outputs {
            if !outputs.contains(&new_index[o]) {
                outputs.push(new_index[o]);
            }
        }
        Graph {
            nodes,
            outputs,
            direct: self.direct,
        }
    }

    /// How many nodes are not leaves.
    pub fn op_count(&self) -> usize {
        self.nodes.iter().filter(|n| !n.args.is_empty()).count()
    }

    /// Whether some node is a [`PlantedSin`].
    pub fn has_planted(&self) -> bool {
        self.nodes.iter().any(|n| matches!(n.op, Op::Planted(_)))
    }

    /// The name of each node's op kind, for coverage statistics.
    pub fn op_names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| op_name(&n.op)).collect()
    }
}

/// The weights of a terminal's weighted sum: fixed, distinct, non-uniform,
/// so that an output permuted or misplaced by a wrong gradient is caught.
fn weights(shape: &[usize]) -> Tensor<f64> {
    Tensor::from_fn(shape, |i| 0.5 + ((i * 7 + 3) % 11) as f64 / 10.0)
}

/// The output shape of `op` on operands of shapes `args`; `None` if it does
/// not accept them.
fn infer(op: &Op, args: &[&[usize]]) -> Option<Dims> {
    let arity = match op {
        Op::Input(_) | Op::Const(_) => 0,
        Op::Binary(_) | Op::Where(_) | Op::MatMul { .. } => 2,
        Op::Concat(_) => args.len().max(1),
        _ => 1,
    };
    if args.len() != arity {
        return None;
    }
    let x = args.first().copied().unwrap_or(&[]);
    let rank = x.len();
    let size = |axis: usize| x.get(axis).copied();
    let with = |axis: usize, len: usize| {
        let mut d = x.to_vec();
        d[axis] = len;
        d
    };
    let out = match op {
        Op::Input(t) | Op::Const(t) => t.shape().to_vec(),
        Op::Unary(_)
        | Op::Powf(_)
        | Op::Clamp(..)
        | Op::Scalar(..)
        | Op::XSinX
        | Op::Planted(_) => x.to_vec(),
        Op::Binary(_) => broadcast_shapes(args[0], args[1])?.to_vec(),
        Op::Where(mask) => {
            let out = broadcast_shapes(args[0], args[1])?.to_vec();
            (mask.shape() == out.as_slice()).then_some(out)?
        }
        Op::Reduce { axes, keepdim, .. } => {
            let mut sorted = axes.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted.len() != axes.len() || axes.iter().any(|&a| a >= rank) {
                return None;
            }
            x.iter()
                .enumerate()
                .filter_map(
                    |(d, &n)| match (axes.is_empty() || axes.contains(&d), keepdim) {
                        (false, _) => Some(n),
                        (true, true) => Some(1),
                        (true, false) => None,
                    },
                )
                .collect()
        }
        Op::LogSoftmax(axis) | Op::Softmax(axis) => {
            size(*axis)?;
            x.to_vec()
        }
        Op::LogSumExp { axis, keepdim } => {
            size(*axis)?;
            let mut d = x.to_vec();
            if *keepdim {
                d[*axis] = 1;
            } else {
                d.remove(*axis);
            }
            d
        }
        Op::MatMul { ta, tb } => {
            let (a, b) = (args[0], args[1]);
            if a.len() < 2 || b.len() < 2 {
                return None;
            }
            let matrix = |d: &[usize], t: bool| {
                let (r, c) = (d[d.len() - 2], d[d.len() - 1]);
                if t {
                    (c, r)
                } else {
                    (r, c)
                }
            };
            let ((m, k), (k2, n)) = (matrix(a, *ta), matrix(b, *tb));
            if k != k2 {
                return None;
            }
            let mut d = broadcast_shapes(&a[..a.len() - 2], &b[..b.len() - 2])?.to_vec();
            d.extend([m, n]);
            d
        }
        Op::Reshape(to) => (numel(to) == numel(x)).then(|| to.clone())?,
        Op::Permute(axes) => {
            let mut sorted = axes.clone();
            sorted.sort_unstable();
            if sorted != (0..rank).collect::<Dims>() {
                return None;
            }
            axes.iter().map(|&a| x[a]).collect()
        }
        Op::Narrow { axis, start, len } => {
            (*len >= 1 && start + len <= size(*axis)?).then(|| with(*axis, *len))?
        }
        Op::Pad {
            axis,
            before,
            after,
        } => with(*axis, size(*axis)? + before + after),
        Op::Concat(axis) => {
            size(*axis)?;
            let agrees =
                |d: &[usize]| d.len() == rank && (0..rank).all(|i| i == *axis || d[i] == x[i]);
            if !args.iter().all(|d| agrees(d)) {
                return None;
            }
            with(*axis, args.iter().map(|d| d[*axis]).sum())
        }
        Op::IndexSelect { axis, indices } => {
            let n = size(*axis)?;
            (!indices.is_empty() && indices.iter().all(|&i| i < n))
                .then(|| with(*axis, indices.len()))?
        }
        Op::IndexAdd { axis, indices, len } => (size(*axis)? == indices.len()
            && indices.iter().all(|&i| i < *len))
        .then(|| with(*axis, *len))?,
        Op::Gather { axis, index } => {
            let n = size(*axis)?;
            let d = index.shape();
            let agrees = d.len() == rank && (0..rank).all(|i| i == *axis || d[i] == x[i]);
            (agrees && d[*axis] >= 1 && index.as_slice().iter().all(|&i| i < n))
                .then(|| d.to_vec())?
        }
        Op::ScatterAdd { axis, index, len } => {
            size(*axis)?;
            (index.shape() == x && index.as_slice().iter().all(|&i| i < *len))
                .then(|| with(*axis, *len))?
        }
        Op::BroadcastTo(to) => {
            let fits = to.len() >= rank
                && broadcast_shapes(x, to).is_some_and(|s| s.as_slice() == to.as_slice());
            fits.then(|| to.clone())?
        }
        Op::SumTo(to) => {
            let fits =
                to.len() <= rank && broadcast_shapes(x, to).is_some_and(|s| s.as_slice() == x);
            fits.then(|| to.clone())?
        }
    };
    Some(out)
}

/// Records `op` on the tape of `args`, which `infer` has accepted.
fn apply<'t>(op: &Op, args: &[Var<'t, f64>]) -> Var<'t, f64> {
    let x = args[0];
    match op {
        Op::Input(_) | Op::Const(_) => unreachable!("leaves are not applied"),
        Op::Unary(u) => match u {
            Unary::Exp => x.exp(),
            Unary::Tanh => x.tanh(),
            Unary::Sigmoid => x.sigmoid(),
            Unary::Sin => x.sin(),
            Unary::Cos => x.cos(),
            Unary::Square => x.square(),
            Unary::Softplus => x.softplus(),
            Unary::Gelu => x.gelu(),
            Unary::Neg => -x,
            Unary::LnSq => (x.square() + 1.0).ln(),
            Unary::SqrtSq => (x.square() + 0.25).sqrt(),
            Unary::RecipSq => (x.square() + 1.0).recip(),
            Unary::Abs => x.abs(),
            Unary::Relu => x.relu(),
            Unary::LeakyRelu => x.leaky_relu(0.1),
        },
        Op::Powf(p) => (x.square() + 0.5).powf(*p),
        Op::Clamp(low, high) => x.clamp(*low, *high),
        Op::Scalar(s, c) => match s {
            ScalarOp::Add => x + *c,
            ScalarOp::Mul => x * *c,
            ScalarOp::Div => x / *c,
            ScalarOp::RSub => *c - x,
            ScalarOp::RDivSq => *c / (x.square() + 1.0),
        },
        Op::Binary(b) => {
            let y = args[1];
            match b {
                Binary::Add => x + y,
                Binary::Sub => x - y,
                Binary::Mul => x * y,
                Binary::DivSq => x / (y.square() + 0.5),
                Binary::PowSq => (x.square() + 0.5).pow(y),
                Binary::Maximum => x.maximum(y),
                Binary::Minimum => x.minimum(y),
            }
        }
        Op::Where(mask) => Var::where_(mask, x, args[1]),
        Op::Reduce {
            kind,
            axes,
            keepdim,
        } => match kind {
            Reduction::Sum => x.sum_axes(axes, *keepdim),
            Reduction::Mean => x.mean_axes(axes, *keepdim),
            Reduction::Max => x.max_axes(axes, *keepdim),
            Reduction::Min => x.min_axes(axes, *keepdim),
        },
        Op::LogSoftmax(axis) => x.log_softmax(*axis),
        Op::Softmax(axis) => x.softmax(*axis),
        Op::LogSumExp { axis, keepdim } => x.logsumexp(*axis, *keepdim),
        Op::MatMul { ta, tb } => x.matmul_transposed(args[1], *ta, *tb),
        Op::Reshape(to) => x.reshape(to),
        Op::Permute(axes) => x.permute(axes),
        Op::Narrow { axis, start, len } => x.narrow(*axis, *start, *len),
        Op::Pad {
            axis,
            before,
            after,
        } => x.pad(*axis, *before, *after),
        Op::Concat(axis) => Var::concat(args, *axis),
        Op::IndexSelect { axis, indices } => x.index_select(*axis, indices),
        Op::IndexAdd { axis, indices, len } => x.index_add(*axis, indices, *len),
        Op::Gather { axis, index } => x.gather(*axis, index),
        Op::ScatterAdd { axis, index, len } => x.scatter_add(*axis, index, *len),
        Op::BroadcastTo(to) => x.broadcast_to(to),
        Op::SumTo(to) => x.sum_to(to),
        Op::XSinX => x.tape().custom(XSinX, &[x]),
        Op::Planted(bug) => x.tape().custom(PlantedSin(*bug), &[x]),
    }
}

/// Whether `out`, the value of `op` on `args`, is finite and bounded, and
/// the operands of a piecewise op are at least [`MARGIN`] from its kinks.
fn safe(op: &Op, args: &[Tensor<f64>], out: &Tensor<f64>) -> bool {
    let far = |values: &[f64], kink: f64| values.iter().all(|v| (v - kink).abs() >= MARGIN);
    let bounded = out.as_slice().iter().all(|v| v.abs() <= BOUND);
    bounded
        && match op {
            Op::Unary(Unary::Abs | Unary::Relu | Unary::LeakyRelu) => far(args[0].as_slice(), 0.0),
            Op::Clamp(low, high) => far(args[0].as_slice(), *low) && far(args[0].as_slice(), *high),
            Op::Binary(Binary::Maximum | Binary::Minimum) => {
                let (a, b) = (
                    args[0].broadcast_to(out.shape()),
                    args[1].broadcast_to(out.shape()),
                );
                a.as_slice()
                    .iter()
                    .zip(b.as_slice())
                    .all(|(p, q)| (p - q).abs() >= MARGIN)
            }
            Op::Reduce {
                kind: Reduction::Max | Reduction::Min,
                axes,
                ..
            } => reduction_groups(args[0].shape(), axes).iter().all(|group| {
                let mut values: Vec<f64> = group.iter().map(|&k| args[0].as_slice()[k]).collect();
                values.sort_by(f64::total_cmp);
                // Both the largest and the smallest must stand alone.
                let n = values.len();
                n < 2
                    || (values[n - 1] - values[n - 2] >= MARGIN && values[1] - values[0] >= MARGIN)
            }),
            _ => true,
        }
}

/// The flat positions of `dims` grouped by the element of a reduction over
/// `axes` (all when empty) that they fall into.
fn reduction_groups(dims: &[usize], axes: &[usize]) -> Vec<Vec<usize>> {
    let kept: Dims = dims
        .iter()
        .enumerate()
        .map(|(d, &n)| {
            if axes.is_empty() || axes.contains(&d) {
                1
            } else {
                n
            }
        })
        .collect();
    let mut groups = vec![Vec::new(); numel(&kept)];
    for flat in 0..numel(dims) {
        let mut rest = flat;
        let mut index = vec![0; dims.len()];
        for d in (0..dims.len()).rev() {
            index[d] = rest % dims[d];
            rest /= dims[d];
        }
        let key = index
            .iter()
            .zip(&kept)
            .fold(0, |acc, (&i, &k)| acc * k + i % k);
        groups[key].push(flat);
    }
    groups
}

/// The number of elements of a shape.
pub fn numel(dims: &[usize]) -> usize {
    dims.iter().product()
}

/// The name of an op's kind, without its parameters.
fn op_name(op: &Op) -> String {
    match op {
        Op::Input(_) => "input".to_string(),
        Op::Const(_) => "Const".to_string(),
        Op::Unary(u) => format!("{u:?}"),
        Op::Powf(_) => "Powf".to_string(),
        Op::Clamp(..) => "Clamp".to_string(),
        Op::Scalar(s, _) => format!("Scalar{s:?}"),
        Op::Binary(b) => format!("{b:?}"),
        Op::Where(_) => "Where".to_string(),
        Op::Reduce { kind, .. } => format!("{kind:?}"),
        Op::LogSoftmax(_) => "LogSoftmax".to_string(),
        Op::Softmax(_) => "Softmax".to_string(),
        Op::LogSumExp { .. } => "LogSumExp".to_string(),
        Op::MatMul { .. } => "MatMul".to_string(),
        Op::Reshape(_) => "Reshape".to_string(),
        Op::Permute(_) => "Permute".to_string(),
        Op::Narrow { .. } => "Narrow".to_string(),
        Op::Pad { .. } => "Pad".to_string(),
        Op::Concat(_) => "Concat".to_string(),
        Op::IndexSelect { .. } => "IndexSelect".to_string(),
        Op::IndexAdd { .. } => "IndexAdd".to_string(),
        Op::Gather { .. } => "Gather".to_string(),
        Op::ScatterAdd { .. } => "ScatterAdd".to_string(),
        Op::BroadcastTo(_) => "BroadcastTo".to_string(),
        Op::SumTo(_) => "SumTo".to_string(),
        Op::XSinX => "XSinX".to_string(),
        Op::Planted(_) => "Planted".to_string(),
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Input(t) => write!(f, "input {:?} {:?}", t.shape(), t.as_slice()),
            Op::Const(t) => write!(f, "constant {:?} {:?}", t.shape(), t.as_slice()),
            Op::Unary(u) => write!(f, "{u:?}"),
            Op::Powf(p) => write!(f, "Powf(p={p:?})"),
            Op::Clamp(low, high) => write!(f, "Clamp({low:?}, {high:?})"),
            Op::Scalar(s, c) => write!(f, "Scalar{s:?}(c={c:?})"),
            Op::Binary(b) => write!(f, "{b:?}"),
            Op::Where(mask) => write!(f, "Where(mask={:?} {:?})", mask.shape(), mask.as_slice()),
            Op::Reduce {
                kind,
                axes,
                keepdim,
            } => write!(f, "{kind:?}(axes={axes:?}, keepdim={keepdim})"),
            Op::LogSoftmax(axis) => write!(f, "LogSoftmax(axis={axis})"),
            Op::Softmax(axis) => write!(f, "Softmax(axis={axis})"),
            Op::LogSumExp { axis, keepdim } => {
                write!(f, "LogSumExp(axis={axis}, keepdim={keepdim})")
            }
            Op::MatMul { ta, tb } => write!(f, "MatMul(ta={ta}, tb={tb})"),
            Op::Reshape(to) => write!(f, "Reshape({to:?})"),
            Op::Permute(axes) => write!(f, "Permute({axes:?})"),
            Op::Narrow { axis, start, len } => {
                write!(f, "Narrow(axis={axis}, start={start}, len={len})")
            }
            Op::Pad {
                axis,
                before,
                after,
            } => write!(f, "Pad(axis={axis}, before={before}, after={after})"),
            Op::Concat(axis) => write!(f, "Concat(axis={axis})"),
            Op::IndexSelect { axis, indices } => {
                write!(f, "IndexSelect(axis={axis}, indices={indices:?})")
            }
            Op::IndexAdd { axis, indices, len } => {
                write!(f, "IndexAdd(axis={axis}, indices={indices:?}, len={len})")
            }
            Op::Gather { axis, index } => write!(
                f,
                "Gather(axis={axis}, index={:?} {:?})",
                index.shape(),
                index.as_slice()
            ),
            Op::ScatterAdd { axis, index, len } => write!(
                f,
                "ScatterAdd(axis={axis}, index={:?} {:?}, len={len})",
                index.shape(),
                index.as_slice()
            ),
            Op::BroadcastTo(to) => write!(f, "BroadcastTo({to:?})"),
            Op::SumTo(to) => write!(f, "SumTo({to:?})"),
            Op::XSinX => write!(f, "x_sin_x"),
            Op::Planted(bug) => write!(f, "{}", PlantedSin(*bug).name()),
        }
    }
}

impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shapes = self.shapes();
        for (i, node) in self.nodes.iter().enumerate() {
            write!(f, "  %{i} = {}", node.op)?;
            if !node.args.is_empty() {
                let args: Vec<String> = node.args.iter().map(|a| format!("%{a}")).collect();
                write!(f, " ({})", args.join(", "))?;
            }
            if let Some(shapes) = &shapes {
                write!(f, " -> {:?}", shapes[i])?;
            }
            writeln!(f)?;
        }
        let outputs: Vec<String> = self.outputs.iter().map(|o| format!("%{o}")).collect();
        if self.direct {
            write!(f, "  output = {}", outputs.join(""))
        } else {
            write!(
                f,
                "  output = sum of (t * weights).sum() for t in [{}]",
                outputs.join(", ")
            )
        }
    }
}
