//! Vanishing and exploding gradients, made visible: the warning of the
//! teaching notes (note 001: "the gradient ∝ W^L") on a deep chain of sigmoid
//! layers, differentiated by `#[differentiate]`.
//!
//! ```sh
//! cargo run --release --example vanishing_gradients
//! cargo run --release --example vanishing_gradients -- --quick   # shorter training demo
//! ```
//!
//! The network is the simplest deep one: 12 layers of width 1,
//!
//! ```text
//! h₀ = x,   zₗ = wₗ·hₗ₋₁ + bₗ,   hₗ = σ(zₗ)   (l = 1..12),   L = ½(h₁₂ − y)²
//! ```
//!
//! Backpropagation walks this chain from the loss to the input. Each layer it
//! passes multiplies the gradient by ∂zₗ₊₁/∂hₗ · ∂hₗ/∂zₗ = wₗ₊₁ · σ'(zₗ), and
//! σ' is at most ¼ (at z = 0). So the gradient reaching layer l is roughly
//! (w·σ')^(12 − l) times the last layer's:
//!
//! - small weights (w = 1): ×¼ per layer, the early layers get almost nothing;
//! - large weights (w = 8), pre-activations kept at z = 0 by the biases: ×2 per
//!   layer, the early layers get thousands of times more than the last;
//! - large weights without that care: σ saturates (z ≈ 8, σ' ≈ 0.0003) and the
//!   gradient vanishes even faster than with small weights.
//!
//! The gradient with respect to all twelve weights comes from one call of the
//! generated `chain_loss_grad`; the program checks it against a central finite
//! difference of `chain_loss` and against the closed form of the chain rule.

use gradmacro::differentiate;

/// Number of layers.
const DEPTH: usize = 12;

/// The loss of the deep sigmoid chain, as a function of every layer's weight.
///
/// `weights[l]` and `biases[l]` belong to layer l + 1. Only the weights are
/// differentiated: `chain_loss_grad` returns ∂L/∂wₗ for every layer at once,
/// as a `Vec<f64>`.
#[differentiate(wrt = weights)]
fn chain_loss(input: f64, weights: &[f64], biases: &[f64], target: f64) -> f64 {
    let mut h = input;
    for l in 0..weights.len() {
        let z = weights[l] * h + biases[l]; // ∂z/∂w = h (this layer's input), ∂z/∂h = w
        h = 1.0 / (1.0 + (-z).exp()); // σ(z): ∂h/∂z = σ(z)·(1 − σ(z)) ≤ ¼
    }
    0.5 * (h - target).powi(2) // ∂L/∂h = h − y
}

/// The same gradient by hand, as the notes do it: a forward pass that keeps
/// every layer's input and pre-activation, then the chain rule from the loss
/// back to the first layer.
fn backprop_by_hand(input: f64, weights: &[f64], biases: &[f64], target: f64) -> Vec<f64> {
    let mut inputs = Vec::with_capacity(weights.len()); // hₗ₋₁ for each layer
    let mut slopes = Vec::with_capacity(weights.len()); // σ'(zₗ) for each layer
    let mut h = input;
    for (w, b) in weights.iter().zip(biases) {
        inputs.push(h);
        h = 1.0 / (1.0 + (-(w * h + b)).exp());
        slopes.push(h * (1.0 - h));
    }
    let mut grad = vec![0.0; weights.len()];
    let mut dl_dh = h - target; // ∂L/∂h at the output
    for l in (0..weights.len()).rev() {
        let dl_dz = dl_dh * slopes[l]; // through σ
        grad[l] = dl_dz * inputs[l]; // ∂L/∂wₗ = ∂L/∂zₗ · hₗ₋₁
        dl_dh = dl_dz * weights[l]; // ∂L/∂hₗ₋₁ = ∂L/∂zₗ · wₗ: on to the layer below
    }
    grad
}

/// Central finite difference of the loss with respect to one weight.
fn central_difference(input: f64, weights: &[f64], biases: &[f64], target: f64, l: usize) -> f64 {
    let h = 1e-3 * weights[l].abs().max(1.0);
    let mut ahead = weights.to_vec();
    let mut behind = weights.to_vec();
    ahead[l] += h;
    behind[l] -= h;
    let step = ahead[l] - behind[l];
    (chain_loss(input, &ahead, biases, target) - chain_loss(input, &behind, biases, target)) / step
}

/// One way to set up the chain: every weight `w`, every bias `b`.
struct Setting {
    name: &'static str,
    weights: Vec<f64>,
    biases: Vec<f64>,
}

impl Setting {
    fn new(name: &'static str, w: f64, b: f64) -> Self {
        Setting {
            name,
            weights: vec![w; DEPTH],
            biases: vec![b; DEPTH],
        }
    }
}

fn main() {
    let quick = std::env::args().skip(1).any(|arg| arg == "--quick");
    // Input 0.5, target 0: with z = 0 every layer outputs σ(0) = 0.5 too.
    let (input, target) = (0.5, 0.0);

    // Biases −w/2 cancel w·0.5, keeping every pre-activation at z = 0, where
    // σ'(0) = ¼ is largest (the linear range of the sigmoid).
    let settings = [
        Setting::new("small: w = 1, z = 0", 1.0, -0.5),
        Setting::new("large: w = 8, z = 0", 8.0, -4.0),
        Setting::new("large: w = 8, b = 0", 8.0, 0.0),
    ];

    let grads: Vec<Vec<f64>> = settings
        .iter()
        .map(|s| {
            let (_, grad) = chain_loss_grad(input, &s.weights, &s.biases, target);
            grad
        })
        .collect();

    println!("|∂L/∂wₗ| per layer of a {DEPTH}-layer sigmoid chain (layer 1 is next to the input)");
    println!("and its ratio to the layer above (what one more layer of backprop multiplies by).");
    println!("z = 0: biases b = −w/2 hold every pre-activation at 0, where σ'(0) = ¼ is largest;");
    println!("b = 0: no such care, so w = 8 drives z to about 8, where σ is flat (saturated).");
    println!();
    print!("layer");
    for s in &settings {
        print!("   {:>24}", s.name);
    }
    println!();
    print!("     ");
    for _ in &settings {
        print!("   {:>12} {:>11}", "|∂L/∂w|", "ratio");
    }
    println!();
    for l in 0..DEPTH {
        print!("{:5}", l + 1);
        for grad in &grads {
            if l + 1 < DEPTH {
                print!(
                    "   {:>12.3e} {:>11.4}",
                    grad[l].abs(),
                    grad[l] / grad[l + 1]
                );
            } else {
                print!("   {:>12.3e} {:>11}", grad[l].abs(), "");
            }
        }
        println!();
    }
    println!();
    for (s, grad) in settings.iter().zip(&grads) {
        println!(
            "{:<20} first layer / last layer = {:.3e}",
            s.name,
            grad[0] / grad[DEPTH - 1]
        );
    }
    println!();
    println!("Each layer of backprop multiplies the gradient by w·σ'(z): by ¼ for small weights");
    println!("(vanishing), by 8·¼ = 2 for large weights in σ's linear range (exploding), and by");
    println!("8·σ'(8) ≈ 0.003 once large weights saturate σ (vanishing again, faster).");

    // Check 1: the generated gradient against a central finite difference of
    // the original function, which the macro leaves unchanged.
    println!();
    println!("check: the w = 1 column against central finite differences");
    println!("layer        generated  central difference   relative difference");
    let small = &settings[0];
    for (l, &generated) in grads[0].iter().enumerate() {
        let fd = central_difference(input, &small.weights, &small.biases, target, l);
        let relative = (generated - fd).abs() / generated.abs();
        println!(
            "{:5}  {generated:>15.6e}  {fd:>18.6e}  {relative:>20.1e}",
            l + 1
        );
        assert!(
            relative < 1e-5,
            "layer {}: generated {generated:e}, finite difference {fd:e}",
            l + 1
        );
    }

    // Check 2: every column against the chain rule worked by hand, and the
    // ratios against their closed form w·σ'(0) = w/4 where z = 0.
    for (s, grad) in settings.iter().zip(&grads) {
        let by_hand = backprop_by_hand(input, &s.weights, &s.biases, target);
        for l in 0..DEPTH {
            // 1e-10, not 1e-15: where σ saturates, the hand-written σ(1 − σ)
            // loses digits to cancellation in 1 − σ ≈ 0.0003 at every layer.
            let scale = grad[l].abs().max(by_hand[l].abs());
            assert!(
                (grad[l] - by_hand[l]).abs() <= 1e-10 * scale,
                "{}: layer {}",
                s.name,
                l + 1
            );
        }
    }
    for (s, grad) in settings.iter().zip(&grads).take(2) {
        let w = s.weights[0];
        for l in 0..DEPTH - 1 {
            let ratio = grad[l] / grad[l + 1];
            assert!(
                (ratio - w / 4.0).abs() < 1e-12,
                "{}: ratio {ratio} at layer {}",
                s.name,
                l + 1
            );
        }
    }
    println!(
        "check: all three columns equal the chain rule by hand, and the ratios are w/4 where z = 0"
    );

    // What it means for learning: gradient descent on the small-weight chain.
    let steps = if quick { 100 } else { 5000 };
    let learning_rate = 1.0;
    let mut weights = small.weights.clone();
    let (loss_before, _) = chain_loss_grad(input, &weights, &small.biases, target);
    for _ in 0..steps {
        let (_, grad) = chain_loss_grad(input, &weights, &small.biases, target);
        for (w, g) in weights.iter_mut().zip(&grad) {
            *w -= learning_rate * g;
        }
    }
    let loss_after = chain_loss(input, &weights, &small.biases, target);
    println!();
    println!(
        "Training the w = 1 chain for {steps} steps of gradient descent (η = {learning_rate}):"
    );
    println!("loss {loss_before:.5} → {loss_after:.5}; how far each layer's weight moved:");
    for (l, w) in weights.iter().enumerate() {
        println!("  layer {:2}: {:.3e}", l + 1, (w - small.weights[l]).abs());
    }
    println!("the layers next to the output do the learning; the first layers hardly move.");
    assert!(loss_after < loss_before);
    assert!((weights[0] - 1.0).abs() < 1e-3 * (weights[DEPTH - 1] - 1.0).abs());
}
