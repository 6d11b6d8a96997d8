//! The primitive operations a tape records, one enum variant each.
//!
//! A variant holds only what the forward values cannot tell: scalar
//! constants, axes, indices, masks. Input and output tensors live in the
//! tape's nodes.

use std::sync::Arc;

use super::CustomOp;
use crate::shape::Shape;
use crate::{Float, Tensor};

#[derive(Clone)]
pub(crate) enum Op<T: Float> {
    /// A value that wants a gradient: a leaf of the graph.
    Leaf,
    /// A value that takes no part in differentiation.
    Constant,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Maximum,
    Minimum,
    Neg,
    AddScalar,
    MulScalar(T),
    PowScalar(T),
    Exp,
    Ln,
    Sqrt,
    Abs,
    Square,
    Recip,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Relu,
    Softplus,
    LeakyRelu(T),
    Clamp(T, T),
    SumAxes {
        axes: Shape,
    },
    MaxAxes {
        axes: Shape,
    },
    MinAxes {
        axes: Shape,
    },
    LogSoftmax(usize),
    MatMul {
        ta: bool,
        tb: bool,
    },
    Reshape,
    Permute(Shape),
    BroadcastTo,
    SumTo,
    Narrow {
        axis: usize,
        start: usize,
    },
    Pad {
        axis: usize,
        before: usize,
    },
    Concat(usize),
    IndexSelect {
        axis: usize,
        indices: Arc<[usize]>,
    },
    IndexAdd {
        axis: usize,
        indices: Arc<[usize]>,
    },
    Gather {
        axis: usize,
        index: Tensor<usize>,
    },
    ScatterAdd {
        axis: usize,
        index: Tensor<usize>,
    },
    Where(Tensor<bool>),
    Custom(Arc<dyn CustomOp<T>>),
}

impl<T: Float> Op<T> {
    /// The op's name as users call it, for listings and messages.
    pub(crate) fn name(&self) -> &str {
        match self {
            Op::Leaf => "var",
            Op::Constant => "constant",
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
            Op::Pow => "pow",
            Op::Maximum => "maximum",
            Op::Minimum => "minimum",
            Op::Neg => "neg",
            Op::AddScalar => "add_scalar",
            Op::MulScalar(_) => "mul_scalar",
            Op::PowScalar(_) => "powf",
            Op::Exp => "exp",
            Op::Ln => "ln",
            Op::Sqrt => "sqrt",
            Op::Abs => "abs",
            Op::Square => "square",
            Op::Recip => "recip",
            Op::Sin => "sin",
            Op::Cos => "cos",
            Op::Tanh => "tanh",
            Op::Sigmoid => "sigmoid",
            Op::Relu => "relu",
            Op::Softplus => "softplus",
            Op::LeakyRelu(_) => "leaky_relu",
            Op::Clamp(..) => "clamp",
            Op::SumAxes { .. } => "sum",
            Op::MaxAxes { .. } => "max",
            Op::MinAxes { .. } => "min",
            Op::LogSoftmax(_) => "log_softmax",
            Op::MatMul { .. } => "matmul",
            Op::Reshape => "reshape",
            Op::Permute(_) => "permute",
            Op::BroadcastTo => "broadcast_to",
            Op::SumTo => "sum_to",
            Op::Narrow { .. } => "narrow",
            Op::Pad { .. } => "pad",
            Op::Concat(_) => "concat",
            Op::IndexSelect { .. } => "index_select",
            Op::IndexAdd { .. } => "index_add",
            Op::Gather { .. } => "gather",
            Op::ScatterAdd { .. } => "scatter_add",
            Op::Where(_) => "where",
            Op::Custom(op) => op.name(),
        }
    }
}
