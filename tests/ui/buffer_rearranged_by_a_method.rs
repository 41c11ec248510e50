use gradmacro::differentiate;

#[differentiate]
fn first_after_swap(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.swap(0, 2);
    v[0] * 10.0 + v[2]
}

fn main() {}
