//! `if let`, `while let`, `matches!`, `if let Some(v) = x.get(i)` and
//! references (`let r = &a; *r`), against closed forms.
// The functions are written as users write them, not as clippy would.
#![allow(clippy::needless_range_loop, clippy::assign_op_pattern)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

#[differentiate(wrt = x)]
fn scaled(x: f64, factor: Option<f64>) -> f64 {
    if let Some(k) = factor {
        x * k
    } else {
        x
    }
}

#[differentiate(wrt = x)]
fn drain(x: f64, mut steps: Vec<f64>) -> f64 {
    let mut y = x;
    while let Some(step) = steps.pop() {
        y = y * step;
    }
    y
}

#[test]
fn if_let_and_while_let() {
    assert_closed("scaled", scaled_grad(2.0, Some(3.0)).1, 3.0);
    assert_closed("unscaled", scaled_grad(2.0, None).1, 1.0);
    let (value, dx) = drain_grad(1.5, vec![2.0, 3.0, 0.5]);
    assert_closed("value", value, 4.5);
    assert_closed("d/dx", dx, 3.0);
}

/// Elements read with `get`, by reference and by value, a constant option,
/// a constant stack drained by `while let`, `matches!`, and a borrow.
#[differentiate]
fn lookups(x: &[f64], i: usize) -> f64 {
    let mut s = 0.0;
    if let Some(v) = x.get(i) {
        s += *v * 2.0;
    } else {
        s -= 1.0;
    }
    if let Some(&w) = x.get(i + 1) {
        s += w * w;
    }
    let previous: Option<usize> = if i > 0 { Some(i - 1) } else { None };
    if let Some(j) = previous {
        s += x[j];
    }
    let mut stack = vec![0usize, 1];
    while let Some(k) = stack.pop() {
        s += x[k] * 0.5;
    }
    if matches!(i, 0 | 1) {
        s *= 2.0;
    }
    let r = &s;
    *r + 1.0
}

#[test]
fn lookups_with_get_and_matches() {
    let x = [1.0, 2.0, 3.0];
    // i = 1: s = 2·x1 + x2² + x0 + (x0 + x1)/2, doubled, plus 1.
    let (value, grad) = lookups_grad(&x, 1);
    assert_closed("value", value, 32.0);
    for (entry, expected) in grad.iter().zip([3.0, 5.0, 12.0]) {
        assert_closed("gradient", *entry, expected);
    }
    assert_fd_all("i = 1", |p| lookups(p, 1), &x, &grad);
    // i = 2: x.get(3) is None, and i is not 0 or 1.
    let (value, grad) = lookups_grad(&x, 2);
    assert_closed("value", value, 10.5);
    for (entry, expected) in grad.iter().zip([0.5, 1.5, 2.0]) {
        assert_closed("gradient", *entry, expected);
    }
    // i = 0: no previous element; doubled.
    let (value, grad) = lookups_grad(&x, 0);
    assert_closed("value", value, 2.0 * (2.0 + 4.0 + 1.5) + 1.0);
    assert_fd_all("i = 0", |p| lookups(p, 0), &x, &grad);
}
