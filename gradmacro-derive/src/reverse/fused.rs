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
        let mut postlude = TokenStream::new();
        if let Some(deferred) = &fused.deferred {
            // Each iteration's reverse runs with a unit exit adjoint.
            let float = self
                .inputs
                .types
                .of_active(self.inputs.types.of_slot(deferred.slot));
            let (name, one) = (names::slot_adjoint(deferred.slot), float.constant(1.0));
            seeds.extend(quote!(let mut #name = #one;));
            for &value in &deferred.set_aside {
                let (acc, aside) = (accumulator(value), names::set_aside(value));
                let zero = self
                    .inputs
                    .types
                    .of_active(self.inputs.types.of(value))
                    .constant(0.0);
                postlude.extend(quote!(let #aside = #acc; #acc = #zero;));
            }
            for &slot in &deferred.set_aside_slots {
                let (adjoint, aside) = (names::slot_adjoint(slot), names::set_aside_slot(slot));
                let zero = self
                    .inputs
                    .types
                    .of_active(self.inputs.types.of_slot(slot))
                    .constant(0.0);
                postlude.extend(quote!(let #aside = #adjoint; #adjoint = #zero;));
            }
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
        self.fused.insert(
            lp.body.id,
            FusedCode {
                prelude,
                iteration,
                postlude,
            },
        );
    }

    /// Where the reverse sweep reaches a deferred loop: its exit adjoint is the
    /// accumulator's adjoint now; the sums its iterations left are scaled by it.
    pub(super) fn scale_deferred(&mut self, deferred: &crate::fuse::Deferred) -> TokenStream {
        let types = self.inputs.types;
        let exit_float = types.of_active(types.of_slot(deferred.slot));
        let name = names::slot_adjoint(deferred.slot);
        // The exit adjoint in the float type of what it scales (an `f32`
        // value summed into an `f64` through casts).
        let exit = |float: Option<crate::signature::FloatTy>| {
            let float = types.of_active(float);
            match float == exit_float {
                true => quote!(#name),
                false => {
                    let ty = float.ident();
                    quote!((#name as #ty))
                }
            }
        };
        let mut code = TokenStream::new();
        for &buffer in &deferred.scaled {
            let (adjoint, factor) = (names::adjoint_buffer(buffer), exit(types.of(buffer)));
            code.extend(quote!(::gradmacro::__private::scale_adjoint(&mut #adjoint[..], #factor);));
        }
        for &value in &deferred.set_aside {
            let (acc, aside) = (accumulator(value), names::set_aside(value));
            let factor = exit(types.of(value));
            code.extend(self.add_into(quote!(#acc), false, quote!(#factor * #aside)));
        }
        for &slot in &deferred.set_aside_slots {
            let (adjoint, aside) = (names::slot_adjoint(slot), names::set_aside_slot(slot));
            let factor = exit(types.of_slot(slot));
            code.extend(self.add_into(quote!(#adjoint), false, quote!(#factor * #aside)));
        }
        code
    }
}
