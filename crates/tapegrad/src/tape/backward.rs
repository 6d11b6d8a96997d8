//! The reverse sweeps: [`backward`] gives plain tensors and records nothing;
//! [`Tape::grad`] records the backward pass itself so that it can be
//! differentiated again.

use smallvec::SmallVec;

use super::anomaly;
use super::op::Op;
use super::operand::Operand;
use super::vjp::{vjp, InputGrads};
use super::{CustomOp, Grads, RestoreOnDrop, Tape, Var};
use crate::{Float, Tensor};

/// First-order gradients of `output` (seeded with `seed`) for every leaf.
pub(crate) fn backward<T: Float>(output: Var<'_, T>, seed: Tensor<T>) -> Grads<T> {
    let tape = output.tape();
    let nodes = tape.nodes();
    let end = output.index() + 1;
    let mut grads: Vec<Option<Tensor<T>>> = vec![None; end];
    if nodes[output.index()].requires_grad {
        grads[output.index()] = Some(seed);
    }
    for i in (0..end).rev() {
        let node = &nodes[i];
        if node.inputs.is_empty() {
            continue;
        }
        let Some(g) = grads[i].take() else {
            continue;
        };
        let needs: SmallVec<[bool; 2]> = node
            .inputs
            .iter()
            .map(|&j| nodes[j as usize].requires_grad)
            .collect();
        let inputs: SmallVec<[Tensor<T>; 2]> = node
            .inputs
            .iter()
            .map(|&j| nodes[j as usize].value.clone())
            .collect();
        let input_grads = match &node.op {
            Op::Custom(op) => custom_vjp_eager(op.as_ref(), &inputs, &node.value, g),
            op => vjp(op, &inputs, &node.value, &g, &needs),
        };
        // A custom VJP may return gradients for inputs that need none (constants);
        // they are dropped so that only leaves end up with entries.
        for (k, ((&j, grad), &need)) in node.inputs.iter().zip(input_grads).zip(&needs).enumerate()
        {
            if let (Some(grad), true) = (grad, need) {
                if tape.detects_anomaly() {
                    anomaly::check_backward(node, &nodes, k, &grad);
                }
                accumulate(&mut grads[j as usize], grad);
            }
        }
    }
    for (i, node) in nodes[..end].iter().enumerate() {
        if matches!(node.op, Op::Leaf) {
            grads[i].get_or_insert_with(|| Tensor::zeros(node.value.shape()));
        }
    }
    Grads::new(tape.id(), grads)
}

/// Adds `grad` into a gradient slot, in place when the slot's buffer is unshared.
fn accumulate<T: Float>(slot: &mut Option<Tensor<T>>, grad: Tensor<T>) {
    match slot {
        Some(acc) => *acc += &grad,
        None => *slot = Some(grad),
    }
}

/// Runs a custom op's VJP on plain tensors by lifting them onto a scratch
/// tape as constants: nothing is recorded on the user's tape.
fn custom_vjp_eager<T: Float>(
    op: &dyn CustomOp<T>,
    inputs: &[Tensor<T>],
    output: &Tensor<T>,
    grad: Tensor<T>,
) -> InputGrads<Tensor<T>> {
    let scratch = Tape::new();
    let xs: Vec<Var<'_, T>> = inputs.iter().map(|t| scratch.constant(t.clone())).collect();
    let y = scratch.constant(output.clone());
    let g = scratch.constant(grad);
    checked_custom_grads(op, &xs, op.vjp(&xs, y, g))
        .into_iter()
        .map(|v| v.map(Var::value))
        .collect()
}

/// Checks that a custom VJP returned one gradient of the right shape per input.
fn checked_custom_grads<'t, T: Float>(
    op: &dyn CustomOp<T>,
    inputs: &[Var<'t, T>],
    grads: Vec<Option<Var<'t, T>>>,
) -> Vec<Option<Var<'t, T>>> {
    assert!(
        grads.len() == inputs.len(),
        "custom op {}: vjp returned {} gradients for {} inputs",
        op.name(),
        grads.len(),
        inputs.len()
    );
    for (i, (x, g)) in inputs.iter().zip(&grads).enumerate() {
        if let Some(g) = g {
            assert!(
                g.shape() == x.shape(),
                "custom op {}: vjp gave a gradient of shape {:?} for input {i} of shape {:?}",
                op.name(),
                g.shape().as_slice(),
                x.shape().as_slice()
            );
        }
    }
    grads
}

impl<T: Float> Tape<T> {
    /// Gradients of the scalar `output` with respect to each var in `wrt`,
    /// recorded on the tape so that they can be differentiated again
    /// (Hessian-vector products, gradient penalties, hypergradients). A var
    /// of `wrt` that does not affect the output gets a zero constant.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::scalar(3.0f64));
    /// let dy = tape.grad(x.powf(3.0), &[x])[0]; // 3x^2
    /// let d2y = tape.grad(dy, &[x])[0];          // 6x
    /// assert_eq!((dy.value().item(), d2y.value().item()), (27.0, 18.0));
    /// ```
    pub fn grad<'t>(&'t self, output: Var<'t, T>, wrt: &[Var<'t, T>]) -> Vec<Var<'t, T>> {
        let shape = output.shape();
        assert!(
            shape.iter().product::<usize>() == 1,
            "grad: output of shape {:?} is not a scalar; use grad_with to seed it",
            shape.as_slice()
        );
        self.grad_with(output, wrt, self.constant(Tensor::ones(shape)))
    }

    /// Like [`grad`](Self::grad), seeded with `seed`, the gradient of some
    /// scalar with respect to `output` (itself a var, which may depend on
    /// others: the result is then differentiable with respect to it too).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2]));
    /// let v = tape.var(Tensor::from_vec(vec![1.0, 2.0], [2])?);
    /// let jv = tape.grad_with(x * 5.0, &[x], v)[0];
    /// assert_eq!(jv.value().to_vec(), vec![5.0, 10.0]);
    /// # Ok::<(), tapegrad::TensorError>(())
    /// ```
    pub fn grad_with<'t>(
        &'t self,
        output: Var<'t, T>,
        wrt: &[Var<'t, T>],
        seed: Var<'t, T>,
    ) -> Vec<Var<'t, T>> {
        output.check_same_tape(seed, "grad_with");
        assert!(
            seed.shape() == output.shape(),
            "grad_with: seed of shape {:?} for an output of shape {:?}",
            seed.shape().as_slice(),
            output.shape().as_slice()
        );
        for x in wrt {
            x.check_tape(self, "grad");
        }
        let end = output.index() + 1;
        let relevant = self.leads_to(wrt, end);
        let mut grads: Vec<Option<Var<'t, T>>> = vec![None; end];
        let mut found: Vec<Option<Var<'t, T>>> = vec![None; wrt.len()];
        if relevant[output.index()] {
            grads[output.index()] = Some(seed);
        }
        for i in (0..end).rev() {
            let Some(g) = grads[i].take() else {
                continue;
            };
            for (k, x) in wrt.iter().enumerate() {
                if x.index() == i {
                    found[k] = Some(g);
                }
            }
            let (op, inputs) = {
                let nodes = self.nodes();
                (nodes[i].op.clone(), nodes[i].inputs.clone())
            };
            if inputs.is_empty() {
                continue;
            }
            let xs: SmallVec<[Var<'t, T>; 2]> =
                inputs.iter().map(|&j| Var::new(self, j as usize)).collect();
            let needs: SmallVec<[bool; 2]> = inputs.iter().map(|&j| relevant[j as usize]).collect();
            let y = Var::new(self, i);
            // The rule's own ops are checked as one backward step below, so
            // that a bad gradient is reported against the op it belongs to.
            let forward_checks_off = RestoreOnDrop::set(&self.detect_anomaly, false);
            let input_grads: InputGrads<Var<'t, T>> = match &op {
                Op::Custom(custom) => {
                    checked_custom_grads(custom.as_ref(), &xs, custom.vjp(&xs, y, g))
                        .into_iter()
                        .collect()
                }
                op => vjp(op, &xs, &y, &g, &needs),
            };
            drop(forward_checks_off);
            for (k, ((&j, grad), need)) in inputs.iter().zip(input_grads).zip(&needs).enumerate() {
                if let (Some(grad), true) = (grad, need) {
                    if self.detects_anomaly() {
                        anomaly::check_backward(&self.nodes()[i], &self.nodes(), k, &grad.value());
                    }
                    let slot = &mut grads[j as usize];
                    *slot = Some(match slot.take() {
                        Some(acc) => Operand::add(&acc, &grad),
                        None => grad,
                    });
                }
            }
        }
        wrt.iter()
            .zip(found)
            .map(|(x, g)| g.unwrap_or_else(|| self.constant(Tensor::zeros(x.shape()))))
            .collect()
    }

    /// For each node before `end`: whether a gradient reaching it can flow
    /// on to one of `targets`.
    fn leads_to(&self, targets: &[Var<'_, T>], end: usize) -> Vec<bool> {
        let nodes = self.nodes();
        let mut relevant = vec![false; end];
        for x in targets {
            if x.index() < end && nodes[x.index()].requires_grad {
                relevant[x.index()] = true;
            }
        }
        for i in 0..end {
            if !relevant[i] {
                relevant[i] = nodes[i].inputs.iter().any(|&j| relevant[j as usize]);
            }
        }
        relevant
    }
}
