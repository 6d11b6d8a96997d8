//! Checking a graph with the gradient checker, and shrinking a failing
//! graph to a small one that still fails.
//!
//! The shrinker tries, in turn: dropping a terminal output; moving an output
//! to one of its node's operands; deleting a node by pointing its users at
//! an earlier node of the same shape; cutting a node into a new input that
//! holds its value; shrinking an input by one along an axis; rounding an
//! input's values to one decimal. It keeps any candidate that is valid (well
//! typed, away from kinks), smaller, and still fails, and starts over until
//! none is left.

use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use tapegrad::gradcheck::{gradcheck, gradgradcheck, GradCheckError};

use crate::graph::{numel, Graph, Node, Op};

/// Why a graph failed: the checker's report, or a panic while checking.
#[derive(Debug)]
pub enum Failure {
    Check(GradCheckError),
    Panic(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Check(e) => write!(f, "{e}"),
            Failure::Panic(message) => write!(f, "panicked: {message}"),
        }
    }
}

thread_local! {
    /// Set while a check runs, so that its panics do not print.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once, a panic hook that stays silent on a thread while it checks.
fn install_quiet_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Checks the graph's gradient (`order` 1), or its gradient and the
/// gradient of its gradient (`order` 2), with the default settings.
pub fn check(graph: &Graph, order: u8) -> Result<(), Failure> {
    install_quiet_hook();
    let inputs = graph.inputs();
    QUIET.with(|q| q.set(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        gradcheck(|t, v| graph.replay(t, v), &inputs)?;
        if order >= 2 {
            gradgradcheck(|t, v| graph.replay(t, v), &inputs)?;
        }
        Ok(())
    }));
    QUIET.with(|q| q.set(false));
    match outcome {
        Ok(result) => result.map_err(Failure::Check),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Failure::Panic(message))
        }
    }
}

/// What the shrinker makes smaller, most important first: nodes, ops,
/// outputs, input elements, input axes, input elements not on a 0.1 grid.
fn measure(graph: &Graph) -> [usize; 6] {
    let inputs = graph.inputs();
    let rough = inputs
        .iter()
        .flat_map(|t| t.as_slice().iter())
        .filter(|&&v| v != round(v))
        .count();
    [
        graph.nodes.len(),
        graph.op_count(),
        graph.outputs.len(),
        inputs.iter().map(|t| t.numel()).sum(),
        inputs.iter().map(|t| t.ndim()).sum(),
        rough,
    ]
}

/// `v` rounded to one decimal.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Shrinks `graph`, which fails with `failure`, while `fails` says a
/// candidate still fails; returns the smallest graph found and its failure.
pub fn shrink(
    mut graph: Graph,
    mut failure: Failure,
    fails: impl Fn(&Graph) -> Option<Failure>,
) -> (Graph, Failure) {
    'improve: loop {
        let size = measure(&graph);
        for candidate in candidates(&graph) {
            let candidate = candidate.pruned();
            if measure(&candidate) >= size || !candidate.is_valid() {
                continue;
            }
            if let Some(f) = fails(&candidate) {
                graph = candidate;
                failure = f;
                continue 'improve;
            }
        }
        return (graph, failure);
    }
}

/// Every one-step simplification of `graph`, most drastic first.
fn candidates(graph: &Graph) -> Vec<Graph> {
    let mut out = Vec::new();
    let Some(shapes) = graph.shapes() else {
        return out;
    };
    // Fewer outputs.
    for k in 0..graph.outputs.len() {
        if graph.outputs.len() > 1 {
            let mut g = graph.clone();
            g.outputs.remove(k);
            out.push(g);
        }
    }
    // An output moved to an operand of its node (of any shape).
    for k in 0..graph.outputs.len() {
        for &a in &graph.nodes[graph.outputs[k]].args {
            let mut g = graph.clone();
            g.outputs[k] = a;
            g.direct = false;
            out.push(g);
        }
    }
    // A node deleted, its users pointed at an earlier node of its shape.
    for i in (0..graph.nodes.len()).rev() {
        for j in (0..i).filter(|&j| shapes[j] == shapes[i]) {
            let mut g = graph.clone();
            for node in &mut g.nodes[i + 1..] {
                for a in node.args.iter_mut().filter(|a| **a == i) {
                    *a = j;
                }
            }
            for o in g.outputs.iter_mut().filter(|o| **o == i) {
                *o = j;
            }
            out.push(g);
        }
    }
    // A node cut into an input holding its value.
    if let Some(values) = graph.values() {
        for (i, value) in values.into_iter().enumerate() {
            if !graph.nodes[i].args.is_empty() {
                let mut g = graph.clone();
                g.nodes[i] = Node {
                    op: Op::Input(value),
                    args: Vec::new(),
                };
                out.push(g);
            }
        }
    }
    // Smaller inputs, then simpler input values.
    for (i, node) in graph.nodes.iter().enumerate() {
        let Op::Input(t) = &node.op else {
            continue;
        };
        for axis in 0..t.ndim() {
            let dim = t.shape()[axis];
            if dim > 1 {
                let mut g = graph.clone();
                g.nodes[i].op = Op::Input(t.narrow(axis, 0, dim - 1));
                out.push(g);
            }
        }
        if t.shape().contains(&1) {
            let squeezed: Vec<usize> = t.shape().iter().copied().filter(|&d| d != 1).collect();
            let mut g = graph.clone();
            g.nodes[i].op = Op::Input(t.reshape(&squeezed));
            out.push(g);
        }
        if numel(t.shape()) > 0 && t.as_slice().iter().any(|&v| v != round(v)) {
            let mut g = graph.clone();
            g.nodes[i].op = Op::Input(t.map(round));
            out.push(g);
        }
    }
    out
}
