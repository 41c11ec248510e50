//! Unit tests of the max reductions' patterns: token streams in, the loops
//! found and how each variable's record is set out.

use crate::attr::Options;
use crate::{activity, lower, signature};
use proc_macro2::TokenStream;
use quote::quote;

/// The reductions found in a function differentiated with respect to every
/// parameter that can be: per loop, the slot and what records its winner.
fn found(item: TokenStream) -> Vec<String> {
    let function: syn::ItemFn = syn::parse2(item).unwrap();
    let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
    let lowered = lower::lower(&function.block, &sig).unwrap();
    let wrt: Vec<_> = sig.wrt.iter().filter_map(|&i| lowered.params[i]).collect();
    let activity = activity::analyze(&lowered.body, &wrt, &[]).unwrap();
    let options = crate::fuse::Options {
        defer: true,
        seeded: &[],
        bounded: false,
    };
    let fusion = crate::fuse::analyze(&lowered.body, &activity, options);
    let mut found: Vec<_> = super::find(&lowered.body, &activity, &fusion)
        .into_iter()
        .map(|(block, found)| {
            let winner = match found.winner {
                super::Winner::Rule { rule, element_arg } => {
                    format!("rule v{} element arg {element_arg}", rule.0)
                }
                super::Winner::Copies { locals, copies } => {
                    let copies: Vec<_> = copies
                        .iter()
                        .map(|copy| {
                            format!("s{} <- v{} {:?}", copy.slot.0, copy.value.0, copy.from)
                        })
                        .collect();
                    format!("locals {locals:?} copies [{}]", copies.join(", "))
                }
            };
            format!(
                "b{}: s{} of v{}: {winner}",
                block.0, found.slot.0, found.base.0
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_max_rule_records_where_its_element_won() {
    let found = found(quote!(
        fn f(x: &[f64]) -> f64 {
            let mut m = x[0];
            for i in 1..x.len() {
                m = m.max(x[i]);
            }
            m
        }
    ));
    assert_eq!(found, ["b1: s0 of v0: rule v11 element arg 1"]);
}

#[test]
fn a_branch_copying_the_element_records_at_the_copy() {
    let found = found(quote!(
        fn f(x: &[f64]) -> f64 {
            let mut m = x[0];
            let mut at = 0;
            for i in 1..x.len() {
                if x[i] > m {
                    m = x[i];
                    at = i;
                }
            }
            m * at as f64
        }
    ));
    assert_eq!(
        found,
        ["b1: s1 of v0: locals [] copies [s1 <- v14 Element(ValueId(0))]"]
    );
}

#[test]
fn an_if_expression_copies_through_a_variable_of_the_loop() {
    let found = found(quote!(
        fn f(x: &[f64]) -> f64 {
            let mut m = x[0];
            for i in 0..x.len() {
                m = if x[i] < m { x[i] } else { 0.0 };
            }
            m
        }
    ));
    assert_eq!(
        found,
        [
            "b1: s0 of v0: locals [SlotId(1)] copies [s1 <- v12 Element(ValueId(0)), \
          s1 <- v13 Constant, s0 <- v14 Slot(SlotId(1))]"
        ]
    );
}

#[test]
fn anything_else_differentiated_is_reversed_as_before() {
    for item in [
        // The written value is computed, not copied.
        quote!(
            fn f(x: &[f64]) -> f64 {
                let mut m = 0.0;
                for i in 0..x.len() {
                    if x[i] > m {
                        m = 2.0 * x[i];
                    }
                }
                m
            }
        ),
        // A second differentiated variable from before the loop.
        quote!(
            fn f(x: &[f64]) -> f64 {
                let (mut m, mut s) = (0.0, 0.0);
                for i in 0..x.len() {
                    if x[i] > m {
                        m = x[i];
                    }
                    s += x[i];
                }
                m + s
            }
        ),
        // Two buffers.
        quote!(
            fn f(x: &[f64], y: &[f64]) -> f64 {
                let mut m = 0.0;
                for i in 0..x.len() {
                    if x[i] > m {
                        m = x[i];
                    } else if y[i] > m {
                        m = y[i];
                    }
                }
                m
            }
        ),
        // A variable read, then written, then copied: its record moved on.
        quote!(
            fn f(x: &[f64]) -> f64 {
                let mut m = 0.0;
                let mut t = 0.0;
                for i in 0..x.len() {
                    let old = m;
                    m = x[i];
                    t = old;
                }
                m + t
            }
        ),
        // An element not at the loop's item.
        quote!(
            fn f(x: &[f64]) -> f64 {
                let mut m = 0.0;
                for i in 1..x.len() {
                    if x[i - 1] > m {
                        m = x[i - 1];
                    }
                }
                m
            }
        ),
        // A store into the buffer.
        quote!(
            fn f(x: &mut [f64]) -> f64 {
                let mut m = 0.0;
                for i in 0..x.len() {
                    if x[i] > m {
                        m = x[i];
                    }
                    x[i] = 0.0;
                }
                m
            }
        ),
        // A running counter the reverse sweep would walk back.
        quote!(
            fn f(x: &[f64]) -> f64 {
                let mut m = 0.0;
                let mut k = 0;
                for i in 0..x.len() {
                    if x[i] > m {
                        m = x[i];
                        k += 1;
                    }
                }
                m * k as f64
            }
        ),
    ] {
        assert_eq!(found(item.clone()), Vec::<String>::new(), "{item}");
    }
}
