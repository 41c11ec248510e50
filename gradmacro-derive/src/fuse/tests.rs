//! Unit tests of loop fusion: token streams in, the fused loops' descriptions out.

use crate::attr::Options;
use crate::{activity, lower, signature};
use proc_macro2::TokenStream;
use quote::quote;

/// The fusion of a function differentiated with respect to every parameter
/// that can be, as its dump prints it.
fn fusion(item: TokenStream) -> String {
    let function: syn::ItemFn = syn::parse2(item).unwrap();
    let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
    let lowered = lower::lower(&function.block, &sig).unwrap();
    let wrt: Vec<_> = sig.wrt.iter().filter_map(|&i| lowered.params[i]).collect();
    let activity = activity::analyze(&lowered.body, &wrt, &[]).unwrap();
    super::analyze(
        &lowered.body,
        &activity,
        super::Options {
            defer: true,
            seeded: &[],
            bounded: false,
        },
    )
    .to_string()
}

#[test]
fn a_returned_sum_exits_with_the_seed() {
    let dump = fusion(quote!(
        fn rosenbrock(x: &[f64]) -> f64 {
            let mut f = 0.0;
            for i in 0..x.len() / 2 {
                let t = x[2 * i] * x[2 * i] - x[2 * i + 1];
                f += 100.0 * t * t + (x[2 * i] - 1.0) * (x[2 * i] - 1.0);
            }
            f
        }
    ));
    // `x[2 * i]` is written three times but read once (the later reads are
    // copies of the first): each entry gets one contribution, assigned.
    assert_eq!(
        dump,
        "fused loop b1: s0 exits with seed; adds into [v0]\nsole contributions: v12, v21\n"
    );
}

#[test]
fn a_mean_hoists_its_divisor() {
    let dump = fusion(quote!(
        fn mse(w: f64, xs: &[f64], ys: &[f64]) -> f64 {
            let mut loss = 0.0;
            for (x, y) in xs.iter().zip(ys) {
                let r = w * x - y;
                loss -= -r * r;
            }
            0.5 * (loss / xs.len() as f64)
        }
    ));
    // The factors are collected from the sum outwards: `/ len`, then `0.5 *`.
    assert_eq!(
        dump,
        "fused loop b1: s0 exits with seed / v23 * v20; hoists v20, v22, v23; adds into [v0, v1, v2]\n\
         sole contributions: v12, v13\n"
    );
}

#[test]
fn nonlinear_uses_of_the_sum_defer_the_exit_adjoint() {
    for item in [
        quote!(
            fn norm(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for v in x {
                    s += v * v;
                }
                s.sqrt()
            }
        ),
        quote!(
            fn twice(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for v in x {
                    s += v * v;
                }
                s * s
            }
        ),
    ] {
        assert_eq!(
            fusion(item),
            "fused loop b1: s0 exits with an adjoint the code after it gives, scaling [v0] and setting aside []; adds into [v0]\n\
             sole contributions: v8\n"
        );
    }
    // `w` and `shift`'s adjoints also receive the code after the loop's
    // contributions: the loop's are set aside until its exit adjoint is known.
    let dump = fusion(quote!(
        fn lse(x: &[f64], shift: f64) -> f64 {
            let mut total = 0.0;
            for v in x {
                total += (v - shift).exp();
            }
            total.ln() + shift
        }
    ));
    assert!(
        dump.starts_with("fused loop b1: s0 exits with an adjoint the code after it gives, scaling [v0] and setting aside [v1]"),
        "{dump}"
    );
}

#[test]
fn deferring_needs_adjoints_nothing_else_adds_into() {
    for item in [
        // `x` is read again after the loop: its adjoint receives that read's
        // contribution before the loop's exit adjoint is known.
        quote!(
            fn norm_plus(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for v in x {
                    s += v * v;
                }
                s.sqrt() + x[0]
            }
        ),
        // `y` is written after the loop: its store takes the adjoint first.
        quote!(
            fn rewritten(x: &[f64]) -> f64 {
                let mut y = x.to_vec();
                let mut s = 0.0;
                for i in 0..y.len() {
                    s += y[i] * y[i];
                }
                y[0] = s;
                s.sqrt() * y[0]
            }
        ),
    ] {
        assert_not_fused(
            &fusion(item),
            &["other than as a sum into the result", "is written after it"],
        );
    }
}

#[test]
fn an_accumulator_read_for_something_else_keeps_the_loop_apart() {
    let dump = fusion(quote!(
        fn capped(x: &[f64]) -> f64 {
            let mut s = 0.0;
            for v in x {
                s = s + v * s;
            }
            s
        }
    ));
    assert_not_fused(&dump, &["does not use", "other than as"]);
}

#[test]
fn carried_state_keeps_the_loop_apart() {
    let dump = fusion(quote!(
        fn logistic(x0: f64, r: f64) -> f64 {
            let mut x = x0;
            for _ in 0..10 {
                x = r * x * (1.0 - x);
            }
            x
        }
    ));
    assert_not_fused(&dump, &["other than as"]);
}

#[test]
fn a_scratch_buffer_overwritten_whole_fuses() {
    let dump = fusion(quote!(
        fn net(w: &[[f64; 2]], v: &[f64], xs: &[[f64; 2]]) -> f64 {
            let mut hidden = vec![0.0; w.len()];
            let mut loss = 0.0;
            for x in xs {
                for j in 0..w.len() {
                    hidden[j] = (w[j][0] * x[0] + w[j][1] * x[1]).tanh();
                }
                let mut out = 0.0;
                for j in 0..hidden.len() {
                    out += v[j] * hidden[j];
                }
                loss += out * out;
            }
            loss
        }
    ));
    assert!(dump.starts_with("fused loop"), "{dump}");
}

#[test]
fn scratch_refilled_inside_a_nested_loop_fuses() {
    // Hoisted out of the loop over points, refilled per point and component
    // (a plainly written GMM), and snapshot by a call's argument.
    let dump = fusion(quote!(
        fn mixture(mu: &[f64], a: &[f64], xs: &[f64]) -> f64 {
            let d = 2;
            let k = a.len();
            let mut xc = vec![0.0; d];
            let mut terms = vec![0.0; k];
            let mut total = 0.0;
            for i in 0..xs.len() / d {
                for c in 0..k {
                    for j in 0..d {
                        xc[j] = xs[i * d + j] - mu[c * d + j];
                    }
                    let mut sq = 0.0;
                    for j in 0..d {
                        sq += xc[j] * xc[j];
                    }
                    terms[c] = a[c] - sq;
                }
                total += sum_exp(&terms);
            }
            total
        }
    ));
    assert!(dump.starts_with("fused loop"), "{dump}");
}

#[test]
fn buffers_carried_between_iterations_keep_the_loop_apart() {
    for item in [
        // Only part of the buffer is overwritten.
        quote!(
            fn partial(w: &[f64], xs: &[f64]) -> f64 {
                let mut h = vec![0.0; w.len()];
                let mut s = 0.0;
                for x in xs {
                    for j in 1..w.len() {
                        h[j] = w[j] * x + h[j - 1];
                    }
                    s += h[w.len() - 1];
                }
                s
            }
        ),
        // Read before it is overwritten.
        quote!(
            fn stale(w: &[f64], xs: &[f64]) -> f64 {
                let mut h = vec![0.0; w.len()];
                let mut s = 0.0;
                for x in xs {
                    s += h[0];
                    for j in 0..w.len() {
                        h[j] = w[j] * x;
                    }
                }
                s
            }
        ),
        // Read after the loop.
        quote!(
            fn kept(w: &[f64], xs: &[f64]) -> f64 {
                let mut h = vec![0.0; w.len()];
                let mut s = 0.0;
                for x in xs {
                    for j in 0..w.len() {
                        h[j] = w[j] * x;
                    }
                    s += h[0];
                }
                s + h[1]
            }
        ),
        // Refilled in a nested loop that may run zero times, then read
        // after it: what it read may be the previous iteration's.
        quote!(
            fn skipped(w: &[f64], xs: &[f64]) -> f64 {
                let mut h = vec![0.0; w.len()];
                let mut s = 0.0;
                for i in 0..xs.len() {
                    for _ in i..2 {
                        for j in 0..w.len() {
                            h[j] = w[j] * xs[i];
                        }
                    }
                    s += h[0];
                }
                s
            }
        ),
        // Refilled in a nested loop, but read there before it is refilled.
        quote!(
            fn early(w: &[f64], xs: &[f64]) -> f64 {
                let mut h = vec![0.0; w.len()];
                let mut s = 0.0;
                for x in xs {
                    for c in 0..2 {
                        s += h[c];
                        for j in 0..w.len() {
                            h[j] = w[j] * x;
                        }
                    }
                }
                s
            }
        ),
    ] {
        assert_not_fused(&fusion(item), &["read across iterations or after it"]);
    }
}

#[test]
fn a_buffer_written_after_the_loop_keeps_it_apart() {
    let dump = fusion(quote!(
        fn later(x: &[f64]) -> f64 {
            let mut y = x.to_vec();
            let mut s = 0.0;
            for i in 0..y.len() {
                s += y[i] * y[i];
            }
            y[0] = 2.0 * x[1];
            s + y[0]
        }
    ));
    assert_not_fused(&dump, &["is written after it"]);
}

#[test]
fn overlapping_reads_add_their_contributions() {
    for item in [
        // `x[i + 1]` of one iteration is `x[i]` of the next.
        quote!(
            fn chain(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() - 1 {
                    s += x[i] * x[i + 1];
                }
                s
            }
        ),
        // The same entry read again in a nested block.
        quote!(
            fn twice(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i].sin();
                    if x[i] > 0.0 {
                        s += x[i];
                    }
                }
                s
            }
        ),
    ] {
        let dump = fusion(item);
        assert!(dump.starts_with("fused loop"), "{dump}");
        assert!(!dump.contains("sole"), "{dump}");
    }
    // Read again after the loop, outside any fused loop: that read adds into
    // the adjoint in the reverse sweep, after the loop's assignments.
    let dump = fusion(quote!(
        fn again(x: &[f64]) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += x[i].exp();
            }
            s + x[0]
        }
    ));
    assert!(dump.ends_with("sole contributions: v8\n"), "{dump}");
    // Read in another fused loop too: both add.
    let dump = fusion(quote!(
        fn both(x: &[f64]) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += x[i].exp();
            }
            let mut t = 0.0;
            for i in 0..x.len() {
                t += x[i].sin();
            }
            s + t
        }
    ));
    assert!(!dump.contains("sole"), "{dump}");
}

/// The plan of a body whose only loop is not fused: one line saying why,
/// with one of `reasons`.
fn assert_not_fused(dump: &str, reasons: &[&str]) {
    let lines: Vec<&str> = dump.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("loop b") && lines[0].contains("not fused: "),
        "{dump}"
    );
    assert!(
        reasons.iter().any(|reason| lines[0].contains(reason)),
        "{dump}"
    );
}

#[test]
fn a_loop_that_breaks_is_fused_and_one_that_returns_is_not() {
    let dump = fusion(quote!(
        fn until(x: &[f64]) -> f64 {
            let mut s = 0.0;
            for v in x {
                if *v > 10.0 {
                    break;
                }
                s += v;
            }
            s
        }
    ));
    // Entries after the break get no contribution: zero, as initialised.
    assert_eq!(
        dump,
        "fused loop b1: s0 exits with seed; adds into [v0]\nsole contributions: v8\n"
    );
    let dump = fusion(quote!(
        fn until(x: &[f64]) -> f64 {
            let mut t = 0.0;
            for i in 0..x.len() {
                t += x[i];
                if t > 3.0 {
                    return t;
                }
            }
            t
        }
    ));
    assert_not_fused(
        &dump,
        &["it may return from the function (`return` inside it)"],
    );
}

#[test]
fn a_time_loop_over_a_state_buffer_is_checkpointed() {
    let dump = fusion(quote!(
        fn euler(k: &[f64], steps: usize) -> f64 {
            let n = k.len();
            let mut y = vec![1.0; n];
            let mut t = 0.0;
            for _ in 0..steps {
                let mut dy = vec![0.0; n];
                for i in 0..n {
                    dy[i] = -k[i] * y[i];
                }
                for i in 0..n {
                    y[i] += 0.1 * dy[i];
                }
                t += 0.1;
            }
            y[n - 1] * t
        }
    ));
    // `y` carries the state (saved whole per step); `dy` is made in the
    // step; `t` is a variable the loop writes.
    assert_eq!(
        dump,
        "loop b1 not fused: it accumulates nothing into a variable of the function's body; \
         checkpointed: each iteration saves [v4] and [s0] and is recomputed in the reverse sweep\n"
    );
}

#[test]
fn a_scratch_buffer_overwritten_before_it_is_read_is_not_saved() {
    let dump = fusion(quote!(
        fn euler(k: &[f64], steps: usize) -> f64 {
            let n = k.len();
            let mut y = vec![1.0; n];
            let mut dy = vec![0.0; n];
            for _ in 0..steps {
                for i in 0..n {
                    dy[i] = -k[i] * y[i];
                }
                for i in 0..n {
                    y[i] += 0.1 * dy[i];
                }
            }
            y[n - 1]
        }
    ));
    assert!(
        dump.contains("checkpointed: each iteration saves [v4] and []"),
        "{dump}"
    );
}

#[test]
fn loops_that_cannot_be_recomputed_say_why() {
    // A history read back and written at a point per iteration: saving it
    // whole per step would be quadratic. (One only written needs no save.)
    let dump = fusion(quote!(
        fn traced(k: &[f64], steps: usize) -> f64 {
            let n = k.len();
            let mut y = vec![1.0; n];
            let mut trace = vec![0.0; steps];
            for s in 0..steps {
                for i in 0..n {
                    y[i] *= k[i];
                }
                y[0] += trace[s / 2];
                trace[s] = y[0];
            }
            trace[steps - 1]
        }
    ));
    assert_not_fused(
        &dump,
        &["not checkpointed: it writes v6 at a point per iteration"],
    );
    // Every state in one buffer, each step writing its own part: saving the
    // buffer per step would copy the history again at every step.
    let dump = fusion(quote!(
        fn heat_states(u0: &[f64], kappa: f64, steps: usize) -> f64 {
            let n = u0.len();
            let mut st = vec![0.0; (steps + 1) * n];
            for i in 0..n {
                st[i] = u0[i];
            }
            for s in 0..steps {
                for i in 1..n - 1 {
                    st[(s + 1) * n + i] = st[s * n + i] + kappa * st[s * n + i + 1];
                }
            }
            st[steps * n + 1]
        }
    ));
    assert!(
        dump.contains("loop b2 not fused: it accumulates nothing into a variable of the function's body; not checkpointed: it writes v8 at positions that move with each iteration"),
        "{dump}"
    );
    // The same through a running offset carried from step to step.
    let dump = fusion(quote!(
        fn heat_offset(u0: &[f64], kappa: f64, steps: usize) -> f64 {
            let n = u0.len();
            let mut st = vec![0.0; (steps + 1) * n];
            let mut at = 0;
            for _ in 0..steps {
                for i in 1..n - 1 {
                    st[at + n + i] = st[at + i] + kappa * u0[i];
                }
                at += n;
            }
            st[at + 1]
        }
    ));
    assert_not_fused(
        &dump,
        &["not checkpointed: it writes v8 at positions that move with each iteration"],
    );
    // Printing twice is visible.
    let dump = fusion(quote!(
        fn noisy(k: &[f64], steps: usize) -> f64 {
            let n = k.len();
            let mut y = vec![1.0; n];
            for s in 0..steps {
                for i in 0..n {
                    y[i] *= k[i];
                }
                println!("{}", s);
            }
            y[0]
        }
    ));
    assert_not_fused(
        &dump,
        &["not checkpointed: running an iteration again would repeat a macro"],
    );
    // No nested loop: store-all keeps what little each iteration needs.
    let dump = fusion(quote!(
        fn logistic(r: f64, steps: usize) -> f64 {
            let mut x = 0.5;
            let mut y = 0.0;
            for _ in 0..steps {
                x = r * x * (1.0 - x);
                y = y * x;
            }
            x + y
        }
    ));
    assert_not_fused(
        &dump,
        &["not checkpointed: it has no nested loop to recompute"],
    );
}

#[test]
fn a_time_loop_of_transcendentals_stays_store_all() {
    // An RNN-like step: recomputing `tanh` costs more than saving it.
    let dump = fusion(quote!(
        fn rnn(w: &[f64], steps: usize) -> f64 {
            let n = w.len();
            let mut h = vec![0.5; n];
            for _ in 0..steps {
                for i in 0..n {
                    h[i] = (w[i] * h[i] + 0.1).tanh();
                }
            }
            h[0]
        }
    ));
    assert_not_fused(
        &dump,
        &["not checkpointed: recomputing its `tanh` calls would cost more than saving them"],
    );
}
