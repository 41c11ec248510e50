//! Calls composed by preaccumulation (`preaccumulate.rs`): the callee's
//! pullback runs once, in the forward sweep, for a unit seed, and the reverse
//! sweep scales the gradient it kept. Each shape the choice distinguishes is
//! checked against central differences and a closed form: a recursion
//! through a branch in a fused loop, scalar helpers in a loop that carries
//! state (their gradients kept per iteration), a buffer helper at the top
//! and in a fused loop, one in a loop that is not fused (joint mode), and a
//! helper whose result is used nonlinearly and more than once.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_all_closed, assert_closed, assert_fd, assert_fd_all};
use gradmacro::differentiate;

/// The determinant of the minor of `a` (row-major, `ell × ell`) made of its
/// last rows and the columns not in the bit set `used`, by minors.
#[differentiate(wrt = a)]
fn minor(a: &[f64], ell: usize, used: u64) -> f64 {
    let row = used.count_ones() as usize;
    let mut total = 0.0;
    let mut sign = 1.0;
    for c in 0..ell {
        if used & (1 << c) == 0 {
            let sub = if row + 1 == ell {
                1.0
            } else {
                minor(a, ell, used | (1 << c))
            };
            total += sign * a[row * ell + c] * sub;
            sign = -sign;
        }
    }
    total
}

/// The cofactor matrix of a 3 × 3 matrix: the gradient of its determinant.
fn cofactors3(a: &[f64]) -> Vec<f64> {
    let m = |r: usize, c: usize| a[r * 3 + c];
    let mut g = vec![0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
            let (c1, c2) = ((c + 1) % 3, (c + 2) % 3);
            g[r * 3 + c] = m(r1, c1) * m(r2, c2) - m(r1, c2) * m(r2, c1);
        }
    }
    g
}

#[test]
fn a_recursion_through_a_branch_in_a_fused_loop() {
    let a = [2.0, -1.0, 0.5, 0.3, 1.5, -0.7, 1.1, 0.2, 0.9];
    let (value, grad) = minor_grad(&a, 3, 0);
    assert_closed("value", value, minor(&a, 3, 0));
    assert_all_closed("cofactors", &grad, &cofactors3(&a));
    let n = 5;
    let big: Vec<f64> = (0..n * n)
        .map(|i| ((i * 7 + 3) % 11) as f64 / 4.0 - 1.0 + if i % (n + 1) == 0 { 2.0 } else { 0.0 })
        .collect();
    let (_, grad) = minor_grad(&big, n, 0);
    assert_fd_all("det 5 × 5", |a| minor(a, n, 0), &big, &grad);
}

#[differentiate]
fn cell(h: f64, w: f64, x: f64) -> f64 {
    (w * h + x).tanh()
}

/// A recurrence through a scalar helper: the loop carries `h`, so it is
/// reversed from saved values, and each call's two-float gradient is saved.
#[differentiate(wrt = [w, h0])]
fn unrolled(w: f64, h0: f64, xs: &[f64]) -> f64 {
    let mut h = h0;
    for &x in xs {
        h = cell(h, w, x) + 0.1 * h;
    }
    h * h
}

#[test]
fn scalar_helpers_in_a_loop_that_carries_state() {
    let xs = [0.3, -0.8, 1.2, 0.05, -0.4];
    let (w, h0) = (0.7, -0.2);
    let (value, (dw, dh0)) = unrolled_grad(w, h0, &xs);
    assert_closed("value", value, unrolled(w, h0, &xs));
    assert_fd("d/dw", dw, |w| unrolled(w, h0, &xs), w);
    assert_fd("d/dh0", dh0, |h| unrolled(w, h, &xs), h0);
}

#[differentiate]
fn weighted(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * x[i] * x[i];
    }
    s
}

/// A buffer helper called at the top (on the whole buffer), in a fused loop
/// (on rows), and in a loop that is not fused (it carries `scale`): the
/// last stays in joint mode.
#[differentiate(wrt = [w, x])]
fn layered(w: &[f64], x: &[f64], rows: usize) -> f64 {
    let width = w.len() / rows;
    let top = weighted(w, x);
    let mut total = 0.0;
    for r in 0..rows {
        total += weighted(
            &w[r * width..(r + 1) * width],
            &x[r * width..(r + 1) * width],
        );
    }
    let mut scale = 1.0;
    for r in 0..rows {
        scale = 0.5 * scale + weighted(&w[r * width..(r + 1) * width], &x[..width]).sin();
    }
    top * total + scale
}

#[test]
fn buffer_helpers_at_the_top_in_fused_and_in_carried_loops() {
    let w = [0.3, -0.5, 1.2, 0.8, -0.1, 0.6];
    let x = [1.0, 0.4, -0.9, 0.2, 0.7, -1.3];
    let (value, (dw, dx)) = layered_grad(&w, &x, 3);
    assert_closed("value", value, layered(&w, &x, 3));
    assert_fd_all("d/dw", |w| layered(w, &x, 3), &w, &dw);
    assert_fd_all("d/dx", |x| layered(&w, x, 3), &x, &dx);
}

#[differentiate]
fn logistic(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

/// A helper's result used nonlinearly and twice, and a helper whose
/// argument is a constant (not differentiated: its gradient is not taken).
#[differentiate]
fn reused(a: f64, b: f64) -> f64 {
    let s = logistic(a * b);
    let k = logistic(0.5);
    s * s.ln() + k * s + logistic(s)
}

#[test]
fn a_result_used_nonlinearly_and_twice() {
    let (a, b) = (0.8, -1.3);
    let (value, (da, db)) = reused_grad(a, b);
    assert_closed("value", value, reused(a, b));
    let s = 1.0 / (1.0 + (-(a * b)).exp());
    let k = 1.0 / (1.0 + (-0.5f64).exp());
    let ls = 1.0 / (1.0 + (-s).exp());
    let ds = s.ln() + 1.0 + k + ls * (1.0 - ls);
    assert_closed("d/da", da, ds * s * (1.0 - s) * b);
    assert_closed("d/db", db, ds * s * (1.0 - s) * a);
}

/// `ln Σ exp` of one buffer: a helper reading one buffer, preaccumulated in
/// a fused loop (its gradient kept in a scratch buffer of the call site,
/// taken back to zero by the reverse code of every iteration).
#[differentiate]
fn lse(v: &[f64]) -> f64 {
    let mut m = v[0];
    for i in 1..v.len() {
        m = m.max(v[i]);
    }
    let mut s = 0.0;
    for i in 0..v.len() {
        s += (v[i] - m).exp();
    }
    m + s.ln()
}

/// Per row `r` of `x` (3 wide): `lse(w ⊙ x_r)` into a scratch buffer
/// refilled per row, used only on even rows; a `dot` of two buffers beside
/// it (joint mode, in place), `dot(w, w)` reading one buffer twice.
#[differentiate(wrt = w)]
fn rows_lse(w: &[f64], x: &[f64]) -> f64 {
    let mut z = vec![0.0; 3];
    let mut total = 0.0;
    for r in 0..x.len() / 3 {
        for j in 0..3 {
            z[j] = w[j] * x[r * 3 + j];
        }
        let a = lse(&z);
        if r % 2 == 0 {
            total += a * a;
        }
        total += 0.1 * weighted(w, &x[r * 3..r * 3 + 3]) + 0.01 * weighted(w, w);
    }
    total
}

#[test]
fn scratch_gradients_are_taken_every_iteration() {
    let w = [0.4, -0.7, 1.1];
    let x = [
        0.3, 1.2, -0.5, 0.9, -0.4, 0.2, -1.1, 0.6, 0.8, 0.5, 0.5, -0.9, 1.4, -0.2, 0.1,
    ];
    let (value, dw) = rows_lse_grad(&w, &x);
    assert_eq!(value, rows_lse(&w, &x));
    assert_fd_all("rows lse", |w| rows_lse(w, &x), &w, &dw);
    // The same through the pullback, at seed 2: twice the gradient.
    let (_, (pw, _)) = rows_lse_pullback(&w, &x, 2.0);
    let doubled: Vec<f64> = dw.iter().map(|g| 2.0 * g).collect();
    assert_all_closed("pullback", &pw, &doubled);
}
