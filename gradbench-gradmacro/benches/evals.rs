//! The GradBench evals at GradBench's default sizes: primal, the gradient
//! `#[differentiate]` generates, and a hand-written gradient, timed side by
//! side, written as a markdown table.
//!
//! ```sh
//! cargo bench -p gradbench-gradmacro --bench evals            # every eval, every size
//! cargo bench -p gradbench-gradmacro --bench evals -- gmm det # only these evals
//! cargo bench -p gradbench-gradmacro --bench evals -- --quick # the smallest size of each
//! ```
//!
//! The primal and the generated gradient run through the tool's own
//! `evaluate` (input parsed once, each run timed alone, as the protocol asks);
//! the hand-written gradients are in `reference/`, used only here and by the
//! tests. The three are run in rounds (three runs of each back to back per
//! round, at least 5 rounds and 1.5 s), and each time is the median of all
//! runs. Before timing,
//! the generated gradient is checked against the hand-written one, so a row
//! cannot compare different computations. The table is printed and written to
//! `target/gradbench.md`.

use gradbench_gradmacro::modules;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[path = "../reference/mod.rs"]
#[allow(dead_code)]
mod reference;

#[allow(dead_code)]
mod common;
use common::{format_duration, median, Random};

/// One row of the table.
struct Row {
    eval: &'static str,
    size: String,
    primal: Duration,
    generated: Duration,
    hand: Option<Duration>,
}

/// Runs back to back in each round, as GradBench's `min_runs` runs them (so
/// that the allocator is in the state repeated calls leave it in).
const RUNS_PER_ROUND: usize = 3;

/// One round of `evaluate(module, function, input)`: the times the tool
/// reports (the function alone), and the output.
fn run_tool(module: &str, function: &str, input: &Value) -> (Vec<Duration>, Value) {
    let mut input = input.clone();
    if let Value::Object(fields) = &mut input {
        fields.insert("min_runs".into(), json!(RUNS_PER_ROUND));
        fields.insert("min_seconds".into(), json!(0));
    }
    match modules::evaluate(module, function, &input) {
        Ok(evaluated) => {
            let times = evaluated.nanoseconds.iter();
            let times = times.map(|&ns| Duration::from_nanos(ns as u64)).collect();
            (times, evaluated.output)
        }
        Err(error) => panic!("{module}.{function}: {error}"),
    }
}

/// One round of `function`: its times, and its last output.
fn run_hand<T>(function: &mut impl FnMut() -> T) -> (Vec<Duration>, T) {
    let mut times = Vec::new();
    loop {
        let start = Instant::now();
        let output = std::hint::black_box(function());
        times.push(start.elapsed());
        if times.len() == RUNS_PER_ROUND {
            return (times, output);
        }
    }
}

/// Every number in a JSON value, in order (a gradient however it is nested).
fn numbers(value: &Value, out: &mut Vec<f64>) {
    match value {
        Value::Number(number) => out.push(number.as_f64().unwrap_or(f64::NAN)),
        Value::Array(items) => items.iter().for_each(|item| numbers(item, out)),
        Value::Object(fields) => fields.values().for_each(|field| numbers(field, out)),
        _ => {}
    }
}

/// Refuses to time a row whose generated and hand-written gradients differ.
fn assert_same(what: &str, generated: &Value, hand: &Value) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    numbers(generated, &mut a);
    numbers(hand, &mut b);
    assert_eq!(a.len(), b.len(), "{what}: gradient lengths");
    let scale = b.iter().fold(1e-300_f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-8 * scale + 1e-8 * x.abs().max(y.abs()),
            "{what}: entry {i}: generated {x:e}, hand-written {y:e}"
        );
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| eval | size | primal | generated gradient | hand-written gradient | generated / hand-written | generated / primal |\n|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        let (hand, versus_hand) = match row.hand {
            Some(hand) => (
                format_duration(hand),
                format!("{:.2}×", ratio(row.generated, hand)),
            ),
            None => ("—".into(), "—".into()),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.2}× |\n",
            row.eval,
            row.size,
            format_duration(row.primal),
            format_duration(row.generated),
            hand,
            versus_hand,
            ratio(row.generated, row.primal),
        ));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let chosen: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let wanted = |eval: &str| chosen.is_empty() || chosen.contains(&eval);
    let mut rows = Vec::new();
    for (eval, run) in EVALS {
        if wanted(eval) {
            eprintln!("timing {eval} ...");
            run(quick, &mut rows);
        }
    }
    let markdown = table(&rows);
    println!("{markdown}");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/gradbench.md");
    match std::fs::write(&target, &markdown) {
        Ok(()) => eprintln!("written to {}", target.display()),
        Err(error) => eprintln!("could not write {}: {error}", target.display()),
    }
}

/// Adds the rows of one eval to the table.
type Eval = fn(bool, &mut Vec<Row>);

/// Each eval's rows, at GradBench's default sizes (the smallest with `--quick`).
const EVALS: &[(&str, Eval)] = &[
    ("lse", lse),
    ("llsq", llsq),
    ("det", det),
    ("ode", ode),
    ("gmm", gmm),
    ("lstm", lstm),
];

/// `sizes`, or only the first of them with `--quick`.
fn chosen<T: Copy>(quick: bool, sizes: &[T]) -> Vec<T> {
    if quick {
        sizes[..1].to_vec()
    } else {
        sizes.to_vec()
    }
}

/// Times one size of an eval: the tool's primal and gradient, then the
/// hand-written gradient (without its conversion to JSON, as the tool's
/// timings leave JSON out), and checks that both gradients agree.
fn row<T>(
    eval: &'static str,
    size: String,
    (primal, gradient): (&str, &str),
    input: &Value,
    mut hand: impl FnMut() -> T,
    hand_to_json: impl FnOnce(T) -> Value,
) -> Row {
    eprintln!("  {eval} {size}");
    // Rounds of a few runs each, so that a slow spell of the machine falls
    // on all three alike: at least 5 rounds and 1.5 s.
    let (mut primals, mut generateds, mut hands) = (Vec::new(), Vec::new(), Vec::new());
    let (mut generated_output, mut hand_output) = (Value::Null, None);
    let started = Instant::now();
    while primals.len() < 5 || started.elapsed() < Duration::from_millis(1_500) {
        primals.extend(run_tool(eval, primal, input).0);
        let (times, output) = run_tool(eval, gradient, input);
        generateds.extend(times);
        generated_output = output;
        let (times, output) = run_hand(&mut hand);
        hands.extend(times);
        hand_output = Some(output);
    }
    let hand_output = hand_to_json(hand_output.expect("at least one round"));
    assert_same(&format!("{eval} {size}"), &generated_output, &hand_output);
    let (primal, generated, hand) = (median(primals), median(generateds), median(hands));
    Row {
        eval,
        size,
        primal,
        generated,
        hand: Some(hand),
    }
}

/// lse: n from 2,500 to 1,280,000, doubling.
fn lse(quick: bool, rows: &mut Vec<Row>) {
    let mut random = Random(1);
    let sizes: Vec<usize> = (0..10).map(|k| 2_500 << k).collect();
    for n in chosen(quick, &sizes) {
        let x = random.vector(n, -10.0, 10.0);
        let input = json!({ "x": x });
        let hand = || reference::lse::gradient(&x).1;
        rows.push(row(
            "lse",
            format!("n = {n}"),
            ("primal", "gradient"),
            &input,
            hand,
            |g| json!(g),
        ));
    }
}

/// llsq: m = 128 coefficients, n samples from 16 to 16,392.
fn llsq(quick: bool, rows: &mut Vec<Row>) {
    let mut random = Random(2);
    let m = 128;
    for n in chosen(quick, &[16, 64, 256, 1_024, 4_096, 16_392]) {
        let x = random.vector(m, -1.0, 1.0);
        let input = json!({ "x": x, "n": n });
        let hand = || reference::llsq::gradient(&x, n).1;
        let size = format!("m = {m}, n = {n}");
        rows.push(row(
            "llsq",
            size,
            ("primal", "gradient"),
            &input,
            hand,
            |g| json!(g),
        ));
    }
}

/// det: ell from 5 to 11 (expansion by minors, O(ell!)).
fn det(quick: bool, rows: &mut Vec<Row>) {
    let mut random = Random(3);
    for ell in chosen(quick, &[5, 6, 7, 8, 9, 10, 11]) {
        let a = random.vector(ell * ell, -1.0, 1.0);
        let input = json!({ "A": a, "ell": ell });
        let hand = || reference::det::gradient(&a, ell).1;
        rows.push(row(
            "det",
            format!("ell = {ell}"),
            ("primal", "gradient"),
            &input,
            hand,
            |g| json!(g),
        ));
    }
}

/// ode: n in {1,000, 10,000, 100,000} and s in {1, 10, 100} steps.
fn ode(quick: bool, rows: &mut Vec<Row>) {
    let mut random = Random(4);
    for n in chosen(quick, &[1_000, 10_000, 100_000]) {
        for s in chosen(quick, &[1, 10, 100]) {
            let x = random.vector(n, 0.0, 1.0);
            let input = json!({ "x": x, "s": s });
            let hand = || reference::ode::gradient(&x, s).1;
            let size = format!("n = {n}, s = {s}");
            rows.push(row(
                "ode",
                size,
                ("primal", "gradient"),
                &input,
                hand,
                |g| json!(g),
            ));
        }
    }
}

/// gmm: n = 1,000 points, d in {2, 10, 20, 32, 64}, k in {5, 10, 25, 50, 100}.
fn gmm(quick: bool, rows: &mut Vec<Row>) {
    let mut random = Random(5);
    let n = 1_000;
    for d in chosen(quick, &[2, 10, 20, 32, 64]) {
        for k in chosen(quick, &[5, 10, 25, 50, 100]) {
            let tri = d * (d - 1) / 2;
            let (gamma, m) = (1.0, 0);
            let alpha = random.vector(k, -1.0, 1.0);
            let mu = random.matrix(k, d, -1.0, 1.0);
            let q = random.matrix(k, d, -0.5, 0.5);
            let l = random.matrix(k, tri, -0.5, 0.5);
            let x = random.matrix(n, d, -1.0, 1.0);
            let input = json!({
                "d": d, "k": k, "n": n, "x": x, "m": m, "gamma": gamma,
                "alpha": alpha, "mu": mu, "q": q, "l": l,
            });
            let flat = |rows: &[Vec<f64>]| rows.concat();
            let (mu, q, l, x) = (flat(&mu), flat(&q), flat(&l), flat(&x));
            let hand = || reference::gmm::gradient(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m).1;
            let to_json = |[alpha, mu, q, l]: [Vec<f64>; 4]| json!({ "alpha": alpha, "mu": mu, "q": q, "l": l });
            let size = format!("d = {d}, k = {k}");
            rows.push(row(
                "gmm",
                size,
                ("objective", "jacobian"),
                &input,
                hand,
                to_json,
            ));
        }
    }
}

/// lstm: l in {2, 4, 6} layers and c in {1,024, 4,096, 8,192} characters,
/// in GradBench's order (by l·c), with b = 14 bits a character (the width
/// of GradBench's text at these lengths: ADBench's data files, cut from the
/// same text, have 14). State and parameters uniform in [0, 1), as
/// `gen_lstm` draws them; the characters printable ASCII (timing does not
/// depend on the bits).
fn lstm(quick: bool, rows: &mut Vec<Row>) {
    let mut random = Random(6);
    let b = 14;
    let mut sizes = Vec::new();
    for l in chosen(quick, &[2, 4, 6]) {
        for c in chosen(quick, &[1_024, 4_096, 8_192]) {
            sizes.push((l, c));
        }
    }
    sizes.sort_by_key(|&(l, c)| l * c);
    for (l, c) in sizes {
        let main_params = random.matrix(2 * l, 4 * b, 0.0, 1.0);
        let extra_params = random.matrix(3, b, 0.0, 1.0);
        let state = random.matrix(2 * l, b, 0.0, 1.0);
        let sequence: Vec<Vec<f64>> = (0..c)
            .map(|_| {
                let code = 32 + (random.next() * 95.0) as u64;
                (0..b).rev().map(|bit| ((code >> bit) & 1) as f64).collect()
            })
            .collect();
        let input = json!({
            "main_params": main_params, "extra_params": extra_params,
            "state": state, "sequence": sequence,
        });
        let flat = |rows: &[Vec<f64>]| rows.concat();
        let (main_params, extra_params) = (flat(&main_params), flat(&extra_params));
        let (state, sequence) = (flat(&state), flat(&sequence));
        let hand =
            || reference::lstm::gradient(l, c, b, &main_params, &extra_params, &state, &sequence).1;
        rows.push(row(
            "lstm",
            format!("l = {l}, c = {c}"),
            ("objective", "jacobian"),
            &input,
            hand,
            |g| json!(g),
        ));
    }
}
