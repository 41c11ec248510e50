use gradmacro::differentiate;

#[differentiate]
fn total(x: f64) -> f64 {
    let mut sum = 0.0;
    for v in std::iter::once(x * 2.0) {
        sum += v;
    }
    sum
}

fn main() {}
