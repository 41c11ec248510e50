//! Note 001: the gradient formulas of a neuron and a linear layer.

use crate::table::*;
use gradmacro::differentiate;

// Note 001: the gradient formulas of a linear layer (梯度公式的推导与直观解释)
// ===========================================================================

/// The two-input neuron Z = w₁x₁ + w₂x₂ with L = Z. Differentiated with
/// respect to both buffers, it gives ∂L/∂X and ∂L/∂W at once.
#[differentiate]
#[allow(clippy::let_and_return)] // L = Z, named as in the note
pub(crate) fn neuron(x: &[f64], w: &[f64]) -> f64 {
    let mut z = 0.0;
    for i in 0..x.len() {
        z += w[i] * x[i]; // ∂Z/∂wᵢ = xᵢ and ∂Z/∂xᵢ = wᵢ
    }
    let loss = z; // ∂L/∂Z = 1
    loss
}

/// The note's general layer Z = W·X + b, made concrete with the loss
/// L = ½‖Z‖², for which ∂L/∂Z = Z. Three outputs, two inputs.
#[differentiate(wrt = [w, b, x])]
pub(crate) fn layer(w: [[f64; 2]; 3], b: [f64; 3], x: [f64; 2]) -> f64 {
    let mut loss = 0.0;
    for r in 0..3 {
        // ∂z/∂W[r][c] = x[c], ∂z/∂b[r] = 1, ∂z/∂x[c] = W[r][c]
        let z = w[r][0] * x[0] + w[r][1] * x[1] + b[r];
        loss += 0.5 * z * z; // ∂L/∂z = z
    }
    loss
}

/// A chain of `depth` linear layers with the same weight: h ← w·h.
#[differentiate(wrt = x)]
pub(crate) fn deep_linear(x: f64, w: f64, depth: usize) -> f64 {
    let mut h = x;
    for _ in 0..depth {
        h *= w; // each layer multiplies the gradient by w on the way back
    }
    h
}

pub(crate) fn note_001() {
    chapter("Note 001 · 梯度公式的推导与直观解释 · the gradient formulas of a layer");

    example("The neuron Z = w₁x₁ + w₂x₂, L = Z, at X = [2, 3], W = [0.5, 1.0]");
    let (x, w) = ([2.0, 3.0], [0.5, 1.0]);
    let (l, (dx, dw)) = neuron_grad(&x, &w);
    row("L = Z = 0.5·2 + 1.0·3", l, 4.0);
    row_vec("∂L/∂W = X", &dw, &x);
    row_vec("∂L/∂X = W", &dx, &w);
    note("the weight's gradient is the input, the input's gradient is the weight");

    title("The note's general layer Z = WX + b, made concrete with L = ½‖Z‖² (so ∂L/∂Z = Z)");
    println!("    X = [2, 3], W = [[0.5, 1], [1, −0.5], [0, 2]], b = [0, 1, −5] (our numbers)");
    header();
    let w = [[0.5, 1.0], [1.0, -0.5], [0.0, 2.0]];
    let b = [0.0, 1.0, -5.0];
    let (l, (dw, db, dx)) = layer_grad(w, b, x);
    // By hand: Z = WX + b = [4, 1.5, 1].
    let z: Vec<f64> = (0..3)
        .map(|r| w[r][0] * x[0] + w[r][1] * x[1] + b[r])
        .collect();
    for (r, zr) in z.iter().enumerate() {
        fact(&format!("forward  z{r} = (WX + b)_{r}"), *zr);
    }
    row("L = ½‖Z‖²", l, 0.5 * (16.0 + 2.25 + 1.0));
    for r in 0..3 {
        // Row r of ∂L/∂W = ∂L/∂Z · Xᵀ = Z Xᵀ is z_r · X.
        let closed = [z[r] * x[0], z[r] * x[1]];
        row_vec(&format!("∂L/∂W row {r} = z{r}·Xᵀ"), &dw[r], &closed);
    }
    row_vec("∂L/∂b = ∂L/∂Z = Z", &db, &z);
    // ∂L/∂X = Wᵀ · ∂L/∂Z: each input collects from every output it feeds.
    let wt_z: Vec<f64> = (0..2)
        .map(|c| (0..3).map(|r| w[r][c] * z[r]).sum())
        .collect();
    row_vec("∂L/∂X = Wᵀ Z", &dx, &wt_z);

    example("Vanishing and exploding: 10 layers h ← w·h, ∂output/∂input = w¹⁰");
    for w in [0.5, 1.5] {
        let (_, d) = deep_linear_grad(1.0, w, 10);
        row(&format!("w = {w}: gradient ∝ w^L"), d, f64::powi(w, 10));
    }
    note("w < 1 shrinks it exponentially, w > 1 blows it up (see examples/vanishing_gradients.rs)");
}
