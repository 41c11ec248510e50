//! Gradient checking: a generated gradient against central finite differences
//! of the original function.
//!
//! `#[differentiate]` leaves the original function unchanged, so its central
//! differences `(f(x + h eᵢ) − f(x − h eᵢ)) / 2h` are an independent reference:
//! a check against them fails whenever a derivative is wrong. The comparison of
//! each entry is [`approx`]'s `relative_eq` (either `|g − d| ≤ absolute` or
//! `|g − d| ≤ relative · max(|g|, |d|)`), and a failure reports the *worst*
//! entry, the one furthest outside its bound.
//!
//! ```
//! use gradmacro::check::{check_gradient, Tolerance};
//! use gradmacro::differentiate;
//!
//! #[differentiate]
//! fn loss(w: f64, b: f64) -> f64 {
//!     (2.0 * w + b - 1.0).powi(2)
//! }
//!
//! let (_, (dw, db)) = loss_grad(0.5, 0.25);
//! let report = check_gradient(|p| loss(p[0], p[1]), &[0.5, 0.25], &[dw, db], Tolerance::default());
//! assert!(report.passed, "{report}");
//!
//! // The same as an assertion, for tests:
//! gradmacro::assert_gradient!(|p: &[f64]| loss(p[0], p[1]), &[0.5, 0.25], &[dw, db]);
//! ```

use approx::RelativeEq;
use std::fmt;

/// How close a gradient entry must be to its central difference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Bound on `|g − d| / max(|g|, |d|)`.
    pub relative: f64,
    /// Bound on `|g − d|`, as a multiple of `max(1, |f(at)|)`: the central
    /// difference's own rounding error is about `ε·|f| / h`, so an entry near
    /// zero cannot be checked relatively.
    pub absolute: f64,
}

impl Default for Tolerance {
    /// `relative: 1e-6`, `absolute: 1e-8`: what `f64` central differences with
    /// the step of [`step`] reach on smooth functions.
    fn default() -> Self {
        Tolerance {
            relative: 1e-6,
            absolute: 1e-8,
        }
    }
}

/// The step of the central difference at `x`: `1e-6 · max(1, |x|)`, which
/// balances truncation (`h²`) against rounding (`ε / h`) in `f64`.
pub fn step(x: f64) -> f64 {
    1e-6 * x.abs().max(1.0)
}

/// The central-difference gradient of `f` at `at`, one evaluation pair per
/// coordinate. The divisor is the representable distance between the two
/// points, not `2h`.
pub fn finite_difference_gradient(f: impl Fn(&[f64]) -> f64, at: &[f64]) -> Vec<f64> {
    let mut point = at.to_vec();
    (0..at.len())
        .map(|i| {
            let x = at[i];
            let h = step(x);
            let (above, below) = (x + h, x - h);
            point[i] = above;
            let f_above = f(&point);
            point[i] = below;
            let f_below = f(&point);
            point[i] = x;
            (f_above - f_below) / (above - below)
        })
        .collect()
}

/// The entry of a gradient furthest outside its tolerance.
#[derive(Clone, Debug, PartialEq)]
pub struct Worst {
    /// Its coordinate.
    pub index: usize,
    /// The gradient's value there.
    pub generated: f64,
    /// The central difference there.
    pub finite_difference: f64,
    /// `|generated − finite_difference|`.
    pub error: f64,
    /// The largest error the tolerance allows for this entry.
    pub allowed: f64,
}

/// The outcome of one check: the point, the reference gradient, and the worst
/// entry (the one with the largest `error / allowed`).
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The point checked.
    pub point: Vec<f64>,
    /// `f(point)`.
    pub value: f64,
    /// The gradient checked.
    pub gradient: Vec<f64>,
    /// The central difference in each coordinate.
    pub finite_differences: Vec<f64>,
    /// `None` for a function of no coordinates.
    pub worst: Option<Worst>,
    /// Whether every entry is within tolerance (and finite).
    pub passed: bool,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed { "passed" } else { "FAILED" };
        write!(
            f,
            "gradient check {verdict} at {:?} (value {:e}, {} entries)",
            self.point,
            self.value,
            self.gradient.len()
        )?;
        if let Some(worst) = &self.worst {
            write!(
                f,
                "; worst entry {}: generated {:e}, central difference {:e}, |error| {:e} (allowed {:e})",
                worst.index, worst.generated, worst.finite_difference, worst.error, worst.allowed
            )?;
        }
        Ok(())
    }
}

/// Compares `gradient` with the central differences of `f` at `at`. The
/// report has `passed` set when every entry is within `tolerance` (not when
/// the lengths differ or an entry is not finite).
pub fn check_gradient(
    f: impl Fn(&[f64]) -> f64,
    at: &[f64],
    gradient: &[f64],
    tolerance: Tolerance,
) -> Report {
    let value = f(at);
    let finite_differences = finite_difference_gradient(&f, at);
    let absolute = tolerance.absolute * value.abs().max(1.0);
    let mut passed = gradient.len() == at.len();
    let mut worst: Option<(f64, Worst)> = None;
    for (index, (&generated, &finite_difference)) in
        gradient.iter().zip(&finite_differences).enumerate()
    {
        let within = generated.is_finite()
            && generated.relative_eq(&finite_difference, absolute, tolerance.relative);
        passed &= within;
        let error = (generated - finite_difference).abs();
        let allowed =
            absolute.max(tolerance.relative * generated.abs().max(finite_difference.abs()));
        let badness = if error.is_nan() {
            f64::INFINITY
        } else {
            error / allowed
        };
        if worst.as_ref().map_or(true, |(b, _)| badness > *b) {
            let entry = Worst {
                index,
                generated,
                finite_difference,
                error,
                allowed,
            };
            worst = Some((badness, entry));
        }
    }
    Report {
        point: at.to_vec(),
        value,
        gradient: gradient.to_vec(),
        finite_differences,
        worst: worst.map(|(_, entry)| entry),
        passed,
    }
}

/// [`check_gradient`] at several points, with the gradient computed by
/// `gradient` (typically a closure around `NAME_grad`): one report per point.
pub fn check_gradient_at<P: AsRef<[f64]>>(
    f: impl Fn(&[f64]) -> f64,
    gradient: impl Fn(&[f64]) -> Vec<f64>,
    points: impl IntoIterator<Item = P>,
    tolerance: Tolerance,
) -> Vec<Report> {
    points
        .into_iter()
        .map(|point| {
            let point = point.as_ref();
            check_gradient(&f, point, &gradient(point), tolerance)
        })
        .collect()
}

/// Asserts that a gradient matches the central differences of a function (see
/// [`check_gradient`]), panicking with the report of the worst entry:
/// `assert_gradient!(f, at, gradient)` or `assert_gradient!(f, at, gradient,
/// tolerance)`, where `f` takes the point as a `&[f64]`.
#[macro_export]
macro_rules! assert_gradient {
    ($f:expr, $at:expr, $gradient:expr $(,)?) => {
        $crate::assert_gradient!($f, $at, $gradient, $crate::check::Tolerance::default())
    };
    ($f:expr, $at:expr, $gradient:expr, $tolerance:expr $(,)?) => {
        let report = $crate::check::check_gradient($f, $at, $gradient, $tolerance);
        if !report.passed {
            ::core::panic!("{}", report);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quadratic(p: &[f64]) -> f64 {
        3.0 * p[0] * p[0] + p[0] * p[1] - 2.0 * p[1]
    }

    #[test]
    fn a_correct_gradient_passes() {
        let at = [0.7, -1.3];
        let exact = [6.0 * 0.7 - 1.3, 0.7 - 2.0];
        let report = check_gradient(quadratic, &at, &exact, Tolerance::default());
        assert!(report.passed, "{report}");
        assert_eq!(report.value, quadratic(&at));
        assert!((report.finite_differences[0] - exact[0]).abs() < 1e-8);
    }

    #[test]
    fn a_wrong_entry_fails_and_is_reported_as_the_worst() {
        let at = [0.7, -1.3];
        let wrong = [6.0 * 0.7 - 1.3, 0.7 - 2.0 + 1e-3];
        let report = check_gradient(quadratic, &at, &wrong, Tolerance::default());
        assert!(!report.passed);
        let worst = report.worst.clone().unwrap();
        assert_eq!(worst.index, 1);
        assert!(worst.error > 9e-4 && worst.error < 1.1e-3, "{report}");
        assert!(report.to_string().contains("worst entry 1"), "{report}");
    }

    #[test]
    fn lengths_and_non_finite_entries_fail() {
        assert!(!check_gradient(quadratic, &[0.1, 0.2], &[0.0], Tolerance::default()).passed);
        let nan = [f64::NAN, 0.1 - 2.0];
        assert!(!check_gradient(quadratic, &[0.1, 0.2], &nan, Tolerance::default()).passed);
    }

    #[test]
    fn several_points_report_each() {
        let gradient = |p: &[f64]| vec![6.0 * p[0] + p[1], p[0] - 2.0];
        let points = [[0.0, 0.0], [1.0, -2.0], [-3.5, 0.25]];
        let reports = check_gradient_at(quadratic, gradient, points, Tolerance::default());
        assert_eq!(reports.len(), 3);
        assert!(reports.iter().all(|r| r.passed));
        // Off by 2 in the second entry: fails everywhere.
        let off = |p: &[f64]| vec![6.0 * p[0] + p[1], p[0]];
        let reports = check_gradient_at(quadratic, off, points, Tolerance::default());
        assert!(reports
            .iter()
            .all(|r| !r.passed && r.worst.as_ref().unwrap().index == 1));
    }

    #[test]
    #[should_panic(expected = "gradient check FAILED")]
    fn the_assertion_panics_with_the_report() {
        crate::assert_gradient!(quadratic, &[1.0, 1.0], &[7.0, 0.0]);
    }
}
