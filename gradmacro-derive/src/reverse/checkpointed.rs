//! The reverse of a checkpointed loop (see `fuse/checkpoint.rs`): iteration
//! by iteration, backwards, the state the forward sweep saved at its start
//! is loaded back, the iteration's forward code runs again with its saves,
//! and its reverse code follows at once, reading the iteration's values in
//! scope.

use super::{Generator, Terms};
use crate::fuse::Checkpoint;
use crate::ir::{Loop, Op, ValueId};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

impl Generator<'_> {
    /// The reverse code of checkpointed loop `lp`.
    pub(super) fn checkpointed(&mut self, lp: &Loop, checkpoint: &Checkpoint) -> TokenStream {
        let summed = self.invariant_reads(lp);
        let sums = self.begin_summing(&summed);
        let reverse = self.block(&lp.body, Terms::new());
        let add_sums = self.end_summing(&summed);
        if reverse.is_empty() {
            return TokenStream::new();
        }
        let Some((item, start)) = crate::save::recomputed_item(self.inputs.body, lp) else {
            return TokenStream::new();
        };
        let (trips, k) = (names::trips(lp.trip), names::iterator(lp.trip));
        let trip = self.trip_count(lp);
        // The item of iteration `k` of `start..end` is `start + k`, bound
        // where the recomputed forward code reads it.
        let item_binding = {
            let (item, start) = (names::loop_item(item), self.primal(start));
            match crate::save::usize_range(self.inputs.body, lp) {
                true => quote!(let #item = #start + #k;),
                false => quote!(let #item = ::gradmacro::__private::range_item(#start, #k);),
            }
        };
        let load = |generator: &Self, at: TokenStream| -> TokenStream {
            let mut code = TokenStream::new();
            for buffer in &checkpoint.buffers {
                let states = names::checkpoints("v", buffer.0);
                let target = generator.loaded_buffer(*buffer);
                code.extend(quote!(#states.load(#at, #target);));
            }
            for slot in &checkpoint.slots {
                let states = names::checkpoints("s", slot.0);
                let slot = names::slot(*slot);
                code.extend(quote!(#slot = #states[#at];));
            }
            code
        };
        let load_k = load(self, quote!(#k));
        let load_first = load(self, quote!(0));
        let recompute = self
            .inputs
            .recomputed
            .get(&lp.body.id)
            .cloned()
            .unwrap_or_default();
        quote! {
            let #trips = #trip;
            #sums
            for #k in (0..#trips).rev() {
                #item_binding
                #load_k
                #recompute
                #reverse
            }
            #add_sums
            // The state before the loop, for the code before it.
            if #trips > 0 { #load_first }
        }
    }

    /// `&mut buffer` as the load of a checkpoint takes it: a local buffer
    /// (a `Vec` or an array) by its binding, a buffer parameter taken by
    /// reference through the reference.
    fn loaded_buffer(&self, buffer: ValueId) -> TokenStream {
        let name = names::primal(buffer);
        let body = self.inputs.body;
        match (
            &body.def(buffer).op,
            body.reference_params.contains(&buffer),
        ) {
            (Op::Param { .. }, true) => quote!(&mut *#name),
            _ => quote!(&mut #name),
        }
    }
}
