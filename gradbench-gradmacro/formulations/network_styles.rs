//! Two-layer tanh network: input 8, hidden 16 (tanh), output 1 (linear),
//! squared-error loss, mean over the batch.

use gradmacro::differentiate;

pub const N_IN: usize = 8;
pub const N_HIDDEN: usize = 16;

/// 2a. Flat weight slices (`w1` is 16x8 row-major), inputs flat `batch x 8`,
/// a hidden buffer allocated once before the loop over samples and
/// overwritten per sample.
#[differentiate(wrt = [w1, b1, w2, b2])]
pub fn net_flat(w1: &[f64], b1: &[f64], w2: &[f64], b2: f64, x: &[f64], y: &[f64]) -> f64 {
    let batch = y.len();
    let mut hidden = vec![0.0; N_HIDDEN];
    let mut loss = 0.0;
    for s in 0..batch {
        for j in 0..N_HIDDEN {
            let mut z = b1[j];
            for i in 0..N_IN {
                z += w1[j * N_IN + i] * x[s * N_IN + i];
            }
            hidden[j] = z.tanh();
        }
        let mut out = b2;
        for j in 0..N_HIDDEN {
            out += w2[j] * hidden[j];
        }
        let err = out - y[s];
        loss += err * err;
    }
    loss / batch as f64
}

/// Helper for 2b/2c.
#[differentiate]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * b[i];
    }
    s
}

/// 2b. Rows as fixed arrays `&[[f64; 8]]`, a per-sample hidden `Vec` filled by
/// `push`, the differentiated `dot` helper called in the loop.
#[differentiate(wrt = [w1, b1, w2, b2])]
pub fn net_rows(
    w1: &[[f64; N_IN]],
    b1: &[f64],
    w2: &[f64],
    b2: f64,
    x: &[[f64; N_IN]],
    y: &[f64],
) -> f64 {
    let mut loss = 0.0;
    for (s, xs) in x.iter().enumerate() {
        let mut hidden = Vec::with_capacity(w1.len());
        for j in 0..w1.len() {
            hidden.push((dot(&w1[j], xs) + b1[j]).tanh());
        }
        let pred = dot(w2, &hidden) + b2;
        loss += (pred - y[s]).powi(2);
    }
    loss / y.len() as f64
}

/// 2c. Rows as `&[Vec<f64>]`, a per-sample hidden `vec![0.0; n]` written by
/// index, the `dot` helper.
#[differentiate(wrt = [w1, b1, w2, b2])]
pub fn net_vecs(
    w1: &[Vec<f64>],
    b1: &[f64],
    w2: &[f64],
    b2: f64,
    x: &[Vec<f64>],
    y: &[f64],
) -> f64 {
    let n_hidden = w1.len();
    let mut loss = 0.0;
    for s in 0..x.len() {
        let mut hidden = vec![0.0; n_hidden];
        for j in 0..n_hidden {
            hidden[j] = (dot(&w1[j], &x[s]) + b1[j]).tanh();
        }
        let pred = dot(w2, &hidden) + b2;
        let err = pred - y[s];
        loss += err * err;
    }
    loss / y.len() as f64
}

/// Hand-written gradient of [`net_flat`]: `(loss, (dw1, db1, dw2, db2))`.
#[allow(clippy::type_complexity)]
pub fn net_hand_grad(
    w1: &[f64],
    b1: &[f64],
    w2: &[f64],
    b2: f64,
    x: &[f64],
    y: &[f64],
) -> (f64, (Vec<f64>, Vec<f64>, Vec<f64>, f64)) {
    let batch = y.len();
    let scale = 1.0 / batch as f64;
    let mut dw1 = vec![0.0; N_HIDDEN * N_IN];
    let mut db1 = vec![0.0; N_HIDDEN];
    let mut dw2 = vec![0.0; N_HIDDEN];
    let mut db2 = 0.0;
    let mut hidden = [0.0; N_HIDDEN];
    let mut loss = 0.0;
    for s in 0..batch {
        let xs = &x[s * N_IN..(s + 1) * N_IN];
        for j in 0..N_HIDDEN {
            let mut z = b1[j];
            for i in 0..N_IN {
                z += w1[j * N_IN + i] * xs[i];
            }
            hidden[j] = z.tanh();
        }
        let mut out = b2;
        for j in 0..N_HIDDEN {
            out += w2[j] * hidden[j];
        }
        let err = out - y[s];
        loss += err * err;
        let dout = 2.0 * err * scale;
        db2 += dout;
        for j in 0..N_HIDDEN {
            dw2[j] += dout * hidden[j];
            let dz = dout * w2[j] * (1.0 - hidden[j] * hidden[j]);
            db1[j] += dz;
            for i in 0..N_IN {
                dw1[j * N_IN + i] += dz * xs[i];
            }
        }
    }
    (loss * scale, (dw1, db1, dw2, db2))
}

/// 2d (extra). Iterator style on the flat layout: `w1.chunks(N_IN).zip(b1)`,
/// the pre-activation as a `zip/map/sum` chain inside a `map` closure,
/// collected into the hidden layer.
#[differentiate(wrt = [w1, b1, w2, b2])]
pub fn net_iter(w1: &[f64], b1: &[f64], w2: &[f64], b2: f64, x: &[f64], y: &[f64]) -> f64 {
    let mut loss = 0.0;
    for (xs, &target) in x.chunks(N_IN).zip(y) {
        let hidden: Vec<f64> = w1
            .chunks(N_IN)
            .zip(b1)
            .map(|(row, b)| (row.iter().zip(xs).map(|(w, v)| w * v).sum::<f64>() + b).tanh())
            .collect();
        let pred: f64 = w2.iter().zip(&hidden).map(|(w, h)| w * h).sum::<f64>() + b2;
        loss += (pred - target).powi(2);
    }
    loss / y.len() as f64
}
