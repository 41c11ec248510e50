//! Every derivative rule, reached through `#[differentiate]` in both call syntaxes
//! (`x.exp()` and `f64::exp(x)`) and for both float types, against central finite
//! differences of the original function. This pins the macro's rule table to the
//! runtime's rule signatures.

fn central_difference(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    let scale = expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= 1e-6 * scale,
        "{what}: got {actual}, finite differences give {expected}"
    );
}

macro_rules! unary_rules {
    ($($name:ident at [$($x:expr),*];)*) => {$(
        mod $name {
            use gradmacro::differentiate;
            #[differentiate]
            pub fn method(x: f64) -> f64 { x.$name() }
            #[differentiate]
            pub fn path(x: f64) -> f64 { f64::$name(x) }
            #[differentiate]
            pub fn single(x: f32) -> f32 { x.$name() }
        }
        #[test]
        fn $name() {
            for x in [$($x),*] {
                let expected = central_difference($name::method, x);
                let (value, dx) = $name::method_grad(x);
                assert_eq!(value, x.$name());
                assert_close(dx, expected, concat!(stringify!($name), " (method)"));
                assert_eq!($name::path_grad(x), (value, dx));
                let (value32, dx32) = $name::single_grad(x as f32);
                assert_eq!(value32, (x as f32).$name());
                assert!((dx32 as f64 - expected).abs() <= 1e-3 * expected.abs().max(1.0), "{} (f32): {dx32} vs {expected}", stringify!($name));
            }
        }
    )*};
}

unary_rules! {
    exp at [-2.0, 0.3, 1.7];
    exp2 at [-2.0, 0.3, 1.7];
    exp_m1 at [-2.0, 1e-3, 1.7];
    ln at [0.2, 1.0, 7.5];
    log2 at [0.2, 1.0, 7.5];
    log10 at [0.2, 1.0, 7.5];
    ln_1p at [-0.5, 1e-3, 7.5];
    sqrt at [0.2, 1.0, 9.0];
    cbrt at [-8.0, 0.2, 9.0];
    recip at [-3.0, 0.25, 4.0];
    abs at [-2.5, 0.7];
    sin at [-2.0, 0.3, 4.0];
    cos at [-2.0, 0.3, 4.0];
    tan at [-1.2, 0.3, 1.0];
    asin at [-0.9, 0.1, 0.6];
    acos at [-0.9, 0.1, 0.6];
    atan at [-3.0, 0.1, 5.0];
    sinh at [-2.0, 0.3, 1.5];
    cosh at [-2.0, 0.3, 1.5];
    tanh at [-2.0, 0.3, 1.5];
    asinh at [-2.0, 0.3, 4.0];
    acosh at [1.2, 2.0, 9.0];
    atanh at [-0.8, 0.1, 0.6];
    fract at [-2.3, 0.4, 3.6];
    to_degrees at [-1.0, 0.5];
    to_radians at [-90.0, 45.0];
    signum at [-2.0, 3.0];
    floor at [-2.5, 3.3];
    ceil at [-2.5, 3.3];
    round at [-2.3, 3.3];
    trunc at [-2.5, 3.3];
}

/// Two-argument rules: the gradient with respect to both arguments.
macro_rules! binary_rules {
    ($($name:ident at [$(($x:expr, $y:expr)),*];)*) => {$(
        mod $name {
            use gradmacro::differentiate;
            #[differentiate]
            pub fn method(x: f64, y: f64) -> f64 { x.$name(y) }
            #[differentiate]
            pub fn path(x: f64, y: f64) -> f64 { f64::$name(x, y) }
        }
        #[test]
        fn $name() {
            for (x, y) in [$(($x, $y)),*] {
                let (value, (dx, dy)) = $name::method_grad(x, y);
                assert_eq!(value, f64::$name(x, y));
                assert_close(dx, central_difference(|x| $name::method(x, y), x), concat!(stringify!($name), " d/dx"));
                assert_close(dy, central_difference(|y| $name::method(x, y), y), concat!(stringify!($name), " d/dy"));
                assert_eq!($name::path_grad(x, y), (value, (dx, dy)));
            }
        }
    )*};
}

binary_rules! {
    powf at [(1.5, 2.5), (0.7, -1.3), (3.0, 0.5)];
    log at [(5.0, 2.0), (0.3, 10.0)];
    atan2 at [(1.0, 2.0), (-0.5, -1.5), (2.0, -0.1)];
    hypot at [(3.0, 4.0), (-1.0, 0.5)];
    max at [(1.0, 2.0), (3.0, -1.0)];
    min at [(1.0, 2.0), (3.0, -1.0)];
    copysign at [(1.5, -2.0), (-0.5, 3.0)];
}

mod powi_rule {
    use gradmacro::differentiate;
    #[differentiate(wrt = x)]
    pub fn method(x: f64, n: i32) -> f64 {
        x.powi(n)
    }
    #[differentiate]
    pub fn path(x: f64) -> f64 {
        f64::powi(x, -3)
    }
}

#[test]
fn powi() {
    for (x, n) in [(1.5, 3), (-0.7, 2), (2.0, -2), (4.0, 0)] {
        let (value, dx) = powi_rule::method_grad(x, n);
        assert_eq!(value, x.powi(n));
        assert_close(
            dx,
            central_difference(|x| powi_rule::method(x, n), x),
            "powi",
        );
    }
    let (_, dx) = powi_rule::path_grad(2.0);
    assert_close(dx, -3.0 / 16.0, "powi(-3) closed form");
}

mod ternary {
    use gradmacro::differentiate;
    #[differentiate]
    pub fn mul_add(x: f64, a: f64, b: f64) -> f64 {
        x.mul_add(a, b)
    }
    #[differentiate]
    pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
        f64::clamp(x, lo, hi)
    }
}

#[test]
fn mul_add_and_clamp() {
    let (value, (dx, da, db)) = ternary::mul_add_grad(1.5, -2.0, 0.25);
    assert_eq!(value, 1.5f64.mul_add(-2.0, 0.25));
    assert_eq!((dx, da, db), (-2.0, 1.5, 1.0));
    // Inside, below and above the interval: the adjoint goes to whichever is returned.
    assert_eq!(ternary::clamp_grad(0.5, 0.0, 1.0).1, (1.0, 0.0, 0.0));
    assert_eq!(ternary::clamp_grad(-0.5, 0.0, 1.0).1, (0.0, 1.0, 0.0));
    assert_eq!(ternary::clamp_grad(1.5, 0.0, 1.0).1, (0.0, 0.0, 1.0));
}

mod sin_cos_rule {
    use gradmacro::differentiate;
    #[differentiate]
    pub fn f(x: f64) -> f64 {
        let (s, c) = x.sin_cos();
        s * 2.0 + c
    }
}

#[test]
fn sin_cos() {
    for x in [-1.0, 0.4, 2.5] {
        let (value, dx) = sin_cos_rule::f_grad(x);
        assert_eq!(value, sin_cos_rule::f(x));
        assert_close(dx, 2.0 * x.cos() - x.sin(), "sin_cos closed form");
    }
}
