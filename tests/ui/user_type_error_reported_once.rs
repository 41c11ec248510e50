use gradmacro::differentiate;

// The user's own type error: reported on their `*`, once.
#[differentiate]
fn scaled(x: f64) -> f64 {
    x * 300u8
}

fn main() {}
