use gradmacro::differentiate;

#[differentiate]
fn round_up(x: f64) -> i64 {
    x.ceil() as i64
}

fn main() {}
