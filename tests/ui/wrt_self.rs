use gradmacro::differentiate;

struct Line {
    slope: f64,
}

impl Line {
    // The receiver is a constant: its fields are not differentiated.
    #[differentiate(wrt = self)]
    fn predict(&self, x: f64) -> f64 {
        self.slope * x
    }
}

fn main() {}
