use gradmacro::differentiate;

#[differentiate]
fn tail_sum(x: &[f64]) -> f64 {
    x.iter().skip(1).sum()
}

fn main() {}
