//! Note 003: derivatives and the chain rule, from the limit to the computational graph.

use crate::derivative_table::*;
use crate::table::*;
use gradmacro::differentiate;
use std::f64::consts::E;

// Note 003: derivatives and the chain rule (导数与链式法则, slides)
// ===========================================================================

/// f(x) = x², the function of the slides' ε-δ example.
#[differentiate]
pub(crate) fn square(x: f64) -> f64 {
    x * x
}

/// Power rule: x^n → n·x^(n−1).
#[differentiate(wrt = x)]
pub(crate) fn power(x: f64, n: i32) -> f64 {
    x.powi(n)
}

/// e^x → e^x.
#[differentiate]
pub(crate) fn exponential(x: f64) -> f64 {
    x.exp()
}

/// ln x → 1/x.
#[differentiate]
pub(crate) fn logarithm(x: f64) -> f64 {
    x.ln()
}

/// The two functions the rules for +, −, ×, ÷ are shown with: u(x) = x² and
/// v(x) = sin x. Each is differentiated on its own; the combinations below
/// call them, and the macro composes the calls through `u_pullback` and
/// `v_pullback`.
#[differentiate]
pub(crate) fn u(x: f64) -> f64 {
    x * x
}
#[differentiate]
pub(crate) fn v(x: f64) -> f64 {
    x.sin()
}
#[differentiate]
pub(crate) fn sum_rule(x: f64) -> f64 {
    u(x) + v(x)
}
#[differentiate]
pub(crate) fn difference_rule(x: f64) -> f64 {
    u(x) - v(x)
}
#[differentiate]
pub(crate) fn product_rule(x: f64) -> f64 {
    u(x) * v(x)
}
#[differentiate]
pub(crate) fn quotient_rule(x: f64) -> f64 {
    u(x) / v(x)
}

/// The chain rule with one nesting: y = (3x² + 1)⁵ is y = outer(inner(x)),
/// with the inner function u = 3x² + 1 and the outer function y = u⁵.
#[differentiate]
pub(crate) fn inner(x: f64) -> f64 {
    3.0 * x.powi(2) + 1.0
}
#[differentiate]
pub(crate) fn outer(u: f64) -> f64 {
    u.powi(5)
}
#[differentiate]
pub(crate) fn nested(x: f64) -> f64 {
    outer(inner(x))
}

/// The chain rule with two paths: z = (xy)² + (x + y²)³ = u² + v³ with
/// u = xy and v = x + y². x reaches z through u and through v, and so does y.
#[differentiate]
pub(crate) fn two_paths(x: f64, y: f64) -> f64 {
    let u = x * y;
    let v = x + y * y;
    u.powi(2) + v.powi(3)
}

/// The same z as a function of the intermediates u and v alone: its gradient
/// is (∂z/∂u, ∂z/∂v), the first factor of each path.
#[differentiate]
pub(crate) fn z_of_u_v(u: f64, v: f64) -> f64 {
    u.powi(2) + v.powi(3)
}

/// σ(u) = 1 / (1 + e^−u).
#[differentiate]
pub(crate) fn sigmoid(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// The graph's last node alone, L = ½(ŷ − y)²: its derivative is ∂L/∂ŷ.
#[differentiate(wrt = y_hat)]
pub(crate) fn half_squared_error(y_hat: f64, y: f64) -> f64 {
    0.5 * (y_hat - y).powi(2)
}

/// The slides' computational graph:
/// u₁ = w₁x₁, u₂ = w₂x₂, u₃ = u₁ + u₂, ŷ = σ(u₃), L = ½(ŷ − y)².
#[differentiate(wrt = [w1, w2])]
pub(crate) fn graph_sigmoid(x1: f64, x2: f64, y: f64, w1: f64, w2: f64) -> f64 {
    let u1 = w1 * x1; // ∂u₁/∂w₁ = x₁
    let u2 = w2 * x2; // ∂u₂/∂w₂ = x₂
    let u3 = u1 + u2; // ∂u₃/∂u₁ = ∂u₃/∂u₂ = 1
    let y_hat = sigmoid(u3); // ∂ŷ/∂u₃ = σ(u₃)(1 − σ(u₃)), from sigmoid_pullback
    0.5 * (y_hat - y).powi(2) // ∂L/∂ŷ = ŷ − y
}

/// One row of the table of common derivatives.
pub(crate) fn rule(f: &str, closed_form: &str, generated: f64, closed: f64) {
    row(&format!("({f})' = {closed_form}"), generated, closed);
}

pub(crate) fn note_003() {
    chapter("Note 003 · 导数与链式法则 · derivatives and the chain rule (slides)");

    title("From the limit to the derivative: f(x) = x² at x = 3");
    // The ε-δ example: lim x→3 x² = 9, with δ = √(ε + 9) − 3 for every ε > 0.
    for eps in [1.0, 0.01] {
        let delta = (eps + 9.0_f64).sqrt() - 3.0;
        for x in [3.0 - 0.999 * delta, 3.0 + 0.999 * delta] {
            assert!((x * x - 9.0).abs() < eps, "ε-δ fails at x = {x}");
        }
        println!(
            "    ε = {eps:<5}  δ = √(ε + 9) − 3 = {:<10}  |x² − 9| < ε whenever |x − 3| < δ",
            num(delta)
        );
    }
    header();
    let (value, slope) = square_grad(3.0);
    row("f(3)", value, 9.0);
    for h in [0.1, 0.01, 0.001] {
        // (f(3 + h) − f(3)) / h = 6 + h: the secant's slope tends to the tangent's.
        let secant = (square(3.0 + h) - square(3.0)) / h;
        println!(
            "    {:<38} {:>22} {:>22}",
            format!("secant (f(3 + h) − f(3))/h, h = {h}"),
            "",
            format!("{} ≈ 6 + h", num(secant))
        );
        assert!((secant - (6.0 + h)).abs() < 1e-9);
    }
    row("f'(3) = lim h→0 = 2·3", slope, 6.0);

    example("The three derivations: power, exponential, logarithm");
    let (_, d) = power_grad(2.0, 3);
    rule("x³ at 2", "3x² = 12", d, 3.0 * 4.0);
    let (_, d) = exponential_grad(1.0);
    rule("e^x at 1", "e^x = e", d, E);
    let (_, d) = logarithm_grad(2.0);
    rule("ln x at 2", "1/x = 0.5", d, 0.5);

    let (x, c, n) = (2.0_f64, 3.0_f64, 4);
    let nf = f64::from(n);
    example("The table of common derivatives, at x = 2, with c = 3 and n = 4");
    rule("c", "0", t_const_grad(x).1, 0.0);
    rule("cx", "c", t_cx_grad(c, x).1, c);
    rule(
        "x^c",
        "c·x^(c−1)",
        t_x_pow_c_grad(x, c).1,
        c * x.powf(c - 1.0),
    );
    rule(
        "c^x",
        "c^x·ln c",
        t_c_pow_x_grad(c, x).1,
        c.powf(x) * c.ln(),
    );
    rule(
        "x^x",
        "x^x·(1 + ln x)",
        t_x_pow_x_grad(x).1,
        x.powf(x) * (1.0 + x.ln()),
    );
    rule("e^x", "e^x", t_exp_grad(x).1, x.exp());
    rule("1/x", "−1/x²", t_inv_grad(x).1, -1.0 / x.powi(2));
    rule("1/x²", "−2/x³", t_inv_sq_grad(x).1, -2.0 / x.powi(3));
    rule(
        "1/xⁿ",
        "−n/xⁿ⁺¹",
        t_inv_pow_n_grad(x, n).1,
        -nf / x.powi(n + 1),
    );
    rule("√x", "1/(2√x)", t_sqrt_grad(x).1, 1.0 / (2.0 * x.sqrt()));
    rule(
        "∛x",
        "1/(3·∛(x²))",
        t_cbrt_grad(x).1,
        1.0 / (3.0 * (x * x).cbrt()),
    );
    rule(
        "ⁿ√x",
        "1/(n·ⁿ√(xⁿ⁻¹))",
        t_nth_root_grad(x, n).1,
        1.0 / (nf * x.powf((nf - 1.0) / nf)),
    );
    rule(
        "1/√x",
        "−1/(2√(x³))",
        t_inv_sqrt_grad(x).1,
        -1.0 / (2.0 * x.powi(3).sqrt()),
    );
    rule(
        "1/∛x",
        "−1/(3·∛(x⁴))",
        t_inv_cbrt_grad(x).1,
        -1.0 / (3.0 * x.powi(4).cbrt()),
    );
    rule(
        "1/ⁿ√x",
        "−1/(n·ⁿ√(xⁿ⁺¹))",
        t_inv_nth_root_grad(x, n).1,
        -1.0 / (nf * x.powf((nf + 1.0) / nf)),
    );
    rule("ln x", "1/x", t_ln_grad(x).1, 1.0 / x);
    rule("x·ln x", "ln x + 1", t_x_ln_x_grad(x).1, x.ln() + 1.0);
    rule(
        "log_c x",
        "1/(x·ln c)",
        t_log_c_grad(x, c).1,
        1.0 / (x * c.ln()),
    );
    rule(
        "1/ln x",
        "−1/(x·(ln x)²)",
        t_inv_ln_grad(x).1,
        -1.0 / (x * x.ln().powi(2)),
    );
    rule(
        "1/(x·ln x)",
        "−(ln x + 1)/(x·ln x)²",
        t_inv_x_ln_x_grad(x).1,
        -(x.ln() + 1.0) / (x * x.ln()).powi(2),
    );
    rule(
        "1/log_c x",
        "−1/(x·ln c·(log_c x)²)",
        t_inv_log_c_grad(x, c).1,
        -1.0 / (x * c.ln() * x.log(c).powi(2)),
    );
    rule(
        "1/(x+1)",
        "−1/(x+1)²",
        t_inv_x1_grad(x).1,
        -1.0 / (x + 1.0).powi(2),
    );
    rule(
        "1/(x+1)²",
        "−2/(x+1)³",
        t_inv_x1_sq_grad(x).1,
        -2.0 / (x + 1.0).powi(3),
    );
    rule(
        "1/(x+1)ⁿ",
        "−n/(x+1)ⁿ⁺¹",
        t_inv_x1_pow_n_grad(x, n).1,
        -nf / (x + 1.0).powi(n + 1),
    );
    rule(
        "1/√(x+1)",
        "−1/(2√((x+1)³))",
        t_inv_sqrt_x1_grad(x).1,
        -1.0 / (2.0 * (x + 1.0).powi(3).sqrt()),
    );
    rule(
        "1/∛(x+1)",
        "−1/(3·∛((x+1)⁴))",
        t_inv_cbrt_x1_grad(x).1,
        -1.0 / (3.0 * (x + 1.0).powi(4).cbrt()),
    );
    rule(
        "1/ⁿ√(x+1)",
        "−1/(n·ⁿ√((x+1)ⁿ⁺¹))",
        t_inv_nth_root_x1_grad(x, n).1,
        -1.0 / (nf * (x + 1.0).powf((nf + 1.0) / nf)),
    );

    let x = 0.5_f64;
    example("The table, trigonometric and hyperbolic, at x = 0.5");
    rule("sin x", "cos x", t_sin_grad(x).1, x.cos());
    rule("cos x", "−sin x", t_cos_grad(x).1, -x.sin());
    rule(
        "tan x",
        "sec² x = 1/cos² x",
        t_tan_grad(x).1,
        1.0 / x.cos().powi(2),
    );
    rule(
        "cot x",
        "−csc² x = −1/sin² x",
        t_cot_grad(x).1,
        -1.0 / x.sin().powi(2),
    );
    rule(
        "csc x",
        "−csc x·cot x",
        t_csc_grad(x).1,
        -1.0 / x.sin() / x.tan(),
    );
    rule("sec x", "sec x·tan x", t_sec_grad(x).1, x.tan() / x.cos());
    rule("sinh x", "cosh x", t_sinh_grad(x).1, x.cosh());
    rule("cosh x", "sinh x", t_cosh_grad(x).1, x.sinh());
    rule(
        "tanh x",
        "1 − tanh² x",
        t_tanh_grad(x).1,
        1.0 - x.tanh().powi(2),
    );
    rule(
        "coth x",
        "−csch² x",
        t_coth_grad(x).1,
        -1.0 / x.sinh().powi(2),
    );
    rule(
        "csch x",
        "−csch x·coth x",
        t_csch_grad(x).1,
        -1.0 / x.sinh() / x.tanh(),
    );
    rule(
        "sech x",
        "−sech x·tanh x",
        t_sech_grad(x).1,
        -x.tanh() / x.cosh(),
    );

    let x = 2.0_f64;
    example("Sum, difference, product and quotient rules, with u = x², v = sin x at x = 2");
    let (du, dv) = (2.0 * x, x.cos()); // u' = 2x, v' = cos x
    let (uu, vv) = (x * x, x.sin());
    row("(u + v)' = u' + v'", sum_rule_grad(x).1, du + dv);
    row("(u − v)' = u' − v'", difference_rule_grad(x).1, du - dv);
    row(
        "(u·v)' = u'v + uv'",
        product_rule_grad(x).1,
        du * vv + uu * dv,
    );
    row(
        "(u/v)' = (u'v − uv')/v²",
        quotient_rule_grad(x).1,
        (du * vv - uu * dv) / (vv * vv),
    );

    let x = 1.0_f64;
    example("Chain rule, one nesting: y = (3x² + 1)⁵ = u⁵ with u = 3x² + 1, at x = 1");
    let (u_value, du_dx) = inner_grad(x);
    let (_, dy_du) = outer_grad(u_value);
    let (y, dy_dx) = nested_grad(x);
    row("u = 3x² + 1", u_value, 4.0);
    row("y = u⁵", y, 1024.0);
    row(
        "dy/du = 5u⁴        (outer_grad)",
        dy_du,
        5.0 * u_value.powi(4),
    );
    row("du/dx = 6x         (inner_grad)", du_dx, 6.0 * x);
    row("dy/dx = dy/du · du/dx (nested_grad)", dy_dx, dy_du * du_dx);
    row(
        "dy/dx = 30x(3x² + 1)⁴",
        dy_dx,
        30.0 * x * (3.0 * x * x + 1.0).powi(4),
    );
    note("the slide prints the result as 30x(3^2 + 1)^4, a slip for 30x(3x^2 + 1)^4");

    let (x, y) = (1.0_f64, 2.0_f64);
    example("Chain rule, two paths: z = (xy)² + (x + y²)³ = u² + v³, at x = 1, y = 2");
    let (u_value, v_value) = (x * y, x + y * y);
    let (z, (dz_dx, dz_dy)) = two_paths_grad(x, y);
    let (_, (dz_du, dz_dv)) = z_of_u_v_grad(u_value, v_value);
    row("u = xy, v = x + y²: z = 2² + 5³", z, 129.0);
    row("∂z/∂u = 2u", dz_du, 2.0 * u_value);
    row("∂z/∂v = 3v²", dz_dv, 3.0 * v_value.powi(2));
    // ∂u/∂x = y, ∂v/∂x = 1, ∂u/∂y = x, ∂v/∂y = 2y: one product per path, then the sum.
    row("∂z/∂x = ∂z/∂u·y + ∂z/∂v·1", dz_dx, dz_du * y + dz_dv * 1.0);
    row(
        "      = 2xy² + 3(x + y²)²",
        dz_dx,
        2.0 * x * y * y + 3.0 * v_value.powi(2),
    );
    row(
        "∂z/∂y = ∂z/∂u·x + ∂z/∂v·2y",
        dz_dy,
        dz_du * x + dz_dv * 2.0 * y,
    );
    row(
        "      = 2x²y + 6y(x + y²)²",
        dz_dy,
        2.0 * x * x * y + 6.0 * y * v_value.powi(2),
    );

    let (x1, x2, target) = (1.0, 2.0, 1.0);
    let (w1, w2) = (0.5, -0.25);
    title("The computational graph: u₁ = w₁x₁, u₂ = w₂x₂, u₃ = u₁ + u₂, ŷ = σ(u₃), L = ½(ŷ − y)²");
    println!(
        "    at x₁ = 1, x₂ = 2, y = 1, w₁ = 0.5, w₂ = −0.25 (our numbers), so u₃ = 0.5 − 0.5 = 0"
    );
    header();
    let u3 = w1 * x1 + w2 * x2;
    let (y_hat, dyhat_du3) = sigmoid_grad(u3);
    let (l, (dl_dw1, dl_dw2)) = graph_sigmoid_grad(x1, x2, target, w1, w2);
    let (_, dl_dyhat) = half_squared_error_grad(y_hat, target);
    row("ŷ = σ(0)", y_hat, 0.5);
    row("L = ½(ŷ − y)²", l, 0.5 * (y_hat - target).powi(2));
    row(
        "∂L/∂ŷ = ŷ − y   (last node alone)",
        dl_dyhat,
        y_hat - target,
    );
    row(
        "∂ŷ/∂u₃ = ŷ(1 − ŷ)   (sigmoid_grad)",
        dyhat_du3,
        y_hat * (1.0 - y_hat),
    );
    row(
        "∂L/∂w₁ = (ŷ − y)·ŷ(1 − ŷ)·1·x₁",
        dl_dw1,
        dl_dyhat * y_hat * (1.0 - y_hat) * 1.0 * x1,
    );
    row(
        "∂L/∂w₂ = (ŷ − y)·ŷ(1 − ŷ)·1·x₂",
        dl_dw2,
        dl_dyhat * y_hat * (1.0 - y_hat) * 1.0 * x2,
    );

    example("The update after the graph: w ← w − η·∂L/∂w, with η = 1");
    let eta = 1.0;
    let (new_w1, new_w2) = (w1 - eta * dl_dw1, w2 - eta * dl_dw2);
    let new_l = graph_sigmoid(x1, x2, target, new_w1, new_w2);
    fact("w₁ ← 0.5 − 1·(−0.125)", new_w1);
    fact("w₂ ← −0.25 − 1·(−0.25)", new_w2);
    fact("L before the step", l);
    fact("L after the step", new_l);
    assert!(
        new_l < l,
        "one step against the gradient must lower the loss here"
    );

    title("Why −∇L: the slope along a unit direction u is ∇Lᵀu ≤ ‖∇L‖ (Cauchy–Schwarz)");
    let norm = (dl_dw1 * dl_dw1 + dl_dw2 * dl_dw2).sqrt();
    let directions = [
        (
            "u = ∇L/‖∇L‖ (steepest ascent)",
            dl_dw1 / norm,
            dl_dw2 / norm,
        ),
        (
            "u = −∇L/‖∇L‖ (steepest descent)",
            -dl_dw1 / norm,
            -dl_dw2 / norm,
        ),
        ("u = (1, 0)", 1.0, 0.0),
        ("u = (0, 1)", 0.0, 1.0),
        ("u = (0.6, −0.8)", 0.6, -0.8),
    ];
    println!(
        "    {:<38} {:>22} {:>22}",
        "direction", "∇Lᵀu from the gradient", "central difference"
    );
    for (name, a, b) in directions {
        let slope = dl_dw1 * a + dl_dw2 * b;
        // An independent check of the slope: L one small step forward and back along u.
        let h = 1e-5;
        let ahead = graph_sigmoid(x1, x2, target, w1 + h * a, w2 + h * b);
        let behind = graph_sigmoid(x1, x2, target, w1 - h * a, w2 - h * b);
        let difference = (ahead - behind) / (2.0 * h);
        println!("    {name:<38} {:>22} {:>22}", num(slope), num(difference));
        assert!((slope - difference).abs() < 1e-9);
        assert!(slope.abs() <= norm + 1e-15);
    }
    note(&format!(
        "no direction climbs faster than ‖∇L‖ = {}, and −∇L descends fastest",
        num(norm)
    ));
}

// ===========================================================================
