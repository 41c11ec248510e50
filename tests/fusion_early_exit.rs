//! Loop fusion with early exits: a reduction loop that stops at its own
//! `break` (or a `while` condition) is fused: the code after it still runs,
//! and every iteration that ran gets the same exit adjoint. The iteration
//! that breaks has its part reversed. A `return` inside the loop skips the
//! code after it, so that loop is not fused; both must be right.
//!
//! Every gradient is checked against central finite differences, a closed
//! form, and the pullback at seed 2.5 (see `tests/common/fusion.rs`). Points
//! stay away from every branch boundary.

#![allow(clippy::needless_range_loop)]
#![allow(clippy::while_let_loop)]

mod common;

use common::fusion::{check_pair, check_scalar, check_slice, SEED, X, Y};
use gradmacro::differentiate;

/// Stops at the first negative entry (`X[1]`): only `X[0]` is summed.
#[differentiate]
fn squares_until_negative(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            break;
        }
        s += x[i] * x[i];
    }
    s
}

#[test]
fn a_break_before_the_update() {
    let closed = [2.0 * X[0], 0.0, 0.0, 0.0, 0.0];
    check_slice(
        "squares until negative",
        (
            squares_until_negative,
            squares_until_negative_grad,
            squares_until_negative_pullback,
        ),
        &X,
        &closed,
    );
}

/// The update, then the break: the breaking iteration's update counts.
#[differentiate]
fn weighted_prefix(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += w * x[i].sin();
        if i == 2 {
            break;
        }
    }
    s * s
}

#[test]
fn a_break_after_the_update() {
    let total: f64 = X[..3].iter().map(|v| v.sin()).sum();
    let w = 0.8;
    let s = w * total;
    let mut closed: Vec<f64> = X.iter().map(|v| 2.0 * s * w * v.cos()).collect();
    closed[3] = 0.0;
    closed[4] = 0.0;
    closed.push(2.0 * s * total);
    check_scalar(
        "weighted prefix",
        (
            weighted_prefix,
            weighted_prefix_grad,
            weighted_prefix_pullback,
        ),
        &X,
        w,
        &closed,
    );
}

/// A `while` loop with an index: the condition is the loop's own exit.
#[differentiate]
fn while_sum(x: &[f64], y: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        s += x[i] * y[i];
        i += 1;
    }
    s.ln_1p()
}

#[test]
fn a_while_loop_over_an_index() {
    let dot: f64 = X.iter().zip(&Y).map(|(a, b)| a * b).sum();
    let scale = 1.0 / (1.0 + dot);
    let closed: Vec<f64> = Y
        .iter()
        .map(|b| scale * b)
        .chain(X.iter().map(|a| scale * a))
        .collect();
    check_pair(
        "while sum",
        (while_sum, while_sum_grad, while_sum_pullback),
        &X,
        &Y,
        &closed,
    );
}

/// `continue` and `break` in one loop: entries above 2 skipped, stops
/// after index 3 (`X[3] = 2.1` is skipped; `X[4]` never reached).
#[differentiate]
fn skip_and_stop(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        if *v > 2.0 {
            continue;
        }
        if i > 3 {
            break;
        }
        s += v.exp();
    }
    s.sqrt()
}

#[test]
fn continue_and_break_in_one_loop() {
    let kept: f64 = X[..3].iter().map(|v| v.exp()).sum();
    let root = kept.sqrt();
    let closed: Vec<f64> = (0..5)
        .map(|i| match i {
            0..=2 => X[i].exp() / (2.0 * root),
            _ => 0.0,
        })
        .collect();
    check_slice(
        "skip and stop",
        (skip_and_stop, skip_and_stop_grad, skip_and_stop_pullback),
        &X,
        &closed,
    );
}

/// A `loop` with a counter and a break on the count.
#[differentiate]
fn counted_loop(x: &[f64]) -> f64 {
    let mut k = 0;
    let mut s = 0.0;
    loop {
        if k == x.len() {
            break;
        }
        s -= (x[k] * 0.5).tanh();
        k += 1;
    }
    3.0 * s
}

#[test]
fn a_loop_with_a_counted_break() {
    let closed: Vec<f64> = X
        .iter()
        .map(|v| {
            let t = (v * 0.5).tanh();
            -3.0 * 0.5 * (1.0 - t * t)
        })
        .collect();
    check_slice(
        "counted loop",
        (counted_loop, counted_loop_grad, counted_loop_pullback),
        &X,
        &closed,
    );
}

/// A `return` inside the loop: not fused (the code after the loop does not
/// run when it returns), and right either way it ends.
#[differentiate]
fn returns_at_threshold(x: &[f64], limit: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
        if s > limit {
            return s * limit;
        }
    }
    s + limit
}

#[test]
fn a_return_inside_the_loop() {
    // limit 2: s = 0.49, 2.18 > 2 at i = 1: s · limit.
    let s = X[0] * X[0] + X[1] * X[1];
    let limit = 2.0;
    let closed = [2.0 * X[0] * limit, 2.0 * X[1] * limit, 0.0, 0.0, 0.0, s];
    check_scalar(
        "returns at threshold",
        (
            returns_at_threshold,
            returns_at_threshold_grad,
            returns_at_threshold_pullback,
        ),
        &X,
        limit,
        &closed,
    );
    // limit 100: never returns early: s + limit.
    let (value, (dx, dl)) = returns_at_threshold_grad(&X, 100.0);
    let all: f64 = X.iter().map(|v| v * v).sum();
    assert_eq!(value, returns_at_threshold(&X, 100.0));
    assert!((value - (all + 100.0)).abs() < 1e-12);
    for (d, v) in dx.iter().zip(&X) {
        assert!((d - 2.0 * v).abs() < 1e-12, "{d} vs {}", 2.0 * v);
    }
    assert!((dl - 1.0).abs() < 1e-12);
    let (_, (px, pl)) = returns_at_threshold_pullback(&X, 100.0, SEED);
    assert!((pl - SEED).abs() < 1e-12);
    assert!((px[0] - SEED * 2.0 * X[0]).abs() < 1e-12);
}

/// An inner loop's break inside a fused outer loop.
#[differentiate]
fn rows_until_small(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut row = 0.0;
        for j in 0..y.len() {
            if y[j].abs() < 0.35 {
                break;
            }
            row += x[i] * y[j];
        }
        s += row * row;
    }
    s
}

#[test]
fn a_break_in_an_inner_loop() {
    // |Y[4]| = 0.3 < 0.35: the inner loop sums Y[0..4].
    let ysum: f64 = Y[..4].iter().sum();
    let mut closed: Vec<f64> = X.iter().map(|a| 2.0 * a * ysum * ysum).collect();
    let xx: f64 = X.iter().map(|a| a * a).sum();
    closed.extend((0..5).map(|j| if j < 4 { 2.0 * xx * ysum } else { 0.0 }));
    check_pair(
        "rows until small",
        (
            rows_until_small,
            rows_until_small_grad,
            rows_until_small_pullback,
        ),
        &X,
        &Y,
        &closed,
    );
}
