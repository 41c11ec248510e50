use gradmacro::differentiate;

// The position of the maximum is found on a buffer's own elements; mapped
// values have no buffer to read the element from.
#[differentiate]
fn largest_square(x: &[f64]) -> f64 {
    x.iter()
        .map(|v| v * v)
        .max_by(|a, b| a.total_cmp(b))
        .unwrap()
}

fn main() {}
