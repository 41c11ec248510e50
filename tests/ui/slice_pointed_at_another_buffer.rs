use gradmacro::differentiate;

// A slice variable re-pointed in a loop stays a view of one buffer.
#[differentiate(wrt = x)]
fn alternate(x: &[f64], y: &[f64]) -> f64 {
    let mut p = &x[..];
    let mut s = 0.0;
    for k in 0..3 {
        s += p[k];
        if k == 1 {
            p = &y[..];
        }
    }
    s
}

fn main() {}
