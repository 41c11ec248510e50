//! Beyond the notes: softmax cross-entropy, whose gradient is p − onehot.

use crate::table::*;
use gradmacro::differentiate;

// Beyond the notes
// ===========================================================================

/// Softmax cross-entropy of the scores z for the true class `label`:
/// p = softmax(z), L = −ln p_label.
#[differentiate(wrt = z)]
pub(crate) fn cross_entropy(z: &[f64], label: usize) -> f64 {
    let mut total = 0.0;
    for &zk in z {
        total += zk.exp();
    }
    let p_label = z[label].exp() / total;
    -p_label.ln()
}

pub(crate) fn beyond() {
    chapter("Beyond the notes · softmax cross-entropy");
    println!("(not worked in the notes: the classic gradient a classifier is trained with)");
    example("L = −ln softmax(z)_label, ∇_z L = p − onehot(label), at z = [2, 1, 0.1], label 0");
    let z = [2.0, 1.0, 0.1];
    let label = 0;
    let (l, grad) = cross_entropy_grad(&z, label);
    let total: f64 = z.iter().map(|v| v.exp()).sum();
    let p: Vec<f64> = z.iter().map(|v| v.exp() / total).collect();
    let p_minus_onehot: Vec<f64> = p
        .iter()
        .enumerate()
        .map(|(k, pk)| if k == label { pk - 1.0 } else { *pk })
        .collect();
    for (k, pk) in p.iter().enumerate() {
        fact(&format!("forward  p{k} = e^z{k} / Σ e^z"), *pk);
    }
    row("L = −ln p0", l, -p[label].ln());
    for k in 0..z.len() {
        let onehot = if k == label { "1" } else { "0" };
        row(
            &format!("∂L/∂z{k} = p{k} − {onehot}"),
            grad[k],
            p_minus_onehot[k],
        );
    }
    note("the gradient pushes the true class's score up and every other score down");
}
