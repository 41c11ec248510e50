//! Inputs the random-program tester (`fuzz/`) found wrong or uncompilable,
//! each reduced to its smallest form and checked against closed forms and
//! finite differences.
#![allow(
    clippy::let_and_return,
    clippy::needless_range_loop,
    unused_assignments,
    clippy::useless_vec,
    clippy::needless_late_init
)]

mod common;

use common::{assert_closed, assert_fd};
use gradmacro::differentiate;
use gradmacro::vector::{softmax, softmax_pullback};

/// An element pushed after the buffer was made from `x`: the pushed
/// element's adjoint once also flowed into `vec![x; 1]` (which never held it).
#[differentiate]
fn pushed_after_use(x: f64) -> f64 {
    let mut b = vec![x; 1];
    b.push(3.0 * x);
    b[1] + 0.5 * b[0]
}

#[differentiate]
fn pushed_after_loop(x0: f64, n: usize) -> f64 {
    let mut h: Vec<f64> = vec![x0; 3];
    for _ in 0..n {
        for j in 0..h.len() {
            h[j] = x0.tanh();
        }
    }
    h.push(0.5_f64);
    h[n - 1] + h[3]
}

#[test]
fn a_pushed_element_has_no_adjoint_before_the_push() {
    let (value, dx) = pushed_after_use_grad(0.7);
    assert_closed("value", value, 3.5 * 0.7);
    assert_closed("d/dx", dx, 3.5);
    let (value, dx) = pushed_after_loop_grad(0.7, 2);
    assert_closed("value", value, 0.7f64.tanh() + 0.5);
    assert_closed("d/dx", dx, 1.0 - 0.7f64.tanh().powi(2));
    let (_, dx) = pushed_after_loop_grad(0.7, 1);
    assert_fd("d/dx", dx, |x| pushed_after_loop(x, 1), 0.7);
}

/// A literal given its type by the `let`'s annotation, then a method on it.
#[differentiate]
fn annotated_literal_buffer(x: f64) -> f64 {
    let h: Vec<f64> = vec![0.5; 2];
    h[0].sin() + x * h[1].exp()
}

/// A literal assigned to a variable whose type the first `let` fixed.
#[differentiate]
fn reassigned_literal(x: f64) -> f64 {
    let mut a: f64 = 0.5;
    a = 1.75;
    let mut b = x;
    b = 2.5;
    a.sin() * x + b.ln()
}

#[test]
fn literals_keep_the_type_their_variable_has() {
    let (value, dx) = annotated_literal_buffer_grad(0.3);
    assert_closed("value", value, 0.5f64.sin() + 0.3 * 0.5f64.exp());
    assert_closed("d/dx", dx, 0.5f64.exp());
    let (value, dx) = reassigned_literal_grad(0.3);
    assert_closed("value", value, 1.75f64.sin() * 0.3 + 2.5f64.ln());
    assert_closed("d/dx", dx, 1.75f64.sin());
}

/// The result of a helper bound to a name, then indexed or changed in place.
#[differentiate]
fn indexed_helper_result(x: f64, k: usize) -> f64 {
    let h = vec![x, 2.0 * x, -x];
    let p = softmax(&h);
    p[k] * 3.0
}

#[differentiate]
fn helper_result_changed_in_place(x: f64) -> f64 {
    let h = vec![x, 2.0 * x];
    let mut b = softmax(&h);
    for v in b.iter_mut() {
        *v -= x;
    }
    b[0] * b[1]
}

#[test]
fn a_bound_helper_result_is_a_buffer() {
    for k in 0..3 {
        let (_, dx) = indexed_helper_result_grad(0.7, k);
        assert_fd("d/dx", dx, |x| indexed_helper_result(x, k), 0.7);
    }
    let (value, dx) = helper_result_changed_in_place_grad(0.7);
    let p0 = 1.0 / (1.0 + 0.7f64.exp());
    assert_closed("value", value, (p0 - 0.7) * (1.0 - p0 - 0.7));
    assert_fd("d/dx", dx, helper_result_changed_in_place, 0.7);
}

use gradmacro::vector::{logsumexp, logsumexp_pullback_lent};

#[differentiate]
fn scale_in_place(a: f64, acc: &mut f64) {
    *acc += a * *acc;
}

/// A variable holding a helper's result, a sum, a branch's value or a fold,
/// lent `&mut` to a helper: it was lent as a constant (its derivative
/// through the helper silently lost).
#[differentiate]
fn lent_results(v: &[f64], x: f64) -> f64 {
    let mut a = logsumexp(v);
    scale_in_place(x, &mut a);
    let mut b = v.iter().sum::<f64>();
    scale_in_place(x, &mut b);
    let mut c = if x > 0.0 { v[0] } else { x };
    scale_in_place(x, &mut c);
    let mut d = v.iter().map(|t| t * x).fold(0.0, |p, q| p + q);
    scale_in_place(x, &mut d);
    a + b + c + d
}

#[test]
fn lent_variables_keep_their_derivatives() {
    let v = [0.1, 0.5];
    let (value, (dv, dx)) = lent_results_grad(&v, 0.7);
    assert_closed("value", value, lent_results(&v, 0.7));
    common::assert_fd_all("v", |v| lent_results(v, 0.7), &v, &dv);
    assert_fd("x", dx, |x| lent_results(&v, x), 0.7);
}

#[differentiate]
fn first_squared(y: &[f64]) -> f64 {
    y[0] * y[0]
}

/// A buffer lent `&y` to a helper, then replaced whole, filled or copied
/// into: the helper's pullback must see what the call saw.
#[differentiate]
fn replaced_after_the_call(a: f64) -> f64 {
    let mut y = vec![a];
    for _ in 0..2 {
        y = vec![first_squared(&y)];
    }
    y[0]
}

#[differentiate]
fn filled_after_the_call(a: f64) -> f64 {
    let mut y = vec![a, 0.5];
    let t = first_squared(&y);
    y.fill(t);
    let u = first_squared(&y[1..]);
    y.copy_from_slice(&[u, t]);
    y[0] + y[1]
}

#[differentiate]
fn collected_after_the_call(a: f64, n: usize) -> f64 {
    let mut y = vec![a, 2.0 * a];
    for _ in 0..n {
        y = (0..2)
            .map(|i| first_squared(&y) * (i as f64 + 1.0))
            .collect();
    }
    y[1]
}

#[test]
fn a_lent_buffer_is_seen_as_the_call_saw_it() {
    let (value, da) = replaced_after_the_call_grad(2.0);
    assert_closed("value", value, 16.0);
    assert_closed("d/da", da, 32.0);
    let (value, da) = filled_after_the_call_grad(2.0);
    assert_closed("value", value, 16.0 + 4.0);
    assert_closed("d/da", da, 32.0 + 4.0);
    let (value, da) = collected_after_the_call_grad(0.7, 2);
    assert_closed("value", value, collected_after_the_call(0.7, 2));
    assert_fd("d/da", da, |a| collected_after_the_call(a, 2), 0.7);
}

/// A helper's result borrowed (`&a28`, taken for a buffer) and then used in
/// arithmetic through the reference: it is a float.
#[differentiate]
pub fn weighted_sum_helper(a: f64, b: f64, s: &[f64]) -> f64 {
    a * b + s[1]
}

#[differentiate]
pub fn borrowed_helper_result(x2: f64, mut x0: f64) -> f64 {
    let a28 = weighted_sum_helper(x2, x2, &[0.5_f64, x2]);
    let r40: &f64 = &a28;
    x0 += (r40 / x2).sin();
    let r41 = &a28;
    x0 * 2.0 + r41 * 3.0
}

#[test]
fn a_borrowed_helper_result_in_arithmetic() {
    let (value, (dx2, dx0)) = borrowed_helper_result_grad(0.7, 0.3);
    assert_closed("value", value, borrowed_helper_result(0.7, 0.3));
    assert_fd("d/dx2", dx2, |x| borrowed_helper_result(x, 0.3), 0.7);
    assert_closed("d/dx0", dx0, 2.0);
}

/// A literal pushed into an empty buffer whose `let` gives its type: the
/// annotation types the literal (`is_finite` on an ambiguous float before).
#[differentiate]
pub fn pushed_literal(x0: f64) -> f64 {
    let mut b12: Vec<f64> = Vec::with_capacity(4);
    b12.push(2.5);
    b12.push(x0);
    if b12[0].is_finite() {
        b12[1] * b12[0].sqrt()
    } else {
        0.5_f64
    }
}

#[test]
fn a_literal_pushed_into_an_annotated_buffer() {
    let (value, dx) = pushed_literal_grad(0.7);
    assert_closed("value", value, 0.7 * 2.5f64.sqrt());
    assert_closed("d/dx", dx, 2.5f64.sqrt());
}

/// A helper's float result borrowed (`let r = &a;`) and then used both
/// through the reference and directly: it stays a float (it was taken for a
/// buffer, and `a + x` of it did not compile).
#[differentiate]
pub fn tripled(a: f64, _d: usize) -> f64 {
    3.0 * a
}

#[differentiate]
pub fn borrowed_then_direct(x0: f64, x2: f64) -> f64 {
    let a16 = tripled(x0, 3);
    let r20 = &a16;
    let y: f64 = a16;
    let f26 = move |_t27: f64| tripled(x2, 1);
    let a28: f64 = f26(x0);
    let r34 = &a28;
    (*r34 + x0) * *r34 + (a16 + y).atan() + *r20
}

/// `*v` of an `iter_mut` item (a place, not a row) passed to a rule.
#[differentiate(wrt = [x0])]
pub fn deref_item_into_rule(x0: f64, m1: &[Vec<f64>]) -> f64 {
    let mut b13 = vec![x0; 1];
    for v19 in b13.iter_mut() {
        *v19 += m1
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(i, _)| f64::max(*v19, row[i]).tanh())
                    .sum::<f64>()
            })
            .sum::<f64>();
    }
    b13[0]
}

#[test]
fn borrowed_floats_and_item_places() {
    let (x0, x2) = (0.4, -0.3);
    let (value, (d0, d2)) = borrowed_then_direct_grad(x0, x2);
    assert_closed("value", value, borrowed_then_direct(x0, x2));
    assert_fd("d/dx0", d0, |x| borrowed_then_direct(x, x2), x0);
    assert_fd("d/dx2", d2, |x| borrowed_then_direct(x0, x), x2);
    let m = vec![vec![1.0, 0.2], vec![-0.5, 0.9]];
    let (value, dx) = deref_item_into_rule_grad(0.7, &m);
    assert_closed("item value", value, deref_item_into_rule(0.7, &m));
    assert_fd("item d/dx", dx, |x| deref_item_into_rule(x, &m), 0.7);
}

/// A float declared with its type and no value, assigned a literal later.
#[differentiate]
pub fn declared_then_assigned(a: f64) -> f64 {
    let y11: f64;
    y11 = 2.25;
    if y11.recip() <= 0.0 {
        return 0.0;
    }
    a * y11.sqrt()
}

#[test]
fn a_typed_declaration_types_its_later_literal() {
    let (value, da) = declared_then_assigned_grad(0.5);
    assert_closed("value", value, 0.75);
    assert_closed("d/da", da, 1.5);
}

/// `collect::<Vec<f64>>()` of literal items: the turbofish types the buffer
/// (the items alone are `{float}`), so `b[0].abs()` later is unambiguous.
#[differentiate]
pub fn collected_literals(p: [f64; 3]) -> f64 {
    let b = p.iter().map(|_| 1.75).collect::<Vec<f64>>();
    let c: Vec<f64> = b.iter().map(|_| b[0].abs()).collect();
    p[0] * c[1]
}

#[test]
fn a_turbofish_types_the_collected_buffer() {
    let p = [0.5, -1.0, 2.0];
    let (value, g) = collected_literals_grad(p);
    assert_closed("value", value, 0.875);
    assert_eq!(g, [1.75, 0.0, 0.0]);
}

/// A buffer made in each iteration of a loop, read at an index the loop does
/// not change: its adjoint is summed per iteration, not across the loop (the
/// buffer, and its adjoint, are the iteration's).
#[differentiate(wrt = [x2])]
pub fn snapshot_per_iteration(x0: f64, x2: f64) -> f64 {
    let xc: [f64; 4] = [x0 * x2; 4];
    let mut terms: [f64; 3] = [0.5_f64; 3];
    for i in 0..2 {
        for c in 0..3 {
            let snap = xc.to_vec();
            terms[c] = snap.iter().map(|_| snap[i]).sum::<f64>();
        }
    }
    terms[1] * x2
}

#[test]
fn an_invariant_read_of_a_buffer_made_per_iteration() {
    let (x0, x2) = (0.3, -1.2);
    let (value, d2) = snapshot_per_iteration_grad(x0, x2);
    assert_closed("value", value, 4.0 * x0 * x2 * x2);
    assert_fd("d/dx2", d2, |x| snapshot_per_iteration(x0, x), x2);
}

/// A variable typed by its first value (a suffixed literal, a rule of a
/// float), then assigned an untyped literal and used as a method receiver:
/// the new value carries the variable's type.
#[differentiate]
pub fn retyped_literals(x0: f64) -> f64 {
    let mut a = 0.5_f64;
    a = -1.0;
    let mut b = x0.powi(4);
    b = 2.0;
    x0 * a.min(0.25_f64) + b.sqrt() * x0
}

#[test]
fn a_reassigned_literal_keeps_the_variable_type() {
    let (value, d) = retyped_literals_grad(0.5);
    assert_closed("value", value, -0.5 + 2f64.sqrt() * 0.5);
    assert_closed("d/dx0", d, -1.0 + 2f64.sqrt());
}

/// The same, for a variable whose first value is an `if` expression (a
/// slot written in both branches): the slot takes its branches' type
/// (`cargo run --release -p gradmacro-fuzz -- --only 0x8da327082016431e`).
#[differentiate]
pub fn retyped_after_branches(x0: f64) -> f64 {
    let mut a11 = if x0 < 0.5_f64 { x0 } else { 0.5_f64 };
    a11 = 0.7;
    x0 * a11.cos()
}

#[test]
fn a_reassigned_literal_keeps_the_type_of_its_branches() {
    let (value, d) = retyped_after_branches_grad(0.3);
    assert_closed("value", value, 0.3 * 0.7f64.cos());
    assert_closed("d/dx0", d, 0.7f64.cos());
}

/// A `&mut` parameter passed on by name to a helper taking `&[f64]`, with an
/// element of it read in a later argument: the generated `&mut` borrow is
/// made after the other arguments, as Rust's shared reborrow allows
/// (`cargo run --release -p gradmacro-fuzz -- --only 0xff47ebef480f9d40`).
#[differentiate]
pub fn scaled_first(s: &[f64], a: f64, b: f64) -> f64 {
    0.5_f64 * a * s[0] * b
}

#[differentiate]
pub fn refill_from_neighbours(out: &mut [f64]) {
    for i in 0..out.len() {
        out[i] = scaled_first(out, out[(i + 1) % out.len()], 1.25);
    }
}

#[differentiate]
pub fn neighbours(a: f64) -> f64 {
    let mut v = vec![a, 2.0 * a, a * a];
    refill_from_neighbours(&mut v);
    v[0] + v[1] * v[2]
}

#[test]
fn a_mut_parameter_lent_after_the_other_arguments() {
    let a = 0.7;
    let (value, d) = neighbours_grad(a);
    assert_closed("value", value, neighbours(a));
    assert_fd("d/da", d, neighbours, a);
}

/// A preaccumulated call whose result no adjoint reaches on the path taken
/// (`a` is read only in the other branch), its gradient `NaN` there
/// (`tanh'` of `NaN`): scaled by the zero seed it adds 0, not `NaN`
/// (`cargo run --release -p gradmacro-fuzz -- --only 0x3da5499e884394a0`).
#[differentiate]
pub fn nan_helper(a: f64, _d: usize) -> f64 {
    a.tanh()
}

#[differentiate]
pub fn unused_on_this_path(x0: f64, mut x2: f64, n: usize) -> f64 {
    let mut a = 0.5_f64;
    if n % 2 == 1 {
        a += nan_helper(x0.powf(0.5_f64), 1);
    } else {
        x2 += a;
    }
    x2
}

#[test]
fn a_zero_seed_scales_a_nan_gradient_to_zero() {
    let (value, (d0, d2)) = unused_on_this_path_grad(-1.479011, 0.534247, 3);
    assert_eq!((value, d0, d2), (0.534247, 0.0, 1.0));
}
