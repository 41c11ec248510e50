//! Unit tests of loop-invariant code motion: token streams in, IR listings
//! out.

use crate::attr::Options;
use crate::{lower, signature, types};
use proc_macro2::TokenStream;
use quote::quote;

/// The IR of `item` after hoisting.
fn hoisted(item: TokenStream) -> String {
    let function: syn::ItemFn = syn::parse2(item).unwrap();
    let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
    let mut lowered = lower::lower(&function.block, &sig).unwrap();
    let types = types::infer(&lowered.body, &sig);
    super::loop_invariants(&mut lowered.body, &types);
    lowered.body.to_string()
}

#[test]
fn float_arithmetic_of_values_from_before_the_loop_moves_in_front_of_it() {
    let ir = hoisted(quote!(
        fn f(x: &[f64], h: f64) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += h / 2.0 * x[i];
            }
            s
        }
    ));
    // `h / 2.0` (v10) and its literal now sit before the loop; the element
    // read and the product stay.
    assert!(
        ir.contains("v9 = const 2.0\nv10 = v1 / v9\nfor v8 in"),
        "{ir}"
    );
    assert!(ir.contains("  v11 = v0[v8]\n  v12 = v10 * v11"), "{ir}");
}

#[test]
fn a_value_leaves_nested_loops_as_far_as_its_operands_allow() {
    let ir = hoisted(quote!(
        fn f(x: &[f64], h: f64, s: usize) -> f64 {
            let mut y = 0.0;
            for step in 0..s {
                let t = step as f64 * h;
                for i in 0..x.len() {
                    y += (h * 0.5).exp() * t * x[i];
                }
            }
            y
        }
    ));
    // `(h * 0.5).exp()` leaves both loops; `t` (from the step) leaves only
    // the inner one, where it already was, and `step as f64` stays in the
    // outer loop body.
    let root_part = ir.split("for v").next().unwrap_or_default();
    assert!(root_part.contains("rule exp("), "{ir}");
    let outer = ir.split("for v").nth(1).unwrap_or_default();
    assert!(outer.contains("as f64"), "{ir}");
}

#[test]
fn integer_arithmetic_element_reads_and_clamp_stay_in_the_loop() {
    let ir = hoisted(quote!(
        fn f(x: &[f64], n: usize, lo: f64, hi: f64) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += x[n - 1] * x[i].clamp(lo, hi) + lo.clamp(lo, hi);
            }
            s
        }
    ));
    let inside = ir.split("for v").nth(1).unwrap_or_default();
    assert!(inside.contains(" - "), "{ir}");
    assert_eq!(inside.matches("rule clamp").count(), 2, "{ir}");
}
