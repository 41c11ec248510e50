//! Note 002: the gradient of a squared norm and a Frobenius norm.

use crate::table::*;
use gradmacro::differentiate;

// Note 002: the gradient (梯度, after d2l.ai)
// ===========================================================================

/// ‖x‖² = xᵀx = Σ xᵢ².
#[differentiate]
pub(crate) fn squared_norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// ‖X‖²_F = Σᵢⱼ Xᵢⱼ², the squared Frobenius norm of a 2×3 matrix.
#[differentiate]
pub(crate) fn frobenius_squared(m: [[f64; 3]; 2]) -> f64 {
    let mut total = 0.0;
    for row in &m {
        for &entry in row {
            total += entry * entry; // ∂/∂Xᵢⱼ = 2Xᵢⱼ
        }
    }
    total
}

pub(crate) fn note_002() {
    chapter("Note 002 · 梯度 · the gradient of a function of a vector");
    println!("(the note gives formulas only; the numbers are ours)");

    example("∇ₓ‖x‖² = 2x   at x = [1, 2, 3]");
    let x = [1.0, 2.0, 3.0];
    let (value, grad) = squared_norm_grad(&x);
    row("‖x‖² = 1 + 4 + 9", value, 14.0);
    row_vec("∇‖x‖² = 2x", &grad, &[2.0, 4.0, 6.0]);

    example("∇_X‖X‖²_F = 2X   at X = [[1, 2, 3], [4, 5, 6]]");
    let m = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let (value, grad) = frobenius_squared_grad(m);
    row("‖X‖²_F = 1 + 4 + ... + 36", value, 91.0);
    for r in 0..2 {
        let twice: Vec<f64> = m[r].iter().map(|v| 2.0 * v).collect();
        row_vec(&format!("row {r} of ∇‖X‖²_F = 2X"), &grad[r], &twice);
    }
    note("the multivariable chain rule of this note is worked through in note 003");
}
