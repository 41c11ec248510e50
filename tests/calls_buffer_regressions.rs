//! Regression tests for buffers passed to calls where the body also writes
//! them, each the minimal reproduction of a fixed bug plus a realistic variant:
//!
//! 1. a buffer declared before a loop, overwritten in each iteration and passed
//!    to a helper (every call of the reverse sweep used to see the buffer's last
//!    contents, so the gradient was wrong);
//! 2. array rows pushed onto a local `Vec` passed to a helper (the gradient
//!    used to be 0);
//! 3. a buffer written after being passed to a call, in straight-line code
//!    (used not to compile, E0502);
//! 4. a row of a nested buffer passed by value, `pair(m[0])` with
//!    `fn pair(r: [f64; 2])` (used not to compile, E0308).
//!
//! Every test checks that `NAME_grad` returns exactly the original function's
//! value, every gradient entry against central finite differences of the
//! original function, and against a closed form.

// Index loops over several buffers at once are the numeric style under test.
#![allow(clippy::needless_range_loop)]
// The minimal reproduction of 2 pushes onto a `Vec::new()` as it was reported.
#![allow(clippy::vec_init_then_push)]

mod common;

// ---------------------------------------------------------------------------
// 1. A buffer declared before the loop, overwritten and passed in each iteration
// ---------------------------------------------------------------------------

mod buffer_reused_across_iterations {
    use crate::common::calls::{row_norms, row_norms_pullback_lent, trace3, trace3_pullback};
    use crate::common::*;
    use gradmacro::differentiate;

    /// The squared Euclidean norm of a slice.
    #[differentiate]
    fn sq_norm(v: &[f64]) -> f64 {
        let mut s = 0.0;
        for &t in v {
            s += t * t;
        }
        s
    }

    /// `ln Σ_c exp(v_c)` (unshifted: the test's values are small).
    #[differentiate]
    fn logsumexp(v: &[f64]) -> f64 {
        let mut s = 0.0;
        for &t in v {
            s += t.exp();
        }
        s.ln()
    }

    /// The minimal reproduction: Σ x_i², one entry of a hoisted buffer at a time.
    #[differentiate]
    fn reused_buffer(x: &[f64]) -> f64 {
        let mut s = 0.0;
        let mut buf = vec![0.0; 1];
        for i in 0..x.len() {
            buf[0] = x[i];
            s += sq_norm(&buf);
        }
        s
    }

    /// The log-likelihood of a unit-variance mixture with equal weights (up to
    /// constants), Σ_i ln Σ_c exp(−(x_i − μ_c)²/2): one buffer of per-component
    /// terms declared before the loop over the points, refilled for each point
    /// and passed to `logsumexp`, as the GMM objective is written.
    #[differentiate]
    fn mixture_log_likelihood(x: &[f64], mu: &[f64]) -> f64 {
        let k = mu.len();
        let mut terms = vec![0.0; k];
        let mut total = 0.0;
        for i in 0..x.len() {
            for c in 0..k {
                terms[c] = -0.5 * (x[i] - mu[c]) * (x[i] - mu[c]);
            }
            total += logsumexp(&terms);
        }
        total
    }

    /// A `Vec` scratch buffer of two entries declared once before the loop.
    #[differentiate]
    fn scratch_vec_hoisted(x: &[f64], c: f64) -> f64 {
        let mut s = 0.0;
        let mut buf = vec![0.0; 2];
        for i in 0..x.len() {
            buf[0] = x[i] - c;
            buf[1] = x[i] * c;
            s += sq_norm(&buf);
        }
        s
    }

    /// A scratch array declared once before the loop, passed inside a nested
    /// array by value.
    #[differentiate]
    fn scratch_array_hoisted(x: &[f64], c: f64) -> f64 {
        let mut s = 0.0;
        let mut buf = [0.0; 3];
        for i in 0..x.len() {
            buf[0] = x[i] - c;
            buf[1] = x[i] * c;
            s += trace3([buf, [0.0; 3], [0.0; 3]]) * buf[1];
        }
        s
    }

    /// A local `Vec` of rows declared before the loop, one row overwritten per
    /// point and the whole buffer passed each time: Σ_i Σ_{j ≤ i} |(x_j, 2x_j, 1)|
    /// (rows not yet written are zero).
    #[differentiate]
    fn growing_rows(x: &[f64]) -> f64 {
        let mut rows = vec![[0.0; 3]; x.len()];
        let mut s = 0.0;
        for i in 0..x.len() {
            rows[i][0] = x[i];
            rows[i][1] = 2.0 * x[i];
            rows[i][2] = 1.0;
            s += row_norms(&rows);
        }
        s
    }

    /// The minimal reproduction: ∂/∂x_i = 2x_i (each call must see its own
    /// iteration's entry, not the last one).
    #[test]
    fn hoisted_buffer_minimal_reproduction() {
        let x = [0.5, -1.5, 2.0];
        let (value, dx) = reused_buffer_grad(&x);
        assert_eq!(value, reused_buffer(&x));
        assert_all_closed("∂/∂x", &dx, &[1.0, -3.0, 4.0]);
        assert_fd_all("reused_buffer", reused_buffer, &x, &dx);
    }

    /// With responsibilities r_ic = softmax_c(−(x_i − μ_c)²/2):
    /// ∂/∂x_i = −Σ_c r_ic (x_i − μ_c) and ∂/∂μ_c = Σ_i r_ic (x_i − μ_c).
    #[test]
    fn hoisted_buffer_of_mixture_terms() {
        let x = [0.3, -1.1, 2.4, 0.9, -0.2];
        let mu = [-1.0, 0.5, 2.0];
        let (value, (dx, dmu)) = mixture_log_likelihood_grad(&x, &mu);
        assert_eq!(value, mixture_log_likelihood(&x, &mu));
        let mut edmu = [0.0; 3];
        for i in 0..x.len() {
            let terms: Vec<f64> = mu.iter().map(|m| -0.5 * (x[i] - m).powi(2)).collect();
            let z: f64 = terms.iter().map(|t| t.exp()).sum();
            let mut edx = 0.0;
            for c in 0..3 {
                let r = terms[c].exp() / z;
                edx -= r * (x[i] - mu[c]);
                edmu[c] += r * (x[i] - mu[c]);
            }
            assert_closed("∂/∂x", dx[i], edx);
        }
        assert_all_closed("∂/∂μ", &dmu, &edmu);
        let mut at = x.to_vec();
        at.extend(mu);
        let mut grad = dx.clone();
        grad.extend(&dmu);
        assert_fd_all(
            "mixture_log_likelihood",
            |p| mixture_log_likelihood(&p[..5], &p[5..]),
            &at,
            &grad,
        );
    }

    /// The hoisted forms of `scratch_vec_per_point` and
    /// `scratch_array_per_point` (tests/calls_buffers.rs), with the same
    /// closed forms: Σ (x_i − c)² + (x_i c)² and Σ (x_i − c)·x_i c.
    #[test]
    fn hoisted_scratch_vec_and_array() {
        let x = [0.5, 2.0, -1.0, 1.5];
        for c in [0.3, -1.2] {
            let (value, (dx, dc)) = scratch_vec_hoisted_grad(&x, c);
            assert_eq!(value, scratch_vec_hoisted(&x, c));
            let expected: Vec<f64> = x.iter().map(|v| 2.0 * (v - c) + 2.0 * v * c * c).collect();
            assert_all_closed("vec ∂/∂x", &dx, &expected);
            let edc: f64 = x.iter().map(|v| -2.0 * (v - c) + 2.0 * v * v * c).sum();
            assert_closed("vec ∂/∂c", dc, edc);
            let mut at = x.to_vec();
            at.push(c);
            let mut grad = dx.clone();
            grad.push(dc);
            assert_fd_all(
                "scratch_vec_hoisted",
                |p| scratch_vec_hoisted(&p[..4], p[4]),
                &at,
                &grad,
            );

            let (value, (dx, dc)) = scratch_array_hoisted_grad(&x, c);
            assert_eq!(value, scratch_array_hoisted(&x, c));
            let expected: Vec<f64> = x.iter().map(|v| (2.0 * v - c) * c).collect();
            assert_all_closed("array ∂/∂x", &dx, &expected);
            let edc: f64 = x.iter().map(|v| v * v - 2.0 * v * c).sum();
            assert_closed("array ∂/∂c", dc, edc);
            let mut grad = dx.clone();
            grad.push(dc);
            assert_fd_all(
                "scratch_array_hoisted",
                |p| scratch_array_hoisted(&p[..4], p[4]),
                &at,
                &grad,
            );
        }
    }

    /// Row j is summed once per iteration from j on: ∂/∂x_j =
    /// (n − j)·5x_j/√(5x_j² + 1).
    #[test]
    fn hoisted_rows_passed_whole_each_iteration() {
        let x = [0.4, -1.1, 0.9, 2.0];
        let (value, dx) = growing_rows_grad(&x);
        assert_eq!(value, growing_rows(&x));
        let n = x.len();
        for j in 0..n {
            let norm = (5.0 * x[j] * x[j] + 1.0).sqrt();
            assert_closed("∂/∂x", dx[j], (n - j) as f64 * 5.0 * x[j] / norm);
        }
        assert_fd_all("growing_rows", growing_rows, &x, &dx);
    }
}

// ---------------------------------------------------------------------------
// 2. Array rows pushed onto a local `Vec` and passed to a helper
// ---------------------------------------------------------------------------

mod pushed_rows {
    use crate::common::calls::{row_norms, row_norms_pullback_lent};
    use crate::common::*;
    use gradmacro::differentiate;

    /// The first entry of the first row.
    #[differentiate]
    fn first(rows: &[[f64; 1]]) -> f64 {
        rows[0][0]
    }

    /// The minimal reproduction: one pushed row, read back by a helper.
    #[differentiate]
    fn push_one_row(x: f64) -> f64 {
        let mut rows = Vec::new();
        rows.push([x]);
        first(&rows)
    }

    /// Rows (x_i, 2x_i, 1) pushed in a loop onto a `Vec::with_capacity`, then
    /// passed to `row_norms`.
    #[differentiate]
    fn pushed_rows_in_a_loop(x: &[f64]) -> f64 {
        let mut rows = Vec::with_capacity(x.len());
        for i in 0..x.len() {
            rows.push([x[i], 2.0 * x[i], 1.0]);
        }
        row_norms(&rows)
    }

    /// The minimal reproduction: the pushed row's adjoint reaches x, d/dx = 1.
    #[test]
    fn pushed_row_minimal_reproduction() {
        for x in [0.7, -2.5] {
            let (value, dx) = push_one_row_grad(x);
            assert_eq!(value, push_one_row(x));
            assert_closed("d/dx", dx, 1.0);
            assert_fd("push_one_row", dx, push_one_row, x);
        }
    }

    /// ∂/∂x_i = 5x_i/√(5x_i² + 1).
    #[test]
    fn rows_pushed_in_a_loop() {
        let x = [1.5, 0.4, -0.9, 2.0];
        let (value, dx) = pushed_rows_in_a_loop_grad(&x);
        assert_eq!(value, pushed_rows_in_a_loop(&x));
        for i in 0..4 {
            let norm = (5.0 * x[i] * x[i] + 1.0).sqrt();
            assert_closed("∂/∂x", dx[i], 5.0 * x[i] / norm);
        }
        assert_fd_all("pushed_rows_in_a_loop", pushed_rows_in_a_loop, &x, &dx);
    }
}

// ---------------------------------------------------------------------------
// 3. A buffer written after being passed to a call
// ---------------------------------------------------------------------------

mod written_after_the_call {
    use crate::common::*;
    use gradmacro::differentiate;

    /// The squared Euclidean norm of a slice.
    #[differentiate]
    fn sq_norm(v: &[f64]) -> f64 {
        let mut s = 0.0;
        for &t in v {
            s += t * t;
        }
        s
    }

    /// The minimal reproduction: x² + 2x, the buffer overwritten after the call.
    #[differentiate]
    fn write_after_call(x: f64) -> f64 {
        let mut buf = vec![0.0; 1];
        buf[0] = x;
        let a = sq_norm(&buf);
        buf[0] = 2.0 * x;
        a + buf[0]
    }

    /// A hidden layer h = tanh(w x) passed to `sq_norm`, overwritten in place by
    /// h_i ← h_i x_i + w and passed again: ‖h‖²·‖u‖².
    #[differentiate]
    fn passed_overwritten_passed(x: &[f64], w: f64) -> f64 {
        let n = x.len();
        let mut h = vec![0.0; n];
        for i in 0..n {
            h[i] = (w * x[i]).tanh();
        }
        let first = sq_norm(&h);
        for i in 0..n {
            h[i] = h[i] * x[i] + w;
        }
        let second = sq_norm(&h);
        first * second
    }

    /// The minimal reproduction: d/dx (x² + 2x) = 2x + 2.
    #[test]
    fn write_after_call_minimal_reproduction() {
        for x in [0.7, -1.6] {
            let (value, dx) = write_after_call_grad(x);
            assert_eq!(value, write_after_call(x));
            assert_closed("d/dx", dx, 2.0 * x + 2.0);
            assert_fd("write_after_call", dx, write_after_call, x);
        }
    }

    /// With t_i = tanh(w x_i), u_i = t_i x_i + w, A = Σt², B = Σu²:
    /// ∂/∂x_i = 2t_i t_i' w·B + 2u_i (t_i' w x_i + t_i)·A and
    /// ∂/∂w = Σ 2t_i t_i' x_i·B + Σ 2u_i (t_i' x_i² + 1)·A, t_i' = 1 − t_i².
    #[test]
    fn buffer_passed_overwritten_and_passed_again() {
        let x = [0.4, -1.1, 0.9, 2.0];
        for w in [0.8, -0.35] {
            let (value, (dx, dw)) = passed_overwritten_passed_grad(&x, w);
            assert_eq!(value, passed_overwritten_passed(&x, w));
            let t: Vec<f64> = x.iter().map(|v| (w * v).tanh()).collect();
            let u: Vec<f64> = (0..4).map(|i| t[i] * x[i] + w).collect();
            let a: f64 = t.iter().map(|v| v * v).sum();
            let b: f64 = u.iter().map(|v| v * v).sum();
            let mut edw = 0.0;
            for i in 0..4 {
                let dt = 1.0 - t[i] * t[i];
                let edx = 2.0 * t[i] * dt * w * b + 2.0 * u[i] * (dt * w * x[i] + t[i]) * a;
                assert_close("∂/∂x", dx[i], edx, 1e-12);
                edw += 2.0 * t[i] * dt * x[i] * b + 2.0 * u[i] * (dt * x[i] * x[i] + 1.0) * a;
            }
            assert_close("∂/∂w", dw, edw, 1e-12);
            let mut at = x.to_vec();
            at.push(w);
            let mut grad = dx.clone();
            grad.push(dw);
            assert_fd_all(
                "passed_overwritten_passed",
                |p| passed_overwritten_passed(&p[..4], p[4]),
                &at,
                &grad,
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 4. Rows of nested buffers passed by value
// ---------------------------------------------------------------------------

mod rows_by_value {
    use crate::common::*;
    use gradmacro::differentiate;

    /// The product of a row's two entries.
    #[differentiate]
    fn pair(r: [f64; 2]) -> f64 {
        r[0] * r[1]
    }

    /// The 2-D cross product a × b.
    #[differentiate]
    fn cross2(a: [f64; 2], b: [f64; 2]) -> f64 {
        a[0] * b[1] - a[1] * b[0]
    }

    /// The squared distance between two points of the plane.
    #[differentiate]
    fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
        (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1])
    }

    /// The minimal reproduction, on a slice of rows.
    #[differentiate]
    fn first_pair(m: &[[f64; 2]]) -> f64 {
        pair(m[0])
    }

    /// The same on a nested array parameter, both rows.
    #[differentiate]
    fn both_pairs(m: [[f64; 2]; 2]) -> f64 {
        pair(m[0]) + 2.0 * pair(m[1])
    }

    /// The signed area of a polygon by the shoelace formula, rows of a slice
    /// passed by value: ½ Σ_i p_i × p_{i+1}.
    #[differentiate]
    fn polygon_area(p: &[[f64; 2]]) -> f64 {
        let n = p.len();
        let mut s = 0.0;
        for i in 0..n {
            s += cross2(p[i], p[(i + 1) % n]);
        }
        0.5 * s
    }

    /// The area of a triangle stretched by `s` along the first axis: the
    /// vertices are a local `[[f64; 2]; 3]` filled in a loop, its rows passed
    /// by value.
    #[differentiate]
    fn stretched_triangle_area(p: &[[f64; 2]], s: f64) -> f64 {
        let mut v = [[0.0; 2]; 3];
        for i in 0..3 {
            v[i][0] = s * p[i][0];
            v[i][1] = p[i][1];
        }
        0.5 * (cross2(v[0], v[1]) + cross2(v[1], v[2]) + cross2(v[2], v[0]))
    }

    /// A local `[[f64; 2]; 3]` literal of active entries, its rows passed by
    /// value: (x − y)² + (y − 2x)² + x y² − 2x.
    #[differentiate]
    fn local_rows_literal(x: f64, y: f64) -> f64 {
        let v = [[x, y], [y, 2.0 * x], [1.0, x * y]];
        dist2(v[0], v[1]) + cross2(v[1], v[2])
    }

    /// ∂A/∂p_i = ½ (y_{i+1} − y_{i−1}, x_{i−1} − x_{i+1}).
    fn shoelace_gradient(p: &[[f64; 2]]) -> Vec<[f64; 2]> {
        let n = p.len();
        (0..n)
            .map(|i| {
                let (prev, next) = (p[(i + n - 1) % n], p[(i + 1) % n]);
                [0.5 * (next[1] - prev[1]), 0.5 * (prev[0] - next[0])]
            })
            .collect()
    }

    /// The minimal reproduction on a slice of rows, ∂(m₀₀ m₀₁)/∂m = [[m₀₁, m₀₀],
    /// [0, 0]], and on a nested array, ∂(m₀₀ m₀₁ + 2 m₁₀ m₁₁)/∂m =
    /// [[m₀₁, m₀₀], [2m₁₁, 2m₁₀]].
    #[test]
    fn row_by_value_minimal_reproduction() {
        let m = [[0.7, -1.3], [2.0, 0.4]];
        let (value, dm) = first_pair_grad(&m);
        assert_eq!(value, first_pair(&m));
        assert_all_closed("∂/∂m", &flatten(&dm), &[-1.3, 0.7, 0.0, 0.0]);
        assert_fd_all(
            "first_pair",
            |p| first_pair(&rows::<f64, 2>(p)),
            &flatten(&m),
            &flatten(&dm),
        );

        let (value, dm) = both_pairs_grad(m);
        assert_eq!(value, both_pairs(m));
        assert_all_closed("∂/∂m", &flatten(&dm), &[-1.3, 0.7, 0.8, 4.0]);
        assert_fd_all(
            "both_pairs",
            |p| both_pairs(matrix(p)),
            &flatten(&m),
            &flatten(&dm),
        );
    }

    /// The shoelace area of a pentagon and of a stretched triangle, against
    /// the closed form above (∂/∂s of the stretched area is the area itself).
    #[test]
    fn rows_of_slices_and_local_arrays_by_value() {
        let p = [[0.0, 0.0], [2.0, -0.5], [3.1, 1.2], [1.4, 2.5], [-0.6, 1.3]];
        let (value, dp) = polygon_area_grad(&p);
        assert_eq!(value, polygon_area(&p));
        assert_all_closed("∂A/∂p", &flatten(&dp), &flatten(&shoelace_gradient(&p)));
        assert_fd_all(
            "polygon_area",
            |q| polygon_area(&rows::<f64, 2>(q)),
            &flatten(&p),
            &flatten(&dp),
        );

        let tri = [[0.3, -0.2], [1.7, 0.4], [0.5, 1.9]];
        for s in [1.5, -0.7] {
            let (value, (dp, ds)) = stretched_triangle_area_grad(&tri, s);
            assert_eq!(value, stretched_triangle_area(&tri, s));
            let area = polygon_area(&tri);
            assert_closed("∂/∂s", ds, area);
            let stretched: Vec<[f64; 2]> = tri.iter().map(|v| [s * v[0], v[1]]).collect();
            let expected: Vec<f64> = shoelace_gradient(&stretched)
                .iter()
                .flat_map(|g| [s * g[0], g[1]])
                .collect();
            assert_all_closed("∂/∂p", &flatten(&dp), &expected);
            let mut at = flatten(&tri);
            at.push(s);
            let mut grad = flatten(&dp);
            grad.push(ds);
            assert_fd_all(
                "stretched_triangle_area",
                |q| stretched_triangle_area(&rows::<f64, 2>(&q[..6]), q[6]),
                &at,
                &grad,
            );
        }

        for (x, y) in [(0.6, -1.4), (2.2, 0.3)] {
            let (value, (dx, dy)) = local_rows_literal_grad(x, y);
            assert_eq!(value, local_rows_literal(x, y));
            assert_closed(
                "∂/∂x",
                dx,
                2.0 * (x - y) - 4.0 * (y - 2.0 * x) + y * y - 2.0,
            );
            assert_closed(
                "∂/∂y",
                dy,
                -2.0 * (x - y) + 2.0 * (y - 2.0 * x) + 2.0 * x * y,
            );
            assert_fd_all(
                "local_rows_literal",
                |q| local_rows_literal(q[0], q[1]),
                &[x, y],
                &[dx, dy],
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 5. A buffer declared in the loop body (each iteration has its own) is passed
//    to the call as it is, not copied; one declared before the loop and
//    written after the call, in the same iteration or the next, still is.
// ---------------------------------------------------------------------------
mod declared_per_iteration {
    use crate::common::*;
    use gradmacro::differentiate;

    #[differentiate]
    fn weighted(w: &[f64], v: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..v.len() {
            s += w[i] * v[i] * v[i];
        }
        s
    }

    /// A hidden buffer per sample, passed to a helper after it is filled.
    #[differentiate(wrt = w)]
    fn per_sample(w: &[f64], xs: &[f64]) -> f64 {
        let mut loss = 0.0;
        for s in 0..xs.len() {
            let mut hidden = vec![0.0; w.len()];
            for j in 0..w.len() {
                hidden[j] = (w[j] * xs[s]).tanh();
            }
            loss += weighted(w, &hidden);
        }
        loss
    }

    /// The same buffer declared before the loop: the next iteration's writes
    /// must not show through to this iteration's call.
    #[differentiate(wrt = w)]
    fn hoisted(w: &[f64], xs: &[f64]) -> f64 {
        let mut loss = 0.0;
        let mut hidden = vec![0.0; w.len()];
        for s in 0..xs.len() {
            for j in 0..w.len() {
                hidden[j] = (w[j] * xs[s]).tanh();
            }
            loss += weighted(w, &hidden);
        }
        loss
    }

    /// Declared in the body, written again after the call in the same
    /// iteration.
    #[differentiate(wrt = w)]
    fn rewritten(w: &[f64], xs: &[f64]) -> f64 {
        let mut loss = 0.0;
        for s in 0..xs.len() {
            let mut hidden = vec![0.0; w.len()];
            for j in 0..w.len() {
                hidden[j] = (w[j] * xs[s]).tanh();
            }
            loss += weighted(w, &hidden);
            for j in 0..w.len() {
                hidden[j] *= w[j];
            }
            loss += hidden[0];
        }
        loss
    }

    #[test]
    fn every_form_matches_finite_differences() {
        let w = [0.4, -0.7, 1.1];
        let xs = [0.5, -1.5, 2.0, 0.25];
        for (name, f, grad) in [
            (
                "per sample",
                per_sample as fn(&[f64], &[f64]) -> f64,
                per_sample_grad as fn(&[f64], &[f64]) -> (f64, Vec<f64>),
            ),
            ("hoisted", hoisted, hoisted_grad),
            ("rewritten", rewritten, rewritten_grad),
        ] {
            let (value, g) = grad(&w, &xs);
            assert_closed(name, value, f(&w, &xs));
            assert_fd_all(name, |w| f(w, &xs), &w, &g);
        }
        // The first two compute the same loss.
        assert_closed("same", per_sample(&w, &xs), hoisted(&w, &xs));
        assert_all_closed(
            "same gradient",
            &per_sample_grad(&w, &xs).1,
            &hoisted_grad(&w, &xs).1,
        );
    }
}
