//! ADBench / GradBench GMM: log-likelihood of a Gaussian mixture with a
//! Wishart prior on the inverse covariances.
//!
//! Parameters: weights `alpha` (k), means `mu` (k x d), log-diagonals `q`
//! (k x d) and strictly-lower parts `l` (k x d(d-1)/2, each column by column:
//! column `col` holds rows `col+1..d`) of the lower-triangular `Q_c`; data
//! `x` (n x d).
//!
//! ```text
//! objective = -n d/2 ln 2pi + sum_i lse_c(alpha_c + sum_j q_cj - 1/2 |Q_c (x_i - mu_c)|^2)
//!             - n lse(alpha) + k C - sum_c (gamma^2/2 (|exp q_c|^2 + |l_c|^2) - m sum_j q_cj)
//! C = N d (ln gamma - 1/2 ln 2) - ln Gamma_d(N/2),  N = d + m + 1
//! ```

#![allow(clippy::too_many_arguments, clippy::needless_range_loop)]

use gradmacro::differentiate;
use std::f64::consts::PI;

/// `ln Gamma(h / 2)` for a positive integer `h`, exactly by the recurrence
/// `Gamma(z + 1) = z Gamma(z)` from `Gamma(1) = 1`, `Gamma(1/2) = sqrt(pi)`.
pub fn ln_gamma_of_half(h: usize) -> f64 {
    let target = h as f64 / 2.0;
    let mut z = if h % 2 == 0 { 1.0 } else { 0.5 };
    let mut acc = if h % 2 == 0 { 0.0 } else { 0.5 * PI.ln() };
    while z < target {
        acc += z.ln();
        z += 1.0;
    }
    acc
}

/// The Wishart normalising constant `C` (a constant: no parameter enters it).
///
/// Annotated only because `log_wishart_prior` (plain `#[differentiate]`, so
/// its `gamma: f64` is differentiated) calls it with `gamma`; without the
/// annotation that is `cannot find function wishart_constant_pullback` (see
/// rejected/gmm_wishart_prior_constant_helper.rs).
#[differentiate]
pub fn wishart_constant(d: usize, gamma: f64, m: usize) -> f64 {
    let big_n = d + m + 1;
    let mut ln_multigamma = (d * (d - 1)) as f64 / 4.0 * PI.ln();
    for j in 1..=d {
        // N/2 + (1 - j)/2 = (N + 1 - j)/2
        ln_multigamma += ln_gamma_of_half(big_n + 1 - j);
    }
    (big_n * d) as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - ln_multigamma
}

// ---------------------------------------------------------------------------
// 1a. Plain C port (ADBench's gmm.cpp): flat slices, helper functions,
// scratch buffers allocated once before the loop over points.
// ---------------------------------------------------------------------------

/// `ln sum exp(v)`, shifted by the maximum.
#[differentiate]
pub fn logsumexp(v: &[f64]) -> f64 {
    let mut mx = v[0];
    for i in 1..v.len() {
        if v[i] > mx {
            mx = v[i];
        }
    }
    let mut s = 0.0;
    for i in 0..v.len() {
        s += (v[i] - mx).exp();
    }
    mx + s.ln()
}

/// `sum_qs[c] = sum_j q[c][j]`, `qdiags = exp(q)`.
#[differentiate]
pub fn preprocess_qs(d: usize, k: usize, q: &[f64], sum_qs: &mut [f64], qdiags: &mut [f64]) {
    for c in 0..k {
        sum_qs[c] = 0.0;
        for j in 0..d {
            sum_qs[c] += q[c * d + j];
            qdiags[c * d + j] = q[c * d + j].exp();
        }
    }
}

/// `out = x - y`.
#[differentiate]
pub fn subtract(d: usize, x: &[f64], y: &[f64], out: &mut [f64]) {
    for j in 0..d {
        out[j] = x[j] - y[j];
    }
}

/// `out = Q xc` with `Q` lower triangular: diagonal `qdiag`, strictly-lower
/// part `ltri` column by column.
#[differentiate]
pub fn qtimesx(d: usize, qdiag: &[f64], ltri: &[f64], xc: &[f64], out: &mut [f64]) {
    for j in 0..d {
        out[j] = qdiag[j] * xc[j];
    }
    let mut lidx = 0;
    for i in 0..d {
        for j in i + 1..d {
            out[j] += ltri[lidx] * xc[i];
            lidx += 1;
        }
    }
}

/// `sum_j v_j^2` over the first `d` entries.
#[differentiate]
pub fn sqnorm(d: usize, v: &[f64]) -> f64 {
    let mut s = 0.0;
    for j in 0..d {
        s += v[j] * v[j];
    }
    s
}

/// The log Wishart prior.
#[differentiate]
pub fn log_wishart_prior(
    d: usize,
    k: usize,
    gamma: f64,
    m: usize,
    sum_qs: &[f64],
    qdiags: &[f64],
    l: &[f64],
) -> f64 {
    let tri = d * (d - 1) / 2;
    let c = wishart_constant(d, gamma, m);
    let mut out = 0.0;
    for ik in 0..k {
        let frobenius =
            sqnorm(d, &qdiags[ik * d..(ik + 1) * d]) + sqnorm(tri, &l[ik * tri..(ik + 1) * tri]);
        out += 0.5 * gamma * gamma * frobenius - m as f64 * sum_qs[ik];
    }
    k as f64 * c - out
}

/// 1a. The objective, ported from C.
#[differentiate(wrt = [alpha, mu, q, l])]
pub fn gmm_c_port(
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
    let constant = -((n * d) as f64) * 0.5 * (2.0 * PI).ln();
    let tri = d * (d - 1) / 2;
    let mut qdiags = vec![0.0; d * k];
    let mut sum_qs = vec![0.0; k];
    let mut xc = vec![0.0; d];
    let mut qx = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    preprocess_qs(d, k, q, &mut sum_qs, &mut qdiags);
    let mut slse = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            subtract(
                d,
                &x[ix * d..(ix + 1) * d],
                &mu[ik * d..(ik + 1) * d],
                &mut xc,
            );
            qtimesx(
                d,
                &qdiags[ik * d..(ik + 1) * d],
                &l[ik * tri..(ik + 1) * tri],
                &xc,
                &mut qx,
            );
            main_term[ik] = alpha[ik] + sum_qs[ik] - 0.5 * sqnorm(d, &qx);
        }
        slse += logsumexp(&main_term);
    }
    let lse_alphas = logsumexp(alpha);
    constant + slse - n as f64 * lse_alphas + log_wishart_prior(d, k, gamma, m, &sum_qs, &qdiags, l)
}

// ---------------------------------------------------------------------------
// 1b. Nested Vec: parameters as rows, scratch allocated per point inside the
// loop, everything inline.
// ---------------------------------------------------------------------------

/// 1b. The objective with `mu`, `q`, `l`, `x` as `Vec` rows.
#[differentiate(wrt = [alpha, mu, q, l])]
pub fn gmm_nested(
    alpha: &[f64],
    mu: &[Vec<f64>],
    q: &[Vec<f64>],
    l: &[Vec<f64>],
    x: &[Vec<f64>],
    gamma: f64,
    m: usize,
) -> f64 {
    let k = alpha.len();
    let n = x.len();
    let d = x[0].len();
    let mut slse = 0.0;
    for i in 0..n {
        let mut main_term = vec![0.0; k];
        for c in 0..k {
            let mut xc = vec![0.0; d];
            for j in 0..d {
                xc[j] = x[i][j] - mu[c][j];
            }
            let mut qx = vec![0.0; d];
            let mut sum_q = 0.0;
            for j in 0..d {
                qx[j] = q[c][j].exp() * xc[j];
                sum_q += q[c][j];
            }
            let mut e = 0;
            for col in 0..d {
                for r in col + 1..d {
                    qx[r] += l[c][e] * xc[col];
                    e += 1;
                }
            }
            let mut sq = 0.0;
            for j in 0..d {
                sq += qx[j] * qx[j];
            }
            main_term[c] = alpha[c] + sum_q - 0.5 * sq;
        }
        let mut mx = main_term[0];
        for c in 1..k {
            if main_term[c] > mx {
                mx = main_term[c];
            }
        }
        let mut se = 0.0;
        for c in 0..k {
            se += (main_term[c] - mx).exp();
        }
        slse += mx + se.ln();
    }
    let mut amx = alpha[0];
    for c in 1..k {
        if alpha[c] > amx {
            amx = alpha[c];
        }
    }
    let mut ase = 0.0;
    for c in 0..k {
        ase += (alpha[c] - amx).exp();
    }
    let lse_alpha = amx + ase.ln();
    let mut prior = 0.0;
    for c in 0..k {
        for j in 0..d {
            let qd = q[c][j].exp();
            prior -= 0.5 * gamma * gamma * qd * qd - m as f64 * q[c][j];
        }
        for e in 0..l[c].len() {
            prior -= 0.5 * gamma * gamma * l[c][e] * l[c][e];
        }
    }
    let nf = n as f64;
    -nf * d as f64 * 0.5 * (2.0 * PI).ln() + slse - nf * lse_alpha
        + k as f64 * wishart_constant(d, gamma, m)
        + prior
}

// ---------------------------------------------------------------------------
// 1c. Iterator style: zip/map/sum/fold/collect where natural.
// ---------------------------------------------------------------------------

/// 1c. The objective written with iterator chains (flat parameters).
#[differentiate(wrt = [alpha, mu, q, l])]
pub fn gmm_iter(
    alpha: &[f64],
    mu: &[f64],
    q: &[f64],
    l: &[f64],
    x: &[f64],
    gamma: f64,
    m: usize,
) -> f64 {
    let k = alpha.len();
    let d = mu.len() / k;
    let n = x.len() / d;
    let tri = d * (d - 1) / 2;
    let qdiag: Vec<f64> = q.iter().map(|v| v.exp()).collect();
    let sum_qs: Vec<f64> = q.chunks(d).map(|row| row.iter().sum::<f64>()).collect();
    let mut slse = 0.0;
    for xi in x.chunks(d) {
        let mut main_term = Vec::with_capacity(k);
        for c in 0..k {
            let xc: Vec<f64> = xi
                .iter()
                .zip(&mu[c * d..(c + 1) * d])
                .map(|(a, b)| a - b)
                .collect();
            let mut qx: Vec<f64> = qdiag[c * d..(c + 1) * d]
                .iter()
                .zip(&xc)
                .map(|(a, b)| a * b)
                .collect();
            let lc = &l[c * tri..(c + 1) * tri];
            let mut e = 0;
            for col in 0..d {
                for r in col + 1..d {
                    qx[r] += lc[e] * xc[col];
                    e += 1;
                }
            }
            let sq: f64 = qx.iter().map(|t| t * t).sum();
            main_term.push(alpha[c] + sum_qs[c] - 0.5 * sq);
        }
        let mx = main_term.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        slse += mx + main_term.iter().map(|t| (t - mx).exp()).sum::<f64>().ln();
    }
    let amx = alpha.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let lse_alpha = amx + alpha.iter().map(|a| (a - amx).exp()).sum::<f64>().ln();
    let frobenius: f64 =
        qdiag.iter().map(|t| t * t).sum::<f64>() + l.iter().map(|t| t * t).sum::<f64>();
    let sum_q: f64 = q.iter().sum();
    let prior = k as f64 * wishart_constant(d, gamma, m) - 0.5 * gamma * gamma * frobenius
        + m as f64 * sum_q;
    -((n * d) as f64) * 0.5 * (2.0 * PI).ln() + slse - n as f64 * lse_alpha + prior
}
