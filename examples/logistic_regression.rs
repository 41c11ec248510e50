//! Multinomial (softmax) logistic regression on Fisher's iris flowers, trained
//! by gradient descent with the gradient written for us by `#[differentiate]`.
//!
//! ```sh
//! cargo run --release --example logistic_regression            # 1000 epochs
//! cargo run --release --example logistic_regression -- --quick # 50 epochs, for CI
//! ```
//!
//! The data set has 150 flowers, 50 of each species (setosa, versicolor,
//! virginica), measured in four ways (sepal length and width, petal length and
//! width, in cm). The model gives each species `c` a score, its *logit*
//! `z_c = b_c + w_c · x`, and turns the three scores into probabilities with the
//! softmax `p_c = e^{z_c} / Σ_k e^{z_k}`. Training looks for the weights that
//! make the probability of the right species as large as possible, that is,
//! the *cross-entropy* `−ln p_label` as small as possible, on average.
//!
//! The data file `examples/data/iris.csv` is the iris data of the linfa-datasets
//! crate (see `examples/data/README.md`); `include_str!` builds it into the
//! program, so the example runs from any directory.

use gradmacro::{check, differentiate};
// Each vector rule is imported with its pullback: the generated gradient calls
// `dot_pullback_lent` and `logsumexp_pullback_lent` where the loss calls `dot` and `logsumexp`.
use gradmacro::vector::{dot, dot_pullback_lent, logsumexp, logsumexp_pullback_lent};

/// The iris data: a header line, then `sepal_length,sepal_width,petal_length,petal_width,species`
/// with species 0 = setosa, 1 = versicolor, 2 = virginica.
const IRIS_CSV: &str = include_str!("data/iris.csv");
const SPECIES: [&str; 3] = ["setosa", "versicolor", "virginica"];

/// The mean cross-entropy of the model `(w, b)` on the flowers `xs`, whose
/// species are `labels`.
///
/// `w` holds one row of four weights per species and `b` one bias per species.
/// The attribute adds `cross_entropy_grad`, which returns the loss together
/// with its gradient `(∂L/∂w, ∂L/∂b)`: how fast the loss rises as each weight
/// is nudged up. `labels` is a constant: it has no gradient.
#[differentiate(wrt = [w, b])]
fn cross_entropy(w: &[[f64; 4]], b: &[f64], xs: &[[f64; 4]], labels: &[usize]) -> f64 {
    let mut total = 0.0;
    // (`xs.iter().zip(labels)` would read better, but gradmacro cannot yet zip
    // a float buffer with a slice of integers: index the labels instead.)
    for (i, x) in xs.iter().enumerate() {
        let label = labels[i];
        // One score per species: z_c = b_c + w_c · x.
        let mut logits = vec![0.0; b.len()];
        for c in 0..b.len() {
            logits[c] = b[c] + dot(&w[c], x);
        }
        // −ln softmax(z)_label = ln Σ_k e^{z_k} − z_label. `logsumexp` computes
        // the first term without overflow; its gradient is the softmax itself,
        // so for this flower ∂L/∂z_c = p_c − [c = label]: the model's
        // probability minus the truth. The chain rule through z_c = b_c + w_c · x
        // then gives ∂L/∂b_c = p_c − [c = label] and ∂L/∂w_c = (p_c − [c = label]) x.
        total += logsumexp(&logits) - logits[label];
    }
    total / xs.len() as f64
}

/// The species the model finds most likely: the largest score (the softmax
/// does not change which score is largest, so it is not needed here).
fn predict(w: &[[f64; 4]], b: &[f64], x: &[f64; 4]) -> usize {
    let scores: Vec<f64> = (0..b.len()).map(|c| b[c] + dot(&w[c], x)).collect();
    (0..scores.len())
        .max_by(|&i, &j| scores[i].total_cmp(&scores[j]))
        .expect("at least one species")
}

/// The fraction of the flowers whose species the model predicts correctly.
fn accuracy(w: &[[f64; 4]], b: &[f64], xs: &[[f64; 4]], labels: &[usize]) -> f64 {
    let correct = xs
        .iter()
        .zip(labels)
        .filter(|&(x, &label)| predict(w, b, x) == label)
        .count();
    correct as f64 / xs.len() as f64
}

/// Reads the CSV text into the measurements and the species.
fn parse_iris(csv: &str) -> (Vec<[f64; 4]>, Vec<usize>) {
    let mut xs = Vec::new();
    let mut labels = Vec::new();
    for line in csv.lines().skip(1).filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 5, "bad line in iris.csv: {line}");
        let x: [f64; 4] = std::array::from_fn(|k| fields[k].parse().expect("a number"));
        xs.push(x);
        labels.push(fields[4].parse().expect("a species number"));
    }
    (xs, labels)
}

/// Checks the generated gradient against central differences of the original
/// `cross_entropy` (which the attribute leaves as it was), with gradmacro's
/// checker. The checker works on a flat list of numbers: here the 12 entries
/// of `w`, row by row, then the 3 of `b`.
fn check_generated_gradient(
    w: &[[f64; 4]],
    b: &[f64],
    xs: &[[f64; 4]],
    labels: &[usize],
) -> check::Report {
    let (_, (dw, db)) = cross_entropy_grad(w, b, xs, labels);
    let point: Vec<f64> = w.as_flattened().iter().chain(b).copied().collect();
    let gradient: Vec<f64> = dw.as_flattened().iter().chain(&db).copied().collect();
    let loss_at = |p: &[f64]| {
        let (w_entries, b) = p.split_at(4 * w.len());
        let w: Vec<[f64; 4]> = w_entries
            .chunks_exact(4)
            .map(|row| [row[0], row[1], row[2], row[3]])
            .collect();
        cross_entropy(&w, b, xs, labels)
    };
    check::check_gradient(loss_at, &point, &gradient, check::Tolerance::default())
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let start = std::time::Instant::now();

    let (xs, labels) = parse_iris(IRIS_CSV);
    assert_eq!(xs.len(), 150, "the iris data has 150 flowers");

    // A deterministic split: every 5th flower is kept aside for testing (30
    // flowers, 10 of each species, since the file lists the species in
    // blocks of 50); the other 120 are for training.
    let (mut train_x, mut train_y, mut test_x, mut test_y) = (vec![], vec![], vec![], vec![]);
    for (i, (&x, &label)) in xs.iter().zip(&labels).enumerate() {
        if i % 5 == 4 {
            test_x.push(x);
            test_y.push(label);
        } else {
            train_x.push(x);
            train_y.push(label);
        }
    }

    // Standardise each measurement to mean 0 and standard deviation 1, with the
    // statistics of the training set only (the test set stays unseen). Gradient
    // descent then takes steps of the same size in every direction.
    let n = train_x.len() as f64;
    let mean: [f64; 4] = std::array::from_fn(|k| train_x.iter().map(|x| x[k]).sum::<f64>() / n);
    let std_dev: [f64; 4] = std::array::from_fn(|k| {
        let variance = train_x
            .iter()
            .map(|x| (x[k] - mean[k]).powi(2))
            .sum::<f64>()
            / n;
        variance.sqrt()
    });
    for x in train_x.iter_mut().chain(test_x.iter_mut()) {
        for k in 0..4 {
            x[k] = (x[k] - mean[k]) / std_dev[k];
        }
    }
    println!(
        "iris: {} training and {} test flowers, {} measurements, {} species",
        train_x.len(),
        test_x.len(),
        mean.len(),
        SPECIES.len()
    );

    // Start with all weights zero: every species is equally likely (p = 1/3),
    // so the loss starts at ln 3 ≈ 1.0986.
    let mut w = vec![[0.0; 4]; SPECIES.len()];
    let mut b = vec![0.0; SPECIES.len()];

    // Check the generated gradient against finite differences once, at a
    // point where it is not trivially zero, before trusting it.
    let probe_w: Vec<[f64; 4]> = (0..3)
        .map(|c| std::array::from_fn(|k| 0.3 * ((4 * c + k) as f64).sin()))
        .collect();
    let report = check_generated_gradient(&probe_w, &[0.1, -0.2, 0.3], &train_x, &train_y);
    assert!(report.passed, "{report}");
    let worst = report.worst.expect("15 entries were checked");
    println!(
        "gradient check: {} entries agree with central differences (largest |difference| {:.1e})",
        report.gradient.len(),
        worst.error
    );

    let epochs = if quick { 50 } else { 1000 };
    let report_every = if quick { 10 } else { 100 };
    let learning_rate = 0.5; // η: the step along the negative gradient

    println!();
    println!("epoch   train loss   train acc");
    for epoch in 0..=epochs {
        // One full-batch step: the loss over the whole training set and its
        // gradient, computed together by the generated function.
        let (loss, (dw, db)) = cross_entropy_grad(&w, &b, &train_x, &train_y);
        if epoch % report_every == 0 {
            let acc = accuracy(&w, &b, &train_x, &train_y);
            println!("{epoch:5}   {loss:10.6}   {acc:9.3}");
        }
        if epoch == epochs {
            break;
        }
        // The gradient points uphill; step the other way:
        // w ← w − η·∂L/∂w,  b ← b − η·∂L/∂b.
        for (row, grad_row) in w.iter_mut().zip(&dw) {
            for (wk, gk) in row.iter_mut().zip(grad_row) {
                *wk -= learning_rate * gk;
            }
        }
        for (bc, gc) in b.iter_mut().zip(&db) {
            *bc -= learning_rate * gc;
        }
    }

    let train_acc = accuracy(&w, &b, &train_x, &train_y);
    let test_acc = accuracy(&w, &b, &test_x, &test_y);
    println!();
    println!("learned weights (rows: species; columns: sepal length, sepal width, petal length, petal width)");
    for (c, name) in SPECIES.iter().enumerate() {
        let row: Vec<String> = w[c].iter().map(|v| format!("{v:+7.3}")).collect();
        println!("  {name:<10} {}   bias {:+7.3}", row.join(" "), b[c]);
    }
    println!();
    println!("train accuracy: {train_acc:.3}");
    println!("test accuracy:  {test_acc:.3}");

    // The confusion matrix of the test flowers: setosa stands apart; the
    // mistakes, if any, are between versicolor and virginica.
    println!();
    println!("test flowers: true species (rows) against predicted (columns)");
    println!(
        "  {:<10} {:>10} {:>10} {:>10}",
        "", SPECIES[0], SPECIES[1], SPECIES[2]
    );
    for (c, name) in SPECIES.iter().enumerate() {
        let counts: Vec<String> = (0..SPECIES.len())
            .map(|p| {
                let n = test_x
                    .iter()
                    .zip(&test_y)
                    .filter(|&(x, &label)| label == c && predict(&w, &b, x) == p)
                    .count();
                format!("{n:>10}")
            })
            .collect();
        println!("  {name:<10} {}", counts.join(" "));
    }
    println!();
    println!("done in {:.2?}", start.elapsed());

    // The quick run (for CI) stops early, so it is held to a lower bar.
    let required = if quick { 0.8 } else { 0.9 };
    assert!(
        test_acc >= required,
        "test accuracy {test_acc} is below {required}"
    );
}
