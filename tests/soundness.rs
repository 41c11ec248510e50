//! Issue 13, part 1: inputs that once gave a silently wrong gradient. Each is
//! now either differentiated (checked here against closed forms and finite
//! differences) or rejected on the token that loses the derivative (pinned in
//! `tests/ui/lost_*.rs`).
#![allow(clippy::let_and_return, clippy::manual_clamp)]

mod common;

use common::{assert_closed, assert_fd};
use gradmacro::differentiate;

#[differentiate]
fn sine_of_second(b: [f64; 2]) -> f64 {
    b[1].sin()
}

/// An array passed by value and overwritten after the call: the callee's
/// pullback must see the array the call saw.
#[differentiate]
fn array_overwritten_after_call(y: f64) -> f64 {
    let mut b = [0.0, y];
    let t = sine_of_second(b);
    b[1] = 5.0;
    t + b[0]
}

/// The same with a `mut` array parameter.
#[differentiate]
fn parameter_overwritten_after_call(mut a: [f64; 2]) -> f64 {
    let t = sine_of_second(a);
    a[1] = 5.0;
    t * a[1]
}

#[test]
fn arrays_passed_by_value_keep_the_value_the_call_saw() {
    let (value, dy) = array_overwritten_after_call_grad(0.3);
    assert_closed("value", value, 0.3f64.sin());
    assert_closed("d/dy", dy, 0.3f64.cos());
    assert_fd("d/dy", dy, array_overwritten_after_call, 0.3);

    let (value, da) = parameter_overwritten_after_call_grad([0.4, 1.1]);
    assert_closed("value", value, 5.0 * 1.1f64.sin());
    assert_closed("d/da0", da[0], 0.0);
    assert_closed("d/da1", da[1], 5.0 * 1.1f64.cos());
}

/// `r#x` is `x`.
#[differentiate]
fn raw_parameter(x: f64) -> f64 {
    r#x * 3.0 + x
}

#[differentiate]
fn r#loop(x: f64) -> f64 {
    x * x
}

/// A call of a function whose name is a keyword, through its pullback.
#[differentiate]
fn calls_raw_keyword(x: f64) -> f64 {
    r#loop(x) + 1.0
}

#[test]
fn raw_identifiers_are_the_plain_names() {
    let (value, dx) = raw_parameter_grad(2.0);
    assert_closed("value", value, 8.0);
    assert_closed("d/dx", dx, 4.0);
    let (value, dx) = calls_raw_keyword_grad(1.5);
    assert_closed("value", value, 3.25);
    assert_closed("d/dx", dx, 3.0);
    let (value, dx) = loop_grad(1.5);
    assert_closed("value", value, 2.25);
    assert_closed("d/dx", dx, 3.0);
}

pub struct Model {
    scale: f64,
}

impl Model {
    #[differentiate(wrt = x)]
    fn eval(&self, x: f64) -> f64 {
        (self.scale * x).sin()
    }
}

/// Methods of a shared receiver with differentiated arguments, called twice:
/// they cannot change it, so both compose through their pullbacks.
#[differentiate(wrt = [x, y])]
fn two_evaluations(model: &Model, x: f64, y: f64) -> f64 {
    model.eval(x) * model.eval(y)
}

#[test]
fn methods_of_shared_receivers_compose() {
    let model = Model { scale: 0.7 };
    let (x, y) = (0.3, -1.2);
    let (value, (dx, dy)) = two_evaluations_grad(&model, x, y);
    let (sx, sy) = ((0.7 * x).sin(), (0.7 * y).sin());
    assert_closed("value", value, sx * sy);
    assert_closed("d/dx", dx, 0.7 * (0.7 * x).cos() * sy);
    assert_closed("d/dy", dy, sx * 0.7 * (0.7 * y).cos());
}

/// A length of a float buffer carries no derivative; a float computed from
/// a differentiated value and cast does.
#[differentiate]
fn lengths_are_constants(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    x.iter().sum::<f64>() / n
}

#[test]
fn lengths_of_buffers_are_constants() {
    let (value, g) = lengths_are_constants_grad(&[1.0, 2.0, 6.0]);
    assert_closed("value", value, 3.0);
    for entry in g {
        assert_closed("d/dx_i", entry, 1.0 / 3.0);
    }
}

// ---------------------------------------------------------------------------
// Zero adjoints contribute nothing (`0 · ∞ = 0`), see `gradmacro::rules`.
// ---------------------------------------------------------------------------

/// `sqrt(0)` has an infinite partial; the factor 0 in front of it makes the
/// branch constant in `x`.
#[differentiate]
fn sqrt_of_zero_product(x: f64) -> f64 {
    (x * 0.0).sqrt() + x
}

/// The branch `max` does not take has a `NaN` partial (`asin(1.5)`).
#[differentiate]
fn unselected_nan_branch(x: f64) -> f64 {
    (x + 1.0).asin().max(x)
}

/// A zero adjoint from `max` meets `sqrt`'s infinite partial at 0.
#[differentiate]
fn relu_then_sqrt(x: f64) -> f64 {
    let r = x.max(0.0);
    (r * r).sqrt() + 3.0 * x
}

/// A quotient whose adjoint is zero, with a zero divisor.
#[differentiate]
fn zero_adjoint_quotient(x: f64, y: f64) -> f64 {
    let q = x / y;
    q.max(-1.0e300).min(1.0e300) * 0.0 + x
}

#[test]
fn zero_adjoints_contribute_nothing() {
    let (value, dx) = sqrt_of_zero_product_grad(0.7);
    assert_closed("value", value, 0.7);
    assert_closed("d/dx", dx, 1.0);

    let (value, dx) = unselected_nan_branch_grad(0.5);
    assert_closed("value", value, 0.5);
    assert_closed("d/dx", dx, 1.0);

    let (value, dx) = relu_then_sqrt_grad(-0.5);
    assert_closed("value", value, -1.5);
    assert_closed("d/dx", dx, 3.0);
    let (_, dx) = relu_then_sqrt_grad(0.5);
    assert_closed("d/dx at 0.5", dx, 4.0);

    let (_, (dx, dy)) = zero_adjoint_quotient_grad(1.0, 0.0);
    assert_closed("d/dx", dx, 1.0);
    assert_closed("d/dy", dy, 0.0);
}

/// `rev` inside a zip with a shorter side: the reversed side is read from its
/// own end (it once read from the zip's length, pairing the wrong elements).
#[differentiate]
fn reversed_against_shorter(a: &[f64], b: &[f64]) -> f64 {
    a.iter().rev().zip(b.iter()).map(|(x, y)| x * y).sum()
}

#[test]
fn rev_in_a_shorter_zip() {
    let (a, b) = ([1.0, 2.0, 3.0, 4.0], [10.0, 100.0]);
    let (value, (da, db)) = reversed_against_shorter_grad(&a, &b);
    // a reversed is 4, 3, 2, 1: 4·10 + 3·100.
    assert_closed("value", value, 340.0);
    assert_eq!(value, reversed_against_shorter(&a, &b));
    assert_eq!(da, vec![0.0, 0.0, 100.0, 10.0]);
    assert_eq!(db, vec![4.0, 3.0]);
}
