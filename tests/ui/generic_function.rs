use gradmacro::differentiate;

// `Mul` is not enough: the float type must be bounded by `Float` (num-traits),
// whose methods the derivative rules use.
#[differentiate]
fn square<T: Copy + std::ops::Mul<Output = T>>(x: T) -> T {
    x * x
}

fn main() {}
