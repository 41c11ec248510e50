use gradmacro::differentiate;

// The closure is inlined into the loop the chain becomes: its `return` would
// leave the function, not the closure.
#[differentiate]
fn clipped_sum(xs: &[f64]) -> f64 {
    xs.iter()
        .map(|x| {
            if *x > 1.0 {
                return 1.0;
            }
            *x
        })
        .sum()
}

fn main() {}
