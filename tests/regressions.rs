//! Regression tests for bugs found while testing: each case once gave a wrong
//! gradient or failed to compile, and states its independently derived result.
//!
//! 1. compound assignment read the old value before evaluating the right-hand side;
//! 2. a `const` item inside a nested block was missing from the companions;
//! 3. `f64::sin_cos(x)` in path syntax, and tuple patterns on a constant call's
//!    tuple result, were rejected;
//! 4. a float reached through `&x` lost its adjoint; fields of constant parameters
//!    were unsupported;
//! 5. `let y;` assigned later in each branch was rejected.
// The cases are written the way the bugs were found, not the way clippy prefers.
#![allow(
    clippy::let_and_return,
    clippy::needless_borrow,
    clippy::needless_late_init
)]

mod common;

use common::{assert_closed, assert_fd};
use gradmacro::differentiate;

// ---------------------------------------------------------------------------
// 1. Compound assignment evaluates its operands in the wrong order.
//
// For primitive operands Rust evaluates the right-hand side of `a op= rhs`
// FIRST and reads `a` afterwards (Reference, "Compound assignment
// expressions"). The lowering (gradmacro-derive/src/lower.rs, the
// `compound_assignment` branch of binary lowering) reads `a` before lowering
// `rhs`, so when `rhs` itself assigns to `a` the companion uses the stale value.
//
//   let mut a = x;  a += { a *= 2.0; a };  a
//   original: rhs = 2x, then a = 2x + 2x = 4x      → f(0.7) = 2.8, f' = 4
//   x_grad:   a = x + 2x = 3x                      → value 2.1, gradient 3
// ---------------------------------------------------------------------------

#[differentiate]
fn compound_rhs_mutates(x: f64) -> f64 {
    let mut a = x;
    a += {
        a *= 2.0;
        a
    };
    a
}

#[differentiate]
fn compound_mul_rhs_mutates(x: f64) -> f64 {
    let mut a = x;
    a *= {
        a += 1.0;
        a
    };
    a
}

#[test]
fn compound_assignment_evaluates_the_right_hand_side_first() {
    for x in [0.7, 1.3] {
        // The original really is 4x (this line checks the claim about Rust).
        assert_eq!(compound_rhs_mutates(x), 4.0 * x);
        let (value, d) = compound_rhs_mutates_grad(x);
        assert_eq!(
            value,
            compound_rhs_mutates(x),
            "value of `a += {{ a *= 2.0; a }}`"
        );
        assert_closed("d/dx 4x", d, 4.0);
        assert_fd("a += { a *= 2.0; a }", d, compound_rhs_mutates, x);
    }
    for x in [0.7, 1.3] {
        // a *= { a += 1.0; a }: (x + 1)·(x + 1)
        assert_eq!(compound_mul_rhs_mutates(x), (x + 1.0) * (x + 1.0));
        let (value, d) = compound_mul_rhs_mutates_grad(x);
        assert_eq!(
            value,
            compound_mul_rhs_mutates(x),
            "value of `a *= {{ a += 1.0; a }}`"
        );
        assert_closed("d/dx (x+1)²", d, 2.0 * (x + 1.0));
    }
}

// ---------------------------------------------------------------------------
// 4. A `const` item inside a nested block.
//
// `lowered_items` in gradmacro-derive/src/emit.rs copies only the items at the
// top level of the body into each companion, so a `const` declared in an inner
// block is missing there and rustc reports `cannot find value K in this scope`
// (pointing at the use, with no hint that the macro is involved). Top-level
// `const` items work (tests/syntax.rs).
//
//   fn tripled(x: f64) -> f64 { let a = { const K: f64 = 3.0; x * K }; a }
//   → error[E0425]: cannot find value `K` in this scope
// ---------------------------------------------------------------------------

#[differentiate]
fn tripled(x: f64) -> f64 {
    let a = {
        const K: f64 = 3.0;
        x * K
    };
    a
}

#[test]
fn const_item_in_a_nested_block() {
    let (value, d) = tripled_grad(0.5);
    assert_eq!(value, 1.5);
    assert_eq!(d, 3.0);
}

// ---------------------------------------------------------------------------
// 5. `f64::sin_cos(x)` in path syntax, and tuple patterns on call results.
//
// `x.sin_cos()` is special-cased into two rules (lower.rs, `lower_method_call`);
// the path form `f64::sin_cos(x)` is not (`sin_cos` has no entry in the rule
// table), so it becomes an opaque value and the tuple pattern is rejected with
// "this tuple pattern does not match the shape of its value" — a message that
// does not say what to do. The same happens for a tuple returned by a call
// with constant arguments, e.g. `let (v, g) = h_grad(2.0);`, although calls
// with constant arguments are otherwise kept as they are.
// ---------------------------------------------------------------------------

#[differentiate]
fn sin_cos_path(x: f64) -> f64 {
    let (s, c) = f64::sin_cos(x);
    s * c
}

#[differentiate]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiate]
fn uses_a_constant_tuple(x: f64) -> f64 {
    let (value, slope) = square_grad(2.0);
    x * value + slope
}

#[test]
fn tuple_patterns_on_call_results() {
    for x in [0.3_f64, 1.2] {
        let (_, d) = sin_cos_path_grad(x);
        assert_closed("d/dx sin x cos x", d, (2.0 * x).cos());
        let (_, d) = uses_a_constant_tuple_grad(x);
        assert_eq!(d, 4.0);
    }
}

// ---------------------------------------------------------------------------
// 4. References and fields.
// ---------------------------------------------------------------------------

/// `&x * 2.0` is valid Rust (`Mul<f64> for &f64`); the adjoint must flow through
/// the borrow back to `x`.
#[differentiate]
fn through_a_borrow(x: f64) -> f64 {
    let r = &x;
    r * 2.0 + (&x).exp()
}

pub struct Config {
    pub scale: f64,
    pub name: String,
    pub pair: (f64, i32),
}

/// Fields of a constant parameter: read by value, borrowed as a method receiver
/// (`config.name.len()` must not move the `String`), and tuple fields.
#[differentiate(wrt = w)]
fn configured(w: f64, config: &Config) -> f64 {
    let length = config.name.len() as f64;
    let (offset, power) = config.pair;
    (w * config.scale + offset).powi(power) + length * w
}

#[test]
fn borrows_and_fields() {
    for x in [0.3, -1.1] {
        let (value, d) = through_a_borrow_grad(x);
        assert_eq!(value, through_a_borrow(x));
        assert_closed("d/dx (2x + e^x)", d, 2.0 + x.exp());
    }
    let config = Config {
        scale: 1.5,
        name: "abc".to_owned(),
        pair: (0.25, 3),
    };
    for w in [0.4, -0.7] {
        let (value, d) = configured_grad(w, &config);
        assert_eq!(value, configured(w, &config));
        let inner = w * 1.5 + 0.25;
        assert_closed("d/dw", d, 3.0 * inner * inner * 1.5 + 3.0);
        assert_fd("configured", d, |w| configured(w, &config), w);
    }
}

// ---------------------------------------------------------------------------
// 5. Deferred initialisation: `let y;` assigned in each branch.
// ---------------------------------------------------------------------------

#[differentiate]
fn soft_abs(x: f64, eps: f64) -> f64 {
    let y;
    if x.abs() > eps {
        y = x.abs();
    } else {
        let scaled: f64;
        scaled = x * x / (2.0 * eps);
        y = scaled + eps / 2.0;
    }
    y
}

#[test]
fn deferred_initialisation_in_branches() {
    for (x, eps) in [(0.3, 0.1), (-0.05, 0.1), (0.02, 0.2), (-2.0, 0.5)] {
        let (value, (dx, deps)) = soft_abs_grad(x, eps);
        assert_eq!(value, soft_abs(x, eps));
        let expected = if x.abs() > eps { x.signum() } else { x / eps };
        assert_closed("d/dx", dx, expected);
        assert_fd("d/deps", deps, |eps| soft_abs(x, eps), eps);
    }
}

// ---------------------------------------------------------------------------
// 6. Found by writing realistic numeric code (tests/realistic.rs).
// ---------------------------------------------------------------------------

/// `let prev = u;` copies an array: later writes to `u` must not show through.
#[differentiate]
fn swap_through_a_copy(x: [f64; 2]) -> f64 {
    let mut u = x;
    let prev = u;
    u[0] = prev[1];
    u[1] = prev[0];
    u[0] * 10.0 + u[1]
}

/// A copied row of a matrix keeps its values after the matrix is written.
#[differentiate]
fn pivot_row(m: [[f64; 2]; 2]) -> f64 {
    let mut m = m;
    let pivot = m[0];
    m[0][0] = 0.0;
    m[1][1] + pivot[0]
}

/// Typed closure parameters, `f64::from`, array destructuring, and replacing
/// a whole buffer outside a loop.
#[differentiate]
fn assorted(x: &[f64], w: f32) -> f64 {
    let norms = x.iter().map(|v: &f64| v.abs()).sum::<f64>();
    let squares = x.iter().fold(0.0, |acc: f64, &v: &f64| acc + v * v);
    let [a, b, c] = [x[0], x[1], x[2]];
    let mut u = x.to_vec();
    let before = u[0];
    let doubled: Vec<f64> = x.iter().map(|v| v * 2.0).collect();
    u = doubled;
    norms + squares * f64::from(w) + a * b * c + u[1] * before
}

#[test]
fn copies_casts_patterns_and_replacement() {
    let (value, g) = swap_through_a_copy_grad([1.0, 2.0]);
    assert_eq!(value, swap_through_a_copy([1.0, 2.0]));
    assert_eq!(value, 21.0);
    assert_eq!(g, [1.0, 10.0]);
    let m = [[2.0, 1.0], [0.5, 3.0]];
    let (value, g) = pivot_row_grad(m);
    assert_eq!(value, pivot_row(m));
    assert_eq!(value, 5.0);
    assert_eq!(g, [[1.0, 0.0], [0.0, 1.0]]);
    let x = [0.3, -0.7, 1.1];
    let (value, (gx, gw)) = assorted_grad(&x, 0.5);
    assert_eq!(value, assorted(&x, 0.5));
    for i in 0..3 {
        assert_fd(
            "d/dx",
            gx[i],
            |v| {
                let mut y = x;
                y[i] = v;
                assorted(&y, 0.5)
            },
            x[i],
        );
    }
    let squares: f64 = x.iter().map(|v| v * v).sum();
    // The adjoint of an `f32` parameter is an `f32`.
    assert!(
        (f64::from(gw) - squares).abs() < 1e-6 * squares,
        "d/dw: {gw} vs {squares}"
    );
}

/// An associated function (no `self`) that mentions `Self`.
struct Model;

impl Model {
    const SCALE: f64 = 3.0;

    #[differentiate]
    fn scaled_square(w: f64) -> f64 {
        w * w * Self::SCALE
    }
}

#[test]
fn associated_functions_that_mention_self() {
    assert_eq!(Model::scaled_square_grad(2.0), (12.0, 12.0));
}

/// `match` on a tuple of conditions and integers.
#[differentiate]
fn quadrant_weight(x: f64, y: f64, mode: u8) -> f64 {
    match (x > 0.0, y > 0.0, mode) {
        (true, true, 0) => x * y,
        (true, false, _) | (false, true, _) => x - y,
        (_, _, m) => (x + y) * f64::from(m),
    }
}

#[test]
fn match_on_a_tuple() {
    for (x, y, mode) in [
        (0.5, 0.25, 0u8),
        (0.5, -0.25, 1),
        (-0.5, 0.25, 2),
        (-0.5, -0.25, 3),
        (0.5, 0.25, 2),
    ] {
        let (value, (dx, dy)) = quadrant_weight_grad(x, y, mode);
        assert_eq!(value, quadrant_weight(x, y, mode));
        assert_fd("d/dx", dx, |x| quadrant_weight(x, y, mode), x);
        assert_fd("d/dy", dy, |y| quadrant_weight(x, y, mode), y);
    }
}
