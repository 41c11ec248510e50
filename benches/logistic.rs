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
/// The map and its hand-written adjoint, shared with `benches/interleaved.rs`.
mod models {
    pub mod logistic;
}
use models::logistic::{logistic, logistic_adjoint, logistic_grad, L0, R, STEPS};
use std::hint::black_box;

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
