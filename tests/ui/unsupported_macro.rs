use gradmacro::differentiate;

macro_rules! twice {
    ($e:expr) => {
        2.0 * $e
    };
}

// A user's own macro: its expansion is out of the attribute's sight.
#[differentiate]
fn noisy(x: f64) -> f64 {
    twice!(x) * x
}

fn main() {}
