//! `lse` by hand: the primal and its gradient, `∂lse/∂xᵢ = exp(xᵢ − a) / Σⱼ exp(xⱼ − a)`
//! (the softmax; the max `a` drops out, since `lse(x + c) = lse(x) + c`).

/// `a + ln Σᵢ exp(xᵢ − a)` with `a = maxᵢ xᵢ`.
pub fn primal(x: &[f64]) -> f64 {
    let a = x.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v));
    let sum: f64 = x.iter().map(|&v| (v - a).exp()).sum();
    a + sum.ln()
}

/// The value and the gradient: one pass stores `exp(xᵢ − a)` in the result and
/// sums it, a second scales by `1 / sum`.
pub fn gradient(x: &[f64]) -> (f64, Vec<f64>) {
    let a = x.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v));
    let mut g = Vec::with_capacity(x.len());
    let mut sum = 0.0;
    for &v in x {
        let e = (v - a).exp();
        sum += e;
        g.push(e);
    }
    let scale = 1.0 / sum;
    for gi in &mut g {
        *gi *= scale;
    }
    (a + sum.ln(), g)
}
