//! `lse` through the tool's protocol: the binary's `primal` and `gradient`
//! against the hand-written reference (`reference/lse.rs`), and the reference
//! against central differences.

mod session;

#[path = "../reference/mod.rs"]
#[allow(dead_code)]
mod reference;

use gradmacro::check::{check_gradient, Tolerance};
use serde_json::json;
use session::{assert_close, assert_close_abs, number, numbers, uniform, Session};

/// Small points: GradBench's `rand` range, a wide range, one entry, ties, and
/// magnitudes whose `exp` overflows without the max shift.
fn small_points() -> Vec<Vec<f64>> {
    vec![
        uniform(8, 0.0, 1.0, 1),
        uniform(9, -50.0, 50.0, 2),
        vec![0.3],
        vec![2.0, 2.0, -1.0],
        vec![1000.0, 999.0, -1000.0, 998.5],
    ]
}

#[test]
fn reference_gradient_matches_central_differences() {
    for x in small_points() {
        let (value, gradient) = reference::lse::gradient(&x);
        assert_close("value", &[value], &[reference::lse::primal(&x)], 1e-15);
        let report = check_gradient(reference::lse::primal, &x, &gradient, Tolerance::default());
        assert!(report.passed, "{report}");
    }
}

#[test]
fn protocol_session_matches_reference() {
    let mut session = Session::start("lse");
    assert!(session.define("lse"));
    let mut points = small_points();
    points.push(uniform(2500, 0.0, 1.0, 3));
    points.push(uniform(20_000, -100.0, 100.0, 4));
    for x in &points {
        let n = x.len();
        let primal = number(&session.evaluate("lse", "primal", json!({"x": x})));
        assert_close(
            &format!("primal n={n}"),
            &[primal],
            &[reference::lse::primal(x)],
            1e-14,
        );
        let of = session.next_id();
        let gradient = numbers(&session.evaluate("lse", "gradient", json!({"x": x})));
        let (_, want) = reference::lse::gradient(x);
        // The generated gradient also sends `∂lse/∂a = 1 − Σ softmax`, zero
        // up to the rounding of a sum of n terms, to the largest entry.
        let rounding = n as f64 * f64::EPSILON;
        assert_close_abs(
            &format!("gradient n={n}"),
            &gradient,
            &want,
            1e-12,
            rounding,
        );
        session.analysis(of);
    }
    let error = session.evaluate_fails("lse", "gradient", json!({"x": []}));
    assert!(error.contains("empty"), "{error}");
    let error = session.evaluate_fails("lse", "hessian", json!({"x": [1.0]}));
    assert!(error.contains("hessian"), "{error}");
}

/// The tool's function itself: its value is the reference's, and the
/// generated gradient sums to one (the gradient is the softmax).
#[test]
fn generated_gradient_is_a_softmax() {
    use gradbench_gradmacro::modules::lse::{lse, lse_grad};
    for x in small_points() {
        let (value, gradient) = lse_grad(&x);
        assert_eq!(value, lse(&x));
        assert_close("value", &[value], &[reference::lse::primal(&x)], 1e-15);
        let total: f64 = gradient.iter().sum();
        assert!((total - 1.0).abs() < 1e-14, "Σ ∂lse/∂x = {total}");
    }
}
