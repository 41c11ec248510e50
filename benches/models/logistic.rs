//! The logistic map and its hand-written adjoint, shared by the `logistic` and
//! `interleaved` benches so both time the same code.

use gradmacro::differentiate;

/// The growth rate: chaotic, so the gradient grows with the number of steps.
pub const R: f64 = 3.7;
/// The starting population.
pub const L0: f64 = 0.4;
/// Steps of the map.
pub const STEPS: usize = 1000;

/// `steps` iterations of `l ← r·l·(1 − l)` from `l0`, written as a user would.
#[differentiate(wrt = [r, l0])]
pub fn logistic(r: f64, l0: f64, steps: usize) -> f64 {
    let mut l = l0;
    for _ in 0..steps {
        l = r * l * (1.0 - l);
    }
    l
}

/// The reverse sweep written by hand: the forward loop records every `l` on a
/// tape allocated once, the reverse loop pops them and accumulates
/// `∂l_n/∂r = Σ_k adj_(k+1) · l_k(1 − l_k)` and `∂l_n/∂l0 = Π_k r(1 − 2 l_k)`.
pub fn logistic_adjoint(r: f64, l0: f64, steps: usize) -> (f64, (f64, f64)) {
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
