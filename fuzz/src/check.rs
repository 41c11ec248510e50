//! Comparing generated gradients against central finite differences.
//!
//! Each gradient entry is compared with central differences `d₁, d₂, d₃` of
//! the original function at three steps, `h`, `h/2` and `h/4`:
//!
//! - If consecutive differences disagree by more than a relative threshold,
//!   the function is not smooth near the point at the scale of `h` (a kink of
//!   `abs`/`max`, a branch or loop trip count that flips, a jump of `floor`):
//!   the entry is skipped, not judged.
//! - If they do not converge as a smooth function's do (the truncation error
//!   `∝ h²` shrinks fourfold per halving; here `|d₂ − d₃|` must be at most
//!   0.6 `|d₁ − d₂|` up to rounding), `h` is too large for the function's
//!   curvature or rounding dominates: skipped too. At random points both are
//!   rare, and every program is checked at several points.
//! - Otherwise the Richardson extrapolation `d₃ + (d₃ − d₂)/3` is the
//!   reference, and the entry passes if it is within a relative tolerance of
//!   the differences' scale plus their own error estimate `2|d₂ − d₃|` plus
//!   the rounding bound `8ε·max|f|/h`.
//!
//! A non-finite gradient entry where the differences are finite and agree is
//! wrong, and so is a value from `f_grad` that differs from `f`'s.

use crate::ast::{Fl, Program};
use crate::render;
use crate::run::{Abort, Diffs, ModuleRun};

/// Tolerances for one float type.
#[derive(Clone, Copy, Debug)]
pub struct Tol {
    /// Relative agreement required of a gradient entry.
    pub rel: f64,
    /// Machine epsilon of the arithmetic.
    pub eps: f64,
    /// Relative disagreement of the two differences beyond which the point
    /// counts as non-smooth.
    pub kink: f64,
    /// Relative agreement of `f_grad`'s value with `f`'s.
    pub value: f64,
}

impl Tol {
    pub fn for_program(p: &Program) -> Tol {
        match p.main.ret {
            Fl::F64 => Tol {
                rel: 1e-6,
                eps: f64::EPSILON,
                kink: 1e-3,
                value: 1e-9,
            },
            // `f32` derivatives lose relative precision where a partial is
            // tiny against its value (`1 − tanh²` near saturation, which the
            // README documents); a wrong rule is off by far more.
            Fl::F32 => Tol {
                rel: 3e-2,
                eps: f32::EPSILON as f64,
                kink: 5e-2,
                value: 1e-4,
            },
        }
    }
}

/// The outcome of one gradient entry.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Ok,
    Skip(&'static str),
    Bad { ad: f64, fd: f64, allowed: f64 },
}

/// Checks gradient entry `g` against its differences `d` at a point where
/// `f` is `f0`.
pub fn entry(g: f64, d: &Diffs, f0: f64, tol: Tol) -> Entry {
    let mut diffs = [0.0; 3];
    let mut widths = [0.0; 3];
    let mut fmag = f0.abs().max(1.0);
    for (i, &(sp, sm, fp, fm)) in d.at.iter().enumerate() {
        if !fp.is_finite() || !fm.is_finite() {
            return Entry::Skip("f is not finite near the point");
        }
        if sp + sm <= 0.0 {
            return Entry::Skip("zero step");
        }
        widths[i] = sp + sm;
        diffs[i] = (fp - fm) / widths[i];
        fmag = fmag.max(fp.abs()).max(fm.abs());
    }
    let [d1, d2, d3] = diffs;
    let scale = d1.abs().max(d2.abs()).max(d3.abs()).max(1.0);
    // The rounding error of each difference, ε·|f|/h up to a small factor.
    let rounding = widths.map(|w| 8.0 * tol.eps * fmag / w);
    let (e12, e23) = ((d1 - d2).abs(), (d2 - d3).abs());
    if e12 > tol.kink * scale + 4.0 * rounding[1] || e23 > tol.kink * scale + 4.0 * rounding[2] {
        return Entry::Skip("not smooth at the scale of h");
    }
    // A smooth function's truncation error shrinks fourfold per halving of h.
    if e23 > 0.6 * e12 + 4.0 * rounding[2] {
        return Entry::Skip("differences do not converge");
    }
    let fd = d3 + (d3 - d2) / 3.0;
    let allowed = tol.rel * scale + 2.0 * e23 + rounding[2];
    if !g.is_finite() || (g - fd).abs() > allowed {
        return Entry::Bad { ad: g, fd, allowed };
    }
    Entry::Ok
}

/// Why a program's gradient is wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum WrongKind {
    /// Some entries differ from the differences.
    Gradient,
    /// `f_grad`'s value differs from `f`'s.
    Value,
    /// `f_grad` panicked.
    Panic(String),
    /// `f_grad` did not return.
    Hang,
    /// The process died in `f_grad`.
    Crash(String),
}

/// One disagreeing entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    pub point: usize,
    /// Coordinate in the input point.
    pub coord: usize,
    pub ad: f64,
    pub fd: f64,
    pub allowed: f64,
}

/// The verdict on a program that compiled.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Correct {
        checked: usize,
        skipped: usize,
    },
    /// Every entry at every point was skipped.
    Unchecked {
        skipped: usize,
        reason: String,
    },
    Wrong {
        kind: WrongKind,
        point: usize,
        mismatches: Vec<Mismatch>,
        /// `(f, f_grad value)` at the point.
        values: (f64, f64),
    },
    /// `f` itself misbehaved: the generator's fault.
    Invalid(String),
}

/// Judges the run of program `p`.
pub fn verdict(p: &Program, run: Option<&ModuleRun>) -> Verdict {
    let Some(run) = run else {
        return Verdict::Invalid("the program never ran".into());
    };
    let tol = Tol::for_program(p);
    let coords = render::wrt_coords(&p.main);
    if let Some(pf) = run.points.values().find_map(|r| r.f_panic.clone()) {
        return Verdict::Invalid(format!("f panicked: {pf}"));
    }
    match &run.aborted {
        Some(Abort::Hang { point, stage }) if stage == "grad" => {
            return Verdict::Wrong {
                kind: WrongKind::Hang,
                point: *point,
                mismatches: vec![],
                values: (f64::NAN, f64::NAN),
            }
        }
        Some(Abort::Crash {
            point,
            stage,
            stderr,
        }) if stage == "grad" => {
            return Verdict::Wrong {
                kind: WrongKind::Crash(stderr.clone()),
                point: *point,
                mismatches: vec![],
                values: (f64::NAN, f64::NAN),
            }
        }
        Some(a) => return Verdict::Invalid(format!("f did not finish: {a:?}")),
        None => {}
    }
    let (mut checked, mut skipped) = (0, 0);
    let mut reasons: Vec<&'static str> = Vec::new();
    for (&pi, r) in &run.points {
        if let Some(msg) = &r.grad_panic {
            return Verdict::Wrong {
                kind: WrongKind::Panic(msg.clone()),
                point: pi,
                mismatches: vec![],
                values: (r.f0, f64::NAN),
            };
        }
        if !r.f0.is_finite() {
            skipped += coords.len();
            reasons.push("f is not finite at the point");
            continue;
        }
        let vdiff = (r.value - r.f0).abs();
        if vdiff.is_nan() || vdiff > tol.value * r.f0.abs().max(1.0) {
            return Verdict::Wrong {
                kind: WrongKind::Value,
                point: pi,
                mismatches: vec![],
                values: (r.f0, r.value),
            };
        }
        if r.grad.len() != coords.len() || r.diffs.len() != coords.len() {
            return Verdict::Wrong {
                kind: WrongKind::Panic(format!(
                    "the gradient has {} entries, expected {}",
                    r.grad.len(),
                    coords.len()
                )),
                point: pi,
                mismatches: vec![],
                values: (r.f0, r.value),
            };
        }
        let mut bad = Vec::new();
        for (k, (&g, d)) in r.grad.iter().zip(&r.diffs).enumerate() {
            match entry(g, d, r.f0, tol) {
                Entry::Ok => checked += 1,
                Entry::Skip(why) => {
                    skipped += 1;
                    reasons.push(why);
                }
                Entry::Bad { ad, fd, allowed } => bad.push(Mismatch {
                    point: pi,
                    coord: coords[k],
                    ad,
                    fd,
                    allowed,
                }),
            }
        }
        if !bad.is_empty() {
            return Verdict::Wrong {
                kind: WrongKind::Gradient,
                point: pi,
                mismatches: bad,
                values: (r.f0, r.value),
            };
        }
    }
    if checked == 0 {
        reasons.sort();
        reasons.dedup();
        return Verdict::Unchecked {
            skipped,
            reason: reasons.join("; "),
        };
    }
    Verdict::Correct { checked, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diffs(f: impl Fn(f64) -> f64, x: f64, h: f64) -> Diffs {
        let at = |s: f64| (s, s, f(x + s), f(x - s));
        Diffs {
            at: [at(h), at(h / 2.0), at(h / 4.0)],
        }
    }

    const TOL: Tol = Tol {
        rel: 1e-6,
        eps: f64::EPSILON,
        kink: 1e-3,
        value: 1e-9,
    };

    #[test]
    fn smooth_functions_pass_and_wrong_slopes_fail() {
        let h = 1.0 / 32_768.0;
        let f = |x: f64| (3.0 * x).sin() * x.exp();
        let df = |x: f64| 3.0 * (3.0 * x).cos() * x.exp() + (3.0 * x).sin() * x.exp();
        for x in [-1.3, -0.2, 0.4, 1.1] {
            assert_eq!(
                entry(df(x), &diffs(f, x, h), f(x), TOL),
                Entry::Ok,
                "at {x}"
            );
            assert!(matches!(
                entry(df(x) * 1.001 + 1e-3, &diffs(f, x, h), f(x), TOL),
                Entry::Bad { .. }
            ));
            assert!(matches!(
                entry(f64::NAN, &diffs(f, x, h), f(x), TOL),
                Entry::Bad { .. }
            ));
        }
    }

    #[test]
    fn kinks_are_skipped() {
        let h = 1.0 / 32_768.0;
        let f = |x: f64| (x - 0.3).abs();
        // A kink between h/2 and h from the point, and one between h/4 and h/2.
        let x = 0.3 + 0.75 * h;
        assert!(matches!(
            entry(1.0, &diffs(f, x, h), f(x), TOL),
            Entry::Skip(_)
        ));
        let x = 0.3 + 0.3 * h;
        assert!(matches!(
            entry(1.0, &diffs(f, x, h), f(x), TOL),
            Entry::Skip(_)
        ));
        // A jump.
        let g = |x: f64| if x > 0.3 { 1.0 } else { 0.0 };
        let x = 0.3 + 0.25 * h;
        assert!(matches!(
            entry(0.0, &diffs(g, x, h), g(x), TOL),
            Entry::Skip(_)
        ));
    }
}
