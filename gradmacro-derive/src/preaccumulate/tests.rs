//! Unit tests of the choice of preaccumulated calls: token streams in, the
//! dump's lines out.

use crate::attr::Options;
use crate::{activity, lower, signature};
use proc_macro2::TokenStream;
use quote::quote;

/// The preaccumulation plan of a function differentiated with respect to
/// every parameter that can be, as its dump prints it.
fn plan(item: TokenStream) -> String {
    let function: syn::ItemFn = syn::parse2(item).unwrap();
    let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
    let mut lowered = lower::lower(&function.block, &sig).unwrap();
    super::insert_gradients(&mut lowered.body);
    let wrt: Vec<_> = sig.wrt.iter().filter_map(|&i| lowered.params[i]).collect();
    let activity = activity::analyze(&lowered.body, &wrt, &[]).unwrap();
    let fusion = crate::fuse::analyze(
        &lowered.body,
        &activity,
        crate::fuse::Options {
            defer: true,
            seeded: &[],
            bounded: false,
        },
    );
    super::choose(&lowered.body, &activity, &fusion, false, &sig.name).to_string()
}

#[test]
fn a_recursive_call_in_a_fused_loop_is_preaccumulated() {
    let dump = plan(quote!(
        fn det(a: &[f64], ell: usize, used: u64) -> f64 {
            let row = used.count_ones() as usize;
            let mut total = 0.0;
            for c in 0..ell {
                if used & (1 << c) == 0 {
                    let sub = if row + 1 == ell {
                        1.0
                    } else {
                        det(a, ell, used | (1 << c))
                    };
                    total += a[row * ell + c] * sub;
                }
            }
            total
        }
    ));
    assert_eq!(
        dump,
        "call v23 preaccumulated: its pullback runs once, forward, into v32\n"
    );
}

#[test]
fn scalar_arguments_are_preaccumulated_in_any_loop() {
    // The loop carries `h` (not fused): the call's gradient, two floats, is
    // kept per iteration.
    let dump = plan(quote!(
        fn run(w: f64, steps: usize) -> f64 {
            let mut h = 0.5;
            for _ in 0..steps {
                h = cell(h, w);
            }
            h
        }
    ));
    assert_eq!(
        dump,
        "call v9 preaccumulated: its pullback runs once, forward, into v11\n"
    );
}

#[test]
fn a_buffer_argument_in_a_loop_not_fused_stays_in_joint_mode() {
    let dump = plan(quote!(
        fn run(w: &[f64], steps: usize) -> f64 {
            let mut h = 0.5;
            for _ in 0..steps {
                h = cell(h, w);
            }
            h
        }
    ));
    assert_eq!(
        dump,
        "call v9 in joint mode (its forward sweep runs twice): a buffer argument's gradient would be taped per iteration of a loop that is not fused, which costs more than running the callee again\n"
    );
}

#[test]
fn a_helper_reading_buffers_in_a_fused_loop_adds_in_place() {
    // Two buffers, not recursive: joint mode, whose `_lent` pullback adds
    // into the adjoint buffers; outside the loop the same call is
    // preaccumulated, and so is a call reading one buffer in the loop.
    let dump = plan(quote!(
        fn wls(w: &[f64], x: &[f64], n: usize, d: usize) -> f64 {
            let mut loss = 0.0;
            for i in 0..n {
                let r = dot(w, &x[i * d..(i + 1) * d]) + sqnorm(w);
                loss += r * r;
            }
            loss + dot(w, w)
        }
    ));
    assert_eq!(
        dump,
        "call v16 preaccumulated: its pullback runs once, forward, into v25\n\
         call v22 preaccumulated: its pullback runs once, forward, into v26\n\
         call v15 in joint mode (its forward sweep runs twice): it reads several buffers in a loop: its pullback adds into their adjoint buffers in place, which costs less than keeping and scaling a gradient buffer for each per call\n"
    );
}

#[test]
fn calls_of_constants_are_left_alone_and_methods_stay_in_joint_mode() {
    let dump = plan(quote!(
        fn f(x: f64, n: usize) -> f64 {
            let k = helper(n);
            x * self_like.scale(x) * k as f64
        }
    ));
    assert_eq!(
        dump,
        "call v4 in joint mode (its forward sweep runs twice): a method of a constant receiver\n"
    );
}

#[test]
fn a_call_lending_mut_says_why_it_stays_in_joint_mode() {
    let dump = plan(quote!(
        fn f(y: &[f64], k: f64) -> f64 {
            let mut dy = vec![0.0; 2];
            rhs(y, k, &mut dy);
            dy[0] + dy[1]
        }
    ));
    assert!(
        dump.ends_with("in joint mode (its forward sweep runs twice): it lends `&mut` arguments, whose adjoints the pullback takes in and gives back\n"),
        "{dump}"
    );
}
