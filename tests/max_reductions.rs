//! Max and min reductions reversed by their recorded argmax
//! (`gradmacro-derive/src/argmax.rs`): the result's adjoint reaches the
//! element that won last, or the initial value. Folds, `reduce`, index loops,
//! either argument order, ties (the earlier element keeps winning, as
//! `max`'s partials say), an initial value no element beats, an empty slice,
//! a reduction nested in another loop (reversed as before), and the same
//! written as branches (`if x[i] > m { m = x[i]; }`, an `if` expression, a
//! variable of the loop in between, an index kept alongside, a constant
//! copied in, an early `break`). Every gradient
//! is checked against central finite differences, and the closed form (one at
//! the argmax, zero elsewhere).

#![allow(clippy::needless_range_loop)]

mod common;

use common::fusion::{check_scalar, check_slice, Scalar, Slice};
use gradmacro::differentiate;

#[differentiate]
fn fold_max(x: &[f64]) -> f64 {
    let m = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    m * m
}

#[differentiate]
fn fold_min_flipped(x: &[f64]) -> f64 {
    let m = x.iter().fold(f64::INFINITY, |m, &v| v.min(m));
    3.0 * m
}

#[differentiate]
fn reduce_max(x: &[f64]) -> f64 {
    x.iter().copied().reduce(f64::max).unwrap().sin()
}

#[differentiate]
fn index_max(x: &[f64]) -> f64 {
    let mut m = x[0];
    for i in 1..x.len() {
        m = m.max(x[i]);
    }
    m + x[0]
}

/// An initial value above every element: nothing flows to `x`.
#[differentiate]
fn capped_below(x: &[f64]) -> f64 {
    let mut m = 100.0;
    for i in 0..x.len() {
        m = f64::min(m, x[i] + 200.0);
    }
    m * x[1]
}

/// A max per row, nested in a loop: not a top-level loop, reversed as before.
#[differentiate]
fn row_maxima(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for r in 0..2 {
        let mut m = f64::NEG_INFINITY;
        for c in 0..x.len() / 2 {
            m = m.max(x[r * (x.len() / 2) + c]);
        }
        s += m * m;
    }
    s.sqrt()
}

/// The branch form, keeping the index as well.
#[differentiate]
fn branch_max(x: &[f64]) -> f64 {
    let mut m = x[0];
    let mut at = 0;
    for i in 1..x.len() {
        if x[i] > m {
            m = x[i];
            at = i;
        }
    }
    m * m + at as f64
}

/// An `if` expression: the value goes through a variable of the loop.
#[differentiate]
fn select_min(x: &[f64], w: f64) -> f64 {
    let mut m = x[0];
    for i in 0..x.len() {
        m = if x[i] * w < m * w { x[i] } else { m };
    }
    m * w
}

/// A variable of the loop copied from `m`, maybe replaced, copied back; and
/// a condition on an expression of the element (the largest magnitude).
#[differentiate]
fn through_a_local(x: &[f64]) -> f64 {
    let mut m = 0.5f64;
    for i in 0..x.len() {
        let mut t = m;
        if x[i].abs() > t.abs() {
            t = x[i];
        }
        m = t;
    }
    m.sin()
}

/// A constant copied in: nothing flows from it (a reset to zero before the
/// last element wins).
#[differentiate]
fn reset_to_constant(x: &[f64]) -> f64 {
    let mut m = x[0];
    for i in 0..x.len() {
        let mut t = x[i];
        if x[i] < -1.0 {
            t = 0.0;
        }
        if t > m {
            m = t;
        }
    }
    3.0 * m
}

/// Leaves early: the record is the last copy before the `break`.
#[differentiate]
fn first_above(x: &[f64], limit: f64) -> f64 {
    let mut m = limit;
    for i in 0..x.len() {
        if x[i] > m {
            m = x[i];
            break;
        }
    }
    m * m
}

const X: [f64; 6] = [0.5, -1.25, 2.0, 0.75, 1.5, -0.25];

#[test]
fn the_winner_gets_the_adjoint() {
    let f: Slice = (fold_max, fold_max_grad, fold_max_pullback);
    check_slice("fold max", f, &X, &[0.0, 0.0, 4.0, 0.0, 0.0, 0.0]);
    let f: Slice = (
        fold_min_flipped,
        fold_min_flipped_grad,
        fold_min_flipped_pullback,
    );
    check_slice("fold min", f, &X, &[0.0, 3.0, 0.0, 0.0, 0.0, 0.0]);
    let f: Slice = (reduce_max, reduce_max_grad, reduce_max_pullback);
    check_slice("reduce max", f, &X, &[0.0, 0.0, 2f64.cos(), 0.0, 0.0, 0.0]);
    let f: Slice = (index_max, index_max_grad, index_max_pullback);
    check_slice("index max", f, &X, &[1.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
    // The first element wins: x[0] gets both.
    let first = [3.0, 1.0, -2.0];
    let (_, g) = index_max_grad(&first);
    assert_eq!(g, vec![2.0, 0.0, 0.0]);
    let f: Slice = (capped_below, capped_below_grad, capped_below_pullback);
    check_slice("capped", f, &X, &[0.0, 100.0, 0.0, 0.0, 0.0, 0.0]);
    let f: Slice = (row_maxima, row_maxima_grad, row_maxima_pullback);
    check_slice("row maxima", f, &X, &[]);
}

#[test]
fn ties_and_empty_slices() {
    // Tied maxima: the earlier one keeps winning.
    let (_, g) = fold_max_grad(&[1.0, 2.0, 2.0, -3.0]);
    assert_eq!(g, vec![0.0, 4.0, 0.0, 0.0]);
    let (_, g) = reduce_max_grad(&[2.0, 2.0]);
    assert_eq!(g, vec![2f64.cos(), 0.0]);
    // No element: the initial value is the result, nothing flows back.
    let (value, g) = fold_max_grad(&[]);
    assert_eq!((value, g), (f64::INFINITY, vec![]));
}

#[test]
fn branches_copying_the_winner() {
    let f: Slice = (branch_max, branch_max_grad, branch_max_pullback);
    check_slice("branch max", f, &X, &[0.0, 0.0, 4.0, 0.0, 0.0, 0.0]);
    let (_, g) = branch_max_grad(&[3.0, 1.0, 3.0]);
    assert_eq!(g, vec![6.0, 0.0, 0.0]);
    // min of x[i] * w for w < 0 is the largest element.
    let f: Scalar = (select_min, select_min_grad, select_min_pullback);
    check_scalar(
        "select min",
        f,
        &X,
        -0.5,
        &[0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 2.0],
    );
    check_scalar(
        "select min",
        f,
        &X,
        2.0,
        &[0.0, 2.0, 0.0, 0.0, 0.0, 0.0, -1.25],
    );
    let f: Slice = (
        through_a_local,
        through_a_local_grad,
        through_a_local_pullback,
    );
    check_slice(
        "through a local",
        f,
        &X,
        &[0.0, 0.0, 2f64.cos(), 0.0, 0.0, 0.0],
    );
    // Nothing beats the initial value: it keeps the adjoint.
    let (v, g) = through_a_local_grad(&[0.25, -0.125]);
    assert_eq!((v, g), (0.5f64.sin(), vec![0.0, 0.0]));
    let f: Slice = (
        reset_to_constant,
        reset_to_constant_grad,
        reset_to_constant_pullback,
    );
    check_slice("reset", f, &X, &[0.0, 0.0, 3.0, 0.0, 0.0, 0.0]);
    // x[0] = -2 is replaced by 0.0, which wins: no element gets the adjoint.
    let (v, g) = reset_to_constant_grad(&[-2.0, -3.0, -1.5]);
    assert_eq!((v, g), (0.0, vec![0.0, 0.0, 0.0]));
    let f: Scalar = (first_above, first_above_grad, first_above_pullback);
    check_scalar(
        "first above",
        f,
        &X,
        1.0,
        &[0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0],
    );
    check_scalar(
        "none above",
        f,
        &X,
        3.0,
        &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 6.0],
    );
}
