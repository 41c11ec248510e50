//! The forward sweep of checkpointed loops (see `fuse/checkpoint.rs`): the
//! primal that saves each iteration's starting state, and the iteration's
//! code as the reverse sweep runs it again.

use super::Forward;
use crate::fuse::Checkpoint;
use crate::ir::{BlockId, LoopKind, Node, Op};
use crate::names::{self, primal};
use crate::save::Saves;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;

/// The forward code of one iteration of each checkpointed loop: with its
/// saves, which the reverse sweep runs just before reversing the iteration,
/// and without, which a binomial schedule runs to move the state forward.
pub fn recomputed_iterations(sweep: &Forward) -> HashMap<BlockId, Recomputed> {
    let mut out = HashMap::new();
    for node in &sweep.body.root.nodes {
        if let Node::Loop(lp) = node {
            if let Some(checkpoint) = sweep.fusion.checkpoint(lp.body.id) {
                let recomputed = Recomputed {
                    with_saves: sweep.block(&lp.body),
                    primal: sweep.primal_iteration(lp, checkpoint),
                };
                out.insert(lp.body.id, recomputed);
            }
        }
    }
    out
}

/// A checkpointed loop's iteration, as the reverse sweep runs it again.
#[derive(Default, Clone)]
pub struct Recomputed {
    /// With its saves: run just before the iteration is reversed.
    pub with_saves: TokenStream,
    /// Without: run by a binomial schedule to move the state forward.
    pub primal: TokenStream,
}

impl Forward<'_> {
    /// An iteration of a checkpointed loop as the primal runs it: no saves,
    /// and no copies before `&mut` loans (only the reverse reads them).
    fn primal_iteration(&self, lp: &crate::ir::Loop, checkpoint: &Checkpoint) -> TokenStream {
        let nothing_saved = Saves::none();
        let primal_only = Forward {
            saves: &nothing_saved,
            skipped: &checkpoint.loan_copies,
            ..*self
        };
        primal_only.block(&lp.body)
    }

    /// A checkpointed loop (see `fuse/checkpoint.rs`): the primal, saving
    /// the state each iteration starts from and nothing else; the reverse
    /// sweep recomputes each iteration's saves from that state.
    pub(super) fn checkpointed_loop(&self, lp: &crate::ir::Loop) -> TokenStream {
        let Some(checkpoint) = self.fusion.checkpoint(lp.body.id) else {
            return TokenStream::new();
        };
        let LoopKind::For { item, iter } = &lp.kind else {
            return TokenStream::new();
        };
        let body = self.primal_iteration(lp, checkpoint);
        let mut declare = TokenStream::new();
        let mut save = TokenStream::new();
        let iter_value = self.value(*iter);
        // One state per iteration, or (`checkpoints = N`) at most `N`: the
        // forward sweep then saves the state before the loop only, and the
        // reverse sweep's binomial schedule saves the others as it goes
        // (see `gradmacro::__private::Revolve`).
        let expected = match self.sig.checkpoints {
            Some(slots) => quote!(#slots),
            None => quote!(::gradmacro::__private::loop_hint(&#iter_value)),
        };
        for buffer in &checkpoint.buffers {
            let states = names::checkpoints(lp.body.id, "v", buffer.0);
            let buffer = primal(*buffer);
            declare.extend(
                quote!(let mut #states = ::gradmacro::__private::Checkpoints::new(#expected);),
            );
            save.extend(quote!(#states.save(&#buffer[..]);));
        }
        // Buffers only overwritten in the loop: their state before it, once.
        let mut entry = TokenStream::new();
        for buffer in &checkpoint.entry_buffers {
            if matches!(self.body.def(*buffer).op, Op::Param { .. }) {
                continue;
            }
            let states = names::checkpoints(lp.body.id, "entry_v", buffer.0);
            let buffer = primal(*buffer);
            entry.extend(quote! {
                let mut #states = ::gradmacro::__private::Checkpoints::new(1);
                #states.save(&#buffer[..]);
            });
        }
        for slot in &checkpoint.slots {
            let states = names::checkpoints(lp.body.id, "s", slot.0);
            let slot = names::slot(*slot);
            declare.extend(quote!(let mut #states = ::std::vec::Vec::with_capacity(#expected);));
            save.extend(quote!(#states.push(#slot);));
        }
        let (trip, item, iter) = (primal(lp.trip), names::loop_item(*item), iter_value);
        match self.sig.checkpoints {
            Some(_) => quote! {
                #declare
                #entry
                #save
                for #item in #iter { #trip += 1; #body }
            },
            None => quote! {
                #declare
                #entry
                for #item in #iter { #trip += 1; #save #body }
            },
        }
    }
}
