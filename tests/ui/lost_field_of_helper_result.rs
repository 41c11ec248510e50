use gradmacro::differentiate;

struct Obj {
    v: f64,
}

fn mk(t: f64) -> Obj {
    Obj { v: 2.0 * t }
}

// Returned directly, the field once gave a silent zero gradient.
#[differentiate]
fn a(x: f64) -> f64 {
    mk(x).v
}

fn main() {}
