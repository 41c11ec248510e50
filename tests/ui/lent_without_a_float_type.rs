use gradmacro::differentiate;

struct Model {
    scale: f64,
}

impl Model {
    #[differentiate]
    fn predict(&self, x: f64) -> f64 {
        self.scale * x
    }
}

#[differentiate]
fn damp(rate: f64, value: &mut f64) {
    *value *= 1.0 - rate;
}

// A method's result is not visibly a float: lent `&mut` as a constant, its
// derivative through `damp` would be lost. `let mut y: f64 = ..` works.
#[differentiate(wrt = x)]
fn damped(model: &Model, x: f64) -> f64 {
    let mut y = model.predict(x);
    damp(0.1, &mut y);
    y
}

fn main() {}
