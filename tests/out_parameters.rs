//! `&mut` out-parameters: functions that write their results into `&mut`
//! floats and float buffers (their pullbacks), and calls that lend `&mut`
//! buffers, rows, slices, elements, float variables and constants to them.
//! Each against closed forms or finite differences.
// The functions are written as users write them, not as clippy would.
#![allow(clippy::needless_range_loop, clippy::assign_op_pattern)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

/// An ODE right-hand side written into an out-parameter.
#[differentiate]
fn rhs(y: &[f64], k: f64, dydt: &mut [f64]) {
    for i in 0..y.len() {
        dydt[i] = -k * y[i] * y[i] + 0.1 * y[(i + 1) % y.len()];
    }
}

/// `*x` updated in place.
#[differentiate]
fn accumulate_square(x: &mut f64, v: f64) {
    *x += v * v;
    *x = *x * 2.0;
}

/// A state scaled in place, then its energy.
#[differentiate]
fn damped_energy(state: &mut [f64], dt: f64) -> f64 {
    for i in 0..state.len() {
        state[i] = state[i] * (1.0 - dt);
    }
    state.iter().map(|s| s * s).sum()
}

#[test]
fn pullbacks_of_functions_with_out_parameters() {
    // rhs: the adjoint of dydt's final contents comes in, the adjoint of its
    // initial contents (zero: every entry is overwritten) goes out.
    let y = [1.0, 2.0];
    let mut dydt = [0.0; 2];
    let mut adjoint = [1.0, 10.0];
    let (unit, (dy, dk, lent)) = rhs_pullback(&y, 0.5, &mut dydt, None, &mut adjoint);
    assert_eq!((unit, lent), ((), ()));
    assert_eq!(dydt, [-0.5 + 0.2, -2.0 + 0.1]);
    assert_eq!(adjoint, [0.0, 0.0]);
    // d/dy0 = 1·(−2k·y0) + 10·0.1, d/dy1 = 10·(−2k·y1) + 1·0.1.
    assert_closed("d/dy0", dy[0], -1.0 + 1.0);
    assert_closed("d/dy1", dy[1], -20.0 + 0.1);
    assert_closed("d/dk", dk, -1.0 - 40.0);

    let (mut x, mut dx) = (3.0, 1.0);
    let ((), ((), dv)) = accumulate_square_pullback(&mut x, 0.5, None, &mut dx);
    assert_closed("x", x, 6.5);
    assert_closed("d/dx", dx, 2.0);
    assert_closed("d/dv", dv, 2.0);

    let mut state = [1.0, 2.0];
    let (energy, (ds, ddt)) = damped_energy_grad(&mut state, 0.1);
    assert_closed("energy", energy, 5.0 * 0.81);
    assert_eq!(state, [0.9, 1.8]);
    assert_closed("d/ds0", ds[0], 2.0 * 0.81);
    assert_closed("d/ds1", ds[1], 4.0 * 0.81);
    assert_closed("d/ddt", ddt, -9.0);
    // The pullback also takes the adjoint of the state's final contents.
    let mut state = [1.0, 2.0];
    let mut adjoint = [1.0, 0.0];
    let (_, ((), _)) = damped_energy_pullback(&mut state, 0.1, Some(1.0), &mut adjoint);
    assert_closed("d/ds0 with a final adjoint", adjoint[0], 2.0 * 0.81 + 0.9);
    assert_closed("d/ds1 with a final adjoint", adjoint[1], 4.0 * 0.81);
}

/// An explicit step that passes its own out-parameter on to `rhs` (read) and
/// lends a local buffer `&mut` to it (written).
#[differentiate]
fn euler_step(state: &mut [f64], k: f64, dt: f64) {
    let n = state.len();
    let mut slope = vec![0.0; n];
    rhs(state, k, &mut slope);
    for i in 0..n {
        state[i] += dt * slope[i];
    }
}

/// Midpoint steps, each lending two stage buffers.
#[differentiate(wrt = [y0, k])]
fn midpoint(y0: &[f64], k: f64, dt: f64, steps: usize) -> f64 {
    let n = y0.len();
    let mut y = y0.to_vec();
    let (mut k1, mut k2, mut half) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    for _ in 0..steps {
        rhs(&y, k, &mut k1);
        for i in 0..n {
            half[i] = y[i] + 0.5 * dt * k1[i];
        }
        rhs(&half, k, &mut k2);
        for i in 0..n {
            y[i] += dt * k2[i];
        }
    }
    let mut total = 0.0;
    for i in 0..n {
        accumulate_square(&mut total, y[i]);
    }
    total
}

#[differentiate(wrt = [y0, k])]
fn simulate(y0: &[f64], k: f64, dt: f64, steps: usize) -> f64 {
    let mut y = y0.to_vec();
    for _ in 0..steps {
        euler_step(&mut y, k, dt);
    }
    y.iter().map(|v| v * v).sum()
}

#[test]
fn integrators_lending_buffers() {
    let (y0, k) = ([1.0, 0.5, -0.3], 0.3);
    let (_, (dy, dk)) = midpoint_grad(&y0, k, 0.1, 5);
    assert_fd_all("y0", |p| midpoint(p, k, 0.1, 5), &y0, &dy);
    assert_fd_all("k", |p| midpoint(&y0, p[0], 0.1, 5), &[k], &[dk]);
    let (value, (dy, dk)) = simulate_grad(&y0, k, 0.1, 4);
    assert_closed("value", value, simulate(&y0, k, 0.1, 4));
    assert_fd_all("y0", |p| simulate(p, k, 0.1, 4), &y0, &dy);
    assert_fd_all("k", |p| simulate(&y0, p[0], 0.1, 4), &[k], &[dk]);
}

#[differentiate]
fn scale_in_place(v: &mut f64, s: f64) {
    *v *= s;
}

fn bump(counter: &mut usize) {
    *counter += 2;
}

/// An element, a slice and a row lent `&mut`, and a constant counter.
#[differentiate]
fn lent_parts(x: &[f64], m: [[f64; 2]; 2]) -> f64 {
    let mut y = x.to_vec();
    let mut mm = m;
    scale_in_place(&mut y[1], 3.0);
    rhs(&x[1..], 0.5, &mut y[1..]);
    let first = mm[0];
    rhs(&first, 2.0, &mut mm[1]);
    let mut row = [0.0; 2];
    rhs(&mm[1], 1.0, &mut row);
    let mut count = 0usize;
    bump(&mut count);
    y[0] * y[1] + y[2] * mm[1][0] + row[1] * count as f64
}

#[test]
fn elements_slices_rows_and_constants_lent() {
    let (x, m) = ([0.4, -0.8, 1.2], [[0.3, 0.7], [-0.2, 0.9]]);
    let (value, (dx, dm)) = lent_parts_grad(&x, m);
    assert_closed("value", value, lent_parts(&x, m));
    assert_fd_all("x", |p| lent_parts(p, m), &x, &dx);
    let flat = [m[0][0], m[0][1], m[1][0], m[1][1]];
    let dm_flat = [dm[0][0], dm[0][1], dm[1][0], dm[1][1]];
    assert_fd_all(
        "m",
        |p| lent_parts(&x, [[p[0], p[1]], [p[2], p[3]]]),
        &flat,
        &dm_flat,
    );
}
