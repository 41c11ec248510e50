//! Loops and iterator chains over constants beside differentiated buffers, as
//! classification code writes them: integer labels, index ranges, coefficient
//! tables. The items of a constant collection are Rust references where Rust
//! says so (`for &label in labels`), and a buffer zipped with a constant
//! collection or a range stops at the shorter, as `zip` does.

mod common;

use common::{assert_all_closed, assert_fd_all};
use gradmacro::differentiate;

const COEFFICIENTS: [f64; 3] = [0.5, -1.5, 2.0];

/// `Σ w[label]` over integer labels taken by `&label`.
#[differentiate(wrt = w)]
fn count_by_label(w: &[f64], labels: &[usize]) -> f64 {
    let mut total = 0.0;
    for &label in labels {
        total += w[label] * w[label];
    }
    total
}

/// `Σ_i i · w[labels[i]]` with `(i, &label)` from `enumerate`.
#[differentiate(wrt = w)]
fn weighted_by_position(w: &[f64], labels: &[usize]) -> f64 {
    let mut total = 0.0;
    for (i, &label) in labels.iter().enumerate() {
        total += w[label] * (i as f64 + 1.0);
    }
    total
}

/// A buffer zipped with labels in the four spellings: the slice, `.iter()`,
/// `.iter().copied()` (items by value), and a `for` pattern.
#[differentiate(wrt = [w, xs])]
fn zipped_with_labels(w: &[f64], xs: &[f64], labels: &[usize]) -> f64 {
    let mut total = 0.0;
    for (&x, &label) in xs.iter().zip(labels) {
        total += w[label] * x;
    }
    let squares: f64 = xs
        .iter()
        .zip(labels.iter())
        .map(|(x, &label)| x * x * w[label])
        .sum();
    let scaled: f64 = xs
        .iter()
        .zip(labels.iter().copied())
        .map(|(x, label)| x * label as f64)
        .sum();
    total + squares + scaled
}

/// A buffer zipped with a range (`1..`-style offsets) and a constant table.
#[differentiate(wrt = x)]
fn zipped_with_range_and_table(x: &[f64]) -> f64 {
    let ramp: f64 = x.iter().zip(1..10).map(|(v, k)| v * v * k as f64).sum();
    let mut table = 0.0;
    for (v, &c) in x.iter().zip(COEFFICIENTS.iter()) {
        table += c * v.sin();
    }
    ramp + table
}

#[test]
fn loops_over_integer_labels() {
    let (w, labels) = ([0.3, -1.2, 2.0], [2, 0, 2, 1]);
    let (value, grad) = count_by_label_grad(&w, &labels);
    assert_eq!(value, count_by_label(&w, &labels));
    // Each entry: 2 w_c times the count of label c.
    assert_all_closed("count", &grad, &[2.0 * 0.3, 2.0 * -1.2, 2.0 * 2.0 * 2.0]);
    let (value, grad) = weighted_by_position_grad(&w, &labels);
    assert_eq!(value, weighted_by_position(&w, &labels));
    assert_all_closed("position", &grad, &[2.0, 4.0, 1.0 + 3.0]);
}

#[test]
fn buffers_zipped_with_labels() {
    let (w, xs, labels) = ([0.3, -1.2, 2.0], [0.5, -0.25, 1.5, 2.0], [1, 0, 2]);
    let (value, (dw, dxs)) = zipped_with_labels_grad(&w, &xs, &labels);
    assert_eq!(value, zipped_with_labels(&w, &xs, &labels));
    // zip stops at the three labels: xs[3] has no effect.
    assert_eq!(dxs[3], 0.0);
    let at: Vec<f64> = w.iter().chain(&xs).copied().collect();
    let grad: Vec<f64> = dw.iter().chain(&dxs).copied().collect();
    assert_fd_all(
        "zipped with labels",
        |p| zipped_with_labels(&p[..3], &p[3..], &labels),
        &at,
        &grad,
    );
}

#[test]
fn buffers_zipped_with_ranges_and_tables() {
    let x = [0.4, -0.7, 1.1, 0.2];
    let (value, grad) = zipped_with_range_and_table_grad(&x);
    assert_eq!(value, zipped_with_range_and_table(&x));
    // d/dx_i: 2 x_i (i + 1) + c_i cos x_i for the first three, 2 x_3 · 4 for the last.
    let closed: Vec<f64> = (0..4)
        .map(|i| {
            let table = COEFFICIENTS.get(i).map_or(0.0, |c| c * x[i].cos());
            2.0 * x[i] * (i as f64 + 1.0) + table
        })
        .collect();
    assert_all_closed("range and table", &grad, &closed);
    assert_fd_all("range and table", zipped_with_range_and_table, &x, &grad);
}
