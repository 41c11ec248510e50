//! The reverse of a max or min reduction recorded by its argmax (see
//! [`crate::argmax`]).

use super::Generator;
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

impl Generator<'_> {
    /// The reverse of a max or min reduction (see [`crate::argmax`]): the
    /// result's adjoint goes to the element that won last, if one did (none,
    /// for a constant copied in), and otherwise stays with the initial value.
    pub(super) fn argmax_reverse(&mut self, found: &crate::argmax::ArgMax) -> TokenStream {
        let record = names::argmax_record(found.trip);
        let adjoint = names::slot_adjoint(found.slot);
        let zero = self
            .inputs
            .types
            .of_active(self.inputs.types.of_slot(found.slot))
            .constant(0.0);
        let (start, item) = (self.primal(found.start), names::primal(found.item));
        let buffer = names::adjoint_buffer(found.base);
        let taken = names::local("won");
        let add = self.add_into(quote!(#buffer[#item]), false, quote!(#taken));
        // (`usize::MAX`: it holds a constant, see `Forward::copied_record`.)
        quote! {
            if #record > 0 {
                let #taken = #adjoint;
                #adjoint = #zero;
                if #record != usize::MAX {
                    let #item = ::gradmacro::__private::range_item(#start, #record - 1);
                    #add
                }
            }
        }
    }
}
