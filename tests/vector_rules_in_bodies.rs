//! The runtime crate's vector rules (`gradmacro::vector`: `dot`, `sum`,
//! `squared_norm`, `logsumexp`, `softmax`, `matvec`) called inside
//! differentiated bodies like any other function: the macro composes a call
//! `f(..)` through `f_pullback`, so both names are imported.
//!
//! Each gradient is checked against central finite differences of the original
//! function and against the closed form: ∇‖x‖² = 2x exactly (the seed),
//! ∇ logsumexp = softmax, softmax cross-entropy → p − onehot, and for
//! z = Wx + b with L = ½‖z‖²: ∂L/∂W = z xᵀ, ∂L/∂b = z, ∂L/∂x = Wᵀz.
//! The value returned by `NAME_grad` must be the original's value exactly.

// The gradients' types are spelled out on purpose: they are part of the contract.
#![allow(clippy::type_complexity)]
// Index loops are how the bodies under test are written.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{
    assert_all_close_f32, assert_all_closed, assert_closed, assert_fd_all, assert_fd_all_f32,
    flatten, matrix, rows,
};
use gradmacro::differentiate;
use gradmacro::vector::{
    dot, dot_pullback, dot_pullback_lent, logsumexp, logsumexp_pullback_lent, matvec,
    matvec_pullback, softmax, softmax_pullback, squared_norm, squared_norm_pullback_lent, sum,
    sum_pullback_lent,
};

/// The entries of several parameters one after the other, as one point for
/// finite differences over all of them at once.
fn concat(parts: &[&[f64]]) -> Vec<f64> {
    parts.concat()
}

/// softmax(x) computed independently of the runtime crate.
fn reference_softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = x.iter().map(|v| (v - m).exp()).sum();
    x.iter().map(|v| (v - m).exp() / total).collect()
}

#[test]
fn the_rules_are_ordinary_functions() {
    let a = [1.0, 2.0, 3.0];
    let b = [4.0, -5.0, 6.0];
    assert_eq!(dot(&a, &b), 12.0);
    assert_eq!(sum(&a), 6.0);
    assert_eq!(squared_norm(&a), 14.0);
    assert_closed("logsumexp", logsumexp(&[0.0, 3.0_f64.ln()]), 4.0_f64.ln());
    assert_all_closed("softmax", &softmax(&a), &reference_softmax(&a));
    let m = [[1.0, 0.0, -1.0], [2.0, 0.5, 0.0]];
    assert_eq!(matvec(&m, &a), vec![-2.0, 3.0]);
}

// ---------------------------------------------------------------------------
// One rule per function
// ---------------------------------------------------------------------------

/// sin(x · y) through `dot`.
#[differentiate]
fn sine_of_dot(x: &[f64], y: &[f64]) -> f64 {
    dot(x, y).sin()
}

/// 2 (a · b) over arrays passed to `dot` by reference.
#[differentiate]
fn twice_dot_of_arrays(a: [f64; 3], b: [f64; 3]) -> f64 {
    2.0 * dot(&a, &b)
}

#[test]
fn dot_inside_a_body() {
    let x = [0.5, -1.0, 0.25, 0.8];
    let y = [0.3, 0.6, -1.2, 0.4];
    let (value, (dx, dy)): (f64, (Vec<f64>, Vec<f64>)) = sine_of_dot_grad(&x, &y);
    assert_eq!(value, sine_of_dot(&x, &y));
    let c = dot(&x, &y).cos();
    assert_all_closed("∂/∂x = cos(x·y) y", &dx, &y.map(|v| c * v));
    assert_all_closed("∂/∂y = cos(x·y) x", &dy, &x.map(|v| c * v));
    assert_fd_all(
        "sin(x·y)",
        |p| sine_of_dot(&p[..4], &p[4..]),
        &concat(&[&x, &y]),
        &concat(&[&dx, &dy]),
    );

    let (a, b) = ([1.0, -2.0, 0.5], [3.0, 0.25, -1.0]);
    let (value, (da, db)): (f64, ([f64; 3], [f64; 3])) = twice_dot_of_arrays_grad(a, b);
    assert_eq!(value, twice_dot_of_arrays(a, b));
    assert_eq!(da, b.map(|v| 2.0 * v));
    assert_eq!(db, a.map(|v| 2.0 * v));
}

/// (Σ x)² through `sum`.
#[differentiate]
fn squared_total(x: &[f64]) -> f64 {
    sum(x).powi(2)
}

#[test]
fn sum_inside_a_body() {
    let x = [0.5, -1.0, 2.25, 0.75];
    let (value, g): (f64, Vec<f64>) = squared_total_grad(&x);
    assert_eq!(value, squared_total(&x));
    assert_eq!(value, x.iter().sum::<f64>().powi(2));
    let total: f64 = x.iter().sum();
    assert_all_closed("∂/∂x = 2 Σx", &g, &[2.0 * total; 4]);
    assert_fd_all("(Σx)²", squared_total, &x, &g);
}

/// ‖x‖² through `squared_norm`, on a slice.
#[differentiate]
fn norm_squared_by_rule(x: &[f64]) -> f64 {
    squared_norm(x)
}

/// ‖x‖² through `squared_norm`, on an array.
#[differentiate]
fn norm_squared_of_array_by_rule(x: [f64; 3]) -> f64 {
    squared_norm(&x)
}

#[test]
fn seed_squared_norm_rule_gives_exactly_2x() {
    let x = vec![3.0, -1.5, 0.25, 2.0];
    let (value, g): (f64, Vec<f64>) = norm_squared_by_rule_grad(&x);
    assert_eq!(value, norm_squared_by_rule(&x));
    assert_eq!(
        g,
        x.iter().map(|v| 2.0 * v).collect::<Vec<_>>(),
        "∇‖x‖² = 2x"
    );
    assert_fd_all("‖x‖²", norm_squared_by_rule, &x, &g);

    let a = [0.5, -4.0, 1.25];
    let (value, g): (f64, [f64; 3]) = norm_squared_of_array_by_rule_grad(a);
    assert_eq!(value, norm_squared_of_array_by_rule(a));
    assert_eq!(g, a.map(|v| 2.0 * v), "∇‖x‖² = 2x (array)");
}

/// logsumexp through the rule.
#[differentiate]
fn lse(x: &[f64]) -> f64 {
    logsumexp(x)
}

/// Cross-entropy of the logits at `label`: logsumexp(z) − z_label.
#[differentiate(wrt = logits)]
fn cross_entropy_by_logsumexp(logits: &[f64], label: usize) -> f64 {
    logsumexp(logits) - logits[label]
}

#[test]
fn logsumexp_gradient_is_the_softmax() {
    for x in [vec![0.5, -1.0, 2.0, 0.25], vec![1000.0, 998.5, 1001.0]] {
        let (value, g): (f64, Vec<f64>) = lse_grad(&x);
        assert_eq!(value, lse(&x));
        assert!(value.is_finite());
        assert_all_closed("∇ logsumexp = softmax", &g, &reference_softmax(&x));
        assert_fd_all("logsumexp", lse, &x, &g);
    }
    let logits = [1.5, -0.5, 3.0, 0.25];
    let p = reference_softmax(&logits);
    for label in 0..logits.len() {
        let (value, g): (f64, Vec<f64>) = cross_entropy_by_logsumexp_grad(&logits, label);
        assert_eq!(value, cross_entropy_by_logsumexp(&logits, label));
        let expected: Vec<f64> = (0..4)
            .map(|i| p[i] - if i == label { 1.0 } else { 0.0 })
            .collect();
        assert_all_closed("p − onehot", &g, &expected);
    }
}

/// −ln p_label with p = softmax(logits) (a `Vec` result indexed in the body).
#[differentiate(wrt = logits)]
fn cross_entropy_by_softmax(logits: &[f64], label: usize) -> f64 {
    let p = softmax(logits);
    -p[label].ln()
}

/// The softmax-weighted average of `w`: two rules composed, `dot(&softmax(x), w)`.
#[differentiate(wrt = x)]
fn softmax_average(x: &[f64], w: &[f64]) -> f64 {
    dot(&softmax(x), w)
}

#[test]
fn seed_softmax_cross_entropy_gradient_is_p_minus_onehot() {
    let logits = [1.5, -0.5, 3.0, 0.25, 2.0];
    let p = reference_softmax(&logits);
    for label in [0, 2, 4] {
        let (value, g): (f64, Vec<f64>) = cross_entropy_by_softmax_grad(&logits, label);
        assert_eq!(value, cross_entropy_by_softmax(&logits, label));
        let expected: Vec<f64> = (0..logits.len())
            .map(|i| p[i] - if i == label { 1.0 } else { 0.0 })
            .collect();
        assert_all_closed("p − onehot", &g, &expected);
        assert_fd_all(
            "−ln softmax",
            |z| cross_entropy_by_softmax(z, label),
            &logits,
            &g,
        );
    }

    let w = [3.0, -1.0, 0.5, 2.0, 1.0];
    let (value, g): (f64, Vec<f64>) = softmax_average_grad(&logits, &w);
    assert_eq!(value, softmax_average(&logits, &w));
    let avg: f64 = p.iter().zip(&w).map(|(p, w)| p * w).sum();
    let expected: Vec<f64> = p.iter().zip(&w).map(|(p, w)| p * (w - avg)).collect();
    assert_all_closed("p (w − p·w)", &g, &expected);
    assert_fd_all("softmax · w", |z| softmax_average(z, &w), &logits, &g);
}

// ---------------------------------------------------------------------------
// Dense layers through `matvec`
// ---------------------------------------------------------------------------

/// z = Wx + b with `matvec`, L = ½‖z‖², W a nested array.
#[differentiate]
fn dense_layer_by_matvec(w: [[f64; 3]; 2], x: &[f64], b: &[f64]) -> f64 {
    let wx = matvec(&w, x);
    let mut loss = 0.0;
    for r in 0..wx.len() {
        let z = wx[r] + b[r];
        loss += 0.5 * z * z;
    }
    loss
}

#[test]
fn seed_dense_layer_through_matvec() {
    let w = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]];
    let x = [1.0, -2.0, 0.5];
    let b = [0.3, -0.4];
    let (value, (dw, dx, db)): (f64, ([[f64; 3]; 2], Vec<f64>, Vec<f64>)) =
        dense_layer_by_matvec_grad(w, &x, &b);
    assert_eq!(value, dense_layer_by_matvec(w, &x, &b));
    let z: [f64; 2] =
        std::array::from_fn(|r| w[r][0] * x[0] + w[r][1] * x[1] + w[r][2] * x[2] + b[r]);
    assert_all_closed("∂L/∂b = z", &db, &z);
    let zx: [[f64; 3]; 2] = z.map(|zr| x.map(|xc| zr * xc));
    assert_all_closed("∂L/∂W = z xᵀ", &flatten(&dw), &flatten(&zx));
    let wz: Vec<f64> = (0..3).map(|c| w[0][c] * z[0] + w[1][c] * z[1]).collect();
    assert_all_closed("∂L/∂x = Wᵀz", &dx, &wz);
    assert_fd_all(
        "½‖Wx + b‖² (matvec)",
        |p| dense_layer_by_matvec(matrix(&p[..6]), &p[6..9], &p[9..]),
        &concat(&[&flatten(&w), &x, &b]),
        &concat(&[&flatten(&dw), &dx, &db]),
    );
}

/// ½‖Wx‖² as two rules composed, W a slice of rows.
#[differentiate]
fn half_norm_of_matvec(w: &[[f64; 3]], x: &[f64]) -> f64 {
    0.5 * squared_norm(&matvec(w, x))
}

#[test]
fn squared_norm_of_matvec_composes_two_rules() {
    let w = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-0.5, 0.75, 1.0]];
    let x = [1.0, -2.0, 0.5];
    let (value, (dw, dx)): (f64, (Vec<[f64; 3]>, Vec<f64>)) = half_norm_of_matvec_grad(&w, &x);
    assert_eq!(value, half_norm_of_matvec(&w, &x));
    let z: Vec<f64> = w
        .iter()
        .map(|row| row[0] * x[0] + row[1] * x[1] + row[2] * x[2])
        .collect();
    let zx: Vec<[f64; 3]> = z.iter().map(|zr| x.map(|xc| zr * xc)).collect();
    assert_all_closed("∂L/∂W = z xᵀ", &flatten(&dw), &flatten(&zx));
    let wz: Vec<f64> = (0..3)
        .map(|c| (0..3).map(|r| w[r][c] * z[r]).sum())
        .collect();
    assert_all_closed("∂L/∂x = Wᵀz", &dx, &wz);
    assert_fd_all(
        "½‖Wx‖²",
        |p| half_norm_of_matvec(&rows(&p[..9]), &p[9..]),
        &concat(&[&flatten(&w), &x]),
        &concat(&[&flatten(&dw), &dx]),
    );
}

/// Softmax regression on one sample: logits = Wx + b by `matvec`, the loss
/// logsumexp(logits) − logits[label].
#[differentiate(wrt = [w, b])]
fn softmax_regression(w: &[[f64; 3]], b: &[f64], x: &[f64], label: usize) -> f64 {
    let wx = matvec(w, x);
    let mut logits = vec![0.0; wx.len()];
    for r in 0..wx.len() {
        logits[r] = wx[r] + b[r];
    }
    logsumexp(&logits) - logits[label]
}

#[test]
fn softmax_regression_gradient_is_outer_product_of_p_minus_onehot() {
    let w = [
        [0.5, -1.0, 2.0],
        [1.5, 0.25, -0.75],
        [-0.5, 0.75, 1.0],
        [0.2, 0.1, -0.3],
    ];
    let b = [0.3, -0.4, 0.1, 0.0];
    let x = [1.0, -2.0, 0.5];
    let label = 2;
    let (value, (dw, db)): (f64, (Vec<[f64; 3]>, Vec<f64>)) =
        softmax_regression_grad(&w, &b, &x, label);
    assert_eq!(value, softmax_regression(&w, &b, &x, label));
    let logits: Vec<f64> = (0..4)
        .map(|r| w[r][0] * x[0] + w[r][1] * x[1] + w[r][2] * x[2] + b[r])
        .collect();
    let delta: Vec<f64> = reference_softmax(&logits)
        .iter()
        .enumerate()
        .map(|(i, p)| p - if i == label { 1.0 } else { 0.0 })
        .collect();
    assert_all_closed("∂/∂b = p − onehot", &db, &delta);
    let outer: Vec<[f64; 3]> = delta.iter().map(|d| x.map(|xc| d * xc)).collect();
    assert_all_closed("∂/∂W = (p − onehot) xᵀ", &flatten(&dw), &flatten(&outer));
    assert_fd_all(
        "softmax regression",
        |p| softmax_regression(&rows(&p[..12]), &p[12..], &x, label),
        &concat(&[&flatten(&w), &b]),
        &concat(&[&flatten(&dw), &db]),
    );
}

// ---------------------------------------------------------------------------
// Rules in loops, on constants, in f32
// ---------------------------------------------------------------------------

/// Σ_r tanh(row_r · w): `dot` on each row of a slice of arrays, inside a loop.
#[differentiate]
fn tanh_scores(rs: &[[f64; 3]], w: &[f64]) -> f64 {
    let mut total = 0.0;
    for r in 0..rs.len() {
        total += dot(&rs[r], w).tanh();
    }
    total
}

#[test]
fn a_rule_called_inside_a_loop() {
    let rs = [[1.0, -0.5, 0.25], [0.3, 0.8, -1.0], [-0.6, 0.2, 0.9]];
    let w = [0.4, -0.7, 0.5];
    let (value, (drs, dw)): (f64, (Vec<[f64; 3]>, Vec<f64>)) = tanh_scores_grad(&rs, &w);
    assert_eq!(value, tanh_scores(&rs, &w));
    let slopes: Vec<f64> = rs
        .iter()
        .map(|row| 1.0 - dot(row, &w).tanh().powi(2))
        .collect();
    let expected_rows: Vec<[f64; 3]> = slopes.iter().map(|s| w.map(|v| s * v)).collect();
    assert_all_closed("∂/∂rows", &flatten(&drs), &flatten(&expected_rows));
    let expected_w: Vec<f64> = (0..3)
        .map(|c| (0..3).map(|r| slopes[r] * rs[r][c]).sum())
        .collect();
    assert_all_closed("∂/∂w", &dw, &expected_w);
    assert_fd_all(
        "Σ tanh(row · w)",
        |p| tanh_scores(&rows(&p[..9]), &p[9..]),
        &concat(&[&flatten(&rs), &w]),
        &concat(&[&flatten(&drs), &dw]),
    );
}

const WEIGHTS: [f64; 4] = [0.5, -2.0, 1.5, 0.25];

/// `dot` with a constant second argument.
#[differentiate]
fn weighted_exp_sum(x: &[f64]) -> f64 {
    let mut e = x.to_vec();
    for i in 0..e.len() {
        e[i] = e[i].exp();
    }
    dot(&e, &WEIGHTS)
}

#[test]
fn a_rule_with_a_constant_argument() {
    let x = [0.1, -0.4, 0.7, 1.2];
    let (value, g): (f64, Vec<f64>) = weighted_exp_sum_grad(&x);
    assert_eq!(value, weighted_exp_sum(&x));
    let expected: Vec<f64> = x.iter().zip(WEIGHTS).map(|(v, w)| w * v.exp()).collect();
    assert_all_closed("∂/∂x = w eˣ", &g, &expected);
    assert_fd_all("Σ w eˣ", weighted_exp_sum, &x, &g);
}

/// The rules are generic over f32 too.
#[differentiate]
fn f32_rules(x: &[f32], y: &[f32]) -> f32 {
    logsumexp(x) + 0.5 * dot(x, y) + squared_norm(y)
}

#[test]
fn f32_rules_inside_a_body() {
    let x = [0.5_f32, -1.0, 2.0];
    let y = [0.25_f32, 1.5, -0.75];
    let (value, (dx, dy)): (f32, (Vec<f32>, Vec<f32>)) = f32_rules_grad(&x, &y);
    assert_eq!(value, f32_rules(&x, &y));
    let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let y64: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
    let p = reference_softmax(&x64);
    let ex: Vec<f64> = (0..3).map(|i| p[i] + 0.5 * y64[i]).collect();
    let ey: Vec<f64> = (0..3).map(|i| 0.5 * x64[i] + 2.0 * y64[i]).collect();
    assert_all_close_f32("∂/∂x", &dx, &ex, 1e-5, 1e-6);
    assert_all_close_f32("∂/∂y", &dy, &ey, 1e-5, 1e-6);
    assert_fd_all_f32("f32 rules, along x", |p| f32_rules(p, &y), &x, &dx);
    assert_fd_all_f32("f32 rules, along y", |p| f32_rules(&x, p), &y, &dy);
}
