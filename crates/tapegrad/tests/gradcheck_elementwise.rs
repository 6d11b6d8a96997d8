//! Finite-difference checks, at first and second order, of every elementwise
//! op on vars: unary maps, piecewise-linear maps away from their kinks,
//! broadcasting binary ops, and arithmetic with scalars and constant tensors.

mod common;

use common::{check_both, mask, positive, smooth, spaced, SHAPES};
use tapegrad::{Tensor, Var};

/// A unary op on vars, as a plain function so that tables of them can be built.
type Unary = for<'t> fn(Var<'t, f64>) -> Var<'t, f64>;

/// Every pair of operand shapes the binary ops are checked on: equal shapes of
/// each rank, and broadcasts along leading, trailing, inner and scalar axes on
/// either side.
const PAIRS: [(&[usize], &[usize]); 9] = [
    (&[], &[]),
    (&[4], &[4]),
    (&[2, 3], &[2, 3]),
    (&[2, 3, 2], &[2, 3, 2]),
    (&[2, 3], &[3]),
    (&[2, 1], &[1, 3]),
    (&[], &[2, 3]),
    (&[2, 3, 2], &[3, 1]),
    (&[3, 1], &[2, 1, 2]),
];

fn check_unary_table(table: &[(&str, Unary)], input: impl Fn(&[usize], u64) -> Tensor<f64>) {
    for &(name, op) in table {
        for (seed, shape) in SHAPES.iter().enumerate() {
            let x = input(shape, seed as u64);
            check_both(&format!("{name} on {shape:?}"), |_, v| op(v[0]), &[x]);
        }
    }
}

#[test]
fn smooth_unary_ops() {
    let table: [(&str, Unary); 10] = [
        ("neg", |x| -x),
        ("exp", |x| x.exp()),
        ("sin", |x| x.sin()),
        ("cos", |x| x.cos()),
        ("tanh", |x| x.tanh()),
        ("sigmoid", |x| x.sigmoid()),
        ("gelu", |x| x.gelu()),
        ("softplus", |x| x.softplus()),
        ("square", |x| x.square()),
        ("powf(3)", |x| x.powf(3.0)),
    ];
    check_unary_table(&table, smooth);
}

#[test]
fn unary_ops_on_positive_inputs() {
    let table: [(&str, Unary); 9] = [
        ("ln", |x| x.ln()),
        ("sqrt", |x| x.sqrt()),
        ("recip", |x| x.recip()),
        ("powf(2)", |x| x.powf(2.0)),
        ("powf(0.5)", |x| x.powf(0.5)),
        ("powf(-1.5)", |x| x.powf(-1.5)),
        ("powf(2.7)", |x| x.powf(2.7)),
        ("powf(1)", |x| x.powf(1.0)),
        ("powf(0)", |x| x.powf(0.0)),
    ];
    check_unary_table(&table, positive);
}

#[test]
fn piecewise_unary_ops_away_from_kinks() {
    let table: [(&str, Unary); 6] = [
        ("abs", |x| x.abs()),
        ("relu", |x| x.relu()),
        ("leaky_relu(0.1)", |x| x.leaky_relu(0.1)),
        ("leaky_relu(-0.3)", |x| x.leaky_relu(-0.3)),
        ("clamp(-0.5, 0.3)", |x| x.clamp(-0.5, 0.3)),
        ("clamp(0, 10)", |x| x.clamp(0.0, 10.0)),
    ];
    check_unary_table(&table, |shape, seed| spaced(shape, 0.05, seed));
    // The same ops on a negative scalar, the one side a one-element grid misses.
    for (name, op) in table {
        let x = Tensor::scalar(-0.35);
        check_both(&format!("{name} at -0.35"), |_, v| op(v[0]), &[x]);
    }
}

#[test]
fn piecewise_inputs_really_straddle_the_kinks() {
    // Guards the checks above: without both signs, relu and abs would be
    // checked on one linear piece only.
    let x = spaced(&[2, 3, 2], 0.05, 3);
    let negatives = x.as_slice().iter().filter(|&&v| v < 0.0).count();
    assert!(negatives > 0 && negatives < x.numel());
    let clamped = x.as_slice().iter().filter(|&&v| !(-0.5..=0.3).contains(&v));
    assert!(clamped.count() > 0);
}

/// A binary op on vars, as a plain function.
type Binary = for<'t> fn(Var<'t, f64>, Var<'t, f64>) -> Var<'t, f64>;

fn check_binary(name: &str, op: Binary, inputs: impl Fn(&[usize], &[usize]) -> [Tensor<f64>; 2]) {
    for (a, b) in PAIRS {
        // Both orders, so that each side is the broadcast one in turn.
        for (sa, sb) in [(a, b), (b, a)] {
            let what = format!("{name} of {sa:?} and {sb:?}");
            check_both(&what, |_, v| op(v[0], v[1]), &inputs(sa, sb));
        }
    }
}

#[test]
fn add_and_sub_broadcast() {
    let inputs = |a: &[usize], b: &[usize]| [smooth(a, 1), smooth(b, 2)];
    check_binary("add", |a, b| a + b, inputs);
    check_binary("sub", |a, b| a - b, inputs);
}

#[test]
fn mul_and_div_broadcast() {
    check_binary("mul", |a, b| a * b, |a, b| [smooth(a, 3), smooth(b, 4)]);
    check_binary("div", |a, b| a / b, |a, b| [smooth(a, 5), positive(b, 6)]);
}

#[test]
fn pow_broadcasts_in_base_and_exponent() {
    check_binary(
        "pow",
        |a, b| a.pow(b),
        |a, b| [positive(a, 7), smooth(b, 8)],
    );
}

#[test]
fn maximum_and_minimum_broadcast_without_ties() {
    let inputs = |a: &[usize], b: &[usize]| [spaced(a, 0.05, 9), spaced(b, 0.02, 10)];
    check_binary("maximum", |a, b| a.maximum(b), inputs);
    check_binary("minimum", |a, b| a.minimum(b), inputs);
}

#[test]
fn where_picks_and_broadcasts() {
    for (a, b) in PAIRS {
        for (sa, sb) in [(a, b), (b, a)] {
            let out = tapegrad::shape::broadcast_shapes(sa, sb).expect("pairs broadcast");
            let m = mask(&out);
            check_both(
                &format!("where_ of {sa:?} and {sb:?}"),
                |_, v| Var::where_(&m, v[0], v[1]),
                &[smooth(sa, 11), smooth(sb, 12)],
            );
        }
    }
    // A mask that broadcasts the values, and one that is itself broadcast.
    let cases: [(&[usize], &[usize], &[usize]); 3] = [
        (&[2, 3], &[3], &[]),
        (&[2, 1], &[1, 3], &[3]),
        (&[3], &[2, 3], &[2, 1]),
    ];
    for (sm, sa, sb) in cases {
        let m = mask(sm);
        let what = format!("where_ with mask {sm:?} of {sa:?} and {sb:?}");
        check_both(
            &what,
            |_, v| Var::where_(&m, v[0], v[1]),
            &[smooth(sa, 13), smooth(sb, 14)],
        );
    }
}

#[test]
fn var_with_scalar_on_either_side() {
    let table: [(&str, Unary); 8] = [
        ("x + 1.5", |x| x + 1.5),
        ("x - 1.5", |x| x - 1.5),
        ("x * -2.5", |x| x * -2.5),
        ("x / 4", |x| x / 4.0),
        ("1.5 + x", |x| 1.5 + x),
        ("1.5 - x", |x| 1.5 - x),
        ("-2.5 * x", |x| -2.5 * x),
        ("3 / x", |x| 3.0 / x),
    ];
    check_unary_table(&table, positive);
}

#[test]
fn var_with_constant_tensor_broadcasts() {
    let pairs: [(&[usize], &[usize]); 6] = [
        (&[2, 3], &[2, 3]),
        (&[2, 3], &[3]),
        (&[3], &[2, 3]),
        (&[], &[2, 3]),
        (&[2, 3], &[]),
        (&[2, 1], &[1, 2, 3]),
    ];
    for (sx, sc) in pairs {
        let x = [smooth(sx, 15)];
        let c = positive(sc, 16);
        let what = |op: &str| format!("var {sx:?} {op} tensor {sc:?}");
        check_both(&what("+"), |_, v| v[0] + &c, &x);
        check_both(&what("-"), |_, v| v[0] - &c, &x);
        check_both(&what("*"), |_, v| v[0] * &c, &x);
        check_both(&what("/"), |_, v| v[0] / &c, &x);
    }
}

#[test]
fn ops_compose_into_a_smooth_expression() {
    // One expression mixing most elementwise ops and broadcasting, so that
    // gradients flow through chains of them.
    check_both(
        "composite",
        |_, v| {
            let (a, b) = (v[0], v[1]);
            let s = (a * b).tanh() + (a - b).sigmoid() * b.exp();
            (s / (b.square() + 1.0)).softplus() - a.gelu() * 0.5 + b.cos().powf(2.0)
        },
        &[smooth(&[2, 3], 18), smooth(&[3], 19)],
    );
}
