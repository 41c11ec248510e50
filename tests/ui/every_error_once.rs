use gradmacro::differentiate;

struct S {
    a: f64,
}

// Two rejected statements: both are reported, and the later statements
// that use what they define are not reported again.
#[differentiate]
fn many(x: f64, y: f64) -> f64 {
    let s = S { a: x };
    let t = s.a * 2.0;
    let w = unsafe { y };
    x + t + w
}

fn main() {
    // The companions exist (as stubs): no second error here.
    let (_value, (_dx, _dy)) = many_grad(1.0, 2.0);
    let _ = many_pullback(1.0, 2.0, 1.0);
}
