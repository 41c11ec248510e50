//! Note 003's table of common derivatives, one differentiated function per row.

use gradmacro::differentiate;

// The slides' table of common derivatives, row by row, left to right.
// Constants: c and n are parameters that are not differentiated.

#[differentiate]
pub(crate) fn t_const(_x: f64) -> f64 {
    3.0
}
#[differentiate(wrt = x)]
pub(crate) fn t_cx(c: f64, x: f64) -> f64 {
    c * x
}
#[differentiate(wrt = x)]
pub(crate) fn t_x_pow_c(x: f64, c: f64) -> f64 {
    x.powf(c)
}
#[differentiate(wrt = x)]
pub(crate) fn t_c_pow_x(c: f64, x: f64) -> f64 {
    c.powf(x)
}
#[differentiate]
pub(crate) fn t_x_pow_x(x: f64) -> f64 {
    x.powf(x)
}
#[differentiate]
pub(crate) fn t_exp(x: f64) -> f64 {
    x.exp()
}
#[differentiate]
pub(crate) fn t_inv(x: f64) -> f64 {
    1.0 / x
}
#[differentiate]
pub(crate) fn t_inv_sq(x: f64) -> f64 {
    1.0 / x.powi(2)
}
#[differentiate(wrt = x)]
pub(crate) fn t_inv_pow_n(x: f64, n: i32) -> f64 {
    1.0 / x.powi(n)
}
#[differentiate]
pub(crate) fn t_sqrt(x: f64) -> f64 {
    x.sqrt()
}
#[differentiate]
pub(crate) fn t_cbrt(x: f64) -> f64 {
    x.cbrt()
}
#[differentiate(wrt = x)]
pub(crate) fn t_nth_root(x: f64, n: i32) -> f64 {
    x.powf(1.0 / f64::from(n))
}
#[differentiate]
pub(crate) fn t_inv_sqrt(x: f64) -> f64 {
    1.0 / x.sqrt()
}
#[differentiate]
pub(crate) fn t_inv_cbrt(x: f64) -> f64 {
    1.0 / x.cbrt()
}
#[differentiate(wrt = x)]
pub(crate) fn t_inv_nth_root(x: f64, n: i32) -> f64 {
    1.0 / x.powf(1.0 / f64::from(n))
}
#[differentiate]
pub(crate) fn t_ln(x: f64) -> f64 {
    x.ln()
}
#[differentiate]
pub(crate) fn t_x_ln_x(x: f64) -> f64 {
    x * x.ln()
}
#[differentiate(wrt = x)]
pub(crate) fn t_log_c(x: f64, c: f64) -> f64 {
    x.log(c)
}
#[differentiate]
pub(crate) fn t_inv_ln(x: f64) -> f64 {
    1.0 / x.ln()
}
#[differentiate]
pub(crate) fn t_inv_x_ln_x(x: f64) -> f64 {
    1.0 / (x * x.ln())
}
#[differentiate(wrt = x)]
pub(crate) fn t_inv_log_c(x: f64, c: f64) -> f64 {
    1.0 / x.log(c)
}
#[differentiate]
pub(crate) fn t_inv_x1(x: f64) -> f64 {
    1.0 / (x + 1.0)
}
#[differentiate]
pub(crate) fn t_inv_x1_sq(x: f64) -> f64 {
    1.0 / (x + 1.0).powi(2)
}
#[differentiate(wrt = x)]
pub(crate) fn t_inv_x1_pow_n(x: f64, n: i32) -> f64 {
    1.0 / (x + 1.0).powi(n)
}
#[differentiate]
pub(crate) fn t_inv_sqrt_x1(x: f64) -> f64 {
    1.0 / (x + 1.0).sqrt()
}
#[differentiate]
pub(crate) fn t_inv_cbrt_x1(x: f64) -> f64 {
    1.0 / (x + 1.0).cbrt()
}
#[differentiate(wrt = x)]
pub(crate) fn t_inv_nth_root_x1(x: f64, n: i32) -> f64 {
    1.0 / (x + 1.0).powf(1.0 / f64::from(n))
}
#[differentiate]
pub(crate) fn t_sin(x: f64) -> f64 {
    x.sin()
}
#[differentiate]
pub(crate) fn t_cos(x: f64) -> f64 {
    x.cos()
}
#[differentiate]
pub(crate) fn t_tan(x: f64) -> f64 {
    x.tan()
}
#[differentiate]
pub(crate) fn t_cot(x: f64) -> f64 {
    1.0 / x.tan()
}
#[differentiate]
pub(crate) fn t_csc(x: f64) -> f64 {
    1.0 / x.sin()
}
#[differentiate]
pub(crate) fn t_sec(x: f64) -> f64 {
    1.0 / x.cos()
}
#[differentiate]
pub(crate) fn t_sinh(x: f64) -> f64 {
    x.sinh()
}
#[differentiate]
pub(crate) fn t_cosh(x: f64) -> f64 {
    x.cosh()
}
#[differentiate]
pub(crate) fn t_tanh(x: f64) -> f64 {
    x.tanh()
}
#[differentiate]
pub(crate) fn t_coth(x: f64) -> f64 {
    1.0 / x.tanh()
}
#[differentiate]
pub(crate) fn t_csch(x: f64) -> f64 {
    1.0 / x.sinh()
}
#[differentiate]
pub(crate) fn t_sech(x: f64) -> f64 {
    1.0 / x.cosh()
}
