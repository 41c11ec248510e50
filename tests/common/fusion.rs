//! The checks of the fusion tests (`tests/fusion_*.rs`): one point per test with
//! every differentiated entry flattened into it, checked for the value, a closed
//! form, central differences and the pullback at a seed other than 1.

use super::{assert_all_closed, assert_fd_all};

pub const X: [f64; 5] = [0.7, -1.3, 0.25, 2.1, -0.6];
pub const Y: [f64; 5] = [0.4, 0.9, -1.1, 1.5, 0.3];
pub const W: [f64; 3] = [0.8, -0.6, 1.1];
pub const XS: [f64; 4] = [0.5, -1.2, 0.9, 0.3];
pub const SEED: f64 = 2.5;

pub fn cat(parts: &[&[f64]]) -> Vec<f64> {
    parts.concat()
}

/// The checks of every test, on all differentiated entries flattened into one
/// point `at`: the value, the closed form (unless empty), central differences of
/// `f`, and the pullback's value and adjoints at seed [`SEED`].
#[track_caller]
pub fn check(
    what: &str,
    f: impl Fn(&[f64]) -> f64,
    at: &[f64],
    (value, grad): (f64, Vec<f64>),
    (pulled_value, pulled): (f64, Vec<f64>),
    closed: &[f64],
) {
    assert_eq!(value, f(at), "{what}: value");
    if !closed.is_empty() {
        assert_all_closed(&format!("{what} (closed form)"), &grad, closed);
    }
    assert_fd_all(what, &f, at, &grad);
    assert_eq!(pulled_value, value, "{what}: pullback value");
    let scaled: Vec<f64> = grad.iter().map(|g| SEED * g).collect();
    assert_all_closed(&format!("{what} (pullback)"), &pulled, &scaled);
}

/// A function, its `_grad` and its `_pullback`.
pub type Fns<F, G, P> = (F, G, P);
pub type Slice =
    Fns<fn(&[f64]) -> f64, fn(&[f64]) -> (f64, Vec<f64>), fn(&[f64], f64) -> (f64, (Vec<f64>,))>;
pub type Scalar = Fns<
    fn(&[f64], f64) -> f64,
    fn(&[f64], f64) -> (f64, (Vec<f64>, f64)),
    fn(&[f64], f64, f64) -> (f64, (Vec<f64>, f64)),
>;
pub type Pair = Fns<
    fn(&[f64], &[f64]) -> f64,
    fn(&[f64], &[f64]) -> (f64, (Vec<f64>, Vec<f64>)),
    fn(&[f64], &[f64], f64) -> (f64, (Vec<f64>, Vec<f64>)),
>;

/// [`check`] for `f(x: &[f64])`.
#[track_caller]
pub fn check_slice(what: &str, (f, grad, pull): Slice, x: &[f64], closed: &[f64]) {
    let ((v, g), (pv, (p,))) = (grad(x), pull(x, SEED));
    check(what, f, x, (v, g), (pv, p), closed);
}

/// [`check`] for `f(x: &[f64], w: f64)`.
#[track_caller]
pub fn check_scalar(what: &str, (f, grad, pull): Scalar, x: &[f64], w: f64, closed: &[f64]) {
    let ((v, (dx, dw)), (pv, (px, pw))) = (grad(x, w), pull(x, w, SEED));
    let (g, p, at) = (cat(&[&dx, &[dw]]), cat(&[&px, &[pw]]), cat(&[x, &[w]]));
    let n = x.len();
    check(what, |q| f(&q[..n], q[n]), &at, (v, g), (pv, p), closed);
}

/// [`check`] for `f(a: &[f64], b: &[f64])`.
#[track_caller]
pub fn check_pair(what: &str, (f, grad, pull): Pair, a: &[f64], b: &[f64], closed: &[f64]) {
    let ((v, (da, db)), (pv, (pa, pb))) = (grad(a, b), pull(a, b, SEED));
    let (g, p, at) = (cat(&[&da, &db]), cat(&[&pa, &pb]), cat(&[a, b]));
    let n = a.len();
    check(what, |q| f(&q[..n], &q[n..]), &at, (v, g), (pv, p), closed);
}
