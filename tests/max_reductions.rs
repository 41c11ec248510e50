//! Max and min reductions reversed by their recorded argmax
//! (`gradmacro-derive/src/argmax.rs`): the result's adjoint reaches the
//! element that won last, or the initial value. Folds, `reduce`, index loops,
//! either argument order, ties (the earlier element keeps winning, as
//! `max`'s partials say), an initial value no element beats, an empty slice,
//! and a reduction nested in another loop (reversed as before). Every gradient
//! is checked against central finite differences, and the closed form (one at
//! the argmax, zero elsewhere).

#![allow(clippy::needless_range_loop)]

mod common;

use common::fusion::{check_slice, Slice};
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
