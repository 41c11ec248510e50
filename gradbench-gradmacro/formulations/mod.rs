//! The evals' models written the way different people write them, used only
//! by `benches/formulations.rs` and the tests: the generated gradient's cost
//! should depend on what a function computes, not on how it is spelled.
//!
//! `gmm_plain` was written for this crate; the `*_styles` modules were
//! written by someone porting GradBench's C++ and Python code to Rust without
//! reading gradmacro's implementation (C ports with helpers and `&mut`
//! out-parameters, nested `Vec`s, iterator chains, recursion over index lists).

// Ports index several buffers in loops and allocate scratch with `vec!`.
#![allow(
    clippy::needless_range_loop,
    clippy::useless_vec,
    clippy::manual_is_multiple_of,
    clippy::too_many_arguments,
    dead_code
)]

pub mod det_styles;
pub mod gmm_plain;
pub mod gmm_styles;
pub mod kmeans_styles;
pub mod lse_styles;
pub mod network_styles;
pub mod ode_styles;
