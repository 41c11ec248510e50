use gradmacro::differentiate;
use gradmacro::num_traits::Float;

struct Model<T>(T);

impl<T: Float> Model<T> {
    #[differentiate(float = U)]
    fn energy(&self, x: T) -> T {
        x * x
    }
}

fn main() {}
