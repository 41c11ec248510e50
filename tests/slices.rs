//! Range slices and the iterators made of them: `&x[1..]`, `x[a..b]`,
//! sub-slices passed to helpers, `windows`, `chunks`, `chunks_exact`,
//! `skip`, `take`, `step_by`, `rev` inside a zip, writes through slices,
//! rows of matrices sliced; each against finite differences.
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::redundant_slicing
)]

mod common;

use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

#[differentiate]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[differentiate]
fn slices_and_pieces(x: &[f64]) -> f64 {
    let tail = &x[1..];
    let head = &x[..2];
    let mut s = tail[0] * head[1] + tail.len() as f64;
    for v in x[1..3].iter() {
        s += v * v;
    }
    for w in x.windows(2) {
        s += w[0] * w[1];
    }
    for c in x.chunks(2) {
        s += c.iter().sum::<f64>().sin();
    }
    for c in x.chunks_exact(3) {
        s += c[2] * 0.5;
    }
    s += dot(&x[..2], &x[2..]);
    s += x.iter().skip(1).map(|v| v.exp()).sum::<f64>();
    s += x
        .iter()
        .zip(x.iter().skip(1))
        .map(|(a, b)| (b - a).powi(2))
        .sum::<f64>();
    s += x.iter().take(2).sum::<f64>() + x.iter().step_by(2).sum::<f64>();
    // `rev` reads its own length back to front, inside a shorter zip.
    s += x
        .iter()
        .rev()
        .zip(x.iter().take(2))
        .map(|(a, b)| a * b)
        .sum::<f64>();
    let copy = x[1..].to_vec();
    s + copy[0] * copy[2]
}

#[test]
fn slices_windows_chunks_and_adapters() {
    for x in [[0.3, -1.2, 0.7, 1.1], [1.5, 0.2, -0.4, 2.0]] {
        let (value, grad) = slices_and_pieces_grad(&x);
        assert_closed("value", value, slices_and_pieces(&x));
        assert_fd_all("x", slices_and_pieces, &x, &grad);
    }
    // Odd lengths: a last, shorter chunk; windows of a short slice.
    let x = [0.5, -0.7, 1.3, 0.9, -0.2];
    let (_, grad) = slices_and_pieces_grad(&x);
    assert_fd_all("x of 5", slices_and_pieces, &x, &grad);
}

/// Sub-slices passed to a helper while the buffer changes afterwards: the
/// helper's pullback sees the values the call saw.
#[differentiate]
fn slices_of_a_changing_buffer(x: &[f64]) -> f64 {
    let mut buf = x.to_vec();
    let mut total = 0.0;
    for k in 0..2 {
        total += dot(&buf[..2], &buf[2..]);
        buf[k] = buf[k] * 3.0;
    }
    total + buf[0]
}

#[test]
fn helpers_see_the_slices_the_call_saw() {
    let x = [0.3, -1.2, 0.7, 1.1];
    let (value, grad) = slices_of_a_changing_buffer_grad(&x);
    assert_closed("value", value, -0.9);
    for (entry, expected) in grad.iter().zip([5.8, 2.2, 1.2, -2.4]) {
        assert_closed("gradient", *entry, expected);
    }
}

/// Rows of a matrix sliced, a slice written through `iter_mut`, a running
/// difference over `windows(3)`.
#[differentiate]
fn rows_and_writes(m: &[[f64; 4]], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for r in 0..m.len() {
        s += dot(&m[r][1..], &x[..3]);
        s += m[r][..2].iter().map(|v| v * v).sum::<f64>();
    }
    let mut y = x.to_vec();
    for v in y[1..].iter_mut() {
        *v = v.tanh();
    }
    for w in y.windows(3) {
        s += w[0] - 2.0 * w[1] + w[2] * w[2];
    }
    s
}

#[test]
fn rows_slices_and_writes_through_them() {
    let m = [[0.1, 0.2, -0.3, 0.4], [1.0, -0.5, 0.25, 0.6]];
    let x = [0.7, -0.1, 0.9, 0.35];
    let (_, (dm, dx)) = rows_and_writes_grad(&m, &x);
    assert_fd_all("x", |p| rows_and_writes(&m, p), &x, &dx);
    let flat: Vec<f64> = m.iter().flatten().copied().collect();
    let dm_flat: Vec<f64> = dm.iter().flatten().copied().collect();
    assert_fd_all(
        "m",
        |p| rows_and_writes(&[[p[0], p[1], p[2], p[3]], [p[4], p[5], p[6], p[7]]], &x),
        &flat,
        &dm_flat,
    );
}

/// A slice variable re-pointed in a loop (`p = &p[1..]`), and a parameter
/// bound to a name and re-pointed.
#[differentiate]
fn walked_by_a_slice(x: &[f64]) -> f64 {
    let mut p = &x[..];
    let mut acc = 0.0;
    while p.len() > 1 {
        acc += p[0] * p[1];
        p = &p[1..];
    }
    acc + p[0]
}

#[differentiate]
fn narrowed_by_branches(x: &[f64], n: usize) -> f64 {
    let mut p = x;
    let mut acc = 1.0;
    for _ in 0..n {
        if p[0] > 0.4 {
            p = &p[1..];
        } else {
            p = &p[..p.len() - 1];
        }
        acc *= p.iter().sum::<f64>();
    }
    acc
}

/// `split_at`, `split_at_mut`, and buffer methods on a range.
#[differentiate]
fn split_halves(x: &[f64]) -> f64 {
    let (head, tail) = x.split_at(2);
    head.iter().sum::<f64>() * tail.iter().map(|t| t * t).sum::<f64>() + tail[0]
}

#[differentiate]
fn split_and_written(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let (a, b) = v.split_at_mut(2);
    a[0] = b[1] * 2.0;
    b[0] += a[1];
    v[0] * v[2]
}

#[differentiate]
fn methods_on_ranges(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v[1..].reverse();
    v[..2].fill(x[3]);
    v[2..].swap(0, 1);
    v[3..].copy_from_slice(&x[..2]);
    v[0] * v[1] + v[2] * 3.0 + v[3].sin() * v[4]
}

/// `for r in &mut v` and `*param` of an array parameter.
#[differentiate]
fn through_mutable_references(x: &[f64], scale: &[f64; 2]) -> f64 {
    let [a, b] = *scale;
    let mut v = x.to_vec();
    for r in &mut v {
        *r = (*r * a).exp() + b;
    }
    v.iter().sum()
}

#[test]
fn re_pointed_split_and_ranged() {
    let x = [0.3, 0.5, 0.9, 1.1, 0.2];
    let (value, grad) = walked_by_a_slice_grad(&x);
    assert_closed("value", value, walked_by_a_slice(&x));
    assert_fd_all("walked", walked_by_a_slice, &x, &grad);
    for n in 0..4 {
        let (value, grad) = narrowed_by_branches_grad(&x, n);
        assert_closed("value", value, narrowed_by_branches(&x, n));
        assert_fd_all("narrowed", |x| narrowed_by_branches(x, n), &x, &grad);
    }
    let (_, grad) = split_halves_grad(&x);
    assert_fd_all("split", split_halves, &x, &grad);
    let (_, grad) = split_and_written_grad(&x);
    assert_fd_all("split mut", split_and_written, &x, &grad);
    let (_, grad) = methods_on_ranges_grad(&x);
    assert_fd_all("ranges", methods_on_ranges, &x, &grad);
    let scale = [0.7, 0.1];
    let (value, (dx, dscale)) = through_mutable_references_grad(&x, &scale);
    assert_closed("value", value, through_mutable_references(&x, &scale));
    assert_fd_all("x", |x| through_mutable_references(x, &scale), &x, &dx);
    let f = |s: &[f64]| through_mutable_references(&x, &[s[0], s[1]]);
    assert_fd_all("scale", f, &scale, &dscale);
}
