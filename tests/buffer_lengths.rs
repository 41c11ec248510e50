//! Buffers whose length changes: `truncate`, `clear`, `resize`, `pop` (also
//! in `while let`), with `push` before and after, in loops; and the `Option`s
//! of elements (`get`, `first`, `last`, `pop`) in `if let`, `unwrap`,
//! `expect`, `unwrap_or`. Each against finite differences: the adjoint of a
//! buffer follows its length back through the reverse sweep.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

#[differentiate]
fn truncated_then_pushed(x: f64) -> f64 {
    let mut b = vec![x, 2.0 * x, 3.0 * x];
    let s = b[2] * b[1];
    b.truncate(1);
    b.push(x * x);
    s + b[1] + b[0]
}

#[differentiate]
fn resized_with_a_value(x: f64, y: f64) -> f64 {
    let mut b = vec![x; 2];
    b.resize(4, y * y);
    let grown: f64 = b.iter().sum();
    b.resize(1, 7.0);
    grown * b[0] + b.len() as f64
}

#[differentiate]
fn cleared_in_a_loop(x: f64, n: usize) -> f64 {
    let mut b: Vec<f64> = Vec::new();
    let mut acc = 0.0;
    for i in 0..n {
        b.push(x * i as f64);
        if b.len() > 2 {
            acc += b[0] * b[2];
            b.clear();
        }
    }
    acc + b.iter().sum::<f64>()
}

#[differentiate]
fn shrunk_and_regrown(x: &[f64]) -> f64 {
    let mut b = x.to_vec();
    let mut acc = 0.0;
    for _ in 0..3 {
        acc += b[b.len() - 1].sin();
        b.truncate(b.len() - 1);
        b.resize(b.len() + 1, acc * 0.5);
    }
    acc * b[0]
}

#[test]
fn truncate_clear_resize() {
    let (value, dx) = truncated_then_pushed_grad(0.7);
    assert_closed("value", value, 6.0 * 0.49 + 0.49 + 0.7);
    assert_closed("d/dx", dx, 12.0 * 0.7 + 2.0 * 0.7 + 1.0);

    let (value, (dx, dy)) = resized_with_a_value_grad(0.7, 0.3);
    assert_closed("value", value, (1.4 + 0.18) * 0.7 + 1.0);
    assert_closed("d/dx", dx, 2.0 * 0.7 + 1.58);
    assert_closed("d/dy", dy, 4.0 * 0.3 * 0.7);

    for n in [0, 2, 3, 7] {
        let (value, dx) = cleared_in_a_loop_grad(0.7, n);
        assert_closed("value", value, cleared_in_a_loop(0.7, n));
        let f = |x: &[f64]| cleared_in_a_loop(x[0], n);
        assert_fd_all("cleared", f, &[0.7], &[dx]);
    }

    let x = [0.3, 0.5, 0.9, 1.1];
    let (value, grad) = shrunk_and_regrown_grad(&x);
    assert_closed("value", value, shrunk_and_regrown(&x));
    assert_fd_all("shrunk and regrown", shrunk_and_regrown, &x, &grad);
}

#[differentiate]
fn drained_stack(x: &[f64]) -> f64 {
    let mut stack = x.to_vec();
    let mut acc = 0.0;
    while let Some(t) = stack.pop() {
        acc = acc * 0.5 + t * t;
    }
    acc
}

#[differentiate]
fn popped_and_peeked(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let a = v.pop().unwrap();
    v.pop();
    let b = *v.last().unwrap();
    let c = v.first().copied().unwrap_or(0.0);
    a * b + c.sin() + v.len() as f64
}

#[differentiate]
fn options_of_elements(x: &[f64], i: usize) -> f64 {
    let mut s = 0.0;
    if let Some(&v) = x.get(i) {
        s += v * v;
    }
    if let Some(v) = x.last() {
        s += *v;
    }
    if let Some(t) = x.first() {
        s *= t;
    }
    s + x.get(i + 1).copied().unwrap_or(2.0)
}

/// A stack reduced pairwise: pushes and pops interleaved in a loop.
#[differentiate]
fn pairwise_products(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = Vec::new();
    for &e in x {
        v.push(e.exp());
        if v.len() > 1 {
            let t = v.pop().expect("two elements");
            let u = v.pop().unwrap();
            v.push(t * u);
        }
    }
    v[0]
}

#[test]
fn pop_and_the_options_of_elements() {
    let x = [0.3, 0.5, 0.9, 1.1];
    let (value, grad) = drained_stack_grad(&x);
    assert_closed("value", value, drained_stack(&x));
    assert_fd_all("drained stack", drained_stack, &x, &grad);

    let (value, grad) = popped_and_peeked_grad(&x);
    assert_closed("value", value, 1.1 * 0.5 + 0.3f64.sin() + 2.0);
    assert_fd_all("popped and peeked", popped_and_peeked, &x, &grad);

    for i in [0, 1, 3, 4, 9] {
        let (value, grad) = options_of_elements_grad(&x, i);
        assert_closed("value", value, options_of_elements(&x, i));
        assert_fd_all("options", |x| options_of_elements(x, i), &x, &grad);
    }

    let (value, grad) = pairwise_products_grad(&x);
    assert_closed("value", value, 2.8f64.exp());
    assert_all(&grad, 2.8f64.exp());
}

fn assert_all(grad: &[f64], expected: f64) {
    for (k, g) in grad.iter().enumerate() {
        assert_closed(&format!("d/dx{k}"), *g, expected);
    }
}

/// Buffers made inside a loop body whose length then changes: the adjoint
/// of each iteration's buffer has the length the buffer ended with (it was
/// once rebuilt from the constructor, at the length it began with).
#[differentiate]
fn shortened_in_each_iteration(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        let mut b = vec![x; 3];
        b[2] = x * i as f64;
        b.truncate(1);
        b.push(x * x);
        s += b[1] * b[0];
    }
    s
}

#[differentiate]
fn popped_and_regrown_in_each_iteration(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        let mut b = vec![x[0], x[1] * 2.0, x[2]];
        let t = b.pop().unwrap();
        b.resize(4, x[i] * t);
        s += b.iter().sum::<f64>() * b[3];
    }
    s
}

#[differentiate]
fn stack_across_iterations(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    let mut b = x.to_vec();
    for _ in 0..n {
        let t = b.pop().unwrap();
        s += t * b[b.len() - 1];
        b.push(t * 0.5);
        b.push(s);
    }
    s + b.iter().sum::<f64>()
}

#[test]
fn lengths_that_change_inside_loops() {
    let (value, dx) = shortened_in_each_iteration_grad(0.7, 3);
    assert_closed("value", value, 3.0 * 0.343);
    assert_closed("d/dx", dx, 9.0 * 0.49);

    let x = [0.3, -0.5, 0.9, 1.1, 0.2];
    let (value, grad) = popped_and_regrown_in_each_iteration_grad(&x, 3);
    assert_closed("value", value, popped_and_regrown_in_each_iteration(&x, 3));
    let f = |x: &[f64]| popped_and_regrown_in_each_iteration(x, 3);
    assert_fd_all("popped and regrown", f, &x, &grad);

    let (value, grad) = stack_across_iterations_grad(&x, 3);
    assert_closed("value", value, stack_across_iterations(&x, 3));
    assert_fd_all("stack", |x| stack_across_iterations(x, 3), &x, &grad);
}
