use gradmacro::differentiate;

fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    (b - a) * (f(a) + f(b)) / 2.0
}

// A closure is inlined where it is called; a helper that takes one cannot
// be differentiated through.
#[differentiate]
fn area(w: f64) -> f64 {
    let f = |t: f64| t * w;
    integrate(f, 0.0, 1.0)
}

fn main() {}
