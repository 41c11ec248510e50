//! The computational graph of one evaluation, as `NAME_explain` returns it
//! for a function marked `#[differentiate(explain)]`.
//!
//! Each node is one operation of the function (or an input), with the source
//! expression it came from, its value, the local derivative along each edge to
//! its inputs, and its adjoint `∂output/∂node`. [`Graph`]'s `Display` prints
//! the backpropagation table a learner writes by hand: forward values first,
//! then the adjoints from the output back, each as the sum over the node's uses
//! of `∂output/∂use · ∂use/∂node`. [`Graph::to_dot`] exports Graphviz DOT.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate(wrt = [w, b], explain)]
//! fn graph(x: f64, w: f64, b: f64) -> f64 {
//!     let u = w * x;
//!     let v = u + b;
//!     v.powi(2)
//! }
//!
//! let explained = graph_explain(2.0, 3.0, 4.0);
//! assert_eq!(explained.node("u").unwrap().value, 6.0);
//! assert_eq!(explained.node("w").unwrap().adjoint, Some(40.0));
//! println!("{explained}");
//! ```

use std::fmt::{self, Write as _};

/// One edge into a node: the input it reads and the local derivative
/// `∂node/∂input` at this evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The index of the input node in [`Graph::nodes`].
    pub from: usize,
    /// `∂node/∂input`.
    pub local_derivative: f64,
}

/// One value of the evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The variable the function binds it to, a parameter's name, or `t1`,
    /// `t2`, ... for an intermediate result without a name.
    pub name: String,
    /// The source expression it came from (the parameter's name for an input).
    pub expression: String,
    /// Its value in this evaluation.
    pub value: f64,
    /// The values it is computed from, with the local derivatives.
    pub inputs: Vec<Edge>,
    /// `∂output/∂node`, or `None` for a value that does not depend on a
    /// differentiated parameter (a constant input, or computed from them only).
    pub adjoint: Option<f64>,
}

/// The graph of one evaluation, nodes in the order the function computes them
/// (inputs first); the last node is the output.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    /// The function's name.
    pub function: String,
    /// Inputs first, in computation order; the output last.
    pub nodes: Vec<Node>,
}

impl Graph {
    /// The node named `name` (the first, if a name is reused by shadowing).
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.name == name)
    }

    /// The output node.
    pub fn output(&self) -> Option<&Node> {
        self.nodes.last()
    }

    /// The nodes that read `index`, with their local derivatives.
    fn uses(&self, index: usize) -> impl Iterator<Item = (&Node, f64)> {
        self.nodes.iter().flat_map(move |node| {
            node.inputs
                .iter()
                .filter(move |edge| edge.from == index)
                .map(move |edge| (node, edge.local_derivative))
        })
    }

    /// The graph in Graphviz DOT: one box per node (name, expression, value,
    /// adjoint), one arrow per edge labelled with its local derivative.
    pub fn to_dot(&self) -> String {
        let mut dot = String::new();
        let _ = writeln!(dot, "digraph {:?} {{", self.function);
        let _ = writeln!(dot, "  rankdir=LR;");
        let _ = writeln!(dot, "  node [shape=box, fontname=\"monospace\"];");
        for (index, node) in self.nodes.iter().enumerate() {
            let adjoint = node.adjoint.map_or_else(
                || "constant".to_owned(),
                |a| format!("∂out/∂ = {}", number(a)),
            );
            let label = if node.expression == node.name {
                format!("{}\n= {}\n{adjoint}", node.name, number(node.value))
            } else {
                format!(
                    "{} = {}\n= {}\n{adjoint}",
                    node.name,
                    node.expression,
                    number(node.value)
                )
            };
            let _ = writeln!(dot, "  n{index} [label={label:?}];");
        }
        for (index, node) in self.nodes.iter().enumerate() {
            for edge in &node.inputs {
                let _ = writeln!(
                    dot,
                    "  n{} -> n{index} [label={:?}];",
                    edge.from,
                    number(edge.local_derivative)
                );
            }
        }
        dot.push_str("}\n");
        dot
    }
}

/// A value as a learner writes it: `6`, `0.5`, `-1.25e-7`.
fn number(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() >= 1e-4 && value.abs() < 1e15 {
        let text = format!("{value:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        format!("{value:e}")
    }
}

impl fmt::Display for Graph {
    /// The backpropagation table: the forward pass (each node's expression and
    /// value), then the backward pass from the output (each adjoint, and the
    /// uses it sums: `∂out/∂use × ∂use/∂node`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name_width = self
            .nodes
            .iter()
            .map(|n| n.name.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let expression_width = self
            .nodes
            .iter()
            .map(|n| n.expression.chars().count())
            .max()
            .unwrap_or(10)
            .max(10);
        writeln!(f, "forward pass of `{}`:", self.function)?;
        writeln!(
            f,
            "  {:<name_width$}  {:<expression_width$}  value",
            "node", "expression"
        )?;
        for node in &self.nodes {
            writeln!(
                f,
                "  {:<name_width$}  {:<expression_width$}  {}",
                node.name,
                node.expression,
                number(node.value)
            )?;
        }
        let output = self.output().map_or("output", |node| node.name.as_str());
        writeln!(f, "backward pass, ∂{output}/∂node from the output back:")?;
        let adjoint_width = self
            .nodes
            .iter()
            .filter_map(|node| node.adjoint.map(|a| number(a).chars().count()))
            .max()
            .unwrap_or(1);
        for (index, node) in self.nodes.iter().enumerate().rev() {
            let Some(adjoint) = node.adjoint else {
                writeln!(f, "  {:<name_width$}  (constant: no derivative)", node.name)?;
                continue;
            };
            let terms: Vec<String> = self
                .uses(index)
                .filter_map(|(user, local)| {
                    user.adjoint
                        .map(|a| format!("{} × {}", number(a), number(local)))
                })
                .collect();
            if terms.is_empty() {
                writeln!(f, "  {:<name_width$}  {}", node.name, number(adjoint))?;
            } else {
                writeln!(
                    f,
                    "  {:<name_width$}  {:<adjoint_width$}  = {}",
                    node.name,
                    number(adjoint),
                    terms.join(" + ")
                )?;
            }
        }
        Ok(())
    }
}

/// Converts a value of any float type to `f64` for the graph.
#[doc(hidden)]
pub fn to_f64<T: num_traits::ToPrimitive>(value: T) -> f64 {
    value.to_f64().unwrap_or(f64::NAN)
}
