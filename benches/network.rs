//! A dense two-layer network on a batch: B = 32 samples of D = 8 features,
//! H = 16 `tanh` hidden units, one linear output, squared loss averaged over the
//! batch,
//!
//! `L = (1/B) Σ_s (b2 + Σ_j w2_j tanh(b1_j + Σ_k W1_jk x_sk) − y_s)²`,
//!
//! differentiated with respect to all 161 parameters (`W1` as `&[[f64; 8]]` with H
//! rows, `b1` and `w2` as `&[f64]`, `b2` a scalar; the data are constants).
//! Six ways to get the gradient, side by side in one run:
//!
//! ```sh
//! cargo bench --bench network
//! ```
//!
//! | bench | what it is |
//! |---|---|
//! | `primal` | the loss alone |
//! | `generated_gradient` | `network_loss_grad`, written by `#[differentiate]` |
//! | `hand_written_gradient` | per sample: forward pass storing the hidden activations, then the backward pass |
//! | `num_dual` | forward mode with `num_dual::Dual64`: 161 passes, one per parameter |
//! | `tape_reverse` | the `reverse` crate's operator-overloading tape (Wengert list) |
//! | `finite_differences` | central differences: 322 evaluations of the loss |
//!
//! Forward mode and finite differences are ~160× and ~320× the primal here, slow
//! but practical at this size, so they are timed too.
//!
//! Before anything is timed, every gradient is checked against the hand-written
//! one (generated, forward mode and tape to 1e-10 relative, finite differences to
//! 1e-6), so the benchmark cannot compare different computations; the
//! finite-difference check is also the check of the hand-written gradient.

// The differentiated function and its hand-written gradient index weights and
// activations in parallel, as numeric code usually does.
#![allow(clippy::needless_range_loop)]

use criterion::{criterion_group, criterion_main, Criterion};
use num_dual::{Dual64, DualNum};
use std::hint::black_box;

mod common;
/// The loss and its hand-written gradient, shared with `benches/interleaved.rs`.
mod models {
    pub mod network;
}
use common::{assert_same_gradient, assert_same_value};
use models::network::{
    batch, network_hand_gradient, network_loss, network_loss_grad, weights, Gradient, D, H,
};

/// The parameters in their shapes, over any scalar type (`f64`, `Dual64`, a tape
/// variable); coordinate `p` is the `p`-th entry in the order `W1` (row-major),
/// `b1`, `w2`, `b2`.
#[derive(Clone)]
struct Params<T> {
    w1: Vec<[T; D]>,
    b1: Vec<T>,
    w2: Vec<T>,
    b2: T,
}

impl<T: Copy> Params<T> {
    fn len(&self) -> usize {
        self.w1.len() * D + self.b1.len() + self.w2.len() + 1
    }

    fn at(&mut self, p: usize) -> &mut T {
        let n1 = self.w1.len() * D;
        let n2 = n1 + self.b1.len();
        let n3 = n2 + self.w2.len();
        if p < n1 {
            &mut self.w1[p / D][p % D]
        } else if p < n2 {
            &mut self.b1[p - n1]
        } else if p < n3 {
            &mut self.w2[p - n2]
        } else {
            assert_eq!(p, n3, "coordinate out of range");
            &mut self.b2
        }
    }

    /// Applies `f` to every coordinate in order.
    fn map<U>(&self, mut f: impl FnMut(T) -> U) -> Params<U> {
        let w1 = self.w1.iter().map(|row| row.map(&mut f)).collect();
        let b1 = self.b1.iter().map(|&v| f(v)).collect();
        let w2 = self.w2.iter().map(|&v| f(v)).collect();
        let b2 = f(self.b2);
        Params { w1, b1, w2, b2 }
    }

    fn flat(&self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        for row in &self.w1 {
            out.extend_from_slice(row);
        }
        out.extend_from_slice(&self.b1);
        out.extend_from_slice(&self.w2);
        out.push(self.b2);
        out
    }
}

impl Params<f64> {
    fn from_gradient((w1, b1, w2, b2): Gradient) -> Self {
        Params { w1, b1, w2, b2 }
    }

    fn loss(&self, data: &Data) -> f64 {
        network_loss(&self.w1, &self.b1, &self.w2, self.b2, &data.xs, &data.ys)
    }
}

struct Data {
    xs: Vec<[f64; D]>,
    ys: Vec<f64>,
}

/// The same loss on forward-mode dual numbers.
fn network_loss_dual(p: &Params<Dual64>, data: &Data) -> Dual64 {
    let mut hidden = vec![Dual64::from_re(0.0); p.w1.len()];
    let mut loss = Dual64::from_re(0.0);
    for (x, &y) in data.xs.iter().zip(&data.ys) {
        for j in 0..p.w1.len() {
            let mut z = p.b1[j];
            for k in 0..D {
                z += p.w1[j][k] * x[k];
            }
            hidden[j] = z.tanh();
        }
        let mut out = p.b2;
        for j in 0..hidden.len() {
            out += p.w2[j] * hidden[j];
        }
        let r = out - y;
        loss += r * r;
    }
    loss / data.xs.len() as f64
}

/// Forward mode: one evaluation on `Dual64` per parameter, switching on the
/// `eps` of that parameter only.
fn network_num_dual_gradient(params: &Params<f64>, data: &Data) -> (f64, Vec<f64>) {
    let mut duals = params.map(Dual64::from_re);
    let mut g = vec![0.0; params.len()];
    let mut value = 0.0;
    for (p, slot) in g.iter_mut().enumerate() {
        duals.at(p).eps = 1.0;
        let f = network_loss_dual(&duals, data);
        duals.at(p).eps = 0.0;
        *slot = f.eps;
        value = f.re;
    }
    (value, g)
}

/// The same loss on the `reverse` crate's tape variables.
fn network_loss_var<'t>(p: &Params<reverse::Var<'t>>, data: &Data) -> reverse::Var<'t> {
    let tape = p.b2.tape;
    let mut hidden = Vec::with_capacity(p.w1.len());
    let mut loss = tape.add_var(0.0);
    for (x, &y) in data.xs.iter().zip(&data.ys) {
        hidden.clear();
        for j in 0..p.w1.len() {
            let mut z = p.b1[j];
            for k in 0..D {
                z = z + p.w1[j][k] * x[k];
            }
            hidden.push(z.tanh());
        }
        let mut out = p.b2;
        for j in 0..hidden.len() {
            out = out + p.w2[j] * hidden[j];
        }
        let r = out - y;
        loss = loss + r * r;
    }
    loss / data.xs.len() as f64
}

/// Reverse mode on a tape: record the loss, sweep the tape backwards once. The
/// tape is cleared and reused, so its storage is allocated only once.
fn network_tape_gradient(
    tape: &reverse::Tape,
    params: &Params<f64>,
    data: &Data,
) -> (f64, Vec<f64>) {
    use reverse::Gradient;
    tape.clear();
    let vars = params.map(|v| tape.add_var(v));
    let f = network_loss_var(&vars, data);
    let adjoints = f.grad();
    (f.val(), adjoints.wrt(&vars.flat()))
}

/// Central differences, `h = 1e-6 · max(1, |θ_p|)`, perturbing one parameter of a
/// single copy in place.
fn network_finite_differences(params: &Params<f64>, data: &Data) -> (f64, Vec<f64>) {
    let mut q = params.clone();
    let mut g = vec![0.0; params.len()];
    for (p, slot) in g.iter_mut().enumerate() {
        let v = *q.at(p);
        let h = 1e-6 * v.abs().max(1.0);
        *q.at(p) = v + h;
        let hi = q.loss(data);
        *q.at(p) = v - h;
        let lo = q.loss(data);
        *q.at(p) = v;
        *slot = (hi - lo) / ((v + h) - (v - h));
    }
    (params.loss(data), g)
}

/// The shared weights and batch in the shapes the other methods take.
fn setup() -> (Params<f64>, Data) {
    let (w1, b1, w2, b2) = weights();
    let (xs, ys) = batch();
    (Params { w1, b1, w2, b2 }, Data { xs, ys })
}

/// Refuses to time anything unless every method computes the same gradient.
fn check_same_computation(params: &Params<f64>, data: &Data) {
    let value = params.loss(data);
    let (hand_value, hand) = network_hand_gradient(
        &params.w1, &params.b1, &params.w2, params.b2, &data.xs, &data.ys,
    );
    assert_eq!(hand_value, value, "hand-written value");
    let hand = Params::from_gradient(hand).flat();
    assert_eq!(hand.len(), H * D + 2 * H + 1);

    // The hand-written gradient against central differences of the loss.
    let (_, fd) = network_finite_differences(params, data);
    assert_same_gradient("central differences", &fd, &hand, 1e-6, 1e-7);

    let (generated_value, generated) = network_loss_grad(
        &params.w1, &params.b1, &params.w2, params.b2, &data.xs, &data.ys,
    );
    assert_eq!(generated_value, value, "generated value");
    let generated = Params::from_gradient(generated).flat();
    assert_same_gradient("generated", &generated, &hand, 1e-10, 1e-14);

    let (dual_value, dual) = network_num_dual_gradient(params, data);
    assert_same_value("num-dual", dual_value, value, 1e-12);
    assert_same_gradient("num-dual", &dual, &hand, 1e-10, 1e-14);

    let tape = reverse::Tape::new();
    let (tape_value, tape_grad) = network_tape_gradient(&tape, params, data);
    assert_same_value("tape", tape_value, value, 1e-12);
    assert_same_gradient("tape", &tape_grad, &hand, 1e-10, 1e-14);
}

fn network_b32_d8_h16(c: &mut Criterion) {
    let (params, data) = setup();
    check_same_computation(&params, &data);
    let Params { w1, b1, w2, b2 } = &params;
    let (xs, ys) = (&data.xs, &data.ys);
    let mut group = c.benchmark_group("network_b32_d8_h16");
    group.bench_function("primal", |b| {
        b.iter(|| {
            black_box(network_loss(
                black_box(w1),
                black_box(b1),
                black_box(w2),
                black_box(*b2),
                black_box(xs),
                black_box(ys),
            ))
        })
    });
    group.bench_function("generated_gradient", |b| {
        b.iter(|| {
            black_box(network_loss_grad(
                black_box(w1),
                black_box(b1),
                black_box(w2),
                black_box(*b2),
                black_box(xs),
                black_box(ys),
            ))
        })
    });
    group.bench_function("hand_written_gradient", |b| {
        b.iter(|| {
            black_box(network_hand_gradient(
                black_box(w1),
                black_box(b1),
                black_box(w2),
                black_box(*b2),
                black_box(xs),
                black_box(ys),
            ))
        })
    });
    group.bench_function("num_dual", |b| {
        b.iter(|| black_box(network_num_dual_gradient(black_box(&params), &data)))
    });
    let tape = reverse::Tape::new();
    group.bench_function("tape_reverse", |b| {
        b.iter(|| black_box(network_tape_gradient(&tape, black_box(&params), &data)))
    });
    group.bench_function("finite_differences", |b| {
        b.iter(|| black_box(network_finite_differences(black_box(&params), &data)))
    });
    group.finish();
}

criterion_group!(benches, network_b32_d8_h16);
criterion_main!(benches);
