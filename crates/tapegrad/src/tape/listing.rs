//! A printable listing of what a tape recorded.

use std::fmt;

use super::Tape;
use crate::Float;

impl<T: Float> fmt::Display for Tape<T> {
    /// One line per node: its index, op, input indices, shape and the source
    /// location that created it.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f32>::ones([2, 3]));
    /// let _ = x.exp().sum();
    /// let listing = tape.to_string();
    /// assert!(listing.contains("#1 exp(#0) -> [2, 3]"));
    /// assert!(listing.contains("#2 sum(#1) -> []"));
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, node) in self.nodes().iter().enumerate() {
            let inputs: Vec<String> = node.inputs.iter().map(|j| format!("#{j}")).collect();
            writeln!(
                f,
                "#{i} {}({}) -> {:?}{}  at {}",
                node.op.name(),
                inputs.join(", "),
                node.value.shape(),
                if node.requires_grad { "" } else { " (no grad)" },
                node.location
            )?;
        }
        Ok(())
    }
}
