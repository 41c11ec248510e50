//! The logistic map `l ← r·l·(1 − l)` iterated for up to a million steps inside
//! one `#[differentiate]`d loop.
//!
//! References, both independent of the macro:
//! - the value: the plain forward recurrence, which must be reproduced exactly;
//! - the gradient: forward-mode (tangent) recurrences carried beside it,
//!   `∂l/∂l0: t ← r(1 − 2l)·t` and `∂l/∂r: s ← l(1 − l) + r(1 − 2l)·s`,
//!   which are themselves checked against finite differences on short orbits.
//!
//! What happens numerically, measured before writing the assertions:
//! - r = 2.5 (stable fixed point l* = 1 − 1/r): after 10⁶ steps l = 0.6,
//!   ∂l/∂r = 1/r² = 0.16 and ∂l/∂l0 has underflowed to (−)0; forward and reverse
//!   agree to ~1e-16.
//! - r = 3.2 (stable 2-cycle): the derivatives stay bounded.
//! - r = 3.7 and r = 4 (chaos): ∂l/∂l0 grows like e^(λn) (λ = ln 2 for r = 4), so
//!   the true derivatives exceed f64 after ~1000 steps. After 10⁶ steps forward
//!   mode gives ±inf, and a reverse sweep gives inf for ∂l/∂l0 and NaN for ∂l/∂r
//!   (inf − inf). Those are only checked to be non-finite; the comparison with
//!   forward mode is made after 1000 steps, where |∂l/∂l0| is about 1e152
//!   (r = 3.7) and 1e300 (r = 4), still finite, and forward and reverse agree to
//!   ~1e-15.
//!
//! Timing (debug build, one thread): the forward references take ~10 ms per
//! million steps, a hand-written reverse sweep with a `Vec` tape 25–45 ms; the
//! whole stable-regime test (five million-step gradients plus their references)
//! took 0.6 s and the chaotic one 0.3 s with the generated gradient.

mod common;

use common::{assert_close, assert_close_abs, assert_fd};
use gradmacro::differentiate;

#[differentiate(wrt = [r, l0])]
fn logistic(r: f64, l0: f64, steps: usize) -> f64 {
    let mut l = l0;
    for _ in 0..steps {
        l = r * l * (1.0 - l);
    }
    l
}

const MILLION: usize = 1_000_000;

/// The plain forward recurrence (the same floating-point operations, written
/// again here so that the test does not call the function under test).
fn forward(r: f64, l0: f64, steps: usize) -> f64 {
    let mut l = l0;
    for _ in 0..steps {
        l = r * l * (1.0 - l);
    }
    l
}

/// Forward mode: `(l, ∂l/∂r, ∂l/∂l0)` after `steps` steps.
fn tangents(r: f64, l0: f64, steps: usize) -> (f64, f64, f64) {
    let (mut l, mut dr, mut dl0) = (l0, 0.0, 1.0);
    for _ in 0..steps {
        let slope = r * (1.0 - 2.0 * l);
        dr = l * (1.0 - l) + slope * dr;
        dl0 *= slope;
        l = r * l * (1.0 - l);
    }
    (l, dr, dl0)
}

#[test]
fn the_references_agree_with_finite_differences_on_short_orbits() {
    for (r, l0, steps) in [(3.7, 0.4, 5), (2.5, 0.3, 20), (4.0, 0.3, 7), (3.2, 0.6, 12)] {
        let (l, dr, dl0) = tangents(r, l0, steps);
        assert_eq!(l, forward(r, l0, steps));
        assert_fd("tangent ∂l/∂r", dr, |r| forward(r, l0, steps), r);
        assert_fd("tangent ∂l/∂l0", dl0, |l0| forward(r, l0, steps), l0);
    }
}

#[test]
fn short_orbits_match_finite_differences() {
    for (r, l0, steps) in [(3.7, 0.4, 5), (2.5, 0.3, 20), (4.0, 0.3, 7), (3.2, 0.6, 12)] {
        let (value, (dr, dl0)) = logistic_grad(r, l0, steps);
        assert_eq!(value, forward(r, l0, steps));
        assert_fd("∂l/∂r", dr, |r| logistic(r, l0, steps), r);
        assert_fd("∂l/∂l0", dl0, |l0| logistic(r, l0, steps), l0);
        let (_, tr, tl0) = tangents(r, l0, steps);
        assert_close("∂l/∂r vs forward mode", dr, tr, 1e-12);
        assert_close("∂l/∂l0 vs forward mode", dl0, tl0, 1e-12);
    }
}

#[test]
fn zero_steps_is_the_identity() {
    let (value, (dr, dl0)) = logistic_grad(3.7, 0.4, 0);
    assert_eq!(value, 0.4);
    assert_eq!((dr, dl0), (0.0, 1.0));
}

#[test]
fn a_million_steps_in_the_stable_regime_match_forward_mode() {
    for (r, l0) in [(2.5, 0.3), (2.5, 0.85), (3.2, 0.6), (3.2, 0.15)] {
        let (value, (dr, dl0)) = logistic_grad(r, l0, MILLION);
        assert_eq!(
            value,
            forward(r, l0, MILLION),
            "value at r = {r}, l0 = {l0}"
        );
        let (_, tr, tl0) = tangents(r, l0, MILLION);
        assert!(dr.is_finite() && dl0.is_finite(), "r = {r}: ({dr}, {dl0})");
        assert_close(&format!("∂l/∂r at r = {r}, l0 = {l0}"), dr, tr, 1e-9);
        // The initial condition is forgotten: |∂l/∂l0| decays like |2 − r|^n (r = 2.5)
        // and underflows to zero.
        assert_close_abs(&format!("∂l/∂l0 at r = {r}"), dl0, tl0, 1e-9, 1e-300);
        assert!(dl0.abs() < 1e-300, "∂l/∂l0 = {dl0}");
    }
    // At the fixed point l* = 1 − 1/r: ∂l*/∂r = 1/r².
    let (value, (dr, _)) = logistic_grad(2.5, 0.3, MILLION);
    assert_close("fixed point", value, 0.6, 1e-15);
    assert_close("∂l*/∂r = 1/r²", dr, 1.0 / 6.25, 1e-12);
}

#[test]
fn a_thousand_chaotic_steps_match_forward_mode() {
    for (r, l0) in [(3.7, 0.4), (3.7, 0.25), (4.0, 0.3), (4.0, 0.4)] {
        let (value, (dr, dl0)) = logistic_grad(r, l0, 1000);
        assert_eq!(value, forward(r, l0, 1000), "value at r = {r}, l0 = {l0}");
        let (_, tr, tl0) = tangents(r, l0, 1000);
        // Sensitive dependence on the initial condition: the derivatives are huge.
        assert!(tl0.abs() > 1e100, "forward ∂l/∂l0 = {tl0:e}");
        assert_close(&format!("∂l/∂r at r = {r}, l0 = {l0}"), dr, tr, 1e-6);
        assert_close(&format!("∂l/∂l0 at r = {r}, l0 = {l0}"), dl0, tl0, 1e-6);
    }
}

#[test]
fn a_million_chaotic_steps_complete_with_the_exact_value() {
    for (r, l0) in [(4.0, 0.4), (3.7, 0.4)] {
        let (value, (dr, dl0)) = logistic_grad(r, l0, MILLION);
        assert_eq!(
            value,
            forward(r, l0, MILLION),
            "value at r = {r}, l0 = {l0}"
        );
        assert!((0.0..=1.0).contains(&value));
        // The true derivatives overflow f64 (|∂l/∂l0| ~ 2^(10⁶) for r = 4), and
        // forward mode says so; the reverse sweep must not return a finite number.
        let (_, tr, tl0) = tangents(r, l0, MILLION);
        assert!(
            !tr.is_finite() && !tl0.is_finite(),
            "forward: ({tr}, {tl0})"
        );
        assert!(
            !dr.is_finite() && !dl0.is_finite(),
            "reverse at r = {r}: ({dr}, {dl0}) should overflow"
        );
    }
}
