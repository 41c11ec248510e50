use gradmacro::differentiate;

type Real = f64;

#[differentiate]
fn double(x: f64) -> f64 {
    (x as Real) * 2.0
}

fn main() {}
