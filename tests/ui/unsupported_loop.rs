use gradmacro::differentiate;

#[differentiate(wrt = x)]
fn power(x: f64, n: u32) -> f64 {
    let mut p = 1.0;
    for _ in 0..n {
        p *= x;
    }
    p
}

fn main() {}
