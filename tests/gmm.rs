//! The Gaussian mixture model objective of GradBench (the `gmm` eval, from
//! ADBench): the log posterior of a k-component mixture in d dimensions with
//! a Wishart prior on the inverse covariances, written as plain Rust with
//! `#[differentiate]`d helpers (a log-sum-exp over a slice, Q_k·(x − μ_k) built
//! entry by entry into a local buffer, the prior of one component) and
//! differentiated w.r.t. the weights α, the means μ, the log-diagonals q and
//! the off-diagonal entries l of the inverse-covariance Cholesky factors.
//!
//! With Q_k lower triangular, diagonal exp(q_k), strictly-lower part l_k filled
//! column by column (column j holds rows j+1..d):
//!
//! objective = −n d/2 ln 2π + Σ_i logsumexp_k(α_k + Σ_j q_kj − ½‖Q_k(x_i − μ_k)‖²)
//!             − n logsumexp(α) + k C − Σ_k (γ²/2 (‖exp q_k‖² + ‖l_k‖²) − m Σ_j q_kj),
//!
//! C = N d (ln γ − ½ ln 2) − ln Γ_d(N/2), N = d + m + 1.
//!
//! The parameters are flat row-major slices (ranges `&x[a..b]` are not
//! supported, so helpers take an offset or a component index); a variant
//! declares its scratch buffer of per-component terms once before the loop
//! over the data points; a second formulation takes rows `&[[f64; D]]` and
//! passes rows to a helper by value. Every gradient entry is checked against a
//! central finite difference of the original function and against the
//! closed-form gradient computed from an independent straightforward
//! implementation (`tests/common/gmm.rs`); the value against that
//! implementation.

// Index loops over several buffers at once are the numeric style under test.
#![allow(clippy::needless_range_loop)]
// Signatures with many parameters are GradBench's input, spelled out.
#![allow(clippy::too_many_arguments)]

mod common;

use common::gmm::*;
use common::*;
use gradmacro::differentiate;
use std::f64::consts::PI;

// ---------------------------------------------------------------------------
// The objective, on flat row-major slices
// ---------------------------------------------------------------------------

/// `ln Σ_i exp(v_i)`, shifted by the maximum so that no `exp` overflows.
#[differentiate]
fn logsumexp(v: &[f64]) -> f64 {
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

/// `Σ_j q[off + j]` for `j` in `0..d`: the log-determinant of one Q_k.
#[differentiate]
fn sum_q(q: &[f64], off: usize, d: usize) -> f64 {
    let mut s = 0.0;
    for j in 0..d {
        s += q[off + j];
    }
    s
}

/// The index in `l` of the entry (row `r`, column `col`), `r > col`, of the
/// strictly-lower part of component `c`'s Q (filled column by column).
fn l_index(c: usize, r: usize, col: usize, d: usize) -> usize {
    c * (d * (d - 1) / 2) + col * (2 * d - col - 1) / 2 + (r - col - 1)
}

/// Entry `r` of Q_c · xc: exp(q_cr)·xc_r + Σ_{col < r} L_c[r][col]·xc_col.
#[differentiate]
fn qtimesx_entry(q: &[f64], l: &[f64], xc: &[f64], c: usize, r: usize, d: usize) -> f64 {
    let mut s = q[c * d + r].exp() * xc[r];
    for col in 0..r {
        s += l[l_index(c, r, col, d)] * xc[col];
    }
    s
}

/// The squared Euclidean norm of a slice.
#[differentiate]
fn sq_norm(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for &t in v {
        s += t * t;
    }
    s
}

/// ½‖Q_c (x_i − μ_c)‖²: the centred point and its image under Q_c are local
/// buffers; the image is built entry by entry with `qtimesx_entry`.
#[differentiate]
fn half_mahalanobis(
    q: &[f64],
    l: &[f64],
    mu: &[f64],
    x: &[f64],
    c: usize,
    i: usize,
    d: usize,
) -> f64 {
    let mut xc = vec![0.0; d];
    for j in 0..d {
        xc[j] = x[i * d + j] - mu[c * d + j];
    }
    let mut qx = vec![0.0; d];
    for r in 0..d {
        qx[r] = qtimesx_entry(q, l, &xc, c, r, d);
    }
    0.5 * sq_norm(&qx)
}

/// The Wishart prior's term of component `c` (without the constant):
/// γ²/2 (‖exp q_c‖² + ‖l_c‖²) − m Σ_j q_cj.
#[differentiate]
fn wishart_term(q: &[f64], l: &[f64], c: usize, d: usize, gamma: f64, m: u32) -> f64 {
    let tri = d * (d - 1) / 2;
    let mut frobenius = 0.0;
    for j in 0..d {
        frobenius += q[c * d + j].exp().powi(2);
    }
    for j in 0..tri {
        frobenius += l[c * tri + j] * l[c * tri + j];
    }
    0.5 * gamma * gamma * frobenius - m as f64 * sum_q(q, c * d, d)
}

/// `ln Γ(h/2)` for a positive integer `h`, by Γ(z + 1) = zΓ(z) from
/// Γ(1) = 1 or Γ(½) = √π (every argument of the multivariate gamma below is a
/// multiple of ½). A plain function: its arguments are constants.
fn ln_gamma_half(h: usize) -> f64 {
    let (mut z, mut ln) = if h % 2 == 1 {
        (0.5, 0.5 * PI.ln())
    } else {
        (1.0, 0.0)
    };
    while z < h as f64 / 2.0 {
        ln += f64::ln(z);
        z += 1.0;
    }
    ln
}

/// `ln Γ_d(N/2) = d(d−1)/4 ln π + Σ_{j=1..d} ln Γ(N/2 + (1 − j)/2)`.
fn ln_multigamma_half(d: usize, big_n: usize) -> f64 {
    let mut s = (d * (d - 1)) as f64 / 4.0 * PI.ln();
    for j in 1..=d {
        s += ln_gamma_half(big_n + 1 - j);
    }
    s
}

/// The GMM objective. `alpha` has k entries, `mu` and `q` k·d (row-major),
/// `l` k·d(d−1)/2, `x` n·d.
#[differentiate(wrt = [alpha, mu, q, l])]
fn gmm_objective(
    alpha: &[f64],
    mu: &[f64],
    q: &[f64],
    l: &[f64],
    x: &[f64],
    d: usize,
    gamma: f64,
    m: u32,
) -> f64 {
    let k = alpha.len();
    let n = x.len() / d;
    let mut slse = 0.0;
    for i in 0..n {
        // Declared inside the loop (`gmm_objective_hoisted` declares it once).
        let mut main_term = vec![0.0; k];
        for c in 0..k {
            main_term[c] = alpha[c] + sum_q(q, c * d, d) - half_mahalanobis(q, l, mu, x, c, i, d);
        }
        slse += logsumexp(&main_term);
    }
    let mut prior = 0.0;
    for c in 0..k {
        prior -= wishart_term(q, l, c, d, gamma, m);
    }
    let big_n = d + 1 + m as usize;
    let wishart_c =
        (big_n * d) as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - ln_multigamma_half(d, big_n);
    let nf = n as f64;
    -nf * d as f64 * 0.5 * (2.0 * PI).ln() + slse - nf * logsumexp(alpha)
        + k as f64 * wishart_c
        + prior
}

/// The GMM objective written the natural way: one buffer of per-component
/// terms declared before the loop over the data points, refilled for each
/// point and passed to `logsumexp` (the same arithmetic as `gmm_objective`).
#[differentiate(wrt = [alpha, mu, q, l])]
fn gmm_objective_hoisted(
    alpha: &[f64],
    mu: &[f64],
    q: &[f64],
    l: &[f64],
    x: &[f64],
    d: usize,
    gamma: f64,
    m: u32,
) -> f64 {
    let k = alpha.len();
    let n = x.len() / d;
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for i in 0..n {
        for c in 0..k {
            main_term[c] = alpha[c] + sum_q(q, c * d, d) - half_mahalanobis(q, l, mu, x, c, i, d);
        }
        slse += logsumexp(&main_term);
    }
    let mut prior = 0.0;
    for c in 0..k {
        prior -= wishart_term(q, l, c, d, gamma, m);
    }
    let big_n = d + 1 + m as usize;
    let wishart_c =
        (big_n * d) as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - ln_multigamma_half(d, big_n);
    let nf = n as f64;
    -nf * d as f64 * 0.5 * (2.0 * PI).ln() + slse - nf * logsumexp(alpha)
        + k as f64 * wishart_c
        + prior
}

// ---------------------------------------------------------------------------
// The same objective on rows `&[[f64; D]]`, rows passed to helpers by value
// ---------------------------------------------------------------------------

const D: usize = 3;
const TRI: usize = D * (D - 1) / 2;

/// ½‖Q (x − μ)‖² for one component, from its rows: Q·(x − μ) is built in a
/// local array, the strictly-lower entries walked column by column.
#[differentiate]
fn half_mahalanobis_rows(qk: [f64; D], lk: [f64; TRI], muk: [f64; D], xi: [f64; D]) -> f64 {
    let mut xc = [0.0; D];
    for j in 0..D {
        xc[j] = xi[j] - muk[j];
    }
    let mut qx = [0.0; D];
    for j in 0..D {
        qx[j] = qk[j].exp() * xc[j];
    }
    let mut idx = 0;
    for col in 0..D {
        for r in col + 1..D {
            qx[r] += lk[idx] * xc[col];
            idx += 1;
        }
    }
    0.5 * (qx[0] * qx[0] + qx[1] * qx[1] + qx[2] * qx[2])
}

/// The GMM objective on rows, in `D = 3` dimensions.
#[differentiate(wrt = [alpha, mu, q, l])]
fn gmm_objective_rows(
    alpha: &[f64],
    mu: &[[f64; D]],
    q: &[[f64; D]],
    l: &[[f64; TRI]],
    x: &[[f64; D]],
    gamma: f64,
    m: u32,
) -> f64 {
    let k = alpha.len();
    let n = x.len();
    let mut slse = 0.0;
    for i in 0..n {
        let mut main_term = vec![0.0; k];
        for c in 0..k {
            let log_det = q[c][0] + q[c][1] + q[c][2];
            main_term[c] = alpha[c] + log_det - half_mahalanobis_rows(q[c], l[c], mu[c], x[i]);
        }
        slse += logsumexp(&main_term);
    }
    let mut prior = 0.0;
    for c in 0..k {
        let mut frobenius = 0.0;
        for j in 0..D {
            frobenius += q[c][j].exp() * q[c][j].exp();
        }
        for j in 0..TRI {
            frobenius += l[c][j] * l[c][j];
        }
        prior -= 0.5 * gamma * gamma * frobenius - m as f64 * (q[c][0] + q[c][1] + q[c][2]);
    }
    let big_n = D + 1 + m as usize;
    let wishart_c =
        (big_n * D) as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - ln_multigamma_half(D, big_n);
    let nf = n as f64;
    -nf * D as f64 * 0.5 * (2.0 * PI).ln() + slse - nf * logsumexp(alpha)
        + k as f64 * wishart_c
        + prior
}

fn flat_objective(inst: &Instance, alpha: &[f64], mu: &[f64], q: &[f64], l: &[f64]) -> f64 {
    gmm_objective(alpha, mu, q, l, &inst.x, inst.d, inst.gamma, inst.m)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The value of the differentiated objective against the independent
/// implementation (relative 1e-12: the two sum in different orders), at
/// several instances and priors (m = 0 as in GradBench's data, and m > 0,
/// which exercises the −m Σq term and odd/even multivariate gamma
/// arguments).
#[test]
fn gmm_value_matches_the_reference_implementation() {
    for (seed, gamma, m) in [(1, 1.0, 0), (7, 0.8, 2), (42, 1.7, 5)] {
        let inst = instance(seed, gamma, m);
        let value = flat_objective(&inst, &inst.alpha, &inst.mu, &inst.q, &inst.l);
        let re = reference(&inst);
        assert_close("objective", value, re.value, 1e-12);
        // The multivariate gamma by recurrence against factorials.
        for h in 1..12 {
            assert_close("ln Γ(h/2)", ln_gamma_half(h), gamma_of_half(h).ln(), 1e-13);
        }
    }
}

/// The gradient w.r.t. α, μ, q and l: `gmm_objective_grad` returns exactly
/// the objective, and every entry of every parameter's gradient matches the
/// central finite difference of the objective and the closed form computed
/// from the reference implementation; the α gradient sums to zero (the
/// objective is invariant under α ↦ α + t).
#[test]
fn gmm_gradient_matches_finite_differences_and_closed_form() {
    for (seed, gamma, m) in [(1, 1.0, 0), (7, 0.8, 2), (42, 1.7, 5)] {
        let inst = instance(seed, gamma, m);
        let (value, (dalpha, dmu, dq, dl)) = gmm_objective_grad(
            &inst.alpha,
            &inst.mu,
            &inst.q,
            &inst.l,
            &inst.x,
            inst.d,
            inst.gamma,
            inst.m,
        );
        assert_eq!(
            value,
            flat_objective(&inst, &inst.alpha, &inst.mu, &inst.q, &inst.l)
        );
        let expected = closed_form_gradient(&inst, &reference(&inst));
        for (name, got, want) in [
            ("∂/∂α", &dalpha, &expected[0]),
            ("∂/∂μ", &dmu, &expected[1]),
            ("∂/∂q", &dq, &expected[2]),
            ("∂/∂l", &dl, &expected[3]),
        ] {
            assert_eq!(got.len(), want.len(), "{name}: length");
            for (e, (&g, &w)) in got.iter().zip(want.iter()).enumerate() {
                assert_close_abs(&format!("{name}[{e}] (seed {seed})"), g, w, 1e-11, 1e-13);
            }
        }
        assert_close_abs("Σ ∂/∂α", dalpha.iter().sum(), 0.0, 0.0, 1e-12);
        let at = pack([&inst.alpha, &inst.mu, &inst.q, &inst.l]);
        let grad = pack([&dalpha, &dmu, &dq, &dl]);
        assert_fd_all(
            "gmm (α, μ, q, l)",
            |p| {
                let [a, mu, q, l] = unpack(&inst, p);
                flat_objective(&inst, &a, &mu, &q, &l)
            },
            &at,
            &grad,
        );
    }
}

/// The pullback differentiates every float parameter, including the data x
/// and the prior's γ outside `wrt`: with seed 2.5 its (α, μ, q, l) adjoints are
/// 2.5 × the gradient, the γ adjoint is 2.5 × (k N d/γ − γ Σ_c (‖e^(q_c)‖² +
/// ‖l_c‖²)), and the x adjoint matches 2.5 × its finite difference.
#[test]
fn gmm_pullback_covers_data_and_prior() {
    let inst = instance(7, 0.8, 2);
    let seed = 2.5;
    let (value, (dalpha, dmu, dq, dl)) = gmm_objective_grad(
        &inst.alpha,
        &inst.mu,
        &inst.q,
        &inst.l,
        &inst.x,
        inst.d,
        inst.gamma,
        inst.m,
    );
    let (pvalue, (pa, pmu, pq, pl, px, (), pgamma, ())) = gmm_objective_pullback(
        &inst.alpha,
        &inst.mu,
        &inst.q,
        &inst.l,
        &inst.x,
        inst.d,
        inst.gamma,
        inst.m,
        seed,
    );
    assert_eq!(pvalue, value);
    for (name, p, g) in [
        ("α", &pa, &dalpha),
        ("μ", &pmu, &dmu),
        ("q", &pq, &dq),
        ("l", &pl, &dl),
    ] {
        for (e, (&pe, &ge)) in p.iter().zip(g.iter()).enumerate() {
            assert_close_abs(&format!("seed·∂/∂{name}[{e}]"), pe, seed * ge, 1e-12, 1e-14);
        }
    }
    let (d, k) = (inst.d, inst.k);
    let big_n = d + 1 + inst.m as usize;
    let frob: f64 = inst.q.iter().map(|t| (2.0 * t).exp()).sum::<f64>()
        + inst.l.iter().map(|t| t * t).sum::<f64>();
    let dgamma = (k * big_n * d) as f64 / inst.gamma - inst.gamma * frob;
    assert_close("seed·∂/∂γ", pgamma, seed * dgamma, 1e-12);
    let scaled: Vec<f64> = px.iter().map(|v| v / seed).collect();
    assert_fd_all(
        "gmm ∂/∂x",
        |x| {
            gmm_objective(
                &inst.alpha,
                &inst.mu,
                &inst.q,
                &inst.l,
                x,
                d,
                inst.gamma,
                inst.m,
            )
        },
        &inst.x,
        &scaled,
    );
}

/// The objective with its scratch buffer declared once before the loop over
/// the points: exactly the value of `gmm_objective` (the same operations), and
/// a gradient that matches the closed form from the reference implementation
/// and the central finite differences of the hoisted function itself.
#[test]
fn gmm_hoisted_scratch_buffer_matches_finite_differences_and_closed_form() {
    for (seed, gamma, m) in [(1, 1.0, 0), (7, 0.8, 2), (42, 1.7, 5)] {
        let inst = instance(seed, gamma, m);
        let (d, x) = (inst.d, &inst.x);
        let (a, mu, q, l) = (&inst.alpha, &inst.mu, &inst.q, &inst.l);
        let (value, (dalpha, dmu, dq, dl)) =
            gmm_objective_hoisted_grad(a, mu, q, l, x, d, gamma, m);
        assert_eq!(value, gmm_objective_hoisted(a, mu, q, l, x, d, gamma, m));
        assert_eq!(value, flat_objective(&inst, a, mu, q, l));
        let expected = closed_form_gradient(&inst, &reference(&inst));
        for (name, got, want) in [
            ("∂/∂α", &dalpha, &expected[0]),
            ("∂/∂μ", &dmu, &expected[1]),
            ("∂/∂q", &dq, &expected[2]),
            ("∂/∂l", &dl, &expected[3]),
        ] {
            assert_eq!(got.len(), want.len(), "{name}: length");
            for (e, (&g, &w)) in got.iter().zip(want.iter()).enumerate() {
                assert_close_abs(
                    &format!("hoisted {name}[{e}] (seed {seed})"),
                    g,
                    w,
                    1e-11,
                    1e-13,
                );
            }
        }
        assert_fd_all(
            "gmm hoisted (α, μ, q, l)",
            |p| {
                let [a, mu, q, l] = unpack(&inst, p);
                gmm_objective_hoisted(&a, &mu, &q, &l, x, d, gamma, m)
            },
            &pack([a, mu, q, l]),
            &pack([&dalpha, &dmu, &dq, &dl]),
        );
    }
}

/// The row formulation (`&[[f64; D]]` parameters, rows passed to a helper
/// by value, the prior inline): the same value as the flat one (to rounding)
/// and the same gradient, checked against finite differences of the row
/// function itself and against the flat closed form.
#[test]
fn gmm_rows_formulation_agrees() {
    for (seed, gamma, m) in [(3, 1.2, 1), (11, 0.9, 0)] {
        let inst = instance(seed, gamma, m);
        let mu: Vec<[f64; D]> = rows(&inst.mu);
        let q: Vec<[f64; D]> = rows(&inst.q);
        let l: Vec<[f64; TRI]> = rows(&inst.l);
        let x: Vec<[f64; D]> = rows(&inst.x);
        let (value, (dalpha, dmu, dq, dl)) =
            gmm_objective_rows_grad(&inst.alpha, &mu, &q, &l, &x, gamma, m);
        assert_eq!(
            value,
            gmm_objective_rows(&inst.alpha, &mu, &q, &l, &x, gamma, m)
        );
        let re = reference(&inst);
        assert_close("rows objective", value, re.value, 1e-12);
        let expected = closed_form_gradient(&inst, &re);
        let got = [dalpha.clone(), flatten(&dmu), flatten(&dq), flatten(&dl)];
        for (name, g, w) in [
            ("∂/∂α", &got[0], &expected[0]),
            ("∂/∂μ", &got[1], &expected[1]),
            ("∂/∂q", &got[2], &expected[2]),
            ("∂/∂l", &got[3], &expected[3]),
        ] {
            assert_eq!(g.len(), w.len(), "{name}: length");
            for (e, (&ge, &we)) in g.iter().zip(w.iter()).enumerate() {
                assert_close_abs(&format!("rows {name}[{e}]"), ge, we, 1e-11, 1e-13);
            }
        }
        let at = pack([&inst.alpha, &inst.mu, &inst.q, &inst.l]);
        let grad = pack([&got[0], &got[1], &got[2], &got[3]]);
        assert_fd_all(
            "gmm rows (α, μ, q, l)",
            |p| {
                let [a, mu, q, l] = unpack(&inst, p);
                gmm_objective_rows(&a, &rows(&mu), &rows(&q), &rows(&l), &x, gamma, m)
            },
            &at,
            &grad,
        );
    }
}
