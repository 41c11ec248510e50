//! Slices, arrays and buffers under `#[differentiate]`.
//!
//! Every parameter shape of the contract, each with an assertion on the TYPE of
//! its gradient (`&[f64]` and `&Vec<f64>` → `Vec<f64>`, `[f64; N]` → `[f64; N]`,
//! `[[f64; M]; N]` → `[[f64; M]; N]`, `&[[f64; M]]` → `Vec<[f64; M]>`, and the
//! `f32` versions); indexing reads and writes (`x[i]`, `m[r][c]`,
//! `buf[i] += ...`), `.len()`, and index arithmetic on integers (`x[i + 1] − x[i]`,
//! `x[n − 1 − i]`, `x[(i + 1) % n]`, `x[2 * i + 1]`); local buffers
//! (`vec![0.0; n]`, `x.to_vec()`, `[0.0; N]`, `[[0.0; M]; N]`,
//! `Vec::with_capacity` + `push`) read and overwritten inside loops; the iteration
//! forms Rust programmers write (`for v in x.iter()`, `for &v in x`,
//! `for v in &buf`, `for v in array`, `.enumerate()`, `.zip(..)`,
//! `.map(..).sum::<f64>()`, `.fold(f64::NEG_INFINITY, f64::max)`, `.product()`);
//! and small models written with them (dense layers, softmax cross-entropy, the
//! extended Rosenbrock function, a two-layer network, a recurrent cell).
//!
//! Each gradient is checked against central finite differences of the original
//! function (which `#[differentiate]` emits unchanged), and against a closed form
//! where one exists; the seeds' results (∇‖x‖² = 2x, ∇‖X‖²_F = 2X) exactly. The
//! value returned by `NAME_grad` must be the original's value exactly. Points are
//! chosen away from every branch boundary, so the difference quotient only sees
//! one smooth piece.

// Index loops over several arrays at once are the point of these tests.
#![allow(clippy::needless_range_loop)]
// `&Vec<f64>` is one of the parameter shapes under test.
#![allow(clippy::ptr_arg)]
// The gradients' types are spelled out on purpose: they are part of the contract.
#![allow(clippy::type_complexity)]
// A C-style element-by-element copy back into a buffer is one of the patterns
// under test.
#![allow(clippy::manual_memcpy)]

mod common;

use common::{
    array, assert_all_close_f32, assert_all_closed, assert_close_abs, assert_closed, assert_fd_all,
    assert_fd_all_f32, flatten, matrix, rows,
};
use gradmacro::differentiate;

/// The entries of several parameters one after the other, as one point for
/// finite differences over all of them at once.
fn concat(parts: &[&[f64]]) -> Vec<f64> {
    parts.concat()
}

// ---------------------------------------------------------------------------
// The seeds: ∇‖x‖² = 2x and ∇‖X‖²_F = 2X, in every shape
// ---------------------------------------------------------------------------

/// ‖x‖² with an index loop up to `x.len()`.
#[differentiate]
fn squared_norm(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    s
}

#[test]
fn seed_gradient_of_the_squared_norm_of_a_slice_is_2x() {
    for x in [vec![3.0, -1.5, 0.25, 2.0, -0.125], vec![0.7], vec![]] {
        let (value, g): (f64, Vec<f64>) = squared_norm_grad(&x);
        assert_eq!(value, squared_norm(&x));
        let two_x: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        assert_eq!(g, two_x, "∇‖x‖² = 2x at {x:?}");
        assert_fd_all("‖x‖²", squared_norm, &x, &g);
    }
}

/// ‖x‖² of an array, with `powi`.
#[differentiate]
fn squared_norm_of_array(x: [f64; 4]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].powi(2);
    }
    s
}

#[test]
fn seed_gradient_of_the_squared_norm_of_an_array_is_2x() {
    for x in [[3.0, -1.5, 0.25, 2.0], [0.0, 1e-3, -7.0, 0.5]] {
        let (value, g): (f64, [f64; 4]) = squared_norm_of_array_grad(x);
        assert_eq!(value, squared_norm_of_array(x));
        assert_eq!(g, x.map(|v| 2.0 * v), "∇‖x‖² = 2x at {x:?}");
        assert_fd_all("‖x‖² (array)", |p| squared_norm_of_array(array(p)), &x, &g);
    }
}

/// ‖X‖²_F of a 2 × 3 nested array, reading `m[r][c]`.
#[differentiate]
fn squared_frobenius_norm(m: [[f64; 3]; 2]) -> f64 {
    let mut s = 0.0;
    for r in 0..2 {
        for c in 0..3 {
            s += m[r][c] * m[r][c];
        }
    }
    s
}

#[test]
fn seed_gradient_of_the_squared_frobenius_norm_of_a_nested_array_is_2x() {
    let m = [[1.5, -2.0, 0.25], [3.0, 0.5, -0.75]];
    let (value, g): (f64, [[f64; 3]; 2]) = squared_frobenius_norm_grad(m);
    assert_eq!(value, squared_frobenius_norm(m));
    assert_eq!(g, m.map(|row| row.map(|v| 2.0 * v)), "∇‖X‖²_F = 2X");
    assert_fd_all(
        "‖X‖²_F",
        |p| squared_frobenius_norm(matrix(p)),
        &flatten(&m),
        &flatten(&g),
    );
}

// ---------------------------------------------------------------------------
// Every parameter shape
// ---------------------------------------------------------------------------

/// The population variance of a `&Vec<f64>`, with `.len()` and index loops.
#[differentiate]
fn variance(x: &Vec<f64>) -> f64 {
    let n = x.len() as f64;
    let mut mean = 0.0;
    for i in 0..x.len() {
        mean += x[i];
    }
    mean /= n;
    let mut ss = 0.0;
    for i in 0..x.len() {
        let d = x[i] - mean;
        ss += d * d;
    }
    ss / n
}

#[test]
fn vec_reference_parameter_gives_a_vec_gradient() {
    let x = vec![2.0, -1.0, 0.5, 4.0, 1.25];
    let (value, g): (f64, Vec<f64>) = variance_grad(&x);
    assert_eq!(value, variance(&x));
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let expected: Vec<f64> = x.iter().map(|v| 2.0 * (v - mean) / n).collect();
    assert_all_closed("∇ var", &g, &expected);
    assert_fd_all("variance", |p| variance(&p.to_vec()), &x, &g);
}

/// Sum of squared distances of 2-D points to a center, iterating over the rows.
#[differentiate]
fn spread(points: &[[f64; 2]], center: [f64; 2]) -> f64 {
    let mut total = 0.0;
    for p in points.iter() {
        let dx = p[0] - center[0];
        let dy = p[1] - center[1];
        total += dx * dx + dy * dy;
    }
    total
}

#[test]
fn slice_of_arrays_parameter_gives_a_vec_of_arrays() {
    let points = [[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0]];
    let center = [0.5, 0.75];
    let (value, (dpoints, dcenter)): (f64, (Vec<[f64; 2]>, [f64; 2])) =
        spread_grad(&points, center);
    assert_eq!(value, spread(&points, center));
    let expected: Vec<[f64; 2]> = points
        .iter()
        .map(|p| [2.0 * (p[0] - center[0]), 2.0 * (p[1] - center[1])])
        .collect();
    assert_all_closed("∂/∂points", &flatten(&dpoints), &flatten(&expected));
    for d in 0..2 {
        let e: f64 = points.iter().map(|p| -2.0 * (p[d] - center[d])).sum();
        assert_closed("∂/∂center", dcenter[d], e);
    }
    let k = 2 * points.len();
    assert_fd_all(
        "spread",
        |q| spread(&rows(&q[..k]), array(&q[k..])),
        &concat(&[&flatten(&points), &center]),
        &concat(&[&flatten(&dpoints), &dcenter]),
    );
}

/// Σ wᵢ ln cosh xᵢ over an `f32` slice and an `f32` `&Vec`.
#[differentiate]
fn f32_weighted_log_cosh(x: &[f32], w: &Vec<f32>) -> f32 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += w[i] * x[i].cosh().ln();
    }
    s
}

/// The mean square of an `f32` slice, with `map` and `sum::<f32>()`.
#[differentiate]
fn f32_mean_square(x: &[f32]) -> f32 {
    x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32
}

#[test]
fn f32_slice_and_vec_parameters() {
    let x = [0.5_f32, -1.25, 2.0, 0.1];
    let w = vec![1.5_f32, 0.5, -0.75, 2.0];
    let (value, (dx, dw)): (f32, (Vec<f32>, Vec<f32>)) = f32_weighted_log_cosh_grad(&x, &w);
    assert_eq!(value, f32_weighted_log_cosh(&x, &w));
    let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let w64: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
    let ex: Vec<f64> = x64.iter().zip(&w64).map(|(x, w)| w * x.tanh()).collect();
    let ew: Vec<f64> = x64.iter().map(|x| x.cosh().ln()).collect();
    assert_all_close_f32("∂/∂x", &dx, &ex, 1e-5, 1e-6);
    assert_all_close_f32("∂/∂w", &dw, &ew, 1e-5, 1e-6);
    assert_fd_all_f32(
        "f32 Σ w ln cosh x, along x",
        |p| f32_weighted_log_cosh(p, &w),
        &x,
        &dx,
    );
    assert_fd_all_f32(
        "f32 Σ w ln cosh x, along w",
        |p| f32_weighted_log_cosh(&x, &p.to_vec()),
        &w,
        &dw,
    );

    let (value, g): (f32, Vec<f32>) = f32_mean_square_grad(&x);
    assert_eq!(value, f32_mean_square(&x));
    let expected: Vec<f64> = x64.iter().map(|v| 2.0 * v / 4.0).collect();
    assert_all_close_f32("∇ mean square", &g, &expected, 1e-6, 1e-7);
    assert_fd_all_f32("f32 mean square", f32_mean_square, &x, &g);
}

/// Σ_k uᵀ M r_k with an `f32` array, an `f32` nested array and an `f32` slice of
/// arrays.
#[differentiate]
fn f32_bilinear(u: [f32; 3], m: [[f32; 2]; 3], rs: &[[f32; 2]]) -> f32 {
    let mut s = 0.0;
    for k in 0..rs.len() {
        for i in 0..3 {
            for j in 0..2 {
                s += u[i] * m[i][j] * rs[k][j];
            }
        }
    }
    s
}

#[test]
fn f32_array_nested_array_and_slice_of_arrays() {
    let u = [0.5_f32, -1.0, 2.0];
    let m = [[1.0_f32, 0.5], [-0.25, 2.0], [0.75, -1.5]];
    let rs = [[1.0_f32, -2.0], [0.5, 0.25]];
    let (value, (du, dm, drs)): (f32, ([f32; 3], [[f32; 2]; 3], Vec<[f32; 2]>)) =
        f32_bilinear_grad(u, m, &rs);
    assert_eq!(value, f32_bilinear(u, m, &rs));
    let r_sum = [rs[0][0] + rs[1][0], rs[0][1] + rs[1][1]];
    for i in 0..3 {
        let e = m[i][0] * r_sum[0] + m[i][1] * r_sum[1];
        assert_close_abs("∂/∂u", f64::from(du[i]), f64::from(e), 1e-6, 1e-6);
        for j in 0..2 {
            let e = u[i] * r_sum[j];
            assert_close_abs("∂/∂m", f64::from(dm[i][j]), f64::from(e), 1e-6, 1e-6);
        }
    }
    for k in 0..2 {
        for j in 0..2 {
            let e: f32 = (0..3).map(|i| u[i] * m[i][j]).sum();
            assert_close_abs("∂/∂rs", f64::from(drs[k][j]), f64::from(e), 1e-6, 1e-6);
        }
    }
    assert_fd_all_f32(
        "f32 bilinear, along u",
        |p| f32_bilinear(array(p), m, &rs),
        &u,
        &du,
    );
    assert_fd_all_f32(
        "f32 bilinear, along m",
        |p| f32_bilinear(u, matrix(p), &rs),
        &flatten(&m),
        &flatten(&dm),
    );
    assert_fd_all_f32(
        "f32 bilinear, along rs",
        |p| f32_bilinear(u, m, &rows(p)),
        &flatten(&rs),
        &flatten(&drs),
    );
}

/// Mean logistic loss over a batch: a slice and a scalar in `wrt`, the data
/// (`&[[f64; 3]]` and `&[f64]`) constant. `ln(1 + e^z)` is written stably.
#[differentiate(wrt = [w, bias])]
fn logistic_loss(w: &[f64], bias: f64, xs: &[[f64; 3]], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for s in 0..xs.len() {
        let mut z = bias;
        for k in 0..w.len() {
            z += w[k] * xs[s][k];
        }
        loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - ys[s] * z;
    }
    loss / xs.len() as f64
}

#[test]
fn slice_and_scalar_in_wrt_with_constant_data() {
    let xs = [
        [1.0, 0.5, -1.5],
        [-0.5, 2.0, 0.25],
        [0.75, -1.0, 1.0],
        [2.0, 0.0, -0.5],
    ];
    let ys = [1.0, 0.0, 1.0, 0.0];
    let w = [0.4, -0.3, 0.8];
    let bias = 0.1;
    let (value, (dw, dbias)): (f64, (Vec<f64>, f64)) = logistic_loss_grad(&w, bias, &xs, &ys);
    assert_eq!(value, logistic_loss(&w, bias, &xs, &ys));
    let n = xs.len() as f64;
    let (mut ew, mut eb) = (vec![0.0; 3], 0.0);
    for (x, y) in xs.iter().zip(ys) {
        let z = bias + w[0] * x[0] + w[1] * x[1] + w[2] * x[2];
        assert!(
            z.abs() > 1e-3,
            "the point must stay away from the kink of |z|"
        );
        let residual = 1.0 / (1.0 + (-z).exp()) - y;
        for k in 0..3 {
            ew[k] += residual * x[k] / n;
        }
        eb += residual / n;
    }
    assert_all_closed("∂/∂w", &dw, &ew);
    assert_closed("∂/∂bias", dbias, eb);
    assert_fd_all(
        "logistic loss",
        |p| logistic_loss(&p[..3], p[3], &xs, &ys),
        &[w[0], w[1], w[2], bias],
        &concat(&[&dw, &[dbias]]),
    );
}

// ---------------------------------------------------------------------------
// Indexing: reads, writes, `m[r][c]`, index arithmetic
// ---------------------------------------------------------------------------

/// Normalises a `mut` array parameter in place (`x[i] /= norm`), then projects it
/// on (1, 2, 3): the gradient is with respect to the values passed in.
#[differentiate]
fn normalized_projection(mut x: [f64; 3]) -> f64 {
    let norm = (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt();
    for i in 0..3 {
        x[i] /= norm;
    }
    x[0] + 2.0 * x[1] + 3.0 * x[2]
}

#[test]
fn writes_into_a_mut_array_parameter() {
    for x in [[1.0, -2.0, 0.5], [0.3, 0.4, 1.2]] {
        let (value, g): (f64, [f64; 3]) = normalized_projection_grad(x);
        assert_eq!(value, normalized_projection(x));
        // ∇ (c·x / ‖x‖) = c / ‖x‖ − (c·x) x / ‖x‖³
        let c = [1.0, 2.0, 3.0];
        let norm = (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt();
        let cx = c[0] * x[0] + c[1] * x[1] + c[2] * x[2];
        for i in 0..3 {
            assert_closed("∂/∂x", g[i], c[i] / norm - cx * x[i] / norm.powi(3));
        }
        assert_fd_all("c·x/‖x‖", |p| normalized_projection(array(p)), &x, &g);
    }
}

const DIM: usize = 3;

/// xᵀ A x over nested arrays whose length is a named constant.
#[differentiate]
fn quadratic_form(a: [[f64; DIM]; DIM], x: [f64; DIM]) -> f64 {
    let mut q = 0.0;
    for r in 0..DIM {
        for c in 0..DIM {
            q += x[r] * a[r][c] * x[c];
        }
    }
    q
}

#[test]
fn quadratic_form_reads_matrix_entries() {
    let a = [[2.0, -1.0, 0.5], [0.25, 3.0, -2.0], [1.5, 0.0, -0.75]];
    let x = [0.5, -1.5, 2.0];
    let (value, (da, dx)): (f64, ([[f64; DIM]; DIM], [f64; DIM])) = quadratic_form_grad(a, x);
    assert_eq!(value, quadratic_form(a, x));
    for r in 0..DIM {
        // ∂/∂x = (A + Aᵀ) x, ∂/∂A = x xᵀ
        let e: f64 = (0..DIM).map(|c| (a[r][c] + a[c][r]) * x[c]).sum();
        assert_closed("∂/∂x", dx[r], e);
        for c in 0..DIM {
            assert_closed("∂/∂A", da[r][c], x[r] * x[c]);
        }
    }
    assert_fd_all(
        "xᵀAx",
        |p| quadratic_form(matrix(&p[..9]), array(&p[9..])),
        &concat(&[&flatten(&a), &x]),
        &concat(&[&flatten(&da), &dx]),
    );
}

/// Sums the entries into `bins` buckets (`buf[i % bins] += x[i]`) in a
/// `vec![0.0; bins]`, then the energy of the buckets.
#[differentiate(wrt = x)]
fn binned_energy(x: &[f64], bins: usize) -> f64 {
    let mut sums = vec![0.0; bins];
    for i in 0..x.len() {
        sums[i % bins] += x[i];
    }
    let mut e = 0.0;
    for b in 0..bins {
        e += sums[b] * sums[b];
    }
    e
}

#[test]
fn compound_assignment_into_a_zeroed_vec() {
    let x = [0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 3.0];
    for bins in [1_usize, 3, 7, 10] {
        let (value, g): (f64, Vec<f64>) = binned_energy_grad(&x, bins);
        assert_eq!(value, binned_energy(&x, bins));
        let mut sums = vec![0.0; bins];
        for (i, v) in x.iter().enumerate() {
            sums[i % bins] += v;
        }
        let expected: Vec<f64> = (0..x.len()).map(|i| 2.0 * sums[i % bins]).collect();
        assert_all_closed("∂/∂x", &g, &expected);
        assert_fd_all("binned energy", |p| binned_energy(p, bins), &x, &g);
    }
}

/// Σ (x[i + 1] − x[i])².
#[differentiate]
fn roughness(x: &[f64]) -> f64 {
    let mut r = 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i];
        r += d * d;
    }
    r
}

#[test]
fn forward_differences_index_arithmetic() {
    for x in [vec![1.0, 3.0], vec![0.5, -1.0, 2.0, 2.5, -0.25, 1.0]] {
        let (value, g): (f64, Vec<f64>) = roughness_grad(&x);
        assert_eq!(value, roughness(&x));
        let n = x.len();
        let expected: Vec<f64> = (0..n)
            .map(|k| {
                let from_left = if k > 0 { 2.0 * (x[k] - x[k - 1]) } else { 0.0 };
                let from_right = if k + 1 < n {
                    -2.0 * (x[k + 1] - x[k])
                } else {
                    0.0
                };
                from_left + from_right
            })
            .collect();
        assert_all_closed("∂/∂x", &g, &expected);
        assert_fd_all("roughness", roughness, &x, &g);
    }
}

/// Σ (x[i] − x[n − 1 − i])²: how far `x` is from a palindrome.
#[differentiate]
fn asymmetry(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = 0.0;
    for i in 0..n {
        a += (x[i] - x[n - 1 - i]).powi(2);
    }
    a
}

#[test]
fn reversed_index() {
    for x in [vec![1.0, -2.0, 0.5, 3.0], vec![0.25, 1.0, -1.5, 2.0, 0.75]] {
        let (value, g): (f64, Vec<f64>) = asymmetry_grad(&x);
        assert_eq!(value, asymmetry(&x));
        let n = x.len();
        // Both terms i = k and i = n − 1 − k contribute 2 (x_k − x_{n−1−k}).
        let expected: Vec<f64> = (0..n).map(|k| 4.0 * (x[k] - x[n - 1 - k])).collect();
        assert_all_closed("∂/∂x", &g, &expected);
        assert_fd_all("asymmetry", asymmetry, &x, &g);
    }
}

/// Σ x[i] x[(i + 1) % n]: nearest neighbours on a ring.
#[differentiate]
fn ring_coupling(x: &[f64]) -> f64 {
    let n = x.len();
    let mut e = 0.0;
    for i in 0..n {
        e += x[i] * x[(i + 1) % n];
    }
    e
}

#[test]
fn circular_index_with_remainder() {
    for x in [vec![1.5, -0.5], vec![0.5, -1.0, 2.0, 0.25, 1.5]] {
        let (value, g): (f64, Vec<f64>) = ring_coupling_grad(&x);
        assert_eq!(value, ring_coupling(&x));
        let n = x.len();
        let expected: Vec<f64> = (0..n)
            .map(|k| x[(k + 1) % n] + x[(k + n - 1) % n])
            .collect();
        assert_all_closed("∂/∂x", &g, &expected);
        assert_fd_all("ring", ring_coupling, &x, &g);
    }
}

/// ‖A B‖²_F with the product written into a `[[0.0; 2]; 2]` buffer
/// (`c[i][j] += ...`).
#[differentiate]
fn product_frobenius(a: [[f64; 2]; 2], b: [[f64; 2]; 2]) -> f64 {
    let mut c = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            for k in 0..2 {
                c[i][j] += a[i][k] * b[k][j];
            }
        }
    }
    let mut s = 0.0;
    for i in 0..2 {
        for j in 0..2 {
            s += c[i][j] * c[i][j];
        }
    }
    s
}

#[test]
fn writes_into_a_nested_array_buffer() {
    let a = [[1.0, -0.5], [2.0, 0.25]];
    let b = [[0.5, 1.5], [-1.0, 0.75]];
    let (value, (da, db)): (f64, ([[f64; 2]; 2], [[f64; 2]; 2])) = product_frobenius_grad(a, b);
    assert_eq!(value, product_frobenius(a, b));
    let c: [[f64; 2]; 2] =
        std::array::from_fn(|i| std::array::from_fn(|j| a[i][0] * b[0][j] + a[i][1] * b[1][j]));
    for i in 0..2 {
        for j in 0..2 {
            // ∂/∂A = 2 C Bᵀ, ∂/∂B = 2 Aᵀ C
            let ea = 2.0 * (c[i][0] * b[j][0] + c[i][1] * b[j][1]);
            let eb = 2.0 * (a[0][i] * c[0][j] + a[1][i] * c[1][j]);
            assert_closed("∂/∂A", da[i][j], ea);
            assert_closed("∂/∂B", db[i][j], eb);
        }
    }
    assert_fd_all(
        "‖AB‖²_F",
        |p| product_frobenius(matrix(&p[..4]), matrix(&p[4..])),
        &concat(&[&flatten(&a), &flatten(&b)]),
        &concat(&[&flatten(&da), &flatten(&db)]),
    );
}

// ---------------------------------------------------------------------------
// Local buffers read and overwritten inside loops
// ---------------------------------------------------------------------------

/// The running sum computed in place in a copy of `x`, then Σ Sₖ².
#[differentiate]
fn prefix_sum_energy(x: &[f64]) -> f64 {
    let mut s = x.to_vec();
    for i in 1..s.len() {
        s[i] += s[i - 1];
    }
    let mut e = 0.0;
    for i in 0..s.len() {
        e += s[i] * s[i];
    }
    e
}

#[test]
fn running_sum_in_place_in_a_copied_buffer() {
    for x in [vec![0.5], vec![1.0, -2.0, 0.5, 3.0, -0.25, 1.5]] {
        let (value, g): (f64, Vec<f64>) = prefix_sum_energy_grad(&x);
        assert_eq!(value, prefix_sum_energy(&x));
        let prefix: Vec<f64> = x
            .iter()
            .scan(0.0, |acc, v| {
                *acc += v;
                Some(*acc)
            })
            .collect();
        // ∂/∂x_j = 2 Σ_{k ≥ j} S_k
        let expected: Vec<f64> = (0..x.len())
            .map(|j| 2.0 * prefix[j..].iter().sum::<f64>())
            .collect();
        assert_all_closed("∂/∂x", &g, &expected);
        assert_fd_all("Σ S_k²", prefix_sum_energy, &x, &g);
    }
}

/// The running product computed in place in a copy of `x` (each overwrite loses
/// a value the reverse sweep needs), then summed with `for v in p.iter()`.
#[differentiate]
fn prefix_product_sum(x: &[f64]) -> f64 {
    let mut p = x.to_vec();
    for i in 1..p.len() {
        p[i] *= p[i - 1];
    }
    let mut total = 0.0;
    for v in p.iter() {
        total += v;
    }
    total
}

#[test]
fn running_product_in_place_in_a_copied_buffer() {
    for x in [vec![1.5, -0.5, 2.0, 0.75, -1.25], vec![2.0, 0.0, 3.0, 0.5]] {
        let (value, g): (f64, Vec<f64>) = prefix_product_sum_grad(&x);
        assert_eq!(value, prefix_product_sum(&x));
        // ∂/∂x_j = Σ_{k ≥ j} Π_{m ≤ k, m ≠ j} x_m (no division, so exact at a zero)
        let expected: Vec<f64> = (0..x.len())
            .map(|j| {
                (j..x.len())
                    .map(|k| (0..=k).filter(|&m| m != j).map(|m| x[m]).product::<f64>())
                    .sum()
            })
            .collect();
        assert_all_closed("∂/∂x", &g, &expected);
        assert_fd_all("Σ P_k", prefix_product_sum, &x, &g);
    }
}

/// Mean squared error of a line fit: the residuals are pushed into a buffer
/// made with `Vec::with_capacity`, then reduced with `for r in &residuals`.
#[differentiate(wrt = [slope, intercept])]
fn mean_squared_error(slope: f64, intercept: f64, t: &[f64], y: &[f64]) -> f64 {
    let mut residuals = Vec::with_capacity(t.len());
    for i in 0..t.len() {
        residuals.push(slope * t[i] + intercept - y[i]);
    }
    let mut sum = 0.0;
    for r in &residuals {
        sum += r * r;
    }
    sum / residuals.len() as f64
}

#[test]
fn buffer_built_with_push_then_reduced() {
    let t = [0.0, 1.0, 2.0, 3.0, 4.5];
    let y = [1.1, 2.9, 5.2, 7.1, 9.8];
    let (slope, intercept) = (1.8, 0.9);
    let (value, (dslope, dintercept)): (f64, (f64, f64)) =
        mean_squared_error_grad(slope, intercept, &t, &y);
    assert_eq!(value, mean_squared_error(slope, intercept, &t, &y));
    let n = t.len() as f64;
    let r: Vec<f64> = t
        .iter()
        .zip(&y)
        .map(|(t, y)| slope * t + intercept - y)
        .collect();
    let es: f64 = r.iter().zip(&t).map(|(r, t)| 2.0 * r * t / n).sum();
    let ei: f64 = r.iter().map(|r| 2.0 * r / n).sum();
    assert_closed("∂/∂slope", dslope, es);
    assert_closed("∂/∂intercept", dintercept, ei);
    assert_fd_all(
        "mse",
        |p| mean_squared_error(p[0], p[1], &t, &y),
        &[slope, intercept],
        &[dslope, dintercept],
    );
}

/// The softmax-weighted average of `w` under the logits `x`, through a typed
/// `Vec::with_capacity` buffer of exponentials and `let total: f64 = ...sum()`.
#[differentiate(wrt = x)]
fn softmax_average(x: &[f64], w: &[f64]) -> f64 {
    let mut e: Vec<f64> = Vec::with_capacity(x.len());
    for &v in x {
        e.push(v.exp());
    }
    let total: f64 = e.iter().sum();
    let mut avg = 0.0;
    for i in 0..e.len() {
        avg += w[i] * e[i] / total;
    }
    avg
}

#[test]
fn pushed_buffer_of_exponentials_normalised() {
    let x = [0.5, -1.0, 2.0, 0.25];
    let w = [3.0, -1.0, 0.5, 2.0];
    let (value, g): (f64, Vec<f64>) = softmax_average_grad(&x, &w);
    assert_eq!(value, softmax_average(&x, &w));
    let total: f64 = x.iter().map(|v| v.exp()).sum();
    let p: Vec<f64> = x.iter().map(|v| v.exp() / total).collect();
    let avg: f64 = p.iter().zip(&w).map(|(p, w)| p * w).sum();
    let expected: Vec<f64> = p.iter().zip(&w).map(|(p, w)| p * (w - avg)).collect();
    assert_all_closed("∂/∂x", &g, &expected);
    assert_fd_all("softmax average", |p| softmax_average(p, &w), &x, &g);
}

/// A valid 3-tap correlation into a `[0.0; 4]` scratch array, then ½ its energy.
#[differentiate]
fn correlation_energy(signal: [f64; 6], kernel: [f64; 3]) -> f64 {
    let mut out = [0.0; 4];
    for i in 0..4 {
        for j in 0..3 {
            out[i] += kernel[j] * signal[i + j];
        }
    }
    let mut e = 0.0;
    for i in 0..4 {
        e += 0.5 * out[i] * out[i];
    }
    e
}

#[test]
fn scratch_array_filled_by_a_correlation() {
    let signal = [1.0, -0.5, 2.0, 0.25, -1.5, 0.75];
    let kernel = [0.5, -1.0, 0.25];
    let (value, (ds, dk)): (f64, ([f64; 6], [f64; 3])) = correlation_energy_grad(signal, kernel);
    assert_eq!(value, correlation_energy(signal, kernel));
    let out: [f64; 4] =
        std::array::from_fn(|i| (0..3).map(|j| kernel[j] * signal[i + j]).sum::<f64>());
    for j in 0..3 {
        let e: f64 = (0..4).map(|i| out[i] * signal[i + j]).sum();
        assert_closed("∂/∂kernel", dk[j], e);
    }
    for t in 0..6 {
        let e: f64 = (0..4)
            .filter(|&i| i <= t && t - i < 3)
            .map(|i| out[i] * kernel[t - i])
            .sum();
        assert_closed("∂/∂signal", ds[t], e);
    }
    assert_fd_all(
        "correlation energy",
        |p| correlation_energy(array(&p[..6]), array(&p[6..])),
        &concat(&[&signal, &kernel]),
        &concat(&[&ds, &dk]),
    );
}

/// A two-unit recurrent cell: the state `[0.0; 2]` is overwritten with `tanh`
/// values at every step, so the reverse sweep needs every past state.
#[differentiate(wrt = [inputs, w])]
fn recurrent_cell(inputs: &[f64], w: [[f64; 2]; 2]) -> f64 {
    let mut h = [0.0; 2];
    for t in 0..inputs.len() {
        let a = (w[0][0] * h[0] + w[0][1] * h[1] + inputs[t]).tanh();
        let b = (w[1][0] * h[0] + w[1][1] * h[1] - inputs[t]).tanh();
        h[0] = a;
        h[1] = b;
    }
    h[0] * h[0] + h[1]
}

#[test]
fn scratch_array_state_overwritten_every_step() {
    let inputs = [0.5, -0.25, 1.0, 0.75, -1.0, 0.3];
    let w = [[0.8, -0.6], [0.4, 1.1]];
    let (value, (dinputs, dw)): (f64, (Vec<f64>, [[f64; 2]; 2])) = recurrent_cell_grad(&inputs, w);
    assert_eq!(value, recurrent_cell(&inputs, w));
    // Forward-mode tangents of the state along every weight.
    let mut h = [0.0_f64; 2];
    let mut dh = [[[0.0_f64; 2]; 2]; 2]; // dh[unit][r][c] = ∂h_unit/∂w_rc
    for &x in &inputs {
        let pre = [
            w[0][0] * h[0] + w[0][1] * h[1] + x,
            w[1][0] * h[0] + w[1][1] * h[1] - x,
        ];
        let mut next = [[[0.0; 2]; 2]; 2];
        for u in 0..2 {
            let slope = 1.0 - pre[u].tanh().powi(2);
            for r in 0..2 {
                for c in 0..2 {
                    let direct = if r == u { h[c] } else { 0.0 };
                    let through = w[u][0] * dh[0][r][c] + w[u][1] * dh[1][r][c];
                    next[u][r][c] = slope * (direct + through);
                }
            }
        }
        dh = next;
        h = [pre[0].tanh(), pre[1].tanh()];
    }
    for r in 0..2 {
        for c in 0..2 {
            assert_closed("∂/∂w", dw[r][c], 2.0 * h[0] * dh[0][r][c] + dh[1][r][c]);
        }
    }
    let k = inputs.len();
    assert_fd_all(
        "recurrent cell",
        |p| recurrent_cell(&p[..k], matrix(&p[k..])),
        &concat(&[&inputs, &flatten(&w)]),
        &concat(&[&dinputs, &flatten(&dw)]),
    );
}

/// Relaxation sweeps in place, Gauss–Seidel style: each update reads a
/// neighbour already overwritten in the same sweep.
#[differentiate(wrt = x)]
fn relaxed(x: &[f64], sweeps: usize) -> f64 {
    let n = x.len();
    let mut u: Vec<f64> = vec![0.0; n];
    for _ in 0..sweeps {
        for i in 1..n - 1 {
            u[i] = 0.5 * (u[i - 1] + u[i + 1]).tanh() + x[i];
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += u[i] * u[i] + x[i] * u[i];
    }
    s
}

#[test]
fn vec_buffer_overwritten_over_several_sweeps() {
    let x = [0.3, -0.8, 0.5, 1.2, -0.4, 0.9, 0.1];
    for sweeps in [0_usize, 1, 4] {
        let (value, g): (f64, Vec<f64>) = relaxed_grad(&x, sweeps);
        assert_eq!(value, relaxed(&x, sweeps));
        if sweeps == 0 {
            assert_eq!(g, vec![0.0; x.len()], "u stays zero");
        }
        assert_fd_all("relaxation", |p| relaxed(p, sweeps), &x, &g);
    }
}

/// An explicit reaction–diffusion step on a ring: `next` is filled from `u`, then
/// copied back into `u`, `steps` times.
#[differentiate(wrt = [u0, rate])]
fn reaction_diffusion(u0: &[f64], rate: f64, steps: usize) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..steps {
        for i in 0..n {
            let left = if i == 0 { u[n - 1] } else { u[i - 1] };
            let right = if i + 1 == n { u[0] } else { u[i + 1] };
            next[i] = u[i] + rate * (left - 2.0 * u[i] + right) + 0.1 * (u[i] - u[i] * u[i] * u[i]);
        }
        for i in 0..n {
            u[i] = next[i];
        }
    }
    let mut e = 0.0;
    for v in u.iter() {
        e += v * v;
    }
    e
}

#[test]
fn two_buffers_copied_back_every_step() {
    let u0 = [0.2, 0.9, -0.4, 0.6, -0.7];
    let rate = 0.2;
    for steps in [1_usize, 6] {
        let (value, (du0, drate)): (f64, (Vec<f64>, f64)) =
            reaction_diffusion_grad(&u0, rate, steps);
        assert_eq!(value, reaction_diffusion(&u0, rate, steps));
        assert_fd_all(
            "reaction–diffusion",
            |p| reaction_diffusion(&p[..5], p[5], steps),
            &concat(&[&u0, &[rate]]),
            &concat(&[&du0, &[drate]]),
        );
    }
}

// ---------------------------------------------------------------------------
// Iteration as Rust programmers write it
// ---------------------------------------------------------------------------

/// `for v in x.iter()`, with `v` a `&f64` used twice.
#[differentiate]
fn sum_of_v_sin_v(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += v * v.sin();
    }
    s
}

#[test]
fn for_v_in_iter() {
    let x = [0.5, -1.25, 2.0, 3.5];
    let (value, g): (f64, Vec<f64>) = sum_of_v_sin_v_grad(&x);
    assert_eq!(value, sum_of_v_sin_v(&x));
    let expected: Vec<f64> = x.iter().map(|v| v.sin() + v * v.cos()).collect();
    assert_all_closed("∂/∂x", &g, &expected);
    assert_fd_all("Σ v sin v", sum_of_v_sin_v, &x, &g);
}

/// `for &v in x` with a branch on the element: the Huber loss of each entry.
#[differentiate(wrt = x)]
fn huber_sum(x: &[f64], delta: f64) -> f64 {
    let mut s = 0.0;
    for &v in x {
        if v.abs() <= delta {
            s += 0.5 * v * v;
        } else {
            s += delta * (v.abs() - 0.5 * delta);
        }
    }
    s
}

#[test]
fn for_ref_pattern_over_a_slice_with_a_branch() {
    let x = [0.3, -2.5, 1.7, -0.6, 4.0];
    let delta = 1.0;
    let (value, g): (f64, Vec<f64>) = huber_sum_grad(&x, delta);
    assert_eq!(value, huber_sum(&x, delta));
    let expected: Vec<f64> = x
        .iter()
        .map(|&v| {
            if v.abs() <= delta {
                v
            } else {
                delta * v.signum()
            }
        })
        .collect();
    assert_all_closed("∂/∂x", &g, &expected);
    assert_fd_all("Huber", |p| huber_sum(p, delta), &x, &g);
}

/// `for (i, v) in x.iter().enumerate()`: Σ x_i^(i+1) / (i + 1).
#[differentiate]
fn graded_powers(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += v.powi(i as i32 + 1) / (i + 1) as f64;
    }
    s
}

#[test]
fn enumerate_uses_the_index_and_the_value() {
    let x = [0.5, -1.5, 1.2, 0.8, -0.9];
    let (value, g): (f64, Vec<f64>) = graded_powers_grad(&x);
    assert_eq!(value, graded_powers(&x));
    let expected: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, v)| v.powi(i as i32))
        .collect();
    assert_all_closed("∂/∂x", &g, &expected);
    assert_fd_all("Σ x_i^(i+1)/(i+1)", graded_powers, &x, &g);
}

/// `for (a, b) in x.iter().zip(y.iter())`: ‖x − y‖².
#[differentiate]
fn squared_distance(x: &[f64], y: &[f64]) -> f64 {
    let mut d = 0.0;
    for (a, b) in x.iter().zip(y.iter()) {
        d += (a - b) * (a - b);
    }
    d
}

#[test]
fn zip_in_a_for_loop() {
    let x = [1.0, -2.0, 0.5, 3.0];
    let y = [0.5, 1.0, -1.5, 2.25];
    let (value, (dx, dy)): (f64, (Vec<f64>, Vec<f64>)) = squared_distance_grad(&x, &y);
    assert_eq!(value, squared_distance(&x, &y));
    let ex: Vec<f64> = x.iter().zip(&y).map(|(a, b)| 2.0 * (a - b)).collect();
    let ey: Vec<f64> = ex.iter().map(|v| -v).collect();
    assert_all_closed("∂/∂x", &dx, &ex);
    assert_all_closed("∂/∂y", &dy, &ey);
    assert_fd_all(
        "‖x − y‖²",
        |p| squared_distance(&p[..4], &p[4..]),
        &concat(&[&x, &y]),
        &concat(&[&dx, &dy]),
    );
}

/// `x.iter().map(|v| ...).sum::<f64>()` inside an expression: the RMS.
#[differentiate]
fn root_mean_square(x: &[f64]) -> f64 {
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

#[test]
fn map_then_sum_with_turbofish() {
    let x = [3.0, -4.0, 1.5, 0.5, -2.0];
    let (value, g): (f64, Vec<f64>) = root_mean_square_grad(&x);
    assert_eq!(value, root_mean_square(&x));
    let n = x.len() as f64;
    let expected: Vec<f64> = x.iter().map(|v| v / (n * value)).collect();
    assert_all_closed("∂/∂x", &g, &expected);
    assert_fd_all("rms", root_mean_square, &x, &g);
}

/// log Σ eˣ written by hand: the max by `fold(f64::NEG_INFINITY, f64::max)`, then
/// the shifted sum by `map` + `sum`.
#[differentiate]
fn logsumexp_by_hand(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// The same with the max folded by a closure.
#[differentiate]
fn logsumexp_closure_fold(x: &[f64]) -> f64 {
    let m = x.iter().fold(f64::NEG_INFINITY, |acc, &v| acc.max(v));
    let mut s = 0.0;
    for &v in x {
        s += (v - m).exp();
    }
    m + s.ln()
}

#[test]
fn fold_with_max_in_a_hand_written_logsumexp() {
    // The second point overflows a naive Σ eˣ: the max shift must be kept.
    for x in [vec![0.5, -1.0, 2.0, 0.25, 1.5], vec![1000.0, 998.5, 1001.0]] {
        let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = x.iter().map(|v| (v - m).exp()).sum();
        let softmax: Vec<f64> = x.iter().map(|v| (v - m).exp() / total).collect();

        let (value, g): (f64, Vec<f64>) = logsumexp_by_hand_grad(&x);
        assert_eq!(value, logsumexp_by_hand(&x));
        assert!(value.is_finite());
        // ∇ logsumexp = softmax (the max's own adjoint cancels: 1 − Σ p = 0).
        assert_all_closed("∇ logsumexp (fold f64::max)", &g, &softmax);
        assert_fd_all("logsumexp", logsumexp_by_hand, &x, &g);

        let (value, g): (f64, Vec<f64>) = logsumexp_closure_fold_grad(&x);
        assert_eq!(value, logsumexp_closure_fold(&x));
        assert_all_closed("∇ logsumexp (fold closure)", &g, &softmax);
        assert_fd_all("logsumexp", logsumexp_closure_fold, &x, &g);
    }
}

/// The dot product as `zip` + `map` + `sum`.
#[differentiate]
fn dot_by_hand(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[test]
fn zip_map_sum_dot_product() {
    let x = [1.5, -2.0, 0.25, 3.0];
    let y = [0.5, 4.0, -1.0, 2.5];
    let (value, (dx, dy)): (f64, (Vec<f64>, Vec<f64>)) = dot_by_hand_grad(&x, &y);
    assert_eq!(value, dot_by_hand(&x, &y));
    // ∇_x (x·y) = y and ∇_y (x·y) = x, exactly.
    assert_eq!(dx, y.to_vec());
    assert_eq!(dy, x.to_vec());
    assert_fd_all(
        "x·y",
        |p| dot_by_hand(&p[..4], &p[4..]),
        &concat(&[&x, &y]),
        &concat(&[&dx, &dy]),
    );
}

/// `x.iter().product::<f64>()`.
#[differentiate]
fn product_of_entries(x: &[f64]) -> f64 {
    x.iter().product::<f64>()
}

#[test]
fn product_including_a_zero_entry() {
    // With a zero entry, ∂/∂x_j = Π_{m ≠ j} x_m is finite: a rule dividing the
    // product by x_j would give NaN.
    for x in [vec![1.5, -2.0, 0.5, 3.0], vec![2.0, 0.0, 3.0], vec![4.0]] {
        let (value, g): (f64, Vec<f64>) = product_of_entries_grad(&x);
        assert_eq!(value, product_of_entries(&x));
        let expected: Vec<f64> = (0..x.len())
            .map(|j| (0..x.len()).filter(|&m| m != j).map(|m| x[m]).product())
            .collect();
        assert_all_closed("∂/∂x", &g, &expected);
        assert_fd_all("Π x", product_of_entries, &x, &g);
    }
}

/// `let total: f64 = x.iter().sum();` then a `map` + `sum` reading the mean.
#[differentiate]
fn third_central_moment_sum(x: &[f64]) -> f64 {
    let total: f64 = x.iter().sum();
    let mean = total / x.len() as f64;
    x.iter().map(|v| (v - mean).powi(3)).sum::<f64>()
}

#[test]
fn typed_sum_then_a_reduction_reading_it() {
    let x = [1.0, -0.5, 2.5, 0.75, -1.25];
    let (value, g): (f64, Vec<f64>) = third_central_moment_sum_grad(&x);
    assert_eq!(value, third_central_moment_sum(&x));
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sq: f64 = x.iter().map(|v| 3.0 * (v - mean).powi(2)).sum();
    let expected: Vec<f64> = x
        .iter()
        .map(|v| 3.0 * (v - mean).powi(2) - sq / n)
        .collect();
    assert_all_closed("∂/∂x", &g, &expected);
    assert_fd_all("Σ (x − x̄)³", third_central_moment_sum, &x, &g);
}

/// Horner's rule over an array, from the last coefficient down.
#[differentiate]
fn horner(c: [f64; 4], t: f64) -> f64 {
    let mut acc = 0.0;
    for i in (0..c.len()).rev() {
        acc = acc * t + c[i];
    }
    acc
}

#[test]
fn array_and_scalar_gradients_together() {
    let c = [1.0, -2.0, 0.5, 3.0];
    let t = 1.3;
    let (value, (dc, dt)): (f64, ([f64; 4], f64)) = horner_grad(c, t);
    assert_eq!(value, horner(c, t));
    for i in 0..4 {
        assert_closed("∂/∂c", dc[i], t.powi(i as i32));
    }
    assert_closed("∂/∂t", dt, c[1] + 2.0 * c[2] * t + 3.0 * c[3] * t * t);
    assert_fd_all(
        "Horner",
        |p| horner(array(&p[..4]), p[4]),
        &[c[0], c[1], c[2], c[3], t],
        &[dc[0], dc[1], dc[2], dc[3], dt],
    );
}

/// `for v in a` over an array by value: Σ softplus.
#[differentiate]
fn softplus_total(a: [f64; 5]) -> f64 {
    let mut s = 0.0;
    for v in a {
        s += v.exp().ln_1p();
    }
    s
}

#[test]
fn for_over_an_array_by_value() {
    let a = [0.5, -1.0, 2.0, -3.0, 0.0];
    let (value, g): (f64, [f64; 5]) = softplus_total_grad(a);
    assert_eq!(value, softplus_total(a));
    for i in 0..5 {
        assert_closed("∂/∂a", g[i], 1.0 / (1.0 + (-a[i]).exp()));
    }
    assert_fd_all("Σ softplus", |p| softplus_total(array(p)), &a, &g);
}

/// The sample covariance of 2-D points: the points are copied with `to_vec()`
/// and centred in place (`centered[i][d] -= mean`).
#[differentiate]
fn covariance(points: &[[f64; 2]]) -> f64 {
    let n = points.len() as f64;
    let mut centered = points.to_vec();
    for d in 0..2 {
        let mut mean = 0.0;
        for p in points.iter() {
            mean += p[d];
        }
        mean /= n;
        for i in 0..centered.len() {
            centered[i][d] -= mean;
        }
    }
    let mut s = 0.0;
    for p in &centered {
        s += p[0] * p[1];
    }
    s / n
}

#[test]
fn slice_of_arrays_copied_and_centred_in_place() {
    let points = [[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0], [0.5, 1.5]];
    let (value, g): (f64, Vec<[f64; 2]>) = covariance_grad(&points);
    assert_eq!(value, covariance(&points));
    let n = points.len() as f64;
    let mean = [
        points.iter().map(|p| p[0]).sum::<f64>() / n,
        points.iter().map(|p| p[1]).sum::<f64>() / n,
    ];
    let expected: Vec<[f64; 2]> = points
        .iter()
        .map(|p| [(p[1] - mean[1]) / n, (p[0] - mean[0]) / n])
        .collect();
    assert_all_closed("∂/∂points", &flatten(&g), &flatten(&expected));
    assert_fd_all(
        "covariance",
        |p| covariance(&rows(p)),
        &flatten(&points),
        &flatten(&g),
    );
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/// z = W x + b into a `[0.0; 2]` buffer, L = ½‖z‖².
#[differentiate]
fn dense_layer_loss(w: [[f64; 3]; 2], x: [f64; 3], b: [f64; 2]) -> f64 {
    let mut z = [0.0; 2];
    for r in 0..2 {
        z[r] = b[r];
        for c in 0..3 {
            z[r] += w[r][c] * x[c];
        }
    }
    0.5 * (z[0] * z[0] + z[1] * z[1])
}

#[test]
fn seed_dense_layer_with_nested_array_weights() {
    let w = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]];
    let x = [1.0, -2.0, 0.5];
    let b = [0.3, -0.4];
    let (value, (dw, dx, db)): (f64, ([[f64; 3]; 2], [f64; 3], [f64; 2])) =
        dense_layer_loss_grad(w, x, b);
    assert_eq!(value, dense_layer_loss(w, x, b));
    let z: [f64; 2] =
        std::array::from_fn(|r| b[r] + w[r][0] * x[0] + w[r][1] * x[1] + w[r][2] * x[2]);
    for r in 0..2 {
        assert_closed("∂L/∂b = z", db[r], z[r]);
        for c in 0..3 {
            assert_closed("∂L/∂W = z xᵀ", dw[r][c], z[r] * x[c]);
        }
    }
    for c in 0..3 {
        assert_closed("∂L/∂x = Wᵀ z", dx[c], w[0][c] * z[0] + w[1][c] * z[1]);
    }
    assert_fd_all(
        "½‖Wx + b‖²",
        |p| dense_layer_loss(matrix(&p[..6]), array(&p[6..9]), array(&p[9..])),
        &concat(&[&flatten(&w), &x, &b]),
        &concat(&[&flatten(&dw), &dx, &db]),
    );
}

/// The same layer with W as a slice of rows and x, b as slices.
#[differentiate]
fn dense_layer_loss_rows(w: &[[f64; 3]], x: &[f64], b: &[f64]) -> f64 {
    let mut loss = 0.0;
    for r in 0..w.len() {
        let mut z = b[r];
        for c in 0..x.len() {
            z += w[r][c] * x[c];
        }
        loss += 0.5 * z * z;
    }
    loss
}

#[test]
fn seed_dense_layer_with_a_slice_of_rows() {
    let w = [
        [0.5, -1.0, 2.0],
        [1.5, 0.25, -0.75],
        [-0.5, 0.75, 1.0],
        [2.0, 0.0, -1.5],
    ];
    let x = [1.0, -2.0, 0.5];
    let b = [0.3, -0.4, 0.1, 0.0];
    let (value, (dw, dx, db)): (f64, (Vec<[f64; 3]>, Vec<f64>, Vec<f64>)) =
        dense_layer_loss_rows_grad(&w, &x, &b);
    assert_eq!(value, dense_layer_loss_rows(&w, &x, &b));
    let z: Vec<f64> = (0..4)
        .map(|r| b[r] + (0..3).map(|c| w[r][c] * x[c]).sum::<f64>())
        .collect();
    assert_all_closed("∂L/∂b = z", &db, &z);
    let zx: Vec<[f64; 3]> = z.iter().map(|zr| x.map(|xc| zr * xc)).collect();
    assert_all_closed("∂L/∂W = z xᵀ", &flatten(&dw), &flatten(&zx));
    let wz: Vec<f64> = (0..3)
        .map(|c| (0..4).map(|r| w[r][c] * z[r]).sum())
        .collect();
    assert_all_closed("∂L/∂x = Wᵀ z", &dx, &wz);
    assert_fd_all(
        "½‖Wx + b‖² (rows)",
        |p| dense_layer_loss_rows(&rows(&p[..12]), &p[12..15], &p[15..]),
        &concat(&[&flatten(&w), &x, &b]),
        &concat(&[&flatten(&dw), &dx, &db]),
    );
}

/// Softmax cross-entropy written by hand: the max by a loop, a `vec![0.0; n]`
/// of shifted exponentials, −ln p_label.
#[differentiate(wrt = logits)]
fn cross_entropy(logits: &[f64], label: usize) -> f64 {
    let mut max = logits[0];
    for &z in logits {
        if z > max {
            max = z;
        }
    }
    let mut exps = vec![0.0; logits.len()];
    let mut total = 0.0;
    for i in 0..logits.len() {
        exps[i] = (logits[i] - max).exp();
        total += exps[i];
    }
    -(exps[label] / total).ln()
}

#[test]
fn seed_softmax_cross_entropy_gradient_is_p_minus_onehot() {
    let logits = [1.5, -0.5, 3.0, 0.25, 2.0];
    for label in [0, 2, 4] {
        let (value, g): (f64, Vec<f64>) = cross_entropy_grad(&logits, label);
        assert_eq!(value, cross_entropy(&logits, label));
        let total: f64 = logits.iter().map(|z| z.exp()).sum();
        let expected: Vec<f64> = logits
            .iter()
            .enumerate()
            .map(|(i, z)| z.exp() / total - if i == label { 1.0 } else { 0.0 })
            .collect();
        assert_all_closed("p − onehot", &g, &expected);
        assert_fd_all("cross-entropy", |p| cross_entropy(p, label), &logits, &g);
    }
}

/// The extended Rosenbrock function
/// f(x) = Σ_{i<n/2} [100 (x_{2i}² − x_{2i+1})² + (x_{2i} − 1)²].
#[differentiate]
fn extended_rosenbrock(x: &[f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..x.len() / 2 {
        let (a, b) = (x[2 * i], x[2 * i + 1]);
        f += 100.0 * (a * a - b).powi(2) + (a - 1.0).powi(2);
    }
    f
}

#[test]
fn extended_rosenbrock_against_its_closed_form() {
    let valley: Vec<f64> = (0..100)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 } + 0.1 * (0.7 * i as f64).sin())
        .collect();
    for x in [
        vec![-1.2, 1.0],
        vec![0.5, -0.3, 1.4, 2.1, -0.7, 0.2],
        vec![0.5, -0.3, 1.4, 2.1, 0.9], // odd n: the last entry is unused
        valley,
    ] {
        let (value, g): (f64, Vec<f64>) = extended_rosenbrock_grad(&x);
        assert_eq!(value, extended_rosenbrock(&x));
        let mut expected = vec![0.0; x.len()];
        for i in 0..x.len() / 2 {
            let (a, b) = (x[2 * i], x[2 * i + 1]);
            let t = a * a - b;
            expected[2 * i] = 400.0 * t * a + 2.0 * (a - 1.0);
            expected[2 * i + 1] = -200.0 * t;
        }
        for (i, (&gi, &ei)) in g.iter().zip(&expected).enumerate() {
            assert_close_abs(&format!("∂f/∂x{i}"), gi, ei, 1e-12, 1e-12);
        }
        assert_fd_all("Rosenbrock", extended_rosenbrock, &x, &g);
    }
    // At the minimum: value 0 and gradient exactly 0.
    let ones = vec![1.0; 10];
    assert_eq!(extended_rosenbrock_grad(&ones), (0.0, vec![0.0; 10]));
}

/// A two-layer tanh network's mean squared loss on a batch, with the hidden
/// activations in a `vec![0.0; h]` overwritten for every sample.
#[differentiate(wrt = [w1, b1, w2, b2])]
fn network_loss(
    w1: &[[f64; 3]],
    b1: &[f64],
    w2: &[f64],
    b2: f64,
    xs: &[[f64; 3]],
    ys: &[f64],
) -> f64 {
    let mut hidden = vec![0.0; w1.len()];
    let mut loss = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        for j in 0..w1.len() {
            let mut z = b1[j];
            for k in 0..x.len() {
                z += w1[j][k] * x[k];
            }
            hidden[j] = z.tanh();
        }
        let mut out = b2;
        for j in 0..hidden.len() {
            out += w2[j] * hidden[j];
        }
        let r = out - y;
        loss += r * r;
    }
    loss / xs.len() as f64
}

#[test]
fn two_layer_network_against_backpropagation_by_hand() {
    let w1 = [
        [0.5, -0.3, 0.8],
        [-0.2, 0.6, 0.1],
        [0.7, 0.4, -0.5],
        [0.1, -0.9, 0.3],
    ];
    let b1 = [0.1, -0.2, 0.05, 0.3];
    let w2 = [0.6, -0.4, 0.9, -0.7];
    let b2 = 0.15;
    let xs = [
        [1.0, -0.5, 0.25],
        [-0.75, 0.5, 1.0],
        [0.3, 0.9, -0.6],
        [-1.0, -0.2, 0.4],
        [0.6, 0.1, 0.8],
    ];
    let ys = [0.5, -0.25, 0.8, -0.6, 0.1];
    let (value, (dw1, db1, dw2, db2)): (f64, (Vec<[f64; 3]>, Vec<f64>, Vec<f64>, f64)) =
        network_loss_grad(&w1, &b1, &w2, b2, &xs, &ys);
    assert_eq!(value, network_loss(&w1, &b1, &w2, b2, &xs, &ys));

    // Backpropagation by hand.
    let (mut ew1, mut eb1, mut ew2, mut eb2) = ([[0.0; 3]; 4], [0.0; 4], [0.0; 4], 0.0);
    for (x, y) in xs.iter().zip(ys) {
        let h: [f64; 4] = std::array::from_fn(|j| {
            (b1[j] + w1[j][0] * x[0] + w1[j][1] * x[1] + w1[j][2] * x[2]).tanh()
        });
        let out = b2 + (0..4).map(|j| w2[j] * h[j]).sum::<f64>();
        let d_out = 2.0 * (out - y) / xs.len() as f64;
        eb2 += d_out;
        for j in 0..4 {
            ew2[j] += d_out * h[j];
            let dz = d_out * w2[j] * (1.0 - h[j] * h[j]);
            eb1[j] += dz;
            for k in 0..3 {
                ew1[j][k] += dz * x[k];
            }
        }
    }
    assert_all_closed("∂/∂W1", &flatten(&dw1), &flatten(&ew1));
    assert_all_closed("∂/∂b1", &db1, &eb1);
    assert_all_closed("∂/∂w2", &dw2, &ew2);
    assert_closed("∂/∂b2", db2, eb2);
    assert_fd_all(
        "network",
        |p| network_loss(&rows(&p[..12]), &p[12..16], &p[16..20], p[20], &xs, &ys),
        &concat(&[&flatten(&w1), &b1, &w2, &[b2]]),
        &concat(&[&flatten(&dw1), &db1, &dw2, &[db2]]),
    );
}
