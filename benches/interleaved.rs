//! The generated gradient against the hand-written one, timed *interleaved*: the
//! two alternate in short batches inside one process, so that a slow spell of the
//! machine (frequency changes, a noisy neighbour on a shared VM) hits both alike.
//!
//! ```sh
//! cargo bench --bench interleaved
//! ```
//!
//! Criterion times one function after another, seconds apart; on a shared
//! 2-core VM its medians drift 10–20% between runs, which is more than the 10%
//! target this bench is there to settle. Here each round times a batch of the
//! generated gradient and a batch of the hand-written one back to back (in
//! alternating order, so neither always goes first) and records the ratio of
//! the two; the table gives the median ratio over all rounds with its quartiles,
//! and the fastest batch of each. It prints a markdown table.
//!
//! The functions are the ones the criterion benches time (`benches/models/`),
//! and every pair is checked to compute the same gradient before it is timed.

use std::hint::black_box;
use std::time::{Duration, Instant};

mod common;
/// The functions and hand-written gradients shared with the criterion benches.
mod models {
    pub mod logistic;
    pub mod network;
    pub mod rosenbrock;
}
use common::{assert_same_gradient, assert_same_value};
use models::{logistic, network, rosenbrock};

/// Rounds per comparison: each is one batch of each function.
const ROUNDS: usize = 301;
/// The wall time one batch aims at: long against the clock's resolution, short
/// against the machine's slow spells.
const BATCH: Duration = Duration::from_millis(2);

/// Nanoseconds per call of `f` over `calls` calls.
fn time_batch(f: &mut dyn FnMut(), calls: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(calls)
}

/// How many calls of `f` fill one batch (after warming it up).
fn calls_per_batch(f: &mut dyn FnMut()) -> u32 {
    let mut calls = 1u32;
    while time_batch(f, calls) * f64::from(calls) < BATCH.as_secs_f64() * 1e9 / 4.0 {
        calls = calls.saturating_mul(2);
    }
    calls.saturating_mul(4)
}

/// One row of the table.
struct Comparison {
    name: &'static str,
    best_generated: f64,
    best_hand: f64,
    /// The per-round ratios generated / hand-written, sorted.
    ratios: Vec<f64>,
}

impl Comparison {
    fn quantile(&self, q: f64) -> f64 {
        self.ratios[((self.ratios.len() - 1) as f64 * q).round() as usize]
    }
}

/// Times `generated` and `hand` in alternating batches.
fn compare(name: &'static str, mut generated: impl FnMut(), mut hand: impl FnMut()) -> Comparison {
    let calls = calls_per_batch(&mut generated).max(calls_per_batch(&mut hand));
    let (mut best_generated, mut best_hand) = (f64::INFINITY, f64::INFINITY);
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (g, h) = if round % 2 == 0 {
            let g = time_batch(&mut generated, calls);
            (g, time_batch(&mut hand, calls))
        } else {
            let h = time_batch(&mut hand, calls);
            (time_batch(&mut generated, calls), h)
        };
        best_generated = best_generated.min(g);
        best_hand = best_hand.min(h);
        ratios.push(g / h);
    }
    ratios.sort_by(f64::total_cmp);
    Comparison {
        name,
        best_generated,
        best_hand,
        ratios,
    }
}

/// `1234.5` ns as `1.23 µs`, `56.7` ns as `56.7 ns`.
fn duration(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.3} µs", ns / 1000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

fn logistic_map() -> Comparison {
    use logistic::{logistic_adjoint, logistic_grad, L0, R, STEPS};
    let (value, (dr, dl0)) = logistic_grad(R, L0, STEPS);
    let (hand_value, (hand_dr, hand_dl0)) = logistic_adjoint(R, L0, STEPS);
    assert_same_value("logistic", value, hand_value, 0.0);
    assert_same_gradient("logistic", &[dr, dl0], &[hand_dr, hand_dl0], 1e-12, 0.0);
    compare(
        "logistic map, 1000 steps",
        || {
            black_box(logistic_grad(black_box(R), black_box(L0), black_box(STEPS)));
        },
        || {
            black_box(logistic_adjoint(
                black_box(R),
                black_box(L0),
                black_box(STEPS),
            ));
        },
    )
}

fn rosenbrock_at(name: &'static str, n: usize) -> Comparison {
    use rosenbrock::{rosenbrock_grad, rosenbrock_hand_gradient, start};
    let x = start(n);
    let (value, generated) = rosenbrock_grad(&x);
    let (hand_value, hand) = rosenbrock_hand_gradient(&x);
    assert_same_value(name, value, hand_value, 0.0);
    assert_same_gradient(name, &generated, &hand, 1e-10, 1e-14);
    compare(
        name,
        || {
            black_box(rosenbrock_grad(black_box(&x)));
        },
        || {
            black_box(rosenbrock_hand_gradient(black_box(&x)));
        },
    )
}

fn two_layer_network() -> Comparison {
    use network::{batch, network_hand_gradient, network_loss_grad, weights};
    let name = "two-layer network, batch 32, 8→16→1";
    let (w1, b1, w2, b2) = weights();
    let (xs, ys) = batch();
    let flat = |(w1, b1, w2, b2): network::Gradient| -> Vec<f64> {
        let mut out: Vec<f64> = w1.into_iter().flatten().collect();
        out.extend(b1);
        out.extend(w2);
        out.push(b2);
        out
    };
    let (value, generated) = network_loss_grad(&w1, &b1, &w2, b2, &xs, &ys);
    let (hand_value, hand) = network_hand_gradient(&w1, &b1, &w2, b2, &xs, &ys);
    assert_same_value(name, value, hand_value, 0.0);
    assert_same_gradient(name, &flat(generated), &flat(hand), 1e-10, 1e-14);
    compare(
        name,
        || {
            black_box(network_loss_grad(
                black_box(&w1),
                black_box(&b1),
                black_box(&w2),
                black_box(b2),
                black_box(&xs),
                black_box(&ys),
            ));
        },
        || {
            black_box(network_hand_gradient(
                black_box(&w1),
                black_box(&b1),
                black_box(&w2),
                black_box(b2),
                black_box(&xs),
                black_box(&ys),
            ));
        },
    )
}

fn main() {
    let rows = [
        logistic_map(),
        rosenbrock_at("extended Rosenbrock, n = 100", 100),
        rosenbrock_at("extended Rosenbrock, n = 10,000", 10_000),
        two_layer_network(),
    ];
    println!("| benchmark | generated (fastest batch) | hand-written (fastest batch) | generated / hand-written: median of {ROUNDS} rounds [quartiles] |");
    println!("|---|---|---|---|");
    for row in &rows {
        println!(
            "| {} | {} | {} | **{:.3}×** [{:.3}, {:.3}] |",
            row.name,
            duration(row.best_generated),
            duration(row.best_hand),
            row.quantile(0.5),
            row.quantile(0.25),
            row.quantile(0.75),
        );
    }
}
