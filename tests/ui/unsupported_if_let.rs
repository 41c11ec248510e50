use gradmacro::differentiate;

#[differentiate(wrt = x)]
fn scaled(x: f64, factor: Option<f64>) -> f64 {
    if let Some(k) = factor {
        x * k
    } else {
        x
    }
}

fn main() {}
