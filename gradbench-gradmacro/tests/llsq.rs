//! `llsq` through the tool's protocol: the binary's `primal` and `gradient`
//! against the hand-written reference (`reference/llsq.rs`), and the reference
//! against central differences.

mod session;

#[path = "../reference/mod.rs"]
#[allow(dead_code)]
mod reference;

use gradmacro::check::{check_gradient, Tolerance};
use serde_json::json;
use session::{assert_close, number, numbers, uniform, Session};

/// `(m, n)`: one point (`n = 1`, where `2i/(n − 1)` would divide by zero),
/// two points, an odd `n` (so `t = 0` and `sign(0) = 0` occur), a few more.
const SMALL: &[(usize, usize)] = &[(1, 1), (3, 1), (3, 2), (6, 9), (5, 16), (8, 33)];

#[test]
fn grid_and_sign() {
    assert_eq!(reference::llsq::t(0, 1), -1.0);
    assert_eq!(reference::llsq::t(0, 5), -1.0);
    assert_eq!(reference::llsq::t(2, 5), 0.0);
    assert_eq!(reference::llsq::t(4, 5), 1.0);
    assert_eq!(reference::llsq::sign(0.0), 0.0);
    assert_eq!(reference::llsq::sign(-0.25), -1.0);
    assert_eq!(reference::llsq::sign(0.25), 1.0);
}

#[test]
fn reference_gradient_matches_central_differences() {
    for (k, &(m, n)) in SMALL.iter().enumerate() {
        let x = uniform(m, -1.0, 1.0, k as u64 + 1);
        let (value, gradient) = reference::llsq::gradient(&x, n);
        assert_close("value", &[value], &[reference::llsq::primal(&x, n)], 1e-15);
        let report = check_gradient(
            |x| reference::llsq::primal(x, n),
            &x,
            &gradient,
            Tolerance::default(),
        );
        assert!(report.passed, "m={m} n={n}: {report}");
    }
}

#[test]
fn protocol_session_matches_reference() {
    let mut session = Session::start("llsq");
    assert!(session.define("llsq"));
    let mut sizes = SMALL.to_vec();
    sizes.extend([(128, 16), (128, 1024)]);
    for (k, &(m, n)) in sizes.iter().enumerate() {
        // GradBench draws x from `rand`, in [0, 1).
        let x = uniform(m, 0.0, 1.0, 100 + k as u64);
        let input = json!({"x": x, "n": n});
        let primal = number(&session.evaluate("llsq", "primal", input.clone()));
        let want = reference::llsq::primal(&x, n);
        assert_close(&format!("primal m={m} n={n}"), &[primal], &[want], 1e-13);
        let of = session.next_id();
        let gradient = numbers(&session.evaluate("llsq", "gradient", input));
        let (_, want) = reference::llsq::gradient(&x, n);
        assert_close(&format!("gradient m={m} n={n}"), &gradient, &want, 1e-12);
        session.analysis(of);
    }
    let error = session.evaluate_fails("llsq", "gradient", json!({"x": [1.0]}));
    assert!(error.contains("bad input"), "{error}");
}

/// The tool's function itself, at `n = 1`: a finite value and gradient.
#[test]
fn one_point_does_not_divide_by_zero() {
    use gradbench_gradmacro::modules::llsq::{llsq, llsq_grad};
    let x = [0.5, 0.25, 2.0];
    // t = −1, s = −1: r = −1 − (0.5 − 0.25 + 2) = −3.25.
    assert_eq!(llsq(&x, 1), 0.5 * 3.25 * 3.25);
    let (value, gradient) = llsq_grad(&x, 1);
    assert_eq!(value, llsq(&x, 1));
    assert_eq!(gradient, vec![3.25, -3.25, 3.25]);
}
