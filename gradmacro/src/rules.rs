//! Derivative rules: one function per differentiable float method.
//!
//! Every rule takes the same arguments as the float method it mirrors and
//! returns a tuple: the **value** first, then the **local partial derivative
//! with respect to each float argument**, in argument order. Integer
//! arguments (the exponent of `powi`) get no partial.
//!
//! # Why value plus partials
//!
//! Reverse mode runs the function forward once, recording what it needs, and
//! then walks back from the output: the adjoint of every argument of an
//! operation is the operation's output adjoint multiplied by the local partial
//! with respect to that argument. The generated forward pass therefore needs
//! both the value (to continue the computation) and the partials (to store
//! for the backward pass). Computing them in one call lets a rule reuse the
//! value inside the partial wherever the derivative contains it (`exp' =
//! exp`, `tanh' = 1 − tanh²`, `sqrt' = 1/(2 sqrt)`, ...), so nothing is
//! computed twice.
//!
//! The value is always the result of the `num_traits::Float` method of the
//! same name, which for `f32` and `f64` (with num-traits' default `std`
//! feature) forwards to the inherent method of `std`, so the value is
//! bit-identical to what the undifferentiated code computes.
//!
//! # Conventions at non-smooth and edge points
//!
//! Where the derivative does not exist or the formula breaks down, the rules
//! return the following. Points not listed get whatever the formula gives
//! (`±inf` or `NaN`); outside a function's domain (where the value is `NaN`)
//! the partials are unspecified, typically `NaN`. Both zeros (`+0.0` and
//! `-0.0`) count as zero.
//!
//! | Rule | Point | Convention |
//! |------|-------|------------|
//! | `abs` | `x == 0` | `d/dx = 0`; elsewhere `d/dx = ±1`, the sign of `x` |
//! | `signum` | everywhere | `d/dx = 0` (piecewise constant; the jump at 0 is ignored) |
//! | `floor` | everywhere | `d/dx = 0` (the jumps at integers are ignored) |
//! | `ceil` | everywhere | `d/dx = 0` (the jumps at integers are ignored) |
//! | `round` | everywhere | `d/dx = 0` (the jumps at half-integers are ignored) |
//! | `trunc` | everywhere | `d/dx = 0` (the jumps at integers are ignored) |
//! | `fract` | everywhere | `d/dx = 1` (`fract = x − trunc(x)`; the jumps are ignored) |
//! | `max` | tie `x == y` | whole adjoint to `x`; otherwise to the returned argument. If one argument is `NaN`, std returns the other, which gets the adjoint |
//! | `min` | tie `x == y` | whole adjoint to `x`; otherwise to the returned argument. If one argument is `NaN`, std returns the other, which gets the adjoint |
//! | `clamp` | `lo <= x <= hi` | whole adjoint to `x` (ties at the bounds go to `x`); to `lo` if `x < lo`, to `hi` if `x > hi`; `x` `NaN`: value `NaN`, `d/dx = 1` |
//! | `powf` | `x == 0` | `d/dx`: `0` for `y > 1`, `1` for `y == 1`, `+inf` for `0 < y < 1`; `d/dy = 0` (the limit of `x^y ln x`) for `y > 0` |
//! | `powf` | `y == 0` | `d/dx = 0` for every `x` (`x^0 ≡ 1`) |
//! | `powf` | `x < 0` | `d/dy = NaN` even for integer `y`: `x^y` is undefined for non-integer exponents nearby |
//! | `powi` | `n == 0` | `d/dx = 0` for every `x` (`x^0 ≡ 1`) |
//! | `sqrt` | `x == 0` | `d/dx = +inf` |
//! | `cbrt` | `x == 0` | `d/dx = +inf` |
//! | `ln` | `x == 0` | `d/dx = +inf` |
//! | `log2` | `x == 0` | `d/dx = +inf` |
//! | `log10` | `x == 0` | `d/dx = +inf` |
//! | `ln_1p` | `x == −1` | `d/dx = +inf` |
//! | `log` | `x == 0` | `d/dx = 1/(+0 · ln base)`: `+inf` for `base > 1`, `−inf` for `base < 1` |
//! | `recip` | `x == 0` | `d/dx = −inf` |
//! | `asin` | `x == ±1` | `d/dx = +inf` |
//! | `acos` | `x == ±1` | `d/dx = −inf` |
//! | `acosh` | `x == 1` | `d/dx = +inf` |
//! | `atanh` | `x == ±1` | `d/dx = +inf` |
//! | `atan2` | `y == 0 && x == 0` | both partials `0` (not `NaN`) |
//! | `hypot` | `x == 0 && y == 0` | both partials `0` (not `NaN`) |
//! | `copysign` | everywhere | `d/dx = ±1`: sign of the result times sign of `x`, where `x == 0` counts as positive (so `d/dx` is the sign of the result); `d/dsign = 0` |
//!
//! # Zero adjoints: `0 · ∞ = 0`
//!
//! The reverse sweep multiplies an adjoint by a rule's partial. Where one of
//! the two is exactly zero, the product is taken to be zero even if the other
//! is infinite or `NaN` (Enzyme's "strong zero"): a value that does not reach
//! the output contributes nothing, whatever its local derivative. So
//! `(x + 1.0).asin().max(x)` at `x = 0.5` has slope 1 (the `NaN` partial of
//! the branch `max` did not take is multiplied by a zero adjoint), and
//! `sqrt(max(x, 0)²)` has slope 0 at negative `x`. The same holds for the
//! adjoint of a quotient (`0 / 0` is taken as 0), and a product by the
//! literal `0.0` passes nothing back (`(x * 0.0).sqrt() + x` has slope 1).
//!
//! Products of two variables are the one exception, for speed: their
//! adjoints follow IEEE arithmetic, so `(x * w).sqrt()` at a runtime
//! `w == 0` gives `d/dx = ∞ · 0 = NaN` (guarding every product cost 35–40%
//! on the extended Rosenbrock function).
//!
//! # Accuracy notes
//!
//! Reusing the value is exact in exact arithmetic, and in floating point it
//! keeps the partials accurate to a few ulps, with these caveats:
//!
//! * `tanh' = 1 − tanh²` and `exp_m1' = exp_m1 + 1` cancel when the value is
//!   close to `±1` resp. `−1`. The absolute error stays within two ulps of 1
//!   (`2 · f64::EPSILON`), but the relative error grows: for `f64` it is about
//!   `1e-8` at `|x| = 10` resp. `x = −20`, and the partial is exactly 0 once
//!   the value rounds to `±1` resp. `−1` (`|x| > 19.1` resp. `x < −37.4`),
//!   where the true derivative is below `1e-16`. JAX and PyTorch use the same
//!   formulas.
//! * `powf` reuses the value (`d/dx = y·value/x`) only when the value is a
//!   normal float; when it overflows, underflows or is subnormal it
//!   recomputes `y·x^(y−1)`, which is then representable and accurate.

use num_traits::Float;

/// Converts an `f64` constant to `T` (exact for `f64`, rounded for `f32`).
#[inline]
fn cst<T: Float>(c: f64) -> T {
    T::from(c).expect("float constant representable in T")
}

/// Maps `-0.0` to `+0.0` and leaves every other value (including `NaN`)
/// unchanged: in IEEE 754 round-to-nearest, `-0 + +0 == +0` and `x + 0 == x`.
#[inline]
fn plus_zero<T: Float>(x: T) -> T {
    x + T::zero()
}

/// The derivative of the rules whose derivative is a function of their value,
/// from that value: `tanh' = 1 − tanh²`. The rules above compute their partial
/// with these, so a partial recomputed from a value kept elsewhere (an element a
/// loop stored) is bit-for-bit the one the rule returns. Generated code uses
/// them; they are public for that reason only.
pub mod from_value {
    use super::{cst, plus_zero};
    use num_traits::Float;

    /// `exp' = exp`.
    #[inline]
    pub fn exp<T: Float>(value: T) -> T {
        value
    }

    /// `(2^x)' = 2^x · ln 2`.
    #[inline]
    pub fn exp2<T: Float>(value: T) -> T {
        value * cst(core::f64::consts::LN_2)
    }

    /// `(e^x − 1)' = value + 1`.
    #[inline]
    pub fn exp_m1<T: Float>(value: T) -> T {
        value + T::one()
    }

    /// `√' = 0.5 / value` (`+inf` at both zeros).
    #[inline]
    pub fn sqrt<T: Float>(value: T) -> T {
        // sqrt(-0.0) is -0.0; plus_zero makes the partial +inf there too.
        cst::<T>(0.5) / plus_zero(value)
    }

    /// `∛' = 1 / (3 value²)`.
    #[inline]
    pub fn cbrt<T: Float>(value: T) -> T {
        (cst::<T>(3.0) * value * value).recip()
    }

    /// `tanh' = 1 − value²`.
    #[inline]
    pub fn tanh<T: Float>(value: T) -> T {
        T::one() - value * value
    }
}

/// `exp(x)`; `d/dx = exp(x)` (the value).
#[inline]
pub fn exp<T: Float>(x: T) -> (T, T) {
    let v = x.exp();
    (v, from_value::exp(v))
}

/// `2^x`; `d/dx = 2^x · ln 2` (value times ln 2).
#[inline]
pub fn exp2<T: Float>(x: T) -> (T, T) {
    let v = x.exp2();
    (v, from_value::exp2(v))
}

/// `e^x − 1`; `d/dx = e^x = value + 1`.
#[inline]
pub fn exp_m1<T: Float>(x: T) -> (T, T) {
    let v = x.exp_m1();
    (v, from_value::exp_m1(v))
}

/// `ln x`; `d/dx = 1/x` (`+inf` at both zeros).
#[inline]
pub fn ln<T: Float>(x: T) -> (T, T) {
    (x.ln(), plus_zero(x).recip())
}

/// `log₂ x`; `d/dx = 1/(x ln 2)` (`+inf` at both zeros).
#[inline]
pub fn log2<T: Float>(x: T) -> (T, T) {
    (
        x.log2(),
        (plus_zero(x) * cst(core::f64::consts::LN_2)).recip(),
    )
}

/// `log₁₀ x`; `d/dx = 1/(x ln 10)` (`+inf` at both zeros).
#[inline]
pub fn log10<T: Float>(x: T) -> (T, T) {
    (
        x.log10(),
        (plus_zero(x) * cst(core::f64::consts::LN_10)).recip(),
    )
}

/// `ln(1 + x)`; `d/dx = 1/(1 + x)` (`+inf` at `x == −1`).
#[inline]
pub fn ln_1p<T: Float>(x: T) -> (T, T) {
    // `-1 + 1` is `+0` in round-to-nearest, so x == -1 gives +inf.
    (x.ln_1p(), (T::one() + x).recip())
}

/// `√x`; `d/dx = 1/(2√x) = 0.5/value` (`+inf` at both zeros).
#[inline]
pub fn sqrt<T: Float>(x: T) -> (T, T) {
    let v = x.sqrt();
    (v, from_value::sqrt(v))
}

/// `∛x`; `d/dx = 1/(3 ∛x²) = 1/(3 value²)` (`+inf` at both zeros).
#[inline]
pub fn cbrt<T: Float>(x: T) -> (T, T) {
    let v = x.cbrt();
    (v, from_value::cbrt(v))
}

/// `1/x`; `d/dx = −1/x² = −value²` (`−inf` at both zeros).
#[inline]
pub fn recip<T: Float>(x: T) -> (T, T) {
    let v = x.recip();
    (v, -(v * v))
}

/// `|x|`; `d/dx = sign(x)`, and `0` at `x == 0`.
#[inline]
pub fn abs<T: Float>(x: T) -> (T, T) {
    // std's signum(±0.0) is ±1, so zero needs its own branch.
    let d = if x == T::zero() {
        T::zero()
    } else {
        x.signum()
    };
    (x.abs(), d)
}

/// `signum(x)`; `d/dx = 0` (piecewise constant).
#[inline]
pub fn signum<T: Float>(x: T) -> (T, T) {
    (x.signum(), T::zero())
}

/// `⌊x⌋`; `d/dx = 0` (piecewise constant).
#[inline]
pub fn floor<T: Float>(x: T) -> (T, T) {
    (x.floor(), T::zero())
}

/// `⌈x⌉`; `d/dx = 0` (piecewise constant).
#[inline]
pub fn ceil<T: Float>(x: T) -> (T, T) {
    (x.ceil(), T::zero())
}

/// `round(x)` (half away from zero); `d/dx = 0` (piecewise constant).
#[inline]
pub fn round<T: Float>(x: T) -> (T, T) {
    (x.round(), T::zero())
}

/// `trunc(x)`; `d/dx = 0` (piecewise constant).
#[inline]
pub fn trunc<T: Float>(x: T) -> (T, T) {
    (x.trunc(), T::zero())
}

/// `x − trunc(x)`; `d/dx = 1`.
#[inline]
pub fn fract<T: Float>(x: T) -> (T, T) {
    (x.fract(), T::one())
}

/// `sin x`; `d/dx = cos x`.
#[inline]
pub fn sin<T: Float>(x: T) -> (T, T) {
    (x.sin(), x.cos())
}

/// `cos x`; `d/dx = −sin x`.
#[inline]
pub fn cos<T: Float>(x: T) -> (T, T) {
    (x.cos(), -x.sin())
}

/// `tan x`; `d/dx = 1 + tan² x = 1 + value²`.
#[inline]
pub fn tan<T: Float>(x: T) -> (T, T) {
    let v = x.tan();
    (v, T::one() + v * v)
}

/// `asin x`; `d/dx = 1/√(1 − x²)` (`+inf` at `x == ±1`).
#[inline]
pub fn asin<T: Float>(x: T) -> (T, T) {
    // (1 - x)(1 + x) instead of 1 - x² avoids cancellation near |x| = 1.
    let one = T::one();
    (x.asin(), ((one - x) * (one + x)).sqrt().recip())
}

/// `acos x`; `d/dx = −1/√(1 − x²)` (`−inf` at `x == ±1`).
#[inline]
pub fn acos<T: Float>(x: T) -> (T, T) {
    let one = T::one();
    (x.acos(), -((one - x) * (one + x)).sqrt().recip())
}

/// `atan x`; `d/dx = 1/(1 + x²)`.
#[inline]
pub fn atan<T: Float>(x: T) -> (T, T) {
    (x.atan(), (T::one() + x * x).recip())
}

/// `sinh x`; `d/dx = cosh x`.
#[inline]
pub fn sinh<T: Float>(x: T) -> (T, T) {
    (x.sinh(), x.cosh())
}

/// `cosh x`; `d/dx = sinh x`.
#[inline]
pub fn cosh<T: Float>(x: T) -> (T, T) {
    (x.cosh(), x.sinh())
}

/// `tanh x`; `d/dx = 1 − tanh² x = 1 − value²`.
#[inline]
pub fn tanh<T: Float>(x: T) -> (T, T) {
    let v = x.tanh();
    (v, from_value::tanh(v))
}

/// `asinh x`; `d/dx = 1/√(x² + 1)`.
#[inline]
pub fn asinh<T: Float>(x: T) -> (T, T) {
    // hypot(x, 1) = √(x² + 1) without overflowing for |x| > 1e154.
    (x.asinh(), x.hypot(T::one()).recip())
}

/// `acosh x`; `d/dx = 1/√(x² − 1)` (`+inf` at `x == 1`).
#[inline]
pub fn acosh<T: Float>(x: T) -> (T, T) {
    // √(x − 1)·√(x + 1): no cancellation near 1, no overflow for large x.
    let one = T::one();
    (x.acosh(), ((x - one).sqrt() * (x + one).sqrt()).recip())
}

/// `atanh x`; `d/dx = 1/(1 − x²)` (`+inf` at `x == ±1`).
#[inline]
pub fn atanh<T: Float>(x: T) -> (T, T) {
    let one = T::one();
    (x.atanh(), ((one - x) * (one + x)).recip())
}

/// `x · 180/π`; `d/dx = 180/π` (the exact factor std multiplies by).
#[inline]
pub fn to_degrees<T: Float>(x: T) -> (T, T) {
    // The function is `x * c`; `1.to_degrees()` is exactly that `c`.
    (x.to_degrees(), T::one().to_degrees())
}

/// `x · π/180`; `d/dx = π/180` (the exact factor std multiplies by).
#[inline]
pub fn to_radians<T: Float>(x: T) -> (T, T) {
    (x.to_radians(), T::one().to_radians())
}

/// `x^n` for integer `n`; `d/dx = n · x^(n−1)` (`0` when `n == 0`).
#[inline]
pub fn powi<T: Float>(x: T, n: i32) -> (T, T) {
    let v = x.powi(n);
    if n == 0 {
        return (v, T::zero());
    }
    let nf: T = cst(f64::from(n));
    let d = match n.checked_sub(1) {
        Some(m) => nf * x.powi(m),
        // n == i32::MIN: n - 1 is not an i32, so use x^(n-1) = x^n / x.
        None => nf * (v / x),
    };
    (v, d)
}

/// `x^y`; `d/dx = y · x^(y−1) = y · value/x`, `d/dy = x^y · ln x = value · ln x`.
#[inline]
pub fn powf<T: Float>(x: T, y: T) -> (T, T, T) {
    let zero = T::zero();
    let v = x.powf(y);
    let dx = if y == zero {
        // x^0 ≡ 1 (std returns 1 even for x = 0, inf, NaN).
        zero
    } else if v.is_normal() {
        // Here x != 0 (x == 0 gives 0 or inf for y != 0).
        y * (v / x)
    } else {
        // The value over- or underflowed, or is subnormal: v/x would lose
        // the derivative. At x == 0 this gives 0 (y > 1), 1 (y == 1) and
        // +inf (0 < y < 1).
        y * x.powf(y - T::one())
    };
    let dy = if x == zero && y > zero {
        // lim x^y ln x = 0 as x -> 0 for y > 0 (the formula gives 0 * -inf).
        zero
    } else {
        // NaN for x < 0, since ln x is NaN.
        v * x.ln()
    };
    (v, dx, dy)
}

/// `log_base x = ln x / ln base`; `d/dx = 1/(x ln base)`, `d/dbase = −value/(base ln base)`.
#[inline]
pub fn log<T: Float>(x: T, base: T) -> (T, T, T) {
    let v = x.log(base);
    let ln_base = base.ln();
    (v, (plus_zero(x) * ln_base).recip(), -v / (base * ln_base))
}

/// `atan2(y, x)`; `d/dy = x/(x² + y²)`, `d/dx = −y/(x² + y²)` (both `0` at the origin).
#[inline]
pub fn atan2<T: Float>(y: T, x: T) -> (T, T, T) {
    let v = y.atan2(x);
    let zero = T::zero();
    if x == zero && y == zero {
        return (v, zero, zero);
    }
    // (x / r) / r with r = hypot(x, y) neither over- nor underflows where
    // x² + y² would.
    let r = x.hypot(y);
    (v, x / r / r, -(y / r) / r)
}

/// `√(x² + y²)`; `d/dx = x/value`, `d/dy = y/value` (both `0` at the origin).
#[inline]
pub fn hypot<T: Float>(x: T, y: T) -> (T, T, T) {
    let v = x.hypot(y);
    let zero = T::zero();
    if v == zero {
        return (v, zero, zero);
    }
    (v, x / v, y / v)
}

/// `x · a + b` with one rounding; `d/dx = a`, `d/da = x`, `d/db = 1`.
#[inline]
pub fn mul_add<T: Float>(x: T, a: T, b: T) -> (T, T, T, T) {
    (x.mul_add(a, b), a, x, T::one())
}

/// `max(x, y)`; the partial is 1 for the returned argument (`x` on ties), 0 for the other.
#[inline]
pub fn max<T: Float>(x: T, y: T) -> (T, T, T) {
    let v = x.max(y);
    // std returns the non-NaN argument if exactly one is NaN.
    if x >= y || y.is_nan() {
        (v, T::one(), T::zero())
    } else {
        (v, T::zero(), T::one())
    }
}

/// `min(x, y)`; the partial is 1 for the returned argument (`x` on ties), 0 for the other.
#[inline]
pub fn min<T: Float>(x: T, y: T) -> (T, T, T) {
    let v = x.min(y);
    if x <= y || y.is_nan() {
        (v, T::one(), T::zero())
    } else {
        (v, T::zero(), T::one())
    }
}

/// `x` clamped to `lo..=hi`; the partial is 1 for the returned argument (`x` on ties), 0 for the others.
///
/// The value is `Float::clamp`, which for `f32`/`f64` is std's `clamp` and,
/// like it, panics if `lo > hi` or either bound is `NaN`.
#[inline]
pub fn clamp<T: Float>(x: T, lo: T, hi: T) -> (T, T, T, T) {
    let v = x.clamp(lo, hi);
    let (zero, one) = (T::zero(), T::one());
    // Same comparisons as std: `x < lo` gives lo, `x > hi` gives hi,
    // otherwise (including NaN x) x.
    if x < lo {
        (v, zero, one, zero)
    } else if x > hi {
        (v, zero, zero, one)
    } else {
        (v, one, zero, zero)
    }
}

/// `|x|` with the sign of `sign`; `d/dx = ±1` (result sign times sign of `x`), `d/dsign = 0`.
#[inline]
pub fn copysign<T: Float>(x: T, sign: T) -> (T, T, T) {
    let v = x.copysign(sign);
    let (zero, one) = (T::zero(), T::one());
    // The value is x or -x; d/dx is +1 when the sign was kept. x == 0
    // (either zero) counts as positive, so then d/dx is the sign of v.
    let x_negative = x != zero && x.is_sign_negative();
    let dx = if v.is_sign_negative() == x_negative {
        one
    } else {
        -one
    };
    (v, dx, zero)
}
