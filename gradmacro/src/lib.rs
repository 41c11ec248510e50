//! gradmacro runtime crate.
pub use gradmacro_derive::differentiate;
pub mod rules;
