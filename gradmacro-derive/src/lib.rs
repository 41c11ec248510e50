//! The `#[differentiate]` attribute of [gradmacro](https://docs.rs/gradmacro).
//! Depend on `gradmacro`, not on this crate: the generated code calls into it.
//!
//! The expansion is a pipeline of small passes, each in its own file:
//!
//! | pass | file | job |
//! |---|---|---|
//! | options | `attr.rs` | parse `wrt = [...]`, keeping spans |
//! | signature | `signature.rs` | classify parameters, check the return type, resolve `wrt` |
//! | lowering | `lower.rs` | body → three-address IR (`ir.rs`), every variable renamed |
//! | activity | `activity.rs` | which values need adjoints; missing derivatives |
//! | forward | `forward.rs` | the primal sweep, with rule partials kept |
//! | reverse | `reverse.rs` | the adjoint sweep |
//! | emission | `emit.rs` | `NAME_grad` and `NAME_pullback` |
//!
//! Set `GRADMACRO_DUMP=1` while building to print each function's IR.

mod activity;
mod attr;
mod emit;
mod forward;
mod ir;
mod lower;
mod names;
mod reverse;
mod rule_table;
mod signature;

use proc_macro::TokenStream;

/// Generates `NAME_grad` (value and gradient) and `NAME_pullback` beside the
/// annotated function. See the `gradmacro` crate for the full contract.
#[proc_macro_attribute]
pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiate(attr.into(), item.into()).into()
}

mod expand {
    use crate::{activity, attr::Options, emit, lower, signature};
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The original item, unchanged, followed by its companions, or by a
    /// `compile_error!` pointing at the problem.
    pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
        match companions(attr, item.clone()) {
            Ok(companions) => quote!(#item #companions),
            Err(error) => {
                let error = error.to_compile_error();
                quote!(#item #error)
            }
        }
    }

    pub(crate) fn companions(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
        let function = parse_function(item)?;
        let options = Options::parse(attr)?;
        let sig = signature::analyze(&function.sig, &options)?;
        let lowered = lower::lower(&function.block, &sig)?;
        if std::env::var_os("GRADMACRO_DUMP").is_some() {
            eprintln!("gradmacro IR of `{}`:\n{}\n", sig.name, lowered.body);
        }
        let wrt_values: Vec<_> = sig.wrt.iter().filter_map(|&i| lowered.params[i]).collect();
        let activity = activity::analyze(&lowered.body, &wrt_values)?;
        let gradient = emit::gradient(&function, &sig, &lowered, &activity);
        // The pullback differentiates every differentiable parameter. If that hits
        // an operation without a derivative that `wrt` avoided, the pullback is
        // left out rather than failing a function whose gradient is fine.
        let all_values: Vec<_> = (0..sig.params.len())
            .filter(|&i| sig.params[i].is_differentiable())
            .filter_map(|i| lowered.params[i])
            .collect();
        let pullback = activity::analyze(&lowered.body, &all_values)
            .ok()
            .map(|activity| emit::pullback(&function, &sig, &lowered, &activity));
        Ok(quote!(#gradient #pullback))
    }

    fn parse_function(item: TokenStream) -> syn::Result<syn::ItemFn> {
        match syn::parse2::<syn::Item>(item.clone()) {
            Ok(syn::Item::Fn(function)) => Ok(function),
            Ok(other) => Err(syn::Error::new(
                keyword_span(&other, &item),
                "#[differentiate] applies to functions only, as in `fn loss(w: f64) -> f64 { ... }`",
            )),
            Err(_) => Err(syn::Error::new(
                first_span(&item),
                "#[differentiate] applies to functions with a body, as in `fn loss(w: f64) -> f64 { ... }`",
            )),
        }
    }

    fn first_span(item: &TokenStream) -> proc_macro2::Span {
        item.clone()
            .into_iter()
            .next()
            .map_or_else(proc_macro2::Span::call_site, |t| t.span())
    }

    /// The item's keyword (`struct`, `impl`, ...), where the error reads best.
    fn keyword_span(item: &syn::Item, tokens: &TokenStream) -> proc_macro2::Span {
        use syn::Item;
        match item {
            Item::Struct(i) => i.struct_token.span,
            Item::Enum(i) => i.enum_token.span,
            Item::Impl(i) => i.impl_token.span,
            Item::Trait(i) => i.trait_token.span,
            Item::Const(i) => i.const_token.span,
            Item::Static(i) => i.static_token.span,
            Item::Mod(i) => i.mod_token.span,
            Item::Type(i) => i.type_token.span,
            Item::Union(i) => i.union_token.span,
            Item::Use(i) => i.use_token.span,
            _ => first_span(tokens),
        }
    }
}
