use gradmacro::differentiate;

struct Model {
    scale: f64,
}

impl Model {
    fn eval(&self, x: f64) -> f64 {
        (self.scale * x).sin()
    }
}

#[differentiate(wrt = x)]
fn loss(model: &Model, x: f64) -> f64 {
    model.eval(x) * 2.0
}

fn main() {}
