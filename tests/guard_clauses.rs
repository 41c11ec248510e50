//! Functions that start with guard clauses (`if n == 0 { return 0.0; }`),
//! split into the guard's function and the rest's (`guard.rs`) so that the
//! rest's loops are fused. Each checks both sides of the guard against
//! closed forms and central differences, through `NAME_grad` and
//! `NAME_pullback`, in recursion, with statements before the guard, and
//! where the statements before it are not pure (the function stays whole).

#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_all_closed, assert_closed, assert_fd, assert_fd_all};
use gradmacro::differentiate;

/// `√Σ x²` with an empty input guarded, its length bound first.
#[differentiate]
fn norm(x: &[f64]) -> f64 {
    let n = x.len();
    if n == 0 {
        return 0.0;
    }
    let mut s = 0.0;
    for i in 0..n {
        s += x[i] * x[i];
    }
    s.sqrt()
}

#[test]
fn a_guarded_norm_on_both_sides_of_the_guard() {
    let (value, grad) = norm_grad(&[3.0, 4.0]);
    assert_closed("value", value, 5.0);
    assert_all_closed("gradient", &grad, &[0.6, 0.8]);
    let (value, grad) = norm_grad(&[]);
    assert_closed("empty", value, 0.0);
    assert!(grad.is_empty());
    let (value, (grad,)) = norm_pullback(&[3.0, 4.0], 2.0);
    assert_closed("pullback value", value, 5.0);
    assert_all_closed("pullback", &grad, &[1.2, 1.6]);
}

/// The determinant by minors with its base case as a guard: the loop over
/// the columns is fused in the rest, and the recursive call preaccumulated.
#[differentiate(wrt = a)]
fn det(a: &[f64], n: usize) -> f64 {
    if n == 1 {
        return a[0];
    }
    let mut total = 0.0;
    let mut sign = 1.0;
    for col in 0..n {
        let mut minor = Vec::with_capacity((n - 1) * (n - 1));
        for r in 1..n {
            for c in 0..n {
                if c != col {
                    minor.push(a[r * n + c]);
                }
            }
        }
        total += sign * a[col] * det(&minor, n - 1);
        sign = -sign;
    }
    total
}

#[test]
fn a_recursive_determinant_with_its_base_case_as_a_guard() {
    let a = [2.0, -1.0, 0.5, 0.3, 1.5, -0.7, 1.1, 0.2, 0.9];
    let (value, grad) = det_grad(&a, 3);
    assert_closed("value", value, det(&a, 3));
    // The cofactor matrix.
    let m = |r: usize, c: usize| a[r * 3 + c];
    let mut cofactors = [0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            let (r1, r2, c1, c2) = ((r + 1) % 3, (r + 2) % 3, (c + 1) % 3, (c + 2) % 3);
            cofactors[r * 3 + c] = m(r1, c1) * m(r2, c2) - m(r1, c2) * m(r2, c1);
        }
    }
    assert_all_closed("cofactors", &grad, &cofactors);
    let (value, grad) = det_grad(&[2.5], 1);
    assert_closed("1 × 1", value, 2.5);
    assert_all_closed("1 × 1 gradient", &grad, &[1.0]);
}

/// Several guards in a row, a guard reading a differentiated value, and a
/// guard whose value depends on the parameters.
#[differentiate(wrt = [x, w])]
fn clipped(x: &[f64], w: f64, limit: usize) -> f64 {
    let n = x.len().min(limit);
    if n == 0 {
        return w * w;
    }
    if x[0] > 10.0 {
        return x[0] * w;
    }
    let mut total = 0.0;
    for i in 0..n {
        total += (w * x[i]).tanh();
    }
    total / n as f64
}

#[test]
fn several_guards_and_a_guard_on_a_differentiated_value() {
    let x = [0.3, -1.2, 0.8, 2.0];
    let w = 0.7;
    for (at, limit) in [(x.to_vec(), 3), (vec![12.0, 1.0], 2), (x.to_vec(), 0)] {
        let (value, (dx, dw)) = clipped_grad(&at, w, limit);
        assert_closed("value", value, clipped(&at, w, limit));
        assert_fd_all("d/dx", |x| clipped(x, w, limit), &at, &dx);
        assert_fd("d/dw", dw, |w| clipped(&at, w, limit), w);
    }
}

/// A guard written with an empty `else`, then a second guard: both are
/// split off.
#[differentiate]
#[allow(clippy::needless_else)]
fn with_empty_else(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    } else {
    }
    if x.len() < 2 {
        return x[0] * 3.0;
    }
    let mut s = 0.0;
    for v in x {
        s += v * v + v.sin();
    }
    s
}

#[test]
fn a_guard_with_an_empty_else_and_a_second_guard() {
    for x in [vec![], vec![0.4], vec![0.3, -1.2, 2.0]] {
        let (value, grad) = with_empty_else_grad(&x);
        assert_closed("value", value, with_empty_else(&x));
        if !x.is_empty() {
            assert_fd_all("gradient", with_empty_else, &x, &grad);
        }
    }
}

/// A statement before the guard that is not pure (a call): the function is
/// kept whole, and still right.
#[differentiate]
fn scaled(x: &[f64]) -> f64 {
    let k = weight(x.len());
    if k == 0.0 {
        return 0.0;
    }
    let mut s = 0.0;
    for v in x {
        s += k * v * v;
    }
    s
}

fn weight(n: usize) -> f64 {
    1.0 / (n as f64 + 1.0)
}

#[test]
fn an_impure_statement_before_the_guard_keeps_the_function_whole() {
    let x = [1.0, 2.0];
    let (value, grad) = scaled_grad(&x);
    assert_closed("value", value, 5.0 / 3.0);
    assert_all_closed("gradient", &grad, &[2.0 / 3.0, 4.0 / 3.0]);
}

struct Scaled {
    k: f64,
}

#[differentiate]
impl Scaled {
    /// A method with a guard on the whole `impl`: the companions inline the
    /// guard's and the rest's bodies (a call would need `Self::`).
    fn norm(&self, x: &[f64]) -> f64 {
        if x.is_empty() {
            return self.k;
        }
        let mut s = 0.0;
        for v in x {
            s += self.k * v * v;
        }
        s.sqrt()
    }
}

/// A generic guard.
#[differentiate]
fn generic_norm<T: gradmacro::num_traits::Float>(x: &[T]) -> T {
    if x.is_empty() {
        return T::zero();
    }
    let mut s = T::zero();
    for v in x {
        s = s + *v * *v;
    }
    s.sqrt()
}

/// A guard in a function with an out-parameter, called by another.
#[differentiate]
fn with_total(x: &[f64], total: &mut f64) -> f64 {
    if x.len() < 2 {
        return 1.0;
    }
    let mut s = 0.0;
    for v in x {
        s += v;
    }
    *total = s * 2.0;
    s * s
}

#[differentiate]
fn uses_total(x: &[f64]) -> f64 {
    let mut total = 0.0;
    let r = with_total(x, &mut total);
    r + total * total
}

#[test]
fn guards_in_methods_generics_and_out_parameters() {
    let s = Scaled { k: 2.0 };
    let (value, grad) = s.norm_grad(&[3.0, 4.0]);
    assert_closed("method", value, 50f64.sqrt());
    assert_fd_all("method", |x| s.norm(x), &[3.0, 4.0], &grad);
    assert_closed("method guard", s.norm_grad(&[]).0, 2.0);
    let (value, grad) = generic_norm_grad(&[3.0f32, 4.0]);
    assert!((value - 5.0).abs() < 1e-6 && (grad[0] - 0.6).abs() < 1e-6);
    assert_closed("generic guard", generic_norm_grad::<f64>(&[]).0, 0.0);
    let (value, grad) = uses_total_grad(&[1.0, 2.0]);
    assert_closed("out-parameter", value, 45.0);
    assert_all_closed("out-parameter", &grad, &[30.0, 30.0]);
    let (value, grad) = uses_total_grad(&[1.0]);
    assert_closed("out-parameter guard", value, 1.0);
    assert_all_closed("out-parameter guard", &grad, &[0.0]);
}
