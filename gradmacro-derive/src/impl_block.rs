//! `#[differentiate]` on an `impl` block: companions for its methods, in an
//! inherent `impl` of the same type beside it.
//!
//! An attribute on a method of `impl Trait for S` cannot add `NAME_grad` to
//! that block (a trait impl holds the trait's items only), and an attribute
//! cannot see which kind of block it is in. On the block itself it can: the
//! methods marked `#[differentiate(...)]` inside (or, when none is marked,
//! every method, with the block attribute's options) get their companions in
//! `impl S { .. }`, public where the method belongs to a trait (trait methods
//! have no visibility of their own).

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// The block with the inner `#[differentiate]` attributes taken off, and the
/// inherent `impl` with the companions (or the errors, with stubs).
pub fn expand(attr: TokenStream, mut block: syn::ItemImpl) -> TokenStream {
    let marked = block.items.iter().any(|item| match item {
        syn::ImplItem::Fn(method) => method.attrs.iter().any(is_differentiate),
        _ => false,
    });
    let in_trait = block.trait_.is_some();
    let mut companions = TokenStream::new();
    for item in &mut block.items {
        let syn::ImplItem::Fn(method) = item else {
            continue;
        };
        let own = take_differentiate(&mut method.attrs);
        let options = match (own, marked) {
            (Some(options), _) => options,
            (None, false) => attr.clone(),
            (None, true) => continue,
        };
        let vis = match in_trait {
            true => syn::parse_quote!(pub),
            false => method.vis.clone(),
        };
        let function = syn::ItemFn {
            attrs: method.attrs.clone(),
            vis,
            sig: method.sig.clone(),
            block: Box::new(method.block.clone()),
        };
        companions.extend(crate::expand::companions_or_errors(
            options,
            function.to_token_stream(),
        ));
    }
    let (generics, _, where_clause) = block.generics.split_for_impl();
    let self_ty = &block.self_ty;
    quote! {
        #block
        impl #generics #self_ty #where_clause {
            #companions
        }
    }
}

fn is_differentiate(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "differentiate")
}

/// Removes the first `#[differentiate(..)]` and returns its options.
fn take_differentiate(attrs: &mut Vec<syn::Attribute>) -> Option<TokenStream> {
    let index = attrs.iter().position(is_differentiate)?;
    let attr = attrs.remove(index);
    Some(match attr.meta {
        syn::Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    })
}
