//! The `det` module through the built tool, as GradBench drives it: one JSONL
//! session (start, define, evaluate `primal` and `gradient` at several sizes
//! with `min_runs: 2`, analysis) on the binary's stdin, one response line read
//! per message. Outputs are checked against the hand-written reference
//! (`reference/det.rs`): the determinant by expansion in minors, its gradient
//! by the hand-written reverse sweep and, independently, the cofactor matrix.
//! The reference itself is checked against central finite differences.

mod session;

#[path = "../reference/mod.rs"]
#[allow(dead_code)]
mod reference;

use gradbench_gradmacro::modules::det;
use gradmacro::check::{check_gradient, Tolerance};
use serde_json::json;
use session::{numbers, Session};

/// Deterministic numbers in [−1, 1) (a 64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    fn matrix(&mut self, ell: usize) -> Vec<f64> {
        (0..ell * ell).map(|_| self.next()).collect()
    }
}

/// `|got − want| ≤ tolerance · scale` entry by entry.
fn assert_close_all(what: &str, got: &[f64], want: &[f64], scale: f64, tolerance: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tolerance * scale,
            "{what}[{i}]: {g:e} against {w:e} (scale {scale:e})"
        );
    }
}

#[test]
fn det_session_matches_the_hand_written_reference() {
    let mut session = Session::start("det");
    assert!(session.define("det"));

    let mut rng = Lcg(2024);
    for ell in 1..=7 {
        let a = rng.matrix(ell);
        let input = json!({"A": a, "ell": ell, "min_runs": 2, "min_seconds": 0.0});
        let value = session
            .evaluate("det", "primal", input.clone())
            .as_f64()
            .expect("a number");
        let gradient = numbers(&session.evaluate("det", "gradient", input.clone()));

        let (want_value, want_gradient) = reference::det::gradient(&a, ell);
        let cofactors = reference::det::cofactors(&a, ell);
        // Entries are sums of (ell − 1)! products of entries in [−1, 1).
        let scale = want_gradient
            .iter()
            .chain(&cofactors)
            .fold(1.0f64, |m, v| m.max(v.abs()));
        assert_close_all(
            &format!("det (ell {ell})"),
            &[value],
            &[want_value],
            scale,
            1e-13,
        );
        assert_close_all(
            &format!("primal (ell {ell})"),
            &[reference::det::primal(&a, ell)],
            &[want_value],
            scale,
            1e-13,
        );
        let what = format!("∂det/∂A (ell {ell})");
        assert_close_all(&what, &gradient, &want_gradient, scale, 1e-13);
        assert_close_all(&what, &gradient, &cofactors, scale, 1e-13);
        // Jacobi: Σ_j A_ij C_ij = det for every row i.
        for i in 0..ell {
            let row: f64 = (0..ell)
                .map(|j| a[i * ell + j] * gradient[i * ell + j])
                .sum();
            assert_close_all("Σ_j A_ij C_ij", &[row], &[value], scale, 1e-12);
        }
    }

    session.analysis(3);
}

#[test]
fn det_known_values() {
    // diag(2, 3, 4) permuted by a transposition: det = −24.
    let a = [0.0, 2.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 4.0];
    assert_eq!(det::det(&a, 3), -24.0);
    let identity: Vec<f64> = (0..36)
        .map(|e| if e % 7 == 0 { 1.0 } else { 0.0 })
        .collect();
    let (value, gradient) = det::det_gradient(&identity, 6);
    assert_eq!(value, 1.0);
    // The cofactor matrix of the identity is the identity.
    assert_eq!(gradient, identity);
    // Two equal rows: det = 0, and the gradient is still the cofactor matrix.
    let mut singular = Lcg(5).matrix(5);
    let first_row = singular[..5].to_vec();
    singular[10..15].copy_from_slice(&first_row);
    let (value, gradient) = det::det_gradient(&singular, 5);
    assert!(value.abs() < 1e-15, "{value}");
    assert_close_all(
        "cofactors of a singular matrix",
        &gradient,
        &reference::det::cofactors(&singular, 5),
        1.0,
        1e-14,
    );
}

#[test]
fn det_reference_and_generated_gradients_match_finite_differences() {
    let mut rng = Lcg(77);
    for ell in [2, 3, 4, 5, 6] {
        let a = rng.matrix(ell);
        let f = |p: &[f64]| reference::det::primal(p, ell);
        let (_, hand) = reference::det::gradient(&a, ell);
        let report = check_gradient(f, &a, &hand, Tolerance::default());
        assert!(report.passed, "reference, ell {ell}: {report}");
        let (_, generated) = det::det_gradient(&a, ell);
        let report = check_gradient(|p| det::det(p, ell), &a, &generated, Tolerance::default());
        assert!(report.passed, "generated, ell {ell}: {report}");
    }
}

#[test]
fn det_rejects_malformed_inputs() {
    let mut session = Session::start("det");
    for input in [
        json!({"A": [1.0, 2.0, 3.0], "ell": 2}),
        json!({"A": [], "ell": 0}),
        json!({"A": [1.0], "ell": 65}),
        json!({"ell": 1}),
    ] {
        let response = session.send(json!({
            "kind": "evaluate", "module": "det", "function": "primal", "input": input,
        }));
        assert_eq!(response["success"], json!(false), "{response}");
        assert!(response["error"].is_string(), "{response}");
    }
    let unknown = session.send(json!({
        "kind": "evaluate", "module": "det", "function": "hessian",
        "input": {"A": [1.0], "ell": 1},
    }));
    assert_eq!(unknown["success"], json!(false), "{unknown}");
}
