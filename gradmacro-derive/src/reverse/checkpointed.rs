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
        // A parameter's buffer is the caller's: it is left as the forward
        // sweep left it (the plain function's result), not as it was before
        // the loop, which the code before the loop needs only of the
        // function's own buffers (those whose stores it restores).
        let is_parameter =
            |buffer: &ValueId| matches!(self.inputs.body.def(*buffer).op, Op::Param { .. });
        let mut keep_final = TokenStream::new();
        let mut give_back_final = TokenStream::new();
        // (Parameters only overwritten in the loop too.)
        let all_buffers = checkpoint.buffers.iter().chain(&checkpoint.entry_buffers);
        for buffer in all_buffers.filter(|b| is_parameter(b)) {
            let states = names::checkpoints(lp.body.id, "final_v", buffer.0);
            let (source, target) = (names::primal(*buffer), self.loaded_buffer(*buffer));
            keep_final.extend(quote! {
                let mut #states = ::gradmacro::__private::Checkpoints::new(1);
                #states.save(&#source[..]);
            });
            give_back_final.extend(quote!(#states.load(0, #target);));
        }
        let load = |generator: &Self, at: TokenStream, parameters: bool| -> TokenStream {
            let mut code = TokenStream::new();
            for buffer in checkpoint
                .buffers
                .iter()
                .filter(|b| parameters || !is_parameter(b))
            {
                let states = names::checkpoints(lp.body.id, "v", buffer.0);
                let target = generator.loaded_buffer(*buffer);
                code.extend(quote!(#states.load(#at, #target);));
            }
            for slot in &checkpoint.slots {
                let states = names::checkpoints(lp.body.id, "s", slot.0);
                let slot = names::slot(*slot);
                code.extend(quote!(#slot = #states[#at];));
            }
            code
        };
        let load_first = load(self, quote!(0), false);
        let mut load_entry = TokenStream::new();
        for buffer in checkpoint.entry_buffers.iter().filter(|b| !is_parameter(b)) {
            let states = names::checkpoints(lp.body.id, "entry_v", buffer.0);
            let target = self.loaded_buffer(*buffer);
            load_entry.extend(quote!(#states.load(0, #target);));
        }
        let recomputed = self
            .inputs
            .recomputed
            .get(&lp.body.id)
            .cloned()
            .unwrap_or_default();
        let with_saves = recomputed.with_saves;
        let iterations = match self.inputs.checkpoints {
            None => {
                let load_k = load(self, quote!(#k), true);
                quote! {
                    for #k in (0..#trips).rev() {
                        #item_binding
                        #load_k
                        #with_saves
                        #reverse
                    }
                }
            }
            Some(slots) => {
                let slot = names::local("slot");
                let (load_slot, save_slot) = (
                    load(self, quote!(#slot), true),
                    self.save_slot(lp, checkpoint, &slot),
                );
                let (schedule, position, primal) = (
                    names::local("schedule"),
                    names::local("position"),
                    recomputed.primal,
                );
                let (at, to) = (names::local("at"), names::local("to"));
                quote! {
                    let mut #schedule = ::gradmacro::__private::Revolve::new(#trips, #slots);
                    let mut #position: usize = 0;
                    loop {
                        match #schedule.next_action() {
                            ::gradmacro::__private::Action::Save { slot: #slot, .. } => { #save_slot }
                            ::gradmacro::__private::Action::Load { slot: #slot, at: #at } => {
                                #load_slot
                                #position = #at;
                            }
                            ::gradmacro::__private::Action::Advance { to: #to } => {
                                while #position < #to {
                                    let #k = #position;
                                    #item_binding
                                    #primal
                                    #position += 1;
                                }
                            }
                            ::gradmacro::__private::Action::Reverse { at: #at } => {
                                let #k = #at;
                                #item_binding
                                #with_saves
                                #reverse
                            }
                            ::gradmacro::__private::Action::Done => break,
                        }
                    }
                }
            }
        };
        quote! {
            let #trips = #trip;
            #keep_final
            #sums
            #iterations
            #add_sums
            // The state before the loop, for the code before it.
            if #trips > 0 { #load_first }
            #load_entry
            #give_back_final
        }
    }

    /// Saves the live state of a checkpointed loop in slot `slot` of a
    /// binomial schedule.
    fn save_slot(
        &self,
        lp: &Loop,
        checkpoint: &Checkpoint,
        slot: &proc_macro2::Ident,
    ) -> TokenStream {
        let mut code = TokenStream::new();
        for buffer in &checkpoint.buffers {
            let states = names::checkpoints(lp.body.id, "v", buffer.0);
            let buffer = names::primal(*buffer);
            code.extend(quote!(#states.save_slot(#slot, &#buffer[..]);));
        }
        for saved in &checkpoint.slots {
            let states = names::checkpoints(lp.body.id, "s", saved.0);
            let variable = names::slot(*saved);
            code.extend(quote!(::gradmacro::__private::save_slot(&mut #states, #slot, #variable);));
        }
        code
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
