use gradmacro::differentiate;

#[differentiate]
fn running_sums(x: &[f64]) -> f64 {
    x.iter()
        .scan(0.0, |total, v| {
            *total += v;
            Some(*total)
        })
        .sum()
}

fn main() {}
