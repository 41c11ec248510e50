use gradmacro::differentiate;

#[differentiate(wrt = x)]
fn drain(x: f64, mut steps: Vec<f64>) -> f64 {
    let mut y = x;
    while let Some(step) = steps.pop() {
        y = y * step;
    }
    y
}

fn main() {}
