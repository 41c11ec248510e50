use gradmacro::differentiate;

#[differentiate]
fn square<T: Copy + std::ops::Mul<Output = T>>(_x: T) -> f64 {
    0.0
}

fn main() {}
