use gradmacro::differentiate;

struct Model {
    w: f64,
}

impl Model {
    #[differentiate]
    fn predict(&self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
