//! Linear regression with several features, fitted by gradient descent on the
//! mean squared error, with the gradient written by `#[differentiate]`.
//!
//! ```sh
//! cargo run --release --example linear_regression            # 2000 points, 500 epochs
//! cargo run --release --example linear_regression -- --quick # 200 points, 200 epochs
//! ```
//!
//! The data are made up here, from a line we choose: y = w·x + b plus a little
//! noise, with x drawn from a small random-number generator written out below
//! (so every run prints the same numbers, and no crate is needed). Gradient
//! descent should then find the w and b we started from, up to the noise.

use gradmacro::differentiate;

/// How many features each data point has.
const D: usize = 4;

/// The mean squared error of the model y ≈ w·x + b over the whole data set:
/// L = (1/N) Σᵢ (w·xᵢ + b − yᵢ)².
///
/// `#[differentiate(wrt = [w, b])]` adds `mse_grad`, which returns L together
/// with ∂L/∂w (a `Vec<f64>`, one entry per feature) and ∂L/∂b.
#[differentiate(wrt = [w, b])]
fn mse(xs: &[[f64; D]], ys: &[f64], w: &[f64], b: f64) -> f64 {
    let mut total = 0.0;
    for i in 0..xs.len() {
        let mut prediction = b;
        for j in 0..D {
            prediction += w[j] * xs[i][j]; // ∂prediction/∂w[j] = x[i][j], ∂prediction/∂b = 1
        }
        let error = prediction - ys[i]; // ∂error/∂prediction = 1
        total += error * error; // ∂(error²)/∂error = 2·error
    }
    // Chain rule, for each point: ∂L/∂w[j] = (1/N) · 2·error · x[i][j],
    // and ∂L/∂b = (1/N) · 2·error · 1; the macro sums them over the points.
    total / xs.len() as f64
}

/// A tiny pseudo-random generator (xorshift64*): deterministic, good enough
/// to make up data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal, by the Box–Muller transform.
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // in (0, 1], so ln(u1) is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// The parameters as text: `[ 2.0000, -3.0000, ...]  b = 1.0000`.
fn show(w: &[f64], b: f64) -> String {
    let entries: Vec<String> = w.iter().map(|v| format!("{v:+.4}")).collect();
    format!("w = [{}]  b = {b:+.4}", entries.join(", "))
}

fn main() {
    let quick = std::env::args().skip(1).any(|arg| arg == "--quick");
    let (points, epochs, print_every) = if quick {
        (200, 200, 20)
    } else {
        (2000, 500, 50)
    };

    // The line the data come from, and the noise on top of it.
    let true_w = [2.0, -3.0, 0.5, 1.5];
    let true_b = 1.0;
    let noise = 0.1; // standard deviation σ of the noise

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut xs: Vec<[f64; D]> = Vec::with_capacity(points);
    let mut ys: Vec<f64> = Vec::with_capacity(points);
    for _ in 0..points {
        let mut x = [0.0; D];
        for xj in &mut x {
            *xj = rng.between(-1.0, 1.0);
        }
        let clean: f64 = true_b + (0..D).map(|j| true_w[j] * x[j]).sum::<f64>();
        xs.push(x);
        ys.push(clean + noise * rng.normal());
    }

    println!("Linear regression: {points} points, {D} features, y = w·x + b + noise (σ = {noise})");
    println!("true parameters:   {}", show(&true_w, true_b));

    // Start from zero and walk downhill: w ← w − η·∂L/∂w, b ← b − η·∂L/∂b.
    let mut w = vec![0.0; D];
    let mut b = 0.0;
    let learning_rate = 0.1; // η

    // Before the first step, check the generated gradient against the closed
    // form ∂L/∂w = (2/N) Σᵢ (w·xᵢ + b − yᵢ)·xᵢ, ∂L/∂b = (2/N) Σᵢ (w·xᵢ + b − yᵢ).
    {
        let probe_w = [0.3, -0.2, 0.1, 0.7];
        let probe_b = -0.4;
        let (_, (dw, db)) = mse_grad(&xs, &ys, &probe_w, probe_b);
        let n = points as f64;
        let mut closed_dw = [0.0; D];
        let mut closed_db = 0.0;
        for (x, y) in xs.iter().zip(&ys) {
            let error = probe_b + (0..D).map(|j| probe_w[j] * x[j]).sum::<f64>() - y;
            for j in 0..D {
                closed_dw[j] += 2.0 * error * x[j] / n;
            }
            closed_db += 2.0 * error / n;
        }
        for j in 0..D {
            assert!((dw[j] - closed_dw[j]).abs() < 1e-12, "∂L/∂w[{j}]");
        }
        assert!((db - closed_db).abs() < 1e-12, "∂L/∂b");
        println!("generated gradient = closed form (2/N)·Σ error·x at a test point: checked");
    }

    println!();
    println!("epoch         loss      ‖∇L‖   parameters");
    let mut loss = f64::INFINITY;
    let mut grad_norm = f64::INFINITY;
    for epoch in 0..=epochs {
        let (l, (dw, db)) = mse_grad(&xs, &ys, &w, b);
        loss = l;
        grad_norm = (dw.iter().map(|g| g * g).sum::<f64>() + db * db).sqrt();
        if epoch % print_every == 0 {
            println!("{epoch:5} {loss:12.6} {grad_norm:9.2e}   {}", show(&w, b));
        }
        if epoch < epochs {
            // The gradient points uphill; step the other way.
            for j in 0..D {
                w[j] -= learning_rate * dw[j];
            }
            b -= learning_rate * db;
        }
    }

    println!();
    println!("fitted: {}", show(&w, b));
    println!("true:   {}", show(&true_w, true_b));
    let worst = (0..D)
        .map(|j| (w[j] - true_w[j]).abs())
        .fold((b - true_b).abs(), f64::max);
    println!(
        "largest error in a parameter: {worst:.4} (from the noise, expect about σ·√3/√N = {:.4})",
        noise * 3f64.sqrt() / (points as f64).sqrt()
    );
    println!(
        "final loss {loss:.5} ≈ σ² = {:.5}: what is left is the noise, which no line can fit",
        noise * noise
    );

    assert!(grad_norm < 1e-4, "not converged: ‖∇L‖ = {grad_norm:e}");
    assert!(
        worst < 0.05,
        "fit too far from the true parameters: {worst}"
    );
    assert!(
        (loss - noise * noise).abs() < 0.3 * noise * noise,
        "loss {loss}"
    );
}
