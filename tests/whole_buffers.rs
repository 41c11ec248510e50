//! Whole buffers assigned inside loops (`x = x_new;`, `u = next;`) and
//! swapped (`std::mem::swap(&mut cur, &mut next)`): the iterative solvers and
//! stencils numeric code is full of, checked against finite differences.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

/// Jacobi iterations for `A x = b`, then `‖x‖²`.
#[differentiate]
fn jacobi(a: &[f64], b: &[f64], iterations: usize) -> f64 {
    let n = b.len();
    let mut x = vec![0.0; n];
    for _ in 0..iterations {
        let mut x_new = vec![0.0; n];
        for i in 0..n {
            let mut s = b[i];
            for j in 0..n {
                if j != i {
                    s -= a[i * n + j] * x[j];
                }
            }
            x_new[i] = s / a[i * n + i];
        }
        x = x_new;
    }
    x.iter().map(|v| v * v).sum()
}

#[test]
fn jacobi_iterations() {
    let a = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.3, 0.1, 5.0];
    let b = [1.0, 2.0, 3.0];
    let (_, (da, db)) = jacobi_grad(&a, &b, 5);
    assert_fd_all("a", |p| jacobi(p, &b, 5), &a, &da);
    assert_fd_all("b", |p| jacobi(&a, p, 5), &b, &db);
}

/// A smoothing stencil on an array, replaced whole every step.
#[differentiate]
fn smoothed(u0: [f64; 4], steps: usize) -> f64 {
    let mut u = u0;
    for _ in 0..steps {
        let mut next = u;
        for i in 1..3 {
            next[i] = 0.25 * u[i - 1] + 0.5 * u[i] + 0.25 * u[i + 1];
        }
        u = next;
    }
    u[1] * u[2]
}

#[test]
fn arrays_replaced_in_a_loop() {
    let u0 = [1.0, 2.0, 3.0, 4.0];
    let (value, grad) = smoothed_grad(u0, 3);
    assert_closed("value", value, smoothed(u0, 3));
    assert_fd_all("u0", |p| smoothed([p[0], p[1], p[2], p[3]], 3), &u0, &grad);
}

/// Double buffering: write `next` from `cur`, then swap them.
#[differentiate]
fn ping_pong(u0: &[f64], steps: usize) -> f64 {
    let n = u0.len();
    let mut cur = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..steps {
        for i in 0..n {
            next[i] = 0.5 * cur[i] + 0.25 * cur[(i + 1) % n] + 0.25 * cur[(i + n - 1) % n];
        }
        std::mem::swap(&mut cur, &mut next);
    }
    cur.iter().map(|v| v * v * v).sum()
}

/// Two scalars swapped in a loop.
#[differentiate]
fn swapped_scalars(a: f64, b: f64, n: usize) -> f64 {
    let (mut x, mut y) = (a, b);
    for _ in 0..n {
        std::mem::swap(&mut x, &mut y);
        y = x + y * 0.5;
    }
    x * y
}

#[test]
fn swaps() {
    let u0 = [1.0, 2.0, 3.0, 0.5];
    let (_, grad) = ping_pong_grad(&u0, 3);
    assert_fd_all("u0", |p| ping_pong(p, 3), &u0, &grad);
    let (value, (da, db)) = swapped_scalars_grad(1.0, 2.0, 4);
    assert_closed("value", value, 30.875);
    assert_closed("d/da", da, 9.625);
    assert_closed("d/db", db, 26.0625);
}

/// Layers of different widths: the activation buffer is replaced by one of
/// another length each layer (its adjoint takes back the old length).
#[differentiate(wrt = params)]
fn layers_of_other_widths(params: &[f64], x: &[f64], sizes: &[usize]) -> f64 {
    let mut act = x.to_vec();
    let mut offset = 0;
    for layer in 0..sizes.len() - 1 {
        let (n_in, n_out) = (sizes[layer], sizes[layer + 1]);
        let mut next = vec![0.0; n_out];
        for o in 0..n_out {
            let mut z = params[offset + n_in * n_out + o];
            for i in 0..n_in {
                z += params[offset + o * n_in + i] * act[i];
            }
            next[o] = z.tanh();
        }
        offset += n_in * n_out + n_out;
        act = next;
    }
    act[0] * act[0]
}

#[test]
fn buffers_replaced_by_buffers_of_another_length() {
    let sizes = [3, 4, 1];
    let x = [0.5, -0.3, 0.8];
    let params: Vec<f64> = (0..21).map(|k| ((k * 7 % 11) as f64 - 5.0) / 7.0).collect();
    let (value, grad) = layers_of_other_widths_grad(&params, &x, &sizes);
    assert_closed("value", value, layers_of_other_widths(&params, &x, &sizes));
    assert_fd_all(
        "params",
        |p| layers_of_other_widths(p, &x, &sizes),
        &params,
        &grad,
    );
}
