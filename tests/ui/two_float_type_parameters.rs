use gradmacro::differentiate;
use gradmacro::num_traits::Float;

#[differentiate]
fn mixed<T: Float, U>(x: T, y: U) -> T
where
    U: Float,
{
    x * T::from(y).unwrap_or(T::one())
}

fn main() {}
