//! `NAME_pullback`: the value and, for an output adjoint, the adjoint of
//! every parameter (a vector-Jacobian product), which is how calls compose.
//!
//! Without out-parameters its signature is the function's parameters, then
//! `seed: R`; it returns `(value, (adjoint of each parameter,))`, `()` for
//! constants.
//!
//! With out-parameters (`&mut` floats and float buffers, whose contents on
//! return are outputs too) the seed is `Option<R>` (`None`: the returned
//! value is not used; `R` may be `()`), and each out-parameter `p` gets a
//! `&mut` adjoint parameter after the seed, in parameter order: on entry it
//! holds the adjoint of `p`'s contents on return, on exit the adjoint of its
//! contents on entry (what the caller's earlier code passes back through).
//! The adjoint tuple has `()` in an out-parameter's place. A caller passing
//! `&mut` float arguments uses this convention, so a hand-written pullback of
//! such a function must follow it too.

use super::{companion, returned, Source, Sweeps};
use crate::names::{out_adjoint, seed};
use crate::signature::FnSignature;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The out-parameters the pullback takes a `&mut` adjoint for, in order.
fn out_parameters(sig: &FnSignature) -> impl Iterator<Item = usize> + '_ {
    (0..sig.params.len()).filter(|&index| sig.params[index].out && !sig.params[index].is_wild)
}

/// The returned value's type: the float, or `()`.
fn return_type(sig: &FnSignature) -> TokenStream {
    match sig.unit_return {
        true => quote!(()),
        false => {
            let ty = sig.ret.ident();
            quote!(#ty)
        }
    }
}

/// Whether parameter `index` has an entry in the returned adjoint tuple (a
/// receiver has none) and whether it is its adjoint (an out-parameter's
/// goes back through its `&mut` adjoint: `()`).
fn returned_adjoint(sig: &FnSignature, index: usize) -> Option<bool> {
    let param = &sig.params[index];
    param.receiver.is_none().then_some(!param.out)
}

/// The pullback's parameters after the function's (the seed, and one
/// `&mut` adjoint per out-parameter) and its return type.
pub(super) fn signature(sig: &FnSignature) -> (Vec<TokenStream>, TokenStream) {
    let ret_ty = return_type(sig);
    let mut extra = Vec::new();
    if out_parameters(sig).next().is_none() {
        let seed_name = seed();
        extra.push(quote!(#seed_name: #ret_ty));
    } else {
        let given = crate::names::local("seed_given");
        extra.push(quote!(#given: ::core::option::Option<#ret_ty>));
        for index in out_parameters(sig) {
            let (name, ty) = (out_adjoint(index), sig.params[index].out_adjoint_type());
            extra.push(quote!(#name: #ty));
        }
    }
    let adjoint_types = adjoint_types(sig);
    (extra, quote!((#ret_ty, (#(#adjoint_types,)*))))
}

/// The types of the adjoints `NAME_pullback` returns, in parameter order.
fn adjoint_types(sig: &FnSignature) -> Vec<TokenStream> {
    (0..sig.params.len())
        .filter_map(|index| {
            returned_adjoint(sig, index).map(|returned| match returned {
                true => sig.params[index]
                    .gradient_type()
                    .unwrap_or_else(|| quote!(())),
                false => quote!(()),
            })
        })
        .collect()
}

/// The adjoints `NAME_pullback` returns, from the sweeps' adjoint of every
/// parameter.
fn returned_adjoints(sig: &FnSignature, adjoints: Vec<TokenStream>) -> Vec<TokenStream> {
    adjoints
        .into_iter()
        .enumerate()
        .filter_map(|(index, adjoint)| {
            returned_adjoint(sig, index).map(|returned| match returned {
                true => adjoint,
                false => quote!(()),
            })
        })
        .collect()
}

/// `NAME_pullback_lent`'s parameters after the function's (the seed, and one
/// `&mut` adjoint per float buffer reference and out-parameter) and its
/// return type; `None` when it has no buffer reference or out-parameter.
pub(super) fn lent_signature(sig: &FnSignature) -> Option<(Vec<TokenStream>, TokenStream)> {
    let lent: Vec<(usize, TokenStream)> = (0..sig.params.len())
        .filter_map(|index| Some((index, sig.params[index].lent_adjoint_type()?)))
        .collect();
    if lent.is_empty() {
        return None;
    }
    let ret_ty = return_type(sig);
    let given = crate::names::local("seed_given");
    let mut extra = vec![quote!(#given: ::core::option::Option<#ret_ty>)];
    for (index, ty) in &lent {
        let name = out_adjoint(*index);
        extra.push(quote!(#name: #ty));
    }
    let adjoint_types = (0..sig.params.len()).filter_map(|index| {
        let param = &sig.params[index];
        param
            .receiver
            .is_none()
            .then(|| match lent.iter().any(|(lent, _)| *lent == index) {
                true => quote!(()),
                false => param.gradient_type().unwrap_or_else(|| quote!(())),
            })
    });
    Some((extra, quote!((#ret_ty, (#(#adjoint_types,)*)))))
}

/// The parameters whose adjoint `NAME_pullback_lent` adds into in place:
/// float buffers taken by shared reference and not rebound (`mut`), which
/// have one value in the body. The caller's `&mut` adjoint is their adjoint
/// buffer, so the sweep allocates none and no result is copied back.
pub(super) fn in_place_parameters(sig: &FnSignature) -> impl Iterator<Item = usize> + '_ {
    (0..sig.params.len()).filter(|&index| {
        let param = &sig.params[index];
        !param.out && !param.mutable && !param.is_wild && param.lent_adjoint_type().is_some()
    })
}

/// `NAME_pullback_lent`: the pullback in the convention of a call that
/// passes a `&mut` buffer parameter on by name (`update(state)`), whose
/// caller cannot see whether `update` takes `&mut [f64]` or `&[f64]`. Every
/// float buffer taken by reference gets a `&mut` adjoint after the seed, as
/// an out-parameter does: a `&[f64]` one's adjoint is added into it, an
/// out-parameter's is turned from the adjoint after the call into the one
/// before it, as in `NAME_pullback`. The seed is an `Option`. The same
/// sweeps as `NAME_pullback`, or ones where buffers read through a shared
/// reference are added into directly (`sweeps.in_place`).
fn lent_pullback(source: &Source, sweeps: &Sweeps) -> Option<TokenStream> {
    let Source { sig, lowered, .. } = *source;
    let (extra_params, ret) = lent_signature(sig)?;
    let name = format_ident!("{}_pullback_lent", sig.name);
    let doc = format!(
        " Pullback of `{}` for a caller that passes a `&mut` buffer on by name: every float buffer reference's adjoint is taken `&mut`, generated by `#[differentiate]`.",
        sig.name
    );
    let Sweeps {
        declarations,
        forward,
        reverse,
        adjoints,
        types,
        ..
    } = sweeps;
    let prelude = seed_prelude(sig);
    let (_, epilogue) = out_code(source, adjoints);
    let accumulate_fn = types.accumulate_fn();
    let mut added = TokenStream::new();
    let mut returned_adjoints = Vec::new();
    let in_place_parameters = &sweeps.in_place;
    for (index, param) in sig.params.iter().enumerate() {
        if param.receiver.is_some() {
            continue;
        }
        match (param.lent_adjoint_type().is_some(), param.out) {
            (true, true) => returned_adjoints.push(quote!(())),
            (true, false) if in_place_parameters.contains(&index) => {
                returned_adjoints.push(quote!(()))
            }
            (true, false) => {
                let (target, adjoint) = (out_adjoint(index), &adjoints[index]);
                added.extend(quote!(#accumulate_fn(&mut (*#target)[..], &#adjoint[..]);));
                returned_adjoints.push(quote!(()));
            }
            (false, _) => returned_adjoints.push(adjoints[index].clone()),
        }
    }
    let value = returned(lowered);
    Some(companion(
        source,
        &name,
        &doc,
        &extra_params,
        ret,
        quote! {
            #prelude
            #declarations
            #forward
            #reverse
            #epilogue
            #added
            (#value, (#(#returned_adjoints,)*))
        },
    ))
}

/// `NAME_pullback`, from sweeps seeded with [`seed`] (and the out-adjoints),
/// and `NAME_pullback_lent` from its own sweeps, or the same ones.
pub(super) fn pullback(source: &Source, sweeps: Sweeps, lent: Option<Sweeps>) -> TokenStream {
    let lent = lent_pullback(source, lent.as_ref().unwrap_or(&sweeps));
    let pullback = plain_pullback(source, sweeps);
    quote!(#pullback #lent)
}

fn plain_pullback(source: &Source, sweeps: Sweeps) -> TokenStream {
    let Source { sig, lowered, .. } = *source;
    let name = format_ident!("{}_pullback", sig.name);
    let doc = format!(
        " Pullback of `{}`: its value and, for an output adjoint `seed`, the adjoint of every parameter (`()` for constants), generated by `#[differentiate]`.",
        sig.name
    );
    let Sweeps {
        declarations,
        forward,
        reverse,
        adjoints,
        ..
    } = sweeps;
    let (extra_params, ret) = signature(sig);
    let (prelude, epilogue) = out_code(source, &adjoints);
    let adjoints = returned_adjoints(sig, adjoints);
    let value = returned(lowered);
    companion(
        source,
        &name,
        &doc,
        &extra_params,
        ret,
        quote! {
            #prelude
            #declarations
            #forward
            #reverse
            #epilogue
            (#value, (#(#adjoints,)*))
        },
    )
}

/// `let seed = seed_given.unwrap_or(0)`: the optional seed of the
/// out-parameter convention (nothing for a function returning `()`).
fn seed_prelude(sig: &FnSignature) -> TokenStream {
    if sig.unit_return {
        return TokenStream::new();
    }
    let (seed_name, given) = (seed(), crate::names::local("seed_given"));
    let (ty, zero) = (return_type(sig), sig.ret.constant(0.0));
    quote! {
        let #seed_name: #ty = match #given {
            ::core::option::Option::Some(seed) => seed,
            ::core::option::Option::None => #zero,
        };
    }
}

/// For a function with out-parameters: the prelude that unwraps the seed,
/// and the epilogue that writes each `&mut f64` out-parameter's adjoint at
/// entry back through its `&mut` adjoint.
fn out_code(source: &Source, adjoints: &[TokenStream]) -> (TokenStream, TokenStream) {
    let Source { sig, lowered, .. } = *source;
    if lowered.outs.is_empty() {
        return (TokenStream::new(), TokenStream::new());
    }
    let prelude = seed_prelude(sig);
    let mut epilogue = TokenStream::new();
    for out in lowered.outs.iter().filter(|out| out.scalar) {
        // The adjoint reaching `*x` as read at entry.
        let (name, adjoint) = (out_adjoint(out.param), &adjoints[out.param]);
        epilogue.extend(quote!(*#name = #adjoint;));
    }
    (prelude, epilogue)
}
