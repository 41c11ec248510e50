use gradmacro::differentiate;

#[differentiate]
fn noisy(x: f64) -> f64 {
    println!("x = {x}");
    x * x
}

fn main() {}
