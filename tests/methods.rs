//! `#[differentiate]` on methods and associated functions inside `impl` blocks.
//!
//! The receiver (`&self`, `self`, `&mut self`) is a constant: its fields are read
//! as they are, and `NAME_grad` / `NAME_pullback` take it the same way and give it
//! no adjoint. A method of a constant receiver with differentiated arguments
//! (`self.predict(x)`, `model.eval(x)`) is composed through
//! `receiver.NAME_pullback`, an associated function through `Self::NAME_pullback`.
//! Every gradient is checked against a closed form and central differences of
//! the original method; every value against the original exactly.

// Index loops over fields and parameters in parallel, as numeric code does.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_all_closed, assert_closed, assert_fd, assert_fd_all};
use gradmacro::differentiate;

/// A small model whose parameters are fields: differentiated with respect to
/// its inputs, as a sensitivity analysis is.
struct Neuron {
    weights: Vec<f64>,
    bias: f64,
    config: Config,
}

struct Config {
    temperature: f64,
    offsets: [f64; 3],
}

impl Neuron {
    /// `tanh((w·x + b) / T)`: reads a `Vec` field by index, a nested field, and
    /// a scalar field, all through `&self`.
    #[differentiate(wrt = x)]
    fn activation(&self, x: &[f64]) -> f64 {
        let mut z = self.bias;
        for i in 0..self.weights.len() {
            z += self.weights[i] * (x[i] - self.config.offsets[i]);
        }
        (z / self.config.temperature).tanh()
    }

    /// Calls the differentiated method above and an associated function, so
    /// both compose through their pullbacks.
    #[differentiate]
    fn loss(&self, x: &[f64], target: f64) -> f64 {
        let r = self.activation(x) - target;
        r * r + Self::ridge(x, 0.01)
    }

    /// An associated function that mentions neither `self` nor `Self`.
    #[differentiate(wrt = x)]
    fn ridge(x: &[f64], lambda: f64) -> f64 {
        let mut s = 0.0;
        for v in x {
            s += v * v;
        }
        lambda * s
    }
}

fn neuron() -> Neuron {
    Neuron {
        weights: vec![0.7, -1.2, 0.4],
        bias: 0.1,
        config: Config {
            temperature: 1.5,
            offsets: [0.2, -0.1, 0.05],
        },
    }
}

const X: [f64; 3] = [0.3, -0.8, 1.1];

/// `∂/∂x_i tanh(z/T) = (1 − a²) w_i / T`.
#[test]
fn method_reads_fields_through_self() {
    let n = neuron();
    let (value, grad) = n.activation_grad(&X);
    assert_eq!(value, n.activation(&X));
    let a = value;
    let closed: Vec<f64> = n
        .weights
        .iter()
        .map(|w| (1.0 - a * a) * w / n.config.temperature)
        .collect();
    assert_all_closed("activation", &grad, &closed);
    assert_fd_all("activation", |x| n.activation(x), &X, &grad);
}

/// `loss = (a − t)² + λ‖x‖²`: the method call and the associated call compose;
/// the pullback gives no adjoint to `self` and `seed ×` the gradient to the rest.
#[test]
fn methods_compose_through_self_and_self_type() {
    let n = neuron();
    let target = 0.25;
    let (value, (dx, dt)) = n.loss_grad(&X, target);
    assert_eq!(value, n.loss(&X, target));
    let a = n.activation(&X);
    let closed: Vec<f64> = (0..3)
        .map(|i| {
            2.0 * (a - target) * (1.0 - a * a) * n.weights[i] / n.config.temperature + 0.02 * X[i]
        })
        .collect();
    assert_all_closed("loss, x", &dx, &closed);
    assert_closed("loss, target", dt, -2.0 * (a - target));
    assert_fd_all("loss, x", |x| n.loss(x, target), &X, &dx);
    assert_fd("loss, target", dt, |t| n.loss(&X, t), target);

    let (pulled_value, (px, pt)) = n.loss_pullback(&X, target, 2.5);
    assert_eq!(pulled_value, value);
    assert_all_closed(
        "pullback x",
        &px,
        &dx.iter().map(|g| 2.5 * g).collect::<Vec<_>>(),
    );
    assert_closed("pullback target", pt, 2.5 * dt);
}

/// An associated function's companions are associated functions too.
#[test]
fn associated_function_without_self() {
    let (value, grad) = Neuron::ridge_grad(&X, 0.5);
    assert_eq!(value, Neuron::ridge(&X, 0.5));
    assert_all_closed("ridge", &grad, &X.map(|v| v * 1.0));
}

/// A `Copy` type taken by value, and a method of it called from a free function:
/// `shape.area(s)` composes through `shape.area_pullback(s, seed)`.
#[derive(Clone, Copy)]
struct Ellipse {
    aspect: f64,
}

impl Ellipse {
    /// `π a s²` for a scale `s`, with `self` by value.
    #[differentiate]
    fn area(self, scale: f64) -> f64 {
        std::f64::consts::PI * self.aspect * scale * scale
    }

    /// A method taking `&mut self` that only reads it.
    #[differentiate]
    fn perimeter_estimate(&mut self, scale: f64) -> f64 {
        let a = scale * self.aspect;
        let b = scale;
        std::f64::consts::PI * (3.0 * (a + b) - ((3.0 * a + b) * (a + 3.0 * b)).sqrt())
    }
}

/// The area of an ellipse whose scale is `exp(t)`: a free function calling a
/// method of a constant parameter.
#[differentiate(wrt = t)]
fn area_of_grown(shape: Ellipse, t: f64) -> f64 {
    shape.area(t.exp()) + 1.0
}

#[test]
fn methods_of_constant_parameters_compose() {
    let shape = Ellipse { aspect: 0.6 };
    let (value, dt) = area_of_grown_grad(shape, 0.3);
    assert_eq!(value, area_of_grown(shape, 0.3));
    // d/dt π a e^{2t} = 2 π a e^{2t}.
    let closed = 2.0 * std::f64::consts::PI * 0.6 * (0.6_f64).exp();
    assert_closed("area of grown", dt, closed);
    assert_fd("area of grown", dt, |t| area_of_grown(shape, t), 0.3);

    let (area, d_scale) = shape.area_grad(1.7);
    assert_eq!(area, shape.area(1.7));
    assert_closed("area", d_scale, 2.0 * std::f64::consts::PI * 0.6 * 1.7);

    let mut ellipse = shape;
    let (p, dp) = ellipse.perimeter_estimate_grad(2.0);
    assert_eq!(p, ellipse.perimeter_estimate(2.0));
    // Ramanujan's estimate is homogeneous of degree 1 in the scale.
    assert_closed("perimeter", dp, p / 2.0);
    assert_fd(
        "perimeter",
        dp,
        |s| Ellipse { aspect: 0.6 }.perimeter_estimate(s),
        2.0,
    );
}
