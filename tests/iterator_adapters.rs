//! `filter` in chains over buffers (then `map`, `sum`, `fold`, `collect`, or
//! a `for` loop), and the extremes and reductions `max_by`, `min_by`,
//! `reduce` (with `unwrap`, `unwrap_or`, `if let`). Each against finite
//! differences at points away from the kinks.

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

#[differentiate]
fn positive_part_energy(w: &[f64], x: &[f64]) -> f64 {
    let z: Vec<f64> = w.iter().zip(x).map(|(a, b)| a * b - 0.1).collect();
    z.into_iter().filter(|&t| t > 0.0).map(|t| t * t).sum()
}

#[differentiate]
fn even_positions_and_large_values(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        s += v * v * (i as f64 + 1.0);
    }
    s + x
        .iter()
        .filter(|v| **v > 0.4)
        .map(|v| v.sin())
        .fold(0.0, |a, b| a + b)
}

#[differentiate]
fn product_of_the_doubled_large(x: &[f64]) -> f64 {
    let big: Vec<f64> = x.iter().map(|v| v * 2.0).filter(|&v| v > 1.1).collect();
    big.iter().product::<f64>() + big.len() as f64
}

#[test]
fn filters() {
    let w = [0.3, -0.5, 0.9, 1.1, 0.2];
    let x = [1.0, 0.5, -0.7, 0.8, 2.0];
    let (value, (gw, gx)) = positive_part_energy_grad(&w, &x);
    assert_closed("value", value, positive_part_energy(&w, &x));
    assert_fd_all("w", |w| positive_part_energy(w, &x), &w, &gw);
    assert_fd_all("x", |x| positive_part_energy(&w, x), &x, &gx);

    let (value, grad) = even_positions_and_large_values_grad(&w);
    assert_closed("value", value, even_positions_and_large_values(&w));
    assert_fd_all("even", even_positions_and_large_values, &w, &grad);

    let (value, grad) = product_of_the_doubled_large_grad(&x);
    assert_closed("value", value, 2.0 * 1.6 * 4.0 + 3.0);
    assert_fd_all("doubled", product_of_the_doubled_large, &x, &grad);
}

#[differentiate]
fn smooth_max(x: &[f64], beta: f64) -> f64 {
    let m = *x.iter().max_by(|a, b| a.partial_cmp(b).unwrap()).unwrap();
    m + x.iter().map(|v| (beta * (v - m)).exp()).sum::<f64>().ln() / beta
}

#[differentiate]
fn extremes_and_reductions(x: &[f64]) -> f64 {
    let lo = x
        .iter()
        .copied()
        .min_by(|a, b| a.total_cmp(b))
        .unwrap_or(0.0);
    let hi = x.iter().copied().reduce(f64::max).unwrap();
    let s = x[1..].iter().copied().reduce(|a, b| a + b * b).unwrap();
    if let Some(v) = x.iter().max_by(|a, b| a.total_cmp(b)) {
        hi * lo + s + v.sin()
    } else {
        0.0
    }
}

#[test]
fn extremes() {
    let x = [0.3, -0.5, 0.9, 1.1, 0.2];
    let (value, (grad, dbeta)) = smooth_max_grad(&x, 2.0);
    assert_closed("value", value, smooth_max(&x, 2.0));
    assert_fd_all("x", |x| smooth_max(x, 2.0), &x, &grad);
    assert_fd_all("beta", |b| smooth_max(&x, b[0]), &[2.0], &[dbeta]);

    let (value, grad) = extremes_and_reductions_grad(&x);
    let s = -0.5 + 0.81 + 1.21 + 0.04;
    assert_closed("value", value, 1.1 * -0.5 + s + 1.1f64.sin());
    assert_fd_all("extremes", extremes_and_reductions, &x, &grad);
}
