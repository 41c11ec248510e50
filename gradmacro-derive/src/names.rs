//! Names of everything the generated code introduces.
//!
//! Every generated local carries the reserved `__gm_` prefix *and* a
//! `Span::mixed_site()` span. The span alone already makes these locals invisible to
//! user-written identifiers (macro hygiene), and the body is fully renamed during
//! lowering, so a user variable called `grad`, `adj_x` or even `__gm_v1` can
//! neither shadow nor be shadowed by generated code.

use crate::ir::ValueId;
use proc_macro2::{Ident, Span};

fn hygienic(name: String) -> Ident {
    Ident::new(&name, Span::mixed_site())
}

/// The primal (forward) value of an IR value.
pub fn primal(value: ValueId) -> Ident {
    hygienic(format!("__gm_v{}", value.0))
}

/// The adjoint ∂output/∂value, once all its contributions are summed.
pub fn adjoint_of(value: ValueId) -> Ident {
    hygienic(format!("__gm_adj_v{}", value.0))
}

/// The local partial derivative of a rule's result with respect to its `input`-th
/// argument.
pub fn partial(value: ValueId, input: usize) -> Ident {
    hygienic(format!("__gm_d{}_{input}", value.0))
}

/// A scratch quotient shared by the two adjoint contributions of a division.
pub fn quotient(value: ValueId) -> Ident {
    hygienic(format!("__gm_q{}", value.0))
}

/// The output seed parameter of the pullback.
pub fn seed() -> Ident {
    hygienic("__gm_seed".to_owned())
}

/// The name given to a parameter the user wrote as `_`.
pub fn unused_param(index: usize) -> Ident {
    hygienic(format!("__gm_unused{index}"))
}
