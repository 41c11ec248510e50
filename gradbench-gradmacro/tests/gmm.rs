//! The `gmm` module through the built tool, as GradBench drives it: one JSONL
//! session (start, define, evaluate `objective` and `jacobian` at several
//! sizes and priors with `min_runs: 2`, analysis) on the binary's stdin, one
//! response line read per message. Outputs are checked against the
//! hand-written reference (`reference/gmm.rs`, ADBench's manual gradient),
//! and the reference against central finite differences.

mod session;

#[path = "../reference/mod.rs"]
#[allow(dead_code)]
mod reference;

use gradbench_gradmacro::modules::gmm;
use gradmacro::check::{check_gradient, Tolerance};
use serde_json::{json, Value};
use session::Session;

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

    fn vec(&mut self, len: usize, scale: f64) -> Vec<f64> {
        (0..len).map(|_| scale * self.next()).collect()
    }

    fn rows(&mut self, count: usize, width: usize, scale: f64) -> Vec<Vec<f64>> {
        (0..count).map(|_| self.vec(width, scale)).collect()
    }
}

/// An instance as GradBench sends it: nested rows.
fn instance(seed: u64, d: usize, k: usize, n: usize, m: usize, gamma: f64) -> Value {
    let mut rng = Lcg(seed);
    let tri = d * (d - 1) / 2;
    json!({
        "d": d, "k": k, "n": n, "m": m, "gamma": gamma,
        "alpha": rng.vec(k, 1.0),
        "mu": rng.rows(k, d, 1.0),
        "q": rng.rows(k, d, 0.5),
        "l": rng.rows(k, tri, 0.7),
        "x": rng.rows(n, d, 1.5),
    })
}

/// The same instance, flat, for the reference.
struct Flat {
    d: usize,
    k: usize,
    n: usize,
    alpha: Vec<f64>,
    mu: Vec<f64>,
    q: Vec<f64>,
    l: Vec<f64>,
    x: Vec<f64>,
    gamma: f64,
    m: usize,
}

fn flat_numbers(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().flat_map(flat_numbers).collect(),
        other => vec![other.as_f64().expect("a number")],
    }
}

impl Flat {
    fn of(input: &Value) -> Flat {
        let size = |key: &str| input[key].as_u64().expect("a size") as usize;
        Flat {
            d: size("d"),
            k: size("k"),
            n: size("n"),
            alpha: flat_numbers(&input["alpha"]),
            mu: flat_numbers(&input["mu"]),
            q: flat_numbers(&input["q"]),
            l: flat_numbers(&input["l"]),
            x: flat_numbers(&input["x"]),
            gamma: input["gamma"].as_f64().expect("gamma"),
            m: size("m"),
        }
    }

    fn objective(&self, alpha: &[f64], mu: &[f64], q: &[f64], l: &[f64]) -> f64 {
        reference::gmm::primal(
            self.d, self.k, self.n, alpha, mu, q, l, &self.x, self.gamma, self.m,
        )
    }

    fn gradient(&self) -> (f64, [Vec<f64>; 4]) {
        reference::gmm::gradient(
            self.d,
            self.k,
            self.n,
            &self.alpha,
            &self.mu,
            &self.q,
            &self.l,
            &self.x,
            self.gamma,
            self.m,
        )
    }

    /// The objective of the packed parameters `(α, μ, q, l)`.
    fn objective_packed(&self, p: &[f64]) -> f64 {
        let (a, b) = (self.k, self.k * self.d);
        let c = self.l.len();
        self.objective(
            &p[..a],
            &p[a..a + b],
            &p[a + b..a + 2 * b],
            &p[a + 2 * b..a + 2 * b + c],
        )
    }
}

/// `|got − want| ≤ relative · |want| + absolute` entry by entry.
fn assert_close_all(what: &str, got: &[f64], want: &[f64], relative: f64, absolute: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= relative * w.abs() + absolute,
            "{what}[{i}]: {g:e} against {w:e}"
        );
    }
}

/// Checks the jacobian's shape (`alpha` flat, the others `k` rows) and
/// returns its four parts flattened.
fn parts(jacobian: &Value, d: usize, k: usize) -> [Vec<f64>; 4] {
    assert_eq!(jacobian["alpha"].as_array().map(Vec::len), Some(k));
    for (key, width) in [("mu", d), ("q", d), ("l", d * (d - 1) / 2)] {
        let rows = jacobian[key].as_array().expect("rows");
        assert_eq!(rows.len(), k, "{key}: rows");
        for row in rows {
            assert_eq!(
                row.as_array().map(Vec::len),
                Some(width),
                "{key}: row width"
            );
        }
    }
    ["alpha", "mu", "q", "l"].map(|key| flat_numbers(&jacobian[key]))
}

#[test]
fn gmm_session_matches_the_hand_written_reference() {
    let mut session = Session::start("gmm");
    assert!(session.define("gmm"));

    // (seed, d, k, n, m, γ): GradBench uses m = 0, γ = 1; m > 0 exercises
    // the −m Σq term and both parities of the multivariate gamma's arguments.
    let cases = [
        (1, 2, 5, 20, 0, 1.0),
        (2, 3, 2, 4, 2, 0.8),
        (3, 1, 3, 7, 1, 1.3),
        (4, 5, 4, 30, 0, 1.0),
        (5, 10, 6, 50, 5, 1.7),
    ];
    for (seed, d, k, n, m, gamma) in cases {
        let mut input = instance(seed, d, k, n, m, gamma);
        input["min_runs"] = json!(2);
        input["min_seconds"] = json!(0.0);
        let flat = Flat::of(&input);
        let (want_value, want) = flat.gradient();
        let what = format!("d {d}, k {k}, n {n}, m {m}, γ {gamma}");

        let objective = session.evaluate("gmm", "objective", input.clone());
        let objective = objective.as_f64().expect("a number");
        let primal = flat.objective(&flat.alpha, &flat.mu, &flat.q, &flat.l);
        assert_close_all(&what, &[primal], &[want_value], 1e-13, 0.0);
        assert_close_all(&what, &[objective], &[want_value], 1e-12, 0.0);

        let jacobian = session.evaluate("gmm", "jacobian", input.clone());
        let got = parts(&jacobian, d, k);
        for (name, (g, w)) in ["α", "μ", "q", "l"].iter().zip(got.iter().zip(&want)) {
            let scale = w.iter().fold(1.0f64, |s, v| s.max(v.abs()));
            assert_close_all(&format!("∂/∂{name} ({what})"), g, w, 1e-11, 1e-12 * scale);
        }
        // The objective is invariant under α ↦ α + t: the α gradient sums to 0.
        let sum: f64 = got[0].iter().sum();
        assert!(sum.abs() < 1e-10 * n as f64, "Σ ∂/∂α = {sum} ({what})");
    }

    session.analysis(3);
}

#[test]
fn gmm_reference_gradient_matches_finite_differences() {
    for (seed, d, k, n, m, gamma) in [(11, 3, 2, 4, 0, 1.0), (12, 4, 3, 6, 3, 0.7)] {
        let flat = Flat::of(&instance(seed, d, k, n, m, gamma));
        let (value, [a, mu, q, l]) = flat.gradient();
        let at: Vec<f64> = [&flat.alpha, &flat.mu, &flat.q, &flat.l]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        assert_close_all("value", &[flat.objective_packed(&at)], &[value], 1e-14, 0.0);
        let gradient: Vec<f64> = [a, mu, q, l].concat();
        let report = check_gradient(
            |p| flat.objective_packed(p),
            &at,
            &gradient,
            Tolerance::default(),
        );
        assert!(report.passed, "d {d}, k {k}: {report}");
    }
}

/// The module's `ln Γ` (Lanczos) against `Γ(z + 1) = z Γ(z)` from `Γ(1) = 1`
/// and `Γ(½) = √π`, at the half-integers the prior needs, and the generated
/// gradient in process against central differences.
#[test]
fn gmm_log_gamma_and_generated_gradient() {
    let mut exact = [0.0; 80];
    exact[1] = 0.5 * std::f64::consts::PI.ln(); // ln Γ(½)
    for h in 3..exact.len() {
        exact[h] = exact[h - 2] + (0.5 * (h - 2) as f64).ln(); // Γ(z + 1) = z Γ(z)
    }
    for (h, &want) in exact.iter().enumerate().skip(1) {
        let got = gmm::ln_gamma(0.5 * h as f64);
        assert!(
            (got - want).abs() <= 1e-13 * want.abs().max(1.0),
            "ln Γ({}) = {got}, not {want}",
            0.5 * h as f64
        );
    }

    let input = instance(21, 4, 3, 5, 2, 0.9);
    let flat = Flat::of(&input);
    let model = gmm::Gmm {
        d: flat.d,
        k: flat.k,
        n: flat.n,
        alpha: flat.alpha.clone(),
        mu: flat.mu.clone(),
        q: flat.q.clone(),
        l: flat.l.clone(),
        x: flat.x.clone(),
        gamma: flat.gamma,
        m: flat.m,
    };
    let (value, gradient) = model.gradient();
    assert_eq!(value, model.objective());
    let at: Vec<f64> = [&flat.alpha, &flat.mu, &flat.q, &flat.l]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    let packed = [gradient.alpha, gradient.mu, gradient.q, gradient.l].concat();
    let objective = |p: &[f64]| {
        let (a, b) = (model.k, model.k * model.d);
        gmm::gmm_objective(
            &p[..a],
            &p[a..a + b],
            &p[a + b..a + 2 * b],
            &p[a + 2 * b..],
            &model.x,
            model.gamma,
            model.m,
        )
    };
    let report = check_gradient(objective, &at, &packed, Tolerance::default());
    assert!(report.passed, "{report}");
}

#[test]
fn gmm_rejects_malformed_inputs() {
    let mut session = Session::start("gmm");
    let good = instance(31, 2, 2, 3, 0, 1.0);
    let mut short_alpha = good.clone();
    short_alpha["alpha"] = json!([0.5]);
    let mut ragged_x = good.clone();
    ragged_x["x"][1] = json!([1.0]);
    let mut wrong_l = good.clone();
    wrong_l["l"] = json!([[1.0, 2.0], [3.0]]);
    let mut no_gamma = good.clone();
    no_gamma.as_object_mut().map(|o| o.remove("gamma"));
    for input in [short_alpha, ragged_x, wrong_l, no_gamma] {
        let response = session.send(json!({
            "kind": "evaluate", "module": "gmm", "function": "jacobian", "input": input,
        }));
        assert_eq!(response["success"], json!(false), "{response}");
        assert!(response["error"].is_string(), "{response}");
    }
}
