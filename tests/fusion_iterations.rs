//! Loop fusion, part 2: inside a fused iteration (see `gradmacro-derive/src/fuse/`
//! and `tests/fusion_accumulators.rs` for which loops fuse).
//!
//! Updates under `if`, `continue` and inner loops; root scratch buffers
//! overwritten whole, buffers local to the loop, calls and `dot`; `f32`; and the
//! iteration's reverse code reading back what it needs: element reads that are
//! read again, stored activations whose derivative is taken from the stored
//! value, and reads whose adjoint is assigned rather than added, each next to a
//! case where doing so would be wrong (the element or activation overwritten
//! later in the iteration, an entry read twice), and scratch carried across
//! iterations or read after the loop (not fused).
//!
//! Every gradient is checked against central finite differences of the original
//! function, and against a closed form where one is short; `NAME_grad` must return
//! the original's value exactly, and `NAME_pullback` with seed 2.5 the same value
//! and 2.5 × the gradient. Points stay away from every branch boundary.

// Index loops over several buffers at once, `s = s + t`, `s = t + s` and a
// trailing `return -s;` are among the forms under test.
#![allow(clippy::needless_range_loop)]
#![allow(clippy::assign_op_pattern)]
#![allow(clippy::needless_return)]
#![allow(clippy::type_complexity)]

mod common;

use common::fusion::{
    cat, check, check_pair, check_scalar, check_slice, Pair, Scalar, Slice, SEED, W, X, XS, Y,
};
use common::{assert_all_close_f32, assert_fd_all, assert_fd_all_f32, flatten, rows};
use gradmacro::differentiate;
use gradmacro::vector::{dot, dot_pullback_lent};

// ---------------------------------------------------------------------------
// Control flow inside the fused loop
// ---------------------------------------------------------------------------

/// The update in both arms of an `if` (fused).
#[differentiate]
fn piecewise_sum(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        if v > 0.0 {
            s += v.ln_1p();
        } else {
            s -= v * v;
        }
    }
    s
}

/// `continue` skips negative entries (fused).
#[differentiate]
fn weighted_roots(x: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            continue;
        }
        s += x[i].sqrt() * w[i];
    }
    s / 2.0
}

/// Discounted return: the constant discount `d` is updated after the term in the
/// same iteration (fused in `_grad`; in `_pullback`, `γ` makes `d` active: not fused).
#[differentiate(wrt = rewards)]
fn discounted(rewards: &[f64], gamma: f64) -> f64 {
    let (mut d, mut s) = (1.0, 0.0);
    for &r in rewards {
        s += d * r.tanh();
        d *= gamma;
    }
    s
}

#[test]
fn branches_continue_and_constant_state() {
    let closed = X.map(|v| if v > 0.0 { 1.0 / (1.0 + v) } else { -2.0 * v });
    let f: Slice = (piecewise_sum, piecewise_sum_grad, piecewise_sum_pullback);
    check_slice("piecewise", f, &X, &closed);
    let w = [1.5, -0.5, 2.0, 0.75, 1.25];
    let mut closed = vec![0.0; 10];
    for i in (0..5).filter(|&i| X[i] > 0.0) {
        (closed[i], closed[5 + i]) = (w[i] / (4.0 * X[i].sqrt()), X[i].sqrt() / 2.0);
    }
    let f: Pair = (weighted_roots, weighted_roots_grad, weighted_roots_pullback);
    check_pair("continue", f, &X, &w, &closed);

    let gamma = 0.9;
    let (v, g) = discounted_grad(&X, gamma);
    let (pv, (pr, pg)) = discounted_pullback(&X, gamma, SEED);
    let closed: Vec<f64> = (0..5)
        .map(|k| gamma.powi(k as i32) / X[k].cosh().powi(2))
        .collect();
    let f = |q: &[f64]| discounted(q, gamma);
    check("discounted", f, &X, (v, g), (pv, pr), &closed);
    let f = |q: &[f64]| SEED * discounted(&X, q[0]);
    assert_fd_all("discounted, ∂/∂γ", f, &[gamma], &[pg]);
}

// ---------------------------------------------------------------------------
// Inner loops and buffers
// ---------------------------------------------------------------------------

/// Least squares with an inner dot product, skipping rows with an outlier by
/// `continue 'rows` from the inner loop (fused).
#[differentiate(wrt = x)]
fn least_squares(a: &[[f64; 3]], x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    'rows: for r in 0..a.len() {
        let mut z = 0.0;
        for c in 0..x.len() {
            if a[r][c] < -5.0 {
                continue 'rows;
            }
            z += a[r][c] * x[c];
        }
        s += (z - y[r]).powi(2);
    }
    s
}

/// A two-layer tanh network whose hidden layer is a root scratch buffer,
/// overwritten whole for each sample before it is read (fused).
#[differentiate(wrt = [w1, w2, b2])]
fn network_loss(w1: &[[f64; 2]], w2: &[f64], b2: f64, xs: &[[f64; 2]], ys: &[f64]) -> f64 {
    let mut h = vec![0.0; w1.len()];
    let mut loss = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        for j in 0..w1.len() {
            h[j] = (w1[j][0] * x[0] + w1[j][1] * x[1]).tanh();
        }
        let mut out = b2;
        for j in 0..h.len() {
            out += w2[j] * h[j];
        }
        loss += (out - y) * (out - y);
    }
    loss / xs.len() as f64
}

#[test]
fn inner_loops_and_a_scratch_hidden_layer() {
    let a = [
        [1.0, -0.5, 0.25],
        [0.3, -6.0, -1.0],
        [-0.6, 0.2, 0.9],
        [0.5, 0.5, 0.5],
    ];
    let (x, y) = ([0.4, -0.7, 1.3], [0.2, -0.1, 0.6, 1.0]);
    let (v, g) = least_squares_grad(&a, &x, &y);
    let (pv, (_, px, _)) = least_squares_pullback(&a, &x, &y, SEED);
    let r = |i: usize| (0..3).map(|c| a[i][c] * x[c]).sum::<f64>() - y[i];
    let closed: Vec<f64> = (0..3)
        .map(|c| [0, 2, 3].map(|i| 2.0 * a[i][c] * r(i)).iter().sum())
        .collect();
    let f = |p: &[f64]| least_squares(&a, p, &y);
    check("least squares", f, &x, (v, g), (pv, px), &closed);

    let w1 = [[0.5, -0.3], [-0.2, 0.6], [0.7, 0.4]];
    let (w2, b2) = ([0.6, -0.4, 0.9], 0.15);
    let xs = [[1.0, -0.5], [-0.75, 0.5], [0.3, 0.9], [-1.0, -0.2]];
    let ys = [0.5, -0.25, 0.8, -0.6];
    let (v, (dw1, dw2, db2)) = network_loss_grad(&w1, &w2, b2, &xs, &ys);
    let (pv, (pw1, pw2, pb2, pxs, pys)) = network_loss_pullback(&w1, &w2, b2, &xs, &ys, SEED);
    let g = cat(&[&flatten(&dw1), &dw2, &[db2]]);
    let p = cat(&[&flatten(&pw1), &pw2, &[pb2]]);
    let f = |q: &[f64]| network_loss(&rows(&q[..6]), &q[6..9], q[9], &xs, &ys);
    let at = cat(&[&flatten(&w1), &w2, &[b2]]);
    check("network", f, &at, (v, g), (pv, p), &[]);
    // The pullback differentiates the data too.
    let pulled: Vec<f64> = cat(&[&flatten(&pxs), &pys])
        .iter()
        .map(|p| p / SEED)
        .collect();
    let f = |q: &[f64]| network_loss(&w1, &w2, b2, &rows(&q[..8]), &q[8..]);
    assert_fd_all("network pullback", f, &cat(&[&flatten(&xs), &ys]), &pulled);
}

/// A scratch copied from `w` and overwritten whole: its initial values are dead (fused).
#[differentiate]
fn copied_scratch(w: &[f64], xs: &[f64]) -> f64 {
    let mut h = w.to_vec();
    let mut s = 0.0;
    for &x in xs {
        for j in 0..w.len() {
            h[j] = (w[j] * x).tanh();
        }
        s += h[0] * h[1] + h[2];
    }
    s
}

/// A scratch overwritten only for `j ≥ 1`: `h[0]` carries a summary of the
/// previous sample into the next iteration (not fused).
#[differentiate]
fn partial_fill(w: &[f64], xs: &[f64]) -> f64 {
    let mut h = vec![0.0; w.len()];
    let mut s = 0.0;
    for &x in xs {
        for j in 1..w.len() {
            h[j] = (w[j] * x).sin();
        }
        s += h[0] * h[1] + h[2];
        h[0] = h[1] + w[0] * h[2];
    }
    s
}

/// A recurrent state read before it is overwritten (not fused).
#[differentiate]
fn recurrent(w: &[f64], xs: &[f64]) -> f64 {
    let mut h = vec![0.1; w.len()];
    let mut s = 0.0;
    for &x in xs {
        for j in 0..h.len() {
            h[j] = (0.5 * h[j] + w[j] * x).tanh();
        }
        s += h[0] + h[1];
    }
    s
}

/// A scratch overwritten whole each iteration but read after the loop (not fused).
#[differentiate]
fn read_after(w: &[f64], xs: &[f64]) -> f64 {
    let mut h = vec![0.0; w.len()];
    let mut s = 0.0;
    for &x in xs {
        for j in 0..w.len() {
            h[j] = (w[j] * x).sin();
        }
        s += h[0] * h[1];
    }
    s + 3.0 * h[1]
}

/// `ln Σ exp(t)`, a helper called on a scratch buffer.
#[differentiate]
fn log_sum_exp(t: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in t {
        s += v.exp();
    }
    s.ln()
}

/// Scratch hoisted out of the loop over samples and refilled per sample and
/// component inside a nested loop, then handed to a helper, as a plainly
/// written mixture model does (fused).
#[differentiate]
fn mixture(w: &[f64], xs: &[f64]) -> f64 {
    let k = w.len() - 1;
    let mut centred = [0.0; 2];
    let mut terms = vec![0.0; k];
    let mut s = 0.0;
    for &x in xs {
        for c in 0..k {
            for j in 0..2 {
                centred[j] = x * w[c + j] - w[c];
            }
            let mut sq = 0.0;
            for j in 0..centred.len() {
                sq += centred[j] * centred[j];
            }
            terms[c] = w[c + 1] - 0.5 * sq;
        }
        s += log_sum_exp(&terms);
    }
    s
}

/// Refilled in a nested loop that runs zero times from the third sample on,
/// then read after it: later samples read the second's values (not fused).
#[differentiate]
fn refilled_sometimes(w: &[f64], xs: &[f64]) -> f64 {
    let mut h = vec![0.0; w.len()];
    let mut s = 0.0;
    for i in 0..xs.len() {
        for _ in i..2 {
            for j in 0..w.len() {
                h[j] = (w[j] * xs[i]).sin();
            }
        }
        s += h[0] * h[1] + xs[i] * h[2];
    }
    s
}

/// A buffer declared inside the loop body (fused).
#[differentiate]
fn local_buffer(w: &[f64], xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        let mut z = [0.0; 2];
        for k in 0..2 {
            z[k] = x * w[k] + w[k + 1];
        }
        s += z[0] * z[1];
    }
    s
}

// What the fused iteration's reverse code reads back: elements nothing
// overwrites later in the iteration, stored activations (`exp`, `tanh`), and
// reads whose adjoint is the only contribution to its entry.

/// Activations clipped leakily above 2 by a second store in the loop that
/// computes them: the stored `exp`s are overwritten (fused).
#[differentiate]
fn leaky_clip(w: &[f64], xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        let mut h = [0.0; 3];
        for j in 0..3 {
            h[j] = (w[j] * x).exp();
            if h[j] > 2.0 {
                h[j] = 2.0 + 0.1 * (h[j] - 2.0);
            }
        }
        s += h[0] * h[1] + h[2];
    }
    s
}

/// A pairwise kernel sum: `y[i]` is read in the inner loop, once per `k` (fused).
#[differentiate]
fn pair_kernel(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..y.len() {
        for k in 0..x.len() {
            s += (-(x[k] - y[i]).powi(2)).exp();
        }
    }
    s
}

/// A scratch of `exp`s multiplied in place by the next entry: entries read in
/// that loop are overwritten later in it, and no longer hold the `exp`s (fused).
#[differentiate]
fn next_products(w: &[f64], xs: &[f64]) -> f64 {
    let mut h = vec![0.0; w.len()];
    let mut s = 0.0;
    for &x in xs {
        for j in 0..h.len() {
            h[j] = (w[j] * x).exp();
        }
        for j in 0..h.len() - 1 {
            h[j] *= h[j + 1];
        }
        s += h[0] + h[1];
    }
    s
}

/// The chained Rosenbrock function: `x[i]` and `x[i + 1]` overlap between
/// iterations, so each entry gets two contributions (fused).
#[differentiate]
fn rosen_chain(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let (a, b) = (x[i], x[i + 1]);
        s += 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2);
    }
    s
}

/// Softmax expectation: a loop writing `e` (read afterwards: not fused), then a
/// fused loop reading `e`, scaled by `inv` computed between them.
#[differentiate]
fn softmax_mean(z: &[f64], v: &[f64]) -> f64 {
    let mut e = vec![0.0; z.len()];
    let mut total = 0.0;
    for i in 0..z.len() {
        e[i] = z[i].exp();
        total += e[i];
    }
    let inv = 1.0 / total;
    let mut s = 0.0;
    for i in 0..z.len() {
        s += e[i] * v[i];
    }
    s * inv + e[0]
}

/// A copy read in the loop and written after it (not fused).
#[differentiate]
fn written_after(x: &[f64], w: f64) -> f64 {
    let mut e = x.to_vec();
    let mut s = 0.0;
    for i in 0..e.len() {
        s += e[i].sin() * w;
    }
    e[0] = w * w;
    s + e[0] * e[1]
}

#[test]
fn scratch_and_local_buffers() {
    let f: Pair = (copied_scratch, copied_scratch_grad, copied_scratch_pullback);
    check_pair("copied", f, &W, &XS, &[]);
    // With no iteration, nothing reaches `w`.
    assert_eq!(copied_scratch_grad(&W, &[]), (0.0, (vec![0.0; 3], vec![])));
    let f: Pair = (partial_fill, partial_fill_grad, partial_fill_pullback);
    check_pair("partial", f, &W, &XS, &[]);
    let f: Pair = (recurrent, recurrent_grad, recurrent_pullback);
    check_pair("recurrent", f, &W, &XS, &[]);
    let f: Pair = (read_after, read_after_grad, read_after_pullback);
    check_pair("read after", f, &W, &XS, &[]);
    let f: Pair = (mixture, mixture_grad, mixture_pullback);
    check_pair("mixture", f, &W, &XS, &[]);
    let f: Pair = (
        refilled_sometimes,
        refilled_sometimes_grad,
        refilled_sometimes_pullback,
    );
    check_pair("refilled sometimes", f, &W, &XS, &[]);
    let f: Pair = (local_buffer, local_buffer_grad, local_buffer_pullback);
    check_pair("local", f, &W, &XS, &[]);
    let f: Pair = (next_products, next_products_grad, next_products_pullback);
    check_pair("next products", f, &W, &XS, &[]);
    let f: Pair = (leaky_clip, leaky_clip_grad, leaky_clip_pullback);
    check_pair("leaky clip", f, &W, &XS, &[]);
    let f: Pair = (pair_kernel, pair_kernel_grad, pair_kernel_pullback);
    check_pair("pairwise kernel", f, &XS, &W, &[]);
    let mut closed = vec![0.0; 5];
    for i in 0..4 {
        let t = X[i + 1] - X[i] * X[i];
        closed[i] += -400.0 * t * X[i] - 2.0 * (1.0 - X[i]);
        closed[i + 1] += 200.0 * t;
    }
    let f: Slice = (rosen_chain, rosen_chain_grad, rosen_chain_pullback);
    check_slice("chained Rosenbrock", f, &X, &closed);

    let total: f64 = X.iter().map(|z| z.exp()).sum();
    let p = X.map(|z| z.exp() / total);
    let mean: f64 = (0..5).map(|i| p[i] * Y[i]).sum();
    let mut closed: Vec<f64> = (0..5).map(|i| p[i] * (Y[i] - mean)).collect();
    closed[0] += X[0].exp();
    closed.extend(p);
    let f: Pair = (softmax_mean, softmax_mean_grad, softmax_mean_pullback);
    check_pair("softmax expectation", f, &X, &Y, &closed);
    let f: Scalar = (written_after, written_after_grad, written_after_pullback);
    check_scalar("written after", f, &X, 0.8, &[]);
}

// ---------------------------------------------------------------------------
// Calls inside the loop
// ---------------------------------------------------------------------------

/// Pseudo-Huber loss of one residual.
#[differentiate]
fn pseudo_huber(r: f64, delta: f64) -> f64 {
    delta * ((1.0 + (r / delta).powi(2)).sqrt() - 1.0)
}

/// A `#[differentiate]`d helper called inside the loop (fused).
#[differentiate]
fn robust_fit(w: f64, xs: &[f64], ys: &[f64], delta: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        s += pseudo_huber(w * xs[i] - ys[i], delta);
    }
    s / xs.len() as f64
}

/// Logistic loss with `gradmacro::vector::dot` inside the loop (fused).
#[differentiate(wrt = w)]
fn logistic_loss(rs: &[[f64; 3]], labels: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for r in 0..rs.len() {
        let z = dot(&rs[r], w);
        s += (1.0 + (-labels[r] * z).exp()).ln();
    }
    s / rs.len() as f64
}

#[test]
fn calls_inside_the_loop() {
    let (w, delta) = (0.7, 0.9);
    let (v, (dw, dxs, dys, dd)) = robust_fit_grad(w, &X, &Y, delta);
    let (pv, (pw, pxs, pys, pd)) = robust_fit_pullback(w, &X, &Y, delta, SEED);
    let (g, p) = (cat(&[&[dw, dd], &dxs, &dys]), cat(&[&[pw, pd], &pxs, &pys]));
    let f = |q: &[f64]| robust_fit(q[0], &q[2..7], &q[7..], q[1]);
    let at = cat(&[&[w, delta], &X, &Y]);
    check("robust", f, &at, (v, g), (pv, p), &[]);

    let rs = [[1.0, -0.5, 0.25], [0.3, 0.8, -1.0], [-0.6, 0.2, 0.9]];
    let labels = [1.0, -1.0, 1.0];
    let (v, g) = logistic_loss_grad(&rs, &labels, &W);
    let (pv, (prs, plabels, pw)) = logistic_loss_pullback(&rs, &labels, &W, SEED);
    let mut closed = [0.0; 3];
    for r in 0..3 {
        let margin = labels[r] * dot(&rs[r], &W);
        for c in 0..3 {
            closed[c] -= labels[r] * rs[r][c] / (1.0 + margin.exp()) / 3.0;
        }
    }
    let f = |q: &[f64]| logistic_loss(&rs, &labels, q);
    check("logistic", f, &W, (v, g), (pv, pw), &closed);
    // The pullback differentiates the rows (passed to `dot`) and the labels too.
    let pulled: Vec<f64> = cat(&[&flatten(&prs), &plabels])
        .iter()
        .map(|p| p / SEED)
        .collect();
    let f = |q: &[f64]| logistic_loss(&rows(&q[..9]), &q[9..], &W);
    assert_fd_all(
        "logistic pullback",
        f,
        &cat(&[&flatten(&rs), &labels]),
        &pulled,
    );
}

// ---------------------------------------------------------------------------
// f32
// ---------------------------------------------------------------------------

/// Mean squared error of a line in `f32` (fused).
#[differentiate(wrt = [w, b])]
fn f32_line_mse(w: f32, b: f32, xs: &[f32], ys: &[f32]) -> f32 {
    let mut s = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        let r = w * x + b - y;
        s += r * r;
    }
    s / xs.len() as f32
}

/// An `f32` root scratch array overwritten whole with `tanh`s, then `continue`,
/// then rewritten in place (a running sum), so its entries no longer hold the
/// `tanh`s when the iteration is reversed; `s -=`, `0.5 * s` (fused).
#[differentiate]
fn f32_running_sum(w: &[f32], xs: &[f32]) -> f32 {
    let mut h = [0.0f32; 3];
    let mut s = 0.0;
    for &x in xs {
        for j in 0..3 {
            h[j] = (w[j] * x).tanh();
        }
        if h[0] < -0.6 {
            continue;
        }
        for j in 1..3 {
            h[j] += 0.5 * h[j - 1];
        }
        s -= h[2].sin() + h[0] * h[1];
    }
    0.5 * s
}

#[test]
fn f32_fused_loops() {
    let (xs, ys) = ([0.5_f32, -1.2, 0.9, 0.3], [1.0_f32, -0.5, 2.5, 0.0]);
    let (w, b) = (0.8_f32, -0.3_f32);
    let (v, (dw, db)) = f32_line_mse_grad(w, b, &xs, &ys);
    let (pv, (pw, pb, _, _)) = f32_line_mse_pullback(w, b, &xs, &ys, 2.5);
    assert_eq!((v, pv), (f32_line_mse(w, b, &xs, &ys), v));
    let r: Vec<f64> = (0..4).map(|i| f64::from(w * xs[i] + b - ys[i])).collect();
    let ew = (0..4).map(|i| r[i] * f64::from(xs[i])).sum::<f64>() / 2.0;
    let closed = [ew, r.iter().sum::<f64>() / 2.0];
    assert_all_close_f32("∂/∂(w, b)", &[dw, db], &closed, 1e-5, 1e-6);
    let scaled = [2.5 * f64::from(dw), 2.5 * f64::from(db)];
    assert_all_close_f32("f32 mse pullback", &[pw, pb], &scaled, 1e-6, 0.0);
    let f = |p: &[f32]| f32_line_mse(p[0], p[1], &xs, &ys);
    assert_fd_all_f32("f32 mse", f, &[w, b], &[dw, db]);

    let w = [0.8_f32, -0.6, 1.1];
    let (v, (dw, dxs)) = f32_running_sum_grad(&w, &xs);
    let (pv, (pw, pxs)) = f32_running_sum_pullback(&w, &xs, 2.5);
    assert_eq!((v, pv), (f32_running_sum(&w, &xs), v));
    let (at, g) = ([&w[..], &xs].concat(), [dw, dxs].concat());
    let f = |p: &[f32]| f32_running_sum(&p[..3], &p[3..]);
    assert_fd_all_f32("f32 running sum", f, &at, &g);
    let scaled: Vec<f64> = g.iter().map(|d| 2.5 * f64::from(*d)).collect();
    let pulled = [pw, pxs].concat();
    assert_all_close_f32("f32 running sum pullback", &pulled, &scaled, 1e-6, 0.0);
}
