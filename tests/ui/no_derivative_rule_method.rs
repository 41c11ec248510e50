use gradmacro::differentiate;

trait Stirling {
    fn stirling(self) -> Self;
}

impl Stirling for f64 {
    fn stirling(self) -> f64 {
        self
    }
}

#[differentiate]
fn log_likelihood(x: f64, k: f64) -> f64 {
    (k * x).stirling().ln()
}

fn main() {}
