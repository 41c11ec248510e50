use gradmacro::differentiate;

// A slice variable pointed at a narrower slice in every iteration.
#[differentiate(wrt = x)]
fn pairs(x: &[f64]) -> f64 {
    let mut p = &x[..];
    let mut s = 0.0;
    while p.len() > 1 {
        s += p[0] * p[1];
        p = &p[1..];
    }
    s
}

fn main() {}
