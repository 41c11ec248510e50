//! The evals' models in several formulations (`formulations/`), each timed
//! against the hand-written gradient (`reference/`) and its own primal, on
//! inputs drawn as GradBench draws them.
//!
//! ```sh
//! cargo bench -p gradbench-gradmacro --bench formulations            # every size
//! cargo bench -p gradbench-gradmacro --bench formulations -- --quick # the smallest
//! cargo bench -p gradbench-gradmacro --bench formulations -- gmm "d = 64" # rows containing both
//! FTZ=1 cargo bench -p gradbench-gradmacro --bench formulations  # subnormals flushed to zero
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

/// Which rows to time: the smallest size of each model with `--quick`, rows
/// containing every filter argument otherwise.
struct Selection {
    quick: bool,
    filters: Vec<String>,
}

impl Selection {
    fn sizes<T: Copy>(&self, sizes: &[T]) -> Vec<T> {
        match self.quick {
            true => sizes[..1].to_vec(),
            false => sizes.to_vec(),
        }
    }

    fn wants(&self, model: &str, size: &str) -> bool {
        let row = format!("{model} {size}");
        self.filters.iter().all(|f| row.contains(f.as_str()))
    }
}

/// Times one formulation after checking its gradient (flattened) against the
/// hand-written one.
#[allow(clippy::too_many_arguments)]
fn formulation<A, B, C>(
    rows: &mut Vec<Row>,
    (model, name, size): (&'static str, &'static str, &str),
    hand_gradient: &[f64],
    flat_gradient: Vec<f64>,
    primal: impl FnMut() -> A,
    generated: impl FnMut() -> B,
    hand: impl FnMut() -> C,
) {
    assert_same(
        &format!("{model} ({name}) {size}"),
        &flat_gradient,
        hand_gradient,
    );
    rows.push(row(
        (model, name, size.to_string()),
        primal,
        generated,
        hand,
    ));
}

/// `rows` of `width` entries, flattened.
fn flat<R: AsRef<[f64]>>(rows: &[R]) -> Vec<f64> {
    rows.iter().flat_map(|r| r.as_ref().to_vec()).collect()
}

/// GMM as GradBench draws it (`evals/gmm/run.py`): n = 1,000; x, α, q and l
/// standard normal, μ uniform in [0, 1); m = 0, γ = 1.
fn gmm(select: &Selection, rows: &mut Vec<Row>) {
    use formulations::gmm_plain::{gmm_plain, gmm_plain_grad};
    use formulations::gmm_styles::*;
    let mut random = Random(31337);
    let n = 1_000;
    for d in select.sizes(&[2, 20, 64]) {
        for k in select.sizes(&[5, 25]) {
            let tri = d * (d - 1) / 2;
            let (gamma, m) = (1.0, 0);
            let x = random.normals(n * d);
            let alpha = random.normals(k);
            let mu = random.vector(k * d, 0.0, 1.0);
            let q = random.normals(k * d);
            let l = random.normals(k * tri);
            let size = format!("d = {d}, k = {k}");
            if !select.wants("gmm", &size) {
                continue;
            }
            let hand = || reference::gmm::gradient(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m);
            let (_, [ha, hm, hq, hl]) = hand();
            let expected = [ha, hm, hq, hl].concat();
            let cat4 =
                |(a, b, c, e): (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)| [a, b, c, e].concat();
            let (_, g) = gmm_plain_grad(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m);
            formulation(
                rows,
                ("gmm", "plain: hoisted scratch, lse helper", &size),
                &expected,
                cat4(g),
                || gmm_plain(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m),
                || gmm_plain_grad(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m),
                hand,
            );
            let (_, g) = gmm_c_port_grad(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m);
            formulation(
                rows,
                ("gmm", "C port: helpers with &mut outputs", &size),
                &expected,
                cat4(g),
                || gmm_c_port(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m),
                || gmm_c_port_grad(d, k, n, &alpha, &mu, &q, &l, &x, gamma, m),
                hand,
            );
            let nested = |flat: &[f64], width: usize| -> Vec<Vec<f64>> {
                if width == 0 {
                    return vec![Vec::new(); flat.len().max(k)];
                }
                flat.chunks(width).map(<[f64]>::to_vec).collect()
            };
            let (mu_rows, q_rows, l_rows, x_rows) = (
                nested(&mu, d),
                nested(&q, d),
                nested(&l, tri),
                nested(&x, d),
            );
            let (_, (ga, gm, gq, gl)) =
                gmm_nested_grad(&alpha, &mu_rows, &q_rows, &l_rows, &x_rows, gamma, m);
            formulation(
                rows,
                ("gmm", "nested Vec rows, scratch per point", &size),
                &expected,
                [ga, flat(&gm), flat(&gq), flat(&gl)].concat(),
                || gmm_nested(&alpha, &mu_rows, &q_rows, &l_rows, &x_rows, gamma, m),
                || gmm_nested_grad(&alpha, &mu_rows, &q_rows, &l_rows, &x_rows, gamma, m),
                hand,
            );
            let (_, g) = gmm_iter_grad(&alpha, &mu, &q, &l, &x, gamma, m);
            formulation(
                rows,
                ("gmm", "iterator chains", &size),
                &expected,
                cat4(g),
                || gmm_iter(&alpha, &mu, &q, &l, &x, gamma, m),
                || gmm_iter_grad(&alpha, &mu, &q, &l, &x, gamma, m),
                hand,
            );
        }
    }
}

/// lse: n from 2,500 to 1,280,000, uniform in [-10, 10).
fn lse(select: &Selection, rows: &mut Vec<Row>) {
    use formulations::lse_styles::*;
    let mut random = Random(1);
    for n in select.sizes(&[2_500, 40_000, 1_280_000]) {
        let x = random.vector(n, -10.0, 10.0);
        let size = format!("n = {n}");
        if !select.wants("lse", &size) {
            continue;
        }
        let hand = || reference::lse::gradient(&x);
        let expected = hand().1;
        type Lse = (
            &'static str,
            fn(&[f64]) -> f64,
            fn(&[f64]) -> (f64, Vec<f64>),
        );
        let styles: [Lse; 5] = [
            ("index loop, if x[i] > mx", lse_index, lse_index_grad),
            ("fold(f64::max), map/sum", lse_iter, lse_iter_grad),
            (
                "cloned().fold(NEG_INFINITY, f64::max)",
                lse_fold_path,
                lse_fold_path_grad,
            ),
            ("reduce(f64::max), loop", lse_reduce, lse_reduce_grad),
            ("max_by(total_cmp)", lse_max_by, lse_max_by_grad),
        ];
        for (name, primal, grad) in styles {
            formulation(
                rows,
                ("lse", name, &size),
                &expected,
                grad(&x).1,
                || primal(&x),
                || grad(&x),
                hand,
            );
        }
    }
}

/// det: ell from 5 to 9 (expansion by minors, O(ell!)).
fn det(select: &Selection, rows: &mut Vec<Row>) {
    use formulations::det_styles::*;
    let mut random = Random(3);
    for ell in select.sizes(&[5, 7, 9]) {
        let a = random.vector(ell * ell, -1.0, 1.0);
        let size = format!("ell = {ell}");
        if !select.wants("det", &size) {
            continue;
        }
        let hand = || reference::det::gradient(&a, ell);
        let expected = hand().1;
        type Det = (
            &'static str,
            fn(&[f64], usize) -> f64,
            fn(&[f64], usize) -> (f64, Vec<f64>),
        );
        let styles: [Det; 3] = [
            ("recursive, minor in a new Vec", det_minors, det_minors_grad),
            (
                "recursive over a column list",
                det_by_cols,
                det_by_cols_grad,
            ),
            (
                "recursive, minor by extend_from_slice",
                det_slices,
                det_slices_grad,
            ),
        ];
        for (name, primal, grad) in styles {
            formulation(
                rows,
                ("det", name, &size),
                &expected,
                grad(&a, ell).1,
                || primal(&a, ell),
                || grad(&a, ell),
                hand,
            );
        }
    }
}

/// ode: n in {1,000, 10,000}, s in {10, 100}.
fn ode(select: &Selection, rows: &mut Vec<Row>) {
    use formulations::ode_styles::*;
    let mut random = Random(4);
    for n in select.sizes(&[1_000, 10_000]) {
        for s in select.sizes(&[10, 100]) {
            let x = random.vector(n, 0.0, 1.0);
            let size = format!("n = {n}, s = {s}");
            if !select.wants("ode", &size) {
                continue;
            }
            let hand = || reference::ode::gradient(&x, s);
            let expected = hand().1;
            type Ode = (
                &'static str,
                fn(&[f64], usize) -> f64,
                fn(&[f64], usize) -> (f64, Vec<f64>),
            );
            let styles: [Ode; 3] = [
                (
                    "rhs helper into hoisted stages",
                    ode_helper,
                    ode_helper_grad,
                ),
                (
                    "inline, stages allocated per step",
                    ode_inline,
                    ode_inline_grad,
                ),
                (
                    "Python port: zip/map/collect states",
                    ode_python,
                    ode_python_grad,
                ),
            ];
            for (name, primal, grad) in styles {
                formulation(
                    rows,
                    ("ode", name, &size),
                    &expected,
                    grad(&x, s).1,
                    || primal(&x, s),
                    || grad(&x, s),
                    hand,
                );
            }
        }
    }
}

/// The two-layer tanh network (8 → 16 → 1, batch 32, mean squared error).
fn network(select: &Selection, rows: &mut Vec<Row>) {
    use formulations::network_styles::*;
    let size = "batch 32, 8→16→1".to_string();
    if !select.wants("network", &size) {
        return;
    }
    let mut random = Random(6);
    let (w1, b1) = (
        random.vector(N_HIDDEN * N_IN, -0.6, 0.6),
        random.vector(N_HIDDEN, -0.3, 0.3),
    );
    let (w2, b2) = (
        random.vector(N_HIDDEN, -0.6, 0.6),
        random.uniform(-0.3, 0.3),
    );
    let (x, y) = (
        random.vector(32 * N_IN, -1.0, 1.0),
        random.vector(32, -1.0, 1.0),
    );
    let hand = || net_hand_grad(&w1, &b1, &w2, b2, &x, &y);
    let cat = |(a, b, c, e): (Vec<f64>, Vec<f64>, Vec<f64>, f64)| [a, b, c, vec![e]].concat();
    let expected = cat(hand().1);
    let (_, g) = net_flat_grad(&w1, &b1, &w2, b2, &x, &y);
    formulation(
        rows,
        ("network", "flat slices, hoisted hidden buffer", &size),
        &expected,
        cat(g),
        || net_flat(&w1, &b1, &w2, b2, &x, &y),
        || net_flat_grad(&w1, &b1, &w2, b2, &x, &y),
        hand,
    );
    let as_rows = |flat: &[f64]| -> Vec<[f64; N_IN]> {
        flat.chunks(N_IN)
            .map(|c| std::array::from_fn(|i| c[i]))
            .collect()
    };
    let (w1_rows, x_rows) = (as_rows(&w1), as_rows(&x));
    let (_, (gw1, gb1, gw2, gb2)) = net_rows_grad(&w1_rows, &b1, &w2, b2, &x_rows, &y);
    formulation(
        rows,
        ("network", "array rows, dot helper, Vec per sample", &size),
        &expected,
        cat((flat(&gw1), gb1, gw2, gb2)),
        || net_rows(&w1_rows, &b1, &w2, b2, &x_rows, &y),
        || net_rows_grad(&w1_rows, &b1, &w2, b2, &x_rows, &y),
        hand,
    );
    let as_vecs =
        |flat: &[f64]| -> Vec<Vec<f64>> { flat.chunks(N_IN).map(<[f64]>::to_vec).collect() };
    let (w1_vecs, x_vecs) = (as_vecs(&w1), as_vecs(&x));
    let (_, (gw1, gb1, gw2, gb2)) = net_vecs_grad(&w1_vecs, &b1, &w2, b2, &x_vecs, &y);
    formulation(
        rows,
        ("network", "Vec rows, dot helper", &size),
        &expected,
        cat((flat(&gw1), gb1, gw2, gb2)),
        || net_vecs(&w1_vecs, &b1, &w2, b2, &x_vecs, &y),
        || net_vecs_grad(&w1_vecs, &b1, &w2, b2, &x_vecs, &y),
        hand,
    );
    let (_, g) = net_iter_grad(&w1, &b1, &w2, b2, &x, &y);
    formulation(
        rows,
        ("network", "iterator chains, collected hidden layer", &size),
        &expected,
        cat(g),
        || net_iter(&w1, &b1, &w2, b2, &x, &y),
        || net_iter_grad(&w1, &b1, &w2, b2, &x, &y),
        hand,
    );
}

/// k-means: n = 1,000 points, k centroids, d dimensions, standard normal
/// (GradBench's `kmeans` draws its points so).
fn kmeans(select: &Selection, rows: &mut Vec<Row>) {
    use formulations::kmeans_styles::*;
    for (k, d) in select.sizes(&[(10, 4), (50, 16)]) {
        let size = format!("n = 1000, k = {k}, d = {d}");
        if !select.wants("kmeans", &size) {
            continue;
        }
        let mut random = Random(7);
        let (x, c) = (random.normals(1000 * d), random.normals(k * d));
        let hand = || km_hand_grad(&x, &c, k, d);
        let expected = hand().1;
        formulation(
            rows,
            ("kmeans", "flat, if dist < best", &size),
            &expected,
            km_if_grad(&x, &c, k, d).1,
            || km_if(&x, &c, k, d),
            || km_if_grad(&x, &c, k, d),
            hand,
        );
        formulation(
            rows,
            ("kmeans", "flat, index kept, first candidate by flag", &size),
            &expected,
            km_index_grad(&x, &c, k, d).1,
            || km_index(&x, &c, k, d),
            || km_index_grad(&x, &c, k, d),
            hand,
        );
        let as_rows = |v: &[f64]| -> Vec<Vec<f64>> { v.chunks(d).map(<[f64]>::to_vec).collect() };
        let (xs, cs) = (as_rows(&x), as_rows(&c));
        formulation(
            rows,
            ("kmeans", "Vec rows, best.min(dist)", &size),
            &expected,
            flat(&km_min_grad(&xs, &cs).1),
            || km_min(&xs, &cs),
            || km_min_grad(&xs, &cs),
            hand,
        );
        formulation(
            rows,
            ("kmeans", "iterator chains, fold(f64::min)", &size),
            &expected,
            flat(&km_fold_grad(&xs, &cs).1),
            || km_fold(&xs, &cs),
            || km_fold_grad(&xs, &cs),
            hand,
        );
    }
}

/// Adds one model's rows.
type Model = fn(&Selection, &mut Vec<Row>);

const MODELS: &[(&str, Model)] = &[
    ("gmm", gmm),
    ("network", network),
    ("kmeans", kmeans),
    ("lse", lse),
    ("det", det),
    ("ode", ode),
];

fn main() {
    if std::env::var_os("FTZ").is_some() {
        // Subnormals flushed to zero, as C++ built with -ffast-math runs
        // (for measuring what subnormal arithmetic costs; not the default).
        #[allow(deprecated)]
        unsafe {
            use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
            _mm_setcsr(_mm_getcsr() | 0x8040);
        }
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let select = Selection {
        quick: args.iter().any(|a| a == "--quick"),
        filters: args
            .iter()
            .filter(|a| !a.starts_with("--"))
            .cloned()
            .collect(),
    };
    let mut rows = Vec::new();
    for (name, model) in MODELS {
        eprintln!("timing {name} ...");
        model(&select, &mut rows);
    }
    let markdown = table(&rows);
    println!("{markdown}");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/formulations.md");
    match std::fs::write(&target, &markdown) {
        Ok(()) => eprintln!("written to {}", target.display()),
        Err(error) => eprintln!("could not write {}: {error}", target.display()),
    }
}
