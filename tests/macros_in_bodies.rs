//! Macros in differentiated bodies: printing, assertions and diverging
//! macros run on primal values, once, in the forward sweep; they never change
//! a gradient.
// The functions are written as users write them, not as clippy would.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_closed, assert_fd};
use gradmacro::differentiate;

#[differentiate]
fn printed_and_checked(x: f64, v: &[f64]) -> f64 {
    let y = x * 2.0;
    println!("y = {y}, x = {}, v = {:?}, {x:.2}", x, v);
    assert!(y.is_finite(), "y is {}", y);
    debug_assert_eq!(v.len(), 2);
    assert_ne!(v[0], f64::MAX);
    let z = dbg!(y * y) + v[0];
    let mut s = 0.0;
    for i in 0..v.len() {
        eprint!("{i} ");
        s += v[i] * z;
    }
    eprintln!();
    if s < -1e9 {
        panic!("too small: {s}");
    }
    s
}

#[test]
fn macros_do_not_change_gradients() {
    let (x, v) = (1.5, [1.0, 2.0]);
    let (value, (dx, dv)) = printed_and_checked_grad(x, &v);
    // f = (4x² + v0)(v0 + v1)
    assert_closed("value", value, (4.0 * x * x + v[0]) * (v[0] + v[1]));
    assert_closed("d/dx", dx, 8.0 * x * (v[0] + v[1]));
    assert_closed("d/dv0", dv[0], (v[0] + v[1]) + (4.0 * x * x + v[0]));
    assert_closed("d/dv1", dv[1], 4.0 * x * x + v[0]);
    assert_fd("d/dx", dx, |x| printed_and_checked(x, &v), x);
}

#[differentiate]
fn checked_sqrt(x: f64) -> f64 {
    assert!(x >= 0.0, "negative input {x}");
    x.sqrt()
}

#[test]
fn assertions_hold_on_primal_values() {
    let (value, dx) = checked_sqrt_grad(4.0);
    assert_closed("value", value, 2.0);
    assert_closed("d/dx", dx, 0.25);
}

#[test]
#[should_panic(expected = "negative input -1")]
fn failed_assertions_panic_as_in_the_original() {
    let _ = checked_sqrt_grad(-1.0);
}

/// A branch that panics is a branch that does not return.
#[differentiate]
fn guarded_log(x: f64) -> f64 {
    let y = if x > 0.0 {
        x.ln()
    } else {
        unreachable!("x must be positive, got {}", x)
    };
    y * y
}

#[test]
fn diverging_branches() {
    let (value, dx) = guarded_log_grad(2.0);
    assert_closed("value", value, 2f64.ln().powi(2));
    assert_closed("d/dx", dx, 2.0 * 2f64.ln() / 2.0);
}
