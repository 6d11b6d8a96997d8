//! Random expression testing: graphs of random ops on random shapes, built
//! from a seed, gradient-checked at first order (a few hundred per run) and
//! at second order (about fifty), with every failure shrunk to a small graph
//! that still fails and printed with its seed.
//!
//! A graph is plain data (`graph`): nodes that apply an op to earlier nodes,
//! and terminal outputs that the function combines into a weighted sum. The
//! generator (`generate`) draws ops of every kind the tape records, with
//! operands reused from anywhere earlier in the graph and broadcast partners
//! made to fit; it keeps values bounded and away from kinks. The shrinker
//! (`shrink`) deletes nodes, cuts them into inputs, drops outputs and shrinks
//! inputs while the failure persists.
//!
//! `TAPEGRAD_RANDOM_GRAPHS=N` checks N graphs at first order and N / 6 at
//! second order instead of the defaults, starting at seed
//! `TAPEGRAD_RANDOM_GRAPHS_SEED` (0 by default); to replay the graph of
//! seed S, set the count to 1 and the seed to S. The ignored test
//! `random_graphs_long_run` checks twenty times as many, on other seeds.

mod common;
#[path = "random_graphs/generate.rs"]
mod generate;
#[path = "random_graphs/graph.rs"]
mod graph;
#[path = "random_graphs/shrink.rs"]
mod shrink;

use std::collections::BTreeSet;

use generate::{generate, Config};
use graph::{Bug, Graph, Node, Op, Reduction, Unary};
use shrink::{check, shrink, Failure};
use tapegrad::gradcheck::{gradcheck, gradgradcheck};
use tapegrad::Tensor;

/// Graphs checked at first order: up to 16 ops on up to 48 input elements.
const FIRST: Config = Config {
    max_ops: 16,
    max_input_numel: 48,
    planted: None,
};

/// Graphs checked at second order, smaller: the check differentiates the
/// gradient, element by element.
const SECOND: Config = Config {
    max_ops: 10,
    max_input_numel: 24,
    planted: None,
};

/// Graphs checked at first order per run, unless the environment says otherwise.
const FIRST_COUNT: u64 = 300;
/// Graphs checked at second order per run, unless the environment says otherwise.
const SECOND_COUNT: u64 = 50;

/// The number of graphs to check at first order and the first seed.
fn plan() -> (u64, u64) {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    (
        var("TAPEGRAD_RANDOM_GRAPHS").unwrap_or(FIRST_COUNT),
        var("TAPEGRAD_RANDOM_GRAPHS_SEED").unwrap_or(0),
    )
}

/// Checks the graphs of seeds `first..first + count` at `order`; on a
/// failure, shrinks it and panics with the seed and both graphs.
fn check_graphs(order: u8, first: u64, count: u64, config: &Config) {
    for seed in first..first + count {
        let graph = generate(seed, config);
        if let Err(failure) = check(&graph, order) {
            let original = failure.to_string();
            let (small, failure) = shrink(graph.clone(), failure, |g| check(g, order).err());
            panic!(
                "random graph of seed {seed} fails at order {order}: {original}\n\
                 generated with {config:?}:\n{graph}\n\
                 shrunk to {} nodes, failing with: {failure}\n{small}",
                small.nodes.len()
            );
        }
    }
}

#[test]
fn random_graphs_pass_first_order() {
    let (count, first) = plan();
    check_graphs(1, first, count, &FIRST);
}

#[test]
fn random_graphs_pass_second_order() {
    let (count, first) = plan();
    let count = if count == FIRST_COUNT {
        SECOND_COUNT
    } else {
        count.div_ceil(6)
    };
    check_graphs(2, first, count, &SECOND);
}

#[test]
#[ignore = "long: run with --ignored"]
fn random_graphs_long_run() {
    let (_, first) = plan();
    let first = first + 1_000_000;
    check_graphs(1, first, 20 * FIRST_COUNT, &FIRST);
    check_graphs(2, first, 20 * SECOND_COUNT, &SECOND);
}

#[test]
fn generator_draws_every_op_kind_with_reuse_and_several_outputs() {
    let mut kinds = BTreeSet::new();
    let (mut reused, mut several_outputs, mut direct) = (0, 0, 0);
    for seed in 0..FIRST_COUNT {
        let graph = generate(seed, &FIRST);
        assert!(
            graph.is_valid(),
            "seed {seed} gives an invalid graph:\n{graph}"
        );
        kinds.extend(graph.op_names());
        let mut uses = vec![0; graph.nodes.len()];
        for node in &graph.nodes {
            for &a in &node.args {
                uses[a] += 1;
            }
        }
        reused += usize::from(uses.iter().any(|&u| u > 1));
        several_outputs += usize::from(graph.outputs.len() > 1);
        direct += usize::from(graph.direct);
    }
    let expected = "input Const Exp Tanh Sigmoid Sin Cos Square Softplus Gelu Neg LnSq SqrtSq \
        RecipSq Abs Relu LeakyRelu Powf Clamp ScalarAdd ScalarMul ScalarDiv ScalarRSub \
        ScalarRDivSq Add Sub Mul DivSq PowSq Maximum Minimum Where Sum Mean Max Min LogSoftmax \
        Softmax LogSumExp MatMul Reshape Permute Narrow Pad Concat IndexSelect IndexAdd Gather \
        ScatterAdd BroadcastTo SumTo XSinX";
    let missing: Vec<&str> = expected
        .split_whitespace()
        .filter(|k| !kinds.contains(*k))
        .collect();
    assert!(missing.is_empty(), "never drawn: {missing:?}");
    assert!(
        !kinds.contains("Planted"),
        "bugs are planted only on request"
    );
    let n = FIRST_COUNT as usize;
    assert!(reused > n / 4, "only {reused} graphs reuse a node");
    assert!(
        several_outputs > n / 10,
        "only {several_outputs} with several outputs"
    );
    assert!(direct > 0, "no graph returns a terminal directly");
}

#[test]
fn generation_is_a_function_of_the_seed() {
    for seed in 0..20 {
        let (a, b) = (generate(seed, &FIRST), generate(seed, &FIRST));
        assert_eq!(a.to_string(), b.to_string());
    }
    let (a, b) = (generate(1, &FIRST), generate(2, &FIRST));
    assert_ne!(a.to_string(), b.to_string());
}

/// Finds the first of 50 graphs drawn with `bug` planted that fails at
/// `order`, shrinks it, and checks that the result is at most three nodes
/// and still holds the planted op. Returns the graph as found.
fn find_and_shrink(bug: Bug, order: u8, config: Config) -> Graph {
    let config = Config {
        planted: Some(bug),
        ..config
    };
    let (seed, graph, failure) = (0..50)
        .find_map(|seed| {
            let graph = generate(seed, &config);
            check(&graph, order).err().map(|f| (seed, graph, f))
        })
        .expect("one of 50 graphs holds the planted op and fails");
    assert!(
        graph.has_planted(),
        "seed {seed} fails without the planted op:\n{graph}"
    );
    let (small, failure) = shrink(graph.clone(), failure, |g| check(g, order).err());
    assert!(
        matches!(failure, Failure::Check(_)),
        "the shrunk graph panics: {failure}"
    );
    assert!(
        small.nodes.len() <= 3 && small.has_planted(),
        "seed {seed}: shrunk to\n{small}\nfrom\n{graph}"
    );
    assert!(check(&small, order).is_err());
    graph
}

#[test]
fn a_planted_wrong_vjp_is_found_and_shrunk_to_its_node() {
    find_and_shrink(Bug::WrongVjp, 1, FIRST);
}

#[test]
fn a_planted_vjp_that_is_not_differentiable_is_found_at_second_order() {
    let graph = find_and_shrink(Bug::DetachedVjp, 2, SECOND);
    assert!(
        check(&graph, 1).is_ok(),
        "the bug is invisible at first order:\n{graph}"
    );
}

#[test]
fn shrinker_cuts_reroutes_and_shrinks_inputs_down_to_the_bug() {
    // input -> tanh -> planted -> sum over axis 1 -> exp, and an unrelated sin.
    let node = |op: Op, args: Vec<usize>| Node { op, args };
    let input = Tensor::from_fn([2, 3], |i| 0.37 * i as f64 - 0.81);
    let graph = Graph {
        nodes: vec![
            node(Op::Input(input), vec![]),
            node(Op::Unary(Unary::Tanh), vec![0]),
            node(Op::Planted(Bug::WrongVjp), vec![1]),
            node(
                Op::Reduce {
                    kind: Reduction::Sum,
                    axes: vec![1],
                    keepdim: false,
                },
                vec![2],
            ),
            node(Op::Unary(Unary::Exp), vec![3]),
            node(Op::Unary(Unary::Sin), vec![0]),
        ],
        outputs: vec![4, 5],
        direct: false,
    };
    let failure = check(&graph, 1).expect_err("the planted bug is caught");
    let (small, _) = shrink(graph, failure, |g| check(g, 1).err());
    let printed = small.to_string();
    assert_eq!(small.nodes.len(), 2, "shrunk to\n{printed}");
    assert!(
        printed.contains("%1 = wrong_vjp_sin (%0) -> []"),
        "{printed}"
    );
    let Op::Input(t) = &small.nodes[0].op else {
        panic!("the first node is the input:\n{printed}");
    };
    assert!(t.ndim() == 0, "the input shrinks to a scalar:\n{printed}");
    assert_eq!(
        t.item(),
        (t.item() * 10.0).round() / 10.0,
        "rounded:\n{printed}"
    );
}

/// Found by the generator (a graph whose output depends on constants only):
/// the second-order check of a function of no inputs panicked in `concat`.
#[test]
fn gradgradcheck_accepts_a_function_of_no_inputs() {
    gradcheck(|t, _| t.constant(Tensor::scalar(2.0)).square(), &[])
        .expect("nothing to check at first order");
    gradgradcheck(|t, _| t.constant(Tensor::scalar(2.0)).square(), &[])
        .expect("nothing to check at second order");
}
