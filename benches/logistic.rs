//! The logistic map `l ← r·l·(1 − l)`, 1000 steps (r = 3.7, l0 = 0.4): the plain
//! function, the gradient `#[differentiate]` generates for it, and the adjoint a
//! careful human writes by hand.
//!
//! ```sh
//! cargo bench --bench logistic
//! ```
//!
//! Before anything is timed, the hand-written adjoint is checked against the
//! generated gradient (same value, gradients equal to 1e-12 relative), so the
//! benchmark cannot compare two different computations.

use criterion::{criterion_group, criterion_main, Criterion};
use gradmacro::differentiate;
use std::hint::black_box;

const R: f64 = 3.7;
const L0: f64 = 0.4;
const STEPS: usize = 1000;

#[differentiate(wrt = [r, l0])]
fn logistic(r: f64, l0: f64, steps: usize) -> f64 {
    let mut l = l0;
    for _ in 0..steps {
        l = r * l * (1.0 - l);
    }
    l
}

/// The reverse sweep written by hand: the forward loop records every `l` on a
/// tape allocated once, the reverse loop pops them and accumulates
/// `∂l_n/∂r = Σ_k adj_(k+1) · l_k(1 − l_k)` and `∂l_n/∂l0 = Π_k r(1 − 2 l_k)`.
fn logistic_adjoint(r: f64, l0: f64, steps: usize) -> (f64, (f64, f64)) {
    let mut tape = Vec::with_capacity(steps);
    let mut l = l0;
    for _ in 0..steps {
        tape.push(l);
        l = r * l * (1.0 - l);
    }
    let (mut adj_r, mut adj_l) = (0.0, 1.0);
    while let Some(prev) = tape.pop() {
        adj_r += adj_l * prev * (1.0 - prev);
        adj_l *= r * (1.0 - 2.0 * prev);
    }
    (l, (adj_r, adj_l))
}

/// Refuses to time anything unless both gradients compute the same thing.
fn check_same_computation() {
    let (value, (dr, dl0)) = logistic_grad(R, L0, STEPS);
    let (hand_value, (hand_dr, hand_dl0)) = logistic_adjoint(R, L0, STEPS);
    assert_eq!(value, logistic(R, L0, STEPS), "generated value");
    assert_eq!(hand_value, value, "hand-written value");
    for (what, generated, hand) in [("∂l/∂r", dr, hand_dr), ("∂l/∂l0", dl0, hand_dl0)] {
        let scale = generated.abs().max(hand.abs());
        assert!(
            generated.is_finite() && (generated - hand).abs() <= 1e-12 * scale,
            "{what}: generated {generated:e}, hand-written {hand:e}"
        );
    }
}

fn logistic_1000(c: &mut Criterion) {
    check_same_computation();
    let mut group = c.benchmark_group("logistic_1000");
    group.bench_function("primal", |b| {
        b.iter(|| black_box(logistic(black_box(R), black_box(L0), black_box(STEPS))))
    });
    group.bench_function("generated_gradient", |b| {
        b.iter(|| black_box(logistic_grad(black_box(R), black_box(L0), black_box(STEPS))))
    });
    group.bench_function("hand_written_adjoint", |b| {
        b.iter(|| {
            black_box(logistic_adjoint(
                black_box(R),
                black_box(L0),
                black_box(STEPS),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, logistic_1000);
criterion_main!(benches);
