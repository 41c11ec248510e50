//! The evals' models in several formulations (`formulations/`), each timed
//! against the hand-written gradient (`reference/`) and its own primal, on
//! inputs drawn as GradBench draws them.
//!
//! ```sh
//! cargo bench -p gradbench-gradmacro --bench formulations            # every size
//! cargo bench -p gradbench-gradmacro --bench formulations -- --quick # the smallest
//! cargo bench -p gradbench-gradmacro --bench formulations -- "d = 64" # rows containing it
//! ```
//!
//! The three are run in rounds (three runs of each back to back per round, at
//! least 5 rounds and 1 s; medians), after checking that the generated and the
//! hand-written gradients agree. The table is printed and written to
//! `target/formulations.md`.

use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "../reference/mod.rs"]
#[allow(dead_code)]
mod reference;

#[path = "../formulations/mod.rs"]
mod formulations;

#[allow(dead_code)]
mod common;
use common::{format_duration, median, Random};

/// Runs back to back in each round.
const RUNS_PER_ROUND: usize = 3;

/// One row of the table.
struct Row {
    model: &'static str,
    formulation: &'static str,
    size: String,
    primal: Duration,
    generated: Duration,
    hand: Duration,
}

/// Times `RUNS_PER_ROUND` calls of `f`.
fn runs<T>(f: &mut impl FnMut() -> T, times: &mut Vec<Duration>) {
    for _ in 0..RUNS_PER_ROUND {
        let start = Instant::now();
        black_box(f());
        times.push(start.elapsed());
    }
}

/// Times the three in rounds: at least 5 rounds and 1 s.
fn row<A, B, C>(
    (model, formulation, size): (&'static str, &'static str, String),
    mut primal: impl FnMut() -> A,
    mut generated: impl FnMut() -> B,
    mut hand: impl FnMut() -> C,
) -> Row {
    eprintln!("  {model} ({formulation}) {size}");
    let (mut p, mut g, mut h) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    while p.len() < 5 * RUNS_PER_ROUND || started.elapsed() < Duration::from_secs(1) {
        runs(&mut primal, &mut p);
        runs(&mut generated, &mut g);
        runs(&mut hand, &mut h);
    }
    Row {
        model,
        formulation,
        size,
        primal: median(p),
        generated: median(g),
        hand: median(h),
    }
}

/// Refuses to time a row whose gradients differ.
fn assert_same(what: &str, generated: &[f64], hand: &[f64]) {
    assert_eq!(generated.len(), hand.len(), "{what}: gradient lengths");
    let scale = hand.iter().fold(1e-300_f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in generated.iter().zip(hand).enumerate() {
        assert!(
            (x - y).abs() <= 1e-8 * scale + 1e-8 * x.abs().max(y.abs()),
            "{what}: entry {i}: generated {x:e}, hand-written {y:e}"
        );
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| model | formulation | size | primal | generated gradient | hand-written gradient | generated / hand-written | generated / primal |\n|---|---|---|---|---|---|---|---|\n",
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.2}× | {:.2}× |\n",
            row.model,
            row.formulation,
            row.size,
            format_duration(row.primal),
            format_duration(row.generated),
            format_duration(row.hand),
            ratio(row.generated, row.hand),
            ratio(row.generated, row.primal),
        ));
    }
    out
}

/// GMM as GradBench draws it (`evals/gmm/run.py`): n = 1,000; x, α, q and l
/// standard normal, μ uniform in [0, 1); m = 0, γ = 1.
fn gmm(wanted: &dyn Fn(&str) -> bool, quick: bool, rows: &mut Vec<Row>) {
    use formulations::gmm_plain::{gmm_plain, gmm_plain_grad};
    let mut random = Random(31337);
    let n = 1_000;
    let (ds, ks): (&[usize], &[usize]) = if quick {
        (&[2], &[5])
    } else {
        (&[2, 10, 20, 32, 64], &[5, 10, 25, 50, 100])
    };
    for &d in ds {
        for &k in ks {
            let tri = d * (d - 1) / 2;
            let (gamma, m) = (1.0, 0);
            let x = random.normals(n * d);
            let alpha = random.normals(k);
            let mu = random.vector(k * d, 0.0, 1.0);
            let q = random.normals(k * d);
            let l = random.normals(k * tri);
            let size = format!("d = {d}, k = {k}");
            if !wanted(&format!("gmm {size}")) {
                continue;
            }
            let hand = || reference::gmm::gradient(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m);
            let (_, (ga, gm, gq, gl)) = gmm_plain_grad(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m);
            let (_, [ha, hm, hq, hl]) = hand();
            let what = format!("gmm plain {size}");
            assert_same(
                &what,
                &[ga, gm, gq, gl].concat(),
                &[ha, hm, hq, hl].concat(),
            );
            rows.push(row(
                ("gmm", "plain: hoisted scratch, lse helper", size),
                || gmm_plain(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m),
                || gmm_plain_grad(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m),
                hand,
            ));
        }
    }
}

fn main() {
    if std::env::var_os("FTZ").is_some() {
        #[allow(deprecated)]
        unsafe {
            use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
            _mm_setcsr(_mm_getcsr() | 0x8040);
        }
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let wanted = |row: &str| filters.iter().all(|f| row.contains(f.as_str()));
    let mut rows = Vec::new();
    eprintln!("timing gmm ...");
    gmm(&wanted, quick, &mut rows);
    let markdown = table(&rows);
    println!("{markdown}");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/formulations.md");
    match std::fs::write(&target, &markdown) {
        Ok(()) => eprintln!("written to {}", target.display()),
        Err(error) => eprintln!("could not write {}: {error}", target.display()),
    }
}
