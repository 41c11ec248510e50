//! A neural network trained by backpropagation, with every gradient written
//! by `#[differentiate]`.
//!
//! ```sh
//! cargo run --release --example mlp            # 300 epochs, well under a second
//! cargo run --release --example mlp -- --quick # 20 epochs, for CI
//! ```
//!
//! The problem: two interleaved half-moons of points in the plane, one per
//! class. No straight line separates them, so logistic regression (a linear
//! model) cannot learn it; a network with one hidden layer can.
//!
//! The network: 2 inputs → 16 hidden units, `h_j = tanh(W1_j · x + b1_j)` →
//! one output score `z = w2 · h + b2`, read as the probability
//! `σ(z) = 1 / (1 + e^{−z})` that the point belongs to the second moon.
//!
//! The loss is the binary cross-entropy `−[y ln σ(z) + (1 − y) ln(1 − σ(z))]`,
//! averaged over a mini-batch. We write only that, as ordinary Rust; the
//! macro writes the backward pass ("backpropagation") that computes its
//! gradient with respect to all 65 weights, and the optimiser (Adam, written
//! out below) uses the gradient to improve the weights, one mini-batch at a
//! time.
//!
//! It prints the loss as training goes, shows a progress bar, draws the
//! decision regions it learned in the terminal, and plots the loss curve to
//! `target/mlp_loss.svg`.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use gradmacro::differentiate;
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;

/// Hidden units.
const HIDDEN: usize = 16;
/// Points per data set (half from each moon).
const POINTS: usize = 400;
/// Points per mini-batch: one gradient step each.
const BATCH: usize = 32;

// ---------------------------------------------------------------------------
// The model and its loss: the only part the macro differentiates.
// ---------------------------------------------------------------------------

/// `softplus(z) = ln(1 + e^z)`, written so that `e^z` never overflows: for
/// positive `z`, `ln(1 + e^z) = z + ln(1 + e^{−z})`.
///
/// It is differentiated too, and the loss below calls it: the macro composes
/// the two through the generated `softplus_pullback`. Its derivative is the
/// sigmoid `σ(z) = e^z / (1 + e^z)`, which the macro finds from the rules for
/// `exp` and `ln_1p`, in whichever branch `z` takes.
#[differentiate]
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// The mean binary cross-entropy of the network `(w1, b1, w2, b2)` on the
/// points `xs` with labels `ys` (0.0 for the first moon, 1.0 for the second).
///
/// `loss_grad` returns the loss and its gradient `(∂L/∂w1, ∂L/∂b1, ∂L/∂w2,
/// ∂L/∂b2)`, one number per weight, in the weights' own shapes: each says how
/// fast the loss rises as that one weight is nudged up.
#[differentiate(wrt = [w1, b1, w2, b2])]
fn loss(w1: &[[f64; 2]], b1: &[f64], w2: &[f64], b2: f64, xs: &[[f64; 2]], ys: &[f64]) -> f64 {
    let mut hidden = vec![0.0; b1.len()];
    let mut total = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        // Hidden layer: h_j = tanh(W1_j · x + b1_j).
        for j in 0..hidden.len() {
            hidden[j] = (w1[j][0] * x[0] + w1[j][1] * x[1] + b1[j]).tanh();
        }
        // Output score: z = w2 · h + b2.
        let mut z = b2;
        for j in 0..hidden.len() {
            z += w2[j] * hidden[j];
        }
        // Cross-entropy of σ(z) against y. With ln σ(z) = −softplus(−z) and
        // ln(1 − σ(z)) = −softplus(z), it simplifies to softplus(z) − y·z.
        // Its derivative ∂/∂z = σ(z) − y is the error of the prediction; the
        // backward pass sends it to w2 and b2 (∂z/∂w2_j = h_j, ∂z/∂b2 = 1),
        // then through each tanh (∂h_j/∂(W1_j · x + b1_j) = 1 − h_j²) to W1 and b1.
        total += softplus(z) - y * z;
    }
    total / xs.len() as f64
}

/// The network's output score for one point (the same forward pass as in
/// `loss`): positive means "second moon".
fn score(w1: &[[f64; 2]], b1: &[f64], w2: &[f64], b2: f64, x: [f64; 2]) -> f64 {
    let mut z = b2;
    for j in 0..b1.len() {
        z += w2[j] * (w1[j][0] * x[0] + w1[j][1] * x[1] + b1[j]).tanh();
    }
    z
}

/// The network's weights, in the shapes `loss` takes them (and its gradient
/// has).
struct Network {
    w1: Vec<[f64; 2]>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: f64,
}

impl Network {
    /// Small random weights (variance 1 / the number of inputs of the unit),
    /// so that the tanh units start in their linear range, and all different,
    /// so that the hidden units learn different features.
    fn random(rng: &mut Rng) -> Self {
        let w1 = (0..HIDDEN)
            .map(|_| [rng.normal() / 2f64.sqrt(), rng.normal() / 2f64.sqrt()])
            .collect();
        let w2 = (0..HIDDEN)
            .map(|_| rng.normal() / (HIDDEN as f64).sqrt())
            .collect();
        Network {
            w1,
            b1: vec![0.0; HIDDEN],
            w2,
            b2: 0.0,
        }
    }

    fn loss_grad(&self, xs: &[[f64; 2]], ys: &[f64]) -> (f64, Gradient) {
        loss_grad(&self.w1, &self.b1, &self.w2, self.b2, xs, ys)
    }

    fn loss(&self, xs: &[[f64; 2]], ys: &[f64]) -> f64 {
        loss(&self.w1, &self.b1, &self.w2, self.b2, xs, ys)
    }

    fn predict(&self, x: [f64; 2]) -> f64 {
        let z = score(&self.w1, &self.b1, &self.w2, self.b2, x);
        if z > 0.0 {
            1.0
        } else {
            0.0
        }
    }

    fn accuracy(&self, xs: &[[f64; 2]], ys: &[f64]) -> f64 {
        let correct = xs
            .iter()
            .zip(ys)
            .filter(|&(&x, &y)| self.predict(x) == y)
            .count();
        correct as f64 / xs.len() as f64
    }
}

/// What `loss_grad` returns beside the loss: `(∂L/∂w1, ∂L/∂b1, ∂L/∂w2, ∂L/∂b2)`.
type Gradient = (Vec<[f64; 2]>, Vec<f64>, Vec<f64>, f64);

// ---------------------------------------------------------------------------
// The optimiser: Adam, for one group of weights.
// ---------------------------------------------------------------------------

/// Adam (Kingma and Ba, 2015) keeps, for each weight, a running mean `m` of
/// its gradient (momentum: it smooths the noise of mini-batches) and a
/// running mean `v` of its squared gradient, and steps by `m / √v`: about
/// the learning rate in size whatever the gradient's scale.
struct Adam {
    m: Vec<f64>,
    v: Vec<f64>,
}

impl Adam {
    const LEARNING_RATE: f64 = 0.01;
    const BETA1: f64 = 0.9;
    const BETA2: f64 = 0.999;
    const EPSILON: f64 = 1e-8;

    fn new(len: usize) -> Self {
        Adam {
            m: vec![0.0; len],
            v: vec![0.0; len],
        }
    }

    /// Step `weights` against `gradient`; `step` counts from 1.
    fn update(&mut self, weights: &mut [f64], gradient: &[f64], step: i32) {
        // The running means start at 0; dividing by 1 − βᵗ removes that bias.
        let m_scale = 1.0 / (1.0 - Self::BETA1.powi(step));
        let v_scale = 1.0 / (1.0 - Self::BETA2.powi(step));
        for i in 0..weights.len() {
            let g = gradient[i];
            self.m[i] = Self::BETA1 * self.m[i] + (1.0 - Self::BETA1) * g;
            self.v[i] = Self::BETA2 * self.v[i] + (1.0 - Self::BETA2) * g * g;
            let m_hat = self.m[i] * m_scale;
            let v_hat = self.v[i] * v_scale;
            weights[i] -= Self::LEARNING_RATE * m_hat / (v_hat.sqrt() + Self::EPSILON);
        }
    }
}

// ---------------------------------------------------------------------------
// The data: two moons, from a small deterministic random number generator.
// ---------------------------------------------------------------------------

/// SplitMix64: a tiny pseudo-random generator, so that every run (and every
/// machine) sees the same data and the same initial weights.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal, by the Box–Muller transform.
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform(); // in (0, 1], so ln u is finite
        let t = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * t).cos()
    }

    /// Shuffles `order` in place (Fisher–Yates).
    fn shuffle(&mut self, order: &mut [usize]) {
        for i in (1..order.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
    }
}

/// `n` points on two interleaved half-circles, with Gaussian noise of
/// standard deviation `noise`: the upper moon (label 0) is centred at (0, 0),
/// the lower one (label 1) at (1, 0.5). The points are shifted by
/// (−0.5, −0.25) so that the data is centred on the origin.
fn two_moons(n: usize, noise: f64, rng: &mut Rng) -> (Vec<[f64; 2]>, Vec<f64>) {
    let mut xs = Vec::with_capacity(n);
    let mut ys = Vec::with_capacity(n);
    for i in 0..n {
        let label = i % 2;
        let angle = std::f64::consts::PI * rng.uniform();
        let (x, y) = if label == 0 {
            (angle.cos(), angle.sin())
        } else {
            (1.0 - angle.cos(), 0.5 - angle.sin())
        };
        xs.push([
            x - 0.5 + noise * rng.normal(),
            y - 0.25 + noise * rng.normal(),
        ]);
        ys.push(label as f64);
    }
    (xs, ys)
}

// ---------------------------------------------------------------------------
// Training.
// ---------------------------------------------------------------------------

fn main() -> Result<(), Box<dyn Error>> {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let epochs = if quick { 20 } else { 300 };
    let report_every = if quick { 5 } else { 25 };
    let start = Instant::now();

    let mut rng = Rng(2024);
    let (train_x, train_y) = two_moons(POINTS, 0.15, &mut rng);
    // Fresh points from the same two moons, never trained on: they tell
    // whether the network learned the shape or memorised the training points.
    let (test_x, test_y) = two_moons(POINTS, 0.15, &mut rng);
    let mut net = Network::random(&mut rng);
    println!(
        "two moons: {} training and {} test points; network 2 → {HIDDEN} (tanh) → 1 (sigmoid), \
         {} weights",
        train_x.len(),
        test_x.len(),
        2 * HIDDEN + HIDDEN + HIDDEN + 1
    );
    println!(
        "before training: loss {:.4}, accuracy {:.3}",
        net.loss(&train_x, &train_y),
        net.accuracy(&train_x, &train_y)
    );
    println!();

    // One optimiser state per group of weights.
    let mut adam_w1 = Adam::new(2 * HIDDEN);
    let mut adam_b1 = Adam::new(HIDDEN);
    let mut adam_w2 = Adam::new(HIDDEN);
    let mut adam_b2 = Adam::new(1);

    let progress = ProgressBar::new(epochs as u64);
    progress.set_style(ProgressStyle::with_template(
        "{bar:40.cyan/blue} epoch {pos}/{len} {msg} [{elapsed_precise}]",
    )?);

    let mut order: Vec<usize> = (0..train_x.len()).collect();
    let mut batch_x = Vec::with_capacity(BATCH);
    let mut batch_y = Vec::with_capacity(BATCH);
    let mut train_losses = Vec::with_capacity(epochs);
    let mut test_losses = Vec::with_capacity(epochs);
    let mut step = 0;
    for epoch in 1..=epochs {
        // Visit the training points in a new random order every epoch, a
        // mini-batch at a time.
        rng.shuffle(&mut order);
        let mut epoch_loss = 0.0;
        for chunk in order.chunks(BATCH) {
            batch_x.clear();
            batch_y.clear();
            batch_x.extend(chunk.iter().map(|&i| train_x[i]));
            batch_y.extend(chunk.iter().map(|&i| train_y[i]));

            // Forward and backward pass in one call: the batch's loss and the
            // gradient of that loss with respect to every weight.
            let (batch_loss, (dw1, db1, dw2, db2)) = net.loss_grad(&batch_x, &batch_y);
            epoch_loss += batch_loss * chunk.len() as f64;

            // One step downhill for every weight.
            step += 1;
            adam_w1.update(net.w1.as_flattened_mut(), dw1.as_flattened(), step);
            adam_b1.update(&mut net.b1, &db1, step);
            adam_w2.update(&mut net.w2, &dw2, step);
            adam_b2.update(std::slice::from_mut(&mut net.b2), &[db2], step);
        }
        // The mean loss over the epoch's mini-batches (the weights moved
        // during the epoch, so it lags the current weights a little).
        let epoch_loss = epoch_loss / train_x.len() as f64;
        train_losses.push(epoch_loss);
        // The loss on the test points, with the weights at the end of the epoch.
        test_losses.push(net.loss(&test_x, &test_y));

        progress.set_message(format!("loss {epoch_loss:.4}"));
        progress.inc(1);
        if epoch % report_every == 0 || epoch == 1 {
            let accuracy = net.accuracy(&train_x, &train_y);
            // Print above the bar (or plainly when there is no terminal to draw it on).
            progress.suspend(|| {
                println!("epoch {epoch:4}   loss {epoch_loss:.5}   train accuracy {accuracy:.3}");
            });
        }
    }
    progress.finish_and_clear();
    let train_time = start.elapsed();

    let train_acc = net.accuracy(&train_x, &train_y);
    let test_acc = net.accuracy(&test_x, &test_y);
    println!();
    println!("{}", decision_map(&net, &train_x, &train_y));
    println!(
        "after {epochs} epochs ({step} gradient steps, {train_time:.2?}): loss {:.5}",
        net.loss(&train_x, &train_y)
    );
    println!("train accuracy: {train_acc:.3}");
    println!("test accuracy:  {test_acc:.3}");

    let plot_path = plot_loss(&train_losses, &test_losses)?;
    println!("loss curve: {}", plot_path.display());

    // The quick run (for CI) stops early, so it is not held to the bar.
    if !quick {
        assert!(test_acc >= 0.95, "test accuracy {test_acc} is below 0.95");
    }
    Ok(())
}

/// The plane as text: `o` and `x` are training points of the two moons,
/// `·` and blank the regions where the network predicts each moon.
fn decision_map(net: &Network, xs: &[[f64; 2]], ys: &[f64]) -> String {
    const COLUMNS: usize = 64;
    const ROWS: usize = 20;
    let (x_min, x_max, y_min, y_max) = (-2.0, 2.0, -1.25, 1.25);
    let cell = |p: [f64; 2]| {
        let c = ((p[0] - x_min) / (x_max - x_min) * COLUMNS as f64).floor();
        let r = ((y_max - p[1]) / (y_max - y_min) * ROWS as f64).floor();
        let inside = (0.0..COLUMNS as f64).contains(&c) && (0.0..ROWS as f64).contains(&r);
        inside.then_some((r as usize, c as usize))
    };
    let mut grid = vec![[' '; COLUMNS]; ROWS];
    for (r, row) in grid.iter_mut().enumerate() {
        for (c, ch) in row.iter_mut().enumerate() {
            let x = x_min + (c as f64 + 0.5) / COLUMNS as f64 * (x_max - x_min);
            let y = y_max - (r as f64 + 0.5) / ROWS as f64 * (y_max - y_min);
            if net.predict([x, y]) == 1.0 {
                *ch = '·';
            }
        }
    }
    for (&point, &label) in xs.iter().zip(ys) {
        if let Some((r, c)) = cell(point) {
            grid[r][c] = if label == 0.0 { 'o' } else { 'x' };
        }
    }
    let mut text = String::from(
        "decision regions (o: first moon, x: second moon, ·: predicted second moon)\n",
    );
    for row in &grid {
        text.push('|');
        text.extend(row.iter());
        text.push_str("|\n");
    }
    text
}

/// Plots the losses per epoch as an SVG file in `target/`; returns its path.
fn plot_loss(train: &[f64], test: &[f64]) -> Result<PathBuf, Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("mlp_loss.svg");
    draw_loss_curves(&path, train, test)?;
    Ok(path)
}

/// Draws the training and test losses (one per epoch) against the epoch, on
/// a logarithmic axis.
fn draw_loss_curves(path: &Path, train: &[f64], test: &[f64]) -> Result<(), Box<dyn Error>> {
    // The y axis spans whole powers of ten, from below the lowest loss to
    // above the highest.
    let all = train.iter().chain(test).copied();
    let lowest = all.clone().fold(f64::INFINITY, f64::min);
    let highest = all.fold(f64::NEG_INFINITY, f64::max);
    let (bottom, top) = (
        10f64.powf(lowest.log10().floor()),
        10f64.powf(highest.log10().ceil()),
    );
    // Labels at 1, 2 and 5 times each power of ten: 0.01, 0.02, 0.05, 0.1, ...
    let mut labels: Vec<f64> = vec![];
    let mut decade = bottom;
    while decade < top * 1.001 {
        labels.extend(
            [decade, 2.0 * decade, 5.0 * decade]
                .iter()
                .filter(|&&v| v <= top * 1.001),
        );
        decade *= 10.0;
    }
    let root = SVGBackend::new(path, (720, 440)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Two moons: cross-entropy per epoch", ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(
            1..train.len().max(2),
            (bottom..top).log_scale().with_key_points(labels),
        )?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("mean cross-entropy (log scale)")
        .light_line_style(TRANSPARENT)
        .y_label_formatter(&|&v| {
            // Enough decimals for the first significant digit: 0.5, 0.02.
            let decimals = (-v.log10().floor()).max(0.0) as usize;
            format!("{v:.decimals$}")
        })
        .draw()?;
    for (losses, name, colour) in [(train, "training", BLUE), (test, "test", RED)] {
        chart
            .draw_series(LineSeries::new(
                losses.iter().enumerate().map(|(i, &l)| (i + 1, l)),
                colour,
            ))?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
