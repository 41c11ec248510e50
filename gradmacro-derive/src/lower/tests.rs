//! Unit tests of lowering: token streams in, IR listings out.

use super::*;
use crate::attr::Options;
use crate::signature;
use quote::quote;

fn lower_fn(item: proc_macro2::TokenStream) -> syn::Result<String> {
    let function: syn::ItemFn = syn::parse2(item).unwrap();
    let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
    lower(&function.block, &sig).map(|lowered| lowered.body.to_string())
}

#[test]
fn nested_expressions_become_one_statement_each() {
    let ir = lower_fn(quote!(
        fn f(x: f64, w: &f64) -> f64 {
            let y = x * *w + 1.0;
            y.exp()
        }
    ))
    .unwrap();
    assert_eq!(ir, "v0 = param 0\nv1 = param 1\nv2 = *v1\nv3 = v0 * v2\nv4 = const 1.0\nv5 = v3 + v4\nv6 = rule exp(v5)\nreturn v6");
}

#[test]
fn shadowing_and_reassignment_make_fresh_values() {
    let ir = lower_fn(quote!(
        fn f(mut x: f64) -> f64 {
            let mut y: f64 = x;
            y *= x;
            {
                let x = 2.0;
                y += x;
            }
            x = y;
            return x;
        }
    ))
    .unwrap();
    assert_eq!(
        ir,
        "mut v0 = param 0\nmut v1: f64 = v0\nmut v2: f64 = v1 * v0\nv3 = const 2.0\nmut v4: f64 = v2 + v3\nmut v5: f64 = v4\nreturn v5"
    );
}

#[test]
fn tuples_destructure_and_path_calls_map_to_rules() {
    let ir = lower_fn(quote!(
        fn f(x: f64) -> f64 {
            let (s, c) = x.sin_cos();
            let (a, b): (f64, f64) = (s, f64::max(c, 0.5));
            a * b
        }
    ))
    .unwrap();
    assert_eq!(
        ir,
        "v0 = param 0\nv1 = rule sin(v0)\nv2 = rule cos(v0)\nv3 = const 0.5\nv4: f64 = rule max(v2, v3)\nv5: f64 = v1\nv6 = v5 * v4\nreturn v6"
    );
}

#[test]
fn constants_items_and_opaque_calls_are_kept() {
    let ir = lower_fn(quote!(
        fn f(x: f64, n: i32) -> f64 {
            const K: f64 = 2.0;
            x.powi(n.pow(2)) * K * std::f64::consts::PI
        }
    ))
    .unwrap();
    assert_eq!(
        ir,
        "item const K : f64 = 2.0 ;\nv0 = param 0\nv1 = param 1\nv2 = const 2\nv3 = opaque v1.pow(v2)\nv4 = rule powi(v0, v3)\nv5 = const K\nv6 = v4 * v5\nv7 = const std :: f64 :: consts :: PI\nv8 = v6 * v7\nreturn v8"
    );
}

#[test]
fn unsupported_syntax_is_rejected_with_a_reason() {
    let message = |item| lower_fn(item).unwrap_err().to_string();
    assert!(message(quote!(
        fn f(x: f64) -> f64 {
            (|y: f64| y)(x)
        }
    ))
    .starts_with("calling anything but a named function is not supported yet"));
    assert!(message(quote!(
        fn f(x: f64) -> f64 {
            my_macro!(x);
            x
        }
    ))
    .starts_with("the macro `my_macro!` cannot be differentiated"));
    assert!(message(quote!(
        fn f(x: f64) -> f64 {
            let (a, b) = (x, x, x);
            a
        }
    ))
    .starts_with("this tuple pattern does not match"));
}

/// Printing and assertion macros are nodes of their own, with their
/// arguments lowered and a format string's captures named.
#[test]
fn macros_run_on_lowered_values() {
    let ir = lower_fn(quote!(
        fn f(x: f64) -> f64 {
            let y = x * 2.0;
            println!("{y} {}", x);
            assert!(y > 0.0);
            y
        }
    ))
    .unwrap();
    assert!(ir.contains("println!(\"{y} {}\", v0, y = v2)"), "{ir}");
    assert!(ir.contains("assert!(v4)"), "{ir}");
}

/// Prints the IR of `item`, for the control-flow tests below.
fn dump(item: proc_macro2::TokenStream) -> String {
    lower_fn(item).unwrap()
}

#[test]
fn branches_write_result_slots_and_assigned_variables_become_slots() {
    let ir = dump(quote!(
        fn f(x: f64) -> f64 {
            let mut y = 1.0;
            let z = if x > 0.0 {
                y = x;
                x * 2.0
            } else {
                0.0
            };
            y + z
        }
    ));
    println!("{ir}");
    assert!(ir.contains("slot s0 (y) = v2"), "{ir}");
    assert!(ir.contains("if v4 {"), "{ir}");
    assert!(ir.contains("s0 <- v0"), "{ir}");
    assert!(ir.contains("slot s1 (value) = default"), "{ir}");
}

#[test]
fn loops_count_trips_and_exits_become_flags() {
    let ir = dump(quote!(
        fn f(x: f64, n: usize) -> f64 {
            let mut s = x;
            for i in 0..n {
                if s > 10.0 {
                    break;
                }
                s = s * x;
            }
            s
        }
    ));
    println!("{ir}");
    assert!(ir.contains("trip count"), "{ir}");
    assert!(ir.contains("(break flag)"), "{ir}");
    assert!(ir.contains("exits on [s1]"), "{ir}");
}

#[test]
fn early_returns_write_the_result_and_guard_the_rest() {
    let ir = dump(quote!(
        fn f(x: f64) -> f64 {
            if x < 0.0 {
                return -x;
            }
            let y = x * x;
            y
        }
    ));
    println!("{ir}");
    assert!(ir.contains("(return flag)"), "{ir}");
    assert!(ir.contains("(return value) = default"), "{ir}");
}

#[test]
fn deferred_initialisation_is_a_slot() {
    let ir = dump(quote!(
        fn f(x: f64) -> f64 {
            let y;
            if x > 0.0 {
                y = x;
            } else {
                y = -x;
            }
            y
        }
    ));
    assert!(ir.contains("slot s0 (y) = default"), "{ir}");
    assert!(ir.contains("s0 <- v0"), "{ir}");
}

/// A buffer written after a call (by a later statement, or by the next
/// iteration of the loop around the call) is passed as a copy; one whose
/// writes are all behind the call is passed as it is.
#[test]
fn arguments_written_after_the_call_are_copied() {
    let ir = lower_fn(quote!(
        fn f(x: &[f64]) -> f64 {
            let mut done = vec![0.0; 2];
            done[0] = x[0];
            let a = g(&done);
            let mut later = vec![0.0; 2];
            let b = g(&later);
            later[1] = x[1];
            let mut s = a + b;
            let mut scratch = vec![0.0; 1];
            for i in 0..x.len() {
                scratch[0] = x[i];
                s += g(&scratch);
            }
            s + g(&later)
        }
    ))
    .unwrap();
    let copies = ir.matches(".to_owned()").count();
    assert!(ir.contains("buffer v11[].to_owned()"), "{ir}");
    assert!(ir.contains("buffer v21[].to_owned()"), "{ir}");
    // `later` (first call) and `scratch` are copied; `done` and the last
    // `later` are not.
    assert_eq!(copies, 2, "{ir}");
}

#[test]
fn a_repeated_element_read_is_a_copy_of_the_first() {
    let ir = lower_fn(quote!(
        fn f(x: &[f64], y: &mut [f64]) -> f64 {
            let a = x[2 * 1] * x[2 * 1];
            y[0] = a;
            let b = y[0] + y[0];
            y[0] = b;
            a + y[0]
        }
    ))
    .unwrap();
    // `x[2 * 1]` read twice (its index computed twice): one read and a copy.
    // `y[0]` twice between stores: one read and a copy; after the store, read
    // again.
    assert!(ir.contains("v9 = v5\n"), "{ir}");
    assert!(ir.contains("v15 = v13\n"), "{ir}");
    let reads_of_y = ir.matches("= v1[").count();
    assert_eq!(reads_of_y, 2, "{ir}");
}
