// A buffer made by a plain helper (its type not visible) and lent `&mut` to a
// differentiated writer: one error, on the lent variable, suggesting the
// annotation that makes it a float buffer.
use gradmacro::differentiate;

fn make_buffer(n: usize) -> Vec<f64> {
    vec![0.0; n]
}

#[differentiate]
fn fill_scaled(x: &[f64], k: f64, out: &mut Vec<f64>) {
    for i in 0..x.len() {
        out[i] = x[i] * k + out[i] * 0.5;
    }
}

#[differentiate(wrt = [x, k])]
fn via_made_buffer(x: &[f64], k: f64) -> f64 {
    let mut buf = make_buffer(x.len());
    fill_scaled(x, k, &mut buf);
    let mut s = 0.0;
    for i in 0..buf.len() {
        s += buf[i] * buf[i];
    }
    s + buf.iter().sum::<f64>()
}

fn main() {}
