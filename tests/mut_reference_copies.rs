//! Found by the fourth unseen corpus (functions translated from clad's,
//! Enzyme's and GradBench's tests without reading the macro): a value
//! copied out through a `&mut` reference (`let old = *v;`) and then
//! overwritten through it (`*v = ..`) kept reading the new value — a wrong
//! value and a silently wrong gradient. Each form is checked against
//! closed forms and finite differences. With the compile failures the same
//! corpus found: an owned constant passed by value in a loop that is not
//! fused, `copy_from_slice(&rows[r])`, an integer buffer lent by reference.
#![allow(
    clippy::needless_range_loop,
    clippy::useless_vec,
    clippy::assign_op_pattern
)]

mod common;

use common::{assert_all_closed, assert_closed, assert_fd, assert_fd_all};
use gradmacro::differentiate;

const X: [f64; 5] = [1.1, 1.7, 0.6, 1.3, 0.9];

/// `let e = &mut acc; let old = *e; *e = 10.0; *e += old * old;`
#[differentiate]
fn through_variable(x: f64) -> f64 {
    let mut acc = x;
    let e = &mut acc;
    let old = *e;
    *e = 10.0;
    *e += old * old;
    acc
}

#[test]
fn a_copy_through_a_variable_reference_keeps_its_value() {
    let (value, dx) = through_variable_grad(1.5);
    assert_closed("value", value, 10.0 + 1.5 * 1.5);
    assert_closed("d/dx", dx, 3.0);
    assert_fd("d/dx", dx, through_variable, 1.5);
}

#[differentiate]
fn for_mut_items(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    for v in &mut a {
        let old = *v;
        *v = 0.0;
        *v = old * old;
    }
    a.iter().sum::<f64>()
}

#[differentiate]
fn iter_mut_items(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    for v in a.iter_mut() {
        let old: f64 = *v;
        *v = 0.0;
        *v += old * old;
    }
    a.iter().sum::<f64>()
}

#[differentiate]
fn read_after_update(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let mut s = 0.0;
    for v in a.iter_mut() {
        let t = *v;
        *v = *v * 2.0;
        s += t * *v;
    }
    s
}

#[differentiate]
fn element_reference(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let e = &mut a[1];
    let old = *e;
    *e = 10.0;
    *e += old * old;
    a.iter().sum::<f64>()
}

#[differentiate]
fn olds_kept(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let mut olds = vec![0.0; a.len()];
    for (i, v) in a.iter_mut().enumerate() {
        let old = *v;
        *v = v.sin();
        olds[i] = old;
    }
    olds.iter().sum::<f64>() + a.iter().sum::<f64>()
}

#[differentiate]
fn zip_swap(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let mut b = x.to_vec();
    for (p, q) in a.iter_mut().zip(b.iter_mut()) {
        let t = *p;
        *p = *p * *q;
        *q = t + *q;
    }
    a.iter().sum::<f64>() + b.iter().map(|v| v * v).sum::<f64>()
}

#[differentiate]
fn index_loop_reference(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    for i in 0..a.len() {
        let e = &mut a[i];
        let old = *e;
        *e = old * old;
        a[i] += old;
    }
    a.iter().sum::<f64>()
}

#[test]
fn copies_through_element_references_keep_their_values() {
    type Case = (
        &'static str,
        fn(&[f64]) -> f64,
        fn(&[f64]) -> (f64, Vec<f64>),
    );
    let cases: [(Case, Vec<f64>); 7] = [
        (
            ("for v in &mut a", for_mut_items, for_mut_items_grad),
            X.iter().map(|v| 2.0 * v).collect(),
        ),
        (
            ("iter_mut, +=", iter_mut_items, iter_mut_items_grad),
            X.iter().map(|v| 2.0 * v).collect(),
        ),
        (
            (
                "read after update",
                read_after_update,
                read_after_update_grad,
            ),
            X.iter().map(|v| 4.0 * v).collect(),
        ),
        (
            (
                "let e = &mut a[1]",
                element_reference,
                element_reference_grad,
            ),
            vec![1.0, 2.0 * X[1], 1.0, 1.0, 1.0],
        ),
        (
            ("olds kept", olds_kept, olds_kept_grad),
            X.iter().map(|v| 1.0 + v.cos()).collect(),
        ),
        (
            ("zip swap", zip_swap, zip_swap_grad),
            X.iter().map(|v| 10.0 * v).collect(),
        ),
        (
            (
                "index loop reference",
                index_loop_reference,
                index_loop_reference_grad,
            ),
            X.iter().map(|v| 2.0 * v + 1.0).collect(),
        ),
    ];
    for ((what, f, grad), closed) in cases {
        let (value, dx) = grad(&X);
        assert_eq!(value, f(&X), "{what}: value");
        assert_all_closed(what, &dx, &closed);
        assert_fd_all(what, f, &X, &dx);
    }
}

// An owned constant (`idx.clone()`) passed by value to a helper in a loop
// that is not fused: the reverse sweep passes it to the pullback again.

#[differentiate(wrt = a)]
fn pick(a: &[f64], idx: Vec<usize>) -> f64 {
    a[idx[0]] * a[idx[1]]
}

#[differentiate(wrt = a)]
fn product_of_picks(a: &[f64]) -> f64 {
    let idx = vec![1usize, 0];
    let mut s = 1.0;
    for _ in 0..2 {
        s *= pick(a, idx.clone());
    }
    s
}

// An integer buffer passed by reference (not a float buffer: no adjoint
// lent for it).

#[differentiate(wrt = a)]
fn pick_by_reference(a: &[f64], idx: &[usize]) -> f64 {
    a[idx[0]] * a[idx[1]]
}

#[differentiate(wrt = a)]
fn picks_by_reference(a: &[f64]) -> f64 {
    let idx = vec![1usize, 0];
    let mut used = vec![0usize; 2];
    used[0] = 1;
    pick_by_reference(a, &idx) + pick_by_reference(a, &used)
}

#[test]
fn constant_arguments_owned_or_of_integers() {
    let a = [2.0, 3.0];
    let (value, da) = product_of_picks_grad(&a);
    assert_closed("value", value, 36.0);
    assert_all_closed("d/da", &da, &[36.0, 24.0]);
    assert_fd_all("picks", product_of_picks, &a, &da);
    let (value, da) = picks_by_reference_grad(&a);
    assert_closed("value", value, 6.0 + 6.0);
    assert_fd_all("picks by reference", picks_by_reference, &a, &da);
}

// `copy_from_slice(&rows[r])`: a row of a `Vec<Vec<f64>>` as the source.

#[differentiate(wrt = w)]
fn copy_a_row(w: &[f64], x: &[f64]) -> f64 {
    let mut hidden = vec![vec![0.0; 2]; 2];
    for r in 0..2 {
        for i in 0..2 {
            hidden[r][i] = w[i] * x[i] * (r as f64 + 1.0);
        }
    }
    let mut input = x.to_vec();
    input.copy_from_slice(&hidden[1]);
    input[0] * input[1]
}

#[test]
fn a_row_copied_from_a_slice_reference() {
    let (w, x) = ([0.5, -1.5], [2.0, 3.0]);
    let (value, dw) = copy_a_row_grad(&w, &x);
    // input = 2·w⊙x: value 4·w0·w1·x0·x1.
    assert_closed("value", value, 4.0 * w[0] * w[1] * x[0] * x[1]);
    assert_all_closed(
        "d/dw",
        &dw,
        &[4.0 * w[1] * x[0] * x[1], 4.0 * w[0] * x[0] * x[1]],
    );
    assert_fd_all("copy a row", |w| copy_a_row(w, &x), &w, &dw);
}

// An element lent `&mut` per iteration (`twice(&mut a[i])`): the reverse
// sweep hands the pullback the element as it was — a copy of that element,
// not of the buffer (which made the gradient quadratic in the length).

#[differentiate]
fn twice_element(d: &mut f64) {
    *d = 2.0 * *d;
}

#[differentiate]
fn lend_elements(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let mut res = 0.0;
    for i in 0..a.len() {
        twice_element(&mut a[i]);
        res += a[i] * a[i] * x[i];
    }
    res
}

/// A row and a slice lent per iteration.
#[differentiate]
fn scale_all(v: &mut [f64], by: f64) {
    for e in v.iter_mut() {
        *e *= by;
    }
}

#[differentiate]
fn lend_rows_and_slices(x: &[f64], by: f64) -> f64 {
    let mut rows = vec![x.to_vec(), x.to_vec()];
    let mut flat = x.to_vec();
    let mut total = 0.0;
    for r in 0..2 {
        scale_all(&mut rows[r], by);
        scale_all(&mut flat[1..3], by);
        total += rows[r][0] * rows[r][1] + flat[1] * flat[2];
    }
    total
}

#[test]
fn parts_lent_per_iteration() {
    let (value, dx) = lend_elements_grad(&X);
    assert_closed("value", value, X.iter().map(|v| 4.0 * v * v * v).sum());
    let closed: Vec<f64> = X.iter().map(|v| 12.0 * v * v).collect();
    assert_all_closed("d/dx", &dx, &closed);
    assert_fd_all("lend elements", lend_elements, &X, &dx);
    let by = 1.3;
    let (_, (dx, dby)) = lend_rows_and_slices_grad(&X, by);
    assert_fd_all("rows and slices", |x| lend_rows_and_slices(x, by), &X, &dx);
    assert_fd("d/dby", dby, |b| lend_rows_and_slices(&X, b), by);
}

// `let e = &mut acc;` in a plain block nested in the one declaring `acc`,
// and of a `mut` parameter (both rejected before).

#[differentiate]
fn borrow_in_a_block(i: f64) -> f64 {
    let mut b = i * 2.0;
    {
        let a = &mut b;
        *a += i;
    }
    b * b
}

#[differentiate]
fn borrow_a_parameter(mut i: f64) -> f64 {
    let c = &mut i;
    *c += 3.0;
    *c *= 2.0;
    i * i
}

#[test]
fn mut_borrows_of_an_enclosing_scope() {
    let x = 0.7;
    let (value, dx) = borrow_in_a_block_grad(x);
    assert_closed("value", value, 9.0 * x * x);
    assert_closed("d/dx", dx, 18.0 * x);
    assert_fd("d/dx", dx, borrow_in_a_block, x);
    let (value, dx) = borrow_a_parameter_grad(x);
    assert_closed("value", value, 4.0 * (x + 3.0) * (x + 3.0));
    assert_closed("d/dx", dx, 8.0 * (x + 3.0));
    assert_fd("d/dx", dx, borrow_a_parameter, x);
}

#[differentiate]
fn borrow_in_a_branch(x: f64) -> f64 {
    let mut b = x * 2.0;
    if x > 0.0 {
        let a = &mut b;
        *a += x;
    }
    b * b
}

#[test]
fn a_mut_borrow_in_a_branch() {
    for x in [0.5, -0.5] {
        let (value, dx) = borrow_in_a_branch_grad(x);
        assert_eq!(value, borrow_in_a_branch(x));
        assert_fd("d/dx", dx, borrow_in_a_branch, x);
    }
}

// `x.as_slice()` passed to a helper: `&x[..]`.

#[differentiate]
fn sine_weighted(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += (a[i] * b[i]).sin() * a[i];
    }
    s
}

#[differentiate]
fn through_as_slice(x: &Vec<f64>, w: &[f64]) -> f64 {
    sine_weighted(x.as_slice(), w)
}

#[test]
fn a_vec_passed_as_slice() {
    let (x, w) = (vec![0.3, 0.5, -0.2], [0.7, -1.1, 0.4]);
    let (value, (dx, dw)) = through_as_slice_grad(&x, &w);
    assert_eq!(value, through_as_slice(&x, &w));
    assert_fd_all("d/dx", |x| through_as_slice(&x.to_vec(), &w), &x, &dx);
    assert_fd_all("d/dw", |w| through_as_slice(&x, w), &w, &dw);
}

// A range slice of a constant integer buffer (`&idx[1..]`), passed to a
// helper and iterated: kept as written.

#[differentiate(wrt = x)]
fn gather_squares(x: &[f64], idx: &[usize]) -> f64 {
    let mut s = 0.0;
    for &k in idx {
        s += x[k] * x[k];
    }
    s
}

#[differentiate(wrt = x)]
fn gather_parts(x: &[f64], idx: &[usize]) -> f64 {
    gather_squares(x, &idx[1..]) + gather_squares(x, &idx[..2])
}

#[differentiate(wrt = x)]
fn sines_in_order(x: &[f64], order: &[usize]) -> f64 {
    let mut s = 0.0;
    for &k in &order[1..] {
        s += x[k].sin();
    }
    s * order[1..].len() as f64
}

#[test]
fn range_slices_of_index_buffers() {
    let x = [0.3, -0.7, 1.1, 0.4];
    let idx = [2usize, 0, 3];
    let (value, dx) = gather_parts_grad(&x, &idx);
    assert_eq!(value, gather_parts(&x, &idx));
    assert_all_closed("d/dx", &dx, &[4.0 * x[0], 0.0, 2.0 * x[2], 2.0 * x[3]]);
    let (value, dx) = sines_in_order_grad(&x, &idx);
    assert_eq!(value, sines_in_order(&x, &idx));
    assert_all_closed("d/dx", &dx, &[2.0 * x[0].cos(), 0.0, 0.0, 2.0 * x[3].cos()]);
    assert_fd_all("sines in order", |x| sines_in_order(x, &idx), &x, &dx);
}

// The same through a method of a constant receiver.

struct Picker {
    scale: f64,
}

#[differentiate]
impl Picker {
    #[differentiate(wrt = a)]
    fn pick(&self, a: &[f64], idx: Vec<usize>) -> f64 {
        self.scale * a[idx[0]] * a[idx[1]]
    }
}

#[differentiate(wrt = a)]
fn product_of_method_picks(m: &Picker, a: &[f64]) -> f64 {
    let idx = vec![1usize, 0];
    let mut s = 1.0;
    for _ in 0..2 {
        s *= m.pick(a, idx.clone());
    }
    s
}

#[test]
fn an_owned_constant_passed_to_a_method_in_a_loop() {
    let (m, a) = (Picker { scale: 0.5 }, [2.0, 3.0]);
    let (value, da) = product_of_method_picks_grad(&m, &a);
    assert_closed("value", value, 9.0);
    assert_all_closed("d/da", &da, &[9.0, 6.0]);
    assert_fd_all("method picks", |a| product_of_method_picks(&m, a), &a, &da);
}

/// `v.as_slice()` passed while `v` changes in the loop: the argument as it
/// was at the call (it read `v`'s final contents, a wrong gradient, when
/// `as_slice` was not lowered as the argument `&v[..]`).
#[differentiate]
fn sines_of_a_changing_buffer(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let mut s = 0.0;
    for i in 0..2 {
        v[i] *= 2.0;
        s += sum_of_sines(v.as_slice());
    }
    s
}

#[differentiate]
fn sum_of_sines(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += v.sin();
    }
    s
}

#[test]
fn as_slice_of_a_buffer_changed_in_the_loop() {
    let x = [0.7, -1.3, 0.4];
    let (value, dx) = sines_of_a_changing_buffer_grad(&x);
    assert_eq!(value, sines_of_a_changing_buffer(&x));
    // s = sin 2x0 + sin x1 + sin x2 + sin 2x0 + sin 2x1 + sin x2.
    let closed = [
        4.0 * (2.0 * x[0]).cos(),
        x[1].cos() + 2.0 * (2.0 * x[1]).cos(),
        2.0 * x[2].cos(),
    ];
    assert_all_closed("d/dx", &dx, &closed);
    assert_fd_all("as_slice", sines_of_a_changing_buffer, &x, &dx);
}
