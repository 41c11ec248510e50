//! `ode` through the tool's protocol: the binary's `primal` (the final `y`)
//! and `gradient` (of its last element) against the hand-written reference
//! (`reference/ode.rs`), and the reference against central differences.

mod session;

#[path = "../reference/mod.rs"]
#[allow(dead_code)]
mod reference;

use gradbench_gradmacro::modules::ode::{ode, ode_last, ode_last_grad};
use gradmacro::check::{check_gradient, Tolerance};
use serde_json::json;
use session::{assert_close, numbers, uniform, Session};

/// `(n, s)` small enough for central differences.
const SMALL: &[(usize, usize)] = &[(1, 1), (2, 1), (3, 2), (5, 1), (6, 3), (7, 10)];

#[test]
fn reference_gradient_matches_central_differences() {
    for (k, &(n, s)) in SMALL.iter().enumerate() {
        let x = uniform(n, 0.5, 1.5, k as u64 + 1);
        let (value, gradient) = reference::ode::gradient(&x, s);
        assert_eq!(value, reference::ode::primal(&x, s)[n - 1]);
        let report = check_gradient(
            |x| reference::ode::primal(x, s)[n - 1],
            &x,
            &gradient,
            Tolerance::default(),
        );
        assert!(report.passed, "n={n} s={s}: {report}");
    }
}

/// RK4 is exact while the solution `yᵢ(t) = x₀⋯xᵢ tⁱ⁺¹/(i + 1)!` has degree at
/// most 4, so for `n ≤ 4` the last element is `x₀⋯xₙ₋₁ 2ⁿ/n!` and its
/// gradient `y/xⱼ`: a check of the generated gradient that needs no reference.
#[test]
fn generated_gradient_is_exact_for_low_degree() {
    for n in 1..=4 {
        let x = uniform(n, 0.5, 1.5, 40 + n as u64);
        let factorial: f64 = (1..=n).map(|i| i as f64).product();
        let exact = x.iter().product::<f64>() * 2f64.powi(n as i32) / factorial;
        for s in [1, 2, 5] {
            let (value, gradient) = ode_last_grad(&x, s);
            assert_close("value", &[value], &[exact], 1e-14);
            let want: Vec<f64> = x.iter().map(|xj| exact / xj).collect();
            assert_close(&format!("gradient n={n} s={s}"), &gradient, &want, 1e-14);
        }
    }
}

/// `primal` and the differentiated `ode_last` are the same code: the same bits.
#[test]
fn primal_and_differentiated_function_agree() {
    for &(n, s) in &[(1, 1), (6, 3), (100, 10)] {
        let x = uniform(n, 0.0, 1.0, 7);
        let y = ode(&x, s);
        assert_eq!(y, reference::ode::primal(&x, s));
        assert_eq!(y[n - 1], ode_last(&x, s));
        assert_eq!(y[n - 1], ode_last_grad(&x, s).0);
    }
}

#[test]
fn protocol_session_matches_reference() {
    let mut session = Session::start("ode");
    assert!(session.define("ode"));
    let mut sizes = SMALL.to_vec();
    sizes.extend([(50, 10), (1000, 1), (1000, 10)]);
    for (k, &(n, s)) in sizes.iter().enumerate() {
        // GradBench draws x from `rand`, in [0, 1).
        let x = uniform(n, 0.0, 1.0, 200 + k as u64);
        let input = json!({"x": x, "s": s});
        let primal = numbers(&session.evaluate("ode", "primal", input.clone()));
        let want = reference::ode::primal(&x, s);
        assert_close(&format!("primal n={n} s={s}"), &primal, &want, 1e-15);
        let of = session.next_id();
        let gradient = numbers(&session.evaluate("ode", "gradient", input));
        let (_, want) = reference::ode::gradient(&x, s);
        assert_close(&format!("gradient n={n} s={s}"), &gradient, &want, 1e-12);
        session.analysis(of);
    }
    let error = session.evaluate_fails("ode", "gradient", json!({"x": [], "s": 1}));
    assert!(error.contains("empty"), "{error}");
}
