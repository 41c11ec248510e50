use gradmacro::differentiate;

#[differentiate]
fn count(n: usize, scale: i32) -> f64 {
    (n as i32 * scale) as f64
}

fn main() {}
