use gradmacro::differentiate;

struct Cache {
    calls: usize,
    last: f64,
}

impl Cache {
    // Counting calls is fine; keeping a differentiated value in a field is
    // not: its later reads would be constants.
    #[differentiate]
    fn eval(&mut self, x: f64) -> f64 {
        self.calls += 1;
        self.last = x * 2.0;
        self.last + x
    }
}

fn main() {}
