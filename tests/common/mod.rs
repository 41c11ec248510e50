//! Helpers shared by the integration tests: central finite differences and
//! tolerance checks that say what was compared when they fail.
//!
//! The finite differences are the independent reference: they only evaluate the
//! original function (which `#[differentiate]` emits unchanged), so a test that
//! compares a `_grad` result against them can fail whenever the macro's
//! derivative is wrong.
#![allow(dead_code)]

pub mod calls;
pub mod fusion;
pub mod gmm;

/// Relative tolerance against a closed form that exact arithmetic agrees with.
pub const CLOSED: f64 = 1e-12;
/// Relative tolerance against a central finite difference in `f64`.
pub const FD: f64 = 1e-6;

/// The step of the central difference at `x`: `1e-6 · max(1, |x|)`.
pub fn step(x: f64) -> f64 {
    1e-6 * x.abs().max(1.0)
}

/// Central finite difference `(f(x + h) − f(x − h)) / 2h` with `h = 1e-6 · max(1, |x|)`.
/// Its error is `O(h²)` from truncation plus about `ε·|f|/h` from rounding.
pub fn central_diff(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = step(x);
    // Use the exactly representable distance between the two points, not 2h.
    let (hi, lo) = (x + h, x - h);
    (f(hi) - f(lo)) / (hi - lo)
}

/// Central difference of an `f32` function. `f32` has only ~7 digits, so the
/// step is `1e-2 · max(1, |x|)`: the rounding error `ε_f32·|f|/h` is then about
/// 1e-5 relative, and the truncation error `h²·f'''/6` stays small for the smooth
/// functions tested. Compare with [`F32_FD`].
pub fn central_diff_f32(f: impl Fn(f32) -> f32, x: f32) -> f32 {
    let h = 1e-2 * x.abs().max(1.0);
    let (hi, lo) = (x + h, x - h);
    (f(hi) - f(lo)) / (hi - lo)
}

/// Relative tolerance against [`central_diff_f32`].
pub const F32_FD: f64 = 2e-3;

/// `|actual − expected| ≤ rel · max(|actual|, |expected|) + abs`, with a message
/// naming the quantity. Both `NaN` or a non-finite mismatch fail.
#[track_caller]
pub fn assert_close_abs(what: &str, actual: f64, expected: f64, rel: f64, abs: f64) {
    let diff = (actual - expected).abs();
    let bound = rel * actual.abs().max(expected.abs()) + abs;
    assert!(
        actual.is_finite() && expected.is_finite() && diff <= bound,
        "{what}: got {actual:e}, expected {expected:e} (|diff| = {diff:e} > {bound:e})"
    );
}

/// Relative closeness with a tiny absolute floor (so that an exact 0 compares
/// with a value of order 1e-300).
#[track_caller]
pub fn assert_close(what: &str, actual: f64, expected: f64, rel: f64) {
    assert_close_abs(what, actual, expected, rel, 1e-300);
}

/// Checks a gradient entry against an independent closed form (relative 1e-12).
#[track_caller]
pub fn assert_closed(what: &str, actual: f64, expected: f64) {
    assert_close_abs(what, actual, expected, CLOSED, 1e-14);
}

/// Checks a gradient entry against the central difference of `f` at `x`, with
/// the runtime crate's gradient checker ([`gradmacro::check`]): relative 1e-6,
/// or absolute 1e-8·max(1, |f(x)|), which absorbs the difference's own
/// rounding error when the derivative is close to zero.
#[track_caller]
pub fn assert_fd(what: &str, actual: f64, f: impl Fn(f64) -> f64, x: f64) {
    let report = gradmacro::check::check_gradient(|p| f(p[0]), &[x], &[actual], Default::default());
    assert!(report.passed, "{what}: {report}");
}

/// [`assert_fd`] for `f32` functions (see [`central_diff_f32`] for the step).
#[track_caller]
pub fn assert_fd_f32(what: &str, actual: f32, f: impl Fn(f32) -> f32, x: f32) {
    let numeric = central_diff_f32(&f, x);
    let floor = 1e-4 * f64::from(f(x).abs().max(1.0));
    assert_close_abs(what, f64::from(actual), f64::from(numeric), F32_FD, floor);
}

/// Checks every entry of `grad` against the central difference of `f` in that
/// coordinate at the point `at` (`f` takes the point as a slice), with the
/// runtime crate's gradient checker ([`gradmacro::check`]) at its default
/// tolerance; a failure names the worst entry.
#[track_caller]
pub fn assert_fd_all(what: &str, f: impl Fn(&[f64]) -> f64, at: &[f64], grad: &[f64]) {
    assert_eq!(
        at.len(),
        grad.len(),
        "{what}: one gradient entry per coordinate"
    );
    let report = gradmacro::check::check_gradient(f, at, grad, Default::default());
    assert!(report.passed, "{what}: {report}");
}

// ---------------------------------------------------------------------------
// Vectors, arrays and nested arrays
// ---------------------------------------------------------------------------

/// The central-difference gradient of `f` at `at`: entry `i` is
/// [`central_diff`] of `f` along coordinate `i`.
pub fn central_gradient(f: impl Fn(&[f64]) -> f64, at: &[f64]) -> Vec<f64> {
    let mut p = at.to_vec();
    (0..at.len())
        .map(|i| {
            let xi = at[i];
            let h = step(xi);
            let (hi, lo) = (xi + h, xi - h);
            p[i] = hi;
            let f_hi = f(&p);
            p[i] = lo;
            let f_lo = f(&p);
            p[i] = xi;
            (f_hi - f_lo) / (hi - lo)
        })
        .collect()
}

/// [`assert_fd_all`] for `f32` functions: every entry of `grad` against
/// [`central_diff_f32`] in that coordinate.
#[track_caller]
pub fn assert_fd_all_f32(what: &str, f: impl Fn(&[f32]) -> f32, at: &[f32], grad: &[f32]) {
    assert_eq!(
        at.len(),
        grad.len(),
        "{what}: one gradient entry per coordinate"
    );
    for (i, &g) in grad.iter().enumerate() {
        let along = |t: f32| {
            let mut p = at.to_vec();
            p[i] = t;
            f(&p)
        };
        assert_fd_f32(&format!("{what}: ∂/∂arg{i} at {at:?}"), g, along, at[i]);
    }
}

/// [`assert_closed`] entry by entry (same lengths required).
#[track_caller]
pub fn assert_all_closed(what: &str, actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        assert_closed(&format!("{what}[{i}]"), a, e);
    }
}

/// Closeness of `f32` results to an `f64` reference: relative `rel` with an
/// absolute floor `abs`, entry by entry.
#[track_caller]
pub fn assert_all_close_f32(what: &str, actual: &[f32], expected: &[f64], rel: f64, abs: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        assert_close_abs(&format!("{what}[{i}]"), f64::from(a), e, rel, abs);
    }
}

/// The entries of a slice of arrays (or a nested array), row after row.
pub fn flatten<T: Copy, const M: usize>(rows: &[[T; M]]) -> Vec<T> {
    rows.iter().flat_map(|row| row.iter().copied()).collect()
}

/// The inverse of [`flatten`]: consecutive runs of `M` entries as rows.
pub fn rows<T: Copy, const M: usize>(flat: &[T]) -> Vec<[T; M]> {
    assert_eq!(
        flat.len() % M,
        0,
        "{} entries are not rows of {M}",
        flat.len()
    );
    flat.chunks_exact(M)
        .map(|chunk| std::array::from_fn(|c| chunk[c]))
        .collect()
}

/// The array holding exactly the entries of `flat`.
pub fn array<T: Copy, const N: usize>(flat: &[T]) -> [T; N] {
    assert_eq!(flat.len(), N, "an array of {N} entries");
    std::array::from_fn(|i| flat[i])
}

/// The `N × M` nested array holding the entries of `flat` row after row.
pub fn matrix<T: Copy, const N: usize, const M: usize>(flat: &[T]) -> [[T; M]; N] {
    assert_eq!(flat.len(), N * M, "a {N} × {M} matrix");
    std::array::from_fn(|r| std::array::from_fn(|c| flat[r * M + c]))
}
