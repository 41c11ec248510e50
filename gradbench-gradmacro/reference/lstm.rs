//! `lstm` by hand: the objective and its gradient with respect to the main and
//! extra parameters, by a hand-written reverse sweep (ADBench's manual tool
//! propagates Jacobians forward instead; this is the adjoint a person writes).
//!
//! Per cell, with the layer's input `x` and state `(h, c)` before the step:
//!
//! ```text
//! f = σ(x W_f + B_f)   g = σ(h W_i + B_i)   o = σ(x W_o + B_o)   ĉ = tanh(h W_c + B_c)
//! c' = c f + g ĉ       τ = tanh(c')         h' = o τ
//! ```
//!
//! and for adjoints `h̄'` and `c̄'` of the new state:
//!
//! ```text
//! ō = h̄' τ        c̄' += h̄' o (1 − τ²)
//! c̄ = c̄' f        f̄ = c̄' c     ḡ = c̄' ĉ     ĉ̄ = c̄' g
//! z̄_f = f̄ f(1−f)   z̄_g = ḡ g(1−g)   z̄_o = ō o(1−o)   z̄_c = ĉ̄ (1−ĉ²)
//! W̄_f += z̄_f x   B̄_f += z̄_f   (likewise W̄_o with x, W̄_i and W̄_c with h)
//! x̄ = z̄_f W_f + z̄_o W_o        h̄ = z̄_g W_i + z̄_c W_c
//! ```
//!
//! The output `y = h_last w_out + b_out` with `lse = ln(Σ e^y + 2)` gives
//! `ȳ_i = s (gold_i − (Σ gold) e^(y_i) / (Σ e^y + 2))` for the loss's seed
//! `s = −1 / (b (c − 1))`. The forward sweep stores, per character, layer and
//! cell, `x, h, c, f, g, o, ĉ, τ` (the values the reverse needs, so that it
//! evaluates no `exp` or `tanh` again), and per character `y` and the sum;
//! the reverse sweep walks the characters and the layers backwards, carrying
//! `h̄` and `c̄` of every layer's state from one character to the one before.
//!
//! Layouts are GradBench's, flat row-major: `main_params` (per layer the
//! weights `W_f W_i W_o W_c` then the biases, `8b`), `extra_params`
//! (`w_in`, `w_out`, `b_out`), `state` (per layer `h` then `c`), `sequence`
//! (`c` rows of `b`).

// Loops index several buffers in parallel, as the formulas do.
#![allow(clippy::needless_range_loop)]

/// `1 / (1 + e^−x)`.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The objective, written as `lstm.hpp` writes it (a second implementation
/// beside the tool's, with the layers' rows as sub-slices).
pub fn primal(
    l: usize,
    c: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &[f64],
    sequence: &[f64],
) -> f64 {
    let (w_in, rest) = extra_params.split_at(b);
    let (w_out, b_out) = rest.split_at(b);
    let mut state = state.to_vec();
    let mut input = vec![0.0; b];
    let mut total = 0.0;
    for t in 0..c - 1 {
        let chars = &sequence[t * b..(t + 1) * b];
        for i in 0..b {
            input[i] = chars[i] * w_in[i];
        }
        for layer in 0..l {
            let p = &main_params[8 * b * layer..8 * b * (layer + 1)];
            let (hidden, cell) = state[2 * b * layer..2 * b * (layer + 1)].split_at_mut(b);
            for i in 0..b {
                let x = input[i];
                let f = sigmoid(x * p[i] + p[4 * b + i]);
                let g = sigmoid(hidden[i] * p[b + i] + p[5 * b + i]);
                let o = sigmoid(x * p[2 * b + i] + p[6 * b + i]);
                let ch = (hidden[i] * p[3 * b + i] + p[7 * b + i]).tanh();
                cell[i] = cell[i] * f + g * ch;
                hidden[i] = o * cell[i].tanh();
            }
            input.copy_from_slice(hidden);
        }
        let y: Vec<f64> = (0..b).map(|i| input[i] * w_out[i] + b_out[i]).collect();
        let lse = (y.iter().map(|v| v.exp()).sum::<f64>() + 2.0).ln();
        let gold = &sequence[(t + 1) * b..(t + 2) * b];
        for i in 0..b {
            total += gold[i] * (y[i] - lse);
        }
    }
    -total / (b * (c - 1)) as f64
}

/// What the forward sweep keeps of one cell at one character.
#[derive(Clone, Copy, Default)]
struct Cell {
    x: f64,
    h: f64,
    c: f64,
    f: f64,
    g: f64,
    o: f64,
    change: f64,
    tanh_c: f64,
}

/// The objective and its gradient: `∂/∂main_params` then `∂/∂extra_params`,
/// flat, in one vector (as GradBench's `jacobian`).
pub fn gradient(
    l: usize,
    c: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &[f64],
    sequence: &[f64],
) -> (f64, Vec<f64>) {
    let steps = c - 1;
    let (w_in, rest) = extra_params.split_at(b);
    let (w_out, b_out) = rest.split_at(b);
    // Forward, keeping every cell's values, the predictions and the sums.
    let mut cells = vec![Cell::default(); steps * l * b];
    let mut ys = vec![0.0; steps * b];
    let mut sums = vec![0.0; steps];
    let mut state = state.to_vec();
    let mut input = vec![0.0; b];
    let mut total = 0.0;
    for t in 0..steps {
        for i in 0..b {
            input[i] = sequence[t * b + i] * w_in[i];
        }
        for layer in 0..l {
            let p = &main_params[8 * b * layer..8 * b * (layer + 1)];
            let (hidden, cell) = state[2 * b * layer..2 * b * (layer + 1)].split_at_mut(b);
            let kept = &mut cells[(t * l + layer) * b..(t * l + layer + 1) * b];
            for i in 0..b {
                let x = input[i];
                let (h, c) = (hidden[i], cell[i]);
                let f = sigmoid(x * p[i] + p[4 * b + i]);
                let g = sigmoid(h * p[b + i] + p[5 * b + i]);
                let o = sigmoid(x * p[2 * b + i] + p[6 * b + i]);
                let change = (h * p[3 * b + i] + p[7 * b + i]).tanh();
                cell[i] = c * f + g * change;
                let tanh_c = cell[i].tanh();
                hidden[i] = o * tanh_c;
                input[i] = hidden[i];
                kept[i] = Cell {
                    x,
                    h,
                    c,
                    f,
                    g,
                    o,
                    change,
                    tanh_c,
                };
            }
        }
        let y = &mut ys[t * b..(t + 1) * b];
        let mut sum = 0.0;
        for i in 0..b {
            y[i] = input[i] * w_out[i] + b_out[i];
            sum += y[i].exp();
        }
        sum += 2.0;
        sums[t] = sum;
        let lse = sum.ln();
        for i in 0..b {
            total += sequence[(t + 1) * b + i] * (y[i] - lse);
        }
    }
    let seed = -1.0 / (b * steps) as f64;
    let value = seed * total;

    // Reverse: the adjoints of every layer's (h, c) after the character.
    let mut gradient = vec![0.0; 8 * l * b + 3 * b];
    let (d_main, d_extra) = gradient.split_at_mut(8 * l * b);
    let (d_w_in, d_rest) = d_extra.split_at_mut(b);
    let (d_w_out, d_b_out) = d_rest.split_at_mut(b);
    let mut d_state = vec![0.0; 2 * l * b];
    let mut d_input = vec![0.0; b];
    for t in (0..steps).rev() {
        let gold = &sequence[(t + 1) * b..(t + 2) * b];
        let gold_sum: f64 = gold.iter().sum();
        let y = &ys[t * b..(t + 1) * b];
        let last = &cells[(t * l + l - 1) * b..(t * l + l) * b];
        let d_hidden = &mut d_state[2 * b * (l - 1)..2 * b * (l - 1) + b];
        for i in 0..b {
            let d_y = seed * (gold[i] - gold_sum * y[i].exp() / sums[t]);
            let h_last = last[i].o * last[i].tanh_c;
            d_w_out[i] += d_y * h_last;
            d_b_out[i] += d_y;
            d_hidden[i] += d_y * w_out[i];
        }
        for layer in (0..l).rev() {
            let p = &main_params[8 * b * layer..8 * b * (layer + 1)];
            let dp = &mut d_main[8 * b * layer..8 * b * (layer + 1)];
            let (d_hidden, d_cell) = d_state[2 * b * layer..2 * b * (layer + 1)].split_at_mut(b);
            let kept = &cells[(t * l + layer) * b..(t * l + layer + 1) * b];
            for i in 0..b {
                let Cell {
                    x,
                    h,
                    c,
                    f,
                    g,
                    o,
                    change,
                    tanh_c,
                } = kept[i];
                let d_h_new = d_hidden[i];
                let d_o = d_h_new * tanh_c;
                let d_c_new = d_cell[i] + d_h_new * o * (1.0 - tanh_c * tanh_c);
                let d_zf = d_c_new * c * f * (1.0 - f);
                let d_zg = d_c_new * change * g * (1.0 - g);
                let d_zo = d_o * o * (1.0 - o);
                let d_zc = d_c_new * g * (1.0 - change * change);
                dp[i] += d_zf * x;
                dp[4 * b + i] += d_zf;
                dp[b + i] += d_zg * h;
                dp[5 * b + i] += d_zg;
                dp[2 * b + i] += d_zo * x;
                dp[6 * b + i] += d_zo;
                dp[3 * b + i] += d_zc * h;
                dp[7 * b + i] += d_zc;
                d_input[i] = d_zf * p[i] + d_zo * p[2 * b + i];
                d_hidden[i] = d_zg * p[b + i] + d_zc * p[3 * b + i];
                d_cell[i] = d_c_new * f;
            }
            if layer > 0 {
                // The input was the new hidden state of the layer below.
                let below = 2 * b * (layer - 1);
                for i in 0..b {
                    d_state[below + i] += d_input[i];
                }
            } else {
                for i in 0..b {
                    d_w_in[i] += d_input[i] * sequence[t * b + i];
                }
            }
        }
    }
    (value, gradient)
}
