use gradmacro::differentiate;

// A row of a buffer of rows cannot change length (its adjoint's shape is
// fixed with the buffer's): refused on the method, not in generated code.
#[differentiate]
fn grow_row(x: &[f64]) -> f64 {
    let mut rows = vec![x.to_vec(), x.to_vec()];
    rows[1].push(x[0] * 2.0);
    rows[1].iter().sum::<f64>()
}

fn main() {}
