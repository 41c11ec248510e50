//! GradBench `lse`: log-sum-exp of a slice.

/// 3a. Index loop with `if x[i] > mx { mx = x[i]; }`.
#[gradmacro::differentiate(wrt = [x])]
pub fn lse_index(x: &[f64]) -> f64 {
    let n = x.len();
    let mut mx = x[0];
    for i in 1..n {
        if x[i] > mx {
            mx = x[i];
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += (x[i] - mx).exp();
    }
    s.ln() + mx
}

/// 3b. Iterator style: `fold` for the max, `map(..).sum()` for the sum.
#[gradmacro::differentiate(wrt = [x])]
pub fn lse_iter(x: &[f64]) -> f64 {
    let mx = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    x.iter().map(|v| (v - mx).exp()).sum::<f64>().ln() + mx
}

/// Hand-written gradient: softmax(x).
pub fn lse_hand_grad(x: &[f64]) -> (f64, Vec<f64>) {
    let mx = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let e: Vec<f64> = x.iter().map(|v| (v - mx).exp()).collect();
    let s: f64 = e.iter().sum();
    (s.ln() + mx, e.iter().map(|v| v / s).collect())
}

// Extra idioms (not in the brief's list, common in Rust code).

/// 3c. `fold(f64::NEG_INFINITY, f64::max)`: the max by a function path.
#[gradmacro::differentiate(wrt = [x])]
pub fn lse_fold_path(x: &[f64]) -> f64 {
    let mx = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = x.iter().map(|&v| (v - mx).exp()).sum();
    mx + s.ln()
}

/// 3d. `copied().reduce(f64::max)`.
#[gradmacro::differentiate(wrt = [x])]
pub fn lse_reduce(x: &[f64]) -> f64 {
    let mx = x.iter().copied().reduce(f64::max).unwrap();
    let mut s = 0.0;
    for &v in x {
        s += (v - mx).exp();
    }
    mx + s.ln()
}

/// 3e. `max_by(total_cmp)`.
#[gradmacro::differentiate(wrt = [x])]
pub fn lse_max_by(x: &[f64]) -> f64 {
    let mx = *x.iter().max_by(|a, b| a.total_cmp(b)).unwrap();
    mx + x.iter().map(|v| (v - mx).exp()).sum::<f64>().ln()
}
