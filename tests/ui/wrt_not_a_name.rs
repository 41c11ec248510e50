use gradmacro::differentiate;

#[differentiate(wrt = "w")]
fn quoted(w: f64) -> f64 {
    w * w
}

#[differentiate(wrt = (w, b))]
fn parenthesized(w: f64, b: f64) -> f64 {
    w * b
}

#[differentiate(wrt)]
fn no_value(w: f64) -> f64 {
    w
}

fn main() {}
