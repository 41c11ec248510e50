//! Buffers as arguments of calls: arrays by value (one a local cross product),
//! parameter slices and active local `Vec`s (deviations from the mean, a
//! buffer filled by `push`) passed to differentiated helpers; argument shapes
//! (an array coerced to a slice, `&Vec`, `&f64` references to a parameter and
//! a temporary, `f32` through casts, a local 3×3 matrix, a local `Vec` of
//! rows); segments of one slice chosen by offset; scratch buffers refilled for
//! each point of a loop and passed to a helper.
//!
//! Every test checks that `NAME_grad` returns exactly the original function's
//! value, and every gradient entry against a central finite difference of the
//! original function and against a closed form where one is short.
//! Buffers the body writes around a call are in
//! `tests/calls_buffer_regressions.rs`.

// Index loops over several buffers at once are the numeric style under test.
#![allow(clippy::needless_range_loop)]
// `&Vec<f64>` is one of the parameter shapes under test.
#![allow(clippy::ptr_arg)]

mod common;

// ---------------------------------------------------------------------------
// Helpers taking arrays and slices, and active local buffers passed to them
// ---------------------------------------------------------------------------

mod buffer_arguments {
    use crate::common::calls::{sum_sq, sum_sq_pullback_lent};
    use crate::common::*;
    use gradmacro::differentiate;

    /// The dot product of two 3-vectors, by value.
    #[differentiate]
    fn dot3(a: [f64; 3], b: [f64; 3]) -> f64 {
        a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    }

    /// The area of the triangle `p q r` in space: half the length of the cross
    /// product of two edges. The edges and the cross product are local arrays
    /// computed from the parameters and passed to `dot3`.
    #[differentiate]
    fn triangle_area(p: [f64; 3], q: [f64; 3], r: [f64; 3]) -> f64 {
        let u = [q[0] - p[0], q[1] - p[1], q[2] - p[2]];
        let v = [r[0] - p[0], r[1] - p[1], r[2] - p[2]];
        let c = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        0.5 * dot3(c, c).sqrt()
    }

    /// The arithmetic mean of a slice.
    #[differentiate]
    fn mean(x: &[f64]) -> f64 {
        x.iter().sum::<f64>() / x.len() as f64
    }

    /// The sample variance: the deviations are an active local `Vec` computed
    /// from the parameter and passed as a slice to `sum_sq`; the parameter
    /// itself is passed to `mean`.
    #[differentiate]
    fn variance(x: &[f64]) -> f64 {
        let m = mean(x);
        let mut dev = vec![0.0; x.len()];
        for i in 0..x.len() {
            dev[i] = x[i] - m;
        }
        sum_sq(&dev) / (x.len() - 1) as f64
    }

    /// A `Vec` filled by `push` from two parameters, passed to two helpers,
    /// plus a helper called on a parameter slice directly.
    #[differentiate]
    fn pushed_features(x: &[f64], w: &[f64]) -> f64 {
        let mut z = Vec::with_capacity(x.len());
        for i in 0..x.len() {
            z.push((w[i] * x[i]).tanh());
        }
        sum_sq(&z) + mean(&z) * mean(w)
    }

    /// The cross product (test reference only).
    fn cross(u: [f64; 3], v: [f64; 3]) -> [f64; 3] {
        [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ]
    }

    /// Arrays by value into a helper, one of them a local array computed in the
    /// body: the area's gradient w.r.t. the vertex `r` is (c × u)/(2|c|)
    /// with u = q − p and c = u × (r − p), and w.r.t. `q` it is
    /// (v × c)/(2|c|); `p` is checked by translation invariance (the three
    /// gradients sum to zero) and finite differences.
    #[test]
    fn array_helper_with_local_cross_product() {
        for (p, q, r) in [
            ([0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0]),
            ([0.3, -1.2, 0.5], [1.7, 0.4, -0.8], [-0.6, 2.2, 1.1]),
        ] {
            let (value, (dp, dq, dr)) = triangle_area_grad(p, q, r);
            assert_eq!(value, triangle_area(p, q, r));
            let u = [q[0] - p[0], q[1] - p[1], q[2] - p[2]];
            let v = [r[0] - p[0], r[1] - p[1], r[2] - p[2]];
            let c = cross(u, v);
            let len = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
            let cu = cross(c, u);
            let vc = cross(v, c);
            for i in 0..3 {
                assert_closed("∂A/∂r", dr[i], cu[i] / (2.0 * len));
                assert_closed("∂A/∂q", dq[i], vc[i] / (2.0 * len));
                assert_close_abs("Σ gradients", dp[i] + dq[i] + dr[i], 0.0, 0.0, 1e-14);
            }
            let mut at = p.to_vec();
            at.extend(q);
            at.extend(r);
            let mut grad = dp.to_vec();
            grad.extend(dq);
            grad.extend(dr);
            assert_fd_all(
                "triangle_area",
                |x| triangle_area(array(&x[0..3]), array(&x[3..6]), array(&x[6..9])),
                &at,
                &grad,
            );
        }
    }

    /// A parameter slice and an active local `Vec` (the deviations from the
    /// mean) passed to differentiated helpers: ∂var/∂x_i = 2(x_i − x̄)/(n − 1).
    #[test]
    fn variance_through_mean_and_local_deviation_buffer() {
        for x in [vec![1.0, 2.0, 4.0], vec![0.3, -1.7, 2.2, 5.0, -0.4]] {
            let (value, dx) = variance_grad(&x);
            assert_eq!(value, variance(&x));
            let n = x.len() as f64;
            let m = x.iter().sum::<f64>() / n;
            for i in 0..x.len() {
                assert_closed("∂var/∂x", dx[i], 2.0 * (x[i] - m) / (n - 1.0));
            }
            assert_fd_all("variance", variance, &x, &dx);
        }
    }

    /// A `Vec` built by `push` from two parameter slices, passed to two
    /// helpers, and a parameter slice passed directly: with z_i = tanh(w_i x_i),
    /// ∂/∂x_i = (2z_i + w̄/n)(1 − z_i²) w_i and
    /// ∂/∂w_i = (2z_i + w̄/n)(1 − z_i²) x_i + z̄/n.
    #[test]
    fn pushed_local_buffer_into_two_helpers() {
        let x = [0.4, -1.1, 0.9, 2.0];
        let w = [1.5, 0.3, -0.8, 0.25];
        let (value, (dx, dw)) = pushed_features_grad(&x, &w);
        assert_eq!(value, pushed_features(&x, &w));
        let n = x.len() as f64;
        let z: Vec<f64> = (0..4).map(|i| (w[i] * x[i]).tanh()).collect();
        let zbar = z.iter().sum::<f64>() / n;
        let wbar = w.iter().sum::<f64>() / n;
        for i in 0..4 {
            let dz = (2.0 * z[i] + wbar / n) * (1.0 - z[i] * z[i]);
            assert_close("∂/∂x", dx[i], dz * w[i], 1e-12);
            assert_close("∂/∂w", dw[i], dz * x[i] + zbar / n, 1e-12);
        }
        let mut at = x.to_vec();
        at.extend(w);
        let mut grad = dx.clone();
        grad.extend(dw);
        assert_fd_all(
            "pushed_features",
            |p| pushed_features(&p[..4], &p[4..]),
            &at,
            &grad,
        );
    }
}

// ---------------------------------------------------------------------------
// Argument shapes, segments and scratch buffers
// ---------------------------------------------------------------------------

mod call_shapes {
    use crate::common::calls::{row_norms, row_norms_pullback_lent, sum_sq, sum_sq_pullback_lent};
    use crate::common::calls::{trace3, trace3_pullback};
    use crate::common::*;
    use gradmacro::differentiate;

    /// The sum of squares of a `&Vec`.
    #[differentiate]
    fn sum_sq_vec(x: &Vec<f64>) -> f64 {
        x.iter().map(|v| v * v).sum()
    }

    /// A helper taking its argument by reference.
    #[differentiate]
    fn by_ref(x: &f64) -> f64 {
        x.sin() * *x
    }

    /// An `f32` helper.
    #[differentiate]
    fn helper32(x: f32) -> f32 {
        x * x.exp()
    }

    /// The sum of squares of `len` entries from `off` on (a "sub-slice" by
    /// offset, since `&x[a..b]` is not supported).
    #[differentiate]
    fn seg_sum_sq(x: &[f64], off: usize, len: usize) -> f64 {
        let mut s = 0.0;
        for i in 0..len {
            s += x[off + i] * x[off + i];
        }
        s
    }

    /// A parameter array passed to a slice helper (`&a` coerces), and a local
    /// `Vec` passed to a `&Vec` helper.
    #[differentiate]
    fn coerced(a: [f64; 3], x: &[f64]) -> f64 {
        let v = x.to_vec();
        sum_sq(&a) * sum_sq_vec(&v)
    }

    /// References to a parameter and to a temporary passed to a `&f64` helper.
    #[differentiate]
    fn pass_refs(x: f64) -> f64 {
        by_ref(&x) + by_ref(&(x * 2.0))
    }

    /// An `f32` helper called from `f64` code through casts.
    #[differentiate]
    fn through_f32(x: f64) -> f64 {
        helper32(x as f32) as f64 * x
    }

    /// A local 3×3 matrix of active entries passed to a matrix helper.
    #[differentiate]
    fn local_matrix(x: f64) -> f64 {
        let m = [[x, 1.0, 0.0], [0.0, x * x, 0.0], [2.0, 0.0, x.sin()]];
        trace3(m)
    }

    /// A local `Vec` of rows filled by element writes, passed to a
    /// `&[[f64; 3]]` helper (filled by `push` instead in
    /// `tests/calls_buffer_regressions.rs`).
    #[differentiate]
    fn local_rows(x: &[f64]) -> f64 {
        let mut rows = vec![[0.0; 3]; x.len()];
        for i in 0..x.len() {
            rows[i][0] = x[i];
            rows[i][1] = x[i] * 2.0;
            rows[i][2] = 1.0;
        }
        row_norms(&rows)
    }

    /// Two segments of one slice, chosen by offset.
    #[differentiate]
    fn segments(x: &[f64]) -> f64 {
        seg_sum_sq(x, 0, 2) * seg_sum_sq(x, 2, 2)
    }

    /// A scratch `Vec` declared inside the loop, filled for each point and
    /// passed to a helper (declared once before the loop instead:
    /// `tests/calls_buffer_regressions.rs`).
    #[differentiate]
    fn scratch_vec_per_point(x: &[f64], c: f64) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            let mut buf = vec![0.0; 2];
            buf[0] = x[i] - c;
            buf[1] = x[i] * c;
            s += sum_sq(&buf);
        }
        s
    }

    /// The same with a local array passed by value inside a nested array.
    #[differentiate]
    fn scratch_array_per_point(x: &[f64], c: f64) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            let mut buf = [0.0; 3];
            buf[0] = x[i] - c;
            buf[1] = x[i] * c;
            s += trace3([buf, [0.0; 3], [0.0; 3]]) * buf[1];
        }
        s
    }

    /// Argument shapes: an array coerced to a slice, a `&Vec`, `&f64`
    /// references to a parameter and a temporary, `f32` through casts, a
    /// local 3×3 matrix and a local `Vec<[f64; 3]>`, with closed forms:
    /// ∂(|a|²|x|²)/∂a = 2a|x|², trace' = 1 + 2x + cos x, and the f32 helper's
    /// derivative x eˣ + x(1 + x)eˣ (to f32 precision).
    #[test]
    fn argument_shapes_arrays_vecs_references_f32() {
        let a = [0.3, -1.2, 0.8];
        let x = [1.5, 0.4, -0.9, 2.0];
        let (value, (da, dx)) = coerced_grad(a, &x);
        assert_eq!(value, coerced(a, &x));
        let (na, nx) = (
            a.iter().map(|v| v * v).sum::<f64>(),
            x.iter().map(|v| v * v).sum::<f64>(),
        );
        for i in 0..3 {
            assert_closed("∂/∂a", da[i], 2.0 * a[i] * nx);
        }
        for i in 0..4 {
            assert_closed("∂/∂x", dx[i], 2.0 * x[i] * na);
        }

        for t in [0.7, -1.3] {
            let (value, d) = pass_refs_grad(t);
            assert_eq!(value, pass_refs(t));
            let dby = |u: f64| u.sin() + u * u.cos();
            assert_closed("pass_refs'", d, dby(t) + 2.0 * dby(2.0 * t));
            assert_fd("pass_refs", d, pass_refs, t);

            let (value, d) = through_f32_grad(t);
            assert_eq!(value, through_f32(t));
            let h = t * t.exp();
            assert_close("through_f32'", d, h + t * t.exp() * (1.0 + t), 1e-6);

            let (value, d) = local_matrix_grad(t);
            assert_eq!(value, local_matrix(t));
            assert_closed("trace'", d, 1.0 + 2.0 * t + t.cos());
        }

        let (value, dx) = local_rows_grad(&x);
        assert_eq!(value, local_rows(&x));
        for i in 0..4 {
            let norm = (5.0 * x[i] * x[i] + 1.0).sqrt();
            assert_closed("∂/∂x", dx[i], 5.0 * x[i] / norm);
        }
        assert_fd_all("local_rows", local_rows, &x, &dx);
    }

    /// Segments by offset: ∂(S₁S₂)/∂x_i = 2x_i S₂ for the first two entries
    /// and 2x_i S₁ for the last two.
    #[test]
    fn helpers_on_segments_by_offset() {
        let x = [0.3, -1.2, 0.8, 2.0];
        let (value, dx) = segments_grad(&x);
        assert_eq!(value, segments(&x));
        let s1 = x[0] * x[0] + x[1] * x[1];
        let s2 = x[2] * x[2] + x[3] * x[3];
        let expected = [
            2.0 * x[0] * s2,
            2.0 * x[1] * s2,
            2.0 * x[2] * s1,
            2.0 * x[3] * s1,
        ];
        assert_all_closed("∂/∂x", &dx, &expected);
        assert_fd_all("segments", segments, &x, &dx);
    }

    /// Scratch buffers declared inside a loop, refilled for each point and
    /// passed to a helper (a `Vec` by reference, an array inside a nested
    /// array by value): Σ (x_i − c)² + (x_i c)² has ∂/∂x_i = 2(x_i − c) +
    /// 2x_i c² and ∂/∂c = Σ −2(x_i − c) + 2x_i² c; Σ (x_i − c)·x_i c has
    /// ∂/∂x_i = (2x_i − c)c and ∂/∂c = Σ x_i² − 2x_i c.
    #[test]
    fn scratch_buffers_declared_in_the_loop() {
        let x = [0.5, 2.0, -1.0, 1.5];
        for c in [0.3, -1.2] {
            let (value, (dx, dc)) = scratch_vec_per_point_grad(&x, c);
            assert_eq!(value, scratch_vec_per_point(&x, c));
            let expected: Vec<f64> = x.iter().map(|v| 2.0 * (v - c) + 2.0 * v * c * c).collect();
            assert_all_closed("vec ∂/∂x", &dx, &expected);
            let edc: f64 = x.iter().map(|v| -2.0 * (v - c) + 2.0 * v * v * c).sum();
            assert_closed("vec ∂/∂c", dc, edc);

            let (value, (dx, dc)) = scratch_array_per_point_grad(&x, c);
            assert_eq!(value, scratch_array_per_point(&x, c));
            let expected: Vec<f64> = x.iter().map(|v| (2.0 * v - c) * c).collect();
            assert_all_closed("array ∂/∂x", &dx, &expected);
            let edc: f64 = x.iter().map(|v| v * v - 2.0 * v * c).sum();
            assert_closed("array ∂/∂c", dc, edc);

            let mut at = x.to_vec();
            at.push(c);
            let mut grad = dx.clone();
            grad.push(dc);
            assert_fd_all(
                "scratch_array_per_point",
                |p| scratch_array_per_point(&p[..4], p[4]),
                &at,
                &grad,
            );
        }
    }
}
