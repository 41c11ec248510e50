//! Issue 13, part 2: accepted inputs whose generated code once failed to
//! compile. Each now compiles and is checked against closed forms and
//! finite differences.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

/// The determinant by minors with the minor allocated inside the column loop
/// and passed by reference: the minor's adjoint buffer was sized by a length
/// out of scope in the reverse loop.
#[differentiate(wrt = [a])]
fn det(a: &[f64], ell: usize) -> f64 {
    if ell == 1 {
        return a[0];
    }
    let mut total = 0.0;
    let mut sign = 1.0;
    for col in 0..ell {
        let mut minor = vec![0.0; (ell - 1) * (ell - 1)];
        for r in 1..ell {
            let mut k = 0;
            for c in 0..ell {
                if c != col {
                    minor[(r - 1) * (ell - 1) + k] = a[r * ell + c];
                    k += 1;
                }
            }
        }
        total += sign * a[col] * det(&minor, ell - 1);
        sign = -sign;
    }
    total
}

#[test]
fn determinant_with_minor_allocated_in_the_loop() {
    let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0];
    let (value, grad) = det_grad(&a, 3);
    assert_closed("det", value, -3.0);
    // The gradient of a determinant is its cofactor matrix.
    let cofactors = [2.0, 2.0, -3.0, 4.0, -11.0, 6.0, -3.0, 6.0, -3.0];
    for (entry, expected) in grad.iter().zip(cofactors) {
        assert_closed("cofactor", *entry, expected);
    }
    let b = [
        0.3, -1.2, 0.5, 2.0, 0.7, -0.4, 1.1, 0.2, 0.9, -0.6, 1.5, 0.8, -0.3, 0.4, 1.3, 0.1,
    ];
    let (_, grad) = det_grad(&b, 4);
    assert_fd_all("det 4x4", |p| det(p, 4), &b, &grad);
}

/// A sum whose closure ignores the element: the accumulator takes the
/// turbofish's type.
#[differentiate]
fn ignored_elements(xs: &[f64]) -> f64 {
    xs.iter().map(|_| 2.0).sum::<f64>().ln() * xs[0]
}

#[test]
fn sums_of_literals_are_typed() {
    let (value, grad) = ignored_elements_grad(&[1.5, 2.0]);
    assert_closed("value", value, 4f64.ln() * 1.5);
    assert_closed("d/dx0", grad[0], 4f64.ln());
    assert_closed("d/dx1", grad[1], 0.0);
}

/// A buffer sized by a length, declared in a branch.
#[differentiate]
fn buffer_in_a_branch(xs: &[f64], square: bool) -> f64 {
    if square {
        let mut t = vec![0.0; xs.len()];
        for i in 0..xs.len() {
            t[i] = xs[i] * xs[i];
        }
        return t[0] + t[1];
    }
    xs[0]
}

/// A buffer sized by a length, declared after an early return.
#[differentiate]
fn buffer_after_return(xs: &[f64]) -> f64 {
    if xs[0] > 10.0 {
        return 0.0;
    }
    let mut t = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        t[i] = xs[i] * xs[i] * xs[i];
    }
    t[0] + t[1]
}

#[test]
fn local_buffers_in_branches_and_after_returns() {
    let x = [1.5, -2.0];
    let (value, grad) = buffer_in_a_branch_grad(&x, true);
    assert_closed("value", value, 6.25);
    assert_closed("d/dx0", grad[0], 3.0);
    assert_closed("d/dx1", grad[1], -4.0);
    let (value, grad) = buffer_in_a_branch_grad(&x, false);
    assert_closed("value", value, 1.5);
    assert_closed("d/dx0", grad[0], 1.0);
    let (value, grad) = buffer_after_return_grad(&x);
    assert_closed("value", value, 1.5f64.powi(3) - 8.0);
    assert_closed("d/dx0", grad[0], 3.0 * 2.25);
    assert_closed("d/dx1", grad[1], 12.0);
}

/// Generic callable parameters that are not `Copy`, called with constants.
#[differentiate(wrt = [x])]
fn scaled_by<F: Fn(f64) -> f64>(g: F, x: f64) -> f64 {
    g(2.0) * x * x + g(1.0)
}

#[differentiate(wrt = [x])]
fn scaled_by_impl(g: impl Fn(f64) -> f64, x: f64) -> f64 {
    g(2.0) * x.sin()
}

#[test]
fn callable_parameters_are_called_not_moved() {
    // A `Vec` capture makes the closure not `Copy`: it must not be moved twice.
    #[allow(clippy::useless_vec)]
    let captured = vec![3.0];
    let g = move |t: f64| t * captured[0];
    let (value, dx) = scaled_by_grad(&g, 1.5);
    assert_closed("value", value, 6.0 * 2.25 + 3.0);
    assert_closed("d/dx", dx, 12.0 * 1.5);
    let (value, dx) = scaled_by_impl_grad(g, 0.5);
    assert_closed("value", value, 6.0 * 0.5f64.sin());
    assert_closed("d/dx", dx, 6.0 * 0.5f64.cos());
}

/// An embedding lookup over indices taken by reference, in a loop that is
/// not fused: the index (not the reference it was read through) is saved.
#[differentiate(wrt = emb)]
fn embedding_lookup(emb: &[f64], ids: &[usize]) -> f64 {
    let mut h = 0.0;
    for &id in ids {
        h += emb[id];
    }
    h.tanh()
}

#[test]
fn indices_read_through_references() {
    let emb = [0.1, 0.2, 0.3];
    let (value, grad) = embedding_lookup_grad(&emb, &[0, 2, 2]);
    let h: f64 = 0.1 + 0.3 + 0.3;
    assert_closed("value", value, h.tanh());
    let slope = 1.0 - h.tanh().powi(2);
    assert_closed("d/de0", grad[0], slope);
    assert_closed("d/de1", grad[1], 0.0);
    assert_closed("d/de2", grad[2], 2.0 * slope);
}

/// A stray `;` is an empty statement.
#[differentiate]
#[rustfmt::skip]
#[allow(redundant_semicolons)]
fn stray_semicolon(x: f64) -> f64 {
    ; x * 2.0
}

/// A body that never returns is valid Rust, and differentiates (its
/// companions never return either).
#[differentiate]
#[allow(unreachable_code, unused_variables, clippy::empty_loop)]
fn never_returns(x: f64) -> f64 {
    loop {}
}

#[test]
fn empty_statements_and_diverging_bodies() {
    assert_closed("d/dx", stray_semicolon_grad(1.5).1, 2.0);
    // Only compiled: calling it would not return.
    let _: fn(f64) -> (f64, f64) = never_returns_grad;
}
