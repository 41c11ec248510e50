//! Unit tests of the activity analysis, on token streams.

use super::*;
use crate::attr::Options;
use crate::{lower, signature};
use quote::quote;

/// The active values, as `v0 v3 ...`, with respect to the parameters `wrt`.
fn active(item: proc_macro2::TokenStream, wrt: &[usize]) -> syn::Result<String> {
    let function: syn::ItemFn = syn::parse2(item).unwrap();
    let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
    let lowered = lower::lower(&function.block, &sig).unwrap();
    let seeds: Vec<ValueId> = wrt.iter().filter_map(|&i| lowered.params[i]).collect();
    let activity = analyze(&lowered.body, &seeds, &[])?;
    let names: Vec<String> = (0..lowered.body.value_count())
        .map(ValueId)
        .filter(|&v| activity.is_active(v))
        .map(|v| v.to_string())
        .collect();
    Ok(names.join(" "))
}

#[test]
fn constants_and_dead_values_are_inactive() {
    // v0 = x, v1 = w, v2 = 2.0, v3 = x * 2, v4 = w * w (dead), v5 = v3 * w
    let item = quote!(
        fn f(x: f64, w: f64) -> f64 {
            let c = x * 2.0;
            let dead = w * w;
            c * w
        }
    );
    assert_eq!(active(item.clone(), &[1]).unwrap(), "v1 v5");
    assert_eq!(active(item, &[0, 1]).unwrap(), "v0 v1 v3 v5");
}

#[test]
fn steps_and_comparisons_stop_the_dependence() {
    let item = quote!(
        fn f(x: f64) -> f64 {
            let k = x.floor() + (x > 1.0) as i32 as f64;
            k * 3.0
        }
    );
    assert_eq!(active(item, &[0]).unwrap(), "");
}

#[test]
fn slots_carry_activity_around_loops() {
    // The loop reads `s` before writing it: only the fixed point sees that
    // the read is varied from the second iteration on.
    let item = quote!(
        fn f(x: f64, n: usize) -> f64 {
            let mut s = 1.0;
            let mut t = 0.0;
            for _ in 0..n {
                t = s;
                s = x;
            }
            t
        }
    );
    let active = active(item, &[0]).unwrap();
    assert!(active.starts_with("v0 "), "{active}");
    assert!(!active.is_empty());
}

#[test]
fn unknown_methods_on_active_values_are_errors_only_when_used() {
    let used = quote!(
        fn f(x: f64) -> f64 {
            x.frobnicate()
        }
    );
    let message = active(used, &[0]).unwrap_err().to_string();
    assert!(
        message.starts_with("`frobnicate` has no derivative rule"),
        "{message}"
    );
    let unused = quote!(
        fn f(x: f64) -> f64 {
            let s = x.frobnicate();
            x
        }
    );
    assert_eq!(active(unused, &[0]).unwrap(), "v0");
    let through_reference = quote!(
        fn f(x: f64) -> f64 {
            helper(&x)
        }
    );
    // A call on an active argument composes through `helper_pullback`.
    assert_eq!(active(through_reference, &[0]).unwrap(), "v0 v1 v2");
    let constant_call = quote!(
        fn f(x: f64, n: i32) -> f64 {
            x * helper(n)
        }
    );
    assert_eq!(active(constant_call, &[0]).unwrap(), "v0 v3");
    let in_a_condition = quote!(
        fn f(x: f64) -> f64 {
            if x.frobnicate() > 0 {
                x
            } else {
                -x
            }
        }
    );
    assert!(active(in_a_condition, &[0]).is_ok());
}
