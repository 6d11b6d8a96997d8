//! The gradient tape: a Wengert list of every operation applied to its vars.
//!
//! Each node holds its op, the indices of its inputs and its forward value.
//! Inputs always come before the node that uses them, so backward is one
//! reverse sweep over the list: no graph search, no recursion.
//!
//! ```
//! use tapegrad::{Tape, Tensor};
//! let tape = Tape::new();
//! let x = tape.var(Tensor::from_vec(vec![1.0, 2.0, 3.0], [3])?);
//! let y = (x * x).sum();
//! let grads = y.backward();
//! assert_eq!(grads[x].to_vec(), vec![2.0, 4.0, 6.0]);
//! # Ok::<(), tapegrad::TensorError>(())
//! ```

mod anomaly;
mod arith;
mod backward;
mod custom;
mod grads;
mod introspect;
mod op;
mod operand;
mod var;
mod vjp;

pub use custom::CustomOp;
pub use grads::Grads;
pub use operand::Operand;
pub use var::Var;

use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};

use smallvec::SmallVec;

use crate::{Float, Tensor};
use op::Op;

/// One recorded operation and its result.
pub(crate) struct Node<T: Float> {
    pub(crate) op: Op<T>,
    /// Indices of the inputs; empty for leaves and constants.
    pub(crate) inputs: SmallVec<[u32; 2]>,
    pub(crate) value: Tensor<T>,
    /// Whether some var that wants a gradient leads here.
    pub(crate) requires_grad: bool,
    /// Where the user's code created the node.
    pub(crate) location: &'static Location<'static>,
}

/// Records operations on [`Var`]s so that their gradients can be computed.
///
/// Vars borrow the tape, so none can outlive it, and [`clear`](Self::clear)
/// (which needs `&mut self`) can only run once every var is gone. A tape is
/// not `Sync` (its vars are therefore not `Send`): each thread builds its
/// own, and a whole tape may move to another thread.
///
/// ```compile_fail
/// fn shared_between_threads<X: Sync>() {}
/// shared_between_threads::<tapegrad::Tape<f32>>();
/// ```
///
/// ```compile_fail
/// fn sent_to_another_thread<X: Send>() {}
/// sent_to_another_thread::<tapegrad::Var<'static, f32>>();
/// ```
pub struct Tape<T: Float> {
    nodes: RefCell<Vec<Node<T>>>,
    recording: Cell<bool>,
    detect_anomaly: Cell<bool>,
    id: u64,
}

/// Sets a flag for a scope, restoring the old value on drop (even on panic).
pub(crate) struct RestoreOnDrop<'a> {
    flag: &'a Cell<bool>,
    previous: bool,
}

impl<'a> RestoreOnDrop<'a> {
    pub(crate) fn set(flag: &'a Cell<bool>, value: bool) -> Self {
        RestoreOnDrop {
            previous: flag.replace(value),
            flag,
        }
    }
}

impl Drop for RestoreOnDrop<'_> {
    fn drop(&mut self) {
        self.flag.set(self.previous);
    }
}

/// Gives every tape a distinct identity, so that gradients can tell their own.
static NEXT_TAPE_ID: AtomicU64 = AtomicU64::new(0);

impl<T: Float> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> Tape<T> {
    /// An empty tape that records.
    ///
    /// ```
    /// let tape = tapegrad::Tape::<f32>::new();
    /// assert!(tape.is_empty());
    /// ```
    pub fn new() -> Self {
        Tape {
            nodes: RefCell::new(Vec::new()),
            recording: Cell::new(true),
            detect_anomaly: Cell::new(false),
            id: NEXT_TAPE_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// A leaf var that wants a gradient.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let w = tape.var(Tensor::<f64>::zeros([2, 2]));
    /// assert!(w.requires_grad());
    /// ```
    #[track_caller]
    pub fn var(&self, value: Tensor<T>) -> Var<'_, T> {
        self.push_node(Op::Leaf, SmallVec::new(), value, true)
    }

    /// A var that never wants a gradient; it costs nothing in backward.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let c = tape.constant(Tensor::<f64>::ones([3]));
    /// assert!(!c.requires_grad());
    /// ```
    #[track_caller]
    pub fn constant(&self, value: Tensor<T>) -> Var<'_, T> {
        self.push_node(Op::Constant, SmallVec::new(), value, false)
    }

    /// Applies a user-defined primitive op; see [`CustomOp`].
    #[track_caller]
    pub fn custom<'t, O: CustomOp<T> + 'static>(
        &'t self,
        op: O,
        inputs: &[Var<'t, T>],
    ) -> Var<'t, T> {
        for x in inputs {
            x.check_tape(self, op.name());
        }
        let values: Vec<Tensor<T>> = inputs.iter().map(|x| x.value()).collect();
        let value = op.forward(&values.iter().collect::<Vec<_>>());
        self.record(Op::Custom(std::sync::Arc::new(op)), inputs, value)
    }

    /// Runs `f` without recording: every var it creates is a constant. Use it
    /// for inference and for plain optimizer updates.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f64>::ones([2]));
    /// let y = tape.no_grad(|| x * 2.0);
    /// assert!(!y.requires_grad());
    /// ```
    pub fn no_grad<R>(&self, f: impl FnOnce() -> R) -> R {
        let _restore = RestoreOnDrop::set(&self.recording, false);
        f()
    }

    /// Whether new operations are recorded (false inside [`no_grad`](Self::no_grad)).
    ///
    /// ```
    /// let tape = tapegrad::Tape::<f32>::new();
    /// assert!(tape.is_recording());
    /// assert!(!tape.no_grad(|| tape.is_recording()));
    /// ```
    pub fn is_recording(&self) -> bool {
        self.recording.get()
    }

    /// The number of nodes recorded so far.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f32>::ones([2]));
    /// let _ = x.exp();
    /// assert_eq!(tape.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    /// Whether nothing has been recorded.
    ///
    /// ```
    /// assert!(tapegrad::Tape::<f32>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.nodes.borrow().is_empty()
    }

    /// Forgets every node, keeping the allocation for the next step. The
    /// tape takes a new identity, so gradients computed before the clear
    /// cannot be indexed with vars created after it.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let mut tape = Tape::new();
    /// let _ = tape.var(Tensor::<f32>::ones([2])).exp();
    /// tape.clear();
    /// assert!(tape.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.nodes.get_mut().clear();
        self.id = NEXT_TAPE_ID.fetch_add(1, Ordering::Relaxed);
    }

    /// Records `op` applied to `inputs` with its already computed `value`.
    #[track_caller]
    pub(crate) fn record(&self, op: Op<T>, inputs: &[Var<'_, T>], value: Tensor<T>) -> Var<'_, T> {
        if self.detect_anomaly.get() {
            let shapes: Vec<Vec<usize>> = inputs.iter().map(|x| x.shape().to_vec()).collect();
            anomaly::check_forward(op.name(), &shapes, &value, Location::caller());
        }
        let requires_grad = self.recording.get() && {
            let nodes = self.nodes.borrow();
            inputs.iter().any(|x| nodes[x.index()].requires_grad)
        };
        if requires_grad {
            let indices = inputs.iter().map(|x| x.index() as u32).collect();
            self.push_node(op, indices, value, true)
        } else {
            self.push_node(Op::Constant, SmallVec::new(), value, false)
        }
    }

    #[track_caller]
    fn push_node(
        &self,
        op: Op<T>,
        inputs: SmallVec<[u32; 2]>,
        value: Tensor<T>,
        requires_grad: bool,
    ) -> Var<'_, T> {
        let mut nodes = self.nodes.borrow_mut();
        let index = nodes.len();
        nodes.push(Node {
            op,
            inputs,
            value,
            requires_grad,
            location: Location::caller(),
        });
        Var::new(self, index)
    }

    pub(crate) fn nodes(&self) -> std::cell::Ref<'_, Vec<Node<T>>> {
        self.nodes.borrow()
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}
