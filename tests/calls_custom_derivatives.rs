//! Custom derivatives and the pullbacks themselves: hand-written `NAME_pullback`
//! functions (a scalar `ln(1 + eˣ)` stable where eˣ overflows, a slice
//! log-sum-exp fed a local buffer) that the caller's gradient composes instead
//! of differentiating the callee, with counters showing they run once per call;
//! and `NAME_pullback` called directly with a seed other than 1, for scalar,
//! constant, array and slice parameters and for a parameter outside `wrt`.
//!
//! Every test checks that `NAME_grad` returns exactly the original function's
//! value, and every gradient entry against a central finite difference of the
//! original function and against a closed form.

// Index loops over several buffers at once are the numeric style under test.
#![allow(clippy::needless_range_loop)]

mod common;

// ---------------------------------------------------------------------------
// Custom derivatives: hand-written pullbacks
// ---------------------------------------------------------------------------

mod custom_derivative {
    use crate::common::*;
    use gradmacro::differentiate;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// How many times `log1p_exp_pullback` ran (only the test of
    /// `logistic_loss` calls it, so parallel tests do not race on it).
    static LOG1P_EXP_PULLBACKS: AtomicUsize = AtomicUsize::new(0);
    /// How many times `log_sum_exp_pullback` ran (only the test of
    /// `log_partition` calls it).
    static LOG_SUM_EXP_PULLBACKS: AtomicUsize = AtomicUsize::new(0);

    /// `ln(1 + eˣ)` without overflow, NOT differentiated by the macro.
    fn log1p_exp(x: f64) -> f64 {
        if x > 0.0 {
            x + (-x).exp().ln_1p()
        } else {
            x.exp().ln_1p()
        }
    }

    /// The logistic sigmoid without overflow.
    fn sigmoid(x: f64) -> f64 {
        if x >= 0.0 {
            1.0 / (1.0 + (-x).exp())
        } else {
            let e = x.exp();
            e / (1.0 + e)
        }
    }

    /// The hand-written pullback of `log1p_exp`: d/dx ln(1 + eˣ) = σ(x),
    /// computed stably (the naive eˣ/(1 + eˣ) is ∞/∞ = NaN for x > 709).
    fn log1p_exp_pullback(x: f64, seed: f64) -> (f64, (f64,)) {
        LOG1P_EXP_PULLBACKS.fetch_add(1, Ordering::SeqCst);
        (log1p_exp(x), (seed * sigmoid(x),))
    }

    /// The logistic-regression loss Σ_i ln(1 + exp(−y_i (w·x_i + b))) over
    /// rows of `dim` features, through the custom derivative.
    #[differentiate(wrt = [w, b])]
    fn logistic_loss(w: &[f64], b: f64, xs: &[f64], ys: &[f64], dim: usize) -> f64 {
        let mut total = 0.0;
        for i in 0..ys.len() {
            let mut z = b;
            for j in 0..dim {
                z += w[j] * xs[i * dim + j];
            }
            total += log1p_exp(-ys[i] * z);
        }
        total
    }

    /// A log-sum-exp over a slice, NOT differentiated by the macro.
    fn log_sum_exp(x: &[f64]) -> f64 {
        let m = x.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
    }

    /// The hand-written pullback of `log_sum_exp` for a slice argument: the
    /// softmax, as a `Vec` like the macro's own slice adjoints.
    fn log_sum_exp_pullback(x: &[f64], seed: f64) -> (f64, (Vec<f64>,)) {
        LOG_SUM_EXP_PULLBACKS.fetch_add(1, Ordering::SeqCst);
        let lse = log_sum_exp(x);
        (lse, (x.iter().map(|v| seed * (v - lse).exp()).collect(),))
    }

    /// The same in the `_lent` convention, which a caller passing buffers by
    /// reference composes through: the seed is an `Option`, and the
    /// adjoint is added into the caller's `&mut` adjoint. Written here from
    /// the plain pullback, the shortest way (adding in place directly would
    /// also save the `Vec`).
    fn log_sum_exp_pullback_lent(
        x: &[f64],
        seed: Option<f64>,
        adjoint_x: &mut [f64],
    ) -> (f64, ((),)) {
        let (lse, (gradient,)) = log_sum_exp_pullback(x, seed.unwrap_or(0.0));
        for (a, g) in adjoint_x.iter_mut().zip(&gradient) {
            *a += g;
        }
        (lse, ((),))
    }

    /// The log partition function of a linear energy model, ln Σ_k exp(θ·φ_k),
    /// plus ½‖θ‖²: the scores are an active local buffer passed to the
    /// custom derivative.
    #[differentiate]
    fn log_partition(theta: &[f64], features: &[f64]) -> f64 {
        let dim = theta.len();
        let k = features.len() / dim;
        let mut scores = vec![0.0; k];
        for c in 0..k {
            for j in 0..dim {
                scores[c] += theta[j] * features[c * dim + j];
            }
        }
        let mut reg = 0.0;
        for j in 0..dim {
            reg += theta[j] * theta[j];
        }
        log_sum_exp(&scores) + 0.5 * reg
    }

    /// The hand-written `log1p_exp_pullback` is what the caller's gradient
    /// uses: each `logistic_loss_grad` evaluation runs it exactly once per
    /// data point (and the original function not at all); the gradient
    /// matches Σ −y_i σ(−y_i z_i)(x_i, 1) and finite differences, and stays
    /// finite at margins up to 800, where eˣ overflows and the naive
    /// derivative eˣ/(1 + eˣ) would be NaN.
    #[test]
    fn hand_written_pullback_is_used_by_the_callers_gradient() {
        let dim = 2;
        let xs = [0.5, 1.0, -1.5, 0.3, 2.0, -0.7, -0.4, -1.2, 1.1, 0.9];
        let ys = [1.0, -1.0, 1.0, -1.0, 1.0];
        let n = ys.len();
        for (w, b) in [
            ([0.4, -0.3], 0.1),
            ([-1.2, 2.0], -0.5),
            ([-400.0, 0.0], 0.0),
        ] {
            let before = LOG1P_EXP_PULLBACKS.load(Ordering::SeqCst);
            let value_plain = logistic_loss(&w, b, &xs, &ys, dim);
            assert_eq!(LOG1P_EXP_PULLBACKS.load(Ordering::SeqCst), before);
            let (value, (dw, db)) = logistic_loss_grad(&w, b, &xs, &ys, dim);
            let calls = LOG1P_EXP_PULLBACKS.load(Ordering::SeqCst) - before;
            assert_eq!(calls, n, "one pullback call per data point");
            assert_eq!(value, value_plain);
            let mut ew = [0.0; 2];
            let mut eb = 0.0;
            for i in 0..n {
                let z = b + w[0] * xs[i * 2] + w[1] * xs[i * 2 + 1];
                let s = -ys[i] * sigmoid(-ys[i] * z);
                ew[0] += s * xs[i * 2];
                ew[1] += s * xs[i * 2 + 1];
                eb += s;
            }
            assert!(dw.iter().all(|g| g.is_finite()) && db.is_finite());
            assert_closed("∂/∂w0", dw[0], ew[0]);
            assert_closed("∂/∂w1", dw[1], ew[1]);
            assert_closed("∂/∂b", db, eb);
            assert_fd_all(
                "logistic_loss",
                |p| logistic_loss(&p[..2], p[2], &xs, &ys, dim),
                &[w[0], w[1], b],
                &[dw[0], dw[1], db],
            );
        }
    }

    /// A custom derivative with a slice argument, fed a local buffer: one
    /// `log_sum_exp_pullback` call per gradient, and
    /// ∂/∂θ_j = Σ_k softmax_k φ_kj + θ_j.
    #[test]
    fn hand_written_slice_pullback_fed_a_local_buffer() {
        let theta = [0.3, -0.8, 1.1];
        let features = [
            1.0, 0.0, 0.5, //
            -0.4, 1.2, 0.3, //
            0.7, -0.9, -1.0, //
            0.2, 0.6, 1.4,
        ];
        let before = LOG_SUM_EXP_PULLBACKS.load(Ordering::SeqCst);
        let (value, dtheta) = {
            let (v, (dt, _df)) = log_partition_pullback(&theta, &features, 1.0);
            let (v2, (dt2, _)) = log_partition_grad(&theta, &features);
            assert_eq!(v, v2);
            assert_all_closed("pullback vs grad", &dt, &dt2);
            (v2, dt2)
        };
        assert_eq!(LOG_SUM_EXP_PULLBACKS.load(Ordering::SeqCst) - before, 2);
        assert_eq!(value, log_partition(&theta, &features));
        let scores: Vec<f64> = (0..4)
            .map(|c| (0..3).map(|j| theta[j] * features[c * 3 + j]).sum())
            .collect();
        let lse = log_sum_exp(&scores);
        for j in 0..3 {
            let expected: f64 = (0..4)
                .map(|c| (scores[c] - lse).exp() * features[c * 3 + j])
                .sum::<f64>()
                + theta[j];
            assert_closed("∂/∂θ", dtheta[j], expected);
        }
        assert_fd_all(
            "log_partition",
            |p| log_partition(p, &features),
            &theta,
            &dtheta,
        );
    }
}

// ---------------------------------------------------------------------------
// The pullbacks themselves
// ---------------------------------------------------------------------------

mod pullbacks {
    use crate::common::calls::{mean_huber, mean_huber_grad, mean_huber_pullback};
    use crate::common::*;
    use gradmacro::differentiate;

    /// `x⁴` through a helper.
    #[differentiate]
    fn quad(x: f64) -> f64 {
        x * x * x * x
    }

    /// A caller of `quad` with a constant parameter between two floats.
    #[differentiate(wrt = [a, c])]
    fn uses_quad(a: f64, n: usize, c: f64) -> f64 {
        quad(a * c) + n as f64 * quad(c)
    }

    /// The Gram determinant |u|²|v|² − (u·v)² of two 3-vectors, with array
    /// parameters.
    #[differentiate]
    fn gram(u: [f64; 3], v: [f64; 3]) -> f64 {
        let mut uu = 0.0;
        let mut vv = 0.0;
        let mut uv = 0.0;
        for i in 0..3 {
            uu += u[i] * u[i];
            vv += v[i] * v[i];
            uv += u[i] * v[i];
        }
        uu * vv - uv * uv
    }

    /// `NAME_pullback` with seed 2.5 gives the same value and 2.5 × the
    /// gradient, for scalar, constant (`()`), array and slice parameters,
    /// for functions that call helpers and for the helpers; and the pullback's
    /// adjoint of a parameter outside `wrt` (huber's `target`) matches its
    /// finite difference × 2.5.
    #[test]
    fn pullback_with_seed_scales_the_gradient() {
        let seed = 2.5;
        for (a, c) in [(0.7, 1.3), (-1.1, 0.4)] {
            let (v, (da, dc)) = uses_quad_grad(a, 3, c);
            let (pv, (pa, (), pc)) = uses_quad_pullback(a, 3, c, seed);
            assert_eq!(pv, v);
            assert_eq!(v, uses_quad(a, 3, c));
            assert_closed("seed·∂/∂a", pa, seed * da);
            assert_closed("seed·∂/∂c", pc, seed * dc);
            assert_closed("∂/∂a", da, 4.0 * (a * c).powi(3) * c);
            assert_closed("∂/∂c", dc, 4.0 * (a * c).powi(3) * a + 12.0 * c.powi(3));
            let (qv, (qx,)) = quad_pullback(a, seed);
            assert_eq!(qv, quad(a));
            assert_closed("seed·quad'", qx, seed * 4.0 * a.powi(3));
        }

        let u = [0.3, -1.2, 0.8];
        let v = [1.1, 0.5, -0.4];
        let (g, (du, dv)) = gram_grad(u, v);
        let (pg, (pu, pv)) = gram_pullback(u, v, seed);
        assert_eq!(g, pg);
        assert_eq!(g, gram(u, v));
        for i in 0..3 {
            assert_closed("seed·∂/∂u", pu[i], seed * du[i]);
            assert_closed("seed·∂/∂v", pv[i], seed * dv[i]);
        }
        let mut at = u.to_vec();
        at.extend(v);
        let mut grad = du.to_vec();
        grad.extend(dv);
        assert_fd_all("gram", |p| gram(array(&p[..3]), array(&p[3..])), &at, &grad);

        let pred = [0.3, 2.5, -0.4];
        let target = [0.0, 1.0, -2.0];
        let delta = 1.0;
        let (hv, (dpred, ddelta)) = mean_huber_grad(&pred, &target, delta);
        let (pv, (ppred, ptarget, pdelta)) = mean_huber_pullback(&pred, &target, delta, seed);
        assert_eq!(hv, pv);
        assert_eq!(hv, mean_huber(&pred, &target, delta));
        assert_closed("seed·∂/∂delta", pdelta, seed * ddelta);
        for i in 0..3 {
            assert_closed("seed·∂/∂pred", ppred[i], seed * dpred[i]);
            assert_closed("seed·∂/∂target", ptarget[i], -seed * dpred[i]);
            assert_fd(
                "∂/∂target",
                ptarget[i] / seed,
                |t| {
                    let mut tt = target;
                    tt[i] = t;
                    mean_huber(&pred, &tt, delta)
                },
                target[i],
            );
        }
    }
}
