//! A custom derivative: give `#[differentiate]` the derivative of a function it
//! should not look into, by writing that function's pullback by hand.
//!
//! ```sh
//! cargo run --release --example custom_derivative
//! ```
//!
//! `erf` is computed here by its Taylor series, as a library (or a C function
//! behind FFI) might. Differentiating the series term by term would work, but the
//! derivative has a closed form, `erf'(x) = 2/√π · e^(−x²)`, exact and cheaper.
//! `erf_pullback` states it; every differentiated function that calls `erf` then
//! uses it, exactly as it would use the pullback `#[differentiate]` generates.

use gradmacro::differentiate;
use std::f64::consts::PI;

/// The error function by its Taylor series `2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1))`,
/// accurate to about 1e-15 for |x| ≤ 3.
fn erf(x: f64) -> f64 {
    let mut term = x;
    let mut sum = x;
    let mut n = 0.0;
    while term.abs() > 1e-17 * sum.abs() {
        n += 1.0;
        term *= -x * x / n;
        sum += term / (2.0 * n + 1.0);
    }
    2.0 / PI.sqrt() * sum
}

/// The custom derivative: the signature `#[differentiate]` would generate (the
/// parameters, then the output adjoint `seed`; the value and one adjoint per
/// parameter back). A mismatch is a type error where `erf` is called.
fn erf_pullback(x: f64, seed: f64) -> (f64, (f64,)) {
    let derivative = 2.0 / PI.sqrt() * (-x * x).exp();
    (erf(x), (seed * derivative,))
}

/// The probability that a normal variable with mean `mu` and standard deviation
/// `sigma` falls in `[a, b]`, differentiated with respect to both parameters.
#[differentiate(wrt = [mu, sigma])]
fn probability_in(a: f64, b: f64, mu: f64, sigma: f64) -> f64 {
    let scale = sigma * std::f64::consts::SQRT_2;
    0.5 * (erf((b - mu) / scale) - erf((a - mu) / scale))
}

fn main() {
    let (a, b, mu, sigma) = (-0.5, 1.0, 0.2, 0.8);
    let (p, (dmu, dsigma)) = probability_in_grad(a, b, mu, sigma);

    // The same derivatives from the normal density φ: ∂P/∂μ = (φ(a) − φ(b))/σ,
    // ∂P/∂σ = (za φ(a) − zb φ(b))/σ with z = (x − μ)/σ.
    let density =
        |x: f64| (-(x - mu).powi(2) / (2.0 * sigma * sigma)).exp() / (sigma * (2.0 * PI).sqrt());
    let (za, zb) = ((a - mu) / sigma, (b - mu) / sigma);
    let closed_dmu = density(a) - density(b);
    let closed_dsigma = za * density(a) - zb * density(b);

    println!("P(a ≤ X ≤ b) = {p:.12}");
    println!("∂P/∂μ = {dmu:+.12}   closed form {closed_dmu:+.12}");
    println!("∂P/∂σ = {dsigma:+.12}   closed form {closed_dsigma:+.12}");
    assert!((dmu - closed_dmu).abs() < 1e-12 && (dsigma - closed_dsigma).abs() < 1e-12);
    println!("the generated gradient used erf_pullback: both match the closed form");
}
