//! Inputs from the second unseen corpus (functions written by others, the
//! way they would write them) that did not compile or were rejected, each
//! reduced to its smallest form and checked against closed forms and finite
//! differences.
#![allow(
    clippy::needless_range_loop,
    clippy::ptr_arg,
    clippy::vec_init_then_push,
    clippy::useless_vec,
    clippy::manual_swap
)]

mod common;

use common::{assert_all_closed, assert_closed, assert_fd, assert_fd_all};
use gradmacro::differentiate;
use gradmacro::vector::{softmax, softmax_pullback};

// An array passed on by value from behind a reference: `g(*p, w)`.

#[differentiate]
fn weighted_pair(p: [f64; 2], w: f64) -> f64 {
    w * p[0] * p[0] + p[1]
}

#[differentiate]
fn through_array_reference(p: &[f64; 2], w: f64) -> f64 {
    weighted_pair(*p, w) * 2.0
}

#[test]
fn an_array_dereferenced_into_a_call() {
    let (value, (dp, dw)) = through_array_reference_grad(&[1.5, -0.5], 3.0);
    assert_closed("value", value, 2.0 * (3.0 * 2.25 - 0.5));
    assert_all_closed("d/dp", &dp, &[2.0 * 2.0 * 3.0 * 1.5, 2.0]);
    assert_closed("d/dw", dw, 2.0 * 2.25);
}

// A helper given a buffer of rows by reference: its adjoint is a buffer of
// rows too.

#[differentiate]
fn rows_total(rows: &Vec<Vec<f64>>) -> f64 {
    let mut total = 0.0;
    for row in rows {
        for v in row {
            total += v * v;
        }
    }
    total
}

#[differentiate]
fn rows_scaled(x: f64) -> f64 {
    let rows = vec![vec![x, 2.0 * x], vec![x * x]];
    rows_total(&rows)
}

#[test]
fn a_helper_given_rows() {
    let x = 0.8;
    let (value, dx) = rows_scaled_grad(x);
    assert_closed("value", value, 5.0 * x * x + x.powi(4));
    assert_closed("d/dx", dx, 10.0 * x + 4.0 * x.powi(3));
}

// A sort's order computed after a branch, used in a loop.

#[differentiate]
fn largest_two(x: &[f64], scale: f64) -> f64 {
    let mut s = 0.0;
    if scale > 0.0 {
        s += scale;
    }
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[b].partial_cmp(&x[a]).unwrap());
    for k in 0..2 {
        s += x[order[k]] * scale;
    }
    s
}

#[test]
fn a_sort_order_after_a_branch() {
    let x = [0.3, 2.0, -1.0, 1.5];
    let (value, (dx, dscale)) = largest_two_grad(&x, 0.5);
    assert_closed("value", value, 0.5 + 3.5 * 0.5);
    assert_all_closed("d/dx", &dx, &[0.0, 0.5, 0.0, 0.5]);
    assert_closed("d/dscale", dscale, 1.0 + 3.5);
}

// A field iterated through `&self`, zipped with a buffer.

struct Weights {
    w: Vec<f64>,
}

impl Weights {
    #[differentiate(wrt = [x])]
    fn score(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(w, v)| w * v.sin()).sum()
    }
}

#[test]
fn a_field_zipped_with_a_buffer() {
    let model = Weights {
        w: vec![0.5, -2.0, 1.0],
    };
    let x = [0.1, 0.7, -0.4];
    let (value, dx) = model.score_grad(&x);
    let expected: f64 = model.w.iter().zip(&x).map(|(w, v)| w * v.sin()).sum();
    assert_closed("value", value, expected);
    let closed: Vec<f64> = model.w.iter().zip(&x).map(|(w, v)| w * v.cos()).collect();
    assert_all_closed("d/dx", &dx, &closed);
}

// Items of a constant buffer's iterator used as floats.

#[differentiate(wrt = [x])]
fn constant_items(x: f64, c: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in c.iter() {
        s += (x * v).sin();
    }
    s
}

#[test]
fn items_of_a_constant_iterator() {
    let c = [0.5, 1.5];
    let (value, dx) = constant_items_grad(0.4, &c);
    assert_closed("value", value, (0.2f64).sin() + (0.6f64).sin());
    assert_closed("d/dx", dx, 0.5 * 0.2f64.cos() + 1.5 * 0.6f64.cos());
}

// A call that lends `&mut a` and also takes a rule's result.

#[differentiate]
fn add_into(acc: &mut f64, v: f64) {
    *acc += v * v;
}

#[differentiate]
fn lend_and_compute(x: f64) -> f64 {
    let mut a = x;
    add_into(&mut a, x.sin());
    a
}

#[test]
fn lending_beside_a_rule() {
    let x = 0.9;
    let (value, dx) = lend_and_compute_grad(x);
    assert_closed("value", value, x + x.sin().powi(2));
    assert_closed("d/dx", dx, 1.0 + 2.0 * x.sin() * x.cos());
}

// A reference to a helper's result, read back through `*`.

#[differentiate]
fn cube(x: f64) -> f64 {
    x * x * x
}

#[differentiate]
fn read_through_reference(x: f64) -> f64 {
    let a = cube(x);
    let r = &a;
    let s: &f64 = &x;
    *r + 2.0 * *s
}

#[test]
fn a_reference_read_back() {
    let (value, dx) = read_through_reference_grad(1.5);
    assert_closed("value", value, 3.375 + 3.0);
    assert_closed("d/dx", dx, 3.0 * 2.25 + 2.0);
}

// A closure whose parameter carries its type.

#[differentiate]
fn typed_closure(x: f64) -> f64 {
    let f = |a: f64| a * a + 1.0;
    f(x) * f(2.0 * x)
}

#[test]
fn a_closure_with_a_typed_parameter() {
    let x = 0.6;
    let (value, dx) = typed_closure_grad(x);
    let closed = (x * x + 1.0) * (4.0 * x * x + 1.0);
    assert_closed("value", value, closed);
    assert_closed(
        "d/dx",
        dx,
        2.0 * x * (4.0 * x * x + 1.0) + (x * x + 1.0) * 8.0 * x,
    );
}

// `min` and `max` of integers are indices, not float rules.

#[differentiate(wrt = [x])]
fn window_sum(x: &[f64], centre: usize, radius: usize) -> f64 {
    let lo = centre.saturating_sub(radius);
    let hi = (centre + radius + 1).min(x.len());
    let mut s = 0.0;
    for i in lo..hi {
        s += x[i].powi(2);
    }
    s + x[(centre + 1).max(1) - 1]
}

#[test]
fn integer_min_and_max() {
    let x = [1.0, 2.0, 3.0, 4.0];
    let (value, dx) = window_sum_grad(&x, 3, 1);
    assert_closed("value", value, 9.0 + 16.0 + 4.0);
    assert_all_closed("d/dx", &dx, &[0.0, 0.0, 6.0, 9.0]);
}

// Rows pushed as `vec![..]`.

#[differentiate]
fn pushed_rows(x: f64, y: f64) -> f64 {
    let mut rows: Vec<Vec<f64>> = Vec::new();
    rows.push(vec![x, y]);
    rows.push(vec![x * y, 1.0]);
    let mut s = 0.0;
    for row in &rows {
        s += row[0] * row[1];
    }
    s
}

#[test]
fn rows_pushed_as_vec_literals() {
    let (value, (dx, dy)) = pushed_rows_grad(2.0, 3.0);
    assert_closed("value", value, 6.0 + 6.0);
    assert_closed("d/dx", dx, 3.0 + 3.0);
    assert_closed("d/dy", dy, 2.0 + 2.0);
}

// A `&mut Vec` out-parameter that changes length, passed on with `&mut *`.

#[differentiate]
fn append_square(x: f64, out: &mut Vec<f64>) {
    out.push(x * x);
}

#[differentiate]
fn refill(x: f64, out: &mut Vec<f64>) {
    out.clear();
    out.push(x);
    append_square(x, &mut *out);
    out.resize(4, x * 0.5);
}

#[differentiate]
fn grown_lists(x: f64) -> f64 {
    let mut v = vec![1.0];
    append_square(x, &mut v);
    refill(x * 2.0, &mut v);
    let mut w = Vec::new();
    append_square(x, &mut w);
    v[1] * v[3] + v.len() as f64 + w[0]
}

#[test]
fn out_parameters_that_grow() {
    let x = 0.7;
    let (value, dx) = grown_lists_grad(x);
    // v = [2x, 4x², x, x], w = [x²]
    assert_closed("value", value, 4.0 * x * x * x + 4.0 + x * x);
    assert_closed("d/dx", dx, 12.0 * x * x + 2.0 * x);
    assert_fd("d/dx", dx, grown_lists, x);
}

#[test]
fn a_growing_out_parameter_alone() {
    let mut out = vec![1.0];
    let mut adjoint = vec![0.0, 1.0];
    let (_, (dx, _)) = append_square_pullback(3.0, &mut out, None, &mut adjoint);
    assert_closed("d/dx", dx, 6.0);
    assert_all_closed("adjoint of what was there", &adjoint, &[0.0]);
    let at = [0.3, -1.2];
    let f = |p: &[f64]| {
        let mut v = vec![p[1]];
        append_square(p[0], &mut v);
        v[0] * v[1]
    };
    let g = |p: &[f64]| -> f64 {
        let mut v = vec![p[1]];
        let mut before = v.clone();
        append_square(p[0], &mut v);
        let mut adjoint = vec![v[1], v[0]];
        let (_, (dx, _)) = append_square_pullback(p[0], &mut before, None, &mut adjoint);
        dx + adjoint[0]
    };
    let (x, y) = (at[0], at[1]);
    assert_closed("pullback sum", g(&at), 2.0 * x * y + x * x);
    assert_fd_all("pullback", f, &at, &[2.0 * x * y, x * x]);
}

// A row borrowed into a name: `let row = &m[i];`.

#[differentiate]
fn row_dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[differentiate]
fn borrowed_rows(m: &[Vec<f64>], v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..m.len() {
        let row = &m[i];
        let n = row.len();
        s += row_dot(row, v) + row.iter().map(|x| x * x).sum::<f64>() + row[n - 1];
    }
    s
}

#[test]
fn a_row_borrowed_into_a_name() {
    let m = vec![vec![1.0, 2.0], vec![3.0, -1.0]];
    let v = [0.5, 2.0];
    let (value, (dm, dv)) = borrowed_rows_grad(&m, &v);
    assert_closed("value", value, 4.5 + 5.0 + 2.0 - 0.5 + 10.0 - 1.0);
    for i in 0..2 {
        let closed: Vec<f64> = (0..2)
            .map(|j| v[j] + 2.0 * m[i][j] + if j == 1 { 1.0 } else { 0.0 })
            .collect();
        assert_all_closed("d/dm", &dm[i], &closed);
    }
    assert_all_closed("d/dv", &dv, &[4.0, 1.0]);
}

// A `&mut self` method that counts its calls in a field.

struct Counted {
    calls: usize,
    stats: CallStats,
    offset: f64,
}

struct CallStats {
    evaluations: i32,
}

impl Counted {
    #[differentiate]
    fn eval(&mut self, x: f64) -> f64 {
        self.calls += 1;
        self.stats.evaluations -= -2;
        let y = x * x + self.offset;
        self.offset = 0.5;
        y
    }
}

#[test]
fn a_method_that_writes_constant_fields() {
    let mut counted = Counted {
        calls: 0,
        stats: CallStats { evaluations: 0 },
        offset: 0.0,
    };
    let (value, dx) = counted.eval_grad(3.0);
    assert_closed("value", value, 9.0);
    assert_closed("d/dx", dx, 6.0);
    assert_eq!(counted.calls, 1);
    assert_eq!(counted.stats.evaluations, 2);
    let (value, dx) = counted.eval_grad(3.0);
    assert_closed("value with the new offset", value, 9.5);
    assert_closed("d/dx", dx, 6.0);
    assert_eq!(counted.calls, 2);
}

// Rows borrowed apart with `split_at_mut` (LU elimination's pivot row and
// the rows below it).

#[differentiate]
fn eliminate_below(a: &[Vec<f64>]) -> f64 {
    let mut m = a.to_vec();
    let (top, bottom) = m.split_at_mut(1);
    let pivot = &top[0];
    for row in bottom.iter_mut() {
        let factor = row[0] / pivot[0];
        for j in 0..row.len() {
            row[j] -= factor * pivot[j];
        }
    }
    m[1][1] * m[2][1]
}

#[test]
fn rows_split_apart() {
    let a = vec![vec![2.0, 1.0], vec![4.0, 3.0], vec![-2.0, 5.0]];
    let (value, da) = eliminate_below_grad(&a);
    assert_closed("value", value, (3.0 - 2.0) * (5.0 + 1.0));
    let flat: Vec<f64> = a.iter().flatten().copied().collect();
    let unflat = |p: &[f64]| -> Vec<Vec<f64>> { p.chunks(2).map(|r| r.to_vec()).collect() };
    let grad: Vec<f64> = da.iter().flatten().copied().collect();
    assert_fd_all("d/da", |p| eliminate_below(&unflat(p)), &flat, &grad);
}

// An out-parameter call that also borrows a constant buffer `&q`: a float
// buffer lent `&` cannot change, so nothing read afterwards is lost.

#[differentiate]
fn scale_into(a: f64, s: &[f64], out: &mut [f64]) {
    for i in 0..out.len() {
        out[i] = a * s[i];
    }
}

#[differentiate(wrt = [x])]
fn scaled_twice(x: f64, p: &[f64]) -> f64 {
    let mut buf = vec![0.0; 2];
    scale_into(x, p, &mut buf);
    let q = vec![1.0, 2.0];
    scale_into(buf[0], &q, &mut buf);
    buf[1] + p[0] + q[1]
}

#[test]
fn a_constant_buffer_beside_an_out_parameter() {
    let (value, dx) = scaled_twice_grad(0.5, &[2.0, 3.0]);
    assert_closed("value", value, 2.0 + 2.0 + 2.0);
    assert_closed("d/dx", dx, 2.0 * 2.0);
}

// A vector rule's result written into: element stores, `fill`, `iter_mut`.

#[differentiate]
fn softmax_stored(z: &[f64]) -> f64 {
    let mut p = softmax(z);
    p[0] = 0.0;
    p[1] * 2.0 + p[2] + p[0]
}

#[differentiate]
fn softmax_filled(z: &[f64]) -> f64 {
    let mut p = softmax(z);
    let kept = p[1];
    p.fill(0.5);
    kept + p[2]
}

#[differentiate]
fn softmax_doubled(z: &[f64]) -> f64 {
    let mut p = softmax(z);
    for v in p.iter_mut() {
        *v *= 2.0;
    }
    p[1] + p[2].ln()
}

#[test]
fn a_vector_rule_result_written_into() {
    let z = [0.1, 0.5, -0.3];
    let (_, dz) = softmax_stored_grad(&z);
    assert_fd_all("stored", softmax_stored, &z, &dz);
    let (value, dz) = softmax_filled_grad(&z);
    assert_closed("filled value", value, softmax(&z)[1] + 0.5);
    assert_fd_all("filled", softmax_filled, &z, &dz);
    let (_, dz) = softmax_doubled_grad(&z);
    assert_fd_all("doubled", softmax_doubled, &z, &dz);
}

// Loops over ranges of any integer type: their items are recomputed in the
// reverse sweep (`for r in col + 1..d`, `-n..n` of `i32`), and an unbounded
// range `3_i64..` left by `break` is not sized from its `usize::MAX` hint.

#[differentiate(wrt = [x])]
fn strictly_lower(x: &[f64], d: usize) -> f64 {
    let mut s = 0.0;
    for col in 0..d {
        for r in col + 1..d {
            s += (x[r] * x[col]).sin() * r as f64;
        }
    }
    s
}

#[differentiate(wrt = [x])]
fn signed_range(x: &[f64], n: i32) -> f64 {
    let mut s = 0.0;
    for i in -n..n {
        let w = (i * i) as f64;
        s += (x[(i + n) as usize] * w).cos();
    }
    s
}

#[differentiate(wrt = [x])]
fn unbounded_range(x: &[f64]) -> f64 {
    let mut t = 0.0;
    for j in 3_i64.. {
        if j > 6 {
            break;
        }
        t += x[j as usize].exp() * j as f64;
    }
    t
}

#[test]
fn range_items_of_any_integer_type() {
    let x = [0.3, -0.2, 0.5, 0.9, 1.1, -0.4, 0.25, 0.6];
    let (_, dx) = strictly_lower_grad(&x, 5);
    assert_fd_all("strictly lower", |p| strictly_lower(p, 5), &x, &dx);
    let (_, dx) = signed_range_grad(&x, 3);
    assert_fd_all("signed", |p| signed_range(p, 3), &x, &dx);
    let (value, dx) = unbounded_range_grad(&x);
    let closed: f64 = (3..=6).map(|j| x[j].exp() * j as f64).sum();
    assert_closed("unbounded value", value, closed);
    for (j, &partial) in dx.iter().enumerate() {
        let expected = if (3..=6).contains(&j) {
            x[j].exp() * j as f64
        } else {
            0.0
        };
        assert_closed("unbounded d/dx", partial, expected);
    }
}

// Exits inside the value being written: Rust leaves before the write.

#[differentiate]
fn exit_inside_compound(t: f64) -> f64 {
    let mut s = 1.0;
    for i in 0..4 {
        s *= {
            if i == 2 {
                break;
            }
            t + 1.0
        };
    }
    s
}

#[differentiate]
fn return_inside_assignment(t: f64) -> f64 {
    let mut s = 1.0;
    for i in 0..4 {
        s = {
            if i as f64 * t > 2.0 {
                return s * 10.0;
            }
            s * t + 1.0
        };
    }
    s
}

#[differentiate]
#[allow(clippy::never_loop)]
fn break_inside_break_value(t: f64) -> f64 {
    'ret: loop {
        break 'ret ({
            let mut s = 0.0;
            for i in 0..3 {
                s += t * i as f64;
                if s > 2.0 {
                    break 'ret s * t;
                }
            }
            s
        });
    }
}

#[test]
fn exits_inside_written_values() {
    for t in [0.5, 1.5] {
        let (value, dt) = exit_inside_compound_grad(t);
        assert_closed("compound", value, (t + 1.0).powi(2));
        assert_closed("compound d/dt", dt, 2.0 * (t + 1.0));
        let (_, dt) = return_inside_assignment_grad(t);
        assert_fd("return inside", dt, return_inside_assignment, t);
    }
    let (value, dt) = return_inside_assignment_grad(1.5);
    assert_closed("returned", value, 10.0 * (1.5 * 1.5 + 1.5 + 1.0));
    assert_closed("returned d/dt", dt, 10.0 * (2.0 * 1.5 + 1.0));
    let (value, dt) = break_inside_break_value_grad(2.0);
    assert_closed("inner break", value, 12.0);
    assert_closed("inner break d/dt", dt, 12.0);
    let (value, dt) = break_inside_break_value_grad(0.5);
    assert_closed("no inner break", value, 1.5);
    assert_closed("no inner break d/dt", dt, 3.0);
}

// `return` inside closures, named and in iterator chains, and labelled
// block values.

#[differentiate]
fn closure_returns(x: f64, y: f64) -> f64 {
    let g = |t: f64| -> f64 {
        if t < 0.0 {
            return 0.0;
        }
        let mut s = 0.0;
        for i in 0..3 {
            s += t * i as f64;
            if s > 2.0 {
                return s * t;
            }
        }
        s
    };
    g(x) + g(y) * 2.0
}

#[differentiate]
fn chain_closure_returns(x: &[f64]) -> f64 {
    let clipped: f64 = x
        .iter()
        .map(|&v| {
            if v < 0.0 {
                return -v * 0.1;
            }
            v * v
        })
        .sum();
    let capped: f64 = x
        .iter()
        .map(|v| {
            let cap = |u: f64| {
                if u > 1.0 {
                    return 1.0;
                }
                u
            };
            cap(*v) * 2.0
        })
        .sum();
    clipped + capped
}

#[differentiate]
fn labelled_blocks(x: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() {
        let v = 'pick: {
            if x[i] < 0.0 {
                break 'pick x[i] * x[i];
            }
            if i == 1 {
                break 'pick 0.25 * x[i];
            }
            x[i].sin()
        };
        total += v * 2.0;
    }
    let w = 'outer: {
        for j in 0..x.len() {
            if x[j] > 1.0 {
                break 'outer x[j] * 3.0;
            }
        }
        1.0
    };
    total + w
}

#[test]
fn returns_in_closures_and_labelled_blocks() {
    let (value, (dx, dy)) = closure_returns_grad(2.0, 0.3);
    assert_closed("closure value", value, 12.0 + 2.0 * 0.9);
    assert_closed("closure d/dx", dx, 12.0);
    assert_closed("closure d/dy", dy, 6.0);
    let (value, (dx, dy)) = closure_returns_grad(0.5, -1.0);
    assert_closed("closure value", value, 1.5);
    assert_closed("closure d/dx", dx, 3.0);
    assert_closed("closure d/dy", dy, 0.0);
    let x = [0.5, -2.0, 1.5];
    let (value, dx) = chain_closure_returns_grad(&x);
    assert_closed("chain value", value, 2.7 - 1.0);
    assert_all_closed("chain d/dx", &dx, &[3.0, 1.9, 3.0]);
    let x = [0.5, 0.7, -2.0, 1.5];
    let (value, dx) = labelled_blocks_grad(&x);
    assert_closed("labelled value", value, labelled_blocks(&x));
    assert_fd_all("labelled", labelled_blocks, &x, &dx);
}

// Rows of a constant struct's field, read by index (`d.xs[0].len()`): the
// row is borrowed where it is, and methods are called on the place.

pub struct Samples {
    pub xs: Vec<Vec<f64>>,
    pub n: usize,
    pub labels: Vec<i32>,
}

#[differentiate(wrt = [w])]
fn field_rows(d: &Samples, w: f64) -> f64 {
    let n = d.xs[0].len() as f64;
    let m = d.n.max(3) as f64;
    let l = d.labels[1].max(2) as f64;
    let s: f64 = d.xs[0].iter().sum();
    let mut t = 0.0;
    for i in 0..d.xs.len() {
        t += d.xs[i].iter().map(|v| v * w).sum::<f64>();
    }
    n * w + m * w * w + l * w + s * w + t
}

impl Samples {
    #[differentiate]
    fn weighted(&self, w: f64) -> f64 {
        let mut s = 0.0;
        for i in 0..self.xs.len() {
            s += self.xs[i].len() as f64 * w.sin() + self.labels[i].abs() as f64;
        }
        s
    }
}

#[test]
fn rows_of_a_constant_field() {
    let d = Samples {
        xs: vec![vec![1.0, 2.0, 3.0], vec![0.5]],
        n: 2,
        labels: vec![-1, 5],
    };
    let (value, dw) = field_rows_grad(&d, 0.5);
    assert_closed("value", value, 20.5 * 0.5 + 3.0 * 0.25);
    assert_closed("d/dw", dw, 20.5 + 6.0 * 0.5);
    let (value, dw) = d.weighted_grad(0.5);
    assert_closed("method value", value, 4.0 * 0.5f64.sin() + 6.0);
    assert_closed("method d/dw", dw, 4.0 * 0.5f64.cos());
}

// A slice chosen by a branch.

#[differentiate(wrt = [x])]
fn slice_from_branch(x: &[f64], tail: bool) -> f64 {
    let v = if tail { &x[1..] } else { &x[..2] };
    v[0] * v[1] + v.iter().map(|t| t.sin()).sum::<f64>()
}

#[differentiate(wrt = [m])]
fn row_slice_from_match(m: &[Vec<f64>], k: usize, r: usize) -> f64 {
    let v = match k {
        0 => &m[r][..2],
        1 => &m[r][1..],
        _ => &m[r][..],
    };
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * (i as f64 + 1.0);
    }
    s
}

#[test]
fn slices_chosen_by_branches() {
    let x = [2.0, 3.0, 5.0];
    let (value, dx) = slice_from_branch_grad(&x, true);
    assert_closed("tail", value, 15.0 + 3f64.sin() + 5f64.sin());
    assert_all_closed("tail d/dx", &dx, &[0.0, 5.0 + 3f64.cos(), 3.0 + 5f64.cos()]);
    let (value, dx) = slice_from_branch_grad(&x, false);
    assert_closed("head", value, 6.0 + 2f64.sin() + 3f64.sin());
    assert_all_closed("head d/dx", &dx, &[3.0 + 2f64.cos(), 2.0 + 3f64.cos(), 0.0]);
    let m = vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]];
    let expected = [
        (14.0, [1.0, 2.0, 0.0]),
        (17.0, [0.0, 1.0, 2.0]),
        (32.0, [1.0, 2.0, 3.0]),
    ];
    for (k, (value, row)) in expected.iter().enumerate() {
        let (got, dm) = row_slice_from_match_grad(&m, k, 1);
        assert_closed("row slice", got, *value);
        assert_all_closed("row 0", &dm[0], &[0.0; 3]);
        assert_all_closed("row 1", &dm[1], row);
    }
}

// `let e = &mut acc;` of a float variable: `*e` is `acc`.

#[differentiate]
fn decay_into(acc: &mut f64, v: f64, w: f64) {
    *acc += w * v * v;
    *acc *= 0.95;
}

#[differentiate(wrt = [x, w])]
fn through_a_mut_reference(x: &[f64], w: f64) -> f64 {
    let mut acc = 0.0;
    for &v in x.iter() {
        decay_into(&mut acc, v, w);
    }
    let mut last = x[0];
    let e = &mut last;
    *e += acc;
    last * acc
}

#[differentiate]
fn mut_references_in_a_loop(x: f64) -> f64 {
    let mut a = x;
    let mut b = 2.0;
    for i in 0..3 {
        let r = &mut a;
        *r = *r * x + i as f64;
        let q = &mut b;
        decay_into(q, *r, 0.5);
    }
    a + b
}

#[test]
fn float_variables_behind_mut_references() {
    let x = [0.4, -0.7, 1.2, 0.3];
    let (value, (dx, dw)) = through_a_mut_reference_grad(&x, 1.3);
    assert_closed("value", value, through_a_mut_reference(&x, 1.3));
    assert_fd_all("d/dx", |p| through_a_mut_reference(p, 1.3), &x, &dx);
    assert_fd("d/dw", dw, |w| through_a_mut_reference(&x, w), 1.3);
    let (value, dx) = mut_references_in_a_loop_grad(0.7);
    assert_closed("loop value", value, mut_references_in_a_loop(0.7));
    assert_fd("loop d/dx", dx, mut_references_in_a_loop, 0.7);
}

// Branches and matches that produce tuples (`let (pt, at) = if .. { (p, a) }
// else { (1.0 - p, 1.0 - a) };`), nested too.

#[differentiate(wrt = [logits, gamma])]
fn focal_loss(logits: &[f64], labels: &[u8], gamma: f64, alpha: f64) -> f64 {
    let mut total = 0.0;
    for (i, &z) in logits.iter().enumerate() {
        let p = (1.0 / (1.0 + (-z).exp())).clamp(1e-7, 1.0 - 1e-7);
        let (pt, at) = if labels[i] == 1 {
            (p, alpha)
        } else {
            (1.0 - p, 1.0 - alpha)
        };
        total -= at * (1.0 - pt).powf(gamma) * pt.ln();
    }
    total
}

#[differentiate]
fn nested_tuple_arms(x: f64, y: f64, k: usize) -> f64 {
    let (a, (b, c)) = match k {
        0 => (x, (y, 1.0)),
        1 => (y * y, (x, 2.0)),
        _ => (1.0, (x * y, y)),
    };
    a * 2.0 + b * c
}

#[test]
fn tuples_from_branches() {
    let z = [0.3, -1.2, 2.0, 0.1];
    let labels = [1u8, 0, 1, 0];
    let (value, (dz, dgamma)) = focal_loss_grad(&z, &labels, 2.0, 0.25);
    assert_closed("focal", value, focal_loss(&z, &labels, 2.0, 0.25));
    assert_fd_all("focal d/dz", |p| focal_loss(p, &labels, 2.0, 0.25), &z, &dz);
    assert_fd(
        "focal d/dgamma",
        dgamma,
        |g| focal_loss(&z, &labels, g, 0.25),
        2.0,
    );
    let expected = [(2.5, 2.0, 1.0), (5.5, 2.0, 6.0), (3.125, 2.25, 1.5)];
    for (k, (value, dx, dy)) in expected.into_iter().enumerate() {
        let (got, (gx, gy)) = nested_tuple_arms_grad(0.5, 1.5, k);
        assert_closed("value", got, value);
        assert_closed("d/dx", gx, dx);
        assert_closed("d/dy", gy, dy);
    }
}

// A fold whose accumulator is a tuple (nested too).

#[differentiate]
fn variance_by_fold(x: &[f64]) -> f64 {
    let (s, q) = x.iter().fold((0.0, 0.0), |(s, q), v| (s + v, q + v * v));
    let n = x.len() as f64;
    let mean = s / n;
    q / n - mean * mean
}

#[differentiate(wrt = [angles])]
fn reach_by_fold(angles: &[f64], lengths: &[f64], tx: f64, ty: f64) -> f64 {
    let (x, y, _) =
        angles
            .iter()
            .zip(lengths.iter())
            .fold((0.0, 0.0, 0.0), |(x, y, phi), (a, l)| {
                let p = phi + a;
                (x + l * p.cos(), y + l * p.sin(), p)
            });
    (x - tx).powi(2) + (y - ty).powi(2)
}

#[test]
fn folds_over_tuples() {
    let x = [0.5, 1.5, -0.3, 2.0];
    let (value, dx) = variance_by_fold_grad(&x);
    let mean = x.iter().sum::<f64>() / 4.0;
    assert_closed(
        "variance",
        value,
        x.iter().map(|v| v * v).sum::<f64>() / 4.0 - mean * mean,
    );
    let closed: Vec<f64> = x.iter().map(|v| 2.0 * (v - mean) / 4.0).collect();
    assert_all_closed("d/dx", &dx, &closed);
    let angles = [0.3, -0.5, 0.7, 0.2];
    let lengths = [1.0, 0.8, 0.6, 0.4];
    let (_, da) = reach_by_fold_grad(&angles, &lengths, 1.5, 1.2);
    assert_fd_all(
        "reach",
        |a| reach_by_fold(a, &lengths, 1.5, 1.2),
        &angles,
        &da,
    );
}

// A `&mut` buffer parameter passed on by name, to a helper that writes it
// (silently ignored before: the gradient through it was 0) and to one that
// only reads it: both compose, through `NAME_pullback_lent`.

#[differentiate]
pub fn affine_into(a: f64, s: &[f64], b: f64, out: &mut [f64]) {
    out[0] = a * s[0] + b;
}

#[differentiate]
pub fn weighted_energy(s: &[f64], w: f64) -> f64 {
    s.iter().map(|v| v * v * w).sum()
}

#[differentiate]
pub fn update_by_name(a: f64, s: &[f64], out: &mut [f64]) {
    affine_into(2.0 * a, s, 0.5_f64, out);
    let e = weighted_energy(out, a);
    out[1] = e;
}

#[differentiate]
pub fn through_by_name_calls(x: f64) -> f64 {
    let s = vec![3.0];
    let mut o = vec![0.0, 1.0];
    update_by_name(x, &s, &mut o);
    o[0] * o[1]
}

#[test]
fn mut_buffers_passed_on_by_name() {
    let x = 0.7;
    let (value, dx) = through_by_name_calls_grad(x);
    // o0 = 6x + 0.5, o1 = x (o0² + 1)
    let o0 = 6.0 * x + 0.5;
    assert_closed("value", value, o0 * x * (o0 * o0 + 1.0));
    let closed = 6.0 * x * (o0 * o0 + 1.0) + o0 * ((o0 * o0 + 1.0) + x * 2.0 * o0 * 6.0);
    assert_closed("d/dx", dx, closed);
    assert_fd("d/dx", dx, through_by_name_calls, x);
}

// `let r = &mut v;` (a whole buffer, a row, a slice): `r` is `v` itself.
// Writes through it were made to a copy (a wrong value and gradient), and
// passing it on to a helper did not compile.

#[differentiate]
pub fn through_mut_borrows(x: f64) -> f64 {
    let mut v = vec![1.0, 2.0];
    let r = &mut v;
    r[0] = 5.0 * x;
    for e in r.iter_mut() {
        *e *= x;
    }
    r.push(x * x);
    r.swap(0, 1);
    let t = &mut v[1..];
    t[0] += x;
    let mut m = vec![vec![0.0, 1.0]];
    let row = &mut m[0];
    row[1] *= x;
    v[0] + v[1] * 2.0 + v[2] * 3.0 + m[0][1]
}

#[differentiate]
pub fn lent_through_a_name(x: f64) -> f64 {
    let s = vec![3.0];
    let mut v = vec![0.0, 1.0];
    let r = &mut v;
    affine_into(x, &s, 0.5, r);
    v[0] * v[1]
}

#[test]
fn names_for_mut_borrows() {
    let x = 0.7;
    let (value, dx) = through_mut_borrows_grad(x);
    // v = [2x, 5x² + x, x²], m[0][1] = x
    let closed = 2.0 * x + 2.0 * (5.0 * x * x + x) + 3.0 * x * x + x;
    assert_closed("value", value, closed);
    assert_closed("d/dx", dx, 2.0 + 2.0 * (10.0 * x + 1.0) + 6.0 * x + 1.0);
    let (value, dx) = lent_through_a_name_grad(x);
    assert_closed("lent value", value, 3.0 * x + 0.5);
    assert_closed("lent d/dx", dx, 3.0);
}

// A `gradmacro::vector` rule given a `&mut` buffer parameter by name reads
// it (its pullback has no `_lent` companion).

#[differentiate]
fn scaled_by_total(a: f64, out: &mut [f64]) {
    let total = gradmacro::vector::sum(out);
    for v in out.iter_mut() {
        *v *= a * total;
    }
}

#[test]
fn a_vector_rule_reading_a_mut_buffer() {
    let mut out = vec![1.0, 2.0];
    let mut adjoint = vec![1.0, 0.0];
    let ((), (da, ())) = scaled_by_total_pullback(0.5, &mut out, None, &mut adjoint);
    // out0' = a (o0 + o1) o0: d/da = 3, d/do0 = a (2 o0 + o1) = 2, d/do1 = a o0 = 0.5
    assert_closed("d/da", da, 3.0);
    assert_all_closed("d/dout", &adjoint, &[2.0, 0.5]);
}

// A scratch buffer cleared, refilled, sorted and truncated per row: the sort's
// copy is sized from its own length, not the scratch buffer's final one.

#[differentiate]
fn top_two_per_row(rows: &[Vec<f64>], k: usize) -> f64 {
    let mut scratch: Vec<f64> = Vec::new();
    let mut total = 0.0;
    for row in rows {
        scratch.clear();
        for &v in row.iter() {
            scratch.push(v * v);
        }
        scratch.sort_by(|a, b| b.partial_cmp(a).unwrap());
        scratch.truncate(k);
        total += scratch.iter().sum::<f64>();
    }
    total
}

// A `&mut Vec` a helper clears and refills, lent inside a loop (the loop is
// not fused: the buffer's length changes in the callee).

#[differentiate]
fn logits_into(w: &[Vec<f64>], x: &[f64], out: &mut Vec<f64>) {
    out.clear();
    for row in w {
        let mut z = 0.0;
        for (a, b) in row.iter().zip(x) {
            z += a * b;
        }
        out.push(z);
    }
}

#[differentiate(wrt = w)]
fn cross_entropy(w: &[Vec<f64>], xs: &[Vec<f64>], labels: &[usize]) -> f64 {
    let mut z = Vec::new();
    let mut total = 0.0;
    for (x, &y) in xs.iter().zip(labels) {
        logits_into(w, x, &mut z);
        let m = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        total += lse - z[y];
    }
    total
}

// Items of zipped and enumerated constant collections: references, read as
// floats, and a struct's methods called on them (no `Clone` needed).

struct Spring {
    rest: f64,
    k: f64,
}

impl Spring {
    #[differentiate]
    fn energy(&self, a: f64, b: f64) -> f64 {
        let d = (a - b).abs() - self.rest;
        0.5 * self.k * d * d
    }
}

#[differentiate(wrt = x)]
fn chain_energy(x: &[f64], springs: &[Spring]) -> f64 {
    let mut e = 0.0;
    for (i, s) in springs.iter().enumerate() {
        e += s.energy(x[i], x[i + 1]);
    }
    e
}

#[differentiate(wrt = x)]
fn anchored(x: &[f64], weights: &[f64], shifts: &[f64]) -> f64 {
    let mut e = 0.0;
    for (w, c) in weights.iter().zip(shifts.iter()) {
        e += w * (x[0] - c).powi(2);
    }
    e
}

// `g(*x)` of a row of a buffer of arrays, and an integer `min` of a slot.

#[differentiate]
fn row_norm(p: [f64; 2]) -> f64 {
    p[0] * p[0] + p[1] * p[1]
}

#[differentiate]
fn rows_by_value(data: &[[f64; 2]], block: usize) -> f64 {
    let mut total = 0.0;
    let mut start = 0;
    while start < data.len() {
        let end = (start + block).min(data.len());
        for x in &data[start..end] {
            total += row_norm(*x) * (end - start) as f64;
        }
        start = end;
    }
    total
}

#[test]
fn scratch_buffers_constant_items_and_rows_by_value() {
    let rows = vec![vec![1.0, -2.0, 0.5, 1.5], vec![0.3, 0.2, -1.0, 2.0]];
    let (value, grad) = top_two_per_row_grad(&rows, 2);
    assert_closed("top two", value, 4.0 + 2.25 + 4.0 + 1.0);
    assert_all_closed("row 0", &grad[0], &[0.0, -4.0, 0.0, 3.0]);
    assert_all_closed("row 1", &grad[1], &[0.0, 0.0, -2.0, 4.0]);

    let w = vec![
        vec![0.1, 0.2, 0.3],
        vec![-0.2, 0.4, 0.1],
        vec![0.3, -0.1, 0.2],
    ];
    let xs = vec![vec![0.5, -0.5, 1.0], vec![1.0, 0.2, 0.3]];
    let labels = [0usize, 2];
    let (value, dw) = cross_entropy_grad(&w, &xs, &labels);
    assert_closed("cross entropy", value, cross_entropy(&w, &xs, &labels));
    let flat: Vec<f64> = w.iter().flatten().copied().collect();
    let unflat = |p: &[f64]| -> Vec<Vec<f64>> { p.chunks(3).map(|r| r.to_vec()).collect() };
    let grad: Vec<f64> = dw.iter().flatten().copied().collect();
    assert_fd_all(
        "cross entropy",
        |p| cross_entropy(&unflat(p), &xs, &labels),
        &flat,
        &grad,
    );

    let springs = [Spring { rest: 0.5, k: 2.0 }, Spring { rest: 1.0, k: 1.0 }];
    let x = [0.0, 0.9, 2.1];
    let (weights, shifts) = ([0.5, 2.0], [0.1, -0.3]);
    let (_, dx) = chain_energy_grad(&x, &springs);
    assert_fd_all("springs", |p| chain_energy(p, &springs), &x, &dx);
    let (_, dx) = anchored_grad(&x, &weights, &shifts);
    assert_fd_all("anchored", |p| anchored(p, &weights, &shifts), &x, &dx);

    let data = [[0.5, 1.0], [-1.0, 0.3], [2.0, -0.5]];
    let (value, grad) = rows_by_value_grad(&data, 2);
    assert_closed("rows by value", value, rows_by_value(&data, 2));
    assert_all_closed("row 2", &grad[2], &[4.0, -1.0]);
    assert_all_closed("row 0", &grad[0], &[2.0, 4.0]);
}

// `.for_each(closure)` over buffers (through a `&mut` alias too) and over
// enumerated items, as a loop.

#[differentiate]
fn for_each_updates(x: &[f64]) -> f64 {
    let mut v = vec![1.0; x.len()];
    let r = &mut v;
    r.iter_mut()
        .zip(x.iter())
        .for_each(|(e, &a)| *e = *e * a + a.sin());
    r[0] *= x[1];
    let mut s = 0.0;
    x.iter().enumerate().for_each(|(i, t)| {
        s += t * i as f64;
    });
    v.iter().map(|t| t * t).sum::<f64>() + s
}

#[test]
fn for_each_is_a_loop() {
    let x = [0.3, -0.7, 1.2];
    let (value, dx) = for_each_updates_grad(&x);
    assert_closed("value", value, for_each_updates(&x));
    assert_fd_all("d/dx", for_each_updates, &x, &dx);
}

// Third corpus. Buffers of different lengths exchanged inside a branch or a
// loop (`mem::swap`, or a rotation through a temporary): the copy's adjoint
// was sized by its source as the source ends (the other length), so the
// entries past the shorter length lost their adjoint — a silently wrong
// gradient.

#[differentiate]
fn swap_in_branch(x: &[f64], c: bool) -> f64 {
    let mut a = x.to_vec();
    let mut b = vec![x[0]; 2];
    if c {
        std::mem::swap(&mut a, &mut b);
    }
    b.iter().sum::<f64>() + a.iter().sum::<f64>() * 2.0
}

#[differentiate]
fn rotate_in_loop(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let mut b = vec![1.0; 2];
    for _ in 0..1 {
        let t = a;
        a = b;
        b = t;
    }
    b.iter().sum::<f64>() + a[0]
}

#[test]
fn buffers_of_different_lengths_swapped_in_a_branch_or_loop() {
    let x = [0.3, 1.1, 0.7, 0.9];
    let (value, grad) = swap_in_branch_grad(&x, true);
    assert_closed("value", value, 3.0 + 4.0 * 0.3);
    assert_all_closed("swap in a branch", &grad, &[5.0, 1.0, 1.0, 1.0]);
    assert_fd_all("swap in a branch", |x| swap_in_branch(x, true), &x, &grad);
    let (_, grad) = rotate_in_loop_grad(&x);
    assert_all_closed("rotation in a loop", &grad, &[1.0; 4]);
}

// A buffer reassigned to a shorter copy of a range of itself in a branch or
// loop (`v = v[1..].to_vec()`): the same sizing panicked.

#[differentiate]
fn shrink_in_loop(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    for _ in 0..2 {
        v = v[1..].to_vec();
    }
    v.iter().map(|t| t * t).sum::<f64>()
}

#[test]
fn a_buffer_shrunk_to_a_copy_of_its_tail_in_a_loop() {
    let x = [0.3, 1.1, 0.7, 0.9];
    let (value, grad) = shrink_in_loop_grad(&x);
    assert_closed("value", value, 0.49 + 0.81);
    assert_all_closed("gradient", &grad, &[0.0, 0.0, 1.4, 1.8]);
}

// `T: Float` is not `Default`: a slot filled in both branches, a conversion
// `T::from(i).unwrap()` and a constant field read in a loop are zeroed with
// `Zero::zero()` where they are declared.

#[differentiate]
fn larger_squared<T: gradmacro::num_traits::Float>(x: T, y: T) -> T {
    let z = if x > y { x } else { y };
    z * z
}

#[differentiate]
fn running_product<T: gradmacro::num_traits::Float>(x: T, y: T) -> T {
    let mut v = vec![T::zero(); 3];
    for i in 0..3 {
        v[i] = x * T::from(i).unwrap() + y;
    }
    let mut p = T::one();
    for i in 0..3 {
        p = p * v[i];
    }
    p
}

struct GenericWeights<T> {
    a: Vec<T>,
}

impl<T: gradmacro::num_traits::Float> GenericWeights<T> {
    #[differentiate(float = T)]
    fn eval(&self, x: &[T], b: T) -> T {
        let mut s = b;
        for i in 0..x.len() {
            s = s + self.a[i] * x[i] * x[i];
        }
        s.tanh()
    }
}

#[test]
fn generic_floats_need_no_default() {
    let (value, (dx, dy)) = larger_squared_grad(1.3f64, 1.1);
    assert_closed("value", value, 1.69);
    assert_all_closed("gradient", &[dx, dy], &[2.6, 0.0]);
    let (value, (dx, dy)) = running_product_grad(1.3f64, 1.1);
    assert_closed("value", value, 1.1 * 2.4 * 3.7);
    assert_fd("d/dx", dx, |x| running_product(x, 1.1), 1.3);
    assert_fd("d/dy", dy, |y| running_product(1.3, y), 1.1);
    let (value, _) = running_product_grad(1.3f32, 1.1);
    assert!((value - 9.768).abs() < 1e-4);
    let weights = GenericWeights {
        a: vec![0.5f64, 0.2],
    };
    let (value, (dx, db)) = weights.eval_grad(&[0.3, 1.1], 0.4);
    assert_closed("value", value, weights.eval(&[0.3, 1.1], 0.4));
    assert_fd("d/db", db, |b| weights.eval(&[0.3, 1.1], b), 0.4);
    assert_fd_all("d/dx", |x| weights.eval(x, 0.4), &[0.3, 1.1], &dx);
}

// `&mut` borrows held in names and passed on by name to helpers taking
// `&mut`: items of `iter_mut`, `let r = &mut v[2]`, rows of `for row in &mut
// m`, the halves of `split_at_mut`. They were passed as `&` (a compile error
// in the generated code); they are lent, as `&mut *e` is.

#[differentiate]
fn scale_in_place(w: f64, e: &mut f64) {
    *e = *e * w + *e * *e;
}

#[differentiate]
fn shift_row(w: f64, row: &mut [f64]) {
    for t in row.iter_mut() {
        *t = *t * w + 0.1;
    }
}

#[differentiate]
fn lent_by_name(x: &[f64], w: f64) -> f64 {
    let mut v = x.to_vec();
    for e in v.iter_mut() {
        scale_in_place(w, e);
    }
    let r = &mut v[2];
    scale_in_place(w, r);
    let mut m = vec![x.to_vec(), x.to_vec()];
    for row in &mut m {
        shift_row(w, row);
    }
    let (_, tail) = v.split_at_mut(2);
    shift_row(w, tail);
    v.iter().sum::<f64>() + m[0][1] * m[1][2]
}

#[test]
fn mut_borrows_passed_on_by_name_are_lent() {
    let x = [0.3, 1.1, 0.7, 0.9];
    let w = 1.3;
    let (value, (dx, dw)) = lent_by_name_grad(&x, w);
    assert_closed("value", value, lent_by_name(&x, w));
    assert_fd_all("d/dx", |x| lent_by_name(x, w), &x, &dx);
    assert_fd("d/dw", dw, |w| lent_by_name(&x, w), w);
}

// A slice re-pointed in a loop passed on by name (`hsum(p)`), and a bare
// `return;` in a closure whose body ends in a statement.

#[differentiate]
fn weighted_prefix(a: &[f64]) -> f64 {
    let mut s = 1.0;
    for i in 0..a.len() {
        s = s * 0.5 + a[i] * (i as f64 + 1.0);
    }
    s
}

#[differentiate]
fn suffix_scores(x: &[f64]) -> f64 {
    let mut p = x;
    let mut s = 0.0;
    while !p.is_empty() {
        s = s * 0.9 + p[0] * weighted_prefix(p);
        p = &p[1..];
    }
    let mut small = 0.0;
    x.iter().for_each(|v| {
        if *v > 1.0 {
            return;
        }
        small += v * v;
    });
    s + small
}

#[test]
fn a_repointed_slice_by_name_and_a_bare_return_in_a_closure() {
    let x = [0.3, 1.1, 0.7, 0.9];
    let (value, grad) = suffix_scores_grad(&x);
    assert_closed("value", value, suffix_scores(&x));
    assert_fd_all("suffix_scores", suffix_scores, &x, &grad);
}

// Fourth corpus. A field of an element of a constant slice of structs that
// are not `Copy` (`bodies[i].m`): the element is borrowed where it is, not
// moved out of the slice.

struct Body {
    m: f64,
    #[allow(dead_code)]
    name: String,
}

#[differentiate(wrt = x)]
fn weighted_by_mass(bodies: &[Body], x: &[f64]) -> f64 {
    let mut e = 0.0;
    for i in 0..bodies.len() {
        e += bodies[i].m * x[i] * x[i];
    }
    e + bodies[1].m * x[0]
}

// A buffer of rows built by `push`, one of whose rows is read (in the next
// iteration) before the `push` in the source: the annotation
// `Vec<Vec<f64>>` gives its depth.

#[differentiate(wrt = a)]
fn rows_pushed_then_read(a: &[Vec<f64>]) -> f64 {
    let mut q: Vec<Vec<f64>> = Vec::new();
    let mut s = 0.0;
    for k in 0..a.len() {
        if k > 0 {
            s += q[k - 1][0] * a[k][1];
        }
        q.push(a[k].clone());
    }
    s
}

#[test]
fn struct_fields_of_a_constant_slice_and_rows_read_before_their_push() {
    let bodies = [
        Body {
            m: 1.0,
            name: "a".into(),
        },
        Body {
            m: 2.0,
            name: "b".into(),
        },
    ];
    let x = [3.0, -1.5];
    let (value, grad) = weighted_by_mass_grad(&bodies, &x);
    assert_closed("value", value, 9.0 + 2.0 * 2.25 + 2.0 * 3.0);
    assert_all_closed("gradient", &grad, &[2.0 * 3.0 + 2.0, 2.0 * 2.0 * -1.5]);
    let a = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
    let (value, grad) = rows_pushed_then_read_grad(&a);
    assert_closed("value", value, 4.0);
    assert_all_closed("row 0", &grad[0], &[4.0, 0.0]);
    assert_all_closed("row 1", &grad[1], &[0.0, 1.0]);
}

// `x.to_owned()` and `Vec::from(x)` of a float buffer are copies, as
// `x.to_vec()`; a closure passed to `min_by` of a range may read a row of a
// constant parameter (`p` of `for p in pts`).

#[differentiate]
fn owned_copies(x: &[f64]) -> f64 {
    let a = x.to_owned();
    let b = Vec::from(x);
    a[0] * b[1]
}

#[differentiate(wrt = c)]
fn nearest_centre(c: &[f64], pts: &[[f64; 1]]) -> f64 {
    let mut total = 0.0;
    for p in pts {
        let k = (0..c.len())
            .min_by(|&a, &b| (p[0] - c[a]).abs().total_cmp(&(p[0] - c[b]).abs()))
            .unwrap();
        total += (p[0] - c[k]).powi(2);
    }
    total
}

#[test]
fn owned_copies_and_a_comparator_reading_a_row() {
    let (value, grad) = owned_copies_grad(&[2.0, 3.0]);
    assert_closed("value", value, 6.0);
    assert_all_closed("gradient", &grad, &[3.0, 2.0]);
    let pts = [[0.5], [1.8]];
    let (value, grad) = nearest_centre_grad(&[0.0, 2.0], &pts);
    assert_closed("value", value, 0.25 + 0.04);
    assert_all_closed("gradient", &grad, &[-1.0, 0.4]);
    assert_fd_all(
        "nearest_centre",
        |c| nearest_centre(c, &pts),
        &[0.0, 2.0],
        &grad,
    );
}

// `match x.get(i) { Some(&v) => .., None => .. }`: the `if let` it means.

#[differentiate(wrt = x)]
fn at_or_default(x: &[f64], i: usize) -> f64 {
    let a = match x.get(i) {
        Some(&v) => v,
        None => 0.5,
    };
    let b = match x.last() {
        None => 1.0,
        Some(v) => *v * 2.0,
    };
    a * a + b
}

#[test]
fn a_match_on_an_elements_option() {
    let (value, grad) = at_or_default_grad(&[1.0, 3.0], 1);
    assert_closed("inside", value, 9.0 + 6.0);
    assert_all_closed("inside", &grad, &[0.0, 8.0]);
    let (value, grad) = at_or_default_grad(&[1.0, 3.0], 5);
    assert_closed("outside", value, 0.25 + 6.0);
    assert_all_closed("outside", &grad, &[0.0, 2.0]);
}

// `for j in (a..b).rev()` is a loop over `0..b - a` with `j = b - 1 - k`
// (its index is recomputed, not taped): Horner's rule, a labelled reversed
// loop left by `break`, and an empty reversed range.

#[differentiate(wrt = c)]
fn reversed_ranges(c: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut p = 0.0;
        for j in (0..c.len()).rev() {
            p = p * x[i] + c[j];
        }
        s += p * p;
    }
    'outer: for j in (1..3).rev() {
        if c[j] > 100.0 {
            break 'outer;
        }
        s += c[j] * 0.5;
    }
    for j in (3..c.len() - 3).rev() {
        s += c[j];
    }
    for j in (1..=2).rev() {
        s += c[j] * c[j] * j as f64;
    }
    for j in (2..=c.len() - 3).rev() {
        s += c[j];
    }
    s
}

#[test]
fn reversed_ranges_recompute_their_index() {
    let c = [0.5, -1.0, 2.0, 0.3];
    let x = [0.2, -0.7, 1.1];
    let (value, grad) = reversed_ranges_grad(&c, &x);
    assert_closed("value", value, reversed_ranges(&c, &x));
    assert_fd_all("reversed ranges", |c| reversed_ranges(c, &x), &c, &grad);
}

// From the eighth unseen corpus: constants that are not floats, lent or
// borrowed. A row of a constant struct's `Vec<Vec<f64>>` field borrowed
// (`&p.m[0]`: was rustc's E0507 at the attribute), an integer workspace or
// counter lent `&mut` to a differentiated helper (was treated as a float
// out-parameter: rustc errors at the attribute), and a local random number
// generator lent `&mut` once (was refused as "read afterwards").

pub struct Table {
    pub m: Vec<Vec<f64>>,
}

#[differentiate(wrt = x)]
fn row_of_a_field(p: &Table, x: &[f64]) -> f64 {
    let row = &p.m[1];
    row[0] * x[0] + dot_rows(x, &p.m[0])
}

#[differentiate]
fn dot_rows(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[differentiate]
fn count_positive(x: f64, hits: &mut Vec<usize>) -> f64 {
    if x > 0.0 {
        hits.push(1);
    }
    x * x
}

#[differentiate]
fn bump(x: f64, count: &mut Vec<u32>) -> f64 {
    count.push(7);
    x.sin()
}

#[differentiate]
fn with_workspaces(x: f64) -> f64 {
    let mut hits: Vec<usize> = Vec::new();
    let mut counts: Vec<u32> = Vec::with_capacity(2);
    let a = count_positive(x, &mut hits);
    let b = bump(a, &mut counts);
    let c = bump(b, &mut counts);
    a + b * c + hits.len() as f64 + counts.len() as f64
}

#[derive(Clone)]
pub struct Lcg(u64);

impl Lcg {
    pub fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
    }
}

#[differentiate]
fn noisy(x: f64, rng: &mut Lcg) -> f64 {
    x * (1.0 + 0.05 * rng.uniform())
}

#[differentiate]
fn lent_once(x: f64) -> f64 {
    let mut rng = Lcg(1);
    noisy(x, &mut rng) * x
}

#[test]
fn constants_that_are_not_floats() {
    let p = Table {
        m: vec![vec![0.5, 0.25, 2.0], vec![-1.5, 3.0, 0.0]],
    };
    let x = [0.3, 0.2, 0.1];
    let (value, grad) = row_of_a_field_grad(&p, &x);
    assert_closed("value", value, row_of_a_field(&p, &x));
    assert_all_closed("row of a field", &grad, &[-1.0, 0.25, 2.0]);
    for x in [0.7, -0.4] {
        let (value, grad) = with_workspaces_grad(x);
        assert_closed("value", value, with_workspaces(x));
        assert_fd("workspaces", grad, with_workspaces, x);
        let (value, grad) = lent_once_grad(x);
        assert_closed("value", value, lent_once(x));
        assert_fd("lent once", grad, lent_once, x);
    }
}

// A buffer made by a plain helper, annotated `Vec<f64>`, lent `&mut` to a
// differentiated writer (unannotated: one spanned error on the lent
// variable, `tests/ui/lent_a_buffer_of_unseen_type.rs`).

fn zeros_of(n: usize) -> Vec<f64> {
    vec![0.0; n]
}

#[differentiate]
fn fill_scaled(x: &[f64], k: f64, out: &mut Vec<f64>) {
    for i in 0..x.len() {
        out[i] = x[i] * k + out[i] * 0.5;
    }
}

#[differentiate(wrt = [x, k])]
fn via_made_buffer(x: &[f64], k: f64) -> f64 {
    let mut buf: Vec<f64> = zeros_of(x.len());
    fill_scaled(x, k, &mut buf);
    buf.iter().map(|v| v * v).sum()
}

#[test]
fn an_annotated_buffer_made_by_a_helper() {
    let (x, k) = ([0.3, 0.2], 0.7);
    let (value, (dx, dk)) = via_made_buffer_grad(&x, k);
    assert_closed("value", value, (0.3f64 * k).powi(2) + (0.2f64 * k).powi(2));
    assert_all_closed("d/dx", &dx, &[2.0 * 0.3 * k * k, 2.0 * 0.2 * k * k]);
    assert_closed("d/dk", dk, 2.0 * k * (0.09 + 0.04));
}

// From the ninth unseen corpus: a closure defined inside a loop or branch
// that assigns a variable from outside it. The closure is inlined where it
// is called, so the variable is assigned in the loop (its writes were lost
// between iterations: a wrong value and gradient) or branch (rustc errors
// at the attribute).

#[differentiate(wrt = x)]
fn tick_in_loop(x: &[f64]) -> f64 {
    let mut calls = 0.0;
    let mut total = 0.0;
    for i in 0..x.len() {
        let mut tick = || {
            calls += 1.0;
            calls
        };
        total += x[i] * tick();
    }
    total
}

#[differentiate(wrt = x)]
fn tick_in_branch(x: &[f64]) -> f64 {
    let mut calls = 0.0;
    if x[0] > -10.0 {
        let mut tick = || {
            calls += 1.0;
            calls
        };
        tick();
    }
    calls * x[1]
}

#[differentiate(wrt = x)]
fn accumulate_in_while(x: &[f64]) -> f64 {
    let mut acc = 0.0;
    let mut i = 0;
    while i < x.len() {
        let mut add = |v: f64| {
            acc = acc * 0.5 + v;
        };
        add(x[i].sin());
        i += 1;
    }
    acc
}

#[test]
fn closures_assigning_outer_variables_in_loops_and_branches() {
    let x = [1.0, 1.0, 1.0, 1.0];
    let (value, g) = tick_in_loop_grad(&x);
    assert_closed("value", value, tick_in_loop(&x));
    assert_all_closed("d/dx", &g, &[1.0, 2.0, 3.0, 4.0]);
    let x = [0.3, 0.7, -0.2];
    let (value, g) = tick_in_branch_grad(&x);
    assert_closed("value", value, tick_in_branch(&x));
    assert_all_closed("d/dx", &g, &[0.0, 1.0, 0.0]);
    let (value, g) = accumulate_in_while_grad(&x);
    assert_closed("value", value, accumulate_in_while(&x));
    assert_fd_all("while", accumulate_in_while, &x, &g);
}

/// A stack of indices annotated `Vec<usize>` and filled by `collect`, popped
/// by `while let`: the macro ran out of memory (the collected buffer was
/// taken for a constant after its pushes were lowered as a float buffer's).
#[differentiate(wrt = x)]
fn popped_indices(x: &[f64], k: usize) -> f64 {
    let mut total = 0.0;
    let mut stack: Vec<usize> = (0..k).collect();
    while let Some(j) = stack.pop() {
        total += x[j] * x[j];
    }
    total
}

#[test]
fn a_collected_index_stack_popped_in_a_loop() {
    let x = [1.0, 2.0, 3.0];
    let (value, g) = popped_indices_grad(&x, 3);
    assert_closed("value", value, 14.0);
    assert_all_closed("d/dx", &g, &[2.0, 4.0, 6.0]);
}

/// Buffers swapped by a tuple assignment in a loop: Rust evaluates the
/// right side first; lowered in order, `(a, b) = (b, a)` was `a = b; b = a;`
/// (a wrong value and gradient).
#[differentiate(wrt = x)]
fn tuple_swapped(x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let mut b = vec![0.0; 1];
    for _ in 0..2 {
        b[0] = 2.0 * a[0];
        (a, b) = (b, a);
    }
    a[0] + 100.0 * b[0]
}

#[test]
fn a_tuple_assignment_swaps_buffers() {
    let (value, g) = tuple_swapped_grad(&[1.0]);
    assert_closed("value", value, tuple_swapped(&[1.0]));
    assert_all_closed("d/dx", &g, &[204.0]);
}
