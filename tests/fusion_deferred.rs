//! Loop fusion, part 3: sums used nonlinearly after their loop (`ln Σ exp`,
//! `√Σ x²`, a softmax's denominator). The loop's reverse runs inside it with a
//! unit exit adjoint, and what it leaves is scaled where the reverse sweep
//! reaches the loop (`gradmacro-derive/src/fuse/mod.rs`, `Deferred`).
//!
//! Around the plain cases: adjoints the loop shares with the code after it
//! (set aside, then added back), a variable read in the loop, strided reads
//! that leave entries untouched, a zero and an infinite exit adjoint, another
//! fused loop before and after it, `f32`, and rows. Every gradient is checked
//! against central finite differences and, where short, a closed form;
//! `NAME_pullback` with seed 2.5 must give the same value and 2.5 × the
//! gradient.

#![allow(clippy::needless_range_loop)]

mod common;

use common::fusion::{check_scalar, check_slice, Scalar, Slice, X};
use common::{assert_all_close_f32, assert_fd_all_f32};
use gradmacro::differentiate;

/// `√Σ x²`.
#[differentiate]
fn norm(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += v * v;
    }
    s.sqrt()
}

/// `ln Σ exp(x − shift) + shift`: `shift`'s adjoint gets the loop's and the
/// return's contributions.
#[differentiate]
fn shifted_lse(x: &[f64], shift: f64) -> f64 {
    let mut total = 0.0;
    for &v in x {
        total += (v - shift).exp();
    }
    total.ln() + shift
}

/// A variable read in the loop, and the sum used twice after it.
#[differentiate]
fn scaled_energy(x: &[f64], w: f64) -> f64 {
    let mut k = w * w;
    k += 0.5;
    let mut e = 0.0;
    for i in 0..x.len() {
        e += k * x[i] * x[i];
    }
    e * e + e.sin() + k
}

/// Strided reads (odd entries untouched), the sum divided into the result.
#[differentiate]
fn strided(x: &[f64]) -> f64 {
    let mut s = 1.0;
    for i in 0..x.len() / 2 {
        s += (x[2 * i] * 0.5).cosh();
    }
    1.0 / s
}

/// A fused loop before and one after the deferred one, reading the same
/// slice (the deferred one is then not fused: its scaling would scale theirs).
#[differentiate]
fn three_loops(x: &[f64]) -> f64 {
    let mut a = 0.0;
    for &v in x {
        a += v.sin();
    }
    let mut b = 0.0;
    for &v in x {
        b += v * v;
    }
    let mut c = 0.0;
    for &v in x {
        c -= v.cos();
    }
    a + b.sqrt() + c
}

/// Softmax cross-entropy against a target index, the denominator summed.
#[differentiate(wrt = [logits])]
fn cross_entropy(logits: &[f64], target: usize) -> f64 {
    let mut z = 0.0;
    for &l in logits {
        z += l.exp();
    }
    z.ln() - logits[target]
}

/// A fused sum whose entries are each read once, read again after the loop:
/// the loop assigns each entry's adjoint, the later read adds to it.
#[differentiate]
fn read_again(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].exp();
    }
    s + x[0] * x[1]
}

/// Rows of a two-column buffer.
#[differentiate]
fn row_norm(rows: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    for r in rows {
        s += r[0] * r[0] + 3.0 * r[1] * r[1];
    }
    s.sqrt()
}

/// `f32`.
#[differentiate]
fn norm_f32(x: &[f32]) -> f32 {
    let mut s = 0.0f32;
    for &v in x {
        s += v * v;
    }
    s.sqrt()
}

#[test]
fn nonlinear_uses_of_a_sum() {
    let n: f64 = X.iter().map(|v| v * v).sum::<f64>().sqrt();
    let closed: Vec<f64> = X.iter().map(|v| v / n).collect();
    let f: Slice = (norm, norm_grad, norm_pullback);
    check_slice("norm", f, &X, &closed);

    let shift = 0.3;
    let total: f64 = X.iter().map(|v| (v - shift).exp()).sum();
    let mut closed: Vec<f64> = X.iter().map(|v| (v - shift).exp() / total).collect();
    closed.push(0.0);
    let f: Scalar = (shifted_lse, shifted_lse_grad, shifted_lse_pullback);
    check_scalar("shifted lse", f, &X, shift, &closed);

    let f: Scalar = (scaled_energy, scaled_energy_grad, scaled_energy_pullback);
    check_scalar("scaled energy", f, &X, 0.7, &[]);

    let f: Slice = (strided, strided_grad, strided_pullback);
    check_slice("strided", f, &X, &[]);
    // Odd entries: exactly zero, not scaled into anything.
    let (_, g) = strided_grad(&X);
    assert_eq!((g[1], g[3]), (0.0, 0.0));

    let f: Slice = (read_again, read_again_grad, read_again_pullback);
    let mut closed: Vec<f64> = X.iter().map(|v| v.exp()).collect();
    closed[0] += X[1];
    closed[1] += X[0];
    check_slice("read again", f, &X, &closed);

    let f: Slice = (three_loops, three_loops_grad, three_loops_pullback);
    check_slice("three loops", f, &X, &[]);

    let (value, g) = cross_entropy_grad(&X, 2);
    let z: f64 = X.iter().map(|v| v.exp()).sum();
    assert_eq!(value, cross_entropy(&X, 2));
    for i in 0..X.len() {
        let expected = X[i].exp() / z - if i == 2 { 1.0 } else { 0.0 };
        assert!(
            (g[i] - expected).abs() < 1e-14,
            "cross entropy {i}: {} vs {expected}",
            g[i]
        );
    }
}

#[test]
fn zero_and_infinite_exit_adjoints() {
    // A zero seed gives zero adjoints. At 0 the norm's exit adjoint is
    // infinite and every entry's partial `2x` is zero: a zero partial passes
    // nothing back, whatever the factor (as for a quotient's derivative; the
    // store-all sweep would give `∞ · 0 = NaN`).
    let (_, (g,)) = norm_pullback(&X, 0.0);
    assert!(g.iter().all(|&d| d == 0.0), "{g:?}");
    let zeros = [0.0; 4];
    let (value, g) = norm_grad(&zeros);
    assert_eq!(value, 0.0);
    assert!(g.iter().all(|&d| d == 0.0), "{g:?}");
    let (_, g) = strided_grad(&[1.0, 2.0, f64::INFINITY, 4.0]);
    assert_eq!((g[1], g[3]), (0.0, 0.0), "{g:?}");
}

#[test]
fn rows_and_f32() {
    let rows = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]];
    let (value, (g,)) = row_norm_pullback(&rows, 1.0);
    assert_eq!(value, row_norm(&rows));
    let s: f64 = rows.iter().map(|r| r[0] * r[0] + 3.0 * r[1] * r[1]).sum();
    for (r, d) in rows.iter().zip(&g) {
        assert!((d[0] - r[0] / s.sqrt()).abs() < 1e-14);
        assert!((d[1] - 3.0 * r[1] / s.sqrt()).abs() < 1e-14);
    }
    let x = [0.5f32, -1.25, 2.0];
    let (value, g) = norm_f32_grad(&x);
    assert_eq!(value, norm_f32(&x));
    let v = f64::from(value);
    assert_all_close_f32("norm f32", &g, &[0.5 / v, -1.25 / v, 2.0 / v], 1e-6, 1e-7);
    assert_fd_all_f32("norm f32", norm_f32, &x, &g);
}
