use gradmacro::differentiate;

#[differentiate]
fn diffuse(x: &[f64], steps: usize) -> f64 {
    let mut u = x.to_vec();
    for _ in 0..steps {
        let mut next = u.clone();
        for i in 1..u.len() - 1 {
            next[i] = 0.5 * u[i] + 0.25 * (u[i - 1] + u[i + 1]);
        }
        u = next;
    }
    u.iter().sum()
}

fn main() {}
