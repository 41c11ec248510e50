//! Where calls stand in a differentiated body: calls as arguments of calls,
//! different calls in each arm of an `if` chain and of a `match`, a call read
//! by a condition and by a `while` condition, one helper called many times
//! and nested in itself, two calls per loop iteration, a call returned from
//! inside a loop, calls with constant buffer arguments, on elements of a slice
//! of rows, and into a helper's parameter outside its `wrt`.
//!
//! Every test checks that `NAME_grad` returns exactly the original function's
//! value, and every gradient entry against a central finite difference of the
//! original function and against a closed form.

// Index loops over several buffers at once are the numeric style under test.
#![allow(clippy::needless_range_loop)]

mod common;

// ---------------------------------------------------------------------------
// Calls inside branches, nested inside expressions, and repeated
// ---------------------------------------------------------------------------

mod call_sites {
    use crate::common::calls::{huber, huber_pullback, sigmoid, sq, sq_pullback};
    use crate::common::calls::{softplus, softplus_pullback};
    use crate::common::*;
    use gradmacro::differentiate;

    /// `u cos v + v`.
    #[differentiate]
    fn combine(u: f64, v: f64) -> f64 {
        u * v.cos() + v
    }

    /// `u sin u`.
    #[differentiate]
    fn wave(u: f64) -> f64 {
        u.sin() * u
    }

    /// `f(g(x) * h(y), x)`: calls as arguments of a call.
    #[differentiate]
    fn nested_expr(x: f64, y: f64) -> f64 {
        combine(softplus(x) * wave(y), x)
    }

    /// Different calls in each arm of an `if` / `else if` / `else`, one of them
    /// from another module and one with a constant argument.
    #[differentiate]
    fn branchy(x: f64, y: f64) -> f64 {
        if x > y {
            sq(x - y) + softplus(y)
        } else if x > 0.0 {
            combine(x, y) * huber(y, 0.5)
        } else {
            -sq(x) * y
        }
    }

    /// A call in a `match` arm and a call whose value is read by a condition.
    #[differentiate]
    fn match_and_condition(x: f64, k: u8) -> f64 {
        let base = match k {
            0 => sq(x),
            1 => wave(x),
            _ => combine(x, 1.0),
        };
        if sq(x) > 1.0 {
            base * 2.0
        } else {
            base
        }
    }

    /// The same helper called six times, nested in itself.
    #[differentiate]
    fn many_calls(x: f64) -> f64 {
        sq(x) + sq(sq(x)) + sq(x + 1.0) * sq(x - 1.0) + sq(sq(sq(x * 0.5)))
    }

    /// The same helpers called twice per iteration of a loop.
    #[differentiate]
    fn smoothness(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 1..x.len() {
            s += sq(x[i] - x[i - 1]) + 0.1 * sq(x[i]);
        }
        s
    }

    /// `combine(softplus(x)·wave(y), x)`: with u = softplus(x)·wave(y),
    /// ∂/∂x = cos x · σ(x) wave(y) + (1 − u sin x) and
    /// ∂/∂y = cos x · softplus(x) (sin y + y cos y).
    #[test]
    fn calls_nested_in_call_arguments() {
        for (x, y) in [(0.3, 1.2), (-1.4, 2.5), (2.0, -0.7)] {
            let (value, (dx, dy)) = nested_expr_grad(x, y);
            assert_eq!(value, nested_expr(x, y));
            let sp = softplus(x);
            let wv = y.sin() * y;
            let u = sp * wv;
            assert_closed("∂/∂x", dx, x.cos() * sigmoid(x) * wv + 1.0 - u * x.sin());
            assert_closed("∂/∂y", dy, x.cos() * sp * (y.sin() + y * y.cos()));
            assert_fd_all(
                "nested_expr",
                |p| nested_expr(p[0], p[1]),
                &[x, y],
                &[dx, dy],
            );
        }
    }

    /// Each arm of the `if` / `else if` / `else`, taken in turn, against finite
    /// differences; the third arm against its closed form (−2xy, −x²).
    #[test]
    fn calls_inside_each_branch() {
        // x > y; 0 < x ≤ y (|y| on both sides of huber's 0.5); x ≤ 0 and x ≤ y.
        for (x, y) in [(2.0, 0.5), (0.4, 0.45), (0.7, 1.9), (-0.8, 0.3)] {
            let (value, (dx, dy)) = branchy_grad(x, y);
            assert_eq!(value, branchy(x, y));
            if x <= 0.0 {
                assert_closed("∂/∂x", dx, -2.0 * x * y);
                assert_closed("∂/∂y", dy, -x * x);
            }
            assert_fd_all("branchy", |p| branchy(p[0], p[1]), &[x, y], &[dx, dy]);
        }
    }

    /// Calls in `match` arms and in a condition (which is not differentiated):
    /// each arm, with the doubled branch on and off.
    #[test]
    fn calls_in_match_arms_and_conditions() {
        for k in 0..3u8 {
            for x in [0.6, -1.7, 2.3] {
                let (value, dx) = match_and_condition_grad(x, k);
                assert_eq!(value, match_and_condition(x, k));
                let dbase = match k {
                    0 => 2.0 * x,
                    1 => x.sin() + x * x.cos(),
                    _ => 1.0f64.cos(),
                };
                let scale = if x * x > 1.0 { 2.0 } else { 1.0 };
                assert_closed("∂/∂x", dx, scale * dbase);
                assert_fd("match_and_condition", dx, |t| match_and_condition(t, k), x);
            }
        }
    }

    /// One helper called six times, three deep in itself:
    /// d/dx [x² + x⁴ + (x+1)²(x−1)² + (x/2)⁸] = 2x + 4x³ + 4x(x² − 1) + 4(x/2)⁷.
    #[test]
    fn the_same_helper_called_many_times() {
        for x in [0.3, -1.25, 2.0, 3.5] {
            let (value, dx) = many_calls_grad(x);
            assert_eq!(value, many_calls(x));
            let expected =
                2.0 * x + 4.0 * x.powi(3) + 4.0 * x * (x * x - 1.0) + 4.0 * (x * 0.5).powi(7);
            assert_closed("d/dx", dx, expected);
            assert_fd("many_calls", dx, many_calls, x);
        }
    }

    /// Two calls per loop iteration on neighbouring elements: ∂/∂x_i =
    /// 2(x_i − x_{i−1}) − 2(x_{i+1} − x_i) + 0.2 x_i (the first entry has
    /// no 0.2 x_0 term, being outside `1..n`).
    #[test]
    fn helper_called_twice_per_iteration() {
        let x = [0.5, -1.0, 2.0, 0.25, 1.5];
        let (value, dx) = smoothness_grad(&x);
        assert_eq!(value, smoothness(&x));
        let n = x.len();
        for i in 0..n {
            let mut e = 0.0;
            if i > 0 {
                e += 2.0 * (x[i] - x[i - 1]) + 0.2 * x[i];
            }
            if i + 1 < n {
                e -= 2.0 * (x[i + 1] - x[i]);
            }
            assert_closed("∂/∂x", dx[i], e);
        }
        assert_fd_all("smoothness", smoothness, &x, &dx);
    }
}

// ---------------------------------------------------------------------------
// Calls in `while` conditions, returns, constant buffers and rows
// ---------------------------------------------------------------------------

mod call_patterns {
    use crate::common::calls::{sq, sq_pullback};
    use crate::common::*;
    use gradmacro::differentiate;

    /// The residual t³ − a of the cube root.
    #[differentiate]
    fn cube_residual(t: f64, a: f64) -> f64 {
        t * t * t - a
    }

    /// A helper differentiated w.r.t. `x` only: its pullback still gives the
    /// adjoint of `y`.
    #[differentiate(wrt = x)]
    fn x_exp_y(x: f64, y: f64) -> f64 {
        x * y.exp()
    }

    /// Newton's method for ∛a with the residual a helper, called in the
    /// `while` condition and in the update.
    #[differentiate]
    fn cube_root(a: f64) -> f64 {
        let mut t = 1.0;
        let mut it = 0;
        while cube_residual(t, a).abs() > 1e-14 * a && it < 100 {
            t -= cube_residual(t, a) / (3.0 * t * t);
            it += 1;
        }
        t
    }

    /// The helper's non-`wrt` parameter receives an active argument.
    #[differentiate]
    fn call_outside_wrt(a: f64) -> f64 {
        x_exp_y(a, a * a)
    }

    /// A polynomial by Horner's rule, coefficients first.
    #[differentiate]
    fn horner(c: &[f64], x: f64) -> f64 {
        let mut acc = 0.0;
        for i in (0..c.len()).rev() {
            acc = acc * x + c[i];
        }
        acc
    }

    /// The coefficients of 1 − 2x + ½x² + ¼x³.
    const COEFFS: [f64; 4] = [1.0, -2.0, 0.5, 0.25];

    /// A helper given constant buffers (a `const` array, an array literal)
    /// beside an active scalar.
    #[differentiate]
    fn constant_coefficients(x: f64) -> f64 {
        horner(&COEFFS, x) * horner(&[1.0, 1.0], x)
    }

    /// A call in a `return` from inside a loop, and another after the loop.
    #[differentiate]
    fn first_above(x: &[f64], t: f64) -> f64 {
        for i in 0..x.len() {
            if x[i] > t {
                return sq(x[i] - t);
            }
        }
        sq(t)
    }

    /// Calls on elements of a slice of rows.
    #[differentiate]
    fn weighted_squares(m: &[[f64; 3]]) -> f64 {
        let mut s = 0.0;
        for i in 0..m.len() {
            for j in 0..3 {
                s += sq(m[i][j]) * (j as f64 + 1.0);
            }
        }
        s
    }

    /// Constant buffer arguments beside an active one: d/dx [p(x)(1 + x)] =
    /// p'(x)(1 + x) + p(x) with p = 1 − 2x + ½x² + ¼x³; a call returned from
    /// inside a loop (∂ = ±2(x_i − t) at the first x_i > t) or after it
    /// (∂/∂t = 2t); calls on `m[i][j]` (∂/∂m_ij = 2(j + 1)m_ij).
    #[test]
    fn constant_buffers_returns_and_rows() {
        for x in [0.7, -1.3, 2.2] {
            let (value, d) = constant_coefficients_grad(x);
            assert_eq!(value, constant_coefficients(x));
            let p = 1.0 - 2.0 * x + 0.5 * x * x + 0.25 * x.powi(3);
            let dp = -2.0 + x + 0.75 * x * x;
            assert_closed("d/dx", d, dp * (1.0 + x) + p);
            assert_fd("constant_coefficients", d, constant_coefficients, x);
        }

        let x = [0.5, 2.0, -1.0];
        let (value, (dx, dt)) = first_above_grad(&x, 1.0);
        assert_eq!(value, first_above(&x, 1.0));
        assert_all_closed("∂/∂x (returned in the loop)", &dx, &[0.0, 2.0, 0.0]);
        assert_closed("∂/∂t (returned in the loop)", dt, -2.0);
        let (value, (dx, dt)) = first_above_grad(&x, 3.0);
        assert_eq!(value, first_above(&x, 3.0));
        assert_all_closed("∂/∂x (after the loop)", &dx, &[0.0; 3]);
        assert_closed("∂/∂t (after the loop)", dt, 6.0);

        let m = [[0.5, 2.0, -1.0], [1.5, 0.2, 0.3]];
        let (value, dm) = weighted_squares_grad(&m);
        assert_eq!(value, weighted_squares(&m));
        for i in 0..2 {
            for j in 0..3 {
                assert_closed("∂/∂m", dm[i][j], 2.0 * (j as f64 + 1.0) * m[i][j]);
            }
        }
        assert_fd_all(
            "weighted_squares",
            |p| weighted_squares(&rows::<f64, 3>(p)),
            &flatten(&m),
            &flatten(&dm),
        );
    }

    /// A helper in a data-dependent `while` condition and in Newton's update:
    /// the derivative of the converged ∛a is 1/(3 a^(2/3)); and a helper's
    /// parameter outside its `wrt` fed an active value: d/da [a e^(a²)] =
    /// (1 + 2a²) e^(a²).
    #[test]
    fn helper_in_while_condition_and_outside_its_wrt() {
        for a in [5.0, 0.3, 27.0] {
            let (value, d) = cube_root_grad(a);
            assert_eq!(value, cube_root(a));
            assert_close("d∛a/da", d, 1.0 / (3.0 * a.powf(2.0 / 3.0)), 1e-10);
        }
        for a in [0.7, -1.1] {
            let (value, d) = call_outside_wrt_grad(a);
            assert_eq!(value, call_outside_wrt(a));
            assert_closed("d/da", d, (1.0 + 2.0 * a * a) * (a * a).exp());
            assert_fd("call_outside_wrt", d, call_outside_wrt, a);
        }
    }
}
