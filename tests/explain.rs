//! `#[differentiate(explain)]`: the graph of one evaluation, checked against the
//! seeds' hand computation and pinned as the table a learner reads.

mod common;

use common::{assert_closed, assert_fd};
use gradmacro::differentiate;

/// The seeds' graph: u = w·x, v = u + b, L = v².
#[differentiate(wrt = [w, b], explain)]
fn graph(x: f64, w: f64, b: f64) -> f64 {
    let u = w * x;
    let v = u + b;
    v.powi(2)
}

/// At x = 2, w = 3, b = 4: forward 6, 10, 100; backward ∂L/∂v = 20,
/// ∂L/∂u = 20, ∂L/∂b = 20, ∂L/∂w = 40; `x` is a constant.
#[test]
fn the_seed_graph_shows_the_hand_computation() {
    let explained = graph_explain(2.0, 3.0, 4.0);
    let value = |name: &str| explained.node(name).unwrap().value;
    let adjoint = |name: &str| explained.node(name).unwrap().adjoint;
    assert_eq!([value("u"), value("v"), value("graph")], [6.0, 10.0, 100.0]);
    assert_eq!(adjoint("graph"), Some(1.0));
    assert_eq!(adjoint("v"), Some(20.0));
    assert_eq!(adjoint("u"), Some(20.0));
    assert_eq!(adjoint("b"), Some(20.0));
    assert_eq!(adjoint("w"), Some(40.0));
    assert_eq!(adjoint("x"), None);
    // The adjoints agree with the gradient.
    let (_, (dw, db)) = graph_grad(2.0, 3.0, 4.0);
    assert_eq!((adjoint("w"), adjoint("b")), (Some(dw), Some(db)));

    let expected = "\
forward pass of `graph`:
  node   expression  value
  x      x           2
  w      w           3
  b      b           4
  u      w * x       6
  v      u + b       10
  graph  v.powi(2)   100
backward pass, ∂graph/∂node from the output back:
  graph  1
  v      20  = 1 × 20
  u      20  = 20 × 1
  b      20  = 20 × 1
  w      40  = 20 × 2
  x      (constant: no derivative)
";
    assert_eq!(explained.to_string(), expected);
}

/// The DOT export: one box per node, one labelled arrow per edge.
#[test]
fn dot_export_has_every_node_and_edge() {
    let dot = graph_explain(2.0, 3.0, 4.0).to_dot();
    assert!(dot.starts_with("digraph \"graph\" {"), "{dot}");
    assert!(
        dot.contains("n3 [label=\"u = w * x\\n= 6\\n∂out/∂ = 20\"];"),
        "{dot}"
    );
    // u = w·x: ∂u/∂w = x = 2, ∂u/∂x = w = 3.
    assert!(dot.contains("n1 -> n3 [label=\"2\"];"), "{dot}");
    assert!(dot.contains("n0 -> n3 [label=\"3\"];"), "{dot}");
    assert!(dot.contains("n4 -> n5 [label=\"20\"];"), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), 5, "{dot}");
}

/// The seeds' neuron: u₁ = w₁x₁, u₂ = w₂x₂, u₃ = u₁ + u₂, ŷ = σ(u₃),
/// L = ½(ŷ − y)². Each node's adjoint is the sum over its uses of
/// `∂L/∂use · ∂use/∂node`, and ∂L/∂w₁ = (ŷ − y)·ŷ(1 − ŷ)·x₁.
#[differentiate(wrt = [w1, w2], explain)]
fn neuron(w1: f64, w2: f64, x1: f64, x2: f64, y: f64) -> f64 {
    let u1 = w1 * x1;
    let u2 = w2 * x2;
    let u3 = u1 + u2;
    let y_hat = 1.0 / (1.0 + (-u3).exp());
    0.5 * (y_hat - y).powi(2)
}

#[test]
fn every_adjoint_is_the_chain_rule_over_its_uses() {
    let (w1, w2, x1, x2, y) = (0.5, -0.3, 1.0, 2.0, 1.0);
    let explained = neuron_explain(w1, w2, x1, x2, y);
    for (index, node) in explained.nodes.iter().enumerate() {
        let Some(adjoint) = node.adjoint else {
            continue;
        };
        let uses: Vec<f64> = explained
            .nodes
            .iter()
            .flat_map(|user| {
                user.inputs
                    .iter()
                    .filter(|edge| edge.from == index)
                    .map(|edge| user.adjoint.unwrap_or(0.0) * edge.local_derivative)
            })
            .collect();
        if !uses.is_empty() {
            assert_closed(&node.name, adjoint, uses.iter().sum());
        }
    }
    let y_hat = explained.node("y_hat").unwrap().value;
    let dw1 = explained.node("w1").unwrap().adjoint.unwrap();
    assert_closed("∂L/∂w1", dw1, (y_hat - y) * y_hat * (1.0 - y_hat) * x1);
    assert_fd("∂L/∂w1", dw1, |w1| neuron(w1, w2, x1, x2, y), w1);
    assert_eq!(explained.node("x1").unwrap().adjoint, None);
    assert_eq!(explained.output().unwrap().value, neuron(w1, w2, x1, x2, y));
}

/// An `f32` function's graph, converted to `f64`.
#[differentiate(explain)]
fn scaled(x: f32) -> f32 {
    let y = x * 3.0;
    y.sin()
}

#[test]
fn f32_functions_explain_too() {
    let explained = scaled_explain(0.5);
    let (_, dx) = scaled_grad(0.5);
    assert_eq!(explained.node("x").unwrap().adjoint, Some(f64::from(dx)));
    assert_eq!(explained.node("y").unwrap().value, 1.5);
}
