//! The evals' models written the way different people write them, used only
//! by `benches/formulations.rs` and the tests: the generated gradient's cost
//! should depend on what a function computes, not on how it is spelled.

pub mod gmm_plain;
