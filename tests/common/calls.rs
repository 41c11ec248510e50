//! Helpers shared by the call tests (`tests/calls_*.rs`): `#[differentiate]`d
//! functions that several test files compose into their callers through the
//! generated `NAME_pullback` (imported beside each function).

use gradmacro::differentiate;

/// Huber's loss of a residual: quadratic inside `[-delta, delta]`, linear outside.
#[differentiate]
pub fn huber(r: f64, delta: f64) -> f64 {
    let a = r.abs();
    if a <= delta {
        0.5 * r * r
    } else {
        delta * (a - 0.5 * delta)
    }
}

/// `ln(1 + eˣ)`, written so that neither branch overflows.
#[differentiate]
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// The mean Huber loss of predictions against targets.
#[differentiate(wrt = [pred, delta])]
pub fn mean_huber(pred: &[f64], target: &[f64], delta: f64) -> f64 {
    let mut total = 0.0;
    for i in 0..pred.len() {
        total += huber(pred[i] - target[i], delta);
    }
    total / pred.len() as f64
}

/// `x²`.
#[differentiate]
pub fn sq(x: f64) -> f64 {
    x * x
}

/// The sum of squares of a slice.
#[differentiate]
pub fn sum_sq(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// The sum of the Euclidean norms of rows of three.
#[differentiate]
pub fn row_norms(m: &[[f64; 3]]) -> f64 {
    let mut s = 0.0;
    for r in m {
        s += (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
    }
    s
}

/// The trace of a 3×3 matrix passed by value.
#[differentiate]
pub fn trace3(m: [[f64; 3]; 3]) -> f64 {
    m[0][0] + m[1][1] + m[2][2]
}

/// The logistic sigmoid (a test reference, not differentiated).
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
