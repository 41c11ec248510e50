//! Tests for `gradmacro::rules`.
//!
//! 1. Table-driven: for every rule, at points across its domain, the value
//!    must equal std's method bit for bit, and every partial must match a
//!    central finite difference of std's method (f64 in full, f32 as a
//!    smoke set).
//! 2. One test per documented convention at non-smooth and edge points,
//!    pinning the exact value; most run for both f32 and f64.

use gradmacro::rules;
use num_traits::Float;
use std::collections::HashMap;
use std::fmt::Debug;

// ---------------------------------------------------------------------------
// Finite-difference machinery
// ---------------------------------------------------------------------------

/// The float types under test.
trait TestFloat: Float + Debug {
    /// Finite-difference step, relative to an argument's length scale.
    const REL_STEP: f64;
    /// Allowed relative error of a partial (on top of the rounding noise).
    const REL_TOL: f64;
    /// The IEEE bit pattern, for exact comparisons.
    fn bits(self) -> u64;
}

impl TestFloat for f64 {
    const REL_STEP: f64 = 1e-6;
    const REL_TOL: f64 = 1e-6;
    fn bits(self) -> u64 {
        self.to_bits()
    }
}

impl TestFloat for f32 {
    const REL_STEP: f64 = 3e-3;
    const REL_TOL: f64 = 1e-3;
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}

/// One row of the table: a rule, std's method, and where to check them.
struct Case<F> {
    name: &'static str,
    /// Calls the rule; returns the value followed by the partials.
    rule: fn(&[F]) -> Vec<F>,
    /// std's method on the same arguments.
    reference: fn(&[F]) -> F,
    /// Length scale of an argument: the step is `REL_STEP * scale(arg)`.
    /// It must be well below the distance to the nearest singularity or jump.
    scale: fn(F) -> F,
    /// Argument tuples (one entry per float argument).
    points: Vec<Vec<F>>,
}

/// Scale `|x|`: relative steps (singularity at 0, or a function that
/// vanishes at 0).
fn rel<F: Float>(x: F) -> F {
    x.abs()
}

/// Scale 1: absolute steps (periodic functions, jumps at integers, ...).
fn unit<F: Float>(_: F) -> F {
    F::one()
}

/// Distance to `±1` (asin, acos, atanh).
fn to_pm_one<F: Float>(x: F) -> F {
    F::one() - x.abs()
}

/// Distance to `1` from above (acosh).
fn above_one<F: Float>(x: F) -> F {
    x - F::one()
}

/// Distance to `−1` from above (ln_1p).
fn above_minus_one<F: Float>(x: F) -> F {
    x + F::one()
}

fn cast<F: Float>(x: f64) -> F {
    F::from(x).unwrap()
}

/// Central difference of `f` in argument `i` at `p`, and a bound on the
/// part of it that is rounding noise (a few ulps of `f`, divided by the step).
fn central_difference<F: TestFloat>(f: fn(&[F]) -> F, p: &[F], i: usize, h: F) -> (F, F) {
    let mut plus = p.to_vec();
    let mut minus = p.to_vec();
    plus[i] = p[i] + h;
    minus[i] = p[i] - h;
    // Divide by the step actually taken, which is exact, not by 2h.
    let width = plus[i] - minus[i];
    assert!(width > F::zero(), "step {h:?} vanishes at {p:?}");
    let (fp, fm) = (f(&plus), f(&minus));
    let noise = cast::<F>(8.0) * F::epsilon() * fp.abs().max(fm.abs()) / width;
    ((fp - fm) / width, noise)
}

/// Checks every point of `case`: exact value, and each partial against a
/// central difference.
fn check<F: TestFloat>(case: &Case<F>) {
    for p in &case.points {
        let out = (case.rule)(p);
        assert_eq!(out.len(), p.len() + 1, "{}: arity", case.name);
        let (value, expected) = (out[0], (case.reference)(p));
        assert_eq!(
            value.bits(),
            expected.bits(),
            "{}{p:?}: value {value:?} != std's {expected:?}",
            case.name
        );
        for (i, &partial) in out[1..].iter().enumerate() {
            let h = cast::<F>(F::REL_STEP) * (case.scale)(p[i]);
            let (fd, noise) = central_difference(case.reference, p, i, h);
            let allowed = cast::<F>(F::REL_TOL) * partial.abs() + noise;
            assert!(
                (partial - fd).abs() <= allowed,
                "{}{p:?}: partial {i} is {partial:?}, finite difference {fd:?} (allowed error {allowed:?})",
                case.name
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Table constructors
// ---------------------------------------------------------------------------

/// `unary!(f64, exp, scale, [points])`
macro_rules! unary {
    ($t:ty, $name:ident, $scale:ident, [$($x:expr),* $(,)?]) => {
        Case::<$t> {
            name: stringify!($name),
            rule: |a| {
                let (v, d) = rules::$name(a[0]);
                vec![v, d]
            },
            reference: |a| <$t>::$name(a[0]),
            scale: $scale,
            points: vec![$(vec![$x]),*],
        }
    };
}

/// `binary!(f64, powf, scale, [(x, y), ...])`
macro_rules! binary {
    ($t:ty, $name:ident, $scale:ident, [$(($x:expr, $y:expr)),* $(,)?]) => {
        Case::<$t> {
            name: stringify!($name),
            rule: |a| {
                let (v, dx, dy) = rules::$name(a[0], a[1]);
                vec![v, dx, dy]
            },
            reference: |a| <$t>::$name(a[0], a[1]),
            scale: $scale,
            points: vec![$(vec![$x, $y]),*],
        }
    };
}

/// `ternary!(f64, clamp, scale, [(x, a, b), ...])`
macro_rules! ternary {
    ($t:ty, $name:ident, $scale:ident, [$(($x:expr, $a:expr, $b:expr)),* $(,)?]) => {
        Case::<$t> {
            name: stringify!($name),
            rule: |a| {
                let (v, d0, d1, d2) = rules::$name(a[0], a[1], a[2]);
                vec![v, d0, d1, d2]
            },
            reference: |a| <$t>::$name(a[0], a[1], a[2]),
            scale: $scale,
            points: vec![$(vec![$x, $a, $b]),*],
        }
    };
}

/// `powi!(f64, n, [points])`: the integer exponent is fixed per row.
macro_rules! powi {
    ($t:ty, $n:expr, [$($x:expr),* $(,)?]) => {
        Case::<$t> {
            name: concat!("powi(_, ", stringify!($n), ")"),
            rule: |a| {
                let (v, d) = rules::powi(a[0], $n);
                vec![v, d]
            },
            reference: |a| <$t>::powi(a[0], $n),
            scale: rel,
            points: vec![$(vec![$x]),*],
        }
    };
}

// ---------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------

// rustfmt would put every argument on its own line; the tables read better
// one rule per line.
#[rustfmt::skip]
fn f64_cases() -> Vec<Case<f64>> {
    vec![
        unary!(f64, exp,        unit,            [-30.0, -2.5, -0.3, 0.05, 0.7, 5.0, 40.0, 700.0]),
        unary!(f64, exp2,       unit,            [-60.0, -3.3, -0.4, 0.05, 1.5, 10.0, 100.0, 1000.0]),
        unary!(f64, exp_m1,     rel,             [-5.0, -1.5, -0.2, -1e-8, 1e-10, 0.3, 2.0, 30.0, 700.0]),
        unary!(f64, ln,         rel,             [1e-300, 1e-8, 0.05, 0.9, 1.1, 3.0, 1e5, 1e300]),
        unary!(f64, log2,       rel,             [1e-300, 1e-8, 0.05, 0.9, 1.1, 3.0, 1e5, 1e300]),
        unary!(f64, log10,      rel,             [1e-300, 1e-8, 0.05, 0.9, 1.1, 3.0, 1e5, 1e300]),
        unary!(f64, ln_1p,      above_minus_one, [-0.999999, -0.5, -1e-3, 1e-10, 0.4, 7.0, 1e10, 1e300]),
        unary!(f64, sqrt,       rel,             [1e-300, 1e-10, 0.02, 1.0, 2.5, 1e4, 1e300]),
        unary!(f64, cbrt,       rel,             [-1e300, -8.0, -1e-9, 1e-200, 0.3, 27.0, 1e10]),
        unary!(f64, recip,      rel,             [-1e150, -3.0, -1e-5, 1e-100, 0.5, 7.0, 1e150]),
        unary!(f64, abs,        rel,             [-1e300, -2.0, -1e-10, 1e-300, 3.0, 1e100]),
        unary!(f64, signum,     rel,             [-5.0, -1e-10, 2.0, 1e300]),
        unary!(f64, floor,      unit,            [-1e6 - 0.25, -2.7, -0.4, 0.3, 1.6, 12345.75]),
        unary!(f64, ceil,       unit,            [-1e6 - 0.25, -2.7, -0.4, 0.3, 1.6, 12345.75]),
        unary!(f64, round,      unit,            [-1e6 - 0.25, -2.7, -0.4, 0.3, 1.6, 12345.75]),
        unary!(f64, trunc,      unit,            [-1e6 - 0.25, -2.7, -0.4, 0.3, 1.6, 12345.75]),
        unary!(f64, fract,      unit,            [-1e6 - 0.25, -2.7, -0.4, 0.3, 1.6, 12345.75]),
        unary!(f64, sin,        unit,            [-100.0, -3.0, -0.5, 1e-8, 0.8, 2.5, 1e4]),
        unary!(f64, cos,        unit,            [-100.0, -3.0, -0.5, 0.05, 0.8, 2.5, 1e4]),
        unary!(f64, tan,        unit,            [-1.5, -0.9, -1e-8, 0.4, 1.2, 1.55, 100.0]),
        unary!(f64, asin,       to_pm_one,       [-0.99999, -0.7, -1e-8, 0.2, 0.5, 0.99, 0.99999]),
        unary!(f64, acos,       to_pm_one,       [-0.99999, -0.7, -1e-8, 0.2, 0.5, 0.99, 0.99999]),
        unary!(f64, atan,       rel,             [-50.0, -3.0, -0.4, 1e-8, 0.9, 5.0, 200.0]),
        unary!(f64, sinh,       unit,            [-700.0, -20.0, -1.3, 1e-8, 0.6, 3.0, 50.0]),
        unary!(f64, cosh,       unit,            [-700.0, -20.0, -1.3, 0.05, 0.6, 3.0, 50.0]),
        unary!(f64, tanh,       unit,            [-3.0, -1.2, -0.5, 1e-8, 0.3, 1.5, 2.5]),
        unary!(f64, asinh,      rel,             [-1e300, -1e5, -2.0, -1e-8, 0.5, 3.0, 1e200]),
        unary!(f64, acosh,      above_one,       [1.000001, 1.01, 1.5, 3.0, 100.0, 1e8, 1e300]),
        // std's atanh loses ~1e-11 absolute accuracy just above -1 (it computes
        // 0.5·ln_1p(2x/(1−x))), enough to spoil a finite difference at -0.999999;
        // atanh is odd, so the edge is probed at +0.999999 instead.
        unary!(f64, atanh,      to_pm_one,       [-0.9999, -0.6, -1e-8, 0.3, 0.9, 0.999999]),
        unary!(f64, to_degrees, rel,             [-1e300, -3.0, -1e-10, 0.5, 2.0, 1e300]),
        unary!(f64, to_radians, rel,             [-1e300, -3.0, -1e-10, 0.5, 2.0, 1e300]),
        powi!(f64, 0,  [-3.0, -0.5, 1e-3, 0.9, 2.0, 1e10]),
        powi!(f64, 1,  [-3.0, -0.5, 1e-3, 0.9, 2.0, 1e10]),
        powi!(f64, 3,  [-3.0, -0.5, 1e-3, 0.9, 2.0, 1e10]),
        powi!(f64, 7,  [-3.0, -0.5, 1e-3, 0.9, 2.0, 1e10]),
        powi!(f64, -2, [-3.0, -0.5, 1e-3, 0.9, 2.0, 1e10]),
        powi!(f64, -5, [-3.0, -0.5, 1e-3, 0.9, 2.0, 1e10]),
        binary!(f64, powf, rel, [
            (2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1e-5, 2.5), (10.0, -0.3),
            (7.0, 1e-3), (1.5, 40.0), (1e10, 0.7), (0.9, 2.2), (1e-3, 1.0),
        ]),
        binary!(f64, log, rel, [
            (0.3, 10.0), (5.0, 2.0), (1e-8, 0.5), (1e100, 3.0), (20.0, 0.1),
            (2.5, 1e-3), (1e-300, 7.0), (0.7, 1e5),
        ]),
        binary!(f64, atan2, rel, [
            (1.0, 1.0), (-2.0, 0.5), (3.0, -4.0), (-1e-3, -2e-3), (0.1, 10.0),
            (1e200, 3e200), (-1e-200, 5e-201),
        ]),
        binary!(f64, hypot, rel, [
            (3.0, 4.0), (-1.0, 2.0), (1e-3, -1e-3), (-5.0, 1.0), (1e200, 1e200),
            (1e-200, 3e-200),
        ]),
        binary!(f64, max, rel, [
            (1.0, 2.0), (2.0, 1.0), (-3.0, -5.0), (-5.0, -3.0), (1e-8, -1e-8),
            (1e300, 1e299),
        ]),
        binary!(f64, min, rel, [
            (1.0, 2.0), (2.0, 1.0), (-3.0, -5.0), (-5.0, -3.0), (1e-8, -1e-8),
            (1e300, 1e299),
        ]),
        binary!(f64, copysign, rel, [
            (3.0, -1.0), (-3.0, -1.0), (3.0, 2.0), (-2.5, 4.0), (1e-300, -1e300),
            (-1e300, 1e-300),
        ]),
        ternary!(f64, mul_add, rel, [
            (2.0, 3.0, 4.0), (-1.5, 0.5, 1e-3), (1e100, 1e-100, -2.0),
            (0.3, -7.0, 2.0), (1e-8, 1e8, -1.5), (-4.0, -1e-5, 1e10),
        ]),
        ternary!(f64, clamp, rel, [
            (0.5, -1.0, 1.0), (-2.0, -1.0, 1.0), (3.0, -1.0, 1.0),
            (1e-8, -1e-3, 1e5), (-7.0, -8.0, -6.0), (100.0, 0.5, 2.0),
        ]),
    ]
}

/// A smaller set of points for f32 (every rule, a few points each).
#[rustfmt::skip]
fn f32_cases() -> Vec<Case<f32>> {
    vec![
        unary!(f32, exp,        unit,            [-20.0, -0.3, 0.7, 30.0]),
        unary!(f32, exp2,       unit,            [-30.0, 0.05, 1.5, 50.0]),
        unary!(f32, exp_m1,     rel,             [-2.0, -1e-5, 0.3, 8.0]),
        unary!(f32, ln,         rel,             [1e-30, 0.05, 3.0, 1e30]),
        unary!(f32, log2,       rel,             [1e-30, 0.05, 3.0, 1e30]),
        unary!(f32, log10,      rel,             [1e-30, 0.05, 3.0, 1e30]),
        unary!(f32, ln_1p,      above_minus_one, [-0.99, -1e-3, 0.4, 1e10]),
        unary!(f32, sqrt,       rel,             [1e-30, 0.02, 2.5, 1e30]),
        unary!(f32, cbrt,       rel,             [-1e30, -1e-9, 0.3, 27.0]),
        unary!(f32, recip,      rel,             [-1e15, -3.0, 1e-10, 0.5]),
        unary!(f32, abs,        rel,             [-1e30, -2.0, 1e-30, 3.0]),
        unary!(f32, signum,     rel,             [-5.0, 1e-10, 2.0]),
        unary!(f32, floor,      unit,            [-2.7, -0.4, 0.3, 123.75]),
        unary!(f32, ceil,       unit,            [-2.7, -0.4, 0.3, 123.75]),
        unary!(f32, round,      unit,            [-2.7, -0.4, 0.3, 123.75]),
        unary!(f32, trunc,      unit,            [-2.7, -0.4, 0.3, 123.75]),
        unary!(f32, fract,      unit,            [-2.7, -0.4, 0.3, 123.75]),
        unary!(f32, sin,        unit,            [-3.0, 1e-5, 0.8, 100.0]),
        unary!(f32, cos,        unit,            [-3.0, 0.3, 0.8, 100.0]),
        unary!(f32, tan,        unit,            [-1.2, 1e-5, 0.4, 1.3]),
        unary!(f32, asin,       to_pm_one,       [-0.99, -1e-5, 0.5, 0.999]),
        unary!(f32, acos,       to_pm_one,       [-0.99, -0.3, 0.5, 0.999]),
        unary!(f32, atan,       rel,             [-3.0, 1e-5, 0.9, 20.0]),
        unary!(f32, sinh,       unit,            [-80.0, -1.3, 1e-5, 3.0]),
        unary!(f32, cosh,       unit,            [-80.0, -1.3, 0.5, 3.0]),
        unary!(f32, tanh,       unit,            [-2.0, 1e-5, 0.3, 1.5]),
        unary!(f32, asinh,      rel,             [-1e30, -2.0, 1e-5, 3.0]),
        unary!(f32, acosh,      above_one,       [1.01, 1.5, 100.0, 1e30]),
        unary!(f32, atanh,      to_pm_one,       [-0.999, -1e-5, 0.3, 0.99]),
        unary!(f32, to_degrees, rel,             [-1e30, -3.0, 1e-10, 2.0]),
        unary!(f32, to_radians, rel,             [-1e30, -3.0, 1e-10, 2.0]),
        powi!(f32, 0,  [-3.0, 0.9, 2.0]),
        powi!(f32, 3,  [-3.0, 1e-3, 0.9, 2.0]),
        powi!(f32, -2, [-3.0, 1e-3, 0.9, 2.0]),
        binary!(f32, powf,     rel, [(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.5, 8.0)]),
        binary!(f32, log,      rel, [(0.3, 10.0), (5.0, 2.0), (1e-8, 0.5), (20.0, 0.1)]),
        binary!(f32, atan2,    rel, [(1.0, 1.0), (-2.0, 0.5), (3.0, -4.0), (1e20, 3e20)]),
        binary!(f32, hypot,    rel, [(3.0, 4.0), (-1.0, 2.0), (1e20, 1e20), (1e-20, 3e-20)]),
        binary!(f32, max,      rel, [(1.0, 2.0), (2.0, 1.0), (-3.0, -5.0)]),
        binary!(f32, min,      rel, [(1.0, 2.0), (2.0, 1.0), (-3.0, -5.0)]),
        binary!(f32, copysign, rel, [(3.0, -1.0), (-3.0, -1.0), (3.0, 2.0)]),
        ternary!(f32, mul_add, rel, [(2.0, 3.0, 4.0), (-1.5, 0.5, 1e-3), (0.3, -7.0, 2.0)]),
        ternary!(f32, clamp,   rel, [(0.5, -1.0, 1.0), (-2.0, -1.0, 1.0), (3.0, -1.0, 1.0)]),
    ]
}

#[test]
fn every_f64_rule_matches_std_and_finite_differences() {
    for case in &f64_cases() {
        check(case);
    }
}

#[test]
fn every_f32_rule_matches_std_and_finite_differences() {
    for case in &f32_cases() {
        check(case);
    }
}

/// The f32 finite differences are coarse (f32 has 7 digits), so the f32
/// partials are also compared with the f64 rule at the same point, which is
/// checked tightly above.
#[test]
fn every_f32_rule_agrees_with_its_f64_version() {
    let f64_rules: HashMap<_, _> = f64_cases().iter().map(|c| (c.name, c.rule)).collect();
    for case in &f32_cases() {
        let f64_rule = f64_rules[case.name];
        for p in &case.points {
            let wide: Vec<f64> = p.iter().map(|&x| f64::from(x)).collect();
            let (narrow_out, wide_out) = ((case.rule)(p), f64_rule(&wide));
            for (i, (&got, &want)) in narrow_out.iter().zip(&wide_out).enumerate().skip(1) {
                let got = f64::from(got);
                assert!(
                    (got - want).abs() <= 1e-6 * want.abs(),
                    "{}{p:?}: f32 partial {} is {got}, f64 gives {want}",
                    case.name,
                    i - 1
                );
            }
        }
    }
}

#[test]
fn the_f64_table_covers_every_rule() {
    let mut names: Vec<_> = f64_cases().iter().map(|c| c.name).collect();
    names.retain(|n| !n.starts_with("powi"));
    names.sort_unstable();
    names.dedup();
    // 31 one-argument rules and 9 others, plus powi.
    assert_eq!(names.len(), 40, "{names:?}");
}

// ---------------------------------------------------------------------------
// Conventions at non-smooth and edge points
// ---------------------------------------------------------------------------

/// Asserts that two tuples of floats are identical, treating NaN as equal to
/// NaN and `+0.0` as equal to `-0.0`.
fn same<F: TestFloat>(got: &[F], want: &[F]) {
    let eq = |a: F, b: F| (a.is_nan() && b.is_nan()) || a == b;
    assert!(
        got.len() == want.len() && got.iter().zip(want).all(|(&a, &b)| eq(a, b)),
        "got {got:?}, want {want:?}"
    );
}

fn abs_at_zero<F: TestFloat>() {
    let (zero, one) = (F::zero(), F::one());
    for x in [zero, -zero] {
        let (v, d) = rules::abs(x);
        same(&[v, d], &[zero, zero]);
    }
    same(&[rules::abs(-cast::<F>(2.0)).1], &[-one]);
    same(&[rules::abs(cast::<F>(3.0)).1], &[one]);
    same(&[rules::abs(F::neg_infinity()).1], &[-one]);
}

#[test]
fn abs_derivative_is_zero_at_zero() {
    abs_at_zero::<f64>();
    abs_at_zero::<f32>();
}

fn piecewise_constant_at_jumps<F: TestFloat>() {
    let (zero, one) = (F::zero(), F::one());
    let jumps = [zero, -zero, one, -one, cast(0.5), cast(-2.5), cast(3.0)];
    for x in jumps {
        same(&[rules::signum(x).1], &[zero]);
        same(&[rules::floor(x).1], &[zero]);
        same(&[rules::ceil(x).1], &[zero]);
        same(&[rules::round(x).1], &[zero]);
        same(&[rules::trunc(x).1], &[zero]);
        same(&[rules::fract(x).1], &[one]);
    }
}

#[test]
fn piecewise_constant_rules_have_zero_derivative_even_at_jumps() {
    piecewise_constant_at_jumps::<f64>();
    piecewise_constant_at_jumps::<f32>();
}

fn max_min_conventions<F: TestFloat>() {
    let (zero, one, nan) = (F::zero(), F::one(), F::nan());
    let (two, three) = (cast::<F>(2.0), cast::<F>(3.0));
    // Ties go to x.
    same(&tuple3(rules::max(two, two)), &[two, one, zero]);
    same(&tuple3(rules::min(two, two)), &[two, one, zero]);
    same(&tuple3(rules::max(zero, -zero))[1..], &[one, zero]);
    same(&tuple3(rules::min(-zero, zero))[1..], &[one, zero]);
    // One NaN: std returns the other argument, which gets the adjoint.
    same(&tuple3(rules::max(nan, three)), &[three, zero, one]);
    same(&tuple3(rules::max(three, nan)), &[three, one, zero]);
    same(&tuple3(rules::min(nan, three)), &[three, zero, one]);
    same(&tuple3(rules::min(three, nan)), &[three, one, zero]);
    assert!(rules::max(nan, nan).0.is_nan());
    assert!(rules::min(nan, nan).0.is_nan());
    // Otherwise the returned argument.
    same(&tuple3(rules::max(two, three)), &[three, zero, one]);
    same(&tuple3(rules::min(two, three)), &[two, one, zero]);
}

fn tuple3<F>(t: (F, F, F)) -> [F; 3] {
    [t.0, t.1, t.2]
}

fn tuple4<F>(t: (F, F, F, F)) -> [F; 4] {
    [t.0, t.1, t.2, t.3]
}

#[test]
fn max_and_min_give_ties_to_x_and_skip_nan() {
    max_min_conventions::<f64>();
    max_min_conventions::<f32>();
}

fn clamp_conventions<F: TestFloat>() {
    let (zero, one, nan) = (F::zero(), F::one(), F::nan());
    let (lo, hi) = (-one, cast::<F>(2.0));
    same(&tuple4(rules::clamp(lo, lo, hi)), &[lo, one, zero, zero]);
    same(&tuple4(rules::clamp(hi, lo, hi)), &[hi, one, zero, zero]);
    same(&tuple4(rules::clamp(hi, hi, hi)), &[hi, one, zero, zero]);
    same(
        &tuple4(rules::clamp(cast(-1.5), lo, hi)),
        &[lo, zero, one, zero],
    );
    same(
        &tuple4(rules::clamp(cast(2.5), lo, hi)),
        &[hi, zero, zero, one],
    );
    same(&tuple4(rules::clamp(nan, lo, hi)), &[nan, one, zero, zero]);
}

#[test]
fn clamp_gives_bound_ties_and_nan_to_x() {
    clamp_conventions::<f64>();
    clamp_conventions::<f32>();
}

#[test]
#[should_panic]
fn clamp_panics_like_std_on_inverted_bounds() {
    let _ = rules::clamp(0.0_f64, 1.0, -1.0);
}

fn powf_at_zero_base<F: TestFloat>() {
    let (zero, one, inf) = (F::zero(), F::one(), F::infinity());
    for x in [zero, -zero] {
        for y in [cast::<F>(3.0), cast(2.0), cast(1.5)] {
            same(&tuple3(rules::powf(x, y))[1..], &[zero, zero]);
        }
        same(&tuple3(rules::powf(x, one))[1..], &[one, zero]);
        for y in [cast::<F>(0.5), cast(0.25), cast(1e-3)] {
            same(&tuple3(rules::powf(x, y))[1..], &[inf, zero]);
        }
        // x^0 == 1 for every x, so d/dx = 0.
        same(&tuple3(rules::powf(x, zero))[..2], &[one, zero]);
    }
    for x in [cast::<F>(-2.0), one, cast(7.0), inf, F::nan()] {
        same(&[rules::powf(x, zero).1], &[zero]);
    }
}

#[test]
fn powf_at_zero_base_follows_the_limits() {
    powf_at_zero_base::<f64>();
    powf_at_zero_base::<f32>();
}

#[test]
fn powf_with_negative_base_has_nan_exponent_partial() {
    // Integer exponent: the value and d/dx are fine, d/dy is NaN.
    let (v, dx, dy) = rules::powf(-2.0_f64, 3.0);
    assert_eq!(v, (-2.0_f64).powf(3.0));
    assert_eq!(dx, 3.0 * (-2.0_f64).powi(2));
    assert!(dy.is_nan());
    // Non-integer exponent: everything is NaN.
    let (v, dx, dy) = rules::powf(-2.0_f64, 0.5);
    assert!(v.is_nan() && dx.is_nan() && dy.is_nan());
}

#[test]
fn powf_base_partial_survives_overflow_and_underflow_of_the_value() {
    // value underflows to 0 but y·x^(y−1) is representable
    let (v, dx, _) = rules::powf(1e-200_f64, 2.0);
    assert_eq!(v, 0.0);
    approx::assert_relative_eq!(dx, 2.0 * 1e-200, max_relative = 1e-12);
    // value overflows to inf but y·x^(y−1) is representable
    let (v, dx, _) = rules::powf(1e200_f64, 1.6);
    assert_eq!(v, f64::INFINITY);
    approx::assert_relative_eq!(dx, 1.6 * 1e200_f64.powf(0.6), max_relative = 1e-12);
    // subnormal value
    let (v, dx, _) = rules::powf(1e-160_f64, 2.0);
    assert!(v.is_subnormal());
    approx::assert_relative_eq!(dx, 2e-160, max_relative = 1e-12);
}

fn powi_conventions<F: TestFloat>() {
    let (zero, one, two) = (F::zero(), F::one(), cast::<F>(2.0));
    for x in [zero, -zero, two, F::infinity(), F::nan()] {
        let (v, d) = rules::powi(x, 0);
        same(&[v, d], &[one, zero]);
    }
    same(&[rules::powi(zero, 1).1], &[one]);
    same(&[rules::powi(zero, 2).1], &[zero]);
    same(&[rules::powi(zero, -1).1], &[F::neg_infinity()]);
}

#[test]
fn powi_with_zero_exponent_has_zero_derivative() {
    powi_conventions::<f64>();
    powi_conventions::<f32>();
}

#[test]
fn powi_handles_the_most_negative_exponent() {
    let n = i32::MIN;
    // d/dx = n·x^(n−1); at x = ±1 that is n·(±1).
    assert_eq!(rules::powi(1.0_f64, n), (1.0, f64::from(n)));
    assert_eq!(rules::powi(-1.0_f64, n), (1.0, -f64::from(n)));
}

fn infinite_slopes<F: TestFloat>() {
    let (zero, one, inf) = (F::zero(), F::one(), F::infinity());
    for x in [zero, -zero] {
        same(&[rules::sqrt(x).1], &[inf]);
        same(&[rules::cbrt(x).1], &[inf]);
        same(&[rules::ln(x).1], &[inf]);
        same(&[rules::log2(x).1], &[inf]);
        same(&[rules::log10(x).1], &[inf]);
        same(&[rules::recip(x).1], &[-inf]);
        same(&[rules::log(x, cast(10.0)).1], &[inf]);
        same(&[rules::log(x, cast(0.5)).1], &[-inf]);
    }
    same(&[rules::ln_1p(-one).1], &[inf]);
    for x in [one, -one] {
        same(&[rules::asin(x).1], &[inf]);
        same(&[rules::acos(x).1], &[-inf]);
        same(&[rules::atanh(x).1], &[inf]);
    }
    same(&[rules::acosh(one).1], &[inf]);
}

#[test]
fn singular_points_give_infinite_slopes() {
    infinite_slopes::<f64>();
    infinite_slopes::<f32>();
}

fn origin_conventions<F: TestFloat>() {
    let zero = F::zero();
    for (a, b) in [(zero, zero), (-zero, zero), (zero, -zero), (-zero, -zero)] {
        let (v, dy, dx) = rules::atan2(a, b);
        assert_eq!(v.bits(), a.atan2(b).bits());
        same(&[dy, dx], &[zero, zero]);
        let (v, dx, dy) = rules::hypot(a, b);
        same(&[v, dx, dy], &[zero, zero, zero]);
    }
}

#[test]
fn atan2_and_hypot_have_zero_partials_at_the_origin() {
    origin_conventions::<f64>();
    origin_conventions::<f32>();
}

fn copysign_conventions<F: TestFloat>() {
    let (zero, one) = (F::zero(), F::one());
    let three = cast::<F>(3.0);
    // (x, sign, d/dx)
    let rows = [
        (three, -one, -one),
        (-three, -one, one),
        (three, one, one),
        (-three, one, -one),
        (zero, -one, -one),
        (zero, one, one),
        (-zero, one, one),
        (-zero, -one, -one),
        (zero, -zero, -one),
    ];
    for (x, s, dx) in rows {
        let (v, got_dx, ds) = rules::copysign(x, s);
        assert_eq!(v.bits(), x.copysign(s).bits(), "copysign({x:?}, {s:?})");
        same(&[got_dx, ds], &[dx, zero]);
    }
}

#[test]
fn copysign_derivative_is_the_sign_flip() {
    copysign_conventions::<f64>();
    copysign_conventions::<f32>();
}

// ---------------------------------------------------------------------------
// Accuracy where the value is reused
// ---------------------------------------------------------------------------

/// `tanh' = 1 − tanh²` and `exp_m1' = exp_m1 + 1` are accurate in absolute
/// terms everywhere (and relative terms where the value is not near ±1 / −1),
/// as documented.
#[test]
fn reused_values_keep_partials_accurate() {
    let xs = (-4000..=4000).map(|i| f64::from(i) * 0.01);
    for x in xs {
        let tanh_exact = x.cosh().powi(2).recip();
        let d = rules::tanh(x).1;
        assert!(
            (d - tanh_exact).abs() <= 2.0 * f64::EPSILON,
            "tanh'({x}) = {d}"
        );
        let d = rules::exp_m1(x).1;
        assert!(
            (d - x.exp()).abs() <= 2.0 * f64::EPSILON * x.exp().max(1.0),
            "exp_m1'({x}) = {d}"
        );
        if x.abs() <= 5.0 {
            approx::assert_relative_eq!(rules::tanh(x).1, tanh_exact, max_relative = 1e-11);
        }
        if x >= -5.0 {
            approx::assert_relative_eq!(rules::exp_m1(x).1, x.exp(), max_relative = 1e-13);
        }
    }
}
