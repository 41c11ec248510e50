use gradmacro::differentiate;

#[differentiate(wrt = [w], mode = forward)]
fn loss(x: f64, w: f64) -> f64 {
    x * w
}

fn main() {}
