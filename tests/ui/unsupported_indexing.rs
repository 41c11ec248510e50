use gradmacro::differentiate;

#[differentiate(wrt = w)]
fn first(w: f64, xs: &[f64]) -> f64 {
    w * xs[0]
}

fn main() {}
