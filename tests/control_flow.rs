//! Control flow under `#[differentiate]`: `if` / `else if` / `else` as statements
//! and as value-producing expressions, conditions that read differentiated values
//! (with `&&` / `||`), `match` on integers, bools, enums and floats with guards,
//! `for` over ranges (`a..b`, `a..=b`, `.rev()`, `.step_by(k)`), `while`, `loop`
//! with `break` / `continue` (labelled too, and `break value`), `return` from
//! anywhere, and mutation of locals, `mut` parameters and integer counters inside
//! all of them.
//!
//! Each gradient is checked against central finite differences of the original
//! function (which `#[differentiate]` emits unchanged) at points chosen away from
//! every branch boundary and every change of trip count, so that the difference
//! quotient only sees one smooth piece, and against a closed form (or a
//! hand-written forward-mode recurrence) where one is short. The value returned by
//! `NAME_grad` must be the original's value exactly.

mod common;

use common::{assert_close, assert_closed, assert_fd, assert_fd_all, assert_fd_f32};
use gradmacro::differentiate;

// ---------------------------------------------------------------------------
// `if` / `else if` / `else`
// ---------------------------------------------------------------------------

/// Three smooth pieces, continuous at 0 and at 2.
#[differentiate]
fn piecewise(x: f64) -> f64 {
    if x < 0.0 {
        x.exp() - 1.0
    } else if x < 2.0 {
        x * x + x
    } else {
        6.0 + 5.0 * (x - 2.0) + (x - 2.0).ln_1p()
    }
}

#[test]
fn if_else_if_else_chain_as_the_tail_expression() {
    for (x, slope) in [
        (-1.3, (-1.3_f64).exp()),
        (0.4, 1.8),
        (1.7, 4.4),
        (3.5, 5.0 + 1.0 / 2.5),
    ] {
        let (value, d) = piecewise_grad(x);
        assert_eq!(value, piecewise(x));
        assert_closed("piecewise'", d, slope);
        assert_fd("piecewise", d, piecewise, x);
    }
}

#[differentiate]
fn relu(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

#[differentiate]
fn leaky_relu(x: f64, alpha: f64) -> f64 {
    if x >= 0.0 {
        x
    } else {
        alpha * x
    }
}

#[test]
fn relu_and_leaky_relu() {
    for x in [1.3, 0.25, -0.7, -2.0] {
        let (value, d) = relu_grad(x);
        assert_eq!(value, relu(x));
        // A branch returning a constant has gradient exactly 0.
        assert_eq!(d, if x > 0.0 { 1.0 } else { 0.0 }, "relu'({x})");
        assert_fd("relu", d, relu, x);
    }
    for (x, alpha) in [(1.3, 0.01), (0.25, 0.2), (-0.7, 0.01), (-2.0, 0.3)] {
        let (value, (dx, dalpha)) = leaky_relu_grad(x, alpha);
        assert_eq!(value, leaky_relu(x, alpha));
        let expected = if x >= 0.0 { (1.0, 0.0) } else { (alpha, x) };
        assert_eq!((dx, dalpha), expected, "leaky_relu at {x}");
        assert_fd_all(
            "leaky relu",
            |p| leaky_relu(p[0], p[1]),
            &[x, alpha],
            &[dx, dalpha],
        );
    }
}

/// The Huber loss of a residual, with a differentiable threshold `delta`.
#[differentiate(wrt = [pred, delta])]
fn huber(pred: f64, target: f64, delta: f64) -> f64 {
    let r = pred - target;
    if r.abs() <= delta {
        0.5 * r * r
    } else {
        delta * (r.abs() - 0.5 * delta)
    }
}

#[test]
fn huber_loss_quadratic_and_linear_pieces() {
    for (pred, target, delta) in [
        (1.2, 1.0, 1.0),
        (3.5, 1.0, 1.0),
        (-2.0, 1.0, 0.5),
        (0.7, 1.0, 0.5),
    ] {
        let (value, (dpred, ddelta)) = huber_grad(pred, target, delta);
        assert_eq!(value, huber(pred, target, delta));
        let r = pred - target;
        let (dp, dd) = if r.abs() <= delta {
            (r, 0.0)
        } else {
            (delta * r.signum(), r.abs() - delta)
        };
        assert_closed("huber dpred", dpred, dp);
        assert_closed("huber ddelta", ddelta, dd);
        assert_fd("huber dpred", dpred, |p| huber(p, target, delta), pred);
        assert_fd("huber ddelta", ddelta, |d| huber(pred, target, d), delta);
    }
}

/// A clamp written as two `if` statements that overwrite the variable: the
/// adjoint must go to whichever bound was assigned.
#[differentiate]
fn clamp_by_branches(x: f64, lo: f64, hi: f64) -> f64 {
    let mut y = 2.0 * x;
    if y < lo {
        y = lo;
    }
    if y > hi {
        y = hi;
    }
    y * y
}

#[test]
fn clamp_written_with_if_statements() {
    for at in [
        [0.3, -1.0, 1.0],
        [-0.8, -1.0, 1.0],
        [0.9, -1.0, 1.5],
        [-0.1, -0.5, 0.25],
    ] {
        let (x, lo, hi) = (at[0], at[1], at[2]);
        let (value, (dx, dlo, dhi)) = clamp_by_branches_grad(x, lo, hi);
        assert_eq!(value, clamp_by_branches(x, lo, hi));
        let y = 2.0 * x;
        let expected = if y < lo {
            (0.0, 2.0 * lo, 0.0)
        } else if y > hi {
            (0.0, 0.0, 2.0 * hi)
        } else {
            (8.0 * x, 0.0, 0.0)
        };
        assert_eq!((dx, dlo, dhi), expected, "clamp at {at:?}");
        assert_fd_all(
            "clamp",
            |p| clamp_by_branches(p[0], p[1], p[2]),
            &at,
            &[dx, dlo, dhi],
        );
    }
}

/// `if` without `else`, compound assignment inside.
#[differentiate]
fn conditional_updates(x: f64, y: f64) -> f64 {
    let mut acc = x.sin() * y;
    if x > 0.5 {
        acc += x * x;
    }
    if y < 0.0 {
        acc *= y;
    }
    acc
}

#[test]
fn if_without_else_and_compound_assignment() {
    for at in [[1.2, 0.8], [0.2, -1.5], [1.0, -0.5], [-0.4, 2.0]] {
        let (x, y) = (at[0], at[1]);
        let (value, (dx, dy)) = conditional_updates_grad(x, y);
        assert_eq!(value, conditional_updates(x, y));
        let bonus = if x > 0.5 { x * x } else { 0.0 };
        let dbonus = if x > 0.5 { 2.0 * x } else { 0.0 };
        let a = x.sin() * y + bonus;
        let (ex, ey) = if y < 0.0 {
            ((x.cos() * y + dbonus) * y, x.sin() * y + a)
        } else {
            (x.cos() * y + dbonus, x.sin())
        };
        assert_closed("dx", dx, ex);
        assert_closed("dy", dy, ey);
        assert_fd_all(
            "if without else",
            |p| conditional_updates(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

/// Value-producing `if` as an operand of arithmetic, once on a constant flag and
/// once on a condition that reads a differentiated value.
#[differentiate(wrt = [x, a, b])]
fn scaled_by_choice(x: f64, a: f64, b: f64, use_a: bool) -> f64 {
    let y = x * if use_a { a } else { b };
    y.sin() + if x > 1.0 { y } else { -y * x }
}

#[test]
fn if_expression_inside_arithmetic() {
    for (x, a, b) in [(1.5, 0.7, -0.4), (0.6, 1.3, 2.0), (-0.8, 0.9, 0.3)] {
        for use_a in [true, false] {
            let (value, (dx, da, db)) = scaled_by_choice_grad(x, a, b, use_a);
            assert_eq!(value, scaled_by_choice(x, a, b, use_a));
            let c = if use_a { a } else { b };
            let y = x * c;
            let dc = x * y.cos() + if x > 1.0 { x } else { -x * x };
            let ex = c * y.cos() + if x > 1.0 { c } else { -2.0 * x * c };
            assert_closed("dx", dx, ex);
            // The operand that was not chosen gets exactly zero.
            if use_a {
                assert_closed("da", da, dc);
                assert_eq!(db, 0.0);
            } else {
                assert_eq!(da, 0.0);
                assert_closed("db", db, dc);
            }
            assert_fd_all(
                "x * if c { a } else { b }",
                |p| scaled_by_choice(p[0], p[1], p[2], use_a),
                &[x, a, b],
                &[dx, da, db],
            );
        }
    }
}

#[differentiate]
fn larger_squared(x: f64, y: f64) -> f64 {
    let m = if x > y { x } else { y };
    m * m
}

#[differentiate]
fn root_distance(x: f64, y: f64) -> f64 {
    (if x > y { x - y } else { y - x }).sqrt()
}

#[test]
fn if_expression_in_a_let_and_as_a_method_receiver() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, -0.7], [0.9, 0.4]] {
        let (x, y) = (at[0], at[1]);
        let (value, (dx, dy)) = larger_squared_grad(x, y);
        assert_eq!(value, larger_squared(x, y));
        let expected = if x > y {
            (2.0 * x, 0.0)
        } else {
            (0.0, 2.0 * y)
        };
        assert_eq!((dx, dy), expected, "larger_squared at {at:?}");
        assert_fd_all("max by if", |p| larger_squared(p[0], p[1]), &at, &[dx, dy]);

        let (value, (dx, dy)) = root_distance_grad(x, y);
        assert_eq!(value, root_distance(x, y));
        let s = (x - y).signum() / (2.0 * (x - y).abs().sqrt());
        assert_closed("d/dx √|x−y|", dx, s);
        assert_closed("d/dy √|x−y|", dy, -s);
        assert_fd_all(
            "(if ..).sqrt()",
            |p| root_distance(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

/// `&&` and `||` in conditions that read the differentiated values.
#[differentiate]
fn quadrant_blend(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        (x * y).sqrt()
    } else if x < -1.0 || y < -1.0 {
        x * x + y
    } else {
        x - y * y
    }
}

#[test]
fn and_and_or_in_conditions() {
    for at in [
        [1.5, 0.5],
        [-2.0, 0.5],
        [0.5, -2.0],
        [-0.5, 0.3],
        [0.4, -0.6],
    ] {
        let (x, y) = (at[0], at[1]);
        let (value, (dx, dy)) = quadrant_blend_grad(x, y);
        assert_eq!(value, quadrant_blend(x, y));
        let expected = if x > 0.0 && y > 0.0 {
            let s = (x * y).sqrt();
            (y / (2.0 * s), x / (2.0 * s))
        } else if x < -1.0 || y < -1.0 {
            (2.0 * x, 1.0)
        } else {
            (1.0, -2.0 * y)
        };
        assert_closed("dx", dx, expected.0);
        assert_closed("dy", dy, expected.1);
        assert_fd_all("&& / ||", |p| quadrant_blend(p[0], p[1]), &at, &[dx, dy]);
    }
}

/// Nested `if`s with block-local bindings of the same name in both arms.
#[differentiate]
fn nested_branches(x: f64, y: f64) -> f64 {
    let t = x * y;
    if t > 0.0 {
        let u = t.ln();
        if x > y {
            u * x
        } else {
            u + y
        }
    } else {
        let u = (-t).sqrt();
        u - x
    }
}

#[test]
fn nested_ifs_with_locals_in_each_branch() {
    for at in [[2.0, 0.7], [0.6, 1.5], [-1.2, 0.8], [-0.5, -3.0]] {
        let (x, y) = (at[0], at[1]);
        let (value, (dx, dy)) = nested_branches_grad(x, y);
        assert_eq!(value, nested_branches(x, y));
        let t = x * y;
        let expected = if t > 0.0 {
            if x > y {
                (1.0 + t.ln(), x / y)
            } else {
                (1.0 / x, 1.0 / y + 1.0)
            }
        } else {
            let u = (-t).sqrt();
            (-y / (2.0 * u) - 1.0, -x / (2.0 * u))
        };
        assert_closed("dx", dx, expected.0);
        assert_closed("dy", dy, expected.1);
        assert_fd_all("nested if", |p| nested_branches(p[0], p[1]), &at, &[dx, dy]);
    }
}

/// Both branches reassign the same two locals, differently.
#[differentiate]
fn branch_assigns(x: f64, y: f64) -> f64 {
    let mut a = x;
    let mut b = y;
    if x * y > 1.0 {
        a *= y;
        b = a + x;
    } else {
        a = a.exp();
        b -= x;
    }
    a * b
}

#[test]
fn branches_reassign_locals_differently() {
    for at in [[1.5, 2.0], [0.5, 0.5], [-1.0, 0.4], [3.0, 0.6]] {
        let (x, y) = (at[0], at[1]);
        let (value, (dx, dy)) = branch_assigns_grad(x, y);
        assert_eq!(value, branch_assigns(x, y));
        let expected = if x * y > 1.0 {
            // f = xy(xy + x)
            (2.0 * x * y * y + 2.0 * x * y, 2.0 * x * x * y + x * x)
        } else {
            // f = e^x (y − x)
            (x.exp() * (y - x) - x.exp(), x.exp())
        };
        assert_closed("dx", dx, expected.0);
        assert_closed("dy", dy, expected.1);
        assert_fd_all(
            "branch assigns",
            |p| branch_assigns(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

/// Tax owed with a credit below 10 and two brackets above: an `if / else if /
/// else` statement chain assigning one variable.
#[differentiate(wrt = [income, rate])]
fn tax(income: f64, rate: f64) -> f64 {
    let mut owed = 0.0;
    if income > 50.0 {
        owed = 40.0 * rate + (income - 50.0) * 2.0 * rate;
    } else if income > 10.0 {
        owed = (income - 10.0) * rate;
    } else {
        owed -= 0.1 * income;
    }
    owed
}

#[test]
fn else_if_chain_as_statements() {
    for (income, rate) in [(80.0, 0.2), (30.0, 0.35), (5.0, 0.2), (-3.0, 0.1)] {
        let (value, (dincome, drate)) = tax_grad(income, rate);
        assert_eq!(value, tax(income, rate));
        let expected = if income > 50.0 {
            (2.0 * rate, 40.0 + 2.0 * (income - 50.0))
        } else if income > 10.0 {
            (rate, income - 10.0)
        } else {
            (-0.1, 0.0)
        };
        assert_closed("dincome", dincome, expected.0);
        assert_closed("drate", drate, expected.1);
        assert_fd_all(
            "tax brackets",
            |p| tax(p[0], p[1]),
            &[income, rate],
            &[dincome, drate],
        );
    }
}

// ---------------------------------------------------------------------------
// `match`
// ---------------------------------------------------------------------------

/// `mode` selects the loss: 0 squared, 1 absolute, 2 log-cosh, anything else
/// pseudo-Huber.
#[differentiate(wrt = pred)]
fn loss_by_mode(pred: f64, target: f64, mode: u8) -> f64 {
    let r = pred - target;
    match mode {
        0 => r * r,
        1 => r.abs(),
        2 => r.cosh().ln(),
        _ => (1.0 + r * r).sqrt() - 1.0,
    }
}

#[test]
fn match_on_an_integer_mode_selects_the_loss() {
    for pred in [1.7, -0.4, 0.9] {
        let target = 0.5;
        let r = pred - target;
        for mode in [0_u8, 1, 2, 3, 200] {
            let (value, d) = loss_by_mode_grad(pred, target, mode);
            assert_eq!(value, loss_by_mode(pred, target, mode));
            let expected = match mode {
                0 => 2.0 * r,
                1 => r.signum(),
                2 => r.tanh(),
                _ => r / (1.0 + r * r).sqrt(),
            };
            assert_closed(&format!("mode {mode}"), d, expected);
            assert_fd("loss by mode", d, |p| loss_by_mode(p, target, mode), pred);
        }
    }
}

/// Or-patterns and range patterns; one arm is a constant.
#[differentiate]
fn by_degree(x: f64, degree: i32) -> f64 {
    match degree {
        0 => 1.0,
        1 | 2 => x.powi(degree),
        3..=5 => x.powi(degree) / degree as f64,
        _ => x.exp(),
    }
}

#[test]
fn match_with_or_patterns_and_ranges() {
    for x in [0.7, -1.3, 2.1] {
        for degree in [0, 1, 2, 3, 5, 6, -1] {
            let (value, d) = by_degree_grad(x, degree);
            assert_eq!(value, by_degree(x, degree));
            let expected = match degree {
                0 => 0.0,
                1 => 1.0,
                2 => 2.0 * x,
                3..=5 => x.powi(degree - 1),
                _ => x.exp(),
            };
            assert_closed(&format!("degree {degree}"), d, expected);
            assert_fd("by degree", d, |x| by_degree(x, degree), x);
        }
    }
}

#[differentiate(wrt = [w, b])]
fn regression_loss(x: f64, y: f64, w: f64, b: f64, squared: bool) -> f64 {
    let r = x * w + b - y;
    match squared {
        true => r * r,
        false => r.abs(),
    }
}

#[test]
fn match_on_a_bool() {
    for (x, y, w, b) in [
        (2.0, 1.0, 3.0, 4.0),
        (-0.5, 0.2, 1.5, -0.25),
        (1.5, 4.0, 0.5, 1.0),
    ] {
        for squared in [true, false] {
            let (value, (dw, db)) = regression_loss_grad(x, y, w, b, squared);
            assert_eq!(value, regression_loss(x, y, w, b, squared));
            let r = x * w + b - y;
            let g = if squared { 2.0 * r } else { r.signum() };
            assert_closed("dw", dw, g * x);
            assert_closed("db", db, g);
            assert_fd("dw", dw, |w| regression_loss(x, y, w, b, squared), w);
            assert_fd("db", db, |b| regression_loss(x, y, w, b, squared), b);
        }
    }
}

/// A user enum passed as a (constant) parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Activation {
    Sigmoid,
    Tanh,
    Relu,
}

#[differentiate(wrt = [w, b])]
fn neuron(x: f64, w: f64, b: f64, act: Activation) -> f64 {
    let z = w * x + b;
    match act {
        Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
        Activation::Tanh => z.tanh(),
        Activation::Relu => {
            if z > 0.0 {
                z
            } else {
                0.0
            }
        }
    }
}

#[test]
fn match_on_a_user_enum_parameter() {
    for (x, w, b) in [(0.5, 1.2, 0.3), (-1.5, 0.8, 0.2), (2.0, -0.6, 0.1)] {
        let z = w * x + b;
        for act in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
            let (value, (dw, db)) = neuron_grad(x, w, b, act);
            assert_eq!(value, neuron(x, w, b, act));
            let dz = match act {
                Activation::Sigmoid => {
                    let s = 1.0 / (1.0 + (-z).exp());
                    s * (1.0 - s)
                }
                Activation::Tanh => 1.0 - z.tanh().powi(2),
                Activation::Relu => {
                    if z > 0.0 {
                        1.0
                    } else {
                        0.0
                    }
                }
            };
            assert_closed(&format!("{act:?} dw"), dw, dz * x);
            assert_closed(&format!("{act:?} db"), db, dz);
            assert_fd("dw", dw, |w| neuron(x, w, b, act), w);
            assert_fd("db", db, |b| neuron(x, w, b, act), b);
        }
    }
}

/// A `match` on the differentiated value itself: binding patterns with guards.
#[differentiate]
fn log_tails(x: f64) -> f64 {
    match x {
        v if v > 1.0 => v.ln() + 1.0,
        v if v < -1.0 => -(-v).ln() - 1.0,
        v => v,
    }
}

#[test]
fn match_on_a_float_with_binding_guards() {
    for x in [2.5, -3.0, 0.4, -0.6, 1.1] {
        let (value, d) = log_tails_grad(x);
        assert_eq!(value, log_tails(x));
        let expected = if x.abs() > 1.0 { 1.0 / x.abs() } else { 1.0 };
        assert_closed("log tails'", d, expected);
        assert_fd("log tails", d, log_tails, x);
    }
}

/// Guards on an integer scrutinee that read the differentiated values.
#[differentiate(wrt = [x, y])]
fn step_rule(x: f64, y: f64, n: u32) -> f64 {
    match n {
        0 => x,
        k if x > y => x * k as f64 + y,
        k => (x - y) * k as f64 * y,
    }
}

#[test]
fn match_guards_reading_active_values() {
    for at in [[1.5, 0.5], [0.2, 1.1], [-0.7, -1.9]] {
        let (x, y) = (at[0], at[1]);
        for n in [0_u32, 1, 4] {
            let (value, (dx, dy)) = step_rule_grad(x, y, n);
            assert_eq!(value, step_rule(x, y, n));
            let k = f64::from(n);
            let expected = if n == 0 {
                (1.0, 0.0)
            } else if x > y {
                (k, 1.0)
            } else {
                (k * y, k * (x - 2.0 * y))
            };
            assert_closed("dx", dx, expected.0);
            assert_closed("dy", dy, expected.1);
            assert_fd_all("guards", |p| step_rule(p[0], p[1], n), &at, &[dx, dy]);
        }
    }
}

/// One arm leaves the function with `return`; the others produce a value.
#[differentiate(wrt = x)]
fn match_with_return(x: f64, kind: u8) -> f64 {
    let base = x * x;
    let scaled = match kind {
        0 => return x.sin(),
        1 => base * 3.0,
        _ => base.exp(),
    };
    scaled + x
}

#[test]
fn return_inside_a_match_arm() {
    for x in [0.3, -1.1, 1.4] {
        for kind in [0_u8, 1, 2] {
            let (value, d) = match_with_return_grad(x, kind);
            assert_eq!(value, match_with_return(x, kind));
            let expected = match kind {
                0 => x.cos(),
                1 => 6.0 * x + 1.0,
                _ => 2.0 * x * (x * x).exp() + 1.0,
            };
            assert_closed(&format!("kind {kind}"), d, expected);
            assert_fd("match + return", d, |x| match_with_return(x, kind), x);
        }
    }
}

// ---------------------------------------------------------------------------
// `for` over ranges
// ---------------------------------------------------------------------------

/// p(x) = Σ_{k<n} (k + 1) x^k by Horner's rule over the coefficients n, n−1, …, 1.
#[differentiate(wrt = x)]
fn horner(x: f64, n: usize) -> f64 {
    let mut acc = 0.0;
    for i in 0..n {
        acc = acc * x + (n - i) as f64;
    }
    acc
}

#[test]
fn for_over_a_range_horner() {
    for x in [0.3, -0.7, 1.1] {
        for n in [0_usize, 1, 4, 9] {
            let (value, d) = horner_grad(x, n);
            assert_eq!(value, horner(x, n));
            // p'(x) = Σ_{1≤k<n} k(k + 1) x^(k−1)
            let expected: f64 = (1..n)
                .map(|k| (k * (k + 1)) as f64 * x.powi(k as i32 - 1))
                .sum();
            assert_closed(&format!("horner n = {n}"), d, expected);
            assert_fd("horner", d, |x| horner(x, n), x);
        }
    }
    // No iteration at all: the value and the gradient are exactly zero.
    assert_eq!(horner_grad(0.3, 0), (0.0, 0.0));
}

/// Σ_{k<n} x^k / (k + 1), by Horner from the top coefficient down.
#[differentiate(wrt = x)]
fn horner_rev(x: f64, n: usize) -> f64 {
    let mut acc = 0.0;
    for k in (0..n).rev() {
        acc = acc * x + 1.0 / (k as f64 + 1.0);
    }
    acc
}

#[test]
fn for_over_a_reversed_range() {
    for x in [0.3, -0.6, 1.2] {
        for n in [1_usize, 5, 12] {
            let (value, d) = horner_rev_grad(x, n);
            assert_eq!(value, horner_rev(x, n));
            let expected: f64 = (1..n)
                .map(|k| k as f64 * x.powi(k as i32 - 1) / (k as f64 + 1.0))
                .sum();
            assert_closed(&format!("n = {n}"), d, expected);
            assert_fd("(0..n).rev()", d, |x| horner_rev(x, n), x);
        }
    }
}

/// e^x truncated: Σ_{k=0}^{n} x^k / k!.
#[differentiate(wrt = x)]
fn exp_series(x: f64, n: u32) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=n {
        term *= x / k as f64;
        sum += term;
    }
    sum
}

#[test]
fn for_over_an_inclusive_range_exp_series() {
    for x in [0.5, -1.5, 2.0] {
        for n in [0_u32, 1, 5, 20] {
            let (value, d) = exp_series_grad(x, n);
            assert_eq!(value, exp_series(x, n));
            // The derivative of the degree-n partial sum is the degree-(n−1) one.
            let expected = if n == 0 { 0.0 } else { exp_series(x, n - 1) };
            assert_closed(&format!("n = {n}"), d, expected);
            assert_fd("Σ x^k/k!", d, |x| exp_series(x, n), x);
        }
    }
    let (value, d) = exp_series_grad(0.7, 30);
    assert_close("30 terms: value", value, 0.7_f64.exp(), 1e-15);
    assert_close("30 terms: derivative", d, 0.7_f64.exp(), 1e-14);
}

/// `.step_by` over an exclusive and an inclusive range.
#[differentiate(wrt = [x, c])]
fn strided_powers(x: f64, c: f64, n: i32) -> f64 {
    let mut sum = 0.0;
    for k in (0..n).step_by(2) {
        sum += c * x.powi(k);
    }
    for k in (1..=n).step_by(3) {
        sum -= x.powi(k) / k as f64;
    }
    sum
}

#[test]
fn for_over_a_range_with_step_by() {
    for x in [0.8, -1.2, 1.5] {
        for n in [0, 1, 6, 7, 10] {
            let c = 0.75;
            let (value, (dx, dc)) = strided_powers_grad(x, c, n);
            assert_eq!(value, strided_powers(x, c, n));
            let evens = (0..n).filter(|k| k % 2 == 0);
            let ex: f64 = evens
                .clone()
                .map(|k| c * f64::from(k) * x.powi(k - 1))
                .sum::<f64>()
                - (1..=n)
                    .filter(|k| (k - 1) % 3 == 0)
                    .map(|k| x.powi(k - 1))
                    .sum::<f64>();
            let ec: f64 = evens.map(|k| x.powi(k)).sum();
            assert_closed(&format!("dx, n = {n}"), dx, ex);
            assert_closed(&format!("dc, n = {n}"), dc, ec);
            assert_fd_all(
                "step_by",
                |p| strided_powers(p[0], p[1], n),
                &[x, c],
                &[dx, dc],
            );
        }
    }
}

/// Nested loops; the inner range depends on the outer index.
#[differentiate(wrt = [x, y])]
fn triangle_sum(x: f64, y: f64, n: usize) -> f64 {
    let mut acc = 0.0;
    for i in 0..n {
        for j in 0..=i {
            let (fi, fj) = (i as f64, j as f64);
            acc += (x * fi + y * fj).sin() / (1.0 + fi + fj);
        }
    }
    acc
}

#[test]
fn nested_for_loops() {
    for at in [[0.3, -0.5], [1.1, 0.4], [-0.8, 0.9]] {
        let (x, y) = (at[0], at[1]);
        for n in [1_usize, 3, 6] {
            let (value, (dx, dy)) = triangle_sum_grad(x, y, n);
            assert_eq!(value, triangle_sum(x, y, n));
            let (mut ex, mut ey) = (0.0, 0.0);
            for i in 0..n {
                for j in 0..=i {
                    let (fi, fj) = (i as f64, j as f64);
                    let c = (x * fi + y * fj).cos() / (1.0 + fi + fj);
                    ex += c * fi;
                    ey += c * fj;
                }
            }
            assert_closed("dx", dx, ex);
            assert_closed("dy", dy, ey);
            assert_fd_all(
                "nested for",
                |p| triangle_sum(p[0], p[1], n),
                &at,
                &[dx, dy],
            );
        }
    }
}

/// Balance after `years` of compounding at `rate`, with a deposit at the end of
/// each year.
#[differentiate(wrt = [principal, rate, deposit])]
fn savings(principal: f64, rate: f64, deposit: f64, years: u32) -> f64 {
    let mut balance = principal;
    for _ in 0..years {
        balance *= 1.0 + rate;
        balance += deposit;
    }
    balance
}

#[test]
fn compound_interest_loop() {
    for (p, rate, deposit, years) in [
        (1000.0, 0.05, 100.0, 10),
        (250.0, 0.031, 0.0, 30),
        (10.0, -0.02, 5.0, 7),
    ] {
        let (value, (dp, drate, ddeposit)) = savings_grad(p, rate, deposit, years);
        assert_eq!(value, savings(p, rate, deposit, years));
        // B = P g^n + D Σ_{k<n} g^k with g = 1 + rate.
        let g: f64 = 1.0 + rate;
        let n = years as i32;
        let er = f64::from(n) * p * g.powi(n - 1)
            + deposit * (1..n).map(|k| f64::from(k) * g.powi(k - 1)).sum::<f64>();
        assert_closed("dP", dp, g.powi(n));
        assert_closed("dD", ddeposit, (0..n).map(|k| g.powi(k)).sum::<f64>());
        assert_closed("drate", drate, er);
        let at = [p, rate, deposit];
        assert_fd_all(
            "savings",
            |q| savings(q[0], q[1], q[2], years),
            &at,
            &[dp, drate, ddeposit],
        );
    }
}

/// Explicit Euler for y' = −k·y + sin t from y(0) = y0; `t` is float loop state
/// that does not depend on the differentiated parameters.
#[differentiate(wrt = [k, y0])]
fn euler_decay(k: f64, y0: f64, dt: f64, steps: usize) -> f64 {
    let mut y = y0;
    let mut t: f64 = 0.0;
    for _ in 0..steps {
        y += dt * (-k * y + t.sin());
        t += dt;
    }
    y
}

#[test]
fn euler_integration_loop() {
    for (k, y0, dt, steps) in [
        (0.7, 1.5, 0.01, 300),
        (2.0, -0.5, 0.05, 40),
        (0.3, 0.2, 0.1, 1),
    ] {
        let (value, (dk, dy0)) = euler_decay_grad(k, y0, dt, steps);
        assert_eq!(value, euler_decay(k, y0, dt, steps));
        // ∂y_n/∂y0 = (1 − k dt)^n; ∂y/∂k by the tangent recurrence.
        let (mut y, mut t, mut yk) = (y0, 0.0_f64, 0.0);
        for _ in 0..steps {
            yk = (1.0 - k * dt) * yk - dt * y;
            y += dt * (-k * y + t.sin());
            t += dt;
        }
        assert_closed("dy0", dy0, (1.0 - k * dt).powi(steps as i32));
        assert_closed("dk", dk, yk);
        assert_fd("dk", dk, |k| euler_decay(k, y0, dt, steps), k);
        assert_fd("dy0", dy0, |y0| euler_decay(k, y0, dt, steps), y0);
    }
}

/// sin x by its Taylor series: an integer-controlled sign and a branch on the
/// loop index inside the loop.
#[differentiate(wrt = x)]
fn sin_series(x: f64, n: usize) -> f64 {
    let mut sum = 0.0;
    let mut power = x;
    let mut factorial = 1.0;
    for i in 0..n {
        let k = 2 * i + 1;
        if i > 0 {
            power *= x * x;
            factorial *= ((k - 1) * k) as f64;
        }
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        sum += sign * power / factorial;
    }
    sum
}

#[test]
fn taylor_series_with_an_integer_sign() {
    for x in [0.4, -1.2, 2.5] {
        for n in [1_usize, 3, 12] {
            let (value, d) = sin_series_grad(x, n);
            assert_eq!(value, sin_series(x, n));
            // The derivative is the cosine series with n terms.
            let (mut cos_sum, mut term) = (0.0, 1.0);
            for i in 0..n {
                if i > 0 {
                    term *= -x * x / ((2 * i - 1) * (2 * i)) as f64;
                }
                cos_sum += term;
            }
            assert_closed(&format!("n = {n}"), d, cos_sum);
            assert_fd("sin series", d, |x| sin_series(x, n), x);
        }
        assert_close("12 terms ≈ cos", sin_series_grad(x, 12).1, x.cos(), 1e-12);
    }
}

// ---------------------------------------------------------------------------
// `while`, `loop`, `break`, `continue`
// ---------------------------------------------------------------------------

/// Halves `v` until it drops to `tol`; an integer counter runs beside the float
/// state and scales the result.
#[differentiate(wrt = x)]
fn halvings(x: f64, tol: f64) -> f64 {
    let mut v = x;
    let mut count = 0;
    while v > tol {
        v *= 0.5;
        count += 1;
    }
    v * count as f64
}

#[test]
fn while_with_an_integer_counter() {
    for (x, tol) in [(3.0, 0.1), (0.05, 0.1), (70.0, 0.1), (1.3, 0.01)] {
        let (value, d) = halvings_grad(x, tol);
        assert_eq!(value, halvings(x, tol));
        let mut count = 0;
        while x / 2_f64.powi(count) > tol {
            count += 1;
        }
        // f = c·x / 2^c, with c constant on a neighbourhood of x.
        assert_closed("d/dx", d, f64::from(count) / 2_f64.powi(count));
        assert_fd("halvings", d, |x| halvings(x, tol), x);
    }
}

/// Grows `x` by the factor `growth` until it reaches `limit`: the trip count
/// depends on both differentiated inputs.
#[differentiate(wrt = [x, growth])]
fn grow_until(x: f64, growth: f64, limit: f64) -> f64 {
    let mut v = x;
    while v < limit {
        v *= growth;
    }
    v
}

#[test]
fn while_with_a_data_dependent_trip_count() {
    for (x, growth, limit) in [
        (1.0, 1.3, 10.0),
        (0.2, 2.5, 100.0),
        (0.37, 1.1, 5.0),
        (12.0, 1.5, 10.0),
    ] {
        let (value, (dx, dg)) = grow_until_grad(x, growth, limit);
        assert_eq!(value, grow_until(x, growth, limit));
        let mut n = 0;
        while x * growth.powi(n) < limit {
            n += 1;
        }
        // v = x g^n with n fixed near (x, g).
        assert_closed("dx", dx, growth.powi(n));
        assert_closed("dgrowth", dg, f64::from(n) * x * growth.powi(n - 1));
        assert_fd_all(
            "grow until",
            |p| grow_until(p[0], p[1], limit),
            &[x, growth],
            &[dx, dg],
        );
    }
}

/// √a by a fixed number of Newton steps; `g` starts as a constant and becomes
/// active in the first iteration.
#[differentiate]
fn newton_sqrt_fixed(a: f64) -> f64 {
    let mut g = 1.0;
    for _ in 0..30 {
        g = 0.5 * (g + a / g);
    }
    g
}

/// √a by Newton steps until the residual is small, with an iteration cap:
/// `&&` of a float test and an integer test in a `while` condition.
#[differentiate]
fn newton_sqrt_tol(a: f64) -> f64 {
    let mut g = a.max(1.0);
    let mut iterations = 0;
    while (g * g - a).abs() > 1e-12 * a && iterations < 100 {
        g = 0.5 * (g + a / g);
        iterations += 1;
    }
    g
}

#[test]
fn newton_iteration_for_sqrt() {
    for a in [2.0, 0.3, 50.0, 1e-2] {
        let (value, d) = newton_sqrt_fixed_grad(a);
        assert_eq!(value, newton_sqrt_fixed(a));
        assert_close("fixed: √a", value, a.sqrt(), 1e-15);
        assert_closed("fixed: d√a/da", d, 0.5 / a.sqrt());
        assert_fd("fixed count", d, newton_sqrt_fixed, a);

        let (value, d) = newton_sqrt_tol_grad(a);
        assert_eq!(value, newton_sqrt_tol(a));
        assert_close("tolerance: √a", value, a.sqrt(), 1e-15);
        assert_closed("tolerance: d√a/da", d, 0.5 / a.sqrt());
        assert_fd("tolerance", d, newton_sqrt_tol, a);
    }
}

/// Kepler's equation E − e·sin E = M solved by Newton's method in a `loop` that
/// breaks once the step is small (or after 50 iterations).
#[differentiate(wrt = [mean_anomaly, ecc])]
fn kepler(mean_anomaly: f64, ecc: f64) -> f64 {
    let mut anomaly = mean_anomaly;
    let mut iterations = 0;
    loop {
        let residual = anomaly - ecc * anomaly.sin() - mean_anomaly;
        let step = residual / (1.0 - ecc * anomaly.cos());
        anomaly -= step;
        iterations += 1;
        if step.abs() < 1e-14 || iterations == 50 {
            break;
        }
    }
    anomaly
}

#[test]
fn loop_with_break_when_converged() {
    for (m, e) in [(1.0, 0.3), (2.5, 0.7), (-0.8, 0.1), (4.0, 0.5)] {
        let (anomaly, (dm, de)) = kepler_grad(m, e);
        assert_eq!(anomaly, kepler(m, e));
        // Implicit function theorem: dE/dM = 1/(1 − e cos E), dE/de = sin E/(1 − e cos E).
        let denom = 1.0 - e * anomaly.cos();
        assert_close("E solves Kepler", anomaly - e * anomaly.sin(), m, 1e-14);
        assert_close("dE/dM", dm, 1.0 / denom, 1e-10);
        assert_close("dE/de", de, anomaly.sin() / denom, 1e-10);
        assert_fd_all("kepler", |p| kepler(p[0], p[1]), &[m, e], &[dm, de]);
    }
}

/// The fixed point of g ↦ cos(a·g) by plain iteration; the `loop` produces the
/// result with `break value`.
#[differentiate]
fn cos_fixed_point(a: f64) -> f64 {
    let mut g = 0.5;
    loop {
        let next = (a * g).cos();
        if (next - g).abs() < 1e-14 {
            break next;
        }
        g = next;
    }
}

#[test]
fn loop_producing_its_value_with_break() {
    for a in [1.0, 0.5, 1.2] {
        let (g, d) = cos_fixed_point_grad(a);
        assert_eq!(g, cos_fixed_point(a));
        // g = cos(a g)  ⇒  g' = −g sin(a g) / (1 + a sin(a g))
        let s = (a * g).sin();
        assert_close("fixed point", g, (a * g).cos(), 1e-13);
        assert_close("g'", d, -g * s / (1.0 + a * s), 1e-9);
        assert_fd("cos fixed point", d, cos_fixed_point, a);
    }
}

/// `continue` on an integer condition and on a condition reading an active value.
#[differentiate(wrt = x)]
fn skip_some(x: f64, n: usize) -> f64 {
    let mut acc = 0.0;
    for i in 0..n {
        if i % 3 == 2 {
            continue;
        }
        let term = (x * i as f64).sin();
        if term < 0.0 {
            continue;
        }
        acc += term;
    }
    acc
}

#[test]
fn continue_skips_iterations() {
    for x in [0.37, 1.3, -0.45] {
        for n in [4_usize, 10] {
            let (value, d) = skip_some_grad(x, n);
            assert_eq!(value, skip_some(x, n));
            let expected: f64 = (0..n)
                .filter(|i| i % 3 != 2 && (x * *i as f64).sin() >= 0.0)
                .map(|i| i as f64 * (x * i as f64).cos())
                .sum();
            assert_closed(&format!("n = {n}"), d, expected);
            assert_fd("continue", d, |x| skip_some(x, n), x);
        }
    }
}

/// Adds x^k / k for k = 1, 2, … with a hand-kept counter in a `loop`, skipping
/// multiples of 3 with `continue`, until the sum passes `limit` (a break that
/// reads the differentiated value) or k reaches 50.
#[differentiate(wrt = x)]
fn loop_with_continue(x: f64, limit: f64) -> f64 {
    let mut k = 0;
    let mut sum = 0.0;
    loop {
        k += 1;
        if k % 3 == 0 {
            continue;
        }
        sum += x.powi(k) / k as f64;
        if sum > limit || k >= 50 {
            break;
        }
    }
    sum
}

#[test]
fn loop_with_continue_and_a_data_dependent_break() {
    for (x, limit) in [(1.2, 3.0), (1.05, 2.0), (0.5, 10.0), (-0.8, 1.0)] {
        let (value, d) = loop_with_continue_grad(x, limit);
        assert_eq!(value, loop_with_continue(x, limit));
        let (mut sum, mut expected) = (0.0, 0.0);
        for k in (1..=50).filter(|k| k % 3 != 0) {
            sum += x.powi(k) / f64::from(k);
            expected += x.powi(k - 1);
            if sum > limit {
                break;
            }
        }
        assert_closed(&format!("at x = {x}"), d, expected);
        assert_fd("loop + continue", d, |x| loop_with_continue(x, limit), x);
    }
}

/// Buys `i·j` units at `price` over a triangle of orders and stops everything
/// (`break 'outer`) at the first order the budget cannot cover.
#[differentiate(wrt = [price, budget])]
fn spend_until_broke(price: f64, budget: f64, n: usize) -> f64 {
    let mut total = 0.0;
    'outer: for i in 1..=n {
        for j in 1..=i {
            let cost = price * (i * j) as f64;
            if total + cost > budget {
                break 'outer;
            }
            total += cost;
        }
    }
    total.sqrt()
}

#[test]
fn labelled_break_out_of_nested_loops() {
    for (price, budget, n) in [
        (0.35, 10.0, 6),
        (1.7, 40.0, 5),
        (0.01, 50.0, 4),
        (2.0, 5.0, 3),
    ] {
        let (value, (dprice, dbudget)) = spend_until_broke_grad(price, budget, n);
        assert_eq!(value, spend_until_broke(price, budget, n));
        // total = price · units, with the units bought fixed near the point.
        let mut units = 0;
        'outer: for i in 1..=n {
            for j in 1..=i {
                if price * (units + i * j) as f64 > budget {
                    break 'outer;
                }
                units += i * j;
            }
        }
        let expected = if units == 0 {
            0.0
        } else {
            units as f64 / (2.0 * (price * units as f64).sqrt())
        };
        assert_closed("dprice", dprice, expected);
        assert_eq!(dbudget, 0.0);
        assert_fd("dprice", dprice, |p| spend_until_broke(p, budget, n), price);
    }
}

/// Sums x^i y^j over the lower triangle j ≤ i, leaving each row with
/// `continue 'rows`.
#[differentiate(wrt = [x, y])]
fn lower_triangle(x: f64, y: f64, n: usize) -> f64 {
    let mut acc = 0.0;
    'rows: for i in 0..n {
        for j in 0..n {
            if j > i {
                continue 'rows;
            }
            acc += x.powi(i as i32) * y.powi(j as i32);
        }
    }
    acc
}

#[test]
fn labelled_continue_out_of_an_inner_loop() {
    for at in [[0.8, 1.3], [-1.1, 0.5], [1.2, -0.9]] {
        let (x, y) = (at[0], at[1]);
        for n in [1_usize, 2, 5] {
            let (value, (dx, dy)) = lower_triangle_grad(x, y, n);
            assert_eq!(value, lower_triangle(x, y, n));
            let (mut ex, mut ey) = (0.0, 0.0);
            for i in 0..n as i32 {
                for j in 0..=i {
                    ex += f64::from(i) * x.powi(i - 1) * y.powi(j);
                    ey += f64::from(j) * x.powi(i) * y.powi(j - 1);
                }
            }
            assert_closed("dx", dx, ex);
            assert_closed("dy", dy, ey);
            assert_fd_all(
                "continue 'rows",
                |p| lower_triangle(p[0], p[1], n),
                &at,
                &[dx, dy],
            );
        }
    }
}

// ---------------------------------------------------------------------------
// `return` anywhere
// ---------------------------------------------------------------------------

/// For positive `x`, compounds by `1 + x` up to `n` times and returns the log as
/// soon as the product passes 100 (a `return` inside a loop inside a branch).
#[differentiate(wrt = x)]
fn compound_or_bail(x: f64, n: u32) -> f64 {
    let mut acc = 1.0;
    if x > 0.0 {
        for _ in 0..n {
            acc *= 1.0 + x;
            if acc > 100.0 {
                return acc.ln();
            }
        }
    } else {
        acc = x.exp();
    }
    acc
}

#[test]
fn early_return_inside_a_loop_inside_a_branch() {
    for (x, n) in [(1.5, 10), (0.2, 5), (-0.7, 5), (3.0, 2)] {
        let (value, d) = compound_or_bail_grad(x, n);
        assert_eq!(value, compound_or_bail(x, n));
        let expected = if x <= 0.0 {
            x.exp()
        } else {
            let g: f64 = 1.0 + x;
            match (1..=n).find(|&k| g.powi(k as i32) > 100.0) {
                Some(k) => f64::from(k) / g,
                None => f64::from(n) * g.powi(n as i32 - 1),
            }
        };
        assert_closed(&format!("at {x}"), d, expected);
        assert_fd("return in loop", d, |x| compound_or_bail(x, n), x);
    }
}

#[differentiate]
fn several_exits(x: f64, y: f64) -> f64 {
    if x < 0.0 {
        return x * y;
    }
    let s = x + y;
    if s > 3.0 {
        return s.ln();
    }
    let p = x * s;
    if p < 0.5 {
        return p.sqrt();
    }
    p + y
}

#[test]
fn several_return_points() {
    for at in [[-1.0, 2.0], [2.0, 2.0], [0.3, 0.5], [1.0, 1.5]] {
        let (x, y) = (at[0], at[1]);
        let (value, (dx, dy)) = several_exits_grad(x, y);
        assert_eq!(value, several_exits(x, y));
        let (s, p) = (x + y, x * (x + y));
        let expected = if x < 0.0 {
            (y, x)
        } else if s > 3.0 {
            (1.0 / s, 1.0 / s)
        } else if p < 0.5 {
            ((2.0 * x + y) / (2.0 * p.sqrt()), x / (2.0 * p.sqrt()))
        } else {
            (2.0 * x + y, x + 1.0)
        };
        assert_closed("dx", dx, expected.0);
        assert_closed("dy", dy, expected.1);
        assert_fd_all(
            "several exits",
            |p| several_exits(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

/// Scans a grid for the first point where the surface x·i + x²·√j rises above
/// `level` and returns its excess there: a `return` inside nested loops, with a
/// fallback after them.
#[differentiate(wrt = [x, level])]
fn first_above(x: f64, level: f64, n: usize) -> f64 {
    for i in 0..n {
        for j in 0..n {
            let height = x * i as f64 + x * x * (j as f64).sqrt();
            if height > level {
                return height - level;
            }
        }
    }
    -level
}

#[test]
fn early_return_inside_nested_loops() {
    for (x, level, n) in [
        (0.8, 3.0, 5),
        (1.3, 100.0, 4),
        (0.45, 1.0, 6),
        (-0.9, 0.5, 3),
    ] {
        let (value, (dx, dlevel)) = first_above_grad(x, level, n);
        assert_eq!(value, first_above(x, level, n));
        let hit = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i as f64, j as f64)))
            .find(|&(i, j)| x * i + x * x * j.sqrt() > level);
        let expected_dx = match hit {
            Some((i, j)) => i + 2.0 * x * j.sqrt(),
            None => 0.0,
        };
        assert_closed("dx", dx, expected_dx);
        assert_eq!(dlevel, -1.0);
        assert_fd_all(
            "return in nested loops",
            |p| first_above(p[0], p[1], n),
            &[x, level],
            &[dx, dlevel],
        );
    }
}

// ---------------------------------------------------------------------------
// Mutation in loops and branches; mixtures
// ---------------------------------------------------------------------------

/// A `mut` parameter relaxed towards `target` inside a loop.
#[differentiate(wrt = [x, target, rate])]
fn relax(mut x: f64, target: f64, rate: f64, steps: u32) -> f64 {
    for _ in 0..steps {
        x += rate * (target - x);
    }
    x
}

#[test]
fn mut_parameter_updated_in_a_loop() {
    for (x0, target, rate, steps) in [
        (2.0, 0.5, 0.1, 20),
        (-1.0, 3.0, 0.35, 7),
        (0.4, 0.4, 0.2, 0),
    ] {
        let (value, (dx0, dtarget, drate)) = relax_grad(x0, target, rate, steps);
        assert_eq!(value, relax(x0, target, rate, steps));
        // x_n = target + (x0 − target)(1 − rate)^n
        let n = steps as i32;
        let q: f64 = 1.0 - rate;
        assert_closed("dx0", dx0, q.powi(n));
        assert_closed("dtarget", dtarget, 1.0 - q.powi(n));
        assert_closed(
            "drate",
            drate,
            -f64::from(n) * (x0 - target) * q.powi(n - 1),
        );
        assert_fd_all(
            "relax",
            |p| relax(p[0], p[1], p[2], steps),
            &[x0, target, rate],
            &[dx0, dtarget, drate],
        );
    }
}

/// A branch inside the loop overwrites the loop state with a different formula
/// in each arm.
#[differentiate(wrt = [x, a])]
fn switching_map(x: f64, a: f64, n: usize) -> f64 {
    let mut s = x;
    for _ in 0..n {
        if s > 1.0 {
            s = s.sqrt() * a;
        } else {
            s = s * s + a;
        }
    }
    s
}

#[test]
fn branch_inside_a_loop_overwrites_the_state() {
    for (x, a, n) in [
        (0.3, 0.6, 8),
        (2.5, 1.1, 6),
        (0.9, 0.35, 12),
        (-0.4, 0.8, 5),
    ] {
        let (value, (dx, da)) = switching_map_grad(x, a, n);
        assert_eq!(value, switching_map(x, a, n));
        // Forward-mode tangents of the same recurrence.
        let (mut s, mut sx, mut sa) = (x, 1.0, 0.0);
        for _ in 0..n {
            if s > 1.0 {
                let r = s.sqrt();
                (sx, sa) = (a * sx / (2.0 * r), a * sa / (2.0 * r) + r);
                s = r * a;
            } else {
                (sx, sa) = (2.0 * s * sx, 2.0 * s * sa + 1.0);
                s = s * s + a;
            }
        }
        assert_eq!(value, s);
        assert_closed("dx", dx, sx);
        assert_closed("da", da, sa);
        assert_fd_all(
            "switching map",
            |p| switching_map(p[0], p[1], n),
            &[x, a],
            &[dx, da],
        );
    }
}

/// `match` arms as statements (mutating the accumulator) inside a loop.
#[differentiate(wrt = [x, y])]
fn cycle_ops(x: f64, y: f64, n: usize) -> f64 {
    let mut acc = 1.0;
    for i in 0..n {
        match i % 3 {
            0 => acc += x,
            1 => acc *= y,
            _ => {
                acc -= x * y;
            }
        }
    }
    acc
}

#[test]
fn match_statements_inside_a_loop() {
    for at in [[0.7, 1.3], [-1.2, 0.4], [2.0, -0.6]] {
        let (x, y) = (at[0], at[1]);
        for n in [3_usize, 7, 10] {
            let (value, (dx, dy)) = cycle_ops_grad(x, y, n);
            assert_eq!(value, cycle_ops(x, y, n));
            if n == 3 {
                // (1 + x)·y − x·y = y
                assert_eq!((dx, dy), (0.0, 1.0));
            }
            assert_fd_all(
                "match in loop",
                |p| cycle_ops(p[0], p[1], n),
                &at,
                &[dx, dy],
            );
        }
    }
}

/// A deep scalar network with shared weights and leaky-ReLU activations: a
/// value-producing `if` inside a loop.
#[differentiate(wrt = [w, b])]
fn deep_leaky(x: f64, w: f64, b: f64, depth: usize) -> f64 {
    let mut h = x;
    for _ in 0..depth {
        let z = w * h + b;
        h = if z > 0.0 { z } else { 0.1 * z };
    }
    h
}

#[test]
fn leaky_relu_network_loop() {
    for (x, w, b, depth) in [
        (0.5, 1.1, 0.2, 6),
        (1.0, -0.9, 0.3, 5),
        (-2.0, 0.8, -0.1, 4),
    ] {
        let (value, (dw, db)) = deep_leaky_grad(x, w, b, depth);
        assert_eq!(value, deep_leaky(x, w, b, depth));
        let (mut h, mut hw, mut hb) = (x, 0.0, 0.0);
        for _ in 0..depth {
            let z = w * h + b;
            let slope = if z > 0.0 { 1.0 } else { 0.1 };
            (hw, hb) = (slope * (h + w * hw), slope * (w * hb + 1.0));
            h = slope * z;
        }
        assert_closed("dw", dw, hw);
        assert_closed("db", db, hb);
        assert_fd_all(
            "deep leaky",
            |p| deep_leaky(x, p[0], p[1], depth),
            &[w, b],
            &[dw, db],
        );
    }
}

/// A C-style `while` with an integer index, in `f32`.
#[differentiate]
fn f32_power_sum(x: f32, n: u32) -> f32 {
    let mut sum = 0.0;
    let mut power = 1.0;
    let mut i = 0;
    while i < n {
        power *= x;
        sum += power;
        i += 1;
    }
    sum
}

#[test]
fn f32_while_loop_with_an_index() {
    for x in [0.5_f32, -1.25, 1.1] {
        for n in [0_u32, 1, 6] {
            let (value, d): (f32, f32) = f32_power_sum_grad(x, n);
            assert_eq!(value, f32_power_sum(x, n));
            let expected: f64 = (1..=n as i32)
                .map(|k| f64::from(k) * f64::from(x).powi(k - 1))
                .sum();
            common::assert_close_abs("f32 Σ k x^(k-1)", f64::from(d), expected, 1e-5, 1e-6);
            assert_fd_f32("f32 while", d, |x| f32_power_sum(x, n), x);
        }
    }
}

/// `&f64` parameters read inside a loop and a branch.
#[differentiate]
fn by_ref_loop(x: &f64, y: &f64, n: usize) -> f64 {
    let mut acc = *y;
    for i in 0..n {
        if i % 2 == 0 {
            acc *= *x;
        } else {
            acc += *y;
        }
    }
    acc
}

#[test]
fn reference_parameters_in_a_loop() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-1.1, 0.7]] {
        let (x, y) = (at[0], at[1]);
        for n in [0_usize, 1, 4, 5] {
            let (value, (dx, dy)) = by_ref_loop_grad(&x, &y, n);
            assert_eq!(value, by_ref_loop(&x, &y, n));
            let (mut a, mut ax, mut ay) = (y, 0.0, 1.0);
            for i in 0..n {
                if i % 2 == 0 {
                    (ax, ay) = (ax * x + a, ay * x);
                    a *= x;
                } else {
                    ay += 1.0;
                    a += y;
                }
            }
            assert_closed("dx", dx, ax);
            assert_closed("dy", dy, ay);
            assert_fd_all(
                "&f64 in loop",
                |p| by_ref_loop(&p[0], &p[1], n),
                &at,
                &[dx, dy],
            );
        }
    }
}

#[test]
fn pullbacks_of_control_flow() {
    for (x, w, b) in [(0.5, 1.2, 0.3), (-1.5, 0.8, 0.2)] {
        for act in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
            // Every float parameter gets an adjoint; the enum gets `()`.
            let (value, (px, pw, pb, ())) = neuron_pullback(x, w, b, act, 2.5);
            let (g_value, (dw, db)) = neuron_grad(x, w, b, act);
            assert_eq!(value, g_value);
            assert_closed("pullback w", pw, 2.5 * dw);
            assert_closed("pullback b", pb, 2.5 * db);
            assert_fd("pullback x / 2.5", px / 2.5, |x| neuron(x, w, b, act), x);
        }
    }
    for (x, growth) in [(1.0, 1.3), (0.2, 2.5)] {
        let (value, (px, pg, pl)) = grow_until_pullback(x, growth, 10.0, -1.0);
        let (g_value, (dx, dg)) = grow_until_grad(x, growth, 10.0);
        assert_eq!(value, g_value);
        assert_eq!((px, pg), (-dx, -dg));
        // The limit only decides the trip count: no derivative reaches it.
        assert_eq!(pl, 0.0);
    }
}
