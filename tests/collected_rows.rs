//! Collections of rows built by `collect`: `Vec<Vec<f64>>` from sliced
//! copies, `Vec<&[f64]>` from `chunks_exact` and `windows`; rows swapped and
//! updated in place afterwards. Each against finite differences.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

/// Determinant by elimination with partial pivoting on a matrix collected
/// from row-major storage.
#[differentiate]
fn pivoted_determinant(m: &[f64], n: usize) -> f64 {
    let mut a: Vec<Vec<f64>> = (0..n).map(|i| m[i * n..(i + 1) * n].to_vec()).collect();
    let mut det = 1.0;
    for k in 0..n {
        let mut p = k;
        for i in k + 1..n {
            if a[i][k].abs() > a[p][k].abs() {
                p = i;
            }
        }
        if p != k {
            a.swap(p, k);
            det = -det;
        }
        det *= a[k][k];
        for i in k + 1..n {
            let factor = a[i][k] / a[k][k];
            for j in k..n {
                a[i][j] -= factor * a[k][j];
            }
        }
    }
    det
}

/// Pairwise distances between points packed as triples.
#[differentiate(wrt = pos)]
fn pair_energy(pos: &[f64], weights: &[f64]) -> f64 {
    let points: Vec<&[f64]> = pos.chunks_exact(3).collect();
    let mut e = 0.0;
    for i in 0..points.len() {
        for j in i + 1..points.len() {
            let d: f64 = points[i]
                .iter()
                .zip(points[j])
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            e += weights[i] * weights[j] / d.sqrt();
        }
    }
    e
}

/// Windows copied into rows, then a column of products collected.
#[differentiate]
fn windowed_products(x: &[f64]) -> f64 {
    let rows: Vec<Vec<f64>> = x.windows(2).map(|w| w.to_vec()).collect();
    let products: Vec<f64> = rows.iter().map(|w| w[0] * w[1]).collect();
    products.iter().sum::<f64>() + rows[1][1]
}

#[test]
fn collected_rows_carry_their_adjoints() {
    let m = [2.0, 1.0, 0.5, 0.3, 3.0, 1.0, 1.5, 0.2, 1.0];
    let (value, grad) = pivoted_determinant_grad(&m, 3);
    assert_closed("det", value, pivoted_determinant(&m, 3));
    // The gradient of a determinant is its cofactor matrix.
    assert_closed("d/dm00", grad[0], 3.0 * 1.0 - 1.0 * 0.2);
    assert_fd_all("det", |m| pivoted_determinant(m, 3), &m, &grad);

    let pos = [0.1, 0.2, 0.3, 1.0, -0.5, 0.2, 0.4, 0.9, -1.0];
    let weights = [1.0, 2.0, 0.5];
    let (value, grad) = pair_energy_grad(&pos, &weights);
    assert_closed("energy", value, pair_energy(&pos, &weights));
    assert_fd_all("energy", |p| pair_energy(p, &weights), &pos, &grad);

    let (value, grad) = windowed_products_grad(&pos);
    assert_closed("products", value, windowed_products(&pos));
    assert_fd_all("products", windowed_products, &pos, &grad);
}
