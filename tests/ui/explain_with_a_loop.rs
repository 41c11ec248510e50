use gradmacro::differentiate;

#[differentiate(explain)]
fn power(x: f64, n: usize) -> f64 {
    let mut p = 1.0;
    for _ in 0..n {
        p *= x;
    }
    p
}

fn main() {}
