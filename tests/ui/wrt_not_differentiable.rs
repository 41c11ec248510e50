use gradmacro::differentiate;

#[differentiate(wrt = [w, n])]
fn scaled(w: f64, n: i32) -> f64 {
    w * n as f64
}

fn main() {}
