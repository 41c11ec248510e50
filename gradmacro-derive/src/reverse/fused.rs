//! Declarations of adjoints, and the reverse code of fused loops, which runs
//! inside the forward sweep (see [`crate::fuse`]).

use super::{FusedCode, Generator, Terms};
use crate::fuse::Scale;
use crate::ir::{SlotId, ValueId};
use crate::names::{self, accumulator};
use proc_macro2::TokenStream;
use quote::quote;

impl Generator<'_> {
    /// `let mut adjoint_buffer = zeros;` for an active buffer (and the count of
    /// its elements still to pop, for one built by `push`).
    pub(super) fn buffer_adjoint_declaration(&mut self, value: ValueId) -> TokenStream {
        let mut code = TokenStream::new();
        if self.active(value) {
            let name = names::adjoint_buffer(value);
            // An out-parameter's adjoint buffer is the caller's, holding the
            // adjoint of its contents on return.
            let zeros = match self
                .inputs
                .out_seeds
                .iter()
                .find(|out| out.buffer && out.value == value)
            {
                Some(out) => {
                    let adjoint = &out.adjoint;
                    quote!(#adjoint)
                }
                None => self.zero_buffer(value),
            };
            code.extend(quote!(let mut #name = #zeros;));
        }
        code
    }

    pub(super) fn accumulator_declaration(&self, value: ValueId) -> TokenStream {
        let (name, zero) = (accumulator(value), self.zero(self.inputs.types.of(value)));
        quote!(let mut #name #zero;)
    }

    pub(super) fn slot_adjoint_declaration(&self, slot: SlotId) -> TokenStream {
        if !self.inputs.activity.is_slot_active(slot) {
            return TokenStream::new();
        }
        let name = names::slot_adjoint(slot);
        let zero = self.zero(self.inputs.types.of_slot(slot));
        quote!(let mut #name #zero;)
    }

    /// The reverse of a fused loop's iteration, seeded with its accumulators'
    /// exit adjoints, and the declarations it needs before the loop.
    pub(super) fn fuse(&mut self, lp: &crate::ir::Loop, fused: &crate::fuse::FusedLoop) {
        let body = self.block(&lp.body, Terms::new());
        let mut seeds = TokenStream::new();
        for (slot, scales) in &fused.accumulators {
            let mut adjoint = self.seed.clone();
            for scale in scales {
                adjoint = match *scale {
                    Scale::Neg => quote!((-#adjoint)),
                    Scale::Mul(value) => {
                        let value = self.named(value);
                        quote!((#adjoint * #value))
                    }
                    Scale::Div(value) => {
                        let value = self.named(value);
                        quote!((#adjoint / #value))
                    }
                };
            }
            let name = names::slot_adjoint(*slot);
            seeds.extend(quote!(let mut #name = #adjoint;));
        }
        let mut prelude = TokenStream::new();
        for &value in &fused.predeclared {
            if self.body().def(value).buffer {
                prelude.extend(self.buffer_adjoint_declaration(value));
            } else {
                // Contributions may flow into it from the loop.
                self.accumulated[value.0] = true;
                prelude.extend(self.accumulator_declaration(value));
            }
        }
        for &slot in &fused.predeclared_slots {
            prelude.extend(self.slot_adjoint_declaration(slot));
        }
        let iteration = quote!({ #seeds #body });
        self.fused
            .insert(lp.body.id, FusedCode { prelude, iteration });
    }
}
