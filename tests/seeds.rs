//! Every worked example of the project's teaching notes (/work/shared/seeds/),
//! with the notes' numbers and closed forms. Each gradient is checked twice:
//! against the closed form derived in the notes, and against a central finite
//! difference of the original function (which the macro emits unchanged).

mod common;

use common::{assert_closed, assert_fd};
use gradmacro::differentiate;

// ---------------------------------------------------------------------------
// Note 000, part 2: simple gradients (treat the other variables as constants).
// ---------------------------------------------------------------------------

/// Example A: y = xw + b.
#[differentiate(wrt = [w, b])]
fn linear(x: f64, w: f64, b: f64) -> f64 {
    x * w + b
}

#[test]
fn example_a_linear_gradient_is_x_and_1() {
    for &(x, w, b) in &[(2.0, 3.0, 4.0), (-1.5, 0.25, -7.0), (0.0, 1.0, 1.0)] {
        let (y, (dw, db)) = linear_grad(x, w, b);
        assert_closed("y", y, x * w + b);
        // ∇y = (x, 1)
        assert_closed("dy/dw", dw, x);
        assert_closed("dy/db", db, 1.0);
        assert_fd("dy/dw", dw, |w| linear(x, w, b), w);
        assert_fd("dy/db", db, |b| linear(x, w, b), b);
    }
}

/// Example B: y = xw² + b².
#[differentiate(wrt = [w, b])]
fn squares(x: f64, w: f64, b: f64) -> f64 {
    x * w.powi(2) + b * b
}

#[test]
fn example_b_gradient_is_2xw_and_2b() {
    for &(x, w, b) in &[(2.0, 3.0, 4.0), (-1.5, 0.25, -7.0), (0.7, -2.0, 0.1)] {
        let (y, (dw, db)) = squares_grad(x, w, b);
        assert_closed("y", y, x * w * w + b * b);
        assert_closed("dy/dw", dw, 2.0 * x * w);
        assert_closed("dy/db", db, 2.0 * b);
        assert_fd("dy/dw", dw, |w| squares(x, w, b), w);
        assert_fd("dy/db", db, |b| squares(x, w, b), b);
    }
}

/// Example C: y = xe^w + e^b.
#[differentiate(wrt = [w, b])]
fn exponentials(x: f64, w: f64, b: f64) -> f64 {
    x * w.exp() + b.exp()
}

#[test]
fn example_c_gradient_is_x_exp_w_and_exp_b() {
    for &(x, w, b) in &[(2.0, 0.5, -1.0), (-1.5, 1.25, 2.0), (0.3, -2.0, 0.0)] {
        let (y, (dw, db)) = exponentials_grad(x, w, b);
        assert_closed("y", y, x * w.exp() + b.exp());
        assert_closed("dy/dw", dw, x * w.exp());
        assert_closed("dy/db", db, b.exp());
        assert_fd("dy/dw", dw, |w| exponentials(x, w, b), w);
        assert_fd("dy/db", db, |b| exponentials(x, w, b), b);
    }
}

// ---------------------------------------------------------------------------
// Note 000, part 3: the chain rule.
// ---------------------------------------------------------------------------

/// Example D: the squared error f = (y − (xw + b))².
#[differentiate(wrt = [w, b])]
fn squared_error(x: f64, y: f64, w: f64, b: f64) -> f64 {
    (y - (x * w + b)).powi(2)
}

#[test]
fn example_d_squared_error_gradient_has_the_minus_sign() {
    for &(x, y, w, b) in &[
        (2.0, 1.0, 3.0, 4.0),
        (2.0, 30.0, 3.0, 4.0),
        (-0.5, 0.2, 1.5, -0.25),
    ] {
        let (f, (dw, db)) = squared_error_grad(x, y, w, b);
        let g = x * w + b;
        assert_closed("f", f, (y - g) * (y - g));
        // ∂f/∂w = −2(y − (xw+b))·x,  ∂f/∂b = −2(y − (xw+b))
        assert_closed("df/dw", dw, -2.0 * (y - g) * x);
        assert_closed("df/db", db, -2.0 * (y - g));
        assert_fd("df/dw", dw, |w| squared_error(x, y, w, b), w);
        assert_fd("df/db", db, |b| squared_error(x, y, w, b), b);
    }
}

#[test]
fn example_d_sign_points_away_from_the_target() {
    // The notes correct a slip in the original picture, which dropped the −1 from
    // d(y − g)/dg. The sign decides the direction of descent, so check it where it
    // matters: x = 2 > 0, prediction xw + b = 10.
    // Overshooting (y = 1 < 10): the gradient must be positive, so that descent
    // lowers w and b.
    let (_, (dw, db)) = squared_error_grad(2.0, 1.0, 3.0, 4.0);
    assert!(dw > 0.0 && db > 0.0, "overshoot: dw = {dw}, db = {db}");
    assert_eq!((dw, db), (36.0, 18.0));
    // The formula without the −1 factor, 2(y − g)·x = −36, has the wrong sign.
    assert_ne!(dw, 2.0 * (1.0 - 10.0) * 2.0);
    // Undershooting (y = 30 > 10): negative gradient, descent raises w and b.
    let (_, (dw, db)) = squared_error_grad(2.0, 30.0, 3.0, 4.0);
    assert!(dw < 0.0 && db < 0.0, "undershoot: dw = {dw}, db = {db}");
    assert_eq!((dw, db), (-80.0, -40.0));
}

/// Example E: f = y · ln(xw + b).
#[differentiate(wrt = [w, b])]
fn log_loss(x: f64, y: f64, w: f64, b: f64) -> f64 {
    y * (x * w + b).ln()
}

#[test]
fn example_e_log_loss_gradient() {
    for &(x, y, w, b) in &[
        (2.0, 1.0, 3.0, 4.0),
        (0.5, -2.0, 1.5, 0.25),
        (3.0, 0.7, 0.1, 2.0),
    ] {
        let (f, (dw, db)) = log_loss_grad(x, y, w, b);
        let g = x * w + b;
        assert_closed("f", f, y * g.ln());
        // ∂f/∂w = yx/(xw+b),  ∂f/∂b = y/(xw+b)
        assert_closed("df/dw", dw, y * x / g);
        assert_closed("df/db", db, y / g);
        assert_fd("df/dw", dw, |w| log_loss(x, y, w, b), w);
        assert_fd("df/db", db, |b| log_loss(x, y, w, b), b);
    }
}

// ---------------------------------------------------------------------------
// Note 001: the two-input neuron Z = w1·x1 + w2·x2, L = Z.
// ---------------------------------------------------------------------------

/// ∂L/∂W: differentiate with respect to the weights.
#[differentiate(wrt = [w1, w2])]
#[allow(clippy::let_and_return)] // Z named as in the note
fn neuron_by_weights(x1: f64, x2: f64, w1: f64, w2: f64) -> f64 {
    let z = w1 * x1 + w2 * x2;
    z
}

/// ∂L/∂X: the same neuron, differentiated with respect to its inputs.
#[differentiate(wrt = [x1, x2])]
#[allow(clippy::let_and_return)] // Z named as in the note
fn neuron_by_inputs(x1: f64, x2: f64, w1: f64, w2: f64) -> f64 {
    let z = w1 * x1 + w2 * x2;
    z
}

#[test]
fn neuron_weight_gradient_is_the_input() {
    // X = [2, 3], W = [0.5, 1.0]: Z = 0.5·2 + 1.0·3 = 4.
    let (x1, x2, w1, w2) = (2.0, 3.0, 0.5, 1.0);
    let (l, (dw1, dw2)) = neuron_by_weights_grad(x1, x2, w1, w2);
    assert_eq!(l, 4.0);
    // ∂L/∂W = X
    assert_eq!((dw1, dw2), (2.0, 3.0));
    assert_fd("dL/dw1", dw1, |w1| neuron_by_weights(x1, x2, w1, w2), w1);
    assert_fd("dL/dw2", dw2, |w2| neuron_by_weights(x1, x2, w1, w2), w2);
}

#[test]
fn neuron_input_gradient_is_the_weight() {
    let (x1, x2, w1, w2) = (2.0, 3.0, 0.5, 1.0);
    let (l, (dx1, dx2)) = neuron_by_inputs_grad(x1, x2, w1, w2);
    assert_eq!(l, 4.0);
    // ∂L/∂X = W
    assert_eq!((dx1, dx2), (0.5, 1.0));
    assert_fd("dL/dx1", dx1, |x1| neuron_by_inputs(x1, x2, w1, w2), x1);
    assert_fd("dL/dx2", dx2, |x2| neuron_by_inputs(x1, x2, w1, w2), x2);
}

#[test]
fn neuron_pullback_gives_both_at_once() {
    // The pullback returns the adjoint of every parameter: (X side, W side).
    let (l, (dx1, dx2, dw1, dw2)) = neuron_by_weights_pullback(2.0, 3.0, 0.5, 1.0, 1.0);
    assert_eq!(l, 4.0);
    assert_eq!((dx1, dx2, dw1, dw2), (0.5, 1.0, 2.0, 3.0));
}

// ---------------------------------------------------------------------------
// Note 004: the graph u = wx, v = u + b, L = v², backpropagated by hand.
// ---------------------------------------------------------------------------

#[differentiate(wrt = [w, b])]
fn graph(x: f64, w: f64, b: f64) -> f64 {
    let u = w * x;
    let v = u + b;
    v.powi(2)
}

#[test]
fn graph_matches_the_hand_backpropagation() {
    // x = 2, w = 3, b = 4: u = 6, v = 10, L = 100; ∂L/∂v = 20, ∂L/∂b = 20, ∂L/∂w = 40.
    let (l, (dw, db)) = graph_grad(2.0, 3.0, 4.0);
    assert_eq!(l, 100.0);
    assert_eq!(dw, 40.0);
    assert_eq!(db, 20.0);
    assert_fd("dL/dw", dw, |w| graph(2.0, w, 4.0), 3.0);
    assert_fd("dL/db", db, |b| graph(2.0, 3.0, b), 4.0);
}

// ---------------------------------------------------------------------------
// Note 003: the chain rule, single- and multi-variable.
// ---------------------------------------------------------------------------

/// z = (xy)² + (x + y²)³, i.e. z = u² + v³ with u = xy, v = x + y².
#[differentiate]
fn two_paths(x: f64, y: f64) -> f64 {
    let u = x * y;
    let v = x + y * y;
    u.powi(2) + v.powi(3)
}

#[test]
fn multivariable_chain_rule_sums_both_paths() {
    for &(x, y) in &[(1.0, 2.0), (-0.5, 1.5), (2.0, -0.75)] {
        let (z, (dx, dy)) = two_paths_grad(x, y);
        let v = x + y * y;
        assert_closed("z", z, (x * y).powi(2) + v.powi(3));
        // ∂z/∂x = 2xy² + 3(x + y²)²,  ∂z/∂y = 2x²y + 6y(x + y²)²
        assert_closed("dz/dx", dx, 2.0 * x * y * y + 3.0 * v * v);
        assert_closed("dz/dy", dy, 2.0 * x * x * y + 6.0 * y * v * v);
        assert_fd("dz/dx", dx, |x| two_paths(x, y), x);
        assert_fd("dz/dy", dy, |y| two_paths(x, y), y);
    }
}

/// y = (3x² + 1)⁵, i.e. y = u⁵ with u = 3x² + 1.
#[differentiate]
fn nested_power(x: f64) -> f64 {
    (3.0 * x.powi(2) + 1.0).powi(5)
}

#[test]
fn single_variable_chain_rule() {
    for &x in &[0.5, -1.0, 2.0, 0.0] {
        let (y, dy) = nested_power_grad(x);
        let u = 3.0 * x * x + 1.0;
        assert_closed("y", y, u.powi(5));
        // dy/dx = 5u⁴ · 6x = 30x(3x² + 1)⁴
        assert_closed("dy/dx", dy, 30.0 * x * u.powi(4));
        assert_fd("dy/dx", dy, nested_power, x);
    }
}

/// The note's computational graph: L = ½(ŷ − y)², ŷ = σ(u3), u3 = u1 + u2,
/// u1 = w1·x1, u2 = w2·x2, σ(u) = 1 / (1 + e^−u).
#[differentiate(wrt = [w1, w2])]
fn sigmoid_mse(x1: f64, x2: f64, y: f64, w1: f64, w2: f64) -> f64 {
    let u1 = w1 * x1;
    let u2 = w2 * x2;
    let u3 = u1 + u2;
    let y_hat = 1.0 / (1.0 + (-u3).exp());
    0.5 * (y_hat - y).powi(2)
}

#[test]
fn sigmoid_mse_graph_gradient() {
    for &(x1, x2, y, w1, w2) in &[
        (1.0, -2.0, 1.0, 0.5, 0.3),
        (0.5, 1.5, 0.0, -1.0, 2.0),
        (2.0, 3.0, 0.25, 0.5, 1.0),
    ] {
        let (l, (dw1, dw2)) = sigmoid_mse_grad(x1, x2, y, w1, w2);
        let y_hat = 1.0 / (1.0 + (-(w1 * x1 + w2 * x2)).exp());
        assert_closed("L", l, 0.5 * (y_hat - y) * (y_hat - y));
        // ∂L/∂w_i = (ŷ − y) · ŷ(1 − ŷ) · 1 · x_i
        assert_closed("dL/dw1", dw1, (y_hat - y) * y_hat * (1.0 - y_hat) * x1);
        assert_closed("dL/dw2", dw2, (y_hat - y) * y_hat * (1.0 - y_hat) * x2);
        assert_fd("dL/dw1", dw1, |w1| sigmoid_mse(x1, x2, y, w1, w2), w1);
        assert_fd("dL/dw2", dw2, |w2| sigmoid_mse(x1, x2, y, w1, w2), w2);
    }
}

// ---------------------------------------------------------------------------
// Note 003: the table of common derivatives, one tiny function per row.
// ---------------------------------------------------------------------------

/// Checks one table row at several points: the value equals the original
/// function's, the gradient matches the note's closed form and a central
/// difference of the original.
#[track_caller]
fn row(
    name: &str,
    f: impl Fn(f64) -> f64,
    grad: impl Fn(f64) -> (f64, f64),
    closed: impl Fn(f64) -> f64,
    points: &[f64],
) {
    for &x in points {
        let (value, d) = grad(x);
        assert_eq!(value.to_bits(), f(x).to_bits(), "{name}: value at {x}");
        assert_closed(&format!("{name}: closed form at {x}"), d, closed(x));
        assert_fd(&format!("{name}: central difference at {x}"), d, &f, x);
    }
}

const POSITIVE: &[f64] = &[0.3, 1.7, 2.5];

#[differentiate]
fn constant(_x: f64) -> f64 {
    3.5
}

#[differentiate(wrt = x)]
fn times_c(c: f64, x: f64) -> f64 {
    c * x
}

#[differentiate(wrt = x)]
fn x_to_c(x: f64, c: f64) -> f64 {
    x.powf(c)
}

#[differentiate(wrt = x)]
fn c_to_x(c: f64, x: f64) -> f64 {
    c.powf(x)
}

#[differentiate]
fn two_to_x(x: f64) -> f64 {
    2.0_f64.powf(x)
}

#[differentiate]
fn x_to_x(x: f64) -> f64 {
    x.powf(x)
}

#[differentiate]
fn e_to_x(x: f64) -> f64 {
    x.exp()
}

#[test]
fn table_constants_powers_and_exponentials() {
    // d/dx c = 0
    row("c", constant, constant_grad, |_| 0.0, &[-1.0, 0.0, 2.0]);
    // d/dx cx = c
    for c in [3.0, -0.5] {
        row(
            "cx",
            |x| times_c(c, x),
            |x| times_c_grad(c, x),
            |_| c,
            &[-1.0, 2.0],
        );
    }
    // d/dx x^c = c·x^(c−1)
    for c in [2.5, -1.5, 0.5] {
        row(
            "x^c",
            |x| x_to_c(x, c),
            |x| x_to_c_grad(x, c),
            |x| c * x.powf(c - 1.0),
            POSITIVE,
        );
    }
    // d/dx c^x = c^x · ln c  (c > 0)
    for c in [2.0, 0.5, 10.0] {
        row(
            "c^x",
            |x| c_to_x(c, x),
            |x| c_to_x_grad(c, x),
            |x| c.powf(x) * c.ln(),
            &[-1.5, 0.0, 0.7, 3.0],
        );
    }
    row(
        "2^x",
        two_to_x,
        two_to_x_grad,
        |x| 2.0_f64.powf(x) * 2.0_f64.ln(),
        &[-1.5, 0.7, 3.0],
    );
    // d/dx x^x = x^x (1 + ln x)
    row(
        "x^x",
        x_to_x,
        x_to_x_grad,
        |x| x.powf(x) * (1.0 + x.ln()),
        &[0.2, 1.0, 1.7, 3.0],
    );
    // d/dx e^x = e^x
    row("e^x", e_to_x, e_to_x_grad, f64::exp, &[-2.0, 0.0, 1.5]);
}

#[differentiate]
fn one_over_x(x: f64) -> f64 {
    1.0 / x
}

#[differentiate]
fn recip_x(x: f64) -> f64 {
    x.recip()
}

#[differentiate]
fn one_over_x_squared(x: f64) -> f64 {
    1.0 / x.powi(2)
}

#[differentiate]
fn one_over_x_to_n(x: f64, n: i32) -> f64 {
    1.0 / x.powi(n)
}

#[test]
fn table_reciprocal_powers() {
    let points = &[-1.5, 0.3, 2.5];
    // d/dx 1/x = −1/x²
    row(
        "1/x",
        one_over_x,
        one_over_x_grad,
        |x| -1.0 / (x * x),
        points,
    );
    row(
        "x.recip()",
        recip_x,
        recip_x_grad,
        |x| -1.0 / (x * x),
        points,
    );
    // d/dx 1/x² = −2/x³
    row(
        "1/x^2",
        one_over_x_squared,
        one_over_x_squared_grad,
        |x| -2.0 / x.powi(3),
        points,
    );
    // d/dx 1/xⁿ = −n/xⁿ⁺¹
    for n in [1, 3, 4, -2] {
        row(
            "1/x^n",
            |x| one_over_x_to_n(x, n),
            |x| one_over_x_to_n_grad(x, n),
            |x| -f64::from(n) / x.powi(n + 1),
            points,
        );
    }
}

#[differentiate]
fn sqrt_x(x: f64) -> f64 {
    x.sqrt()
}

#[differentiate]
fn cbrt_x(x: f64) -> f64 {
    x.cbrt()
}

#[differentiate]
fn nth_root(x: f64, n: i32) -> f64 {
    x.powf((n as f64).recip())
}

#[differentiate]
fn one_over_sqrt(x: f64) -> f64 {
    1.0 / x.sqrt()
}

#[differentiate]
fn one_over_cbrt(x: f64) -> f64 {
    x.cbrt().recip()
}

#[differentiate]
fn one_over_nth_root(x: f64, n: i32) -> f64 {
    1.0 / x.powf(1.0 / n as f64)
}

#[test]
fn table_roots() {
    // d/dx √x = 1/(2√x)
    row(
        "sqrt",
        sqrt_x,
        sqrt_x_grad,
        |x| 1.0 / (2.0 * x.sqrt()),
        POSITIVE,
    );
    // d/dx ∛x = 1/(3·∛(x²))
    row(
        "cbrt",
        cbrt_x,
        cbrt_x_grad,
        |x| 1.0 / (3.0 * (x * x).cbrt()),
        &[-2.0, 0.3, 2.5],
    );
    // d/dx ⁿ√x = 1/(n·ⁿ√(xⁿ⁻¹))
    for n in [2, 3, 5] {
        let nf = f64::from(n);
        row(
            "nth root",
            |x| nth_root(x, n),
            |x| nth_root_grad(x, n),
            |x| 1.0 / (nf * x.powf((nf - 1.0) / nf)),
            POSITIVE,
        );
    }
    // d/dx 1/√x = −1/(2√(x³))
    row(
        "1/sqrt",
        one_over_sqrt,
        one_over_sqrt_grad,
        |x| -1.0 / (2.0 * x.powi(3).sqrt()),
        POSITIVE,
    );
    // d/dx 1/∛x = −1/(3·∛(x⁴))
    row(
        "1/cbrt",
        one_over_cbrt,
        one_over_cbrt_grad,
        |x| -1.0 / (3.0 * x.powi(4).cbrt()),
        &[-2.0, 0.3, 2.5],
    );
    // d/dx 1/ⁿ√x = −1/(n·ⁿ√(xⁿ⁺¹))
    for n in [2, 3, 5] {
        let nf = f64::from(n);
        row(
            "1/nth root",
            |x| one_over_nth_root(x, n),
            |x| one_over_nth_root_grad(x, n),
            |x| -1.0 / (nf * x.powf((nf + 1.0) / nf)),
            POSITIVE,
        );
    }
}

#[differentiate]
fn ln_x(x: f64) -> f64 {
    x.ln()
}

#[differentiate]
fn x_ln_x(x: f64) -> f64 {
    x * x.ln()
}

#[differentiate(wrt = x)]
fn log_c(x: f64, c: f64) -> f64 {
    x.log(c)
}

#[differentiate]
fn one_over_ln(x: f64) -> f64 {
    1.0 / x.ln()
}

#[differentiate]
fn one_over_x_ln_x(x: f64) -> f64 {
    1.0 / (x * x.ln())
}

#[differentiate(wrt = x)]
fn one_over_log_c(x: f64, c: f64) -> f64 {
    x.log(c).recip()
}

#[test]
fn table_logarithms() {
    // d/dx ln x = 1/x
    row("ln", ln_x, ln_x_grad, |x| 1.0 / x, POSITIVE);
    // d/dx x ln x = ln x + 1
    row("x ln x", x_ln_x, x_ln_x_grad, |x| x.ln() + 1.0, POSITIVE);
    // d/dx log_c x = 1/(x ln c)
    for c in [2.0, 10.0, 0.5] {
        row(
            "log_c",
            |x| log_c(x, c),
            |x| log_c_grad(x, c),
            |x| 1.0 / (x * c.ln()),
            POSITIVE,
        );
    }
    // ln x ≠ 0 below: keep away from x = 1.
    let away_from_one = &[0.3, 2.5, 4.0];
    // d/dx 1/ln x = −1/(x (ln x)²)
    row(
        "1/ln",
        one_over_ln,
        one_over_ln_grad,
        |x| -1.0 / (x * x.ln().powi(2)),
        away_from_one,
    );
    // d/dx 1/(x ln x) = −(ln x + 1)/(x ln x)²
    row(
        "1/(x ln x)",
        one_over_x_ln_x,
        one_over_x_ln_x_grad,
        |x| -(x.ln() + 1.0) / (x * x.ln()).powi(2),
        away_from_one,
    );
    // d/dx 1/log_c x = −1/(x · ln c · (log_c x)²)
    for c in [2.0, 10.0] {
        row(
            "1/log_c",
            |x| one_over_log_c(x, c),
            |x| one_over_log_c_grad(x, c),
            |x| -1.0 / (x * c.ln() * x.log(c).powi(2)),
            away_from_one,
        );
    }
}

#[differentiate]
fn one_over_x_plus_1(x: f64) -> f64 {
    1.0 / (x + 1.0)
}

#[differentiate]
fn one_over_x_plus_1_squared(x: f64) -> f64 {
    1.0 / (x + 1.0).powi(2)
}

#[differentiate]
fn one_over_x_plus_1_to_n(x: f64, n: i32) -> f64 {
    (x + 1.0).powi(n).recip()
}

#[differentiate]
fn one_over_sqrt_x_plus_1(x: f64) -> f64 {
    1.0 / (x + 1.0).sqrt()
}

#[differentiate]
fn one_over_cbrt_x_plus_1(x: f64) -> f64 {
    1.0 / (x + 1.0).cbrt()
}

#[differentiate]
fn one_over_nth_root_x_plus_1(x: f64, n: i32) -> f64 {
    1.0 / (x + 1.0).powf(1.0 / f64::from(n))
}

#[test]
fn table_shifted_reciprocals() {
    let points = &[-0.5, 0.3, 2.5];
    // d/dx 1/(x+1) = −1/(x+1)²
    row(
        "1/(x+1)",
        one_over_x_plus_1,
        one_over_x_plus_1_grad,
        |x| -1.0 / (x + 1.0).powi(2),
        points,
    );
    // d/dx 1/(x+1)² = −2/(x+1)³
    row(
        "1/(x+1)^2",
        one_over_x_plus_1_squared,
        one_over_x_plus_1_squared_grad,
        |x| -2.0 / (x + 1.0).powi(3),
        points,
    );
    // d/dx 1/(x+1)ⁿ = −n/(x+1)ⁿ⁺¹
    for n in [1, 3, 6] {
        row(
            "1/(x+1)^n",
            |x| one_over_x_plus_1_to_n(x, n),
            |x| one_over_x_plus_1_to_n_grad(x, n),
            |x| -f64::from(n) / (x + 1.0).powi(n + 1),
            points,
        );
    }
    // d/dx 1/√(x+1) = −1/(2√((x+1)³))
    row(
        "1/sqrt(x+1)",
        one_over_sqrt_x_plus_1,
        one_over_sqrt_x_plus_1_grad,
        |x| -1.0 / (2.0 * (x + 1.0).powi(3).sqrt()),
        points,
    );
    // d/dx 1/∛(x+1) = −1/(3∛((x+1)⁴))
    row(
        "1/cbrt(x+1)",
        one_over_cbrt_x_plus_1,
        one_over_cbrt_x_plus_1_grad,
        |x| -1.0 / (3.0 * (x + 1.0).powi(4).cbrt()),
        points,
    );
    // d/dx 1/ⁿ√(x+1) = −1/(n·ⁿ√((x+1)ⁿ⁺¹))
    for n in [2, 3, 4] {
        let nf = f64::from(n);
        row(
            "1/nth root(x+1)",
            |x| one_over_nth_root_x_plus_1(x, n),
            |x| one_over_nth_root_x_plus_1_grad(x, n),
            |x| -1.0 / (nf * (x + 1.0).powf((nf + 1.0) / nf)),
            points,
        );
    }
}

#[differentiate]
fn sin_x(x: f64) -> f64 {
    x.sin()
}

#[differentiate]
fn cos_x(x: f64) -> f64 {
    x.cos()
}

#[differentiate]
fn tan_x(x: f64) -> f64 {
    x.tan()
}

#[differentiate]
fn cot_x(x: f64) -> f64 {
    x.tan().recip()
}

#[differentiate]
fn csc_x(x: f64) -> f64 {
    x.sin().recip()
}

#[differentiate]
fn sec_x(x: f64) -> f64 {
    x.cos().recip()
}

#[test]
fn table_trigonometric() {
    // Away from the poles of tan, cot, csc and sec.
    let points = &[-1.0, 0.4, 1.2, 2.0];
    // d/dx sin x = cos x
    row("sin", sin_x, sin_x_grad, f64::cos, points);
    // d/dx cos x = −sin x
    row("cos", cos_x, cos_x_grad, |x| -x.sin(), points);
    // d/dx tan x = sec² x = 1/cos² x
    row("tan", tan_x, tan_x_grad, |x| 1.0 / x.cos().powi(2), points);
    // d/dx cot x = −csc² x = −1/sin² x
    row("cot", cot_x, cot_x_grad, |x| -1.0 / x.sin().powi(2), points);
    // d/dx csc x = −csc x cot x
    row(
        "csc",
        csc_x,
        csc_x_grad,
        |x| -(1.0 / x.sin()) * (1.0 / x.tan()),
        points,
    );
    // d/dx sec x = sec x tan x
    row(
        "sec",
        sec_x,
        sec_x_grad,
        |x| (1.0 / x.cos()) * x.tan(),
        points,
    );
}

#[differentiate]
fn sinh_x(x: f64) -> f64 {
    x.sinh()
}

#[differentiate]
fn cosh_x(x: f64) -> f64 {
    x.cosh()
}

#[differentiate]
fn tanh_x(x: f64) -> f64 {
    x.tanh()
}

#[differentiate]
fn coth_x(x: f64) -> f64 {
    x.tanh().recip()
}

#[differentiate]
fn csch_x(x: f64) -> f64 {
    1.0 / x.sinh()
}

#[differentiate]
fn sech_x(x: f64) -> f64 {
    x.cosh().recip()
}

#[test]
fn table_hyperbolic() {
    let points = &[-1.5, 0.4, 2.0];
    // d/dx sinh x = cosh x
    row("sinh", sinh_x, sinh_x_grad, f64::cosh, points);
    // d/dx cosh x = sinh x
    row("cosh", cosh_x, cosh_x_grad, f64::sinh, points);
    // d/dx tanh x = 1 − tanh² x = sech² x
    row(
        "tanh",
        tanh_x,
        tanh_x_grad,
        |x| 1.0 / x.cosh().powi(2),
        points,
    );
    // d/dx coth x = −csch² x
    row(
        "coth",
        coth_x,
        coth_x_grad,
        |x| -1.0 / x.sinh().powi(2),
        points,
    );
    // d/dx csch x = −csch x coth x
    row(
        "csch",
        csch_x,
        csch_x_grad,
        |x| -(1.0 / x.sinh()) / x.tanh(),
        points,
    );
    // d/dx sech x = −sech x tanh x
    row(
        "sech",
        sech_x,
        sech_x_grad,
        |x| -x.tanh() / x.cosh(),
        points,
    );
}

// ---------------------------------------------------------------------------
// Note 003 / 004: gradient descent, w ← w − η ∂L/∂w, fitting a line.
// ---------------------------------------------------------------------------

/// Squared error of one point under the line y = wx + b.
#[differentiate(wrt = [w, b])]
fn point_loss(x: f64, y: f64, w: f64, b: f64) -> f64 {
    let residual = w * x + b - y;
    residual * residual
}

/// The mean squared error of three fixed points, straight-line, as scalar parameters.
#[differentiate(wrt = [w, b])]
#[allow(clippy::too_many_arguments)]
fn mse3(x1: f64, y1: f64, x2: f64, y2: f64, x3: f64, y3: f64, w: f64, b: f64) -> f64 {
    let e1 = w * x1 + b - y1;
    let e2 = w * x2 + b - y2;
    let e3 = w * x3 + b - y3;
    (e1 * e1 + e2 * e2 + e3 * e3) / 3.0
}

/// Points of y = 2x + 1 at x = −1, −0.5, ..., 2.5 (deterministic).
fn line_points() -> Vec<(f64, f64)> {
    (0..8)
        .map(|i| {
            let x = -1.0 + 0.5 * f64::from(i);
            (x, 2.0 * x + 1.0)
        })
        .collect()
}

/// Mean loss and mean gradient over the data set, summed from per-point `_grad`s.
fn batch(points: &[(f64, f64)], w: f64, b: f64) -> (f64, f64, f64) {
    let n = points.len() as f64;
    let (mut loss, mut dw, mut db) = (0.0, 0.0, 0.0);
    for &(x, y) in points {
        let (l, (gw, gb)) = point_loss_grad(x, y, w, b);
        loss += l;
        dw += gw;
        db += gb;
    }
    (loss / n, dw / n, db / n)
}

#[test]
fn gradient_descent_fits_y_equals_2x_plus_1() {
    let points = line_points();
    let (mut w, mut b) = (0.0, 0.0);

    // The first step's gradient against the closed form of the MSE gradient:
    // ∂L/∂w = (2/n) Σ (wx + b − y)x,  ∂L/∂b = (2/n) Σ (wx + b − y).
    let (_, dw, db) = batch(&points, w, b);
    let n = points.len() as f64;
    let dw_closed: f64 = points
        .iter()
        .map(|&(x, y)| 2.0 * (w * x + b - y) * x)
        .sum::<f64>()
        / n;
    let db_closed: f64 = points
        .iter()
        .map(|&(x, y)| 2.0 * (w * x + b - y))
        .sum::<f64>()
        / n;
    assert_closed("first dL/dw", dw, dw_closed);
    assert_closed("first dL/db", db, db_closed);

    let eta = 0.1;
    let mut previous = f64::INFINITY;
    for _ in 0..2000 {
        let (loss, dw, db) = batch(&points, w, b);
        // Descent on a convex quadratic with a small step never increases the loss.
        assert!(loss <= previous, "loss went up: {previous} -> {loss}");
        previous = loss;
        w -= eta * dw;
        b -= eta * db;
    }
    assert!((w - 2.0).abs() < 1e-3, "w = {w}");
    assert!((b - 1.0).abs() < 1e-3, "b = {b}");
    assert!(previous < 1e-6, "final loss {previous}");
}

#[test]
fn gradient_descent_on_a_fixed_three_point_mse() {
    // (0, 1), (1, 3), (2, 5) lie on y = 2x + 1.
    let [(x1, y1), (x2, y2), (x3, y3)] = [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)];
    let loss = |w: f64, b: f64| mse3(x1, y1, x2, y2, x3, y3, w, b);
    let (mut w, mut b) = (0.0, 0.0);
    for step in 0..3000 {
        let (_, (dw, db)) = mse3_grad(x1, y1, x2, y2, x3, y3, w, b);
        if step % 500 == 0 {
            assert_fd("dL/dw", dw, |w| loss(w, b), w);
            assert_fd("dL/db", db, |b| loss(w, b), b);
        }
        w -= 0.1 * dw;
        b -= 0.1 * db;
    }
    assert!((w - 2.0).abs() < 1e-3, "w = {w}");
    assert!((b - 1.0).abs() < 1e-3, "b = {b}");
}
