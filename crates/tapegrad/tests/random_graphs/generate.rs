//! The generator: a random, well-typed [`Graph`] from a seed.
//!
//! Ops are added one at a time. Each picks its operands among all earlier
//! nodes (favouring unused and recent ones, but reusing any), or adds new
//! leaves (inputs, sometimes constants) of a shape made to fit: a broadcast
//! partner, a matrix with the right inner dimension, a block to concatenate. A proposal the graph rejects (wrong
//! shapes, too large, unsafe values such as a `maximum` of nearly equal
//! operands) is dropped and another drawn. The output combines the last
//! node and up to two other unused nodes.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tapegrad::shape::broadcast_shapes;
use tapegrad::Tensor;

use crate::graph::{numel, Binary, Bug, Dims, Graph, Node, Op, Reduction, ScalarOp, Unary};

/// Limits of the graphs a generator draws.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// At most this many ops (nodes that are not leaves).
    pub max_ops: usize,
    /// At most this many input elements in all, which bounds the checker's cost.
    pub max_input_numel: usize,
    /// A bug to plant: [`Op::Planted`] is drawn only when set.
    pub planted: Option<Bug>,
}

/// No node holds more elements than this.
const MAX_NUMEL: usize = 48;

/// The elementwise ops of one operand that the generator draws.
const UNARY: [Unary; 15] = [
    Unary::Exp,
    Unary::Tanh,
    Unary::Sigmoid,
    Unary::Sin,
    Unary::Cos,
    Unary::Square,
    Unary::Softplus,
    Unary::Gelu,
    Unary::Neg,
    Unary::LnSq,
    Unary::SqrtSq,
    Unary::RecipSq,
    Unary::Abs,
    Unary::Relu,
    Unary::LeakyRelu,
];

/// The broadcasting ops of two operands that the generator draws.
const BINARY: [Binary; 7] = [
    Binary::Add,
    Binary::Sub,
    Binary::Mul,
    Binary::DivSq,
    Binary::PowSq,
    Binary::Maximum,
    Binary::Minimum,
];

/// Scalars for `x ⊕ c`, all non-zero.
const SCALARS: [f64; 6] = [-2.0, -0.5, 0.3, 0.7, 1.5, 3.0];

/// The kinds of proposal.
#[derive(Clone, Copy)]
enum Kind {
    Unary,
    Powf,
    Clamp,
    Scalar,
    Binary,
    Where,
    Reduce,
    Softmax,
    MatMul,
    Reshape,
    Permute,
    Narrow,
    Pad,
    Concat,
    IndexSelect,
    IndexAdd,
    Gather,
    ScatterAdd,
    BroadcastTo,
    SumTo,
    XSinX,
    Planted(Bug),
}

/// The kinds the generator draws, with their weights.
const KINDS: [(Kind, u32); 21] = [
    (Kind::Unary, 12),
    (Kind::Powf, 2),
    (Kind::Clamp, 2),
    (Kind::Scalar, 5),
    (Kind::Binary, 12),
    (Kind::Where, 2),
    (Kind::Reduce, 6),
    (Kind::Softmax, 5),
    (Kind::MatMul, 5),
    (Kind::Reshape, 3),
    (Kind::Permute, 3),
    (Kind::Narrow, 2),
    (Kind::Pad, 2),
    (Kind::Concat, 3),
    (Kind::IndexSelect, 2),
    (Kind::IndexAdd, 1),
    (Kind::Gather, 2),
    (Kind::ScatterAdd, 1),
    (Kind::BroadcastTo, 2),
    (Kind::SumTo, 2),
    (Kind::XSinX, 2),
];

/// The weight of [`Kind::Planted`] when the config plants a bug.
const PLANTED_WEIGHT: u32 = 4;

/// A random graph from `seed`, within `config`.
pub fn generate(seed: u64, config: &Config) -> Graph {
    let mut gen = Generator {
        rng: StdRng::seed_from_u64(seed),
        graph: Graph {
            nodes: Vec::new(),
            outputs: Vec::new(),
            direct: false,
        },
        shapes: Vec::new(),
        input_numel: 0,
        config: *config,
    };
    let first_inputs = gen.rng.gen_range(1..=2);
    for _ in 0..first_inputs {
        let shape = gen.random_shape();
        if gen.input_numel + numel(&shape) <= config.max_input_numel {
            gen.push_leaf(shape, false);
        }
    }
    if gen.graph.nodes.is_empty() {
        gen.push_leaf(vec![2], false);
    }
    let target = gen
        .rng
        .gen_range(config.max_ops.div_ceil(2)..=config.max_ops);
    let mut ops = 0;
    for _ in 0..target * 20 {
        if ops == target {
            break;
        }
        if gen.try_add() {
            ops += 1;
        }
    }
    gen.choose_outputs();
    let mut graph = gen.graph.pruned();
    if graph.inputs().is_empty() {
        // The output depends on constants only: make them inputs.
        for node in &mut graph.nodes {
            if let Op::Const(t) = &node.op {
                node.op = Op::Input(t.clone());
            }
        }
    }
    graph
}

/// A graph under construction, with the shape of each node.
struct Generator {
    rng: StdRng,
    graph: Graph,
    shapes: Vec<Dims>,
    input_numel: usize,
    config: Config,
}

/// A proposed op: new leaves (of these shapes; inputs, or constants one
/// time in five) to add first, then the op, whose operand indices may name
/// the new leaves (numbered after the existing nodes).
struct Proposal {
    new_leaves: Vec<Dims>,
    op: Op,
    args: Vec<usize>,
}

impl Proposal {
    /// `op` on existing nodes only.
    fn on(op: Op, args: Vec<usize>) -> Option<Proposal> {
        Some(Proposal {
            new_leaves: Vec::new(),
            op,
            args,
        })
    }
}

impl Generator {
    /// Adds a leaf of `shape` with values uniform in `[-2, 2)`: an input,
    /// or with `constant` a constant.
    fn push_leaf(&mut self, shape: Dims, constant: bool) {
        let value = Tensor::rand_uniform(&shape, -2.0, 2.0, &mut self.rng);
        let op = if constant {
            Op::Const(value)
        } else {
            self.input_numel += numel(&shape);
            Op::Input(value)
        };
        self.graph.nodes.push(Node {
            op,
            args: Vec::new(),
        });
        self.shapes.push(shape);
    }

    /// Draws a proposal and adds it if the graph accepts it; whether it did.
    fn try_add(&mut self) -> bool {
        let Some(p) = self.propose() else {
            return false;
        };
        let added: usize = p.new_leaves.iter().map(|s| numel(s)).sum();
        if self.input_numel + added > self.config.max_input_numel {
            return false;
        }
        let (saved_nodes, saved_numel) = (self.graph.nodes.len(), self.input_numel);
        for shape in p.new_leaves {
            let constant = self.rng.gen_bool(0.2);
            self.push_leaf(shape, constant);
        }
        self.graph.nodes.push(Node {
            op: p.op,
            args: p.args,
        });
        let last = self.graph.nodes.len() - 1;
        self.graph.outputs = vec![last];
        let accepted = self.graph.values().is_some_and(|values| {
            let shape = values[last].shape();
            shape.len() <= 3 && numel(shape) <= MAX_NUMEL
        });
        if accepted {
            let shapes = self.graph.shapes().expect("a valid graph is well typed");
            self.shapes.push(shapes[last].clone());
        } else {
            self.graph.nodes.truncate(saved_nodes);
            self.shapes.truncate(saved_nodes);
            self.input_numel = saved_numel;
        }
        accepted
    }

    /// The last node, and up to two other nodes that no node uses; the
    /// output returns the last one itself when it is alone and small.
    fn choose_outputs(&mut self) {
        let n = self.graph.nodes.len();
        let mut used = vec![false; n];
        for node in &self.graph.nodes {
            for &a in &node.args {
                used[a] = true;
            }
        }
        let mut sinks: Vec<usize> = (0..n - 1)
            .filter(|&i| !used[i] && !self.graph.nodes[i].args.is_empty())
            .collect();
        sinks.shuffle(&mut self.rng);
        let extra = [0, 1, 2, 2]
            .choose(&mut self.rng)
            .map_or(0, |&e| e.min(sinks.len()));
        let mut outputs = vec![n - 1];
        outputs.extend(&sinks[..extra]);
        self.graph.direct =
            outputs.len() == 1 && numel(&self.shapes[n - 1]) <= 6 && self.rng.gen_bool(0.3);
        self.graph.outputs = outputs;
    }

    /// A random op with random operands and parameters; `None` when the
    /// graph has no operand it fits.
    fn propose(&mut self) -> Option<Proposal> {
        let mut kinds: Vec<(Kind, u32)> = KINDS.to_vec();
        if let Some(bug) = self.config.planted {
            kinds.push((Kind::Planted(bug), PLANTED_WEIGHT));
        }
        let kind = kinds.choose_weighted(&mut self.rng, |k| k.1).ok()?.0;
        match kind {
            Kind::Unary => {
                let u = *UNARY.choose(&mut self.rng)?;
                Proposal::on(Op::Unary(u), vec![self.pick(|_| true)?])
            }
            Kind::Powf => {
                let p = *[-1.5, -0.5, 0.5, 2.0, 3.0].choose(&mut self.rng)?;
                Proposal::on(Op::Powf(p), vec![self.pick(|_| true)?])
            }
            Kind::Clamp => {
                let low = *[-1.0, -0.5, 0.0].choose(&mut self.rng)?;
                let high = low + [0.5, 1.0, 1.5].choose(&mut self.rng)?;
                Proposal::on(Op::Clamp(low, high), vec![self.pick(|_| true)?])
            }
            Kind::Scalar => {
                let ops = [
                    ScalarOp::Add,
                    ScalarOp::Mul,
                    ScalarOp::Div,
                    ScalarOp::RSub,
                    ScalarOp::RDivSq,
                ];
                let s = *ops.choose(&mut self.rng)?;
                let c = *SCALARS.choose(&mut self.rng)?;
                Proposal::on(Op::Scalar(s, c), vec![self.pick(|_| true)?])
            }
            Kind::Binary => {
                let b = *BINARY.choose(&mut self.rng)?;
                self.broadcast_pair(Op::Binary(b))
            }
            Kind::Where => {
                let mut p = self.broadcast_pair(Op::Binary(Binary::Add))?;
                let shape = self.shape_of_args(&p)?;
                let mask: Vec<bool> = (0..numel(&shape)).map(|_| self.rng.gen()).collect();
                p.op = Op::Where(Tensor::from_vec(mask, &shape).ok()?);
                Some(p)
            }
            Kind::Reduce => {
                let x = self.pick(|_| true)?;
                let rank = self.shapes[x].len();
                let axes: Dims = (0..rank).filter(|_| self.rng.gen_bool(0.5)).collect();
                let kinds = [
                    Reduction::Sum,
                    Reduction::Mean,
                    Reduction::Max,
                    Reduction::Min,
                ];
                let kind = *kinds.choose(&mut self.rng)?;
                let keepdim = self.rng.gen();
                Proposal::on(
                    Op::Reduce {
                        kind,
                        axes,
                        keepdim,
                    },
                    vec![x],
                )
            }
            Kind::Softmax => {
                let x = self.pick(|s| !s.is_empty())?;
                let axis = self.rng.gen_range(0..self.shapes[x].len());
                let op = match self.rng.gen_range(0..3) {
                    0 => Op::LogSoftmax(axis),
                    1 => Op::Softmax(axis),
                    _ => Op::LogSumExp {
                        axis,
                        keepdim: self.rng.gen(),
                    },
                };
                Proposal::on(op, vec![x])
            }
            Kind::MatMul => self.matmul(),
            Kind::Reshape => {
                let x = self.pick(|_| true)?;
                let shapes = shapes_with_numel(numel(&self.shapes[x]));
                let to = shapes.choose(&mut self.rng)?.clone();
                Proposal::on(Op::Reshape(to), vec![x])
            }
            Kind::Permute => {
                let x = self.pick(|s| s.len() >= 2)?;
                let mut axes: Dims = (0..self.shapes[x].len()).collect();
                while axes.windows(2).all(|w| w[0] < w[1]) {
                    axes.shuffle(&mut self.rng);
                }
                Proposal::on(Op::Permute(axes), vec![x])
            }
            Kind::Narrow => {
                let x = self.pick(|s| s.iter().any(|&d| d >= 2))?;
                let axis = self.axis_where(x, |d| d >= 2)?;
                let dim = self.shapes[x][axis];
                let len = self.rng.gen_range(1..dim);
                let start = self.rng.gen_range(0..=dim - len);
                Proposal::on(Op::Narrow { axis, start, len }, vec![x])
            }
            Kind::Pad => {
                let x = self.pick(|s| !s.is_empty())?;
                let axis = self.rng.gen_range(0..self.shapes[x].len());
                let before = self.rng.gen_range(0..=2);
                let after = self.rng.gen_range(usize::from(before == 0)..=2);
                Proposal::on(
                    Op::Pad {
                        axis,
                        before,
                        after,
                    },
                    vec![x],
                )
            }
            Kind::Concat => self.concat(),
            Kind::IndexSelect => {
                let x = self.pick(|s| !s.is_empty())?;
                let axis = self.rng.gen_range(0..self.shapes[x].len());
                let dim = self.shapes[x][axis];
                let count = self.rng.gen_range(1..=4);
                let indices = (0..count).map(|_| self.rng.gen_range(0..dim)).collect();
                Proposal::on(Op::IndexSelect { axis, indices }, vec![x])
            }
            Kind::IndexAdd => {
                let x = self.pick(|s| !s.is_empty())?;
                let axis = self.rng.gen_range(0..self.shapes[x].len());
                let dim = self.shapes[x][axis];
                let len = self.rng.gen_range(1..=dim + 1);
                let indices = (0..dim).map(|_| self.rng.gen_range(0..len)).collect();
                Proposal::on(Op::IndexAdd { axis, indices, len }, vec![x])
            }
            Kind::Gather => {
                let x = self.pick(|s| !s.is_empty())?;
                let axis = self.rng.gen_range(0..self.shapes[x].len());
                let dim = self.shapes[x][axis];
                let mut shape = self.shapes[x].clone();
                shape[axis] = self.rng.gen_range(1..=3);
                let values = (0..numel(&shape))
                    .map(|_| self.rng.gen_range(0..dim))
                    .collect();
                let index = Tensor::from_vec(values, &shape).ok()?;
                Proposal::on(Op::Gather { axis, index }, vec![x])
            }
            Kind::ScatterAdd => {
                let x = self.pick(|s| !s.is_empty())?;
                let axis = self.rng.gen_range(0..self.shapes[x].len());
                let len = self.rng.gen_range(1..=self.shapes[x][axis] + 1);
                let shape = self.shapes[x].clone();
                let values = (0..numel(&shape))
                    .map(|_| self.rng.gen_range(0..len))
                    .collect();
                let index = Tensor::from_vec(values, &shape).ok()?;
                Proposal::on(Op::ScatterAdd { axis, index, len }, vec![x])
            }
            Kind::BroadcastTo => {
                let x = self.pick(|s| s.len() < 3 || s.contains(&1))?;
                let mut to = self.shapes[x].clone();
                for d in to.iter_mut().filter(|d| **d == 1) {
                    if self.rng.gen_bool(0.6) {
                        *d = self.rng.gen_range(2..=3);
                    }
                }
                if to.len() < 3 && (to == self.shapes[x] || self.rng.gen_bool(0.5)) {
                    to.insert(0, self.rng.gen_range(2..=3));
                }
                Proposal::on(Op::BroadcastTo(to), vec![x])
            }
            Kind::SumTo => {
                let x = self.pick(|s| s.iter().any(|&d| d > 1))?;
                let mut to = self.shapes[x].clone();
                for d in to.iter_mut() {
                    if self.rng.gen_bool(0.4) {
                        *d = 1;
                    }
                }
                let drop = self.rng.gen_range(0..=to.len());
                if self.rng.gen_bool(0.5) {
                    to.drain(..drop);
                }
                Proposal::on(Op::SumTo(to), vec![x])
            }
            Kind::XSinX => Proposal::on(Op::XSinX, vec![self.pick(|_| true)?]),
            Kind::Planted(bug) => Proposal::on(Op::Planted(bug), vec![self.pick(|_| true)?]),
        }
    }

    /// A node whose shape passes `filter`: mostly one that no node uses yet
    /// (so that little of the graph is dead), else one of the last three
    /// such nodes or, as often, any of them.
    fn pick(&mut self, filter: impl Fn(&Dims) -> bool) -> Option<usize> {
        let fits: Vec<usize> = (0..self.shapes.len())
            .filter(|&i| filter(&self.shapes[i]))
            .collect();
        let unused: Vec<usize> = fits
            .iter()
            .copied()
            .filter(|&i| !self.graph.nodes.iter().any(|n| n.args.contains(&i)))
            .collect();
        if !unused.is_empty() && self.rng.gen_bool(0.7) {
            unused.choose(&mut self.rng).copied()
        } else if fits.len() > 3 && self.rng.gen_bool(0.5) {
            fits[fits.len() - 3..].choose(&mut self.rng).copied()
        } else {
            fits.choose(&mut self.rng).copied()
        }
    }

    /// An axis of node `x` whose size passes `filter`.
    fn axis_where(&mut self, x: usize, filter: impl Fn(usize) -> bool) -> Option<usize> {
        let axes: Dims = (0..self.shapes[x].len())
            .filter(|&a| filter(self.shapes[x][a]))
            .collect();
        axes.choose(&mut self.rng).copied()
    }

    /// A rank from 0 to 3 and dimensions from 1 to 4.
    fn random_shape(&mut self) -> Dims {
        let rank = *[0, 1, 1, 2, 2, 2, 3, 3].choose(&mut self.rng).unwrap_or(&1);
        (0..rank).map(|_| self.rng.gen_range(1..=4)).collect()
    }

    /// `op` on a random operand and a broadcast-compatible partner: an
    /// existing node or, as often, a new leaf of a shape derived from the
    /// first operand's by setting dimensions to 1, expanding its 1s,
    /// dropping leading axes or adding one. The order is random too.
    fn broadcast_pair(&mut self, op: Op) -> Option<Proposal> {
        let a = self.pick(|_| true)?;
        let da = self.shapes[a].clone();
        let partners: Vec<usize> = (0..self.shapes.len())
            .filter(|&b| {
                broadcast_shapes(&da, &self.shapes[b])
                    .is_some_and(|s| s.len() <= 3 && numel(&s) <= MAX_NUMEL)
            })
            .collect();
        let mut p = if !partners.is_empty() && self.rng.gen_bool(0.5) {
            let b = *partners.choose(&mut self.rng)?;
            Proposal {
                new_leaves: Vec::new(),
                op,
                args: vec![a, b],
            }
        } else {
            let mut db = da.clone();
            for (i, d) in db.iter_mut().enumerate() {
                if da[i] == 1 && self.rng.gen_bool(0.4) {
                    *d = self.rng.gen_range(2..=3);
                } else if self.rng.gen_bool(0.3) {
                    *d = 1;
                }
            }
            if self.rng.gen_bool(0.3) {
                let drop = self.rng.gen_range(0..=db.len());
                db.drain(..drop);
            } else if db.len() < 3 && self.rng.gen_bool(0.2) {
                db.insert(0, self.rng.gen_range(2..=3));
            }
            Proposal {
                new_leaves: vec![db],
                op,
                args: vec![a, self.shapes.len()],
            }
        };
        if self.rng.gen_bool(0.5) {
            p.args.reverse();
        }
        Some(p)
    }

    /// The broadcast shape of a binary proposal's operands.
    fn shape_of_args(&self, p: &Proposal) -> Option<Dims> {
        let shape = |i: usize| {
            self.shapes
                .get(i)
                .or_else(|| p.new_leaves.get(i - self.shapes.len()))
        };
        let s = broadcast_shapes(shape(p.args[0])?, shape(p.args[1])?)?;
        Some(s.to_vec())
    }

    /// A matrix product with random transposes: the right operand is an
    /// existing node with the matching inner dimension (possibly the left
    /// operand itself) or a new leaf, with broadcast batch dimensions.
    fn matmul(&mut self) -> Option<Proposal> {
        let a = self.pick(|s| s.len() >= 2)?;
        let (ta, tb) = (self.rng.gen(), self.rng.gen());
        let da = self.shapes[a].clone();
        let (ra, ca) = (da[da.len() - 2], da[da.len() - 1]);
        let k = if ta { ra } else { ca };
        let batch = &da[..da.len() - 2];
        let partners: Vec<usize> = (0..self.shapes.len())
            .filter(|&b| {
                let db = &self.shapes[b];
                db.len() >= 2
                    && db[db.len() - if tb { 1 } else { 2 }] == k
                    && broadcast_shapes(batch, &db[..db.len() - 2]).is_some()
            })
            .collect();
        if !partners.is_empty() && self.rng.gen_bool(0.5) {
            let b = *partners.choose(&mut self.rng)?;
            return Proposal::on(Op::MatMul { ta, tb }, vec![a, b]);
        }
        let n = self.rng.gen_range(1..=4);
        let mut db: Dims = batch
            .iter()
            .map(|&d| if self.rng.gen_bool(0.3) { 1 } else { d })
            .collect();
        if self.rng.gen_bool(0.3) {
            db.clear();
        }
        db.extend(if tb { [n, k] } else { [k, n] });
        let mut p = Proposal {
            new_leaves: vec![db],
            op: Op::MatMul { ta, tb },
            args: vec![a, self.shapes.len()],
        };
        if self.rng.gen_bool(0.3) {
            // The new input on the left: swap the roles of the flags too.
            p.op = Op::MatMul { ta: !tb, tb: !ta };
            p.args.reverse();
        }
        Some(p)
    }

    /// Two or three operands joined along an axis: existing nodes that agree
    /// elsewhere (the first one again, possibly) or new blocks.
    fn concat(&mut self) -> Option<Proposal> {
        let a = self.pick(|s| !s.is_empty())?;
        let da = self.shapes[a].clone();
        let axis = self.rng.gen_range(0..da.len());
        let partners: Vec<usize> = (0..self.shapes.len())
            .filter(|&b| {
                let db = &self.shapes[b];
                db.len() == da.len() && (0..da.len()).all(|i| i == axis || db[i] == da[i])
            })
            .collect();
        let count = self.rng.gen_range(2..=3);
        let mut p = Proposal {
            new_leaves: Vec::new(),
            op: Op::Concat(axis),
            args: vec![a],
        };
        for _ in 1..count {
            if self.rng.gen_bool(0.5) {
                p.args.push(*partners.choose(&mut self.rng)?);
            } else {
                let mut db = da.clone();
                db[axis] = self.rng.gen_range(1..=3);
                p.args.push(self.shapes.len() + p.new_leaves.len());
                p.new_leaves.push(db);
            }
        }
        p.args.shuffle(&mut self.rng);
        Some(p)
    }
}

/// Every shape of rank 0 to 3 with `n` elements.
fn shapes_with_numel(n: usize) -> Vec<Dims> {
    let divisors: Dims = (1..=n).filter(|d| n % d == 0).collect();
    let mut out: Vec<Dims> = Vec::new();
    if n == 1 {
        out.push(Vec::new());
    }
    out.push(vec![n]);
    for &a in &divisors {
        out.push(vec![a, n / a]);
        for &b in divisors.iter().filter(|&&b| (n / a) % b == 0) {
            out.push(vec![a, b, n / a / b]);
        }
    }
    out
}
