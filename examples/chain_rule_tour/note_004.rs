//! Note 004: backpropagation by hand, step by step.

use crate::table::*;
use gradmacro::differentiate;

// Note 004: backpropagation by hand (Notebook 7: 链式法则与反向传播)
// ===========================================================================

/// The whole graph: u = w·x, v = u + b, L = v². `explain` also generates
/// `graph_explain`, the table of every node's value and adjoint.
#[differentiate(wrt = [w, b], explain)]
pub(crate) fn graph(x: f64, w: f64, b: f64) -> f64 {
    let u = w * x; // ∂u/∂w = x
    let v = u + b; // ∂v/∂u = 1, ∂v/∂b = 1
    v.powi(2) // ∂L/∂v = 2v
}

/// The last node alone, L = v²: its derivative is ∂L/∂v.
#[differentiate]
pub(crate) fn loss_from_v(v: f64) -> f64 {
    v.powi(2)
}

/// The last two nodes, L = (u + b)²: its gradient is (∂L/∂u, ∂L/∂b).
#[differentiate]
pub(crate) fn loss_from_u(u: f64, b: f64) -> f64 {
    let v = u + b;
    v.powi(2)
}

pub(crate) fn note_004() {
    chapter("Note 004 · 链式法则与反向传播 · backpropagation by hand (notebook)");
    example("The graph u = w·x, v = u + b, L = v², at x = 2, w = 3, b = 4");
    let (x, w, b) = (2.0, 3.0, 4.0);

    // Forward: the values of the nodes.
    let u_value = w * x;
    let v_value = u_value + b;
    let (l, (dl_dw, dl_db)) = graph_grad(x, w, b);
    fact("forward  u = w·x = 3·2", u_value);
    fact("forward  v = u + b = 6 + 4", v_value);
    row("forward  L = v² = 10²", l, 100.0);

    // Backward, from the loss to the parameters, one node at a time. The
    // gradient of "the rest of the graph" with respect to a node is that
    // node's adjoint ∂L/∂node.
    let (_, dl_dv) = loss_from_v_grad(v_value);
    let (_, (dl_du, dl_db_step)) = loss_from_u_grad(u_value, b);
    row("step 1   ∂L/∂v = 2v = 2·10", dl_dv, 2.0 * v_value);
    row("step 2   ∂L/∂b = ∂L/∂v · 1 = 20·1", dl_db_step, dl_dv * 1.0);
    row("step 2   ∂L/∂u = ∂L/∂v · 1 = 20·1", dl_du, dl_dv * 1.0);
    row("step 3   ∂L/∂w = ∂L/∂u · x = 20·2", dl_dw, dl_du * x);
    row("graph_grad:  ∂L/∂b", dl_db, 20.0);
    row("graph_grad:  ∂L/∂w", dl_dw, 40.0);
    note("graph_grad does steps 1 to 3 in one reverse sweep, as the notebook's hand code does");

    // The same computation as the table a learner fills in by hand.
    let explained = graph_explain(x, w, b);
    for (name, expected) in [("u", 6.0), ("v", 10.0), ("graph", 100.0)] {
        assert_eq!(explained.node(name).map(|n| n.value), Some(expected));
    }
    for (name, expected) in [("v", 20.0), ("u", 20.0), ("b", 20.0), ("w", 40.0)] {
        assert_eq!(explained.node(name).and_then(|n| n.adjoint), Some(expected));
    }
    println!();
    println!("    graph_explain(2, 3, 4), the whole table (#[differentiate(explain)]):");
    for line in explained.to_string().lines() {
        println!("      {line}");
    }
}

// ===========================================================================
