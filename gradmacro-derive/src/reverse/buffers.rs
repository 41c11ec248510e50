//! The reverse sweep of buffers: adjoint buffers, the parts of them a call
//! or a copy reaches, and what a local buffer's adjoint passes back to what
//! it was made from.

use super::{Generator, Terms};
use crate::ir::{BlockId, BufferInit, Op, RepeatLen, ValueId, ROOT};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

impl Generator<'_> {
    /// A zero adjoint for a buffer. Where the buffer lives in the root block it
    /// is `zeros_like(&buffer)`; a local buffer of a nested block is out of scope
    /// in the reverse sweep, so a repeated or listed one is rebuilt from its
    /// constructor (reading only its length), and any other is saved (also
    /// one whose length changes after it is made).
    pub(super) fn zero_buffer(&mut self, value: ValueId) -> TokenStream {
        let body = self.inputs.body;
        let stmt = body.def(value);
        let zero = match self.inputs.types.of(value) {
            Some(float @ crate::signature::FloatTy::Generic(_)) => float.constant(0.0),
            Some(float) => {
                let ty = float.ident();
                quote!((0.0 as #ty))
            }
            None => self.inputs.types.zero(None),
        };
        let scalar = |v: &ValueId| !body.def(*v).buffer;
        if stmt.home != ROOT && !self.resized.contains(&value) {
            match &stmt.op {
                Op::Buffer(BufferInit::Repeat { elem, len }) if scalar(elem) => {
                    return match len {
                        RepeatLen::Vec(len) => {
                            let len = self.primal(*len);
                            quote!(::std::vec![#zero; #len])
                        }
                        RepeatLen::Array(len) => quote!([#zero; #len]),
                    };
                }
                Op::Buffer(BufferInit::List { elems, vec }) if elems.iter().all(scalar) => {
                    let zeros = elems.iter().map(|_| &zero);
                    return if *vec {
                        quote!(::std::vec![#(#zeros),*])
                    } else {
                        quote!([#(#zeros),*])
                    };
                }
                Op::Buffer(BufferInit::Copy {
                    source,
                    prefix,
                    range,
                    ..
                }) if body.def(*source).home == ROOT
                    && !self.resized.contains(source)
                    && (prefix.is_empty() || range.is_some()) =>
                {
                    let source = self.named(*source);
                    let part = self.part_of(source, prefix, *range);
                    return self.inputs.types.zeros_like(quote!(#part));
                }
                _ => {}
            }
        }
        let buffer = self.named(value);
        self.inputs.types.zeros_like(quote!(#buffer))
    }

    /// `buffer[prefix..][start..end]`, `buffer[prefix..]` or `buffer`: a part
    /// lent `&mut` (a whole buffer, a row, an element or a slice).
    pub(super) fn lent_part(
        &mut self,
        buffer: TokenStream,
        prefix: &[ValueId],
        range: Option<(ValueId, ValueId)>,
    ) -> TokenStream {
        let prefix: Vec<TokenStream> = prefix.iter().map(|index| self.primal(*index)).collect();
        let range = range.map(|(start, end)| {
            let (start, end) = (self.primal(start), self.primal(end));
            quote!([#start..#end])
        });
        quote!(#buffer #([#prefix])* #range)
    }

    /// `buffer[prefix..][start..end]` (or `[..]`), with the primal indices.
    pub(super) fn part_of(
        &mut self,
        buffer: TokenStream,
        prefix: &[ValueId],
        range: Option<(ValueId, ValueId)>,
    ) -> TokenStream {
        let prefix: Vec<TokenStream> = prefix.iter().map(|index| self.primal(*index)).collect();
        let range = match range {
            Some((start, end)) => {
                let (start, end) = (self.primal(start), self.primal(end));
                quote!(#start..#end)
            }
            None => quote!(..),
        };
        quote!(#buffer #([#prefix])* [#range])
    }

    /// A fresh name for a buffer element's adjoint.
    pub(super) fn element_snapshot(&mut self) -> proc_macro2::Ident {
        self.snapshots += 1;
        names::element_snapshot(self.snapshots)
    }

    /// What a local buffer's adjoint buffer passes back to what it was made from.
    pub(super) fn buffer_operands(
        &mut self,
        value: ValueId,
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        let body = self.inputs.body;
        let Op::Buffer(init) = &body.def(value).op else {
            return;
        };
        let buffer = names::adjoint_buffer(value);
        let accumulate_fn = self.inputs.types.accumulate_fn();
        let accumulate = |into: ValueId, from: TokenStream| {
            let target = names::adjoint_buffer(into);
            quote!(#accumulate_fn(&mut #target[..], &#from[..]);)
        };
        match init {
            BufferInit::Repeat { elem, .. } if self.active(*elem) => {
                if body.def(*elem).buffer {
                    let row = names::local("row");
                    let accumulated = accumulate(*elem, quote!(#row));
                    code.extend(quote!(for #row in #buffer.iter() { #accumulated }));
                } else {
                    let ty = self.inputs.types.of(*elem).map(|float| float.ident());
                    let sum = if self.inputs.types.is_generic() {
                        let zero = self.inputs.types.zero(None);
                        let (total, entry) = (names::local("sum"), names::local("entry"));
                        quote!(#buffer.iter().fold(#zero, |#total, &#entry| #total + #entry))
                    } else {
                        quote!(#buffer.iter().copied().sum::<#ty>())
                    };
                    self.contribute(*elem, false, sum, here, terms, code);
                }
            }
            BufferInit::List { elems, .. } => {
                for (index, elem) in elems.iter().enumerate() {
                    if !self.active(*elem) {
                        continue;
                    }
                    if body.def(*elem).buffer {
                        code.extend(accumulate(*elem, quote!(#buffer[#index])));
                    } else {
                        self.contribute(*elem, false, quote!(#buffer[#index]), here, terms, code);
                    }
                }
            }
            BufferInit::Copy {
                source,
                prefix,
                range,
                ..
            } if self.active(*source) => {
                let target = names::adjoint_buffer(*source);
                let part = self.part_of(quote!(#target), prefix, *range);
                code.extend(quote!(#accumulate_fn(&mut #part, &#buffer[..]);));
            }
            _ => {}
        }
    }
}
