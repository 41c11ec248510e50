use gradmacro::differentiate;

// `truncate` shrinks the buffer: no element reads and writes stand for it.
#[differentiate]
fn shortened(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.truncate(2);
    v.iter().sum()
}

fn main() {}
