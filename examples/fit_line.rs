//! Fit a straight line y = w·x + b to data by gradient descent, with the
//! gradient written for us by `#[differentiate]`.
//!
//! Run with: cargo run --release --example fit_line
use gradmacro::differentiate;

/// The squared error of one data point (x, y) under the line y = w·x + b.
///
/// The attribute keeps this function as it is and adds `point_loss_grad`,
/// which returns the loss together with its gradient (∂loss/∂w, ∂loss/∂b):
/// how much the loss rises when w (or b) is nudged up a tiny bit.
#[differentiate(wrt = [w, b])]
fn point_loss(x: f64, y: f64, w: f64, b: f64) -> f64 {
    let prediction = w * x + b;
    let error = prediction - y;
    // Chain rule: ∂loss/∂w = ∂loss/∂error · ∂error/∂w = 2·error · x (and 2·error · 1 for b).
    error * error
}

fn main() {
    // The data: 20 points on the true line y = 3x − 2, plus a small fixed
    // "noise" (a sine wave, so every run prints the same numbers).
    let (true_w, true_b) = (3.0, -2.0);
    let data: Vec<(f64, f64)> = (0..20)
        .map(|i| {
            let x = -1.0 + 0.1 * f64::from(i);
            let noise = 0.05 * (2.3 * f64::from(i)).sin();
            (x, true_w * x + true_b + noise)
        })
        .collect();
    let n = data.len() as f64;

    // Start from a flat line and walk downhill.
    let (mut w, mut b) = (0.0, 0.0);
    let learning_rate = 0.2; // η: how far to step along the negative gradient

    println!("epoch       loss        w        b      dL/dw      dL/db");
    for epoch in 0..=200 {
        // The loss of the whole data set is the mean of the point losses, so its
        // gradient is the mean of the point gradients.
        let (mut loss, mut dw, mut db) = (0.0, 0.0, 0.0);
        for &(x, y) in &data {
            let (l, (gw, gb)) = point_loss_grad(x, y, w, b);
            loss += l / n;
            dw += gw / n;
            db += gb / n;
        }
        if [0, 1, 2, 5, 10, 20, 50, 100, 200].contains(&epoch) {
            println!("{epoch:5} {loss:10.6} {w:8.4} {b:8.4} {dw:+10.2e} {db:+10.2e}");
        }
        // Gradient descent: the gradient points uphill, so step the other way.
        // w ← w − η·∂L/∂w,   b ← b − η·∂L/∂b
        w -= learning_rate * dw;
        b -= learning_rate * db;
    }

    println!();
    println!("fitted line: y = {w:.4}·x {:+.4}", b);
    println!("true line:   y = {true_w:.4}·x {true_b:+.4}");
    println!("(the small difference is the noise added to the data)");
}
