//! Realistic numeric code under `#[differentiate]`, written the way Rust
//! programmers write it: physics formulas, losses, iterative solvers, quadrature,
//! ODE steps, small networks, iterator chains, helper calls and vector rules.
//!
//! Every function is checked at two or three points away from kinks: the value
//! returned by `NAME_grad` must equal the original exactly, and every gradient
//! entry must match a central finite difference of the original (relative 1e-6,
//! 2e-3 for `f32`), or a closed form where the finite difference is unreliable.

// Index loops over several buffers at once are the numeric style under test.
#![allow(clippy::needless_range_loop)]
// `&Vec<f64>` is one of the parameter shapes under test.
#![allow(clippy::ptr_arg)]
// Gradient types and `fn` pointer tables are spelled out on purpose.
#![allow(clippy::type_complexity)]
// Deliberate styles under test: `vec![..]` locals, `let y;` assigned in branches,
// element-by-element copies, `y[i] = y[i - 1] * y[i]` and a temporary-variable swap
// (clippy's suggested `v.swap(..)` is NOT differentiated correctly, see the report).
#![allow(
    clippy::useless_vec,
    clippy::needless_late_init,
    clippy::manual_memcpy,
    clippy::assign_op_pattern,
    clippy::manual_swap
)]

mod common;

mod scalar_formulas_and_branches {
    #[allow(unused_imports)]
    use crate::common::*;
    use gradmacro::differentiate;
    use std::f64::consts::PI;

    const G: f64 = 9.81;

    #[differentiate]
    fn projectile_range(v: f64, theta: f64) -> f64 {
        let vx = v * theta.cos();
        let vy = v * f64::sin(theta);
        let t_flight = 2.0 * vy / G;
        vx * t_flight
    }

    #[differentiate]
    fn gaussian_pdf(x: f64, mu: f64, sigma: f64) -> f64 {
        let z = (x - mu) / sigma;
        (-0.5 * z * z).exp() / (sigma * (2.0 * PI).sqrt())
    }

    #[differentiate]
    fn gaussian_nll(x: f64, mu: f64, log_sigma: f64) -> f64 {
        let sigma = log_sigma.exp();
        let r = (x - mu) / sigma;
        0.5 * r.powi(2) + log_sigma + 0.5 * f64::ln(2.0 * PI)
    }

    #[differentiate]
    fn shadowing(x: f64) -> f64 {
        let x = x * 2.0;
        let x = x.sin() + x;
        let x = f64::tanh(x);
        x * x
    }

    #[differentiate]
    fn tuple_pattern(a: f64, b: f64) -> f64 {
        let (s, c) = a.sin_cos();
        let (p, q) = (s * b, c + b);
        let pair = (p, q);
        pair.0 * pair.1 + f64::hypot(p, q)
    }

    #[differentiate]
    fn f32_formula(x: f32, y: f32) -> f32 {
        let r = (x * x + y * y).sqrt();
        let t = y.atan2(x);
        r * t.cos() + f32::ln_1p(r) - x.cbrt()
    }

    #[differentiate]
    fn lots_of_methods(x: f64) -> f64 {
        let a = x.exp2() + x.exp_m1() + x.log2() + x.log10() + x.log(3.0);
        let b = x.recip() + x.tan() + (x / 4.0).asin() + (x / 4.0).acos() + x.atan();
        let c = x.sinh() + x.cosh() + x.asinh() + (x + 1.0).acosh() + (x / 4.0).atanh();
        let d = x.mul_add(2.0, 1.0) + x.to_degrees() * 0.01 + x.to_radians();
        let e = x.powf(1.5) + f64::powf(2.0, x) + x.abs() * x.signum();
        a + b + c + d + e
    }

    #[differentiate]
    fn max_min_clamp(x: f64, y: f64) -> f64 {
        let m = x.max(y);
        let n = f64::min(x, 2.0 * y);
        let c = (x * y).clamp(-1.0, 1.0);
        m * n + c + x.copysign(y)
    }

    #[differentiate]
    fn sigmoid_bce(logit: f64, y: f64) -> f64 {
        let p = 1.0 / (1.0 + (-logit).exp());
        -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
    }

    #[differentiate]
    fn softplus_stable(x: f64) -> f64 {
        if x > 20.0 {
            x
        } else {
            (1.0 + x.exp()).ln()
        }
    }

    #[differentiate]
    fn huber(r: f64, delta: f64) -> f64 {
        let a = r.abs();
        if a <= delta {
            0.5 * r * r
        } else {
            delta * (a - 0.5 * delta)
        }
    }

    #[differentiate(wrt = pred)]
    fn quantile_loss(pred: f64, target: f64, tau: f64) -> f64 {
        let e = target - pred;
        if e >= 0.0 {
            tau * e
        } else {
            (tau - 1.0) * e
        }
    }

    #[derive(Clone, Copy)]
    enum Act {
        Relu,
        Tanh,
        Sigmoid,
        Leaky(f64),
    }

    #[differentiate(wrt = x)]
    fn activate(x: f64, act: Act) -> f64 {
        match act {
            Act::Relu => x.max(0.0),
            Act::Tanh => x.tanh(),
            Act::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Act::Leaky(a) => {
                if x > 0.0 {
                    x
                } else {
                    a * x
                }
            }
        }
    }

    #[differentiate(wrt = x)]
    fn match_int(x: f64, k: i32) -> f64 {
        let y = match k {
            0 => x,
            1 | 2 => x * x,
            n if n < 0 => -x,
            3..=5 => x.powi(k),
            _ => x.sin(),
        };
        y + 1.0
    }

    #[differentiate(wrt = x)]
    fn match_bool(x: f64, flag: bool) -> f64 {
        match flag {
            true => x.exp(),
            false => x.ln(),
        }
    }

    #[differentiate]
    fn match_float_guard(x: f64) -> f64 {
        match x {
            v if v < -1.0 => -v - 0.5,
            v if v <= 1.0 => 0.5 * v * v,
            v => v - 0.5,
        }
    }

    #[differentiate]
    fn else_if_statement(x: f64) -> f64 {
        let mut y = 0.0;
        if x < 0.0 {
            y = -x;
        } else if x < 1.0 {
            y += x * x;
        } else {
            y = x.sqrt();
            y *= 2.0;
        }
        y + x
    }

    #[differentiate]
    fn early_return(x: f64, y: f64) -> f64 {
        if x > y {
            return x - y;
        }
        let d = y - x;
        if d > 10.0 {
            return d.ln();
        }
        d * d
    }

    #[differentiate]
    fn tuple_return_vals(x: f64, y: f64) -> f64 {
        let (mut a, mut b) = (x, y);
        a += b;
        b *= a;
        let t = (a, b);
        let (u, v) = t;
        u / v
    }

    #[differentiate]
    fn block_expr(x: f64) -> f64 {
        let y = {
            let t = x * 3.0;
            t.sin() + t
        };
        if y > 0.0 {
            y * 2.0
        } else {
            y
        }
    }

    #[differentiate]
    fn ref_param(x: &f64, y: f64) -> f64 {
        let a = *x * y;
        a + x.sqrt()
    }

    #[differentiate]
    fn cast_usage(x: f64, n: usize) -> f64 {
        let nf = n as f64;
        let k = (x * 10.0) as i64;
        x * nf + k as f64 + (x as f32).sin() as f64
    }

    #[differentiate]
    fn modulo_angle(theta: f64) -> f64 {
        let wrapped = theta % (2.0 * PI);
        wrapped.sin() * wrapped
    }

    #[differentiate]
    fn fract_floor(x: f64) -> f64 {
        x.fract() * x.floor() + x.round() + x.ceil() * x + x.trunc()
    }

    #[test]
    fn scalar_batch() {
        for (v, th) in [(10.0, 0.3), (20.0, 0.9)] {
            let (val, (dv, dth)) = projectile_range_grad(v, th);
            assert_eq!(val, projectile_range(v, th));
            assert_fd_all(
                "proj",
                |p| projectile_range(p[0], p[1]),
                &[v, th],
                &[dv, dth],
            );
        }
        for p in [[0.3, 0.1, 1.2], [-1.0, 0.5, 0.7]] {
            let (val, (a, b, c)) = gaussian_pdf_grad(p[0], p[1], p[2]);
            assert_eq!(val, gaussian_pdf(p[0], p[1], p[2]));
            assert_fd_all("pdf", |q| gaussian_pdf(q[0], q[1], q[2]), &p, &[a, b, c]);
            let (val, (a, b, c)) = gaussian_nll_grad(p[0], p[1], p[2]);
            assert_eq!(val, gaussian_nll(p[0], p[1], p[2]));
            assert_fd_all("nll", |q| gaussian_nll(q[0], q[1], q[2]), &p, &[a, b, c]);
        }
        for x in [0.3, -1.1, 2.2] {
            let (v, d) = shadowing_grad(x);
            assert_eq!(v, shadowing(x));
            assert_fd("shadow", d, shadowing, x);
            let (v, d) = block_expr_grad(x);
            assert_eq!(v, block_expr(x));
            assert_fd("block", d, block_expr, x);
            let (v, d) = match_float_guard_grad(x);
            assert_eq!(v, match_float_guard(x));
            assert_fd("mfg", d, match_float_guard, x);
            let (v, d) = else_if_statement_grad(x);
            assert_eq!(v, else_if_statement(x));
            assert_fd("eis", d, else_if_statement, x);
            let (v, d) = modulo_angle_grad(x * 5.0);
            assert_eq!(v, modulo_angle(x * 5.0));
            assert_fd("mod", d, modulo_angle, x * 5.0);
            let (v, d) = fract_floor_grad(x + 0.01);
            assert_eq!(v, fract_floor(x + 0.01));
            assert_fd("fract", d, fract_floor, x + 0.01);
            let (v, d) = softplus_stable_grad(x * 10.0);
            assert_eq!(v, softplus_stable(x * 10.0));
            assert_fd("softplus", d, softplus_stable, x * 10.0);
        }
        for p in [[0.7, 1.3], [2.0, -0.4]] {
            let (v, (a, b)) = tuple_pattern_grad(p[0], p[1]);
            assert_eq!(v, tuple_pattern(p[0], p[1]));
            assert_fd_all("tuple", |q| tuple_pattern(q[0], q[1]), &p, &[a, b]);
            let (v, (a, b)) = max_min_clamp_grad(p[0], p[1]);
            assert_eq!(v, max_min_clamp(p[0], p[1]));
            assert_fd_all("mmc", |q| max_min_clamp(q[0], q[1]), &p, &[a, b]);
            let (v, (a, b)) = sigmoid_bce_grad(p[0], 0.3);
            assert_eq!(v, sigmoid_bce(p[0], 0.3));
            assert_fd_all("bce", |q| sigmoid_bce(q[0], q[1]), &[p[0], 0.3], &[a, b]);
            let (v, (a, b)) = huber_grad(p[0] * 2.0, 1.0);
            assert_eq!(v, huber(p[0] * 2.0, 1.0));
            assert_fd_all("huber", |q| huber(q[0], q[1]), &[p[0] * 2.0, 1.0], &[a, b]);
            let (v, a) = quantile_loss_grad(p[0], p[1], 0.9);
            assert_eq!(v, quantile_loss(p[0], p[1], 0.9));
            assert_fd("quant", a, |t| quantile_loss(t, p[1], 0.9), p[0]);
            let (v, (a, b)) = early_return_grad(p[0], p[1]);
            assert_eq!(v, early_return(p[0], p[1]));
            assert_fd_all("early", |q| early_return(q[0], q[1]), &p, &[a, b]);
            let (v, (a, b)) = tuple_return_vals_grad(p[0], p[1]);
            assert_eq!(v, tuple_return_vals(p[0], p[1]));
            assert_fd_all("tuplerv", |q| tuple_return_vals(q[0], q[1]), &p, &[a, b]);
            let x = p[0].abs() + 0.1;
            let (v, (a, b)) = ref_param_grad(&x, p[1]);
            assert_eq!(v, ref_param(&x, p[1]));
            assert_fd_all("ref", |q| ref_param(&q[0], q[1]), &[x, p[1]], &[a, b]);
            let (v, a) = cast_usage_grad(p[0] + 0.013, 3);
            assert_eq!(v, cast_usage(p[0] + 0.013, 3));
            let t: f64 = p[0] + 0.013;
            assert_close("cast", a, 3.0 + ((t as f32).cos() as f64), 1e-6);
        }
        for (x, y) in [(0.7f32, 1.3f32), (2.0, -0.4)] {
            let (v, (a, b)) = f32_formula_grad(x, y);
            assert_eq!(v, f32_formula(x, y));
            assert_fd_all_f32("f32", |q| f32_formula(q[0], q[1]), &[x, y], &[a, b]);
        }
        for x in [0.5, 1.7, 2.9] {
            let (v, d) = lots_of_methods_grad(x);
            assert_eq!(v, lots_of_methods(x));
            assert_fd("methods", d, lots_of_methods, x);
        }
        for act in [Act::Relu, Act::Tanh, Act::Sigmoid, Act::Leaky(0.1)] {
            for x in [-0.8, 1.1] {
                let (v, d) = activate_grad(x, act);
                assert_eq!(v, activate(x, act));
                assert_fd("act", d, |t| activate(t, act), x);
            }
        }
        for k in [-2, 0, 1, 2, 4, 9] {
            let (v, d) = match_int_grad(1.3, k);
            assert_eq!(v, match_int(1.3, k));
            assert_fd("mint", d, |t| match_int(t, k), 1.3);
        }
        for f in [true, false] {
            let (v, d) = match_bool_grad(1.3, f);
            assert_eq!(v, match_bool(1.3, f));
            assert_fd("mbool", d, |t| match_bool(t, f), 1.3);
        }
    }
}

mod loops_and_iterative_methods {
    #[allow(unused_imports)]
    use crate::common::*;
    use gradmacro::differentiate;

    #[differentiate(wrt = x0)]
    fn newton_sqrt(a: f64, x0: f64) -> f64 {
        // a is the constant? no: wrt x0 only for simplicity; also a variant wrt a below
        let mut x = x0;
        for _ in 0..6 {
            x = 0.5 * (x + a / x);
        }
        x
    }

    #[differentiate]
    fn newton_sqrt_a(a: f64) -> f64 {
        let mut x = a.max(1.0);
        let mut iter = 0;
        while iter < 30 {
            let next = 0.5 * (x + a / x);
            if (next - x).abs() < 1e-12 {
                x = next;
                break;
            }
            x = next;
            iter += 1;
        }
        x
    }

    #[differentiate]
    fn logistic(r: f64, x0: f64) -> f64 {
        let mut l = x0;
        for _ in 0..50 {
            l = r * l * (1.0 - l);
        }
        l
    }

    #[differentiate(wrt = [k, y0])]
    fn rk4_decay(k: f64, y0: f64, dt: f64, steps: usize) -> f64 {
        let mut y = y0;
        let mut t = 0.0;
        for _ in 0..steps {
            let k1 = -k * y;
            let k2 = -k * (y + 0.5 * dt * k1);
            let k3 = -k * (y + 0.5 * dt * k2);
            let k4 = -k * (y + dt * k3);
            y += dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            t += dt;
        }
        y * (1.0 + 0.0 * t)
    }

    #[differentiate(wrt = [omega, x0, v0])]
    fn euler_oscillator(omega: f64, x0: f64, v0: f64, dt: f64, n: u32) -> f64 {
        let (mut x, mut v) = (x0, v0);
        let mut i = 0;
        loop {
            if i == n {
                break;
            }
            let a = -omega * omega * x;
            v += a * dt;
            x += v * dt;
            i += 1;
        }
        0.5 * v * v + 0.5 * omega * omega * x * x
    }

    #[differentiate(wrt = [a, b])]
    fn simpson_no_closure(a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        let mut s = a.sin() * a + b.sin() * b;
        for i in 1..n {
            let t = a + i as f64 * h;
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            s += w * t.sin() * t;
        }
        s * h / 3.0
    }

    #[differentiate(wrt = [a, b])]
    fn trapezoid(a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / (n as f64);
        let mut acc = 0.5 * ((-a * a).exp() + (-b * b).exp());
        for i in 1..n {
            let x = a + h * i as f64;
            acc += (-x * x).exp();
        }
        acc * h
    }

    #[differentiate]
    fn horner_coeffs_loop(x: f64) -> f64 {
        const C: [f64; 5] = [1.0, -2.0, 0.5, 3.0, -0.25];
        let mut y = 0.0;
        for &c in C.iter().rev() {
            y = y * x + c;
        }
        y
    }

    #[differentiate]
    fn labeled_break(x: f64) -> f64 {
        let mut acc = 0.0;
        'outer: for i in 0..10 {
            for j in 0..10 {
                if i * j > 20 {
                    break 'outer;
                }
                if (i + j) % 3 == 0 {
                    continue;
                }
                acc += x.powi(i % 3) * (j as f64 + 1.0);
            }
        }
        acc
    }

    #[differentiate]
    fn labeled_continue(x: f64) -> f64 {
        let mut s = x;
        'rows: for i in 0..5 {
            let mut j = 0;
            while j < 5 {
                j += 1;
                if j == i {
                    continue 'rows;
                }
                s = s * 0.9 + x.sin() * 0.1;
            }
        }
        s
    }

    #[differentiate]
    fn break_value(x: f64) -> f64 {
        let mut y = x;
        let mut k = 0;
        let out = loop {
            y = y.cos();
            k += 1;
            if k >= 8 {
                break y * 2.0;
            }
        };
        out + x
    }

    #[differentiate]
    fn data_dependent_trip(x: f64) -> f64 {
        let mut y = x;
        let mut steps = 0;
        while y > 1.0 {
            y = y.sqrt() * 0.9;
            steps += 1;
        }
        y + steps as f64
    }

    #[differentiate]
    fn return_in_loop(x: f64) -> f64 {
        let mut s = 0.0;
        for i in 0..100 {
            s += x / (i as f64 + 1.0);
            if s > 5.0 {
                return s * s;
            }
        }
        s
    }

    #[differentiate]
    fn step_by_loop(x: f64) -> f64 {
        let mut p = 1.0;
        for i in (1..=9).step_by(2) {
            p *= 1.0 + x / i as f64;
        }
        for i in (0..4).rev() {
            p -= x.powi(i);
        }
        p
    }

    #[differentiate]
    fn gd_inner(x0: f64, lr: f64) -> f64 {
        // minimise (x-3)^2 with gradient descent inside the function
        let mut x = x0;
        for _ in 0..20 {
            let g = 2.0 * (x - 3.0);
            x -= lr * g;
        }
        (x - 3.0).powi(2) + x
    }

    #[differentiate]
    fn bisection_like(c: f64) -> f64 {
        // find root of t^3 - c by Newton, with a convergence check and counter
        let mut t = 1.0;
        let mut n = 0usize;
        loop {
            let f = t * t * t - c;
            let df = 3.0 * t * t;
            let dt = f / df;
            t -= dt;
            n += 1;
            if dt.abs() < 1e-14 || n > 50 {
                break;
            }
        }
        t
    }

    #[differentiate]
    fn mut_param(mut x: f64, n: i32) -> f64 {
        for _ in 0..n {
            x = x.sin() + 0.5 * x;
        }
        x
    }

    #[differentiate]
    fn compound_assign(x: f64, y: f64) -> f64 {
        let mut a = x;
        a += y;
        a -= 0.5 * x;
        a *= y;
        a /= 1.0 + x * x;
        a %= 10.0;
        a
    }

    #[test]
    fn loops_batch() {
        for x0 in [1.0, 3.0] {
            let (v, d) = newton_sqrt_grad(2.0, x0);
            assert_eq!(v, newton_sqrt(2.0, x0));
            assert_fd("newton", d, |t| newton_sqrt(2.0, t), x0);
        }
        for a in [2.0, 7.5, 0.3] {
            let (v, d) = newton_sqrt_a_grad(a);
            assert_eq!(v, newton_sqrt_a(a));
            assert_close("newton a", d, 0.5 / a.sqrt(), 1e-8);
            let (v, d) = bisection_like_grad(a);
            assert_eq!(v, bisection_like(a));
            assert_close("cbrt", d, 1.0 / (3.0 * a.cbrt().powi(2)), 1e-8);
        }
        for (r, x0) in [(2.5, 0.3), (3.2, 0.6)] {
            let (v, (a, b)) = logistic_grad(r, x0);
            assert_eq!(v, logistic(r, x0));
            assert_fd_all("logistic", |p| logistic(p[0], p[1]), &[r, x0], &[a, b]);
        }
        let (v, (a, b)) = rk4_decay_grad(0.7, 2.0, 0.1, 20);
        assert_eq!(v, rk4_decay(0.7, 2.0, 0.1, 20));
        assert_fd_all(
            "rk4",
            |p| rk4_decay(p[0], p[1], 0.1, 20),
            &[0.7, 2.0],
            &[a, b],
        );
        let (v, (a, b, c)) = euler_oscillator_grad(1.3, 0.5, -0.2, 0.01, 100);
        assert_eq!(v, euler_oscillator(1.3, 0.5, -0.2, 0.01, 100));
        assert_fd_all(
            "euler",
            |p| euler_oscillator(p[0], p[1], p[2], 0.01, 100),
            &[1.3, 0.5, -0.2],
            &[a, b, c],
        );
        for n in [4, 10] {
            let (v, (a, b)) = simpson_no_closure_grad(0.2, 1.7, n);
            assert_eq!(v, simpson_no_closure(0.2, 1.7, n));
            assert_fd_all(
                "simpson",
                |p| simpson_no_closure(p[0], p[1], n),
                &[0.2, 1.7],
                &[a, b],
            );
            let (v, (a, b)) = trapezoid_grad(-0.3, 1.1, n);
            assert_eq!(v, trapezoid(-0.3, 1.1, n));
            assert_fd_all("trap", |p| trapezoid(p[0], p[1], n), &[-0.3, 1.1], &[a, b]);
        }
        for x in [0.4, 1.3, 2.7] {
            for (name, f, g) in [
                (
                    "horner",
                    horner_coeffs_loop as fn(f64) -> f64,
                    horner_coeffs_loop_grad as fn(f64) -> (f64, f64),
                ),
                ("lbreak", labeled_break, labeled_break_grad),
                ("lcont", labeled_continue, labeled_continue_grad),
                ("bval", break_value, break_value_grad),
                ("ret", return_in_loop, return_in_loop_grad),
                ("step", step_by_loop, step_by_loop_grad),
            ] {
                let (v, d) = g(x);
                assert_eq!(v, f(x), "{name}");
                assert_fd(name, d, f, x);
            }
            let (v, d) = data_dependent_trip_grad(x * 3.0);
            assert_eq!(v, data_dependent_trip(x * 3.0));
            assert_fd("ddt", d, data_dependent_trip, x * 3.0);
            let (v, d) = mut_param_grad(x, 5);
            assert_eq!(v, mut_param(x, 5));
            assert_fd("mutp", d, |t| mut_param(t, 5), x);
            let (v, (a, b)) = gd_inner_grad(x, 0.1);
            assert_eq!(v, gd_inner(x, 0.1));
            assert_fd_all("gd", |p| gd_inner(p[0], p[1]), &[x, 0.1], &[a, b]);
            let (v, (a, b)) = compound_assign_grad(x, 1.5);
            assert_eq!(v, compound_assign(x, 1.5));
            assert_fd_all(
                "compound",
                |p| compound_assign(p[0], p[1]),
                &[x, 1.5],
                &[a, b],
            );
        }
    }
}

mod buffers_models_and_vector_rules {
    #[allow(unused_imports)]
    use crate::common::*;
    use gradmacro::differentiate;
    use gradmacro::vector::{
        dot, dot_pullback_lent, logsumexp, logsumexp_pullback_lent, matvec, matvec_pullback,
        softmax, softmax_pullback, squared_norm, squared_norm_pullback_lent, sum,
        sum_pullback_lent,
    };

    #[differentiate]
    fn mse_iter(pred: &[f64], target: &[f64]) -> f64 {
        let n = pred.len() as f64;
        pred.iter()
            .zip(target.iter())
            .map(|(p, t)| (p - t).powi(2))
            .sum::<f64>()
            / n
    }

    #[differentiate(wrt = w)]
    fn poly_regression_loss(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
        let mut loss = 0.0;
        for (x, y) in xs.iter().zip(ys) {
            let mut pred = 0.0;
            for (k, wk) in w.iter().enumerate() {
                pred += wk * x.powi(k as i32);
            }
            let r = pred - y;
            loss += r * r;
        }
        loss / xs.len() as f64
    }

    #[differentiate]
    fn horner_slice(coeffs: &[f64], x: f64) -> f64 {
        coeffs.iter().rev().fold(0.0, |acc, &c| acc * x + c)
    }

    #[differentiate]
    fn logsumexp_manual(x: &[f64]) -> f64 {
        let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = x.iter().map(|v| (v - m).exp()).sum();
        m + s.ln()
    }

    #[differentiate]
    fn logsumexp_manual2(x: &[f64]) -> f64 {
        let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut s = 0.0;
        for &v in x {
            s += (v - m).exp();
        }
        m + s.ln()
    }

    #[differentiate(wrt = logits)]
    fn softmax_xent_manual(logits: &[f64], label: usize) -> f64 {
        let mut max = logits[0];
        for &l in logits.iter() {
            if l > max {
                max = l;
            }
        }
        let exps: Vec<f64> = logits.iter().map(|&l| (l - max).exp()).collect();
        let z: f64 = exps.iter().sum();
        -(exps[label] / z).ln()
    }

    #[differentiate(wrt = x)]
    fn gaussian_loglik_slice(x: &Vec<f64>, mu: f64, sigma: f64) -> f64 {
        let n = x.len() as f64;
        let mut ss = 0.0;
        for xi in x {
            ss += (xi - mu) * (xi - mu);
        }
        -0.5 * n * (2.0 * std::f64::consts::PI * sigma * sigma).ln() - ss / (2.0 * sigma * sigma)
    }

    #[differentiate]
    fn gaussian_loglik_params(x: &Vec<f64>, mu: f64, sigma: f64) -> f64 {
        let n = x.len() as f64;
        let ss: f64 = x.iter().map(|xi| (xi - mu).powi(2)).sum();
        -0.5 * n * (2.0 * std::f64::consts::PI * sigma * sigma).ln() - ss / (2.0 * sigma * sigma)
    }

    #[differentiate]
    fn cumsum_loss(x: &[f64]) -> f64 {
        let mut c = vec![0.0; x.len()];
        let mut run = 0.0;
        for i in 0..x.len() {
            run += x[i];
            c[i] = run;
        }
        c.iter().map(|v| v * v).sum()
    }

    #[differentiate]
    fn cumsum_inplace(x: &[f64]) -> f64 {
        let mut c = x.to_vec();
        for i in 1..c.len() {
            c[i] += c[i - 1];
        }
        let mut s = 0.0;
        for v in c.iter() {
            s += v.sin();
        }
        s
    }

    #[differentiate]
    fn kmeans_dist(points: &[[f64; 2]], centers: [[f64; 2]; 3]) -> f64 {
        let mut total = 0.0;
        for p in points {
            let mut best = f64::INFINITY;
            for c in centers.iter() {
                let dx = p[0] - c[0];
                let dy = p[1] - c[1];
                let d = dx * dx + dy * dy;
                if d < best {
                    best = d;
                }
            }
            total += best;
        }
        total
    }

    #[differentiate]
    fn kmeans_dist_idx(points: &[[f64; 2]], centers: [[f64; 2]; 3]) -> f64 {
        let mut total = 0.0;
        for i in 0..points.len() {
            let mut best = f64::INFINITY;
            for k in 0..3 {
                let mut d = 0.0;
                for j in 0..2 {
                    d += (points[i][j] - centers[k][j]).powi(2);
                }
                best = best.min(d);
            }
            total += best;
        }
        total
    }

    #[differentiate]
    fn mlp(w1: [[f64; 3]; 4], b1: [f64; 4], w2: [f64; 4], b2: f64, x: [f64; 3]) -> f64 {
        let mut h = [0.0; 4];
        for i in 0..4 {
            let mut z = b1[i];
            for j in 0..3 {
                z += w1[i][j] * x[j];
            }
            h[i] = z.tanh();
        }
        let mut out = b2;
        for i in 0..4 {
            out += w2[i] * h[i];
        }
        out
    }

    #[differentiate(wrt = [wx, wh, b, h0])]
    fn rnn(xs: &[f64], wx: f64, wh: f64, b: f64, h0: f64) -> f64 {
        let mut h = h0;
        let mut hs = Vec::with_capacity(xs.len());
        for &x in xs {
            h = (wx * x + wh * h + b).tanh();
            hs.push(h);
        }
        hs.iter().sum::<f64>() / hs.len() as f64
    }

    #[differentiate]
    fn iter_mut_scale(x: &[f64], s: f64) -> f64 {
        let mut y = x.to_vec();
        for v in y.iter_mut() {
            *v *= s;
            *v += 1.0;
        }
        y.iter().product()
    }

    #[differentiate]
    fn array_local(a: f64, b: f64) -> f64 {
        let v = [a, b, a * b];
        let mut w = [0.0; 3];
        for i in 0..3 {
            w[i] = v[i].exp();
        }
        w[0] + w[1] * w[2]
    }

    #[differentiate]
    fn vec_literal(a: f64, b: f64) -> f64 {
        let v = vec![a, b, a + b];
        let mut s = 0.0;
        for (i, x) in v.iter().enumerate() {
            s += (i as f64 + 1.0) * x * x;
        }
        s
    }

    #[differentiate]
    fn collect_then_index(x: &[f64]) -> f64 {
        let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
        let mut m = 0.0;
        for i in 0..sq.len() {
            m += sq[i] * (i as f64);
        }
        m + sq[0]
    }

    #[differentiate]
    fn finite_difference_energy(u: &[f64], h: f64) -> f64 {
        let n = u.len();
        let mut e = 0.0;
        for i in 0..n - 1 {
            let du = (u[i + 1] - u[i]) / h;
            e += 0.5 * du * du * h;
        }
        for i in 1..n - 1 {
            let lap = (u[i - 1] - 2.0 * u[i] + u[i + 1]) / (h * h);
            e += 1e-3 * lap * lap;
        }
        e
    }

    #[differentiate]
    fn with_vector_rules(x: &[f64], w: &[f64]) -> f64 {
        let d = dot(x, w);
        let n = squared_norm(w);
        let l = logsumexp(x);
        let s = sum(x);
        d + 0.1 * n + l * s
    }

    #[differentiate(wrt = [m, x])]
    fn matvec_loss(m: &[[f64; 3]], x: &[f64], y: &[f64]) -> f64 {
        let p = matvec(m, x);
        let mut l = 0.0;
        for i in 0..p.len() {
            l += (p[i] - y[i]).powi(2);
        }
        l
    }

    #[differentiate(wrt = logits)]
    fn softmax_entropy(logits: &[f64]) -> f64 {
        let p = softmax(logits);
        let mut h = 0.0;
        for pi in p.iter() {
            h -= pi * pi.ln();
        }
        h
    }

    #[differentiate]
    fn sq(x: f64) -> f64 {
        x * x
    }

    #[differentiate]
    fn helper_norm(v: &[f64]) -> f64 {
        let mut s = 0.0;
        for x in v {
            s += sq(*x);
        }
        s.sqrt()
    }

    #[differentiate]
    fn uses_helpers(a: &[f64], b: f64) -> f64 {
        let n = helper_norm(a);
        sq(n - b) + sq(b)
    }

    #[differentiate]
    fn reversed_weighted(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for (i, v) in x.iter().rev().enumerate() {
            s += v * (i as f64 + 1.0);
        }
        s * s
    }

    #[differentiate]
    fn f32_slice(x: &[f32]) -> f32 {
        let mut s = 0.0f32;
        for &v in x {
            s += v.sin() * v;
        }
        s
    }

    #[differentiate]
    fn nested_array_trace(m: [[f64; 3]; 3]) -> f64 {
        let mut t = 0.0;
        let mut off = 0.0;
        for i in 0..3 {
            t += m[i][i];
            for j in 0..3 {
                if i != j {
                    off += m[i][j] * m[j][i];
                }
            }
        }
        t * t - off
    }

    #[test]
    fn buffers_batch() {
        let p = vec![0.3, -1.2, 2.5, 0.7];
        let t = vec![0.1, -1.0, 2.0, 1.5];
        let (v, (gp, gt)): (f64, (Vec<f64>, Vec<f64>)) = mse_iter_grad(&p, &t);
        assert_eq!(v, mse_iter(&p, &t));
        assert_fd_all("mse p", |q| mse_iter(q, &t), &p, &gp);
        assert_fd_all("mse t", |q| mse_iter(&p, q), &t, &gt);

        let w = vec![0.5, -0.3, 0.2];
        let (v, g) = poly_regression_loss_grad(&w, &p, &t);
        assert_eq!(v, poly_regression_loss(&w, &p, &t));
        assert_fd_all("polyreg", |q| poly_regression_loss(q, &p, &t), &w, &g);

        let (v, (gc, gx)) = horner_slice_grad(&w, 1.3);
        assert_eq!(v, horner_slice(&w, 1.3));
        assert_fd_all("horner c", |q| horner_slice(q, 1.3), &w, &gc);
        assert_fd("horner x", gx, |q| horner_slice(&w, q), 1.3);

        for (name, f, g) in [
            (
                "lse",
                logsumexp_manual as fn(&[f64]) -> f64,
                logsumexp_manual_grad as fn(&[f64]) -> (f64, Vec<f64>),
            ),
            ("lse2", logsumexp_manual2, logsumexp_manual2_grad),
            ("cumsum", cumsum_loss, cumsum_loss_grad),
            ("cumsum2", cumsum_inplace, cumsum_inplace_grad),
            ("collect", collect_then_index, collect_then_index_grad),
            ("rev", reversed_weighted, reversed_weighted_grad),
            ("entropy", softmax_entropy, softmax_entropy_grad),
            ("helper_norm", helper_norm, helper_norm_grad),
        ] {
            let (v, g) = g(&p);
            assert_eq!(v, f(&p), "{name}");
            assert_fd_all(name, f, &p, &g);
        }
        let (v, g) = softmax_xent_manual_grad(&p, 2);
        assert_eq!(v, softmax_xent_manual(&p, 2));
        assert_fd_all("xent", |q| softmax_xent_manual(q, 2), &p, &g);

        let (v, g) = gaussian_loglik_slice_grad(&p, 0.2, 1.3);
        assert_eq!(v, gaussian_loglik_slice(&p, 0.2, 1.3));
        assert_fd_all(
            "ll",
            |q| gaussian_loglik_slice(&q.to_vec(), 0.2, 1.3),
            &p,
            &g,
        );
        let (v, (gx, gm, gs)) = gaussian_loglik_params_grad(&p, 0.2, 1.3);
        assert_eq!(v, gaussian_loglik_params(&p, 0.2, 1.3));
        assert_fd_all(
            "ll x",
            |q| gaussian_loglik_params(&q.to_vec(), 0.2, 1.3),
            &p,
            &gx,
        );
        assert_fd_all(
            "ll ms",
            |q| gaussian_loglik_params(&p, q[0], q[1]),
            &[0.2, 1.3],
            &[gm, gs],
        );

        let pts = [[0.1, 0.2], [1.5, -0.3], [-0.8, 0.9], [2.0, 2.0]];
        let cs = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.5]];
        for (name, f, g) in [
            (
                "kmeans",
                kmeans_dist as fn(&[[f64; 2]], [[f64; 2]; 3]) -> f64,
                kmeans_dist_grad
                    as fn(&[[f64; 2]], [[f64; 2]; 3]) -> (f64, (Vec<[f64; 2]>, [[f64; 2]; 3])),
            ),
            ("kmeans idx", kmeans_dist_idx, kmeans_dist_idx_grad),
        ] {
            let (v, (gp, gc)) = g(&pts, cs);
            assert_eq!(v, f(&pts, cs));
            assert_fd_all(
                name,
                |q| f(&rows::<f64, 2>(q), cs),
                &flatten(&pts),
                &flatten(&gp),
            );
            assert_fd_all(name, |q| f(&pts, matrix(q)), &flatten(&cs), &flatten(&gc));
        }

        let w1 = [
            [0.1, -0.2, 0.3],
            [0.4, 0.5, -0.6],
            [-0.7, 0.8, 0.9],
            [0.2, 0.1, -0.1],
        ];
        let b1 = [0.01, -0.02, 0.03, 0.0];
        let w2 = [0.5, -0.4, 0.3, 0.2];
        let x = [1.0, -0.5, 0.25];
        let (v, (gw1, gb1, gw2, gb2, gx)) = mlp_grad(w1, b1, w2, 0.1, x);
        assert_eq!(v, mlp(w1, b1, w2, 0.1, x));
        assert_fd_all(
            "mlp w1",
            |q| mlp(matrix(q), b1, w2, 0.1, x),
            &flatten(&w1),
            &flatten(&gw1),
        );
        assert_fd_all("mlp b1", |q| mlp(w1, array(q), w2, 0.1, x), &b1, &gb1);
        assert_fd_all("mlp w2", |q| mlp(w1, b1, array(q), 0.1, x), &w2, &gw2);
        assert_fd("mlp b2", gb2, |q| mlp(w1, b1, w2, q, x), 0.1);
        assert_fd_all("mlp x", |q| mlp(w1, b1, w2, 0.1, array(q)), &x, &gx);

        let (v, (a, b, c, d)) = rnn_grad(&p, 0.7, -0.4, 0.1, 0.2);
        assert_eq!(v, rnn(&p, 0.7, -0.4, 0.1, 0.2));
        assert_fd_all(
            "rnn",
            |q| rnn(&p, q[0], q[1], q[2], q[3]),
            &[0.7, -0.4, 0.1, 0.2],
            &[a, b, c, d],
        );

        let (v, (gx, gs)) = iter_mut_scale_grad(&p, 1.7);
        assert_eq!(v, iter_mut_scale(&p, 1.7));
        assert_fd_all("itermut", |q| iter_mut_scale(q, 1.7), &p, &gx);
        assert_fd("itermut s", gs, |q| iter_mut_scale(&p, q), 1.7);

        for (name, f, g) in [
            (
                "arrlocal",
                array_local as fn(f64, f64) -> f64,
                array_local_grad as fn(f64, f64) -> (f64, (f64, f64)),
            ),
            ("veclit", vec_literal, vec_literal_grad),
        ] {
            let (v, (a, b)) = g(0.3, 1.1);
            assert_eq!(v, f(0.3, 1.1));
            assert_fd_all(name, |q| f(q[0], q[1]), &[0.3, 1.1], &[a, b]);
        }

        let (v, (gu, gh)) = finite_difference_energy_grad(&p, 0.5);
        assert_eq!(v, finite_difference_energy(&p, 0.5));
        assert_fd_all("fde", |q| finite_difference_energy(q, 0.5), &p, &gu);
        assert_fd("fde h", gh, |q| finite_difference_energy(&p, q), 0.5);

        let (v, (gx, gw)) = with_vector_rules_grad(&p, &t);
        assert_eq!(v, with_vector_rules(&p, &t));
        assert_fd_all("vr x", |q| with_vector_rules(q, &t), &p, &gx);
        assert_fd_all("vr w", |q| with_vector_rules(&p, q), &t, &gw);

        let m = [[0.1, 0.2, 0.3], [-0.4, 0.5, 0.6]];
        let xx = [1.0, 2.0, -1.0];
        let y = [0.3, 0.4];
        let (v, (gm, gx)) = matvec_loss_grad(&m, &xx, &y);
        let _: &Vec<[f64; 3]> = &gm;
        assert_eq!(v, matvec_loss(&m, &xx, &y));
        assert_fd_all(
            "mv m",
            |q| matvec_loss(&rows::<f64, 3>(q), &xx, &y),
            &flatten(&m),
            &flatten(&gm),
        );
        assert_fd_all("mv x", |q| matvec_loss(&m, q, &y), &xx, &gx);

        let (v, (ga, gb)) = uses_helpers_grad(&p, 0.5);
        assert_eq!(v, uses_helpers(&p, 0.5));
        assert_fd_all("helpers a", |q| uses_helpers(q, 0.5), &p, &ga);
        assert_fd("helpers b", gb, |q| uses_helpers(&p, q), 0.5);

        let xf = [0.3f32, -1.2, 2.5];
        let (v, g): (f32, Vec<f32>) = f32_slice_grad(&xf);
        assert_eq!(v, f32_slice(&xf));
        assert_fd_all_f32("f32slice", f32_slice, &xf, &g);

        let mm = [[1.0, 0.2, -0.3], [0.4, 2.0, 0.6], [-0.7, 0.8, 0.5]];
        let (v, g) = nested_array_trace_grad(mm);
        assert_eq!(v, nested_array_trace(mm));
        assert_fd_all(
            "trace",
            |q| nested_array_trace(matrix(q)),
            &flatten(&mm),
            &flatten(&g),
        );
    }
}

mod iterator_idioms_and_arrays {
    #[allow(unused_imports)]
    use crate::common::*;
    use gradmacro::differentiate;
    use std::f64::consts;

    #[differentiate]
    fn l2_norm_chain(x: &[f64]) -> f64 {
        x.iter().map(|v| v * v).sum::<f64>().sqrt()
    }

    #[differentiate]
    fn variance(x: &[f64]) -> f64 {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    }

    #[differentiate]
    fn range_map_dot(x: &[f64], w: &[f64]) -> f64 {
        let n = x.len();
        (0..n).map(|i| x[i] * w[i]).sum::<f64>()
    }

    #[differentiate]
    fn zip_no_iter(x: &[f64], y: &[f64]) -> f64 {
        x.iter().zip(y).map(|(a, b)| a * b).sum()
    }

    #[differentiate]
    fn fold_tuple(x: &[f64], w: &[f64], b: f64) -> f64 {
        x.iter()
            .zip(w.iter())
            .fold(b, |acc, (xi, wi)| acc + xi * wi)
            .tanh()
    }

    #[differentiate]
    fn scale_capture(x: &[f64], scale: f64) -> f64 {
        x.iter().map(|&v| (v * scale).sin()).sum()
    }

    #[differentiate]
    fn tuple_from_index(p: &[f64]) -> f64 {
        let (x, y) = (p[0], p[1]);
        x.atan2(y) * p[p.len() - 1]
    }

    #[differentiate]
    fn lerp_table(t: f64, table: &[f64]) -> f64 {
        let s = t * (table.len() - 1) as f64;
        let i = (s.floor() as usize).min(table.len() - 2);
        let frac = s - i as f64;
        table[i] * (1.0 - frac) + table[i + 1] * frac
    }

    #[differentiate]
    fn lennard_jones(pos: &[[f64; 3]], eps: f64, sigma: f64) -> f64 {
        let mut e = 0.0;
        for i in 0..pos.len() {
            for j in i + 1..pos.len() {
                let dx = pos[i][0] - pos[j][0];
                let dy = pos[i][1] - pos[j][1];
                let dz = pos[i][2] - pos[j][2];
                let r2 = dx * dx + dy * dy + dz * dz;
                let sr6 = (sigma * sigma / r2).powi(3);
                e += 4.0 * eps * (sr6 * sr6 - sr6);
            }
        }
        e
    }

    #[differentiate]
    fn consts_module(x: f64) -> f64 {
        (x * consts::TAU).sin() + (x + consts::FRAC_PI_2).cos() * consts::E + f64::EPSILON * x
    }

    #[differentiate]
    fn mixed_precision(x: f32, y: f64) -> f64 {
        let xd = x as f64;
        xd * y + (x * x) as f64
    }

    #[differentiate]
    fn argmax_pick(x: &[f64]) -> f64 {
        let mut best = x[0];
        let mut best_i = 0;
        for (i, &v) in x.iter().enumerate() {
            if v > best {
                best = v;
                best_i = i;
            }
        }
        best * x[(best_i + 1) % x.len()]
    }

    #[differentiate]
    fn array_iter_sum(x: [f64; 4]) -> f64 {
        let s: f64 = x.iter().sum();
        let mut p = 1.0;
        for v in x {
            p *= v;
        }
        s + p
    }

    #[differentiate]
    fn is_nan_guard(x: f64) -> f64 {
        let y = x.ln();
        if y.is_nan() || !y.is_finite() {
            0.0
        } else {
            y * y
        }
    }

    #[differentiate]
    fn sign_negative(x: f64) -> f64 {
        if x.is_sign_negative() {
            -x * 2.0
        } else {
            x.sqrt()
        }
    }

    #[differentiate]
    fn fib_like(a0: f64, b0: f64) -> f64 {
        let (mut a, mut b) = (a0, b0);
        for _ in 0..10 {
            (a, b) = (b, 0.5 * a + 0.7 * b);
        }
        a + b
    }

    #[differentiate]
    fn if_return_in_let(x: f64) -> f64 {
        let y = if x > 0.0 {
            x.ln()
        } else {
            return 0.0;
        };
        y * y
    }

    #[differentiate]
    fn nested_fn(x: f64) -> f64 {
        fn k(n: usize) -> f64 {
            1.0 / (n as f64 + 1.0)
        }
        let mut s = 0.0;
        for n in 0..5 {
            s += k(n) * x.powi(n as i32);
        }
        s
    }

    const N: usize = 4;

    #[differentiate]
    fn const_generic_len(x: [f64; N]) -> f64 {
        let mut y = [0.0; N];
        for i in 0..N {
            y[i] = x[(i + 1) % N] - x[i];
        }
        y.iter().map(|d| d * d).sum()
    }

    #[differentiate]
    fn local_matrix(a: f64, b: f64) -> f64 {
        let mut m = [[0.0; 2]; 2];
        m[0][0] = a;
        m[0][1] = b;
        m[1][0] = -b;
        m[1][1] = a * a;
        m[1][1] += 1.0;
        m[0][0] * m[1][1] - m[0][1] * m[1][0]
    }

    #[differentiate]
    fn vec_new_push(x: &[f64]) -> f64 {
        let mut v = Vec::new();
        for i in 0..x.len() {
            if x[i] > 0.0 {
                v.push(x[i].ln());
            } else {
                v.push(x[i]);
            }
        }
        let mut s = 0.0;
        for i in 0..v.len() {
            s += v[i] * (i + 1) as f64;
        }
        s
    }

    #[differentiate]
    fn mean_then_max(x: &[f64]) -> f64 {
        let mx = x.iter().fold(f64::MIN, |a, &b| a.max(b));
        let mn = x.iter().copied().fold(f64::MAX, f64::min);
        mx - mn
    }

    #[differentiate]
    fn powi_neg(x: f64, y: f64) -> f64 {
        x.powi(-2) + y.powf(0.5) + (x / y).powf(-1.5) + 2f64.powf(x)
    }

    #[differentiate]
    fn literal_suffix(x: f64) -> f64 {
        let eps = 1e-8_f64;
        (x * x + eps).sqrt() + 2_f64 * x + 3f64
    }

    #[differentiate]
    fn f32_literals(x: f32) -> f32 {
        let k = 0.5_f32;
        k * x.exp() + 1.0f32 / (1.0 + x * x) + std::f32::consts::PI * x
    }

    #[differentiate]
    fn negate_index(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += -x[i] * (-x[i]).exp();
        }
        s
    }

    #[differentiate]
    fn into_iter_array(x: [f64; 3]) -> f64 {
        x.into_iter().map(|v| v.exp()).sum::<f64>().ln()
    }

    #[differentiate]
    fn for_ref_array(x: [f64; 3], w: [f64; 3]) -> f64 {
        let mut s = 0.0;
        for (a, b) in x.iter().zip(&w) {
            s += a * b;
        }
        for v in &x {
            s += v * v;
        }
        s
    }

    #[derive(Clone, Copy)]
    struct Params {
        alpha: f64,
        n: usize,
    }

    #[differentiate(wrt = x)]
    fn struct_params(x: f64, p: Params) -> f64 {
        let mut y = x;
        for _ in 0..p.n {
            y = y - p.alpha * y.sin();
        }
        y
    }

    #[differentiate(wrt = x)]
    fn struct_ref_params(x: &[f64], p: &Params) -> f64 {
        x.iter().map(|v| p.alpha * v * v).sum::<f64>() * p.n as f64
    }

    #[test]
    fn t_l2_variance_etc() {
        let p = vec![0.3, -1.2, 2.5, 0.7];
        for (name, f, g) in [
            (
                "l2",
                l2_norm_chain as fn(&[f64]) -> f64,
                l2_norm_chain_grad as fn(&[f64]) -> (f64, Vec<f64>),
            ),
            ("var", variance, variance_grad),
            ("tuple idx", tuple_from_index, tuple_from_index_grad),
            ("argmax", argmax_pick, argmax_pick_grad),
            ("vecnew", vec_new_push, vec_new_push_grad),
            ("neg", negate_index, negate_index_grad),
            ("maxmin", mean_then_max, mean_then_max_grad),
        ] {
            let (v, g) = g(&p);
            assert_eq!(v, f(&p), "{name}");
            assert_fd_all(name, f, &p, &g);
        }
    }

    #[test]
    fn t_two_slices() {
        let p = vec![0.3, -1.2, 2.5, 0.7];
        let t = vec![0.1, -1.0, 2.0, 1.5];
        for (name, f, g) in [
            (
                "rmd",
                range_map_dot as fn(&[f64], &[f64]) -> f64,
                range_map_dot_grad as fn(&[f64], &[f64]) -> (f64, (Vec<f64>, Vec<f64>)),
            ),
            ("zip", zip_no_iter, zip_no_iter_grad),
        ] {
            let (v, (a, b)) = g(&p, &t);
            assert_eq!(v, f(&p, &t), "{name}");
            assert_fd_all(name, |q| f(q, &t), &p, &a);
            assert_fd_all(name, |q| f(&p, q), &t, &b);
        }
        let (v, (a, b, c)) = fold_tuple_grad(&p, &t, 0.2);
        assert_eq!(v, fold_tuple(&p, &t, 0.2));
        assert_fd_all("fold x", |q| fold_tuple(q, &t, 0.2), &p, &a);
        assert_fd_all("fold w", |q| fold_tuple(&p, q, 0.2), &t, &b);
        assert_fd("fold b", c, |q| fold_tuple(&p, &t, q), 0.2);
        let (v, (a, s)) = scale_capture_grad(&p, 0.8);
        assert_eq!(v, scale_capture(&p, 0.8));
        assert_fd_all("scale x", |q| scale_capture(q, 0.8), &p, &a);
        assert_fd("scale s", s, |q| scale_capture(&p, q), 0.8);
        let (v, (gt, gtab)) = lerp_table_grad(0.37, &t);
        assert_eq!(v, lerp_table(0.37, &t));
        assert_fd("lerp t", gt, |q| lerp_table(q, &t), 0.37);
        assert_fd_all("lerp tab", |q| lerp_table(0.37, q), &t, &gtab);
        let params = Params { alpha: 0.3, n: 4 };
        let (v, g) = struct_ref_params_grad(&p, &params);
        assert_eq!(v, struct_ref_params(&p, &params));
        assert_fd_all("sref", |q| struct_ref_params(q, &params), &p, &g);
        let (v, g) = struct_params_grad(1.1, params);
        assert_eq!(v, struct_params(1.1, params));
        assert_fd("sp", g, |q| struct_params(q, params), 1.1);
    }

    #[test]
    fn t_arrays() {
        let pos = [0.3, -1.2, 2.5];
        let (v, g) = into_iter_array_grad(pos);
        assert_eq!(v, into_iter_array(pos));
        assert_fd_all("intoiter", |q| into_iter_array(array(q)), &pos, &g);
        let w = [0.5, 0.1, -0.2];
        let (v, (a, b)) = for_ref_array_grad(pos, w);
        assert_eq!(v, for_ref_array(pos, w));
        assert_fd_all("forref x", |q| for_ref_array(array(q), w), &pos, &a);
        assert_fd_all("forref w", |q| for_ref_array(pos, array(q)), &w, &b);
        let x4 = [0.3, -1.2, 2.5, 0.9];
        let (v, g) = array_iter_sum_grad(x4);
        assert_eq!(v, array_iter_sum(x4));
        assert_fd_all("arrsum", |q| array_iter_sum(array(q)), &x4, &g);
        let (v, g) = const_generic_len_grad(x4);
        assert_eq!(v, const_generic_len(x4));
        assert_fd_all("cgl", |q| const_generic_len(array(q)), &x4, &g);
        let atoms = [
            [0.0, 0.0, 0.0],
            [1.1, 0.1, 0.0],
            [0.2, 1.2, -0.1],
            [0.9, 0.8, 1.0],
        ];
        let (v, (gp, ge, gs)) = lennard_jones_grad(&atoms, 0.5, 1.0);
        assert_eq!(v, lennard_jones(&atoms, 0.5, 1.0));
        assert_fd_all(
            "lj pos",
            |q| lennard_jones(&rows::<f64, 3>(q), 0.5, 1.0),
            &flatten(&atoms),
            &flatten(&gp),
        );
        assert_fd_all(
            "lj es",
            |q| lennard_jones(&atoms, q[0], q[1]),
            &[0.5, 1.0],
            &[ge, gs],
        );
    }

    #[test]
    fn t_scalars() {
        for x in [0.3, 1.7, -0.6] {
            for (name, f, g) in [
                (
                    "consts",
                    consts_module as fn(f64) -> f64,
                    consts_module_grad as fn(f64) -> (f64, f64),
                ),
                ("nan", is_nan_guard, is_nan_guard_grad),
                ("signneg", sign_negative, sign_negative_grad),
                ("ifretlet", if_return_in_let, if_return_in_let_grad),
                ("nestedfn", nested_fn, nested_fn_grad),
                ("suffix", literal_suffix, literal_suffix_grad),
            ] {
                let (v, d) = g(x);
                assert_eq!(v, f(x), "{name}");
                assert_fd(name, d, f, x);
            }
            let (v, d) = f32_literals_grad(x as f32);
            assert_eq!(v, f32_literals(x as f32));
            assert_fd_f32("f32lit", d, f32_literals, x as f32);
            for (name, f, g) in [
                (
                    "fib",
                    fib_like as fn(f64, f64) -> f64,
                    fib_like_grad as fn(f64, f64) -> (f64, (f64, f64)),
                ),
                ("localmatrix", local_matrix, local_matrix_grad),
            ] {
                for y in [0.8, -1.3] {
                    let (v, (a, b)) = g(x, y);
                    assert_eq!(v, f(x, y), "{name}");
                    assert_fd_all(name, |q| f(q[0], q[1]), &[x, y], &[a, b]);
                }
            }
            let (v, (a, b)) = powi_neg_grad(x.abs() + 0.2, 1.4);
            assert_eq!(v, powi_neg(x.abs() + 0.2, 1.4));
            assert_fd_all(
                "powineg",
                |q| powi_neg(q[0], q[1]),
                &[x.abs() + 0.2, 1.4],
                &[a, b],
            );
            let (v, (a, b)) = mixed_precision_grad(x as f32, 1.4);
            assert_eq!(v, mixed_precision(x as f32, 1.4));
            let xf = (x as f32) as f64;
            assert_close("mixed a", a as f64, 1.4 + 2.0 * xf, 1e-6);
            assert_close("mixed b", b, xf, 1e-12);
        }
    }
}

mod data_helpers_and_closures {
    #[allow(unused_imports)]
    use crate::common::*;
    use gradmacro::differentiate;

    #[differentiate(wrt = [w, b])]
    fn fit_tuples(data: &[(f64, f64)], w: f64, b: f64) -> f64 {
        let mut loss = 0.0;
        for &(x, y) in data {
            let r = w * x + b - y;
            loss += r * r;
        }
        loss / data.len() as f64
    }

    #[differentiate(wrt = [w, b])]
    fn fit_tuples_iter(data: &[(f64, f64)], w: f64, b: f64) -> f64 {
        data.iter()
            .map(|(x, y)| (w * x + b - y).powi(2))
            .sum::<f64>()
            / data.len() as f64
    }

    #[differentiate]
    fn ref_array(x: &[f64; 3]) -> f64 {
        x[0] * x[1] + x[2].sin()
    }

    #[differentiate]
    fn sigmoid(z: f64) -> f64 {
        1.0 / (1.0 + (-z).exp())
    }

    #[differentiate]
    fn sum_sigmoid(x: &[f64]) -> f64 {
        x.iter().map(|&v| sigmoid(v)).sum()
    }

    #[differentiate]
    fn pow_rec(x: f64, n: u32) -> f64 {
        if n == 0 {
            1.0
        } else {
            x * pow_rec(x, n - 1)
        }
    }

    mod act {
        use gradmacro::differentiate;
        #[differentiate]
        pub fn gelu(x: f64) -> f64 {
            0.5 * x * (1.0 + (0.7978845608028654 * (x + 0.044715 * x.powi(3))).tanh())
        }
    }

    #[differentiate]
    fn module_path_call(x: f64) -> f64 {
        act::gelu(x) * 2.0
    }

    use act::{gelu, gelu_pullback};
    #[differentiate]
    fn imported_call(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for &v in x {
            s += gelu(v);
        }
        s
    }

    fn erf_approx(x: f64) -> f64 {
        // Abramowitz–Stegun style (smooth enough for the test)
        let t = 1.0 / (1.0 + 0.5 * x.abs());
        let y = 1.0
            - t * (-x * x - 1.26551223
                + t * (1.00002368
                    + t * (0.37409196
                        + t * (0.09678418
                            + t * (-0.18628806
                                + t * (0.27886807
                                    + t * (-1.13520398
                                        + t * (1.48851587
                                            + t * (-0.82215223 + t * 0.17087277)))))))))
                .exp();
        if x >= 0.0 {
            y
        } else {
            -y
        }
    }
    fn erf_approx_pullback(x: f64, seed: f64) -> (f64, (f64,)) {
        (
            erf_approx(x),
            (seed * 2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp(),),
        )
    }

    #[differentiate]
    fn normal_cdf(x: f64, mu: f64, sigma: f64) -> f64 {
        0.5 * (1.0 + erf_approx((x - mu) / (sigma * std::f64::consts::SQRT_2)))
    }

    const W: [f64; 3] = [0.2, -0.5, 1.5];
    static OFFSET: f64 = 0.25;

    #[differentiate]
    fn const_array_use(x: f64) -> f64 {
        let mut s = OFFSET;
        for i in 0..3 {
            s += W[i] * x.powi(i as i32 + 1);
        }
        s
    }

    #[differentiate]
    fn mean_of_positive(x: &[f64]) -> f64 {
        let mut count = 0u32;
        let mut total = 0.0;
        for i in 0..x.len() {
            if x[i] <= 0.0 {
                continue;
            }
            total += x[i].ln();
            count += 1;
        }
        total / count as f64
    }

    #[differentiate]
    fn secant_root(c: f64) -> f64 {
        // root of t^2 - c
        let (mut a, mut b) = (1.0_f64, 2.0);
        let tol = 1e-13;
        let mut it = 0;
        while (b - a).abs() > tol && it < 100 {
            let fa = a * a - c;
            let fb = b * b - c;
            let next = b - fb * (b - a) / (fb - fa);
            a = b;
            b = next;
            it += 1;
        }
        b
    }

    #[differentiate]
    fn let_later(x: f64) -> f64 {
        let result;
        if x > 1.0 {
            result = x.ln();
        } else {
            result = x - 1.0;
        }
        let r2: f64 = result * result;
        r2
    }

    #[differentiate]
    fn closure_shadows_param(x: &[f64]) -> f64 {
        x.iter().map(|x| x * x).sum::<f64>() + x.iter().map(|v| v.abs()).sum::<f64>()
    }

    #[differentiate]
    fn closure_block_body(x: &[f64], s: f64) -> f64 {
        x.iter()
            .map(|v| {
                let t = v * s;
                if t > 0.0 {
                    t.sin()
                } else {
                    t * 0.1
                }
            })
            .sum()
    }

    #[differentiate]
    fn copied_map_path(x: &[f64]) -> f64 {
        x.iter().copied().map(f64::exp).sum::<f64>().ln()
    }

    #[differentiate]
    fn iter_mut_zip(x: &[f64], a: f64) -> f64 {
        let mut y = vec![0.0; x.len()];
        for (yi, xi) in y.iter_mut().zip(x.iter()) {
            *yi = a * xi + xi.powi(2);
        }
        y.iter().map(|v| v.sin()).sum()
    }

    #[differentiate]
    fn nested_rows(m: [[f64; 3]; 2]) -> f64 {
        let mut s = 0.0;
        for row in m.iter() {
            let rs: f64 = row.iter().sum();
            s += rs * rs;
        }
        for row in m {
            for v in row {
                s += v.exp();
            }
        }
        s
    }

    #[differentiate]
    fn nested_closures(m: &[[f64; 3]]) -> f64 {
        m.iter()
            .map(|row| row.iter().map(|v| v * v).sum::<f64>().sqrt())
            .sum()
    }

    #[differentiate]
    fn matmul_trace(a: [[f64; 2]; 2], b: [[f64; 2]; 2]) -> f64 {
        let mut c = [[0.0; 2]; 2];
        for i in 0..2 {
            for j in 0..2 {
                for k in 0..2 {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        c[0][0] * c[1][1] - c[0][1] * c[1][0] + c[0][0] + c[1][1]
    }

    #[differentiate]
    fn mut_array_param(mut x: [f64; 3]) -> f64 {
        x[0] = x[1] * x[2];
        x[2] += x[0];
        x.iter().map(|v| v * v).sum()
    }

    #[differentiate]
    fn mandel_escape(cr: f64, ci: f64) -> f64 {
        let (mut zr, mut zi) = (0.0, 0.0);
        let mut n = 0;
        while n < 20 && zr * zr + zi * zi < 4.0 {
            (zr, zi) = (zr * zr - zi * zi + cr, 2.0 * zr * zi + ci);
            n += 1;
        }
        zr * zr + zi * zi
    }

    #[differentiate(wrt = [b, w])]
    fn wrt_order(w: f64, b: f64) -> f64 {
        w * w * 3.0 + b
    }

    #[differentiate]
    fn clone_vec(x: &Vec<f64>) -> f64 {
        let mut y = x.clone();
        let n = y.len();
        y[n - 1] *= 2.0;
        y.iter().zip(x.iter().rev()).map(|(a, b)| a * b).sum()
    }

    #[differentiate]
    fn enumerate_map(x: &[f64]) -> f64 {
        x.iter()
            .enumerate()
            .map(|(i, &v)| v * (i as f64 + 0.5))
            .sum::<f64>()
    }

    #[differentiate]
    fn collect_turbofish(x: &[f64], y: &[f64]) -> f64 {
        let d = x.iter().zip(y).map(|(a, b)| a - b).collect::<Vec<_>>();
        let v: Vec<f64> = d.iter().map(|t| t.abs()).collect();
        v.iter().sum::<f64>() + d[0] * d[1]
    }

    #[differentiate]
    fn typed_f32_chain(x: f32) -> f32 {
        let y: f32 = x * 2.0;
        let z = y.sqrt() as f64;
        (z.ln() as f32) + y
    }

    #[test]
    fn batch5() {
        let data = [(0.0, 1.0), (1.0, 2.9), (2.0, 5.2), (3.0, 7.1)];
        for (f, g) in [
            (
                fit_tuples as fn(&[(f64, f64)], f64, f64) -> f64,
                fit_tuples_grad as fn(&[(f64, f64)], f64, f64) -> (f64, (f64, f64)),
            ),
            (fit_tuples_iter, fit_tuples_iter_grad),
        ] {
            let (v, (a, b)) = g(&data, 1.5, 0.5);
            assert_eq!(v, f(&data, 1.5, 0.5));
            assert_fd_all("fit", |q| f(&data, q[0], q[1]), &[1.5, 0.5], &[a, b]);
        }
        let x3 = [0.3, 1.2, -0.7];
        let (v, g) = ref_array_grad(&x3);
        assert_eq!(v, ref_array(&x3));
        assert_fd_all("refarr", |q| ref_array(&array(q)), &x3, &g);

        let p = vec![0.3, -1.2, 2.5, 0.7];
        let t = vec![0.1, -1.0, 2.0, 1.5];
        for (name, f, g) in [
            (
                "sumsig",
                sum_sigmoid as fn(&[f64]) -> f64,
                sum_sigmoid_grad as fn(&[f64]) -> (f64, Vec<f64>),
            ),
            ("gelu", imported_call, imported_call_grad),
            (
                "closure shadow",
                closure_shadows_param,
                closure_shadows_param_grad,
            ),
            ("copied map", copied_map_path, copied_map_path_grad),
            ("enum map", enumerate_map, enumerate_map_grad),
        ] {
            let (v, g) = g(&p);
            assert_eq!(v, f(&p), "{name}");
            assert_fd_all(name, f, &p, &g);
        }
        let pp = vec![0.3, 1.2, 2.5, -0.7];
        let (v, g) = mean_of_positive_grad(&pp);
        assert_eq!(v, mean_of_positive(&pp));
        assert_fd_all("meanpos", mean_of_positive, &pp, &g);
        let (v, g) = clone_vec_grad(&p);
        assert_eq!(v, clone_vec(&p));
        assert_fd_all("clonevec", |q| clone_vec(&q.to_vec()), &p, &g);
        let (v, (a, b)) = collect_turbofish_grad(&p, &t);
        assert_eq!(v, collect_turbofish(&p, &t));
        assert_fd_all("ct x", |q| collect_turbofish(q, &t), &p, &a);
        assert_fd_all("ct y", |q| collect_turbofish(&p, q), &t, &b);
        let (v, (a, s)) = closure_block_body_grad(&p, 0.7);
        assert_eq!(v, closure_block_body(&p, 0.7));
        assert_fd_all("cbb", |q| closure_block_body(q, 0.7), &p, &a);
        assert_fd("cbb s", s, |q| closure_block_body(&p, q), 0.7);
        let (v, (a, s)) = iter_mut_zip_grad(&p, 0.7);
        assert_eq!(v, iter_mut_zip(&p, 0.7));
        assert_fd_all("imz", |q| iter_mut_zip(q, 0.7), &p, &a);
        assert_fd("imz a", s, |q| iter_mut_zip(&p, q), 0.7);

        for x in [0.4, 1.3, -0.8] {
            for (name, f, g) in [
                (
                    "modpath",
                    module_path_call as fn(f64) -> f64,
                    module_path_call_grad as fn(f64) -> (f64, f64),
                ),
                ("constarr", const_array_use, const_array_use_grad),
                ("letlater", let_later, let_later_grad),
            ] {
                let (v, d) = g(x);
                assert_eq!(v, f(x), "{name}");
                assert_fd(name, d, f, x);
            }
            let (v, d) = pow_rec_grad(x, 4);
            assert_eq!(v, pow_rec(x, 4));
            assert_closed("powrec", d, 4.0 * x.powi(3));
            let (v, (a, b, c)) = normal_cdf_grad(x, 0.1, 0.9);
            assert_eq!(v, normal_cdf(x, 0.1, 0.9));
            let pdf = (-(x - 0.1f64).powi(2) / (2.0 * 0.81)).exp()
                / (0.9 * (2.0 * std::f64::consts::PI).sqrt());
            assert_close("cdf x", a, pdf, 1e-9);
            assert_close("cdf mu", b, -pdf, 1e-9);
            assert_close("cdf sigma", c, -pdf * (x - 0.1) / 0.9, 1e-9);
            let (v, (a, b)) = mandel_escape_grad(x * 0.3, 0.2);
            assert_eq!(v, mandel_escape(x * 0.3, 0.2));
            assert_fd_all(
                "mandel",
                |q| mandel_escape(q[0], q[1]),
                &[x * 0.3, 0.2],
                &[a, b],
            );
            let (v, (db, dw)) = wrt_order_grad(x, 0.3);
            assert_eq!(v, wrt_order(x, 0.3));
            assert_eq!((db, dw), (1.0, 6.0 * x));
            let (v, d) = typed_f32_chain_grad(x.abs() as f32 + 0.5);
            assert_eq!(v, typed_f32_chain(x.abs() as f32 + 0.5));
            assert_fd_f32("f32chain", d, typed_f32_chain, x.abs() as f32 + 0.5);
        }
        for c in [2.0, 3.3] {
            let (v, d) = secant_root_grad(c);
            assert_eq!(v, secant_root(c));
            assert_close("secant", d, 0.5 / c.sqrt(), 1e-6);
        }
        let m = [[0.3, -1.2, 2.5], [0.7, 0.1, -0.4]];
        let (v, g) = nested_rows_grad(m);
        assert_eq!(v, nested_rows(m));
        assert_fd_all(
            "nrows",
            |q| nested_rows(matrix(q)),
            &flatten(&m),
            &flatten(&g),
        );
        let (v, g) = nested_closures_grad(&m);
        assert_eq!(v, nested_closures(&m));
        assert_fd_all(
            "nclos",
            |q| nested_closures(&rows::<f64, 3>(q)),
            &flatten(&m),
            &flatten(&g),
        );
        let a = [[0.3, -1.2], [2.5, 0.7]];
        let b = [[0.1, 0.4], [-0.5, 1.1]];
        let (v, (ga, gb)) = matmul_trace_grad(a, b);
        assert_eq!(v, matmul_trace(a, b));
        assert_fd_all(
            "mm a",
            |q| matmul_trace(matrix(q), b),
            &flatten(&a),
            &flatten(&ga),
        );
        assert_fd_all(
            "mm b",
            |q| matmul_trace(a, matrix(q)),
            &flatten(&b),
            &flatten(&gb),
        );
        let (v, g) = mut_array_param_grad(x3);
        assert_eq!(v, mut_array_param(x3));
        assert_fd_all("mutarr", |q| mut_array_param(array(q)), &x3, &g);
    }
}

mod pde_sorting_and_layers {
    #[allow(unused_imports)]
    use crate::common::*;
    use gradmacro::differentiate;
    use gradmacro::vector::{dot, dot_pullback_lent};

    #[differentiate]
    fn heat_copy_back(u0: &[f64], alpha: f64) -> f64 {
        let n = u0.len();
        let mut u = u0.to_vec();
        let mut next = vec![0.0; n];
        for _ in 0..5 {
            for i in 1..n - 1 {
                next[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
            }
            for i in 1..n - 1 {
                u[i] = next[i];
            }
        }
        u.iter().map(|v| v * v).sum()
    }

    #[differentiate]
    fn self_overwrite(x: &[f64]) -> f64 {
        let mut y = x.to_vec();
        for i in 0..y.len() {
            y[i] = y[i] * y[i] + 1.0;
        }
        for i in 1..y.len() {
            y[i] = y[i - 1] * y[i];
        }
        y[y.len() - 1].ln()
    }

    #[differentiate]
    fn bubble_sort_median(x: &[f64]) -> f64 {
        let mut v = x.to_vec();
        let n = v.len();
        for i in 0..n {
            for j in 0..n - 1 - i {
                if v[j] > v[j + 1] {
                    let tmp = v[j];
                    v[j] = v[j + 1];
                    v[j + 1] = tmp;
                }
            }
        }
        v[n / 2] + 0.1 * v[0] * v[n - 1]
    }

    #[differentiate]
    fn inplace_softmax_xent(logits: &[f64], label: usize) -> f64 {
        let mut p = logits.to_vec();
        let mut m = f64::NEG_INFINITY;
        for &l in logits {
            m = m.max(l);
        }
        let mut z = 0.0;
        for v in p.iter_mut() {
            *v = (*v - m).exp();
            z += *v;
        }
        for v in p.iter_mut() {
            *v /= z;
        }
        -p[label].ln()
    }

    #[differentiate]
    fn relu_inplace(x: &[f64], w: &[f64]) -> f64 {
        let mut h: Vec<f64> = x.iter().zip(w).map(|(a, b)| a * b - 0.1).collect();
        for v in h.iter_mut() {
            *v = v.max(0.0);
        }
        h.iter().sum::<f64>().powi(2)
    }

    #[differentiate]
    fn flat_mlp(w: &[f64], b: &[f64], x: &[f64], n_in: usize, n_out: usize) -> f64 {
        let mut out = vec![0.0; n_out];
        for o in 0..n_out {
            let mut z = b[o];
            for i in 0..n_in {
                z += w[o * n_in + i] * x[i];
            }
            out[o] = z.tanh();
        }
        out.iter().map(|v| (v - 0.5).powi(2)).sum::<f64>() * 0.5
    }

    #[differentiate]
    fn batchnorm_loss(x: &[f64], gamma: f64, beta: f64) -> f64 {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let inv = 1.0 / (var + 1e-5).sqrt();
        let mut loss = 0.0;
        for (i, &v) in x.iter().enumerate() {
            let y = gamma * (v - mean) * inv + beta;
            loss += y * (i as f64 + 1.0);
        }
        loss
    }

    #[differentiate(wrt = [q, k, v])]
    fn attention(q: &[f64], k: &[[f64; 2]], v: &[f64]) -> f64 {
        let mut scores = Vec::with_capacity(k.len());
        for row in k {
            scores.push(q[0] * row[0] + q[1] * row[1]);
        }
        let mx = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut z = 0.0;
        for s in scores.iter_mut() {
            *s = (*s - mx).exp();
            z += *s;
        }
        let mut out = 0.0;
        for (s, vi) in scores.iter().zip(v) {
            out += s / z * vi;
        }
        out
    }

    #[differentiate]
    fn vec_of_active(a: f64) -> f64 {
        let mut v = vec![a; 4];
        let mut arr = [a * 2.0; 3];
        for i in 0..4 {
            v[i] *= (i as f64 + 1.0) * a;
        }
        arr[1] = v[3];
        v.iter().sum::<f64>() + arr.iter().product::<f64>()
    }

    #[differentiate]
    fn state_machine(x: f64) -> f64 {
        let mut state = 0;
        let mut y = x;
        let mut steps = 0;
        loop {
            match state {
                0 => {
                    y = y * 1.5;
                    if y > 3.0 {
                        state = 1;
                    }
                }
                1 => {
                    y = y.sqrt();
                    state = 2;
                }
                _ => break,
            }
            steps += 1;
            if steps > 50 {
                break;
            }
        }
        y
    }

    #[differentiate]
    fn norm3(v: [f64; 3]) -> f64 {
        (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
    }

    #[differentiate]
    fn uses_norm3(a: f64, b: f64, p: [f64; 3]) -> f64 {
        norm3([a, b, a * b]) + norm3(p) * a
    }

    #[differentiate]
    fn term(x: f64, k: usize) -> f64 {
        x.powi(k as i32) / (k as f64 + 1.0)
    }

    #[differentiate]
    fn series(x: f64) -> f64 {
        let mut s = 0.0;
        for k in 0..8 {
            s += term(x, k);
        }
        s
    }

    #[differentiate]
    fn slice_helper(v: &[f64]) -> f64 {
        v.iter().map(|t| t.exp()).sum::<f64>().ln()
    }

    #[differentiate]
    fn call_slice_helper_on_local(x: &[f64], s: f64) -> f64 {
        let scaled: Vec<f64> = x.iter().map(|v| v * s).collect();
        slice_helper(&scaled) + slice_helper(x)
    }

    #[differentiate]
    fn helper_on_element(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += series(x[i]) * term(x[i], 2);
        }
        s
    }

    #[differentiate]
    fn f32_dot(a: &[f32], b: &[f32]) -> f32 {
        dot(a, b).tanh()
    }

    #[differentiate]
    fn f32_array(x: [f32; 3], pts: &[[f32; 2]]) -> f32 {
        let mut s = 0.0f32;
        for p in pts {
            s += (p[0] * x[0] + p[1] * x[1] + x[2]).sin();
        }
        s
    }

    #[differentiate]
    fn buffer_cond_read(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            if x[i] > x[i + 1] {
                s += x[i] - x[i + 1];
            } else {
                s += 0.5 * (x[i + 1] - x[i]).powi(2);
            }
        }
        s
    }

    #[differentiate]
    fn while_in_for(x: &[f64]) -> f64 {
        let mut total = 0.0;
        for &v in x {
            let mut t = v.abs() + 1.0;
            while t > 1.1 {
                t = t.sqrt();
                if t < 1.2 {
                    break;
                }
            }
            total += t;
        }
        total
    }

    #[test]
    fn batch6() {
        let u0 = vec![0.0, 0.3, 1.0, 0.6, 0.0];
        let (v, (gu, ga)) = heat_copy_back_grad(&u0, 0.2);
        assert_eq!(v, heat_copy_back(&u0, 0.2));
        assert_fd_all("heat u0", |q| heat_copy_back(q, 0.2), &u0, &gu);
        assert_fd("heat alpha", ga, |q| heat_copy_back(&u0, q), 0.2);

        let p = vec![0.3, -1.2, 2.5, 0.7, 1.9];
        let t = vec![0.1, -1.0, 2.0, 1.5, 0.4];
        for (name, f, g) in [
            (
                "selfover",
                self_overwrite as fn(&[f64]) -> f64,
                self_overwrite_grad as fn(&[f64]) -> (f64, Vec<f64>),
            ),
            ("bubble", bubble_sort_median, bubble_sort_median_grad),
            ("bcond", buffer_cond_read, buffer_cond_read_grad),
            ("whileinfor", while_in_for, while_in_for_grad),
        ] {
            let (v, g) = g(&p);
            assert_eq!(v, f(&p), "{name}");
            assert_fd_all(name, f, &p, &g);
        }
        let (v, g) = inplace_softmax_xent_grad(&p, 1);
        assert_eq!(v, inplace_softmax_xent(&p, 1));
        assert_fd_all("isx", |q| inplace_softmax_xent(q, 1), &p, &g);
        let (v, (a, b)) = relu_inplace_grad(&p, &t);
        assert_eq!(v, relu_inplace(&p, &t));
        assert_fd_all("relu x", |q| relu_inplace(q, &t), &p, &a);
        assert_fd_all("relu w", |q| relu_inplace(&p, q), &t, &b);
        let w = vec![0.1, -0.2, 0.3, 0.4, 0.5, -0.6];
        let b = vec![0.05, -0.05];
        let x = vec![1.0, -0.5, 0.25];
        let (v, (gw, gb, gx)) = flat_mlp_grad(&w, &b, &x, 3, 2);
        assert_eq!(v, flat_mlp(&w, &b, &x, 3, 2));
        assert_fd_all("fmlp w", |q| flat_mlp(q, &b, &x, 3, 2), &w, &gw);
        assert_fd_all("fmlp b", |q| flat_mlp(&w, q, &x, 3, 2), &b, &gb);
        assert_fd_all("fmlp x", |q| flat_mlp(&w, &b, q, 3, 2), &x, &gx);
        let (v, (gx, gg, gbeta)) = batchnorm_loss_grad(&p, 1.3, 0.2);
        assert_eq!(v, batchnorm_loss(&p, 1.3, 0.2));
        assert_fd_all("bn x", |q| batchnorm_loss(q, 1.3, 0.2), &p, &gx);
        assert_fd_all(
            "bn gb",
            |q| batchnorm_loss(&p, q[0], q[1]),
            &[1.3, 0.2],
            &[gg, gbeta],
        );
        let q = vec![0.5, -0.3];
        let k = [[0.1, 0.2], [0.7, -0.4], [-0.5, 0.9]];
        let vv = vec![1.0, 2.0, -1.0];
        let (val, (gq, gk, gv)) = attention_grad(&q, &k, &vv);
        assert_eq!(val, attention(&q, &k, &vv));
        assert_fd_all("att q", |z| attention(z, &k, &vv), &q, &gq);
        assert_fd_all(
            "att k",
            |z| attention(&q, &rows::<f64, 2>(z), &vv),
            &flatten(&k),
            &flatten(&gk),
        );
        assert_fd_all("att v", |z| attention(&q, &k, z), &vv, &gv);
        let (v, (gx, gs)) = call_slice_helper_on_local_grad(&p, 0.6);
        assert_eq!(v, call_slice_helper_on_local(&p, 0.6));
        assert_fd_all("cshl x", |z| call_slice_helper_on_local(z, 0.6), &p, &gx);
        assert_fd("cshl s", gs, |z| call_slice_helper_on_local(&p, z), 0.6);
        let (v, g) = helper_on_element_grad(&p);
        assert_eq!(v, helper_on_element(&p));
        assert_fd_all("hoe", helper_on_element, &p, &g);

        for x in [0.4, 1.3, 2.2] {
            for (name, f, g) in [
                (
                    "vecactive",
                    vec_of_active as fn(f64) -> f64,
                    vec_of_active_grad as fn(f64) -> (f64, f64),
                ),
                ("state", state_machine, state_machine_grad),
                ("series", series, series_grad),
            ] {
                let (v, d) = g(x);
                assert_eq!(v, f(x), "{name}");
                assert_fd(name, d, f, x);
            }
            let pp = [0.3, -0.4, 1.2];
            let (v, (ga, gb, gp)) = uses_norm3_grad(x, 0.7, pp);
            assert_eq!(v, uses_norm3(x, 0.7, pp));
            assert_fd_all(
                "n3 ab",
                |z| uses_norm3(z[0], z[1], pp),
                &[x, 0.7],
                &[ga, gb],
            );
            assert_fd_all("n3 p", |z| uses_norm3(x, 0.7, array(z)), &pp, &gp);
        }
        let a = [0.3f32, -0.2, 0.5];
        let bb = [0.1f32, 0.8, -0.4];
        let (v, (ga, gb)) = f32_dot_grad(&a, &bb);
        assert_eq!(v, f32_dot(&a, &bb));
        assert_fd_all_f32("f32dot a", |z| f32_dot(z, &bb), &a, &ga);
        assert_fd_all_f32("f32dot b", |z| f32_dot(&a, z), &bb, &gb);
        let pts = [[0.1f32, 0.2], [0.5, -0.3]];
        let (v, (gx, gp)): (f32, ([f32; 3], Vec<[f32; 2]>)) = f32_array_grad(a, &pts);
        assert_eq!(v, f32_array(a, &pts));
        assert_fd_all_f32("f32arr x", |z| f32_array(array(z), &pts), &a, &gx);
        assert_fd_all_f32(
            "f32arr p",
            |z| f32_array(a, &rows::<f32, 2>(z)),
            &flatten(&pts),
            &flatten(&gp),
        );
    }
}

mod linear_algebra_and_odes {
    #[allow(unused_imports)]
    use crate::common::*;
    use gradmacro::differentiate;

    #[differentiate]
    fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> f64 {
        let mut m = a;
        let mut r = b;
        for k in 0..3 {
            for i in k + 1..3 {
                let f = m[i][k] / m[k][k];
                for j in k..3 {
                    m[i][j] -= f * m[k][j];
                }
                r[i] -= f * r[k];
            }
        }
        let mut x = [0.0; 3];
        for i in (0..3).rev() {
            let mut s = r[i];
            for j in i + 1..3 {
                s -= m[i][j] * x[j];
            }
            x[i] = s / m[i][i];
        }
        x[0] + 2.0 * x[1] + 3.0 * x[2]
    }

    #[differentiate]
    fn power_iteration(a: [[f64; 2]; 2]) -> f64 {
        let mut v = [1.0, 0.5];
        let mut lambda = 0.0;
        for _ in 0..60 {
            let w0 = a[0][0] * v[0] + a[0][1] * v[1];
            let w1 = a[1][0] * v[0] + a[1][1] * v[1];
            let norm = (w0 * w0 + w1 * w1).sqrt();
            lambda = v[0] * w0 + v[1] * w1;
            v[0] = w0 / norm;
            v[1] = w1 / norm;
        }
        lambda
    }

    #[differentiate]
    fn rk4_array(y0: [f64; 2], omega: f64) -> f64 {
        let mut y = y0;
        let dt = 0.05;
        for _ in 0..10 {
            let k1 = [y[1], -omega * omega * y[0]];
            let y2 = [y[0] + 0.5 * dt * k1[0], y[1] + 0.5 * dt * k1[1]];
            let k2 = [y2[1], -omega * omega * y2[0]];
            let y3 = [y[0] + 0.5 * dt * k2[0], y[1] + 0.5 * dt * k2[1]];
            let k3 = [y3[1], -omega * omega * y3[0]];
            let y4 = [y[0] + dt * k3[0], y[1] + dt * k3[1]];
            let k4 = [y4[1], -omega * omega * y4[0]];
            for i in 0..2 {
                y[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
        y[0] * y[0] + y[1]
    }

    #[differentiate(wrt = x0)]
    fn inner_gd_vec(x0: &[f64], target: &[f64], lr: f64) -> f64 {
        let mut x = x0.to_vec();
        for _ in 0..10 {
            for i in 0..x.len() {
                let g = 2.0 * (x[i] - target[i]) + 0.1 * x[i].powi(3);
                x[i] -= lr * g;
            }
        }
        x.iter().zip(target).map(|(a, b)| (a - b).powi(2)).sum()
    }

    #[differentiate]
    fn abs_loss(x: &[f64], y: &[f64]) -> f64 {
        let total: f64 = x.iter().zip(y.iter()).map(|(a, b)| (a - b).abs()).sum();
        total / x.len() as f64
    }

    #[test]
    fn batch8() {
        let a = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.3, 0.4, 2.0]];
        let b = [1.0, -2.0, 0.5];
        let (v, (ga, gb)) = solve3_grad(a, b);
        assert_eq!(v, solve3(a, b));
        assert_fd_all(
            "solve a",
            |q| solve3(matrix(q), b),
            &flatten(&a),
            &flatten(&ga),
        );
        assert_fd_all("solve b", |q| solve3(a, array(q)), &b, &gb);
        let a2 = [[2.0, 1.0], [0.5, 3.0]];
        let (v, g) = power_iteration_grad(a2);
        assert_eq!(v, power_iteration(a2));
        assert_fd_all(
            "power",
            |q| power_iteration(matrix(q)),
            &flatten(&a2),
            &flatten(&g),
        );
        let y0 = [1.0, 0.3];
        let (v, (gy, gw)) = rk4_array_grad(y0, 1.7);
        assert_eq!(v, rk4_array(y0, 1.7));
        assert_fd_all("rk4 y", |q| rk4_array(array(q), 1.7), &y0, &gy);
        assert_fd("rk4 w", gw, |q| rk4_array(y0, q), 1.7);
        let p = vec![0.3, -1.2, 2.5, 0.7];
        let t = vec![0.1, -1.0, 2.0, 1.5];
        let (v, g) = inner_gd_vec_grad(&p, &t, 0.1);
        assert_eq!(v, inner_gd_vec(&p, &t, 0.1));
        assert_fd_all("igd", |q| inner_gd_vec(q, &t, 0.1), &p, &g);
        let (v, (a, b)) = abs_loss_grad(&p, &t);
        assert_eq!(v, abs_loss(&p, &t));
        assert_fd_all("abs x", |q| abs_loss(q, &t), &p, &a);
        assert_fd_all("abs y", |q| abs_loss(&p, q), &t, &b);
    }
}
