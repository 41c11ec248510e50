use gradmacro::differentiate;

#[differentiate(wrt = [w, bias])]
fn loss(x: f64, w: f64, b: f64) -> f64 {
    x * w + b
}

fn main() {}
