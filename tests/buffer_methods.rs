//! Methods that rearrange float buffers (`swap`, `fill`, `reverse`,
//! `copy_from_slice`, `extend_from_slice`, `sort_by`), `&mut` places bound by
//! `let`, borrows of buffers, `Box<f64>`, and `Vec<Vec<f64>>` parameters:
//! each against finite differences.
// The functions are written as users write them, not as clippy would.
#![allow(clippy::needless_range_loop, clippy::ptr_arg, clippy::useless_vec)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

#[differentiate]
fn rearranged(x: &[f64]) -> f64 {
    let mut y = x.to_vec();
    y.swap(0, 2);
    let mut z = vec![0.0; x.len()];
    z.copy_from_slice(&y);
    z.reverse();
    let mut w: Vec<f64> = Vec::new();
    w.extend_from_slice(&z[1..]);
    w.push(x[0] * 3.0);
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * (i as f64 + 1.0);
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = sorted[sorted.len() / 2];
    let mut scratch = vec![1.0; 3];
    scratch.fill(x[1]);
    s + median * 10.0 + scratch[2] * 100.0
}

#[test]
fn buffers_rearranged_by_methods() {
    for x in [[0.3, -1.2, 0.8, 2.0], [1.5, 0.2, -0.7, 0.1]] {
        let (value, grad) = rearranged_grad(&x);
        assert_closed("value", value, rearranged(&x));
        assert_fd_all("x", rearranged, &x, &grad);
    }
}

/// Rows exchanged, sorted descending with `sort_unstable_by`.
#[differentiate]
fn rows_and_descending(m: &[[f64; 2]], v: &[f64]) -> f64 {
    let mut a = m.to_vec();
    a.swap(0, 1);
    let mut d = v.to_vec();
    d.sort_unstable_by(|p, q| q.total_cmp(p));
    a[0][0] * 2.0 + a[1][1] + d[0] * 3.0 - d[d.len() - 1]
}

#[test]
fn rows_swapped_and_values_sorted() {
    let (value, (dm, dv)) = rows_and_descending_grad(&[[1.0, 2.0], [3.0, 4.0]], &[0.5, 2.5, -1.0]);
    assert_closed("value", value, 6.0 + 2.0 + 7.5 + 1.0);
    assert_eq!(dm, vec![[0.0, 1.0], [2.0, 0.0]]);
    assert_eq!(dv, vec![0.0, 3.0, -1.0]);
}

/// `let e = &mut y[i]; *e += ..`, `let r = &y;`, `let q = &s; *q`.
#[differentiate]
fn borrows(x: &[f64], w: f64) -> f64 {
    let mut y = x.to_vec();
    for i in 0..y.len() {
        let e = &mut y[i];
        *e += w * 2.0;
        *e = e.powi(2);
    }
    let r = &y;
    let s: f64 = r.iter().sum();
    let q = &s;
    *q * 0.5
}

#[differentiate]
fn boxed(x: f64) -> f64 {
    let b = Box::new(x * 2.0);
    let c: Box<f64> = Box::new(*b + 1.0);
    *b * *c
}

#[test]
fn borrows_and_boxes() {
    let (value, (dx, dw)) = borrows_grad(&[1.0, 2.0], 0.5);
    assert_closed("value", value, 6.5);
    assert_eq!(dx, vec![2.0, 3.0]);
    assert_closed("d/dw", dw, 10.0);
    let (value, dx) = boxed_grad(1.5);
    assert_closed("value", value, 12.0);
    assert_closed("d/dx", dx, 14.0);
}

#[differentiate]
fn nested_vectors(m: &[Vec<f64>], w: &Vec<Vec<f64>>) -> f64 {
    let mut s = 0.0;
    for row in m {
        for v in row {
            s += v * v;
        }
    }
    s + m[0][1] * m[1][0] + w.iter().map(|r| r.iter().sum::<f64>().tanh()).sum::<f64>()
}

#[test]
fn vec_of_vec_parameters() {
    let m = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
    let w = vec![vec![0.1, -0.2, 0.3]];
    let (value, (dm, dw)) = nested_vectors_grad(&m, &w);
    assert_closed("value", value, 36.0 + 0.2f64.tanh());
    assert_eq!(dm, vec![vec![2.0, 7.0], vec![8.0, 8.0]]);
    for entry in &dw[0] {
        assert_closed("d/dw", *entry, 1.0 - 0.2f64.tanh().powi(2));
    }
}
