//! `#[differentiate]` on `impl` blocks: a trait implementation's methods get
//! their companions in an inherent `impl` beside it; an inherent block's
//! methods are all differentiated when none is marked.

mod common;

use common::assert_closed;
use gradmacro::differentiate;

pub trait Loss {
    fn loss(&self, x: f64) -> f64;
    fn arity(&self) -> usize;
}

pub struct Scaled {
    scale: f64,
}

#[differentiate]
impl Loss for Scaled {
    #[differentiate(wrt = x)]
    fn loss(&self, x: f64) -> f64 {
        (self.scale * x).sin()
    }

    fn arity(&self) -> usize {
        1
    }
}

pub struct Formulas;

#[differentiate]
impl Formulas {
    fn product(x: f64, y: f64) -> f64 {
        x * y.exp()
    }

    fn square(x: f64) -> f64 {
        x * x
    }
}

#[test]
fn trait_methods_get_companions_beside_the_impl() {
    let model = Scaled { scale: 2.0 };
    let (value, dx) = model.loss_grad(0.5);
    assert_closed("value", value, 1f64.sin());
    assert_closed("d/dx", dx, 2.0 * 1f64.cos());
    assert_eq!(model.arity(), 1);
    assert_eq!(model.loss(0.5), value);
}

#[test]
fn every_method_of_an_unmarked_block() {
    let (value, (dx, dy)) = Formulas::product_grad(1.0, 0.5);
    assert_closed("value", value, 0.5f64.exp());
    assert_closed("d/dx", dx, 0.5f64.exp());
    assert_closed("d/dy", dy, 0.5f64.exp());
    assert_closed("square", Formulas::square_grad(3.0).1, 6.0);
}
