//! `gmm` by hand: the objective and its gradient, written as ADBench's manual
//! C++ tool does (`gmm_d.cpp`), without its per-component scratch matrices.
//!
//! With `xc = x_i − μ_c`, `y = Q_c xc`, `main_ic = α_c + Σ_j q_cj − ½‖y‖²` and the
//! responsibilities `r_ic = softmax_c(main_i)`:
//!
//! ```text
//! ∂/∂α_c    = Σ_i r_ic − n softmax(α)_c
//! ∂/∂μ_c    = Σ_i r_ic Q_cᵀ y                       (∂main/∂xc = −Q_cᵀ y)
//! ∂/∂q_cj   = Σ_i r_ic (1 − e^(q_cj) xc_j y_j) − γ² e^(2 q_cj) + m
//! ∂/∂L_c,rs = −Σ_i r_ic y_r xc_s − γ² L_c,rs          (r > s)
//! ```
//!
//! Per point, a forward pass over the components stores `xc` and `y` (k·d
//! values) and the main terms; after the log-sum-exp, a backward pass over
//! the components adds `r_ic ×` each term, `Q_cᵀ y` and the `L` outer product
//! in one sweep over the strictly-lower entries.
//!
//! Parameters are flat and row-major: `alpha` (k), `mu` and `q` (k·d), `l`
//! (k·d(d−1)/2, each component's strictly-lower part column by column), `x`
//! (n·d). `ln Γ` at the half-integers the prior needs is computed exactly by
//! `Γ(z + 1) = z Γ(z)` from `Γ(1) = 1` and `Γ(½) = √π` (independently of the
//! tool's Lanczos approximation).

// The parameters are GradBench's input, spelled out; loops index several
// buffers in parallel, as the formulas do.
#![allow(clippy::too_many_arguments, clippy::needless_range_loop)]

use std::f64::consts::PI;

/// `ln Γ(h/2)` for a positive integer `h`.
fn ln_gamma_half(h: usize) -> f64 {
    let (mut z, mut ln) = if h % 2 == 1 {
        (0.5, 0.5 * PI.ln())
    } else {
        (1.0, 0.0)
    };
    while z < h as f64 / 2.0 {
        ln += z.ln();
        z += 1.0;
    }
    ln
}

/// `ln Σ exp(v)`, shifted by the maximum.
fn logsumexp(v: &[f64]) -> f64 {
    let mx = v.iter().fold(f64::NEG_INFINITY, |m, &t| m.max(t));
    mx + v.iter().map(|t| (t - mx).exp()).sum::<f64>().ln()
}

/// `C = N d (ln γ − ½ ln 2) − ln Γ_d(N/2)` with `N = d + m + 1`.
fn wishart_constant(d: usize, gamma: f64, m: usize) -> f64 {
    let big_n = d + m + 1;
    let mut ln_gamma_d = (d * (d - 1)) as f64 / 4.0 * PI.ln();
    for j in 1..=d {
        // Γ(N/2 + (1 − j)/2) = Γ((N + 1 − j)/2)
        ln_gamma_d += ln_gamma_half(big_n + 1 - j);
    }
    (big_n * d) as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - ln_gamma_d
}

/// `y = Q_c xc` for the component with diagonal `qdiag` and strictly-lower
/// part `lc` (column by column).
fn q_times(d: usize, qdiag: &[f64], lc: &[f64], xc: &[f64], y: &mut [f64]) {
    for j in 0..d {
        y[j] = qdiag[j] * xc[j];
    }
    let mut e = 0;
    for col in 0..d {
        for r in col + 1..d {
            y[r] += lc[e] * xc[col];
            e += 1;
        }
    }
}

/// The Wishart prior `k C − Σ_c (γ²/2 (‖exp q_c‖² + ‖l_c‖²) − m Σ_j q_cj)`.
fn prior(d: usize, k: usize, q: &[f64], l: &[f64], gamma: f64, m: usize) -> f64 {
    let frobenius: f64 =
        q.iter().map(|t| (2.0 * t).exp()).sum::<f64>() + l.iter().map(|t| t * t).sum::<f64>();
    let sum_q: f64 = q.iter().sum();
    k as f64 * wishart_constant(d, gamma, m) - 0.5 * gamma * gamma * frobenius + m as f64 * sum_q
}

/// The GMM objective.
pub fn primal(
    d: usize,
    k: usize,
    n: usize,
    alpha: &[f64],
    mu: &[f64],
    q: &[f64],
    l: &[f64],
    x: &[f64],
    gamma: f64,
    m: usize,
) -> f64 {
    let tri = d * (d - 1) / 2;
    let qdiag: Vec<f64> = q.iter().map(|t| t.exp()).collect();
    let sum_qs: Vec<f64> = (0..k).map(|c| q[c * d..(c + 1) * d].iter().sum()).collect();
    let mut xc = vec![0.0; d];
    let mut y = vec![0.0; d];
    let mut main = vec![0.0; k];
    let mut slse = 0.0;
    for i in 0..n {
        for c in 0..k {
            for j in 0..d {
                xc[j] = x[i * d + j] - mu[c * d + j];
            }
            let lc = &l[c * tri..(c + 1) * tri];
            q_times(d, &qdiag[c * d..(c + 1) * d], lc, &xc, &mut y);
            main[c] = alpha[c] + sum_qs[c] - 0.5 * y.iter().map(|t| t * t).sum::<f64>();
        }
        slse += logsumexp(&main);
    }
    -((n * d) as f64) * 0.5 * (2.0 * PI).ln() + slse - n as f64 * logsumexp(alpha)
        + prior(d, k, q, l, gamma, m)
}

/// The objective and its gradient `(α, μ, q, l)`, flat like the parameters.
pub fn gradient(
    d: usize,
    k: usize,
    n: usize,
    alpha: &[f64],
    mu: &[f64],
    q: &[f64],
    l: &[f64],
    x: &[f64],
    gamma: f64,
    m: usize,
) -> (f64, [Vec<f64>; 4]) {
    let tri = d * (d - 1) / 2;
    let qdiag: Vec<f64> = q.iter().map(|t| t.exp()).collect();
    let sum_qs: Vec<f64> = (0..k).map(|c| q[c * d..(c + 1) * d].iter().sum()).collect();
    let mut dalpha = vec![0.0; k];
    let mut dmu = vec![0.0; k * d];
    let mut dq = vec![0.0; k * d];
    let mut dl = vec![0.0; k * tri];
    // Per point: the centred points, their images and the main terms.
    let mut xcs = vec![0.0; k * d];
    let mut ys = vec![0.0; k * d];
    let mut main = vec![0.0; k];
    let mut slse = 0.0;
    for i in 0..n {
        let xi = &x[i * d..(i + 1) * d];
        for c in 0..k {
            let xc = &mut xcs[c * d..(c + 1) * d];
            for j in 0..d {
                xc[j] = xi[j] - mu[c * d + j];
            }
            let y = &mut ys[c * d..(c + 1) * d];
            q_times(
                d,
                &qdiag[c * d..(c + 1) * d],
                &l[c * tri..(c + 1) * tri],
                xc,
                y,
            );
            main[c] = alpha[c] + sum_qs[c] - 0.5 * y.iter().map(|t| t * t).sum::<f64>();
        }
        // logsumexp, leaving the responsibilities in `main`.
        let mx = main.iter().fold(f64::NEG_INFINITY, |m, &t| m.max(t));
        let mut sum = 0.0;
        for t in main.iter_mut() {
            *t = (*t - mx).exp();
            sum += *t;
        }
        slse += mx + sum.ln();
        let inverse = 1.0 / sum;
        for c in 0..k {
            let r = main[c] * inverse;
            dalpha[c] += r;
            let xc = &xcs[c * d..(c + 1) * d];
            let y = &ys[c * d..(c + 1) * d];
            let qd = &qdiag[c * d..(c + 1) * d];
            let dmu_c = &mut dmu[c * d..(c + 1) * d];
            let dq_c = &mut dq[c * d..(c + 1) * d];
            for j in 0..d {
                dmu_c[j] += r * qd[j] * y[j];
                dq_c[j] += r * (1.0 - qd[j] * xc[j] * y[j]);
            }
            let lc = &l[c * tri..(c + 1) * tri];
            let dl_c = &mut dl[c * tri..(c + 1) * tri];
            let mut e = 0;
            for col in 0..d {
                let s = r * xc[col];
                let mut qty = 0.0;
                for row in col + 1..d {
                    qty += lc[e] * y[row];
                    dl_c[e] -= s * y[row];
                    e += 1;
                }
                dmu_c[col] += r * qty;
            }
        }
    }
    // −n logsumexp(α) and the prior.
    let lse_alpha = logsumexp(alpha);
    for c in 0..k {
        dalpha[c] -= n as f64 * (alpha[c] - lse_alpha).exp();
    }
    let g2 = gamma * gamma;
    for e in 0..k * d {
        dq[e] += m as f64 - g2 * qdiag[e] * qdiag[e];
    }
    for e in 0..k * tri {
        dl[e] -= g2 * l[e];
    }
    let value = -((n * d) as f64) * 0.5 * (2.0 * PI).ln() + slse - n as f64 * lse_alpha
        + prior(d, k, q, l, gamma, m);
    (value, [dalpha, dmu, dq, dl])
}
