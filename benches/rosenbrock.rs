//! The extended Rosenbrock function
//! `f(x) = Σ_{i < n/2} [100 (x_{2i}² − x_{2i+1})² + (x_{2i} − 1)²]`
//! at n = 100 and n = 10,000, with `x` a `&[f64]`: six ways to get its gradient,
//! side by side in one run.
//!
//! ```sh
//! cargo bench --bench rosenbrock
//! ```
//!
//! | bench | what it is |
//! |---|---|
//! | `primal` | the function alone |
//! | `generated_gradient` | `rosenbrock_grad`, written by `#[differentiate]` |
//! | `hand_written_gradient` | one pass over the pairs, no allocation but the result |
//! | `num_dual` | forward mode with `num_dual::Dual64`: one pass per coordinate (n = 100 only) |
//! | `tape_reverse` | the `reverse` crate's operator-overloading tape (Wengert list) |
//! | `finite_differences` | central differences, two passes per coordinate (n = 100 only) |
//!
//! Forward mode and finite differences cost one (two) evaluations of `f` per
//! coordinate: O(n²) work, about 10⁸ flops per gradient at n = 10,000, so they are
//! timed at n = 100 only.
//!
//! Before anything is timed, every gradient is checked against the hand-written
//! one (the generated gradient, forward mode and the tape to 1e-10 relative,
//! finite differences to 1e-6), and the hand-written gradient against central
//! differences, so the benchmark cannot compare different computations.

use criterion::{criterion_group, criterion_main, Criterion};
use num_dual::Dual64;
use std::hint::black_box;

mod common;
/// The function and its hand-written gradient, shared with `benches/interleaved.rs`.
mod models {
    pub mod rosenbrock;
}
use common::{assert_same_gradient, assert_same_value};
use models::rosenbrock::{rosenbrock, rosenbrock_grad, rosenbrock_hand_gradient, start};

/// The same function on forward-mode dual numbers.
fn rosenbrock_dual(x: &[Dual64]) -> Dual64 {
    let mut f = Dual64::from_re(0.0);
    for i in 0..x.len() / 2 {
        let a = x[2 * i];
        let b = x[2 * i + 1];
        let t = a * a - b;
        f += t * t * 100.0 + (a - 1.0) * (a - 1.0);
    }
    f
}

/// Forward mode: the directional derivative along each coordinate axis in turn,
/// `n` evaluations on `Dual64`. The dual vector is built once and only the `eps`
/// of the current coordinate is switched on and off.
fn rosenbrock_num_dual_gradient(x: &[f64]) -> (f64, Vec<f64>) {
    let mut duals: Vec<Dual64> = x.iter().map(|&v| Dual64::from_re(v)).collect();
    let mut g = vec![0.0; x.len()];
    let mut value = 0.0;
    for i in 0..x.len() {
        duals[i].eps = 1.0;
        let f = rosenbrock_dual(&duals);
        duals[i].eps = 0.0;
        g[i] = f.eps;
        value = f.re;
    }
    (value, g)
}

/// The same function on the `reverse` crate's tape variables.
fn rosenbrock_var<'t>(x: &[reverse::Var<'t>]) -> reverse::Var<'t> {
    let tape = x[0].tape;
    let mut f = tape.add_var(0.0);
    for i in 0..x.len() / 2 {
        let a = x[2 * i];
        let b = x[2 * i + 1];
        let t = a * a - b;
        f = f + 100.0 * t * t + (a - 1.0) * (a - 1.0);
    }
    f
}

/// Reverse mode on a tape: record the evaluation, then sweep it backwards once.
/// The tape is cleared and reused, so its storage is allocated only once.
fn rosenbrock_tape_gradient(tape: &reverse::Tape, x: &[f64]) -> (f64, Vec<f64>) {
    use reverse::Gradient;
    tape.clear();
    let vars = tape.add_vars(x);
    let f = rosenbrock_var(&vars);
    let adjoints = f.grad();
    (f.val(), adjoints.wrt(&vars))
}

/// Central differences `(f(x + h eᵢ) − f(x − h eᵢ)) / 2h`, `h = 1e-6 · max(1, |xᵢ|)`,
/// perturbing one coordinate of a single copy of `x` in place.
fn rosenbrock_finite_differences(x: &[f64]) -> (f64, Vec<f64>) {
    let mut p = x.to_vec();
    let mut g = vec![0.0; x.len()];
    for i in 0..x.len() {
        let xi = p[i];
        let h = 1e-6 * xi.abs().max(1.0);
        p[i] = xi + h;
        let hi = rosenbrock(&p);
        p[i] = xi - h;
        let lo = rosenbrock(&p);
        p[i] = xi;
        g[i] = (hi - lo) / ((xi + h) - (xi - h));
    }
    (rosenbrock(x), g)
}

/// Refuses to time anything unless every method computes the same gradient.
fn check_same_computation(n: usize, with_slow_methods: bool) {
    let x = start(n);
    let (hand_value, hand) = rosenbrock_hand_gradient(&x);
    assert_eq!(hand_value, rosenbrock(&x), "hand-written value, n = {n}");

    // The hand-written gradient against central differences (the odd trailing
    // coordinate of an odd n would get 0; n is even here).
    let (_, fd) = rosenbrock_finite_differences(&x);
    assert_same_gradient(
        &format!("central differences, n = {n}"),
        &fd,
        &hand,
        1e-6,
        1e-6,
    );

    let (value, generated) = rosenbrock_grad(&x);
    assert_eq!(value, rosenbrock(&x), "generated value, n = {n}");
    assert_same_gradient(
        &format!("generated, n = {n}"),
        &generated,
        &hand,
        1e-10,
        1e-14,
    );

    let tape = reverse::Tape::new();
    let (tape_value, tape_grad) = rosenbrock_tape_gradient(&tape, &x);
    assert_same_value("tape", tape_value, hand_value, 1e-12);
    assert_same_gradient(&format!("tape, n = {n}"), &tape_grad, &hand, 1e-10, 1e-14);

    if with_slow_methods {
        let (dual_value, dual_grad) = rosenbrock_num_dual_gradient(&x);
        assert_same_value("num-dual", dual_value, hand_value, 1e-12);
        assert_same_gradient(
            &format!("num-dual, n = {n}"),
            &dual_grad,
            &hand,
            1e-10,
            1e-14,
        );
    }
}

fn bench_rosenbrock(c: &mut Criterion, n: usize) {
    // num-dual and finite differences are O(n²): n = 100 only (see the module docs).
    let with_slow_methods = n <= 100;
    check_same_computation(n, with_slow_methods);
    let x = start(n);
    let mut group = c.benchmark_group(format!("rosenbrock_{n}"));
    group.bench_function("primal", |b| {
        b.iter(|| black_box(rosenbrock(black_box(&x))))
    });
    group.bench_function("generated_gradient", |b| {
        b.iter(|| black_box(rosenbrock_grad(black_box(&x))))
    });
    group.bench_function("hand_written_gradient", |b| {
        b.iter(|| black_box(rosenbrock_hand_gradient(black_box(&x))))
    });
    if with_slow_methods {
        group.bench_function("num_dual", |b| {
            b.iter(|| black_box(rosenbrock_num_dual_gradient(black_box(&x))))
        });
    }
    let tape = reverse::Tape::new();
    group.bench_function("tape_reverse", |b| {
        b.iter(|| black_box(rosenbrock_tape_gradient(&tape, black_box(&x))))
    });
    if with_slow_methods {
        group.bench_function("finite_differences", |b| {
            b.iter(|| black_box(rosenbrock_finite_differences(black_box(&x))))
        });
    }
    group.finish();
}

fn rosenbrock_100(c: &mut Criterion) {
    bench_rosenbrock(c, 100);
}

fn rosenbrock_10000(c: &mut Criterion) {
    bench_rosenbrock(c, 10_000);
}

criterion_group!(benches, rosenbrock_100, rosenbrock_10000);
criterion_main!(benches);
