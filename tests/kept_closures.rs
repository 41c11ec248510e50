//! Closures passed to methods of constants, kept as written
//! (`lower/kept_closure.rs`): searches, counts and sorts over labels and
//! indices, as classification and sorting code writes them. Their results are
//! positions, bools, counts or items of constant collections, so the
//! gradient flows only through the buffer reads they choose.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_all_closed, assert_fd_all};
use gradmacro::differentiate;

/// `position`, `any`, `count` of a `filter`, and `max` of a `map` over
/// integer labels, steering which weights are read.
#[differentiate(wrt = w)]
fn chosen_by_labels(w: &[f64], labels: &[usize], wanted: usize) -> f64 {
    let first = labels.iter().position(|&l| l == wanted).unwrap_or(0);
    let many = labels.iter().filter(|&&l| l == wanted).count();
    let widest = labels.iter().map(|&l| l * 2).max().unwrap_or(0);
    let bonus = if labels.iter().any(|&l| l > wanted) {
        1.0
    } else {
        0.0
    };
    w[first] * many as f64 + w[widest % w.len()] * w[0] + bonus * w[1]
}

/// A constant index list sorted by the differentiated values it indexes
/// (`sort_by` with `partial_cmp`): the order is a constant, the reads through
/// it are differentiated.
#[differentiate(wrt = x)]
fn weighted_by_rank(x: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].partial_cmp(&x[b]).unwrap());
    let mut total = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        total += (rank as f64 + 1.0) * x[i] * x[i];
    }
    total
}

/// `filter` of a constant iterator, then `map` reading the buffer and `sum`;
/// and a `filter` of a buffer's items (its predicate reads a differentiated
/// threshold) counted.
#[differentiate(wrt = x)]
fn filtered_sums(x: &[f64], labels: &[usize]) -> f64 {
    let even: f64 = labels
        .iter()
        .filter(|&&l| l % 2 == 0)
        .map(|&l| x[l] * x[l])
        .sum();
    let positive: f64 = (0..x.len())
        .filter(|&i| x[i] > 0.0)
        .map(|i| x[i].sin())
        .sum();
    let threshold = x[0] * 0.5;
    let above = x.iter().filter(|&&v| v > threshold).count();
    even + positive + above as f64 * x[1]
}

#[test]
fn searches_and_counts_over_labels_steer_the_reads() {
    let w = [0.5, -1.25, 2.0, 0.75];
    let labels = [3, 1, 2, 1, 0];
    let (value, grad) = chosen_by_labels_grad(&w, &labels, 1);
    // first = 1, many = 2, widest = 6 (index 2), bonus = 1.
    assert_all_closed("value", &[value], &[w[1] * 2.0 + w[2] * w[0] + w[1]]);
    assert_all_closed("gradient", &grad, &[w[2], 2.0 + 1.0, w[0], 0.0]);
    assert_fd_all(
        "chosen_by_labels",
        |w| chosen_by_labels(w, &labels, 1),
        &w,
        &grad,
    );
}

#[test]
fn sorting_indices_by_value_keeps_the_reads_differentiated() {
    let x = [0.3, -1.2, 2.5, 0.9];
    let (value, grad) = weighted_by_rank_grad(&x);
    // Ranks: -1.2 → 1, 0.3 → 2, 0.9 → 3, 2.5 → 4.
    let expected = 2.0 * 0.09 + 1.44 + 4.0 * 6.25 + 3.0 * 0.81;
    assert_all_closed("value", &[value], &[expected]);
    assert_all_closed(
        "gradient",
        &grad,
        &[4.0 * 0.3, 2.0 * -1.2, 8.0 * 2.5, 6.0 * 0.9],
    );
    assert_fd_all("weighted_by_rank", weighted_by_rank, &x, &grad);
}

#[test]
fn filters_of_constants_and_of_buffers() {
    let x = [1.0, -2.0, 3.0, 0.25];
    let labels = [0, 1, 2, 2, 3];
    let (value, grad) = filtered_sums_grad(&x, &labels);
    assert!((value - filtered_sums(&x, &labels)).abs() < 1e-12);
    // even labels 0, 2, 2: 2·x0, 4·x2; positive 0, 2, 3: cos; above 0.5: x0, x2 → 2·x1 term.
    let expected = [
        2.0 * x[0] + x[0].cos(),
        2.0,
        4.0 * x[2] + x[2].cos(),
        x[3].cos(),
    ];
    assert_all_closed("gradient", &grad, &expected);
    assert_fd_all("filtered_sums", |x| filtered_sums(x, &labels), &x, &grad);
}

/// A constant collection changed in a loop (`retain`, `pop`, `push`) whose
/// length is read per iteration: the length is saved, not read back at its
/// final value (it was: a silently wrong gradient). Also a fresh copy
/// retained inside the loop.
#[differentiate(wrt = [x, w])]
fn shrinking_labels(x: &[f64], w: f64, labels: &[usize]) -> f64 {
    let mut s = 0.0;
    let mut l = labels.to_vec();
    let mut grown: Vec<usize> = Vec::new();
    for i in 0..4 {
        l.retain(|&a| a != i);
        grown.push(i);
        let mut fresh = labels.to_vec();
        fresh.retain(|&a| a > i);
        s = s * w + (l.len() + grown.len() + fresh.len()) as f64 * x[i];
    }
    s
}

/// A comparator reading a local, `max_by_key` of labels, `min_by` of a
/// range, and integer sums of constants (`sum::<usize>()`, typed by the
/// `let`, of a mapped chain, and a product).
#[differentiate(wrt = [x, w])]
fn locals_in_comparators(x: &[f64], w: f64, labels: &[usize]) -> f64 {
    let y = x.to_vec();
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| y[a].total_cmp(&y[b]));
    let top = labels.iter().max_by_key(|&&l| l).copied().unwrap_or(0);
    let lowest = (0..x.len())
        .min_by(|&a, &b| x[a].total_cmp(&x[b]))
        .unwrap_or(0);
    let m: usize = labels.iter().sum();
    let k = labels.iter().map(|&l| l * 2).sum::<usize>();
    let p = labels.iter().map(|&l| l + 1).product::<usize>();
    x[order[0]] * w + x[top] * x[lowest] + (m + k + p) as f64 * w
}

#[test]
fn lengths_of_changing_constants_and_locals_in_comparators() {
    let x = [0.7, -0.4, 0.3, 1.1];
    let labels = [2, 0, 3, 1];
    let w = 0.6;
    let (value, (dx, dw)) = shrinking_labels_grad(&x, w, &labels);
    assert!((value - shrinking_labels(&x, w, &labels)).abs() < 1e-12);
    assert_fd_all(
        "shrinking d/dx",
        |x| shrinking_labels(x, w, &labels),
        &x,
        &dx,
    );
    assert!((dw - common::central_diff(|w| shrinking_labels(&x, w, &labels), w)).abs() < 1e-6);
    let (value, (dx, dw)) = locals_in_comparators_grad(&x, w, &labels);
    // order[0] = 1 (x = -0.4), top = 3, lowest = 1; m = 6, k = 12, p = 24.
    assert_all_closed("value", &[value], &[-0.4 * w + 1.1 * -0.4 + 42.0 * w]);
    assert_all_closed("d/dx", &dx, &[0.0, w + 1.1, 0.0, -0.4]);
    assert_all_closed("d/dw", &[dw], &[-0.4 + 42.0]);
}
