//! Closures passed to methods of constants, kept as written
//! (`lower/kept_closure.rs`): searches, counts and sorts over labels and
//! indices, as classification and sorting code writes them. Their results are
//! positions, bools, counts or items of constant collections, so the
//! gradient flows only through the buffer reads they choose.

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
