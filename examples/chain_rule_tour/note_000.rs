//! Note 000: how to compute a gradient, examples A to E.

use crate::table::*;
use gradmacro::differentiate;
use std::f64::consts::E;

// Note 000: how to compute a gradient (学习笔记：如何计算梯度？从基础到链式法则)
// ===========================================================================

/// Example A: y = xw + b.
#[differentiate(wrt = [w, b])]
pub(crate) fn example_a(x: f64, w: f64, b: f64) -> f64 {
    // Treat x and b as constants for ∂/∂w, x and w as constants for ∂/∂b.
    x * w + b
}

/// Example B: y = xw² + b².
#[differentiate(wrt = [w, b])]
pub(crate) fn example_b(x: f64, w: f64, b: f64) -> f64 {
    x * w.powi(2) + b.powi(2)
}

/// Example C: y = xe^w + e^b.
#[differentiate(wrt = [w, b])]
pub(crate) fn example_c(x: f64, w: f64, b: f64) -> f64 {
    x * w.exp() + b.exp()
}

/// Example D: the squared error f = (y − (xw + b))².
#[differentiate(wrt = [w, b])]
pub(crate) fn example_d(x: f64, y: f64, w: f64, b: f64) -> f64 {
    let g = x * w + b; // inner function g(w, b) = xw + b
    (y - g).powi(2) // outer function f(g) = (y − g)², df/dg = −2(y − g)
}

/// Example D's outer function alone, f(g) = (y − g)²: its derivative is df/dg.
#[differentiate(wrt = g)]
pub(crate) fn example_d_outer(y: f64, g: f64) -> f64 {
    (y - g).powi(2)
}

/// Example E: the log loss f = y · ln(xw + b).
#[differentiate(wrt = [w, b])]
pub(crate) fn example_e(x: f64, y: f64, w: f64, b: f64) -> f64 {
    let g = x * w + b; // inner function, ∂g/∂w = x, ∂g/∂b = 1
    y * g.ln() // outer function f(g) = y·ln g, df/dg = y/g
}

pub(crate) fn note_000() {
    chapter("Note 000 · 如何计算梯度 · how to compute a gradient");
    println!("(the note gives formulas only; the numbers are ours: x = 2, w = 3, b = 4;");
    println!(
        " its part 1, the table of derivatives, is a picture: note 003 has the table in full)"
    );
    let (x, w, b) = (2.0, 3.0, 4.0);

    example("Example A: y = xw + b, ∇y = (x, 1)");
    let (y, (dw, db)) = example_a_grad(x, w, b);
    row("y", y, x * w + b);
    row("∂y/∂w = x", dw, x);
    row("∂y/∂b = 1", db, 1.0);

    example("Example B: y = xw² + b², ∇y = (2xw, 2b)");
    let (y, (dw, db)) = example_b_grad(x, w, b);
    row("y", y, x * w * w + b * b);
    row("∂y/∂w = 2xw", dw, 2.0 * x * w);
    row("∂y/∂b = 2b", db, 2.0 * b);

    example("Example C: y = xe^w + e^b, ∇y = (xe^w, e^b)   at x = 2, w = 1, b = 0");
    let (w_c, b_c) = (1.0, 0.0);
    let (y, (dw, db)) = example_c_grad(x, w_c, b_c);
    row("y = 2e + 1", y, x * E + 1.0);
    row("∂y/∂w = xe^w = 2e", dw, x * E);
    row("∂y/∂b = e^b = 1", db, 1.0);

    example("Example D: f = (y − (xw + b))²   at y = 1 (prediction g = xw + b = 10)");
    let y = 1.0;
    let (f, (dw, db)) = example_d_grad(x, y, w, b);
    let g = x * w + b;
    row("f = (1 − 10)²", f, (y - g).powi(2));
    let (_, df_dg) = example_d_outer_grad(y, g);
    row("df/dg = −2(y − g)   (outer alone)", df_dg, -2.0 * (y - g));
    row("∂f/∂w = df/dg · x = −2(y − g)·x", dw, -2.0 * (y - g) * x);
    row("∂f/∂b = df/dg · 1 = −2(y − g)", db, -2.0 * (y - g));
    let slip = 2.0 * (y - g) * x;
    assert!(slip != dw && slip.signum() != dw.signum());
    note(&format!(
        "the note's picture drops the −1 of d(y − g)/dg, giving ∂f/∂w = {} (wrong sign);",
        num(slip)
    ));
    note("the macro gives the note's corrected formula");

    example("Example E: f = y · ln(xw + b)   at y = 1");
    let (f, (dw, db)) = example_e_grad(x, y, w, b);
    row("f = ln 10", f, 10f64.ln());
    row("∂f/∂w = yx/(xw + b)", dw, y * x / g);
    row("∂f/∂b = y/(xw + b)", db, y / g);
}
