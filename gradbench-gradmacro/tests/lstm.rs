//! The `lstm` module through the built tool, as GradBench drives it: one JSONL
//! session (start, define, evaluate `objective` and `jacobian` at several
//! sizes with `min_runs: 2`, analysis) on the binary's stdin, one response
//! line read per message. Outputs are checked against the hand-written
//! reference (`reference/lstm.rs`: a second implementation of the objective
//! and a hand-written reverse sweep), the reference and the generated
//! gradient against central finite differences, and the objective against
//! values computed by hand and by an independent implementation.

mod session;

#[path = "../reference/mod.rs"]
#[allow(dead_code)]
mod reference;

use gradbench_gradmacro::modules::lstm::{self, lstm_objective, lstm_objective_grad};
use gradmacro::check::{check_gradient, Tolerance};
use serde_json::{json, Value};
use session::{assert_close, number, numbers, uniform, Session};

/// An instance as GradBench draws it (`gen_lstm`): state and parameters
/// uniform in `[0, 1)`, the sequence the bits of `c` characters, `b` bits
/// each, most significant first. The characters are printable ASCII with,
/// now and then, one from the rest of the `b` bits' range.
fn instance(seed: u64, l: usize, c: usize, b: usize) -> Value {
    let rows = |count: usize, width: usize, seed: u64| -> Vec<Vec<f64>> {
        let flat = uniform(count * width, 0.0, 1.0, seed);
        flat.chunks(width).map(<[f64]>::to_vec).collect()
    };
    let draws = uniform(2 * c, 0.0, 1.0, seed + 3);
    let top = 1u64 << b;
    let sequence: Vec<Vec<f64>> = (0..c)
        .map(|t| {
            let code = if draws[2 * t] < 0.9 {
                32 + (draws[2 * t + 1] * 95.0) as u64
            } else {
                (draws[2 * t + 1] * top as f64) as u64
            } % top;
            (0..b).rev().map(|bit| ((code >> bit) & 1) as f64).collect()
        })
        .collect();
    json!({
        "main_params": rows(2 * l, 4 * b, seed),
        "extra_params": rows(3, b, seed + 1),
        "state": rows(2 * l, b, seed + 2),
        "sequence": sequence,
    })
}

/// An instance's rows, flattened.
fn flat(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(numbers)
        .collect()
}

/// The same instance, flat, for the reference and the tool's function.
struct Flat {
    l: usize,
    c: usize,
    b: usize,
    main_params: Vec<f64>,
    extra_params: Vec<f64>,
    state: Vec<f64>,
    sequence: Vec<f64>,
}

impl Flat {
    fn of(input: &Value) -> Flat {
        let rows = input["main_params"].as_array().expect("rows");
        Flat {
            l: rows.len() / 2,
            c: input["sequence"].as_array().expect("rows").len(),
            b: rows[0].as_array().expect("a row").len() / 4,
            main_params: flat(&input["main_params"]),
            extra_params: flat(&input["extra_params"]),
            state: flat(&input["state"]),
            sequence: flat(&input["sequence"]),
        }
    }

    /// The parameters packed as the gradient is: main, then extra.
    fn packed(&self) -> Vec<f64> {
        [self.main_params.as_slice(), &self.extra_params].concat()
    }

    /// The reference objective of packed parameters.
    fn reference_objective(&self, p: &[f64]) -> f64 {
        let (main, extra) = p.split_at(8 * self.l * self.b);
        reference::lstm::primal(
            self.l,
            self.c,
            self.b,
            main,
            extra,
            &self.state,
            &self.sequence,
        )
    }

    /// The tool's objective of packed parameters.
    fn objective(&self, p: &[f64]) -> f64 {
        let (main, extra) = p.split_at(8 * self.l * self.b);
        lstm_objective(
            self.l,
            self.c,
            self.b,
            main,
            extra,
            &self.state,
            &self.sequence,
        )
    }

    fn reference_gradient(&self) -> (f64, Vec<f64>) {
        reference::lstm::gradient(
            self.l,
            self.c,
            self.b,
            &self.main_params,
            &self.extra_params,
            &self.state,
            &self.sequence,
        )
    }

    /// The generated gradient, packed.
    fn generated_gradient(&self) -> (f64, Vec<f64>) {
        let (value, (main, extra)) = lstm_objective_grad(
            self.l,
            self.c,
            self.b,
            &self.main_params,
            &self.extra_params,
            &self.state,
            &self.sequence,
        );
        (value, [main, extra].concat())
    }
}

/// `(l, c, b)` small enough for central differences: one layer, cell and
/// step; more layers than cells; more cells than layers; several steps.
const SMALL: &[(usize, usize, usize)] = &[
    (1, 2, 1),
    (1, 3, 2),
    (2, 2, 1),
    (2, 4, 3),
    (3, 5, 2),
    (2, 7, 4),
];

#[test]
fn reference_gradient_matches_central_differences() {
    for (k, &(l, c, b)) in SMALL.iter().enumerate() {
        let flat = Flat::of(&instance(10 + k as u64, l, c, b));
        let (value, gradient) = flat.reference_gradient();
        let at = flat.packed();
        assert_close("value", &[value], &[flat.reference_objective(&at)], 1e-15);
        let report = check_gradient(
            |p| flat.reference_objective(p),
            &at,
            &gradient,
            Tolerance::default(),
        );
        assert!(report.passed, "l={l} c={c} b={b}: {report}");
    }
}

#[test]
fn generated_gradient_matches_reference_and_central_differences() {
    for (k, &(l, c, b)) in SMALL.iter().enumerate() {
        let flat = Flat::of(&instance(30 + k as u64, l, c, b));
        let what = format!("l={l} c={c} b={b}");
        let (value, gradient) = flat.generated_gradient();
        let at = flat.packed();
        // The generated function's forward sweep is the objective's code.
        assert_eq!(value, flat.objective(&at), "{what}");
        let (want_value, want) = flat.reference_gradient();
        assert_close(&format!("value {what}"), &[value], &[want_value], 1e-15);
        assert_close(&format!("gradient {what}"), &gradient, &want, 1e-13);
        let report = check_gradient(|p| flat.objective(p), &at, &gradient, Tolerance::default());
        assert!(report.passed, "{what}: {report}");
    }
}

/// One layer, one cell, two characters, by the formulas: `x = s₀ w_in`,
/// `c' = c σ(x W_f + B_f) + σ(h W_i + B_i) tanh(h W_c + B_c)`,
/// `y = σ(x W_o + B_o) tanh(c') w_out + b_out`, objective `−s₁ (y − ln(e^y + 2))`;
/// and a two-layer, two-cell, three-character instance whose value was
/// computed by a separate, straightforward Python implementation of the eval
/// (nested lists and `math`).
#[test]
fn objective_of_tiny_instances() {
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let (wf, wi, wo, wc) = (0.5, -0.25, 0.75, 0.125);
    let (bf, bi, bo, bc) = (1.5, -0.5, 0.25, 0.625);
    let (w_in, w_out, b_out) = (0.6, 1.25, -0.1);
    let (h, c) = (0.2, 0.5);
    let x = 1.0 * w_in;
    let cell = c * sigmoid(x * wf + bf) + sigmoid(h * wi + bi) * (h * wc + bc).tanh();
    let y = sigmoid(x * wo + bo) * cell.tanh() * w_out + b_out;
    let want = -(y - (y.exp() + 2.0).ln());
    let main = [wf, wi, wo, wc, bf, bi, bo, bc];
    let extra = [w_in, w_out, b_out];
    let state = [h, c];
    let sequence = [1.0, 1.0];
    let got = lstm_objective(1, 2, 1, &main, &extra, &state, &sequence);
    assert_close("one cell", &[got], &[want], 1e-15);
    // The Python implementation's value for the same instance.
    assert_close("one cell (Python)", &[got], &[0.8672446531212761], 1e-15);

    let input = json!({
        "main_params": [
            [0.5, -0.25, 0.75, 0.125, 1.5, -0.5, 0.25, 0.625],
            [0.1, 0.2, -0.3, 0.4, 0.05, -0.15, 0.35, -0.45],
            [0.9, 0.8, 0.7, 0.6, -0.5, 0.4, -0.3, 0.2],
            [-0.2, 0.3, 0.1, -0.4, 0.25, 0.15, -0.05, 0.45],
        ],
        "extra_params": [[0.6, -0.7], [1.25, 0.8], [-0.1, 0.3]],
        "state": [[0.2, -0.4], [0.5, 0.1], [-0.3, 0.6], [0.05, -0.25]],
        "sequence": [[1, 0], [1, 1], [0, 1]],
    });
    let flat = Flat::of(&input);
    let got = flat.objective(&flat.packed());
    assert_close("two layers (Python)", &[got], &[0.9361619208768757], 1e-14);
    let mut session = Session::start("lstm");
    assert!(session.define("lstm"));
    // The same up to the last bit, which serde_json's default (not
    // round-trip exact) float parsing may change on the way back.
    let objective = number(&session.evaluate("lstm", "objective", input));
    assert_close("two layers (tool)", &[objective], &[got], 2e-16);
}

#[test]
fn lstm_session_matches_the_hand_written_reference() {
    let mut session = Session::start("lstm");
    assert!(session.define("lstm"));
    // SMALL, then GradBench's shapes (b = 14 bits a character) at smaller c.
    let mut sizes = SMALL.to_vec();
    sizes.extend([(2, 64, 14), (4, 33, 14), (6, 20, 14)]);
    for (k, &(l, c, b)) in sizes.iter().enumerate() {
        let input = instance(50 + k as u64, l, c, b);
        let flat = Flat::of(&input);
        let what = format!("l={l} c={c} b={b}");
        let (want_value, want) = flat.reference_gradient();

        let objective = number(&session.evaluate("lstm", "objective", input.clone()));
        assert_close(
            &format!("objective {what}"),
            &[objective],
            &[want_value],
            1e-14,
        );

        let of = session.next_id();
        let jacobian = numbers(&session.evaluate("lstm", "jacobian", input));
        assert_eq!(jacobian.len(), 8 * l * b + 3 * b, "{what}: gradient length");
        assert_close(&format!("jacobian {what}"), &jacobian, &want, 1e-12);
        session.analysis(of);
    }
}

#[test]
fn lstm_rejects_malformed_inputs() {
    let mut session = Session::start("lstm");
    let good = instance(70, 2, 4, 3);
    let mut odd_main = good.clone();
    odd_main["main_params"] = json!([[0.5, 0.5, 0.5, 0.5]]);
    let mut ragged_state = good.clone();
    ragged_state["state"][1] = json!([1.0]);
    let mut short_extra = good.clone();
    short_extra["extra_params"] = json!([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]);
    let mut one_char = good.clone();
    one_char["sequence"] = json!([[1, 0, 1]]);
    let mut no_sequence = good.clone();
    no_sequence.as_object_mut().map(|o| o.remove("sequence"));
    for input in [odd_main, ragged_state, short_extra, one_char, no_sequence] {
        let response = session.send(json!({
            "kind": "evaluate", "module": "lstm", "function": "jacobian", "input": input,
        }));
        assert_eq!(response["success"], json!(false), "{response}");
        assert!(response["error"].is_string(), "{response}");
    }
    let error = session.evaluate_fails("lstm", "hessian", good);
    assert!(error.contains("hessian"), "{error}");
    assert!(lstm::FUNCTIONS.contains(&"jacobian"));
}
