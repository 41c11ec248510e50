use gradmacro::differentiate;

fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

#[differentiate(wrt = w)]
fn loss(x: f64, w: f64) -> f64 {
    softplus(w * x)
}

fn main() {}
