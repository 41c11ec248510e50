//! The forward sweep's records of a max reduction's winner (see
//! [`crate::argmax`]): which iteration's element each of its variables holds.

use super::Forward;
use crate::argmax::{ArgMax, Source, Winner};
use crate::ir::{SlotId, ValueId};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

impl Forward<'_> {
    /// What a max reduction's record becomes where `slot = value` copies into
    /// one of its variables (see [`crate::argmax`]).
    pub(super) fn copy_record(&self, slot: SlotId, value: ValueId) -> Option<TokenStream> {
        self.saves.argmax.values().find_map(|found| {
            let source = found.copy(slot, value)?;
            let record = found.record_of(slot);
            let source = self.copied_record(found, Some(source));
            Some(quote!(#record = #source;))
        })
    }

    /// The record of a copied value: the iteration of an element, the record
    /// of a variable, `usize::MAX` (a constant) for none.
    pub(super) fn copied_record(&self, found: &ArgMax, source: Option<Source>) -> TokenStream {
        match source {
            Some(Source::Element(_)) => {
                let trip = names::primal(found.trip);
                quote!(#trip)
            }
            Some(Source::Slot(slot)) => {
                let record = found.record_of(slot);
                quote!(#record)
            }
            Some(Source::Constant) | None => quote!(usize::MAX),
        }
    }

    /// A max reduction's `max`/`min` step: the value, and the record set
    /// where the element wins. Not through the rule and its partials (the
    /// reverse sweep reads none): testing a partial for zero kept the running
    /// maximum in a chain of selects, four times slower than the primal's
    /// loop.
    pub(super) fn argmax_step(
        &self,
        found: &ArgMax,
        rule: &str,
        args: &[TokenStream],
        mutable: bool,
    ) -> TokenStream {
        let Winner::Rule {
            rule: value,
            element_arg,
        } = found.winner
        else {
            return TokenStream::new();
        };
        let step = match rule {
            "min" => quote!(min_step),
            _ => quote!(max_step),
        };
        let (name, won) = (names::primal(value), names::local("second_won"));
        let (record, trip) = (names::argmax_record(found.trip), names::primal(found.trip));
        let mutability = mutable.then(|| quote!(mut));
        let element_won = match element_arg {
            1 => quote!(#won),
            _ => quote!(!#won),
        };
        quote! {
            let (#mutability #name, #won) = ::gradmacro::__private::#step(#(#args),*);
            if #element_won { #record = #trip; }
        }
    }
}
