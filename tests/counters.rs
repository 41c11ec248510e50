//! Running indices the reverse sweep walks back instead of saving
//! (`gradmacro-derive/src/counters.rs`): `e += 1` into packed storage, in
//! loop nests reversed by the store-all sweep and inside fused iterations;
//! steps down and by more than one; steps under `if` and before `break`;
//! counters declared inside a loop; and reads that a nested write follows
//! (which are saved). Every gradient is checked against central finite
//! differences; `NAME_pullback` with seed 2.5 must give the same value and
//! 2.5 × the gradient.

#![allow(clippy::needless_range_loop)]

mod common;

use common::fusion::{check_pair, Pair};
use gradmacro::differentiate;

const W: [f64; 6] = [0.8, -0.6, 1.1, 0.35, -0.2, 0.45];
const XS: [f64; 3] = [0.5, -1.2, 0.9];

/// A packed lower triangle indexed by a counter declared per sample (inside
/// the loop over samples, which the `sin` after it keeps from fusing).
#[differentiate]
fn packed(w: &[f64], xs: &[f64]) -> f64 {
    let d = 3;
    let mut y = vec![0.0; d];
    let mut s = 0.0;
    for &x in xs {
        let mut e = 0;
        for col in 0..d {
            for row in col + 1..d {
                y[row] += w[e] * x * w[col];
                e += 1;
            }
        }
        s += y[2] * y[1];
        s = s.sin();
    }
    s
}

/// A counter declared in the body, stepping down by two, read after the loops.
#[differentiate]
fn downwards(w: &[f64], xs: &[f64]) -> f64 {
    let mut e = w.len() - 1;
    let mut s = 0.0;
    for i in 0..xs.len() {
        for _ in 0..2 {
            s = (s + w[e] * xs[i]).tanh();
            e -= 2;
            if e < 2 {
                e = w.len() - 1;
            }
        }
    }
    s + w[e]
}

/// Steps under `if`, a `break`, and a read that a nested write follows.
#[differentiate]
fn branchy(w: &[f64], xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        let mut e = 0;
        for j in 0..w.len() {
            let before = e;
            s = (s * w[e] + x).sin();
            if x * w[j] > 0.0 {
                e += 1;
            }
            for _ in 0..j % 2 {
                e += 1;
            }
            s += w[e] * w[before];
            if e >= w.len() - 1 {
                break;
            }
        }
    }
    s
}

/// A counter inside a fused iteration, indexing an inner loop.
#[differentiate]
fn fused(w: &[f64], xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        let mut e = 1;
        let mut t = 0.0;
        for k in 0..3 {
            t = (t + w[e] * x + w[k]).cos();
            e += 2;
        }
        s += t * t;
    }
    s
}

#[test]
fn counters_give_the_same_gradients() {
    let cases: [(&str, Pair); 4] = [
        ("packed", (packed, packed_grad, packed_pullback)),
        ("downwards", (downwards, downwards_grad, downwards_pullback)),
        ("branchy", (branchy, branchy_grad, branchy_pullback)),
        ("fused", (fused, fused_grad, fused_pullback)),
    ];
    for (what, f) in cases {
        check_pair(what, f, &W, &XS, &[]);
    }
}
