//! Buffers whose stores save what they overwrite (`gradmacro-derive/src/restore.rs`)
//! and reverse loops that sum a loop-invariant entry's adjoint in a local
//! (`reverse/invariant.rs`).
//!
//! Each function below refills a buffer inside loops and reads it more often
//! than it writes it, so that restoring is chosen; around that, the cases where
//! re-reading would go wrong if done carelessly: a read followed by a store in
//! its block, stores under `if` and `break`, buffers local to a fused
//! iteration, constant buffers, two-dimensional buffers, reads that share
//! an entry with reads that do not, and states overwritten whole each step
//! (`mem::swap`, `h = next`), saved whole there and put back. Every gradient is checked against central
//! finite differences of the original; `NAME_pullback` with seed 2.5 must give
//! the same value and 2.5 × the gradient.

#![allow(clippy::needless_range_loop)]

mod common;

use common::fusion::{check_pair, Pair};
use gradmacro::differentiate;

const W: [f64; 4] = [0.8, -0.6, 1.1, 0.35];
const XS: [f64; 5] = [0.5, -1.2, 0.9, 0.3, -0.45];

/// A scratch refilled per sample and read by a triangular loop nest (the
/// Cholesky-factor product of a mixture model); the sum is not fused (its
/// `sin` is taken after the loop), so the sweep is store-all.
#[differentiate]
fn triangular(w: &[f64], xs: &[f64]) -> f64 {
    let d = w.len();
    let mut xc = vec![0.0; d];
    let mut y = vec![0.0; d];
    let mut s = 0.0;
    for &x in xs {
        for j in 0..d {
            xc[j] = x * w[j] - w[(j + 1) % d];
        }
        for j in 0..d {
            y[j] = xc[j] * w[j];
        }
        let mut e = 0;
        for col in 0..d {
            for row in col + 1..d {
                y[row] += w[e % d] * xc[col];
                e += 1;
            }
        }
        for j in 0..d {
            s += y[j] * y[j];
        }
    }
    s.sin()
}

/// Reads followed by a store of the same buffer in their block (saved), next
/// to reads that are not (read again); the buffer carries a state from one
/// sample to the next.
#[differentiate]
fn carried(w: &[f64], xs: &[f64]) -> f64 {
    let d = w.len();
    let mut h = vec![0.1; d];
    let mut s = 0.0;
    for &x in xs {
        for j in 0..d {
            let old = h[j];
            h[j] = (old * w[j] + x).tanh();
        }
        for a in 0..d {
            for b in 0..d {
                s += h[a] * h[b] * w[(a + b) % d];
            }
        }
    }
    s.cos()
}

/// Stores under `if` and a loop left by `break`.
#[differentiate]
fn branchy(w: &[f64], xs: &[f64]) -> f64 {
    let d = w.len();
    let mut z = vec![0.0; d];
    let mut s = 0.0;
    for &x in xs {
        for j in 0..d {
            if w[j] * x > 0.0 {
                z[j] = (w[j] * x).exp();
            } else {
                z[j] = w[j] - x;
            }
            if j == 2 && x < -1.0 {
                break;
            }
        }
        for a in 0..d {
            for b in 0..d {
                s += z[a] * z[b];
            }
        }
        s = s.sqrt();
    }
    s
}

/// A buffer local to a fused iteration, refilled by an inner loop and read
/// by a nested one.
#[differentiate]
fn local_to_iteration(w: &[f64], xs: &[f64]) -> f64 {
    let d = w.len();
    let mut s = 0.0;
    for &x in xs {
        let mut t = vec![0.0; d];
        let mut acc = 0.0;
        for rep in 0..2 {
            for j in 0..d {
                t[j] = (w[j] * x + rep as f64).sin();
            }
            for a in 0..d {
                for b in 0..d {
                    acc += t[a] * w[b] * t[b];
                }
            }
        }
        s += acc;
    }
    s
}

/// A constant buffer (weights computed from data only) refilled in a loop and
/// used as factors, and a two-dimensional scratch.
#[differentiate]
fn constant_and_rows(w: &[f64], xs: &[f64]) -> f64 {
    let d = w.len();
    let mut c = vec![0.0; d];
    let mut m = vec![[0.0; 2]; d];
    let mut s = 0.0;
    for &x in xs {
        for j in 0..d {
            c[j] = (j as f64 + 1.0) * 0.5;
            m[j][0] = w[j] * x;
            m[j][1] = w[j] - x;
        }
        for a in 0..d {
            for b in 0..d {
                s += c[a] * m[a][0] * m[b][1] + c[b] * m[b][0];
            }
        }
        s *= 0.5;
    }
    s
}

/// The same entry read at a loop-invariant index and at varying ones, inside
/// a loop with `break`: summed in a local and added directly, side by side.
#[differentiate]
fn shared_entries(w: &[f64], xs: &[f64]) -> f64 {
    let d = w.len();
    let mut s = 0.0;
    for i in 0..d {
        for j in 0..d {
            s += w[i] * w[j] * xs[j] + (w[i] * xs[i]).sin();
            if s > 40.0 {
                break;
            }
        }
        s *= 0.9;
    }
    s
}

#[test]
fn restored_buffers_give_the_same_gradients() {
    let cases: [(&str, Pair); 5] = [
        (
            "triangular",
            (triangular, triangular_grad, triangular_pullback),
        ),
        ("carried", (carried, carried_grad, carried_pullback)),
        ("branchy", (branchy, branchy_grad, branchy_pullback)),
        (
            "local to iteration",
            (
                local_to_iteration,
                local_to_iteration_grad,
                local_to_iteration_pullback,
            ),
        ),
        (
            "constant and rows",
            (
                constant_and_rows,
                constant_and_rows_grad,
                constant_and_rows_pullback,
            ),
        ),
    ];
    for (what, f) in cases {
        check_pair(what, f, &W, &XS, &[]);
    }
}

#[test]
fn summed_invariant_entries_give_the_same_gradients() {
    let f: Pair = (shared_entries, shared_entries_grad, shared_entries_pullback);
    check_pair("shared entries", f, &W, &XS, &[]);
}

/// A state rotated by `mem::swap` each step (an RNN): its contents are saved
/// whole at the swap and put back in the reverse sweep, so the reads of the
/// state in the step's matrix–vector product are read again, not saved.
#[differentiate]
fn swapped_state(w: &[f64], xs: &[f64]) -> f64 {
    let n = 3;
    let mut h = vec![0.1; n];
    let mut next = vec![0.0; n];
    let mut loss = 0.0;
    for t in 0..xs.len() {
        for i in 0..n {
            let mut s = xs[t] * w[i];
            for j in 0..n {
                s += w[(i * n + j) % w.len()] * h[j];
            }
            next[i] = s.tanh();
        }
        std::mem::swap(&mut h, &mut next);
        loss += h[0] * h[1] + next[2];
    }
    loss
}

/// The same with the state reassigned from a buffer made per step.
#[differentiate]
fn reassigned_state(w: &[f64], xs: &[f64]) -> f64 {
    let n = 3;
    let mut h = vec![0.1; n];
    let mut loss = 0.0;
    for t in 0..xs.len() {
        let mut next = vec![0.0; n];
        for i in 0..n {
            let mut s = xs[t] * w[i];
            for j in 0..n {
                s += w[(i * n + j) % w.len()] * h[j];
            }
            next[i] = s.sin();
        }
        h = next;
        loss += h[0] * h[2];
    }
    loss
}

#[test]
fn states_overwritten_whole_are_put_back() {
    let f: Pair = (swapped_state, swapped_state_grad, swapped_state_pullback);
    check_pair("swapped state", f, &W, &XS, &[]);
    let f: Pair = (
        reassigned_state,
        reassigned_state_grad,
        reassigned_state_pullback,
    );
    check_pair("reassigned state", f, &W, &XS, &[]);
}

/// A stencil's state copied from a parameter (`to_vec`) and rotated by
/// `mem::swap` in a checkpointed time loop: restored too (its element reads
/// and stores take one index), inside each recomputed step.
#[differentiate]
fn swapped_stencil(w: &[f64], xs: &[f64]) -> f64 {
    let n = xs.len();
    let mut u = xs.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..4 {
        next[0] = u[0];
        next[n - 1] = u[n - 1];
        for i in 1..n - 1 {
            next[i] = u[i] + w[0] * (u[i - 1] - 2.0 * u[i] + u[i + 1]) + w[1] * u[i] * u[i];
        }
        std::mem::swap(&mut u, &mut next);
    }
    let mut loss = 0.0;
    for i in 0..n {
        loss += u[i] * u[i] * (i as f64 + 1.0);
    }
    loss
}

#[test]
fn a_copied_state_rotated_in_a_checkpointed_loop() {
    let f: Pair = (
        swapped_stencil,
        swapped_stencil_grad,
        swapped_stencil_pullback,
    );
    check_pair("swapped stencil", f, &W, &XS, &[]);
}
