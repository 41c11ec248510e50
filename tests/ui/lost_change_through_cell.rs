use gradmacro::differentiate;
use std::cell::Cell;

// A method called for its effect on a shared receiver (interior mutability).
#[differentiate]
fn g(u: f64) -> f64 {
    let c = Cell::new(0.0);
    c.set(u * 2.0);
    c.get()
}

fn main() {}
