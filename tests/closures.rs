//! Closures bound to names, inlined where they are called: capturing
//! differentiated values, calling each other, used by iterator adapters,
//! counting calls (`FnMut`), and `move` closures that copy what they capture.
// The functions are written as users write them, not as clippy would.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

#[differentiate]
fn twice_through_a_closure(x: f64, y: f64, w: f64) -> f64 {
    let g = |t: f64| t * t * w;
    g(x) + g(y)
}

#[test]
fn closures_capture_differentiated_values() {
    let (value, (dx, dy, dw)) = twice_through_a_closure_grad(1.0, 2.0, 3.0);
    assert_closed("value", value, 15.0);
    assert_closed("d/dx", dx, 6.0);
    assert_closed("d/dy", dy, 12.0);
    assert_closed("d/dw", dw, 5.0);
}

#[differentiate]
fn closures_of_closures(v: &[f64], w: f64) -> f64 {
    let sq = |t: f64| t * t;
    let weighted = |a: &[f64]| a.iter().map(|e| sq(*e) * w).sum::<f64>();
    let mut count = 0;
    let mut doubled = |z: f64| {
        count += 1;
        z * 2.0
    };
    let s = doubled(v[0]) + doubled(v[1]);
    weighted(v) + s * count as f64 + v.iter().copied().map(sq).sum::<f64>()
}

#[test]
fn closures_call_closures_and_count() {
    let v = [1.0, 2.0];
    let (value, (dv, dw)) = closures_of_closures_grad(&v, 3.0);
    assert_closed("value", value, 32.0);
    assert_closed("d/dv0", dv[0], 12.0);
    assert_closed("d/dv1", dv[1], 20.0);
    assert_closed("d/dw", dw, 5.0);
    assert_fd_all("v", |p| closures_of_closures(p, 3.0), &v, &dv);
}

#[differentiate]
fn move_closure_copies(x: f64) -> f64 {
    let mut a = x;
    let scale = move |t: f64| t * a;
    a = 10.0 * x;
    scale(2.0) + a
}

#[test]
fn move_closures_copy_what_they_capture() {
    let (value, dx) = move_closure_copies_grad(1.5);
    assert_closed("value", value, 3.0 + 15.0);
    assert_closed("d/dx", dx, 12.0);
}

/// A closure written once, called in every iteration of a loop.
#[differentiate]
fn closure_in_a_loop(x: &[f64], k: f64) -> f64 {
    let decay = |t: f64, i: usize| t * (-k * i as f64).exp();
    let mut total = 0.0;
    for i in 0..x.len() {
        total += decay(x[i], i) * x[i];
    }
    total
}

#[test]
fn closures_in_loops() {
    let x = [0.5, -1.0, 2.0];
    let k = 0.3;
    let (_, (dx, dk)) = closure_in_a_loop_grad(&x, k);
    assert_fd_all("x", |p| closure_in_a_loop(p, k), &x, &dx);
    assert_fd_all("k", |p| closure_in_a_loop(&x, p[0]), &[k], &[dk]);
}
