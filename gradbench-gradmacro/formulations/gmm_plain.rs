//! GMM written plainly, as a C port would be: flat slices with offsets,
//! scratch buffers `xc`, `qx` and `main_term` allocated once before the loop
//! over the points and overwritten per point and component, and the
//! log-sum-exp a differentiated helper called once per point.

// Index loops over several buffers at once, as a C port writes them.
#![allow(clippy::needless_range_loop)]

use gradmacro::differentiate;

/// `ln Σ exp(v)`, shifted by the maximum.
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
    s.ln() + mx
}

/// The GMM objective without its constant terms (which do not change the
/// gradient): `Σ_i lse_k(α_k + Σ_j q_kj − ½‖Q_k(x_i − μ_k)‖²) − n lse(α) −
/// Σ_k (½γ²(‖exp q_k‖² + ‖l_k‖²) − m Σ_j q_kj)`.
#[differentiate(wrt = [alpha, mu, q, l])]
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub fn gmm_plain(
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
    let mut xc = vec![0.0; d];
    let mut qx = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for i in 0..n {
        for ik in 0..k {
            let mut sum_q = 0.0;
            for j in 0..d {
                sum_q += q[ik * d + j];
                xc[j] = x[i * d + j] - mu[ik * d + j];
            }
            // qx = Q xc, Q lower triangular with diagonal exp(q), l below
            // it column by column.
            for j in 0..d {
                qx[j] = q[ik * d + j].exp() * xc[j];
            }
            let mut lparam = ik * tri;
            for col in 0..d {
                for row in col + 1..d {
                    qx[row] += l[lparam] * xc[col];
                    lparam += 1;
                }
            }
            let mut sq = 0.0;
            for j in 0..d {
                sq += qx[j] * qx[j];
            }
            main_term[ik] = alpha[ik] + sum_q - 0.5 * sq;
        }
        slse += logsumexp(&main_term);
    }
    let mut prior = 0.0;
    for ik in 0..k {
        let mut frob = 0.0;
        let mut sum_q = 0.0;
        for j in 0..d {
            let e = q[ik * d + j].exp();
            frob += e * e;
            sum_q += q[ik * d + j];
        }
        for e in 0..tri {
            frob += l[ik * tri + e] * l[ik * tri + e];
        }
        prior += 0.5 * gamma * gamma * frob - m as f64 * sum_q;
    }
    slse - n as f64 * logsumexp(alpha) - prior
}
