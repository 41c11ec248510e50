use gradmacro::differentiate;

#[differentiate]
fn last_state(u0: &[f64], even: bool) -> f64 {
    let a = u0.to_vec();
    let mut b = u0.to_vec();
    b[0] = 2.0 * a[0];
    let last = if even { &a } else { &b };
    last[0] + last[1]
}

fn main() {}
