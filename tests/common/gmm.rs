//! An independent, straightforward implementation of the Gaussian mixture
//! model objective of `tests/gmm.rs` and its closed-form gradient (not
//! differentiated: plain loops over full d×d matrices, the multivariate gamma
//! from factorials), and the deterministic instances the GMM tests use.

// Index loops over several buffers at once, as in the formulas.
#![allow(clippy::needless_range_loop)]

use std::f64::consts::PI;

/// One GMM instance: flat row-major parameters and data.
pub struct Instance {
    pub d: usize,
    pub k: usize,
    pub n: usize,
    pub alpha: Vec<f64>,
    pub mu: Vec<f64>,
    pub q: Vec<f64>,
    pub l: Vec<f64>,
    pub x: Vec<f64>,
    pub gamma: f64,
    pub m: u32,
}

/// What the reference computes: the objective, and per point i and component
/// c the main term, the centred point x_i − μ_c and y = Q_c(x_i − μ_c); and
/// the matrices Q_c.
pub struct Reference {
    pub value: f64,
    pub main: Vec<Vec<f64>>,
    pub centred: Vec<Vec<Vec<f64>>>,
    pub y: Vec<Vec<Vec<f64>>>,
    pub qmat: Vec<Vec<Vec<f64>>>,
}

/// Γ(h/2) for small positive integers h, from factorials:
/// Γ(n) = (n − 1)!, Γ(n + ½) = (2n)! √π / (4ⁿ n!).
pub fn gamma_of_half(h: usize) -> f64 {
    let fact = |n: usize| (1..=n).map(|v| v as f64).product::<f64>();
    if h % 2 == 1 {
        let n = (h - 1) / 2;
        fact(2 * n) * PI.sqrt() / (4f64.powi(n as i32) * fact(n))
    } else {
        fact(h / 2 - 1)
    }
}

/// `ln Σ exp(v)` by the textbook formula with the maximum factored out.
pub fn reference_lse(v: &[f64]) -> f64 {
    let mx = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    mx + v.iter().map(|t| (t - mx).exp()).sum::<f64>().ln()
}

/// The objective computed directly from the formula: each Q_c built as a full
/// d×d matrix (the strictly-lower part filled column by column with a running
/// counter, as ADBench does), a plain matrix-vector product, the multivariate
/// gamma from factorials.
pub fn reference(inst: &Instance) -> Reference {
    let (d, k, n) = (inst.d, inst.k, inst.n);
    let tri = d * (d - 1) / 2;
    let qmat: Vec<Vec<Vec<f64>>> = (0..k)
        .map(|c| {
            let mut mat = vec![vec![0.0; d]; d];
            for j in 0..d {
                mat[j][j] = inst.q[c * d + j].exp();
            }
            let mut counter = 0;
            for col in 0..d {
                for row in col + 1..d {
                    mat[row][col] = inst.l[c * tri + counter];
                    counter += 1;
                }
            }
            mat
        })
        .collect();
    let mut main = vec![vec![0.0; k]; n];
    let mut centred = vec![vec![vec![0.0; d]; k]; n];
    let mut y = vec![vec![vec![0.0; d]; k]; n];
    let mut slse = 0.0;
    for i in 0..n {
        for c in 0..k {
            let xc: Vec<f64> = (0..d)
                .map(|j| inst.x[i * d + j] - inst.mu[c * d + j])
                .collect();
            let yc: Vec<f64> = (0..d)
                .map(|r| (0..d).map(|col| qmat[c][r][col] * xc[col]).sum())
                .collect();
            let sum_q: f64 = inst.q[c * d..(c + 1) * d].iter().sum();
            main[i][c] = inst.alpha[c] + sum_q - 0.5 * yc.iter().map(|t| t * t).sum::<f64>();
            centred[i][c] = xc;
            y[i][c] = yc;
        }
        slse += reference_lse(&main[i]);
    }
    let big_n = d + 1 + inst.m as usize;
    let ln_gamma_d = (d * (d - 1)) as f64 / 4.0 * PI.ln()
        + (1..=d)
            .map(|j| gamma_of_half(big_n + 1 - j).ln())
            .sum::<f64>();
    let c_const = (big_n * d) as f64 * (inst.gamma.ln() - 0.5 * 2f64.ln()) - ln_gamma_d;
    let mut prior = k as f64 * c_const;
    for c in 0..k {
        let qs = &inst.q[c * d..(c + 1) * d];
        let ls = &inst.l[c * tri..(c + 1) * tri];
        let frob: f64 =
            qs.iter().map(|t| (2.0 * t).exp()).sum::<f64>() + ls.iter().map(|t| t * t).sum::<f64>();
        prior -= 0.5 * inst.gamma * inst.gamma * frob - inst.m as f64 * qs.iter().sum::<f64>();
    }
    let value = -((n * d) as f64) / 2.0 * (2.0 * PI).ln() + slse
        - n as f64 * reference_lse(&inst.alpha)
        + prior;
    Reference {
        value,
        main,
        centred,
        y,
        qmat,
    }
}

/// The closed-form gradient (α, μ, q, l) from the reference's intermediates,
/// with responsibilities r_ic = softmax_c(main_i):
/// ∂/∂α_c = Σ_i r_ic − n softmax(α)_c;
/// ∂/∂μ_c = Σ_i r_ic Q_cᵀ y_ic;
/// ∂/∂q_cj = Σ_i r_ic (1 − y_icj e^(q_cj) xc_icj) − γ² e^(2q_cj) + m;
/// ∂/∂L_c[r][col] = −Σ_i r_ic y_icr xc_icol − γ² L_c[r][col].
pub fn closed_form_gradient(inst: &Instance, re: &Reference) -> [Vec<f64>; 4] {
    let (d, k, n) = (inst.d, inst.k, inst.n);
    let tri = d * (d - 1) / 2;
    let g2 = inst.gamma * inst.gamma;
    let lse_alpha = reference_lse(&inst.alpha);
    let mut dalpha: Vec<f64> = (0..k)
        .map(|c| -(n as f64) * (inst.alpha[c] - lse_alpha).exp())
        .collect();
    let mut dmu = vec![0.0; k * d];
    let mut dq: Vec<f64> = (0..k * d)
        .map(|e| -g2 * (2.0 * inst.q[e]).exp() + inst.m as f64)
        .collect();
    let mut dl: Vec<f64> = inst.l.iter().map(|v| -g2 * v).collect();
    for i in 0..n {
        let lse = reference_lse(&re.main[i]);
        for c in 0..k {
            let r = (re.main[i][c] - lse).exp();
            let (xc, y) = (&re.centred[i][c], &re.y[i][c]);
            dalpha[c] += r;
            for col in 0..d {
                let qty: f64 = (0..d).map(|row| re.qmat[c][row][col] * y[row]).sum();
                dmu[c * d + col] += r * qty;
                dq[c * d + col] += r * (1.0 - y[col] * inst.q[c * d + col].exp() * xc[col]);
            }
            let mut counter = 0;
            for col in 0..d {
                for row in col + 1..d {
                    dl[c * tri + counter] -= r * y[row] * xc[col];
                    counter += 1;
                }
            }
        }
    }
    [dalpha, dmu, dq, dl]
}

/// Deterministic pseudo-random numbers in [−1, 1) (a 64-bit LCG).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    pub fn vec(&mut self, len: usize, scale: f64) -> Vec<f64> {
        (0..len).map(|_| scale * self.next()).collect()
    }
}

/// A small instance: d = 3, k = 2, n = 4 (GradBench's smallest has d = 2,
/// k = 5), with moderately spread data so that both components matter.
pub fn instance(seed: u64, gamma: f64, m: u32) -> Instance {
    let (d, k, n) = (3, 2, 4);
    let mut rng = Lcg(seed);
    Instance {
        d,
        k,
        n,
        alpha: rng.vec(k, 1.0),
        mu: rng.vec(k * d, 1.0),
        q: rng.vec(k * d, 0.5),
        l: rng.vec(k * d * (d - 1) / 2, 0.7),
        x: rng.vec(n * d, 1.5),
        gamma,
        m,
    }
}

/// Splits a packed (α, μ, q, l) vector back into the four parameters.
pub fn unpack(inst: &Instance, p: &[f64]) -> [Vec<f64>; 4] {
    let (a, b) = (inst.k, inst.k * inst.d);
    let c = inst.k * inst.d * (inst.d - 1) / 2;
    [
        p[..a].to_vec(),
        p[a..a + b].to_vec(),
        p[a + b..a + 2 * b].to_vec(),
        p[a + 2 * b..a + 2 * b + c].to_vec(),
    ]
}

pub fn pack(parts: [&[f64]; 4]) -> Vec<f64> {
    parts.concat()
}
