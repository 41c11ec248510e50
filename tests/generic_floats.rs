//! Functions generic over their float type, `fn f<T: Float>(x: T) -> T` with
//! num-traits' `Float`: the companions are generic the same way and are checked
//! here at both instances, `f32` and `f64`, against closed forms and central
//! differences (of the `f64` instance; the `f32` one against the `f64` gradient).
//!
//! A generic float has no literals and no `+=`, so a user writes `T::one()`,
//! `T::from(3.7).unwrap()` and `s = s + v`; the generated code does the same.

// Index loops over buffers, as numeric code usually does.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_all_close_f32, assert_all_closed, assert_closed, assert_fd, assert_fd_all};
use gradmacro::differentiate;
use gradmacro::num_traits::Float;
use gradmacro::vector::{dot, dot_pullback_lent, logsumexp, logsumexp_pullback_lent};

/// `ln(1 + e^{wx})`: rules by method syntax and `T::one()`.
#[differentiate]
fn softplus<T: Float>(x: T, w: T) -> T {
    (T::one() + (w * x).exp()).ln()
}

/// `‖x‖₂` over a slice, the float type named in a `where` clause and the
/// rule in path syntax (`T::sqrt`).
#[differentiate(wrt = x)]
fn norm<T>(x: &[T]) -> T
where
    T: Float,
{
    let mut s = T::zero();
    for i in 0..x.len() {
        s = s + x[i] * x[i];
    }
    T::sqrt(s)
}

/// The logistic map: a loop whose reverse sweep needs each iterate saved,
/// with a constant made by `T::from`.
#[differentiate(wrt = [r, x0])]
fn logistic<T: Float>(r: T, x0: T, steps: usize) -> T {
    let mut x = x0;
    for _ in 0..steps {
        x = r * x * (T::one() - x);
    }
    let half = T::from(0.5).unwrap();
    x * half
}

/// A product over an array of const-generic length: `Π sin(p_i)`.
#[differentiate(wrt = p)]
fn sine_product<T: Float, const N: usize>(p: [T; N]) -> T {
    let mut prod = T::one();
    for v in p.iter() {
        prod = prod * v.sin();
    }
    prod
}

/// A generic caller of a generic helper: composition through
/// `softplus_pullback::<T>`.
#[differentiate(wrt = x)]
fn two_layers<T: Float>(x: &[T], w: T) -> T {
    let mut total = T::zero();
    for v in x.iter() {
        total = total + softplus(*v, w) * softplus(w, *v);
    }
    total
}

/// A concrete `f64` function calling the generic helper.
#[differentiate]
fn concrete_caller(x: f64, w: f64) -> f64 {
    softplus(x, w).powi(2)
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// `d/dx softplus(wx) = w σ(wx)`, `d/dw = x σ(wx)`, at both instances.
#[test]
fn scalar_rules_at_f32_and_f64() {
    let (x, w) = (0.7, -1.3);
    let (value, (dx, dw)) = softplus_grad(x, w);
    assert_eq!(value, softplus(x, w));
    assert_closed("softplus dx", dx, w * sigmoid(w * x));
    assert_closed("softplus dw", dw, x * sigmoid(w * x));
    assert_fd("softplus dx", dx, |x| softplus(x, w), x);

    let (value32, (dx32, dw32)) = softplus_grad(x as f32, w as f32);
    assert_eq!(value32, softplus(x as f32, w as f32));
    assert_all_close_f32("softplus f32", &[dx32, dw32], &[dx, dw], 1e-5, 1e-6);
}

/// `∇‖x‖ = x / ‖x‖`.
#[test]
fn slices_of_a_generic_float() {
    let x = [3.0, -4.0, 12.0];
    let (value, grad) = norm_grad(&x);
    assert_eq!(value, 13.0);
    assert_all_closed("norm", &grad, &x.map(|v| v / 13.0));
    assert_fd_all("norm", norm, &x, &grad);

    let x32 = x.map(|v| v as f32);
    let (value32, grad32) = norm_grad(&x32[..]);
    assert_eq!(value32, 13.0);
    assert_all_close_f32("norm f32", &grad32, &grad, 1e-6, 1e-7);
}

/// Against central differences (the map is chaotic at r = 3.7, so a few steps).
#[test]
fn loops_that_save_values() {
    let (r, x0, steps) = (3.7, 0.3, 6);
    let (value, (dr, dx0)) = logistic_grad(r, x0, steps);
    assert_eq!(value, logistic(r, x0, steps));
    assert_fd("logistic dr", dr, |r| logistic(r, x0, steps), r);
    assert_fd("logistic dx0", dx0, |x0| logistic(r, x0, steps), x0);

    let (value32, (dr32, dx032)) = logistic_grad(r as f32, x0 as f32, steps);
    assert_eq!(value32, logistic(r as f32, x0 as f32, steps));
    assert_all_close_f32("logistic f32", &[dr32, dx032], &[dr, dx0], 1e-4, 1e-4);
}

/// `∂/∂p_i Π sin p_j = cos p_i Π_{j≠i} sin p_j`; the gradient is an array.
#[test]
fn const_generic_arrays() {
    let p = [0.3, 1.1, -0.7];
    let (value, grad): (f64, [f64; 3]) = sine_product_grad(p);
    assert_eq!(value, sine_product(p));
    let closed: Vec<f64> = (0..3)
        .map(|i| {
            (0..3)
                .map(|j| if i == j { p[j].cos() } else { p[j].sin() })
                .product()
        })
        .collect();
    assert_all_closed("sine product", &grad, &closed);
    assert_fd_all(
        "sine product",
        |q| sine_product([q[0], q[1], q[2]]),
        &p,
        &grad,
    );

    let (_, grad32): (f32, [f32; 3]) = sine_product_grad(p.map(|v| v as f32));
    assert_all_close_f32("sine product f32", &grad32, &closed, 1e-5, 1e-6);
}

/// Generic and concrete callers compose through the generic pullback.
#[test]
fn calls_between_generic_and_concrete_functions() {
    let (x, w) = ([0.4, -0.2, 1.5], 0.8);
    let (value, grad) = two_layers_grad(&x, w);
    assert_eq!(value, two_layers(&x, w));
    assert_fd_all("two layers", |x| two_layers(x, w), &x, &grad);
    let (_, grad32) = two_layers_grad(&x.map(|v| v as f32)[..], w as f32);
    assert_all_close_f32("two layers f32", &grad32, &grad, 1e-5, 1e-6);

    let (value, (dx, dw)) = concrete_caller_grad(0.6, 1.4);
    assert_eq!(value, concrete_caller(0.6, 1.4));
    let s = softplus(0.6, 1.4);
    assert_closed("concrete dx", dx, 2.0 * s * 1.4 * sigmoid(0.84));
    assert_closed("concrete dw", dw, 2.0 * s * 0.6 * sigmoid(0.84));
}

/// A generic model's method: `impl<T: Float> Affine<T>` with `&self` constant.
struct Affine<T> {
    slope: T,
    intercept: T,
}

impl<T: Float> Affine<T> {
    /// `(slope·x + intercept − y)²`. The attribute cannot see the `impl`'s
    /// `T: Float`, so `float = T` says which type is the float.
    #[differentiate(wrt = x, float = T)]
    fn squared_error(&self, x: T, y: T) -> T {
        let r = self.slope * x + self.intercept - y;
        r * r
    }
}

#[test]
fn methods_of_generic_types() {
    let model = Affine {
        slope: 2.0,
        intercept: -0.5,
    };
    let (value, dx) = model.squared_error_grad(1.25, 1.0);
    assert_eq!(value, model.squared_error(1.25, 1.0));
    assert_closed("affine dx", dx, 2.0 * (2.0 * 1.25 - 0.5 - 1.0) * 2.0);
    let model32 = Affine {
        slope: 2.0f32,
        intercept: -0.5,
    };
    let (_, dx32) = model32.squared_error_grad(1.25, 1.0);
    assert_all_close_f32("affine f32", &[dx32], &[dx], 1e-6, 1e-7);
}

/// `‖x‖²` of a generic slice, for composition with buffers.
#[differentiate(wrt = x)]
fn squared<T: Float>(x: &[T]) -> T {
    let mut s = T::zero();
    for &v in x {
        s = s + v * v;
    }
    s
}

/// A hidden layer in a local buffer, then the generic vector rules and a
/// generic helper on it: buffers' adjoints come back through pullbacks.
#[differentiate(wrt = [w, x])]
fn tanh_layer<T: Float>(w: &[T], x: &[T]) -> T {
    let mut h = vec![T::zero(); x.len()];
    for i in 0..x.len() {
        h[i] = (w[i] * x[i]).tanh();
    }
    dot(&h, w) + logsumexp(&h) + squared(&h)
}

/// Rows of a generic matrix passed to a generic helper.
#[differentiate(wrt = m)]
fn row_norms<T: Float>(m: &[[T; 2]]) -> T {
    let mut s = T::zero();
    for r in m.iter() {
        s = s + squared(r).sqrt();
    }
    s
}

#[test]
fn buffers_through_generic_pullbacks() {
    let (w, x) = ([0.3, -0.5, 0.8], [1.0, 2.0, -0.5]);
    let (value, (dw, dx)) = tanh_layer_grad(&w, &x);
    assert_eq!(value, tanh_layer(&w, &x));
    let g: Vec<f64> = dw.iter().chain(&dx).copied().collect();
    let at: Vec<f64> = w.iter().chain(&x).copied().collect();
    assert_fd_all("tanh layer", |p| tanh_layer(&p[..3], &p[3..]), &at, &g);
    let (_, (dw32, dx32)) = tanh_layer_grad(&w.map(|v| v as f32), &x.map(|v| v as f32));
    let g32: Vec<f32> = dw32.iter().chain(&dx32).copied().collect();
    assert_all_close_f32("tanh layer f32", &g32, &g, 1e-5, 1e-6);

    let m = [[3.0, 4.0], [-0.6, 0.8]];
    let (value, grad) = row_norms_grad(&m);
    assert_eq!(value, 6.0);
    let closed = [0.6, 0.8, -0.6, 0.8];
    let flat: Vec<f64> = grad.iter().flatten().copied().collect();
    assert_all_closed("row norms", &flat, &closed);
    let (_, grad32) = row_norms_grad(&m.map(|r| r.map(|v| v as f32)));
    let flat32: Vec<f32> = grad32.iter().flatten().copied().collect();
    assert_all_close_f32("row norms f32", &flat32, &closed, 1e-6, 1e-7);
}

// Helpers reading buffers in a loop, in a generic function and in `f32`:
// a constant row lent a scratch adjoint, and `w` read twice by one call (the
// second argument's adjoint added in after the call).

#[differentiate]
fn generic_dot<T: Float>(a: &[T], b: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..a.len() {
        s = s + a[i] * b[i];
    }
    s
}

#[differentiate(wrt = [w])]
fn generic_rows_loss<T: Float>(w: &[T], x: &[T], n: usize) -> T {
    let d = w.len();
    let mut l = T::zero();
    for i in 0..n {
        let r = generic_dot(w, &x[i * d..(i + 1) * d]) + generic_dot(w, w);
        l = l + r * r;
    }
    l
}

#[test]
fn generic_helpers_reading_buffers_in_a_loop() {
    let w = [0.3, -0.2, 0.5];
    let x = [1.0, 2.0, 0.5, -1.0, 0.25, 0.75];
    let (value, dw) = generic_rows_loss_grad(&w, &x, 2);
    assert_eq!(value, generic_rows_loss(&w, &x, 2));
    // r_i = w·x_i + w·w: d/dw = Σ 2 r_i (x_i + 2w).
    let ww: f64 = w.iter().map(|v| v * v).sum();
    let mut closed = [0.0; 3];
    for i in 0..2 {
        let row = &x[i * 3..i * 3 + 3];
        let r: f64 = w.iter().zip(row).map(|(a, b)| a * b).sum::<f64>() + ww;
        for j in 0..3 {
            closed[j] += 2.0 * r * (row[j] + 2.0 * w[j]);
        }
    }
    assert_all_closed("d/dw", &dw, &closed);
    let w32 = [0.3f32, -0.2, 0.5];
    let x32 = [1.0f32, 2.0, 0.5, -1.0, 0.25, 0.75];
    let (_, dw32) = generic_rows_loss_grad(&w32, &x32, 2);
    for j in 0..3 {
        assert!((dw32[j] as f64 - closed[j]).abs() < 1e-4 * (1.0 + closed[j].abs()));
    }
}

// A generic caller keeping, per iteration of a loop that is not fused, the
// result of a helper given a slice (its float type is the slice's: it was
// declared `Default::default()`, which `T: Float` is not).

#[differentiate]
fn sum_of_sines<T: Float>(a: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..a.len() {
        s = s + a[i].sin();
    }
    s
}

#[differentiate]
fn generic_suffix_sums<T: Float>(x: &[T], w: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..3 {
        s = s + sum_of_sines(&x[i..]) * w[1] + w[0];
    }
    s
}

#[test]
fn a_generic_caller_keeps_a_slice_helpers_result() {
    let (x, w) = ([0.3, 0.5, -0.2, 0.9], [0.7, -1.1]);
    let (value, (dx, dw)) = generic_suffix_sums_grad(&x, &w);
    assert_eq!(value, generic_suffix_sums(&x, &w));
    assert_fd_all("d/dx", |x| generic_suffix_sums(x, &w), &x, &dx);
    assert_fd_all("d/dw", |w| generic_suffix_sums(&x, w), &w, &dw);
    let (value32, _) = generic_suffix_sums_grad(&[0.3f32, 0.5, -0.2, 0.9], &[0.7f32, -1.1]);
    assert!((value32 as f64 - value).abs() < 1e-5);
}
