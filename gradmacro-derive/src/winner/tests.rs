//! Unit tests of the running minimum's rewrite: token streams in, IR
//! listings out.

use crate::attr::Options;
use crate::{lower, signature};
use proc_macro2::TokenStream;
use quote::quote;

/// The IR of `item` after the rewrite.
fn rewritten(item: TokenStream) -> String {
    let function: syn::ItemFn = syn::parse2(item).unwrap();
    let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
    let mut lowered = lower::lower(&function.block, &sig).unwrap();
    super::recompute_winners(&mut lowered.body);
    lowered.body.to_string()
}

#[test]
fn a_nearest_candidate_is_computed_again_after_the_loop() {
    let ir = rewritten(quote!(
        fn f(x: &[f64], c: &[f64]) -> f64 {
            let mut best = f64::INFINITY;
            for j in 0..c.len() {
                let d = (x[0] - c[j]) * (x[0] - c[j]);
                if d < best {
                    best = d;
                }
            }
            best
        }
    ));
    // The loop compares and records into the running copy; after it, the
    // winner's value is computed again and written to `best`.
    assert!(ir.contains("slot s1 (best (running)) = "), "{ir}");
    assert!(ir.contains("slot s2 (found) = "), "{ir}");
    assert!(ir.contains("slot s3 (winner) = default"), "{ir}");
    let after = ir.split("read s2\nif ").nth(1).unwrap_or_default();
    assert!(after.contains("= read s3"), "{ir}");
    assert!(after.contains("s0 <- "), "{ir}");
    assert!(
        !ir.contains("\n    s0 <- "),
        "the loop no longer writes `best`: {ir}"
    );
}

#[test]
fn a_min_rule_records_where_the_candidate_wins() {
    let ir = rewritten(quote!(
        fn f(c: &[f64]) -> f64 {
            let mut best = 1.0;
            for j in 0..c.len() {
                let d = c[j].sin();
                best = best.min(d);
            }
            best
        }
    ));
    // `best <= d || d != d` keeps the running value: recorded otherwise.
    assert!(ir.contains(" <= "), "{ir}");
    assert!(ir.contains(" != "), "{ir}");
    assert!(ir.contains("slot s1 (best (running))"), "{ir}");
}

#[test]
fn anything_else_is_left_as_written() {
    for item in [
        // The candidate's value reads the running best.
        quote!(
            fn f(c: &[f64]) -> f64 {
                let mut best = 10.0;
                for j in 0..c.len() {
                    let v = c[j] + 0.1 * best;
                    if v < best {
                        best = v;
                    }
                }
                best
            }
        ),
        // A plain element: `argmax`'s.
        quote!(
            fn f(c: &[f64]) -> f64 {
                let mut best = 10.0;
                for j in 0..c.len() {
                    if c[j] < best {
                        best = c[j];
                    }
                }
                best
            }
        ),
        // A store in the loop.
        quote!(
            fn f(c: &mut [f64]) -> f64 {
                let mut best = 10.0;
                for j in 0..c.len() {
                    let v = c[j] * 2.0;
                    c[j] = v;
                    if v < best {
                        best = v;
                    }
                }
                best
            }
        ),
        // A running sum, not a copy.
        quote!(
            fn f(c: &[f64]) -> f64 {
                let mut s = 0.0;
                for j in 0..c.len() {
                    s = s + c[j] * c[j];
                }
                s
            }
        ),
        // Two different values copied.
        quote!(
            fn f(c: &[f64]) -> f64 {
                let mut best = 10.0;
                for j in 0..c.len() {
                    let u = c[j] * 2.0;
                    let v = c[j] * 3.0;
                    if u < best {
                        best = u;
                    } else if v < best {
                        best = v;
                    }
                }
                best
            }
        ),
    ] {
        assert!(!rewritten(item.clone()).contains("(running)"), "{item}");
    }
}
