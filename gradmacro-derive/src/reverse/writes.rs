//! The reverse of the nodes that write a buffer: an element store, a push,
//! a length change and a whole overwrite. Each gives the adjoint buffer back
//! the shape it had before the write, and hands what the write read its
//! adjoint.

use super::{Generator, Terms};
use crate::ir::{BlockId, ValueId};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

impl Generator<'_> {
    /// `base[indices] = value`: the element's adjoint goes to `value`, and
    /// the overwritten element gets none (unless the store updates it in
    /// place, `x[i] += e`).
    pub(super) fn store(
        &mut self,
        base: ValueId,
        indices: &[ValueId],
        value: ValueId,
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        let indices: Vec<TokenStream> = indices.iter().map(|index| self.primal(*index)).collect();
        let (buffer, element) = (names::adjoint_buffer(base), self.element_snapshot());
        if let Some(update) = self.in_place.get(&value).copied() {
            // The old element passes through: its adjoint stays.
            code.extend(quote!(let #element = #buffer #([#indices])*;));
            let (other, negative) = (update.other, update.negative);
            self.contribute(other, negative, quote!(#element), here, terms, code);
            return;
        }
        let zero = self.inputs.types.zero(self.inputs.types.of(base).as_ref());
        code.extend(quote! {
            let #element = #buffer #([#indices])*;
            #buffer #([#indices])* = #zero;
        });
        self.contribute(value, false, quote!(#element), here, terms, code);
    }

    /// `base.push(value)`: the adjoint's last element (or row) is the pushed
    /// value's, and the adjoint shrinks with it.
    pub(super) fn push(
        &mut self,
        base: ValueId,
        value: ValueId,
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        // The adjoint has the buffer's length at each point of the
        // sweep: the pushed element is its last.
        let (buffer, counter, element) = (
            names::adjoint_buffer(base),
            names::push_counter(base),
            self.element_snapshot(),
        );
        if self.body().def(value).buffer {
            // A pushed row (`rows.push([a, b])`, a collected
            // `Vec<f64>`): its adjoint is the adjoint's last row.
            let accumulate = self.active(value).then(|| {
                let row = names::adjoint_buffer(value);
                let accumulate_fn = self.inputs.types.accumulate_fn();
                quote!(#accumulate_fn(&mut #row[..], &#element[..]);)
            });
            code.extend(quote! {
                if let ::core::option::Option::Some(#element) = #buffer.pop() {
                    #accumulate
                }
            });
        } else {
            code.extend(quote! {
                let #counter = #buffer.len() - 1;
                let #element = #buffer[#counter];
            });
            self.contribute(value, false, quote!(#element), here, terms, code);
            // Before the push the element did not exist: whatever reads
            // the whole buffer earlier (`vec![x; n]`, a copy) must not
            // see it.
            code.extend(quote!(#buffer.truncate(#counter);));
        }
    }

    /// `base.truncate(n)` / `base.resize(n, fill)`: the adjoint takes back
    /// its old length, and `fill` the adjoints of the elements added.
    pub(super) fn resize(
        &mut self,
        base: ValueId,
        old_len: ValueId,
        fill: Option<ValueId>,
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        let buffer = names::adjoint_buffer(base);
        let old_len = self.primal(old_len);
        let zero = self.inputs.types.zero(self.inputs.types.of(base).as_ref());
        if let Some(fill) = fill.filter(|fill| self.active(*fill)) {
            // Every element the growth added was `fill`.
            let (added, k) = (self.element_snapshot(), names::local("k"));
            code.extend(quote! {
                let mut #added = #zero;
                for #k in #old_len..#buffer.len() {
                    #added = #added + #buffer[#k];
                }
            });
            self.contribute(fill, false, quote!(#added), here, terms, code);
        }
        // The elements a shrink dropped reach nothing: zero adjoints.
        code.extend(quote!(#buffer.resize(#old_len, #zero);));
    }

    /// `target = source` of two buffers in a branch or loop.
    pub(super) fn overwrite(
        &mut self,
        target: ValueId,
        source: ValueId,
        old_len: ValueId,
        code: &mut TokenStream,
    ) {
        // The source's adjoint takes the target's; the target's
        // earlier contents, overwritten, get none, at the length
        // they had.
        let target_adjoint = names::adjoint_buffer(target);
        let accumulate_fn = self.inputs.types.accumulate_fn();
        if self.active(source) {
            let source_adjoint = names::adjoint_buffer(source);
            code.extend(quote!(#accumulate_fn(&mut #source_adjoint[..], &#target_adjoint[..]);));
        }
        let old_len = self.primal(old_len);
        let reset = self.inputs.types.reset_fn();
        code.extend(quote!(#reset(&mut #target_adjoint, #old_len);));
    }
}
