//! Helpers called inside differentiated bodies, composed through their
//! generated pullbacks: element-wise losses (Huber, softplus) applied in
//! reduction loops and iterator closures, the p-norm from a helper w.r.t. the
//! vector and the exponent, helpers nested three levels deep, a helper with a
//! branch (a maximum) folded over a slice and called on expressions, and
//! helpers in loops that carry state (an in-place update, RK4, a `fold`).
//!
//! Every test checks that `NAME_grad` returns exactly the original function's
//! value, and every gradient entry against a central finite difference of the
//! original function (which the macro emits unchanged, so the reference is
//! independent of the macro), and against a closed form where one is short.

// Index loops over several buffers at once are the numeric style under test.
#![allow(clippy::needless_range_loop)]

mod common;

// ---------------------------------------------------------------------------
// Element-wise helpers called in loops over slices
// ---------------------------------------------------------------------------

mod loop_helpers {
    use crate::common::calls::{mean_huber, mean_huber_grad, sigmoid, softplus, softplus_pullback};
    use crate::common::*;
    use gradmacro::differentiate;

    /// A one-unit softplus layer summed over the inputs, as a `for` loop.
    #[differentiate]
    fn softplus_layer(x: &[f64], a: f64, b: f64) -> f64 {
        let mut s = 0.0;
        for &v in x {
            s += softplus(a * v + b);
        }
        s
    }

    /// The same layer as an iterator chain calling the helper in its closure.
    #[differentiate]
    fn softplus_layer_iter(x: &[f64], a: f64, b: f64) -> f64 {
        x.iter().map(|&v| softplus(a * v + b)).sum()
    }

    /// Huber's loss per residual composed through `huber_pullback` in a
    /// reduction loop: ∂/∂pred_i = clamp(r_i, −δ, δ)/n and
    /// ∂/∂δ = Σ_{|r_i| > δ} (|r_i| − δ)/n, with residuals on both sides of ±δ
    /// (none at a kink).
    #[test]
    fn huber_helper_in_a_loop_matches_clamp_and_finite_differences() {
        let target = [0.0, 1.0, -2.0, 0.5, 3.0];
        for (pred, delta) in [
            ([0.3, 2.5, -0.4, 0.45, 1.2], 1.0),
            ([-1.7, 0.9, -2.3, 4.0, 3.1], 0.6),
        ] {
            let (value, (dpred, ddelta)) = mean_huber_grad(&pred, &target, delta);
            assert_eq!(value, mean_huber(&pred, &target, delta));
            let n = pred.len() as f64;
            let mut expected_ddelta = 0.0;
            for i in 0..pred.len() {
                let r: f64 = pred[i] - target[i];
                assert!((r.abs() - delta).abs() > 1e-3, "residual {r} at a kink");
                assert_closed("∂/∂pred", dpred[i], r.clamp(-delta, delta) / n);
                if r.abs() > delta {
                    expected_ddelta += (r.abs() - delta) / n;
                }
            }
            assert_closed("∂/∂delta", ddelta, expected_ddelta);
            let mut at = pred.to_vec();
            at.push(delta);
            let mut grad = dpred.clone();
            grad.push(ddelta);
            assert_fd_all(
                "mean_huber",
                |p| mean_huber(&p[..5], &target, p[5]),
                &at,
                &grad,
            );
        }
    }

    /// Softplus composed in a `for` loop and in an iterator closure: the
    /// gradient is ∂/∂x_i = a·σ(a x_i + b), ∂/∂a = Σ x_i σ(..), ∂/∂b = Σ σ(..),
    /// including inputs large enough (|a x + b| > 30) that the stable branch
    /// of the helper matters.
    #[test]
    fn softplus_helper_in_loop_and_closure_matches_sigmoid() {
        let x = [0.5, -1.25, 2.0, 40.0, -35.0];
        for (a, b) in [(1.3, -0.2), (-0.7, 0.4)] {
            let (v1, (dx1, da1, db1)) = softplus_layer_grad(&x, a, b);
            let (v2, (dx2, da2, db2)) = softplus_layer_iter_grad(&x, a, b);
            assert_eq!(v1, softplus_layer(&x, a, b));
            assert_eq!(v2, softplus_layer_iter(&x, a, b));
            let mut ea = 0.0;
            let mut eb = 0.0;
            for i in 0..x.len() {
                let s = sigmoid(a * x[i] + b);
                assert_closed("loop ∂/∂x", dx1[i], a * s);
                assert_closed("iter ∂/∂x", dx2[i], a * s);
                ea += x[i] * s;
                eb += s;
            }
            for (what, got, expected) in [
                ("loop ∂/∂a", da1, ea),
                ("loop ∂/∂b", db1, eb),
                ("iter ∂/∂a", da2, ea),
                ("iter ∂/∂b", db2, eb),
            ] {
                assert_close(what, got, expected, 1e-12);
            }
            let mut at = x.to_vec();
            at.extend([a, b]);
            let mut grad = dx1.clone();
            grad.extend([da1, db1]);
            assert_fd_all(
                "softplus_layer",
                |p| softplus_layer(&p[..5], p[5], p[6]),
                &at,
                &grad,
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The p-norm from a sum of powers, w.r.t. the vector and the exponent
// ---------------------------------------------------------------------------

mod p_norm {
    use crate::common::*;
    use gradmacro::differentiate;

    /// `|v|^p`.
    #[differentiate]
    fn abs_pow(v: f64, p: f64) -> f64 {
        v.abs().powf(p)
    }

    /// `‖x‖_p = (Σ |x_i|^p)^(1/p)`.
    #[differentiate]
    fn p_norm(x: &[f64], p: f64) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += abs_pow(x[i], p);
        }
        s.powf(1.0 / p)
    }

    /// The p-norm composed through `abs_pow_pullback`, against its closed form
    /// ∂N/∂x_i = sign(x_i)|x_i|^(p−1) / N^(p−1) and
    /// ∂N/∂p = N·(Σ|x_i|^p ln|x_i| / (p S) − ln S / p²) with S = Σ|x_i|^p,
    /// at several exponents (including p < 2 and a non-integer p), and finite
    /// differences.
    #[test]
    fn p_norm_gradient_in_x_and_p() {
        let x = [0.8, -1.5, 2.25, -0.3];
        for p in [1.5, 2.0, 3.7] {
            let (value, (dx, dp)) = p_norm_grad(&x, p);
            assert_eq!(value, p_norm(&x, p));
            let s: f64 = x.iter().map(|v: &f64| v.abs().powf(p)).sum();
            let norm = s.powf(1.0 / p);
            assert_closed("norm", value, norm);
            for i in 0..x.len() {
                let expected = x[i].signum() * x[i].abs().powf(p - 1.0) / norm.powf(p - 1.0);
                assert_closed("∂N/∂x", dx[i], expected);
            }
            let weighted: f64 = x.iter().map(|v: &f64| v.abs().powf(p) * v.abs().ln()).sum();
            let expected_dp = norm * (weighted / (p * s) - s.ln() / (p * p));
            assert_close("∂N/∂p", dp, expected_dp, 1e-11);
            let mut at = x.to_vec();
            at.push(p);
            let mut grad = dx.clone();
            grad.push(dp);
            assert_fd_all("p_norm", |q| p_norm(&q[..4], q[4]), &at, &grad);
        }
    }
}

// ---------------------------------------------------------------------------
// Three levels of nested helpers
// ---------------------------------------------------------------------------

mod nested_levels {
    use crate::common::*;
    use gradmacro::differentiate;

    /// Innermost: h(u) = u sin u.
    #[differentiate]
    fn level3(u: f64) -> f64 {
        u.sin() * u
    }

    /// Middle: g(x, y) = h(xy) + y h(x).
    #[differentiate]
    fn level2(x: f64, y: f64) -> f64 {
        level3(x * y) + y * level3(x)
    }

    /// Outer: f(x, y) = g(x, y)² + g(y, ½), the second call with a constant.
    #[differentiate]
    fn level1(x: f64, y: f64) -> f64 {
        let t = level2(x, y);
        t * t + level2(y, 0.5)
    }

    fn h(u: f64) -> f64 {
        u.sin() * u
    }
    fn dh(u: f64) -> f64 {
        u.sin() + u * u.cos()
    }
    fn g(x: f64, y: f64) -> f64 {
        h(x * y) + y * h(x)
    }
    /// (∂g/∂x, ∂g/∂y).
    fn dg(x: f64, y: f64) -> (f64, f64) {
        (dh(x * y) * y + y * dh(x), dh(x * y) * x + h(x))
    }

    /// f → g → h, each `#[differentiate]`d and composed through the next
    /// one's pullback, against the chain rule written out by hand:
    /// ∂f/∂x = 2g·g_x(x, y), ∂f/∂y = 2g·g_y(x, y) + g_x(y, ½).
    #[test]
    fn three_levels_of_helpers_follow_the_chain_rule() {
        for (x, y) in [(0.7, -1.3), (2.1, 0.4), (-0.9, 1.8)] {
            let (value, (dx, dy)) = level1_grad(x, y);
            assert_eq!(value, level1(x, y));
            let t = g(x, y);
            let (gx, gy) = dg(x, y);
            let (g2x, _) = dg(y, 0.5);
            assert_closed("∂f/∂x", dx, 2.0 * t * gx);
            assert_closed("∂f/∂y", dy, 2.0 * t * gy + g2x);
            assert_fd_all("level1", |p| level1(p[0], p[1]), &[x, y], &[dx, dy]);
            // The middle level on its own.
            let (v2, (d2x, d2y)) = level2_grad(x, y);
            assert_eq!(v2, level2(x, y));
            assert_closed("∂g/∂x", d2x, gx);
            assert_closed("∂g/∂y", d2y, gy);
        }
    }
}

// ---------------------------------------------------------------------------
// A helper with a branch
// ---------------------------------------------------------------------------

mod branching_helper {
    use crate::common::*;
    use gradmacro::differentiate;

    /// The larger of two numbers, as an `if`.
    #[differentiate]
    fn max2(a: f64, b: f64) -> f64 {
        if a > b {
            a
        } else {
            b
        }
    }

    /// The largest entry, by folding `max2` over the slice.
    #[differentiate]
    fn max_of(x: &[f64]) -> f64 {
        let mut m = x[0];
        for i in 1..x.len() {
            m = max2(m, x[i]);
        }
        m
    }

    /// A hinge-like score: the square of the larger of two products, plus
    /// a rectifier `max2(0, x − y)`.
    #[differentiate]
    fn hinge_score(x: f64, y: f64) -> f64 {
        let top = max2(x * y, x + y);
        top * top + max2(0.0, x - y)
    }

    /// `max2` composed in a loop sends the whole adjoint to the largest entry
    /// (a one-hot gradient), for a maximum first, last and in the middle.
    #[test]
    fn max_helper_in_a_loop_gives_one_hot_gradient() {
        for x in [
            vec![3.0, 1.0, -2.0, 0.5],
            vec![0.1, 1.0, -2.0, 4.5],
            vec![0.1, 7.0, -2.0, 4.5, 6.9],
        ] {
            let (value, dx) = max_of_grad(&x);
            assert_eq!(value, max_of(&x));
            let argmax = (0..x.len()).fold(0, |b, i| if x[i] > x[b] { i } else { b });
            for i in 0..x.len() {
                let expected = if i == argmax { 1.0 } else { 0.0 };
                assert_eq!(dx[i], expected, "∂max/∂x[{i}] of {x:?}");
            }
            assert_fd_all("max_of", max_of, &x, &dx);
        }
    }

    /// `max2` called on products and sums, at points on both sides of each
    /// comparison (away from ties): the gradient is the taken branch's.
    #[test]
    fn max_helper_in_expressions_takes_the_branch_taken() {
        // (x, y): xy > x + y with x > y; xy < x + y with x < y; xy > x + y with x < y.
        for (x, y) in [(3.0, 2.5), (0.5, 1.5), (-2.0, -1.0)] {
            let (value, (dx, dy)) = hinge_score_grad(x, y);
            assert_eq!(value, hinge_score(x, y));
            let (top, dtop_dx, dtop_dy) = if x * y > x + y {
                (x * y, y, x)
            } else {
                (x + y, 1.0, 1.0)
            };
            let relu = if x - y > 0.0 { 1.0 } else { 0.0 };
            assert_closed("∂/∂x", dx, 2.0 * top * dtop_dx + relu);
            assert_closed("∂/∂y", dy, 2.0 * top * dtop_dy - relu);
            assert_fd_all(
                "hinge_score",
                |p| hinge_score(p[0], p[1]),
                &[x, y],
                &[dx, dy],
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers in loops that carry state
// ---------------------------------------------------------------------------

mod stateful_loops {
    use crate::common::calls::{sq, sq_pullback, sum_sq, sum_sq_pullback_lent};
    use crate::common::*;
    use gradmacro::differentiate;

    /// The right-hand side of the logistic-decay ODE y' = −k y².
    #[differentiate]
    fn rhs(y: f64, k: f64) -> f64 {
        -k * y * y
    }

    /// A buffer updated in place by a helper, three sweeps.
    #[differentiate]
    fn in_place(x: &[f64]) -> f64 {
        let mut y = x.to_vec();
        for _ in 0..3 {
            for i in 0..y.len() {
                y[i] = sq(y[i]) * 0.5 + 0.1;
            }
        }
        sum_sq(&y)
    }

    /// Classical RK4 for y' = −k y², ten steps of 0.1, the right-hand side a
    /// helper called four times per step.
    #[differentiate]
    fn rk4(y0: f64, k: f64) -> f64 {
        let h = 0.1;
        let mut y = y0;
        for _ in 0..10 {
            let k1 = rhs(y, k);
            let k2 = rhs(y + 0.5 * h * k1, k);
            let k3 = rhs(y + 0.5 * h * k2, k);
            let k4 = rhs(y + h * k3, k);
            y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        }
        y
    }

    /// A helper called in a `fold` closure.
    #[differentiate]
    fn fold_calls(x: &[f64]) -> f64 {
        x.iter().fold(1.0, |acc, &v| acc * 0.5 + sq(v))
    }

    /// Helpers in loops that carry state: an in-place update y_i ← ½y_i² + 0.1
    /// (three sweeps), RK4 with the right-hand side as a helper, a `fold`
    /// closure; against finite differences and, for the in-place update, the
    /// chain rule ∂y³/∂x = Π y_before (each step multiplies by y).
    #[test]
    fn helpers_in_loops_that_carry_state() {
        let x = [0.3, -1.2, 0.8];
        let (value, dx) = in_place_grad(&x);
        assert_eq!(value, in_place(&x));
        for i in 0..3 {
            let (mut y, mut dy) = (x[i], 1.0);
            for _ in 0..3 {
                dy *= y;
                y = 0.5 * y * y + 0.1;
            }
            assert_closed("∂/∂x", dx[i], 2.0 * y * dy);
        }
        assert_fd_all("in_place", in_place, &x, &dx);

        for (y0, k) in [(1.0, 0.5), (2.0, 1.5)] {
            let (value, (dy0, dk)) = rk4_grad(y0, k);
            assert_eq!(value, rk4(y0, k));
            assert_fd_all("rk4", |p| rk4(p[0], p[1]), &[y0, k], &[dy0, dk]);
        }

        let (value, dx) = fold_calls_grad(&x);
        assert_eq!(value, fold_calls(&x));
        // acc_3 = ((1/2 + x0²)/2 + x1²)/2 + x2²: ∂/∂x_i = 2x_i / 2^(2 − i).
        assert_all_closed("fold ∂/∂x", &dx, &[0.5 * x[0], x[1], 2.0 * x[2]]);
    }
}
