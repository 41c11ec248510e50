//! Loop fusion, part 1: which loops fuse (see `gradmacro-derive/src/fuse/`). A
//! reduction loop at the root of the body runs each iteration's reverse at the
//! end of the forward iteration.
//!
//! Each function is written the way a Rust programmer would write it, and says
//! whether the pass fuses its loops (checked with `GRADMACRO_DUMP=1`). Here: the
//! accumulator forms `s += t`, `s -= t`, `s = s + t`, `s = t + s`; scalings after
//! the loop by `-s`, `0.5 * s`, `s / n`, `s * w`, `+ reg` or a chain of those; and
//! the near misses that must not fuse: a nonlinear use of an accumulator,
//! `s = t − s`, an accumulator overwritten after the loop, a scaling the loop
//! changes, a variable or buffer the loop reads written after it, a second loop
//! reading or writing the first's accumulator, `return`, `while`.
//! `tests/fusion_iterations.rs` has what happens inside a fused iteration.
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

use common::assert_fd_all;
use common::fusion::{
    cat, check, check_pair, check_scalar, check_slice, Pair, Scalar, Slice, SEED, X, Y,
};
use gradmacro::differentiate;

// ---------------------------------------------------------------------------
// Accumulator forms
// ---------------------------------------------------------------------------

/// `s += x²`: the plain reduction (fused).
#[differentiate]
fn sum_of_squares(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    s
}

/// Two accumulators, `a = a + |v|` and `b -= sin v` from a nonzero start,
/// scaled differently after the loop (fused).
#[differentiate]
fn two_accums(x: &[f64]) -> f64 {
    let (mut a, mut b) = (0.0, 10.0);
    for &v in x {
        a = a + v.abs();
        b -= v.sin();
    }
    0.5 * a - b / x.len() as f64
}

/// One-pass variance `sumsq/n − (sum/n)²`: `sum` is squared (not fused).
#[differentiate]
fn one_pass_var(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mut sum, mut sumsq) = (0.0, 0.0);
    for &v in x {
        sum += v;
        sumsq += v * v;
    }
    sumsq / n - (sum / n).powi(2)
}

/// `s = v³ − s`: ∂s_out/∂s_in = −1, not an accumulator (not fused).
#[differentiate]
fn alt_cubes(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s = v * v * v - s;
    }
    s
}

/// `s = tanh(w v) + s`: the accumulator on the right (fused).
#[differentiate]
fn tanh_sum(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s = (w * v).tanh() + s;
    }
    s
}

#[test]
fn accumulator_update_forms() {
    let n = X.len() as f64;
    let f: Slice = (sum_of_squares, sum_of_squares_grad, sum_of_squares_pullback);
    check_slice("Σx²", f, &X, &X.map(|v| 2.0 * v));
    let closed = X.map(|v| 0.5 * v.signum() + v.cos() / n);
    let f: Slice = (two_accums, two_accums_grad, two_accums_pullback);
    check_slice("½Σ|v| − (10 − Σ sin)/n", f, &X, &closed);
    let mean = X.iter().sum::<f64>() / n;
    let f: Slice = (one_pass_var, one_pass_var_grad, one_pass_var_pullback);
    check_slice("variance", f, &X, &X.map(|v| 2.0 * (v - mean) / n));
    // s = x₄³ − x₃³ + x₂³ − x₁³ + x₀³
    let closed: Vec<f64> = (0..5).map(|k| [3.0, -3.0][k % 2] * X[k] * X[k]).collect();
    let f: Slice = (alt_cubes, alt_cubes_grad, alt_cubes_pullback);
    check_slice("v³ − s", f, &X, &closed);
    let w = 0.8;
    let sech2 = X.map(|v| 1.0 - (w * v).tanh().powi(2));
    let mut closed: Vec<f64> = sech2.iter().map(|d| w * d).collect();
    closed.push((0..5).map(|i| X[i] * sech2[i]).sum());
    let f: Scalar = (tanh_sum, tanh_sum_grad, tanh_sum_pullback);
    check_scalar("Σ tanh(wv)", f, &X, w, &closed);
}

// ---------------------------------------------------------------------------
// What happens to the accumulator after the loop
// ---------------------------------------------------------------------------

/// `return -s;` (fused).
#[differentiate]
fn neg_log_lik(p: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in p {
        s += v.ln();
    }
    return -s;
}

/// `s / n as f64`, over `enumerate` (fused).
#[differentiate]
fn mean_wcube(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, &v) in x.iter().enumerate() {
        s += (i as f64 + 1.0) * v.powi(3);
    }
    s / x.len() as f64
}

/// `s.sqrt()` (not fused).
#[differentiate]
fn euclidean_norm(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += v * v;
    }
    s.sqrt()
}

/// `0.5 * s` over `zip` (fused).
#[differentiate]
fn half_sq_dist(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y) {
        s += (a - b) * (a - b);
    }
    0.5 * s
}

/// `s * w` with `w` differentiated (fused).
#[differentiate]
fn scaled_cosines(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += v.cos();
    }
    s * w
}

#[test]
fn linear_and_nonlinear_uses_after_the_loop() {
    let n = X.len() as f64;
    let p = [0.3, 1.7, 0.8, 2.4];
    let f: Slice = (neg_log_lik, neg_log_lik_grad, neg_log_lik_pullback);
    check_slice("−Σ ln p", f, &p, &p.map(|v| -1.0 / v));
    let closed: Vec<f64> = (0..5)
        .map(|i| 3.0 * (i as f64 + 1.0) * X[i] * X[i] / n)
        .collect();
    let f: Slice = (mean_wcube, mean_wcube_grad, mean_wcube_pullback);
    check_slice("mean i·v³", f, &X, &closed);
    let norm = X.iter().map(|v| v * v).sum::<f64>().sqrt();
    let f: Slice = (euclidean_norm, euclidean_norm_grad, euclidean_norm_pullback);
    check_slice("‖x‖", f, &X, &X.map(|v| v / norm));
    let d: Vec<f64> = (0..5).map(|i| X[i] - Y[i]).collect();
    let closed = cat(&[&d, &d.iter().map(|v| -v).collect::<Vec<_>>()]);
    let f: Pair = (half_sq_dist, half_sq_dist_grad, half_sq_dist_pullback);
    check_pair("½‖x − y‖²", f, &X, &Y, &closed);
    let w = -1.4;
    let mut closed: Vec<f64> = X.iter().map(|v| -w * v.sin()).collect();
    closed.push(X.iter().map(|v| v.cos()).sum());
    let f: Scalar = (scaled_cosines, scaled_cosines_grad, scaled_cosines_pullback);
    check_scalar("w Σ cos", f, &X, w, &closed);
}

/// Ridge regression: `s / n + reg`, `reg` computed after the loop (fused).
#[differentiate(wrt = [w, b])]
fn ridge_loss(w: f64, b: f64, xs: &[f64], ys: &[f64], lambda: f64) -> f64 {
    let mut s = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        let r = w * x + b - y;
        s += r * r;
    }
    let reg = lambda * (w * w + b * b);
    s / xs.len() as f64 + reg
}

#[test]
fn accumulator_plus_a_regulariser() {
    let (w, b, lambda) = (0.6, -0.2, 0.1);
    let (v, (dw, db)) = ridge_loss_grad(w, b, &X, &Y, lambda);
    let (pv, (pw, pb, pxs, pys, pl)) = ridge_loss_pullback(w, b, &X, &Y, lambda, SEED);
    let r: Vec<f64> = (0..5).map(|i| w * X[i] + b - Y[i]).collect();
    let closed = [
        0.4 * (0..5).map(|i| r[i] * X[i]).sum::<f64>() + 2.0 * lambda * w,
        0.4 * r.iter().sum::<f64>() + 2.0 * lambda * b,
    ];
    let f = |p: &[f64]| ridge_loss(p[0], p[1], &X, &Y, lambda);
    let (got, pulled) = ((v, vec![dw, db]), (pv, vec![pw, pb]));
    check("ridge", f, &[w, b], got, pulled, &closed);
    // The pullback differentiates λ and the data too.
    let pulled: Vec<f64> = cat(&[&[pl], &pxs, &pys]).iter().map(|p| p / SEED).collect();
    let f = |p: &[f64]| ridge_loss(w, b, &p[1..6], &p[6..], p[0]);
    assert_fd_all("ridge pullback", f, &cat(&[&[lambda], &X, &Y]), &pulled);
}

// ---------------------------------------------------------------------------
// Where the accumulator and the values the loop reads come from; near misses
// ---------------------------------------------------------------------------

/// `let mut s = b;` and, after the loop, `s * b` (fused).
#[differentiate]
fn offset_cubes(x: &[f64], b: f64) -> f64 {
    let mut s = b;
    for &v in x {
        s += v * v * v;
    }
    s * b
}

/// One accumulator filled by two loops: the first is not fused (the second
/// writes `s`), the second is; the first must still get `s`'s adjoint.
#[differentiate]
fn one_sum_twice(x: &[f64], b: f64) -> f64 {
    let mut s = b;
    for &v in x {
        s += v * v;
    }
    for &v in x {
        s += v.sin();
    }
    0.5 * s
}

/// Two fused loops with a carried loop (not fused) between them, all reading
/// `w`; both fused loops read the value `a` and the variable `c` (set in a
/// branch, read again at the end); `k`, defined after the first, scales it.
#[differentiate]
fn two_fused(x: &[f64], w: f64) -> f64 {
    let a = w.exp();
    let mut c = w;
    if w > 0.0 {
        c = w * w;
    }
    let mut s = 0.0;
    for &v in x {
        s += (v * c).sin() + a;
    }
    let mut r = 0.0;
    for &v in x {
        r = 0.5 * r + v * w;
    }
    let k = 2.0 * w;
    let mut t = 0.0;
    for &v in x {
        t += k * (v * c).cos() * a;
    }
    (s * k - t) / x.len() as f64 + a * c + r * r
}

/// The second loop reads the first's accumulator (through the mean): the first
/// is not fused, the second is.
#[differentiate]
fn fourth_moment(x: &[f64]) -> f64 {
    let mut m = 0.0;
    for &v in x {
        m += v;
    }
    let mean = m / x.len() as f64;
    let mut s = 0.0;
    for &v in x {
        s += (v - mean).powi(4);
    }
    s / x.len() as f64
}

/// A fallback overwriting the accumulator after the loop: the loop's sum is dead
/// when `x` is too short (not fused).
#[differentiate]
fn sum_or_prior(x: &[f64], prior: f64, min: usize) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += v * v;
    }
    if x.len() < min {
        s = prior;
    }
    0.5 * s
}

/// A variable set in a branch, read in the loop, and updated after it in a
/// branch (not fused).
#[differentiate]
fn decayed_scale(x: &[f64], w: f64) -> f64 {
    let mut scale = w;
    if scale < 0.0 {
        scale = -scale;
    }
    let mut s = 0.0;
    for &v in x {
        s += scale * v.sin();
    }
    if scale > 0.5 {
        scale *= scale;
    }
    2.0 * s + scale
}

/// The mean of the positive entries: divided by a count the loop increments
/// (not computable before the loop: not fused).
#[differentiate]
fn mean_positive(x: &[f64]) -> f64 {
    let (mut s, mut count) = (0.0, 0);
    for &v in x {
        if v > 0.0 {
            s += v * v;
            count += 1;
        }
    }
    s / count as f64
}

/// `return` from inside the loop (an exit flag: not fused).
#[differentiate]
fn sum_or_outlier(x: &[f64], limit: f64) -> f64 {
    let mut s = 0.0;
    for &v in x {
        if v > limit {
            return v * limit;
        }
        s += v * v;
    }
    0.5 * s
}

/// `while` with an integer index (an exit flag: not fused).
#[differentiate]
fn while_atan_sum(x: &[f64]) -> f64 {
    let (mut s, mut i) = (0.0, 0);
    while i < x.len() {
        s += x[i].atan();
        i += 1;
    }
    s * 2.0
}

#[test]
fn accumulators_from_parameters_and_sequences_of_loops() {
    let b = 0.45;
    let s = b + X.iter().map(|v| v * v * v).sum::<f64>();
    let mut closed: Vec<f64> = X.iter().map(|v| 3.0 * v * v * b).collect();
    closed.push(s + b);
    let f: Scalar = (offset_cubes, offset_cubes_grad, offset_cubes_pullback);
    check_scalar("(b + Σv³) b", f, &X, b, &closed);
    check_scalar("(b + Σv³) b, x = []", f, &[], b, &[2.0 * b]);
    let mut closed: Vec<f64> = X.iter().map(|v| v + 0.5 * v.cos()).collect();
    closed.push(0.5);
    let f: Scalar = (one_sum_twice, one_sum_twice_grad, one_sum_twice_pullback);
    check_scalar("½(b + Σv² + Σ sin)", f, &X, b, &closed);
    check_scalar("½(b + ...), x = []", f, &[], b, &[0.5]);
    for w in [0.9, -0.7] {
        let f: Scalar = (two_fused, two_fused_grad, two_fused_pullback);
        check_scalar("two fused loops", f, &X, w, &[]);
    }
    let n = X.len() as f64;
    let mean = X.iter().sum::<f64>() / n;
    let m3 = X.iter().map(|v| (v - mean).powi(3)).sum::<f64>();
    let closed = X.map(|v| 4.0 * ((v - mean).powi(3) - m3 / n) / n);
    let f: Slice = (fourth_moment, fourth_moment_grad, fourth_moment_pullback);
    check_slice("4th moment", f, &X, &closed);
}

#[test]
fn near_misses_that_must_not_fuse() {
    // The data is used with `min = 3`, the prior with `min = 10`.
    for (min, used) in [(3, 1.0), (10, 0.0)] {
        let f = |q: &[f64]| sum_or_prior(&q[..5], q[5], min);
        let (v, (dx, dp)) = sum_or_prior_grad(&X, 0.3, min);
        let (pv, (px, pp, ())) = sum_or_prior_pullback(&X, 0.3, min, SEED);
        let (g, p) = (cat(&[&dx, &[dp]]), cat(&[&px, &[pp]]));
        let closed = cat(&[&X.map(|v| used * v), &[0.5 - 0.5 * used]]);
        check("fallback", f, &cat(&[&X, &[0.3]]), (v, g), (pv, p), &closed);
    }
    let w = 0.7;
    let mut closed: Vec<f64> = X.iter().map(|v| 2.0 * w * v.cos()).collect();
    closed.push(2.0 * X.iter().map(|v| v.sin()).sum::<f64>() + 2.0 * w);
    let f: Scalar = (decayed_scale, decayed_scale_grad, decayed_scale_pullback);
    check_scalar("decayed", f, &X, w, &closed);
    // Three entries of X are positive.
    let closed = X.map(|v| if v > 0.0 { 2.0 * v / 3.0 } else { 0.0 });
    let f: Slice = (mean_positive, mean_positive_grad, mean_positive_pullback);
    check_slice("mean of positives", f, &X, &closed);
    let f: Scalar = (sum_or_outlier, sum_or_outlier_grad, sum_or_outlier_pullback);
    check_scalar("return", f, &X, 2.0, &[0.0, 0.0, 0.0, 2.0, 0.0, 2.1]);
    check_scalar("no return", f, &X, 3.0, &cat(&[&X, &[0.0]]));
    let f: Slice = (while_atan_sum, while_atan_sum_grad, while_atan_sum_pullback);
    check_slice("while", f, &X, &X.map(|v| 2.0 / (1.0 + v * v)));
}
