//! The two-layer network loss and its hand-written backpropagation, shared by the
//! `network` and `interleaved` benches so both time the same code.

// The differentiated function and its hand-written gradient index weights and
// activations in parallel, as numeric code usually does.
#![allow(clippy::needless_range_loop)]

use gradmacro::differentiate;

/// Samples in the batch.
pub const B: usize = 32;
/// Features per sample (the `8` in the array types below).
pub const D: usize = 8;
/// Hidden units.
pub const H: usize = 16;

/// The loss, written as a user would write it.
#[differentiate(wrt = [w1, b1, w2, b2])]
pub fn network_loss(
    w1: &[[f64; 8]],
    b1: &[f64],
    w2: &[f64],
    b2: f64,
    xs: &[[f64; 8]],
    ys: &[f64],
) -> f64 {
    let mut hidden = vec![0.0; w1.len()];
    let mut loss = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        for j in 0..w1.len() {
            let mut z = b1[j];
            for k in 0..x.len() {
                z += w1[j][k] * x[k];
            }
            hidden[j] = z.tanh();
        }
        let mut out = b2;
        for j in 0..hidden.len() {
            out += w2[j] * hidden[j];
        }
        let r = out - y;
        loss += r * r;
    }
    loss / xs.len() as f64
}

/// The gradient's shape, as `network_loss_grad` returns it.
pub type Gradient = (Vec<[f64; D]>, Vec<f64>, Vec<f64>, f64);

/// Backpropagation by hand. Per sample: the forward pass stores the hidden
/// activations `h_j = tanh(z_j)`; then `∂L/∂out = 2r/B`, `∂L/∂b2 += ∂L/∂out`,
/// `∂L/∂w2_j += ∂L/∂out · h_j`, `∂L/∂z_j = ∂L/∂out · w2_j · (1 − h_j²)`,
/// `∂L/∂b1_j += ∂L/∂z_j` and `∂L/∂W1_jk += ∂L/∂z_j · x_k`. Allocates the result
/// and one hidden buffer.
pub fn network_hand_gradient(
    w1: &[[f64; D]],
    b1: &[f64],
    w2: &[f64],
    b2: f64,
    xs: &[[f64; D]],
    ys: &[f64],
) -> (f64, Gradient) {
    let h = w1.len();
    let mut dw1 = vec![[0.0; D]; h];
    let mut db1 = vec![0.0; h];
    let mut dw2 = vec![0.0; h];
    let mut db2 = 0.0;
    let mut hidden = vec![0.0; h];
    let mut loss = 0.0;
    let scale = 2.0 / xs.len() as f64;
    for (x, &y) in xs.iter().zip(ys) {
        // Forward, storing the activations.
        for j in 0..h {
            let mut z = b1[j];
            for k in 0..D {
                z += w1[j][k] * x[k];
            }
            hidden[j] = z.tanh();
        }
        let mut out = b2;
        for j in 0..h {
            out += w2[j] * hidden[j];
        }
        let r = out - y;
        loss += r * r;
        // Backward.
        let d_out = scale * r;
        db2 += d_out;
        for j in 0..h {
            dw2[j] += d_out * hidden[j];
            let dz = d_out * w2[j] * (1.0 - hidden[j] * hidden[j]);
            db1[j] += dz;
            for k in 0..D {
                dw1[j][k] += dz * x[k];
            }
        }
    }
    (loss / xs.len() as f64, (dw1, db1, dw2, db2))
}

/// Deterministic weights `(W1, b1, w2, b2)`, small enough that no `tanh`
/// saturates.
pub fn weights() -> (Vec<[f64; D]>, Vec<f64>, Vec<f64>, f64) {
    let w1 = (0..H)
        .map(|j| std::array::from_fn(|k| 0.4 * (0.41 * (7 * j + 3 * k) as f64 + 0.2).sin()))
        .collect();
    let b1 = (0..H).map(|j| 0.1 * (j as f64).cos()).collect();
    let w2 = (0..H).map(|j| 0.3 * (1.7 * j as f64 + 0.5).sin()).collect();
    (w1, b1, w2, 0.05)
}

/// A deterministic batch `(xs, ys)`: features in [−1, 1], targets in [−0.8, 0.8].
pub fn batch() -> (Vec<[f64; D]>, Vec<f64>) {
    let xs = (0..B)
        .map(|s| std::array::from_fn(|k| (0.618 * (s * D + k) as f64 + 0.3).sin()))
        .collect();
    let ys = (0..B).map(|s| 0.8 * (0.3 * s as f64).cos()).collect();
    (xs, ys)
}
