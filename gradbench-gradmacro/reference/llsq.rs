//! `llsq` by hand: the primal and its gradient
//! `∂primal/∂xⱼ = −Σᵢ rᵢ tᵢʲ` with the residual `rᵢ = sᵢ − Σⱼ xⱼ tᵢʲ`.

/// The grid point `tᵢ = −1 + 2i/(n − 1)` (`−1` when `n == 1`).
pub fn t(i: usize, n: usize) -> f64 {
    if n > 1 {
        -1.0 + 2.0 * i as f64 / (n - 1) as f64
    } else {
        -1.0
    }
}

/// `sign(t)`, with `sign(0) = 0`.
pub fn sign(t: f64) -> f64 {
    if t > 0.0 {
        1.0
    } else if t < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The residual `sᵢ − Σⱼ xⱼ tᵢʲ` at point `i`.
fn residual(x: &[f64], t: f64) -> f64 {
    let mut fit = 0.0;
    let mut power = 1.0;
    for &xj in x {
        fit += xj * power;
        power *= t;
    }
    sign(t) - fit
}

/// `½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)²`.
pub fn primal(x: &[f64], n: usize) -> f64 {
    let mut total = 0.0;
    for i in 0..n {
        let r = residual(x, t(i, n));
        total += r * r;
    }
    total / 2.0
}

/// The value and the gradient: per point, the residual, then `gⱼ −= r tʲ` with
/// the powers recomputed (nothing stored).
pub fn gradient(x: &[f64], n: usize) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; x.len()];
    let mut total = 0.0;
    for i in 0..n {
        let t = t(i, n);
        let r = residual(x, t);
        total += r * r;
        let mut power = 1.0;
        for gj in &mut g {
            *gj -= r * power;
            power *= t;
        }
    }
    (total / 2.0, g)
}
