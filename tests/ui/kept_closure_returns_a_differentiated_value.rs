use gradmacro::differentiate;

// A closure passed to `map` of a constant iterator computes the items, so
// reading a differentiated buffer there and keeping an item (`last`) would
// lose a derivative: refused on the closure.
#[differentiate(wrt = x)]
fn last_weighted(x: &[f64], labels: &[usize]) -> f64 {
    labels.iter().map(|&l| x[l] * 2.0).last().unwrap_or(0.0)
}

fn main() {}
