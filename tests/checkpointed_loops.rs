//! Checkpointed time loops: a loop over steps whose body sweeps a state
//! buffer with nested loops saves the state at the start of each step and
//! recomputes the step in the reverse sweep (see the crate docs, "How loops
//! and branches are differentiated"). The gradient must be the store-all
//! one, whatever the loop carries: a state buffer, scratch buffers hoisted
//! out of the loop or made in it, variables (`t += h`), a loss summed inside
//! the step, a `&mut` buffer parameter, helpers lent the stages.
//!
//! Every gradient is checked against central finite differences, a closed
//! form where there is one, and the pullback at seed 2.5.

#![allow(clippy::needless_range_loop)]
#![allow(clippy::manual_memcpy)]
#![allow(clippy::assign_op_pattern)]

mod common;

use common::fusion::{check_pair, check_scalar, check_slice};
use common::{assert_closed, assert_fd_all};
use gradmacro::differentiate;

const K: [f64; 4] = [0.3, 0.7, 1.1, 0.45];
const Y0: [f64; 4] = [1.0, -0.5, 0.8, 0.25];

/// Explicit Euler on `y' = -k y`, entry by entry: `y_i(T) = y0 (1 - k_i h)^s`.
#[differentiate]
fn euler_decay(k: &[f64]) -> f64 {
    let n = k.len();
    let steps = 12;
    let h = 0.05;
    let mut y = vec![1.0; n];
    for _ in 0..steps {
        let mut dy = vec![0.0; n];
        for i in 0..n {
            dy[i] = -k[i] * y[i];
        }
        for i in 0..n {
            y[i] += h * dy[i];
        }
    }
    let mut total = 0.0;
    for i in 0..n {
        total += y[i];
    }
    total
}

#[test]
fn euler_steps_match_the_closed_form() {
    let closed: Vec<f64> = K
        .iter()
        .map(|k| -0.05 * 12.0 * (1.0 - k * 0.05_f64).powi(11))
        .collect();
    check_slice(
        "euler decay",
        (euler_decay, euler_decay_grad, euler_decay_pullback),
        &K,
        &closed,
    );
}

/// The right-hand side of GradBench's ode: `z_0 = x_0`, `z_i = x_i y_{i-1}`.
#[differentiate]
fn chain_rhs(x: &[f64], y: &[f64], z: &mut [f64]) {
    z[0] = x[0];
    for i in 1..x.len() {
        z[i] = x[i] * y[i - 1];
    }
}

/// RK4 with the stages hoisted out of the step loop and filled by a helper.
#[differentiate]
fn rk4_hoisted(x: &[f64]) -> f64 {
    let n = x.len();
    let s = 6;
    let h = 1.5 / s as f64;
    let mut y = vec![0.0; n];
    let mut k1 = vec![0.0; n];
    let mut k2 = vec![0.0; n];
    let mut k3 = vec![0.0; n];
    let mut k4 = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..s {
        chain_rhs(x, &y, &mut k1);
        for i in 0..n {
            tmp[i] = y[i] + h / 2.0 * k1[i];
        }
        chain_rhs(x, &tmp, &mut k2);
        for i in 0..n {
            tmp[i] = y[i] + h / 2.0 * k2[i];
        }
        chain_rhs(x, &tmp, &mut k3);
        for i in 0..n {
            tmp[i] = y[i] + h * k3[i];
        }
        chain_rhs(x, &tmp, &mut k4);
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y[n - 1]
}

/// The same with at most three saved states: checkpointed despite the
/// stages lent to the helper (each saved whole; the copies taken before the
/// loans are skipped by the forward sweep and made when recomputed).
#[differentiate(checkpoints = 3)]
fn rk4_hoisted_bounded(x: &[f64]) -> f64 {
    let n = x.len();
    let s = 6;
    let h = 1.5 / s as f64;
    let mut y = vec![0.0; n];
    let mut k1 = vec![0.0; n];
    let mut k2 = vec![0.0; n];
    let mut k3 = vec![0.0; n];
    let mut k4 = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..s {
        chain_rhs(x, &y, &mut k1);
        for i in 0..n {
            tmp[i] = y[i] + h / 2.0 * k1[i];
        }
        chain_rhs(x, &tmp, &mut k2);
        for i in 0..n {
            tmp[i] = y[i] + h / 2.0 * k2[i];
        }
        chain_rhs(x, &tmp, &mut k3);
        for i in 0..n {
            tmp[i] = y[i] + h * k3[i];
        }
        chain_rhs(x, &tmp, &mut k4);
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y[n - 1]
}

/// The same RK4, inline, stages allocated per step.
#[differentiate]
fn rk4_inline(x: &[f64]) -> f64 {
    let n = x.len();
    let s = 6;
    let h = 1.5 / s as f64;
    let mut y = vec![0.0; n];
    for _ in 0..s {
        let mut k1 = vec![0.0; n];
        k1[0] = x[0];
        for i in 1..n {
            k1[i] = x[i] * y[i - 1];
        }
        let mut k2 = vec![0.0; n];
        k2[0] = x[0];
        for i in 1..n {
            k2[i] = x[i] * (y[i - 1] + h / 2.0 * k1[i - 1]);
        }
        let mut k3 = vec![0.0; n];
        k3[0] = x[0];
        for i in 1..n {
            k3[i] = x[i] * (y[i - 1] + h / 2.0 * k2[i - 1]);
        }
        let mut k4 = vec![0.0; n];
        k4[0] = x[0];
        for i in 1..n {
            k4[i] = x[i] * (y[i - 1] + h * k3[i - 1]);
        }
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y[n - 1]
}

#[test]
fn rk4_hoisted_stages_and_a_helper_match_inline_stages_and_differences() {
    let (value, grad) = rk4_hoisted_grad(&K);
    let (inline_value, inline_grad) = rk4_inline_grad(&K);
    assert_eq!(value, rk4_hoisted(&K));
    assert_eq!(inline_value, rk4_inline(&K));
    assert_fd_all("rk4 hoisted", rk4_hoisted, &K, &grad);
    for (a, b) in grad.iter().zip(&inline_grad) {
        assert_closed("rk4 hoisted vs inline", *a, *b);
    }
    check_slice(
        "rk4 inline",
        (rk4_inline, rk4_inline_grad, rk4_inline_pullback),
        &K,
        &[],
    );
    // Bounded: the same gradient as store-all, bit for bit.
    assert_eq!(rk4_hoisted_bounded_grad(&K), (value, grad));
}

/// A carried time variable and a loss summed inside each step, with a
/// scalar rate.
#[differentiate]
fn forced_with_loss(y0: &[f64], rate: f64) -> f64 {
    let n = y0.len();
    let h = 0.1;
    let mut y = y0.to_vec();
    let mut t = 0.0;
    let mut loss = 0.0;
    for step in 1..=8 {
        for i in 0..n {
            y[i] += h * (-rate * y[i] + t * t * (i + 1) as f64);
        }
        for i in 0..n {
            let target = 0.1 * step as f64;
            loss += (y[i] - target) * (y[i] - target);
        }
        t += h;
    }
    loss
}

#[test]
fn a_carried_time_and_a_loss_summed_in_the_step() {
    check_scalar(
        "forced with loss",
        (
            forced_with_loss,
            forced_with_loss_grad,
            forced_with_loss_pullback,
        ),
        &Y0,
        0.6,
        &[],
    );
}

/// A diffusion stencil: the new state in a second buffer, copied back.
#[differentiate]
fn diffusion(u0: &[f64], alpha: &[f64]) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..10 {
        for i in 0..n {
            let left = if i > 0 { u[i - 1] } else { 0.0 };
            let right = if i + 1 < n { u[i + 1] } else { 0.0 };
            next[i] = u[i] + alpha[i] * (left - 2.0 * u[i] + right);
        }
        for i in 0..n {
            u[i] = next[i];
        }
    }
    let mut energy = 0.0;
    for i in 0..n {
        energy += u[i] * u[i] * (i + 1) as f64;
    }
    energy
}

#[test]
fn a_stencil_copied_back_each_step() {
    let alpha = [0.1, 0.2, 0.15, 0.05];
    check_pair(
        "diffusion",
        (diffusion, diffusion_grad, diffusion_pullback),
        &Y0,
        &alpha,
        &[],
    );
}

/// The state lent by the caller (`&mut [f64]`), stepped in place.
#[differentiate(wrt = [k])]
fn relax_in_place(k: &[f64], y: &mut [f64]) -> f64 {
    let n = k.len();
    for _ in 0..7 {
        for i in 0..n {
            y[i] = y[i] * k[i] + 0.1 * y[(i + 1) % n];
        }
    }
    y[0] + 2.0 * y[n - 1]
}

#[test]
fn a_state_parameter_stepped_in_place() {
    let relax = |k: &[f64]| relax_in_place(k, &mut Y0.to_vec());
    let mut state = Y0.to_vec();
    let (value, grad) = relax_in_place_grad(&K, &mut state);
    assert_eq!(value, relax(&K));
    assert_fd_all("relax in place", relax, &K, &grad);
    // The caller's buffer ends as the plain function leaves it.
    let mut plain_state = Y0.to_vec();
    relax_in_place(&K, &mut plain_state);
    assert_eq!(state, plain_state);
}

/// A caller of a checkpointed function, twice, with different steps.
#[differentiate]
fn two_horizons(k: &[f64]) -> f64 {
    euler_decay(k) * rk4_inline(k)
}

#[test]
fn a_checkpointed_function_composes_through_its_pullbacks() {
    let (value, grad) = two_horizons_grad(&K);
    assert_eq!(value, two_horizons(&K));
    assert_fd_all("two horizons", two_horizons, &K, &grad);
}

/// In `f32`, a rate vector.
#[differentiate]
fn decay_f32(k: &[f32]) -> f32 {
    let n = k.len();
    let mut y = vec![1.0f32; n];
    for _ in 0..5 {
        for i in 0..n {
            y[i] -= 0.1 * k[i] * y[i];
        }
    }
    y[0] + y[n - 1]
}

#[test]
fn in_f32() {
    let k = [0.5f32, 0.25, 0.75];
    let (value, grad) = decay_f32_grad(&k);
    assert_eq!(value, decay_f32(&k));
    // d/dk_0 of (1 - 0.1 k_0)^5 is -0.5 (1 - 0.1 k_0)^4.
    let expected0 = -0.5 * (1.0f32 - 0.05).powi(4);
    assert!((grad[0] - expected0).abs() < 1e-6, "{grad:?}");
    assert_eq!(grad[1], 0.0);
    let expected2 = -0.5 * (1.0f32 - 0.075).powi(4);
    assert!((grad[2] - expected2).abs() < 1e-6, "{grad:?}");
}

/// Buffers changed after the loop: the weights the loop reads (so it is
/// not checkpointed: its recomputation would read the new weights) and the
/// state it carries (checkpointed: the saved state is loaded back).
#[differentiate]
fn changed_after(k: &[f64], w0: &[f64]) -> f64 {
    let n = k.len();
    let mut w = w0.to_vec();
    let mut y = vec![1.0; n];
    for _ in 0..4 {
        for i in 0..n {
            y[i] = y[i] * k[i] + 0.1 * w[i];
        }
    }
    let mut total = 0.0;
    for i in 0..n {
        w[i] = w[i] * y[i];
        y[i] = y[i] * y[i];
    }
    for i in 0..n {
        total += w[i] + y[i];
    }
    total
}

#[differentiate]
fn state_changed_after(k: &[f64]) -> f64 {
    let n = k.len();
    let mut y = vec![1.0; n];
    for _ in 0..4 {
        for i in 0..n {
            y[i] = y[i] * k[i] + 0.1;
        }
    }
    for i in 0..n {
        y[i] = y[i].sin() * k[i];
    }
    let mut total = 0.0;
    for i in 0..n {
        total += y[i];
    }
    total
}

#[test]
fn buffers_changed_after_the_loop() {
    let w0 = [0.5, -0.25, 1.5, 0.75];
    check_pair(
        "changed after",
        (changed_after, changed_after_grad, changed_after_pullback),
        &K,
        &w0,
        &[],
    );
    check_slice(
        "state changed after",
        (
            state_changed_after,
            state_changed_after_grad,
            state_changed_after_pullback,
        ),
        &K,
        &[],
    );
}

/// A weight parameter the loop reads, changed in place after it (the
/// caller's buffer: nothing restores it).
#[differentiate(wrt = [k])]
fn weights_changed_after(k: &[f64], w: &mut [f64]) -> f64 {
    let n = k.len();
    let mut y = vec![1.0; n];
    for _ in 0..4 {
        for i in 0..n {
            y[i] = y[i] * k[i] + w[i] * y[(i + 1) % n];
        }
    }
    for i in 0..n {
        w[i] = 2.0 * y[i];
    }
    y[0] * w[1]
}

#[test]
fn a_parameter_changed_after_the_loop() {
    let w0 = [0.5, -0.25, 1.5, 0.75];
    let f = |k: &[f64]| weights_changed_after(k, &mut w0.to_vec());
    let (value, grad) = weights_changed_after_grad(&K, &mut w0.to_vec());
    assert_eq!(value, f(&K));
    assert_fd_all("weights changed after", f, &K, &grad);
}

/// The RK4 above with at most 3 saved states (Griewank's binomial
/// schedule): the same gradient, bit for bit.
#[differentiate(checkpoints = 3)]
fn rk4_revolve(x: &[f64]) -> f64 {
    let n = x.len();
    let s = 6;
    let h = 1.5 / s as f64;
    let mut y = vec![0.0; n];
    for _ in 0..s {
        let mut k1 = vec![0.0; n];
        k1[0] = x[0];
        for i in 1..n {
            k1[i] = x[i] * y[i - 1];
        }
        let mut k2 = vec![0.0; n];
        k2[0] = x[0];
        for i in 1..n {
            k2[i] = x[i] * (y[i - 1] + h / 2.0 * k1[i - 1]);
        }
        let mut k3 = vec![0.0; n];
        k3[0] = x[0];
        for i in 1..n {
            k3[i] = x[i] * (y[i - 1] + h / 2.0 * k2[i - 1]);
        }
        let mut k4 = vec![0.0; n];
        k4[0] = x[0];
        for i in 1..n {
            k4[i] = x[i] * (y[i - 1] + h * k3[i - 1]);
        }
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y[n - 1]
}

/// A carried variable and a loss, with one saved state only (each step
/// recomputed from the start).
#[differentiate(checkpoints = 1)]
fn forced_one_state(y0: &[f64], rate: f64) -> f64 {
    let n = y0.len();
    let h = 0.1;
    let mut y = y0.to_vec();
    let mut t = 0.0;
    let mut loss = 0.0;
    for step in 1..=8 {
        for i in 0..n {
            y[i] += h * (-rate * y[i] + t * t * (i + 1) as f64);
        }
        for i in 0..n {
            let target = 0.1 * step as f64;
            loss += (y[i] - target) * (y[i] - target);
        }
        t += h;
    }
    loss
}

#[test]
fn a_binomial_schedule_gives_the_same_gradients() {
    let (value, grad) = rk4_revolve_grad(&K);
    let (all_value, all_grad) = rk4_inline_grad(&K);
    assert_eq!(value, all_value);
    assert_eq!(grad, all_grad);
    check_slice(
        "rk4 revolve",
        (rk4_revolve, rk4_revolve_grad, rk4_revolve_pullback),
        &K,
        &[],
    );
    let (value, (dy, dr)) = forced_one_state_grad(&Y0, 0.6);
    let (all_value, (all_dy, all_dr)) = forced_with_loss_grad(&Y0, 0.6);
    assert_eq!(value, all_value);
    assert_eq!((dy, dr), (all_dy, all_dr));
    check_scalar(
        "forced, one state",
        (
            forced_one_state,
            forced_one_state_grad,
            forced_one_state_pullback,
        ),
        &Y0,
        0.6,
        &[],
    );
}

/// A wave equation with three buffers rotated by `mem::swap`.
#[differentiate]
fn wave_swapped(u0: &[f64], c: f64) -> f64 {
    let n = u0.len();
    let c2 = c * c;
    let mut prev = u0.to_vec();
    let mut cur = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..9 {
        for i in 1..n - 1 {
            next[i] = 2.0 * cur[i] - prev[i] + c2 * (cur[i + 1] - 2.0 * cur[i] + cur[i - 1]);
        }
        next[0] = 0.0;
        next[n - 1] = 0.0;
        std::mem::swap(&mut prev, &mut cur);
        std::mem::swap(&mut cur, &mut next);
    }
    let mut energy = 0.0;
    for i in 0..n {
        energy += cur[i] * cur[i] + 0.5 * (cur[i] - prev[i]) * (cur[i] - prev[i]);
    }
    energy
}

/// Stencils rotating their buffers by `mem::replace` and `mem::take`.
#[differentiate]
fn diffusion_replaced(u0: &[f64], r: f64) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..6 {
        for i in 1..n - 1 {
            next[i] = u[i] + r * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        next[0] = u[0];
        next[n - 1] = u[n - 1];
        u = std::mem::replace(&mut next, vec![0.0; n]);
    }
    u.iter().map(|v| v * v * v).sum()
}

#[differentiate]
fn diffusion_taken(u0: &[f64], r: f64) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    for _ in 0..6 {
        let mut next = vec![0.0; n];
        for i in 1..n - 1 {
            next[i] = u[i] + r * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        next[0] = u[0];
        next[n - 1] = u[n - 1];
        u = std::mem::take(&mut next);
    }
    u.iter().map(|v| v * v * v).sum()
}

#[test]
fn buffers_rotated_by_swap_replace_and_take() {
    check_scalar(
        "wave swapped",
        (wave_swapped, wave_swapped_grad, wave_swapped_pullback),
        &Y0,
        0.6,
        &[],
    );
    check_scalar(
        "diffusion replaced",
        (
            diffusion_replaced,
            diffusion_replaced_grad,
            diffusion_replaced_pullback,
        ),
        &Y0,
        0.2,
        &[],
    );
    check_scalar(
        "diffusion taken",
        (
            diffusion_taken,
            diffusion_taken_grad,
            diffusion_taken_pullback,
        ),
        &Y0,
        0.2,
        &[],
    );
}

/// A scratch buffer refilled each step, extended after the loop: the
/// recomputed steps must see its length then (found by the fuzzer: the
/// recomputation ran over the extended length and indexed past its tapes).
#[differentiate]
fn scratch_extended_after(v: &[f64]) -> f64 {
    let mut h = vec![0.5; 3];
    let mut s = 0.5;
    for i in 0..3 {
        for j in 0..h.len() {
            h[j] = v[j] * (i + 1) as f64;
        }
        s += h[i] * s;
    }
    h.extend_from_slice(v);
    s + h[4]
}

#[test]
fn a_buffer_extended_after_the_loop() {
    check_slice(
        "scratch extended after",
        (
            scratch_extended_after,
            scratch_extended_after_grad,
            scratch_extended_after_pullback,
        ),
        &K,
        &[],
    );
}

/// Two checkpointed loops carrying the same variable keep their states
/// apart (found by the fuzzer: the second loop's states shadowed the
/// first's).
#[differentiate]
fn two_loops_one_variable(v: &[f64], w: f64) -> f64 {
    let n = v.len();
    let mut s = 0.5;
    for _ in 0..3 {
        for i in 0..n {
            s = s * 0.9 + w * v[i];
        }
    }
    let first = s;
    for step in 0..2 {
        for i in 0..n {
            s = s * 0.8 + (step + 1) as f64 * v[i] * w;
        }
    }
    first * s
}

#[test]
fn two_checkpointed_loops_carry_one_variable() {
    check_scalar(
        "two loops, one variable",
        (
            two_loops_one_variable,
            two_loops_one_variable_grad,
            two_loops_one_variable_pullback,
        ),
        &K,
        0.7,
        &[],
    );
}

/// Generic over the float type, with two saved states and with one per step.
#[differentiate(checkpoints = 2)]
fn decay_generic<T: gradmacro::num_traits::Float>(k: &[T], steps: usize) -> T {
    let n = k.len();
    let mut y = vec![T::one(); n];
    let mut t = T::zero();
    for _ in 0..steps {
        for i in 0..n {
            y[i] = y[i] - k[i] * y[i] * T::from(0.1).unwrap() + t;
        }
        t = t + T::from(0.01).unwrap();
    }
    y[0] + y[n - 1]
}

#[differentiate]
fn decay_generic_every_step<T: gradmacro::num_traits::Float>(k: &[T], steps: usize) -> T {
    let n = k.len();
    let mut y = vec![T::one(); n];
    let mut t = T::zero();
    for _ in 0..steps {
        for i in 0..n {
            y[i] = y[i] - k[i] * y[i] * T::from(0.1).unwrap() + t;
        }
        t = t + T::from(0.01).unwrap();
    }
    y[0] + y[n - 1]
}

#[test]
fn generic_floats_in_both_modes() {
    let (value, grad) = decay_generic_grad(&K, 7);
    assert_eq!((value, grad.clone()), decay_generic_every_step_grad(&K, 7));
    assert_fd_all("decay generic", |k| decay_generic(k, 7), &K, &grad);
    let k32 = [0.5f32, 0.25, 0.75];
    let (value32, grad32) = decay_generic_grad(&k32, 7);
    assert_eq!((value32, grad32), decay_generic_every_step_grad(&k32, 7));
}

/// A scratch buffer the time loop only overwrites, read again by the
/// reverse of a loop before it (it restores what its stores overwrite):
/// the reverse of the time loop must leave it as it was before the loop.
#[differentiate]
fn scratch_reread_before(x: &[f64]) -> f64 {
    let n = x.len();
    let mut h = vec![0.0; n];
    let mut y = vec![1.0; n];
    let mut s = 0.0;
    for j in 0..n {
        h[j] = x[j] * x[j];
    }
    for j in 0..n {
        for k in 0..n {
            for m in 0..2 {
                s = s * 0.5 + h[j] * h[k] * x[m];
            }
        }
    }
    for _ in 0..3 {
        for j in 0..n {
            h[j] = y[j] * x[j];
        }
        for j in 0..n {
            y[j] += h[j] * h[j] * 0.1;
        }
    }
    s + y[0] + y[n - 1]
}

#[test]
fn a_scratch_buffer_the_code_before_reads_again() {
    check_slice(
        "scratch reread before",
        (
            scratch_reread_before,
            scratch_reread_before_grad,
            scratch_reread_before_pullback,
        ),
        &K,
        &[],
    );
}

/// Every state kept in one buffer, each step writing its own part (a
/// history, as a hand-written adjoint stores it): store-all, not
/// checkpointed (saving the history per step would cost O(steps²)).
#[differentiate(wrt = [u0, kappa])]
fn heat_history(u0: &[f64], kappa: f64, target: &[f64], steps: usize) -> f64 {
    let n = u0.len();
    let mut st = vec![0.0; (steps + 1) * n];
    for i in 0..n {
        st[i] = u0[i];
    }
    for s in 0..steps {
        st[(s + 1) * n] = st[s * n];
        st[(s + 1) * n + n - 1] = st[s * n + n - 1];
        for i in 1..n - 1 {
            st[(s + 1) * n + i] = st[s * n + i]
                + kappa * (st[s * n + i - 1] - 2.0 * st[s * n + i] + st[s * n + i + 1]);
        }
    }
    let mut loss = 0.0;
    for i in 0..n {
        loss += (st[steps * n + i] - target[i]).powi(2);
    }
    loss
}

#[test]
fn a_history_of_states_in_one_buffer() {
    let u0 = [0.1, 0.9, 0.4, -0.3, 0.2, 0.7];
    let target = [0.0, 0.5, 0.5, 0.0, 0.1, 0.3];
    let kappa = 0.2;
    let (value, (du0, dkappa)) = heat_history_grad(&u0, kappa, &target, 7);
    assert_closed("value", value, heat_history(&u0, kappa, &target, 7));
    let mut all = du0.clone();
    all.push(dkappa);
    let at: Vec<f64> = u0.iter().copied().chain([kappa]).collect();
    assert_fd_all(
        "heat history",
        |p| heat_history(&p[..6], p[6], &target, 7),
        &at,
        &all,
    );
}
