//! What the forward sweep saves for the reverse sweep (Tapenade's store-all).
//!
//! The reverse sweep reads some primal values: operands of products, rule
//! partials, branch conditions, trip counts. A value defined in the root block is
//! a plain `let` that the reverse sweep can see. A value defined in a nested block
//! is *saved*: declared once at the top of the function and assigned where it is
//! computed. Inside a loop it is overwritten every iteration, so its previous state
//! is pushed onto a stack just before each overwrite and popped at the mirrored
//! point of the reverse sweep, which restores exactly the state each reverse
//! iteration needs. Memory is therefore one stack entry per needed value per
//! iteration, not a copy of every temporary; constants are never saved (the
//! reverse sweep writes them inline).

use crate::ir::{Body, Op, ValueId, ROOT};
use crate::names;
use crate::types::FloatTypes;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::BTreeSet;

/// One thing the forward sweep computes: a value, or a rule's partial derivative
/// with respect to its `k`-th input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Value(ValueId),
    Partial(ValueId, usize),
}

impl Part {
    pub fn value(self) -> ValueId {
        match self {
            Part::Value(value) | Part::Partial(value, _) => value,
        }
    }

    /// The local holding it.
    pub fn ident(self) -> Ident {
        match self {
            Part::Value(value) => names::primal(value),
            Part::Partial(value, input) => names::partial(value, input),
        }
    }

    /// The stack of its previous states.
    pub fn stack(self) -> Ident {
        match self {
            Part::Value(value) => names::stack(value),
            Part::Partial(value, input) => names::partial_stack(value, input),
        }
    }
}

/// The parts that are saved, and which of them are stacked (inside loops).
pub struct Saves {
    saved: BTreeSet<Part>,
    stacked: BTreeSet<Part>,
}

impl Saves {
    /// Nothing saved: for the dry run that finds what the reverse sweep reads.
    pub fn none() -> Saves {
        Saves {
            saved: BTreeSet::new(),
            stacked: BTreeSet::new(),
        }
    }

    /// Saves every part the reverse sweep reads that is defined in a nested block.
    pub fn new(body: &Body, referenced: &BTreeSet<Part>) -> Saves {
        let saved: BTreeSet<Part> = referenced
            .iter()
            .copied()
            .filter(|part| body.def(part.value()).home != ROOT)
            .collect();
        let stacked = saved
            .iter()
            .copied()
            .filter(|part| body.in_loop(body.def(part.value()).home))
            .collect();
        Saves { saved, stacked }
    }

    pub fn is_saved(&self, part: Part) -> bool {
        self.saved.contains(&part)
    }

    pub fn is_stacked(&self, part: Part) -> bool {
        self.stacked.contains(&part)
    }

    /// Whether any part of `value`'s statement is saved.
    pub fn any_saved(&self, value: ValueId) -> bool {
        self.saved.iter().any(|part| part.value() == value)
    }

    /// The stacked parts of `value`'s statement, in push order.
    pub fn stacked_parts(&self, value: ValueId) -> Vec<Part> {
        self.stacked
            .iter()
            .copied()
            .filter(|part| part.value() == value)
            .collect()
    }

    /// The stacked parts of the values defined directly in `block`.
    pub fn stacked_in(&self, body: &Body, block: crate::ir::BlockId) -> Vec<Part> {
        self.stacked
            .iter()
            .copied()
            .filter(|part| body.def(part.value()).home == block)
            .collect()
    }

    /// The declarations, at the top of the function, of every saved part and
    /// stack. Types come from the user's annotation or float-type inference;
    /// otherwise Rust infers them from the assignments.
    pub fn declarations(&self, body: &Body, types: &FloatTypes) -> TokenStream {
        let mut out = TokenStream::new();
        for part in &self.saved {
            let ident = part.ident();
            let stmt = body.def(part.value());
            let ty = match (part, &stmt.op) {
                (Part::Value(_), Op::TripCount | Op::Decision) => Some(quote!(usize)),
                (Part::Value(_), _) if stmt.ty.is_some() => stmt.ty.as_ref().map(|ty| quote!(#ty)),
                _ => types.of(part.value()).map(|float| {
                    let ty = float.ident();
                    quote!(#ty)
                }),
            };
            let annotation = ty.map(|ty| quote!(: #ty));
            out.extend(quote!(let mut #ident #annotation = ::core::default::Default::default();));
        }
        for part in &self.stacked {
            let stack = part.stack();
            out.extend(quote!(let mut #stack = ::std::vec::Vec::new();));
        }
        out
    }
}
