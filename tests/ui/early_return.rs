#![allow(unreachable_code)]

use gradmacro::differentiate;

#[differentiate]
fn halve(x: f64) -> f64 {
    return x / 2.0;
    x
}

fn main() {}
