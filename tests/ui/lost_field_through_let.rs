use gradmacro::differentiate;

struct Obj {
    v: f64,
}

impl Obj {
    fn new(t: f64) -> Obj {
        Obj { v: 2.0 * t }
    }
}

#[differentiate]
fn a(x: f64) -> f64 {
    let o = Obj::new(x);
    let v = o.v;
    v
}

fn main() {}
