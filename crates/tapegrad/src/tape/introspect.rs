//! Looking at what a tape recorded: a printable listing, a Graphviz DOT
//! export, and the memory its saved values hold.

use std::fmt;

use std::collections::HashSet;

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

impl<T: Float> Tape<T> {
    /// The bytes held by the values the tape saved, counting a buffer shared
    /// by several nodes (a reshape, say) once.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f32>::zeros([4, 4]));
    /// let _ = x.reshape([16]);
    /// assert_eq!(tape.bytes_held(), 64);
    /// ```
    pub fn bytes_held(&self) -> usize {
        let mut seen = HashSet::new();
        self.nodes()
            .iter()
            .filter(|n| seen.insert(n.value.as_slice().as_ptr()))
            .map(|n| n.value.numel() * std::mem::size_of::<T>())
            .sum()
    }

    /// The recorded graph in Graphviz DOT: one box per node (op and shape;
    /// leaves that want gradients filled, constants dashed), an edge from
    /// each input to its user. Render it with `dot -Tsvg`.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f32>::ones([3]));
    /// let _ = (x * 2.0).sum();
    /// let dot = tape.to_dot();
    /// assert!(dot.starts_with("digraph tape {"));
    /// assert!(dot.contains("n0 -> n1;"));
    /// ```
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph tape {\n  node [shape=box, fontname=monospace];\n");
        for (i, node) in self.nodes().iter().enumerate() {
            let style = match (node.inputs.is_empty(), node.requires_grad) {
                (true, true) => ", style=filled, fillcolor=lightblue",
                (true, false) => ", style=dashed",
                _ => "",
            };
            out += &format!(
                "  n{i} [label=\"#{i} {} {:?}\"{style}];\n",
                node.op.name(),
                node.value.shape()
            );
            for j in &node.inputs {
                out += &format!("  n{j} -> n{i};\n");
            }
        }
        out.push_str("}\n");
        out
    }
}
