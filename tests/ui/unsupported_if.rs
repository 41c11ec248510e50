use gradmacro::differentiate;

#[differentiate]
fn relu(x: f64) -> f64 {
    let y = if x > 0.0 { x } else { 0.0 };
    y
}

fn main() {}
