//! Running minima and maxima of computed values (`gradmacro-derive/src/winner/`):
//! the loop over candidates only decides which one wins, and the winner's
//! value is computed again after it. k-means' nearest centroid written as
//! an `if`, as `best.min(dist)`, as an iterator `fold(f64::min)`, with the
//! index kept too, a maximum, a candidate loop left by `break`, one whose
//! value reads the running best (left as it was), ties, and no candidate at
//! all. Every gradient is checked against a hand-written argmin gradient and
//! against central finite differences away from ties.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_all_closed, assert_closed, assert_fd_all};
use gradmacro::differentiate;

#[differentiate(wrt = c)]
fn km_if(x: &[f64], c: &[f64], k: usize, d: usize) -> f64 {
    let n = x.len() / d;
    let mut total = 0.0;
    for i in 0..n {
        let mut best = f64::INFINITY;
        for j in 0..k {
            let mut dist = 0.0;
            for t in 0..d {
                let diff = x[i * d + t] - c[j * d + t];
                dist += diff * diff;
            }
            if dist < best {
                best = dist;
            }
        }
        total += best;
    }
    total
}

#[differentiate(wrt = c)]
fn km_min(x: &[f64], c: &[f64], k: usize, d: usize) -> f64 {
    let n = x.len() / d;
    let mut total = 0.0;
    for i in 0..n {
        let mut best = f64::INFINITY;
        let mut at = 0;
        for j in 0..k {
            let mut dist = 0.0;
            for t in 0..d {
                dist += (x[i * d + t] - c[j * d + t]).powi(2);
            }
            if dist < best {
                at = j;
            }
            best = best.min(dist);
        }
        total += best.sqrt() + at as f64;
    }
    total
}

#[differentiate(wrt = c)]
fn km_fold(x: &[Vec<f64>], c: &[Vec<f64>]) -> f64 {
    let mut total = 0.0;
    for p in x {
        let best = c
            .iter()
            .map(|ck| {
                p.iter()
                    .zip(ck)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
            })
            .fold(f64::INFINITY, f64::min);
        total += best;
    }
    total
}

/// The farthest centroid, with a cap: a `break` once one is far enough.
#[differentiate(wrt = c)]
fn farthest_until(x: &[f64], c: &[f64], k: usize, d: usize, cap: f64) -> f64 {
    let n = x.len() / d;
    let mut total = 0.0;
    for i in 0..n {
        let mut best = 0.0;
        for j in 0..k {
            let mut dist = 0.0;
            for t in 0..d {
                dist += (x[i * d + t] - c[j * d + t]).abs();
            }
            best = f64::max(dist, best);
            if best > cap {
                break;
            }
        }
        total += best * best;
    }
    total
}

/// The candidate's value reads the running best: not a function of the
/// candidate alone, reversed as written.
#[differentiate(wrt = c)]
fn reads_best(c: &[f64]) -> f64 {
    let mut best = 10.0;
    for j in 0..c.len() {
        let v = c[j] * c[j] + 0.01 * best;
        if v < best {
            best = v;
        }
    }
    best
}

/// The nearest centroid's gradient, by hand: `-2 (x_i - c_j*)` for each point.
fn km_hand(x: &[f64], c: &[f64], k: usize, d: usize) -> Vec<f64> {
    let mut g = vec![0.0; c.len()];
    for i in 0..x.len() / d {
        let (mut best, mut at) = (f64::INFINITY, 0);
        for j in 0..k {
            let dist: f64 = (0..d).map(|t| (x[i * d + t] - c[j * d + t]).powi(2)).sum();
            if dist < best {
                (best, at) = (dist, j);
            }
        }
        for t in 0..d {
            g[at * d + t] -= 2.0 * (x[i * d + t] - c[at * d + t]);
        }
    }
    g
}

const X: [f64; 12] = [
    0.1, 0.9, -1.3, 0.4, 2.25, -0.7, 0.35, 0.05, -0.6, -1.1, 1.7, 1.2,
];
const C: [f64; 6] = [0.0, 0.5, -1.0, -0.45, 1.5, 0.25];

#[test]
fn nearest_centroids_by_if_min_and_fold() {
    let (k, d) = (3, 2);
    let hand = km_hand(&X, &C, k, d);
    let (value, g) = km_if_grad(&X, &C, k, d);
    assert_closed("value", value, km_if(&X, &C, k, d));
    assert_all_closed("if", &g, &hand);
    assert_fd_all("if", |c| km_if(&X, c, k, d), &C, &g);
    let (value, g) = km_min_grad(&X, &C, k, d);
    assert_closed("value", value, km_min(&X, &C, k, d));
    assert_fd_all("min", |c| km_min(&X, c, k, d), &C, &g);
    let rows = |v: &[f64]| v.chunks(d).map(<[f64]>::to_vec).collect::<Vec<_>>();
    let (xs, cs) = (rows(&X), rows(&C));
    let (value, g) = km_fold_grad(&xs, &cs);
    assert_closed("value", value, km_fold(&xs, &cs));
    assert_all_closed("fold", &g.concat(), &hand);
}

#[test]
fn a_maximum_left_by_break_and_a_value_reading_the_best() {
    let (k, d) = (3, 2);
    for cap in [1.0, 100.0] {
        let (value, g) = farthest_until_grad(&X, &C, k, d, cap);
        assert_closed("value", value, farthest_until(&X, &C, k, d, cap));
        assert_fd_all("farthest", |c| farthest_until(&X, c, k, d, cap), &C, &g);
    }
    let c = [0.9, -0.4, 0.7, 0.2];
    let (value, g) = reads_best_grad(&c);
    assert_closed("value", value, reads_best(&c));
    assert_fd_all("reads best", reads_best, &c, &g);
}

#[test]
fn ties_and_no_candidate() {
    // Two centroids at the same distance: the first keeps the adjoint, as
    // the loop written out would give it.
    let (x, c) = ([0.0, 0.0], [1.0, 0.0, -1.0, 0.0]);
    let (_, g) = km_if_grad(&x, &c, 2, 2);
    assert_all_closed("tie", &g, &[2.0, 0.0, 0.0, 0.0]);
    // No centroid: the best stays infinite, nothing flows.
    let (value, g) = km_if_grad(&x, &[], 0, 2);
    assert_eq!((value, g), (f64::INFINITY, vec![]));
}
