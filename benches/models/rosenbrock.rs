//! The extended Rosenbrock function and its hand-written gradient, shared by the
//! `rosenbrock` and `interleaved` benches so both time the same code.

use gradmacro::differentiate;

/// `f(x) = Σ_{i < n/2} [100 (x_{2i}² − x_{2i+1})² + (x_{2i} − 1)²]`, written as a
/// user would write it.
#[differentiate(wrt = x)]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..x.len() / 2 {
        let a = x[2 * i];
        let b = x[2 * i + 1];
        let t = a * a - b;
        f += 100.0 * t * t + (a - 1.0) * (a - 1.0);
    }
    f
}

/// The gradient by hand: with `t = a² − b`, `∂f/∂a = 400 t a + 2 (a − 1)` and
/// `∂f/∂b = −200 t`, one pass, the result `Vec` is the only allocation.
pub fn rosenbrock_hand_gradient(x: &[f64]) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; x.len()];
    let mut f = 0.0;
    for i in 0..x.len() / 2 {
        let a = x[2 * i];
        let b = x[2 * i + 1];
        let t = a * a - b;
        f += 100.0 * t * t + (a - 1.0) * (a - 1.0);
        g[2 * i] = 400.0 * t * a + 2.0 * (a - 1.0);
        g[2 * i + 1] = -200.0 * t;
    }
    (f, g)
}

/// A point in the curved valley, away from the minimum at all ones: the usual
/// start (−1.2, 1) in every pair, perturbed so that no two pairs are alike.
pub fn start(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let base = if i % 2 == 0 { -1.2 } else { 1.0 };
            base + 0.1 * (0.7 * i as f64).sin()
        })
        .collect()
}
