//! Loop-invariant adjoint entries: an element read whose index does not change
//! across a loop (`xc[col]` in `for row in col + 1..d { qx[row] += l[e] *
//! xc[col] }`) adds into the same entry of its adjoint buffer every reverse
//! iteration. Literally, that is a load, an add and a store of one memory
//! location per iteration, a dependency chain through memory that LLVM cannot
//! keep in a register (it cannot prove the adjoint buffers do not alias). A
//! hand-written gradient sums in a local and adds once; so does this: the
//! reverse loop sums into an accumulator declared before it and adds the sum
//! into the entry after it.
//!
//! The sum is added only if it is not zero: a read that never ran (a loop of
//! no iterations, a branch not taken) may have an index out of bounds, and a
//! read that ran added nothing to its entry if its sum is zero.
//!
//! Valid when nothing in the loop reads or resets that adjoint buffer: no
//! store, push, resize or whole assignment into the buffer and no `&mut` loan
//! of it in the loop (whose reverse takes the entry's adjoint), so the only
//! accesses are additions, which commute.

use super::Generator;
use crate::ir::{Loop, Node, Op, ValueId};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashSet;

impl Generator<'_> {
    /// The element reads of `lp` (at any depth) that add into the same entry
    /// of their adjoint buffer in every iteration, not already summed by an
    /// enclosing loop.
    pub(super) fn invariant_reads(&self, lp: &Loop) -> Vec<ValueId> {
        let body = self.inputs.body;
        let inside = lp.body.block_ids();
        let mut written: HashSet<ValueId> = HashSet::new();
        let mut reads = Vec::new();
        lp.body.walk(&mut |node| match node {
            Node::Store { base, .. }
            | Node::Push { base, .. }
            | Node::Resize { base, .. }
            | Node::Overwrite { target: base, .. } => {
                written.insert(*base);
            }
            Node::Def(value) => {
                written.extend(body.written_by_call(*value));
                reads.push(*value);
            }
            _ => {}
        });
        reads
            .into_iter()
            .filter(|value| {
                let stmt = body.def(*value);
                let Op::Index { base, indices } = &stmt.op else {
                    return false;
                };
                // The buffer itself outlives the loop (one made in each
                // iteration has an adjoint of each iteration's).
                !stmt.buffer
                    && !inside.contains(&body.def(*base).home)
                    && self.active(*base)
                    && self.active(*value)
                    && !written.contains(base)
                    && !self.inputs.fusion.is_sole_contribution(*value)
                    && !self.summed_entries.contains_key(value)
                    && indices
                        .iter()
                        .all(|index| !inside.contains(&body.def(*index).home))
            })
            .collect()
    }

    /// Starts summing the adjoints of `reads` in accumulators: their
    /// declarations, to go before the reverse loop.
    pub(super) fn begin_summing(&mut self, reads: &[ValueId]) -> TokenStream {
        let mut code = TokenStream::new();
        for &read in reads {
            self.summed_entries.insert(read, false);
            let (name, zero) = (
                names::entry_accumulator(read),
                self.zero(self.inputs.types.of(read)),
            );
            code.extend(quote!(let mut #name #zero;));
        }
        code
    }

    /// Stops summing `reads`: the additions into their entries, to go after
    /// the reverse loop (none for a read whose adjoint nothing reached).
    pub(super) fn end_summing(&mut self, reads: &[ValueId]) -> TokenStream {
        let mut code = TokenStream::new();
        for &read in reads {
            if self.summed_entries.remove(&read) != Some(true) {
                continue;
            }
            let Op::Index { base, indices } = &self.inputs.body.def(read).op else {
                continue;
            };
            let buffer = names::adjoint_buffer(*base);
            let indices: Vec<TokenStream> = indices.iter().map(|i| self.primal(*i)).collect();
            let name = names::entry_accumulator(read);
            let zero = self
                .inputs
                .types
                .of_active(self.inputs.types.of(read))
                .constant(0.0);
            // Only if the read ran: a loop that ran zero times, or a read under
            // a branch not taken, leaves an index that may be out of bounds.
            let add = self.add_into(quote!(#buffer #([#indices])*), false, quote!(#name));
            code.extend(quote!(if #name != #zero { #add }));
        }
        code
    }
}
