//! Assembles the generated companions: `NAME_grad` and `NAME_pullback`.
//!
//! Both are the same forward sweep followed by a reverse sweep; they differ in
//! which parameters are differentiated (`wrt` for `NAME_grad`, every
//! differentiable parameter for the pullback, so that callers can differentiate
//! through any argument) and in the output seed (`1` or the caller's seed).

use crate::activity::Activity;
use crate::forward::forward;
use crate::lower::LoweredBody;
use crate::names::seed;
use crate::reverse;
use crate::save::Saves;
use crate::signature::FnSignature;
use crate::types;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashMap;
use syn::ItemFn;

/// The attributes every generated function carries: generated code is allowed to
/// bind values it does not use and to be written in a style no human would pick.
fn allow_attributes() -> TokenStream {
    quote! {
        #[allow(
            unused_variables, unused_mut, unused_parens, unused_braces, unused_imports,
            unused_assignments, unreachable_code, dead_code, non_snake_case,
            clippy::all, clippy::pedantic, clippy::nursery
        )]
    }
}

/// The attributes of the original that must also hold for its companions (`cfg`).
fn carried_attributes(function: &ItemFn) -> TokenStream {
    function
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("inline"))
        .map(|attr| quote!(#attr))
        .collect()
}

/// The parameter list of a companion: the original's, without `mut`.
fn parameters(sig: &FnSignature) -> Vec<TokenStream> {
    sig.params
        .iter()
        .map(|param| match &param.receiver {
            Some(receiver) => quote!(#receiver),
            None => {
                let (name, ty) = (&param.name, &param.ty);
                quote!(#name: #ty)
            }
        })
        .collect()
}

/// The sweeps of one companion: saved-value declarations, the forward sweep, the
/// reverse sweep, and each parameter's adjoint in parameter order (the reverse
/// sweep's adjoint, a typed zero when nothing flowed back, `()` for constants).
pub(super) struct Sweeps {
    pub declarations: TokenStream,
    pub forward: TokenStream,
    pub reverse: TokenStream,
    pub adjoints: Vec<TokenStream>,
    /// Every value's adjoint after the reverse sweep, where it has one.
    pub value_adjoints: Vec<Option<TokenStream>>,
    pub types: types::FloatTypes,
    /// The parameters whose adjoint the sweeps add into the caller's
    /// `&mut` adjoint in place (`NAME_pullback_lent`'s).
    pub in_place: Vec<usize>,
}

/// How a companion seeds the reverse sweep: the returned value's adjoint,
/// and, for a pullback of a function with out-parameters, the adjoints of
/// their final contents (the pullback's `&mut` adjoint parameters).
pub(super) struct Seeds {
    pub ret: TokenStream,
    pub outs: bool,
    /// `NAME_pullback_lent`'s sweeps: the float buffers taken by shared
    /// reference add into the caller's `&mut` adjoints in place (see
    /// [`pullback::in_place_parameters`]).
    pub lent: bool,
}

impl Seeds {
    fn of_return(ret: TokenStream) -> Seeds {
        Seeds {
            ret,
            outs: false,
            lent: false,
        }
    }
}

/// The sweeps of a companion; `explain` names every value and adjoint (its
/// graph reads them all), the others write constants inline.
pub(super) fn sweeps(source: &Source, activity: &Activity, seeds: Seeds, explain: bool) -> Sweeps {
    let seed = seeds.ret;
    let mut out_seeds: Vec<reverse::OutSeed> = match seeds.outs {
        true => source
            .lowered
            .outs
            .iter()
            .map(|out| reverse::OutSeed {
                value: out.last,
                adjoint: crate::names::out_adjoint(out.param),
                buffer: !out.scalar,
            })
            .collect(),
        false => Vec::new(),
    };
    let Source { sig, lowered, .. } = *source;
    let body = &lowered.body;
    let types = types::infer(body, sig);
    let defer = !types.is_generic();
    let mut in_place = Vec::new();
    if seeds.lent {
        // A buffer read through a shared reference has one value, whose
        // adjoint buffer is the caller's: it is added into in place, unless
        // a deferred loop would scale it (it must hold only that loop's
        // contributions): that one is added in after the sweeps.
        let plain = crate::fuse::analyze(
            body,
            activity,
            crate::fuse::Options {
                defer,
                seeded: &[],
                bounded: sig.checkpoints.is_some(),
            },
        );
        for index in pullback::in_place_parameters(sig) {
            let Some(value) = lowered.params[index] else {
                continue;
            };
            if plain.scales_in_place(value) {
                continue;
            }
            in_place.push(index);
            out_seeds.push(reverse::OutSeed {
                value,
                adjoint: crate::names::out_adjoint(index),
                buffer: true,
            });
        }
    }
    let seeded: Vec<crate::ir::ValueId> = out_seeds
        .iter()
        .filter(|out| out.buffer)
        .map(|out| out.value)
        .collect();
    let fusion = crate::fuse::analyze(
        body,
        activity,
        crate::fuse::Options {
            defer,
            seeded: &seeded,
            bounded: sig.checkpoints.is_some(),
        },
    );
    let preaccumulated =
        crate::preaccumulate::choose(body, activity, &fusion, types.is_generic(), &sig.name);
    let plan = preaccumulated.to_string();
    if std::env::var_os("GRADMACRO_DUMP").is_some() && !plan.is_empty() {
        eprintln!("gradmacro calls in `{}`:\n{plan}", sig.name);
    }
    if std::env::var_os("GRADMACRO_DUMP").is_some() && !fusion.to_string().is_empty() {
        eprintln!("gradmacro fusion in `{}`:\n{fusion}", sig.name);
    }
    // A dry run finds what the reverse sweep reads; the real run then restores
    // the values that are saved. Only values of nested blocks are ever saved:
    // straight-line code needs no dry run.
    let saves = if body.blocks.len() == 1 {
        Saves::none()
    } else {
        let dry_run = |saves: &Saves| {
            reverse::reverse(
                &reverse::Inputs {
                    body,
                    activity,
                    types: &types,
                    saves,
                    fusion: &fusion,
                    name_every_adjoint: explain,
                    out_seeds: &out_seeds,
                    preaccumulated: &preaccumulated,
                    recomputed: &HashMap::new(),
                    checkpoints: sig.checkpoints,
                },
                seed.clone(),
            )
            .referenced
        };
        let argmax = crate::argmax::find(body, activity, &fusion);
        if std::env::var_os("GRADMACRO_DUMP").is_some() {
            let mut loops: Vec<_> = argmax.keys().collect();
            loops.sort();
            for block in loops {
                eprintln!(
                    "gradmacro: loop b{} of `{}` is reversed by its recorded argmax",
                    block.0, sig.name
                );
            }
        }
        let with_argmax = |mut saves: Saves| {
            saves.argmax = argmax.clone();
            saves
        };
        let referenced = dry_run(&with_argmax(Saves::none()));
        // Buffers whose overwritten elements are cheaper to save than the
        // reads that need them; a second dry run reads those again instead.
        let restored = crate::restore::choose(body, activity, &fusion, &referenced);
        let counters = crate::counters::choose(body, activity, &fusion, &referenced);
        if std::env::var_os("GRADMACRO_DUMP").is_some()
            && !(restored.is_empty() && counters.is_empty())
        {
            eprintln!(
                "gradmacro save plan of `{}`:\n{restored}{counters}",
                sig.name
            );
        }
        let referenced = match restored.is_empty() && counters.is_empty() {
            true => referenced,
            false => dry_run(&with_argmax(Saves::planned(
                restored.clone(),
                counters.clone(),
            ))),
        };
        let saves = with_argmax(Saves::new(
            body,
            &referenced,
            &fusion,
            &types,
            (restored, counters),
        ));
        if std::env::var_os("GRADMACRO_DUMP").is_some() {
            let report = saves.report(body, &types);
            if !report.is_empty() {
                eprintln!("gradmacro saves of `{}`:\n{report}", sig.name);
            }
        }
        saves
    };
    // Checkpointed loops' iterations, recomputed by the reverse sweep (they
    // hold no fused loop, so no fused code).
    let recomputed = crate::forward::recomputed_iterations(&crate::forward::Forward {
        body,
        sig,
        activity,
        saves: &saves,
        fusion: &fusion,
        fused: &HashMap::new(),
        inline_constants: !explain,
        preaccumulated: &preaccumulated,
        types: &types,
        skipped: &[],
    });
    let sweep = reverse::reverse(
        &reverse::Inputs {
            body,
            activity,
            types: &types,
            saves: &saves,
            fusion: &fusion,
            name_every_adjoint: explain,
            out_seeds: &out_seeds,
            preaccumulated: &preaccumulated,
            recomputed: &recomputed,
            checkpoints: sig.checkpoints,
        },
        seed,
    );
    let adjoints = sig
        .params
        .iter()
        .zip(&lowered.params)
        .map(|(param, value)| match param.float() {
            None => quote!(()),
            Some(float) => value
                .and_then(|value| sweep.adjoint(value))
                .unwrap_or_else(|| {
                    if param.is_buffer() {
                        let name = &param.name;
                        types.zeros_like(quote!(#name))
                    } else {
                        float.constant(0.0)
                    }
                }),
        })
        .collect();
    // The scratch buffers call sites lend their callees, declared before
    // both sweeps: allocated once per call of this function.
    let mut scratch = sweep.scratch.clone();
    for index in 0..body.value_count() {
        let call = crate::ir::ValueId(index);
        if preaccumulated.gradient_of(call).is_some() {
            for k in crate::preaccumulate::scratch_arguments(body, activity, &types, call) {
                scratch.insert((call, k));
            }
        }
    }
    let scratch = scratch.into_iter().map(|(call, k)| {
        let name = crate::names::call_scratch(call, k);
        quote!(let mut #name = ::std::vec::Vec::new();)
    });
    let saved = saves.declarations(body, &types);
    Sweeps {
        declarations: quote!(#(#scratch)* #saved),
        forward: forward(&crate::forward::Forward {
            body,
            sig,
            activity,
            saves: &saves,
            fusion: &fusion,
            fused: &sweep.fused,
            inline_constants: !explain,
            preaccumulated: &preaccumulated,
            types: &types,
            skipped: &[],
        }),
        value_adjoints: (0..body.value_count())
            .map(|index| sweep.adjoint(crate::ir::ValueId(index)))
            .collect(),
        reverse: sweep.code,
        adjoints,
        types,
        in_place,
    }
}

/// The returned value as the companions read it (a constant is written out:
/// the forward sweep does not bind constants).
pub(super) fn returned(lowered: &LoweredBody) -> TokenStream {
    let ret = lowered.body.ret;
    match &lowered.body.def(ret).op {
        crate::ir::Op::Const(tokens) => quote!((#tokens)),
        _ => {
            let name = crate::names::primal(ret);
            quote!(#name)
        }
    }
}

fn wrt_list(sig: &FnSignature) -> String {
    sig.wrt
        .iter()
        .map(|&i| match &sig.params[i] {
            param if param.is_wild => format!("`_` (parameter {})", i + 1),
            param => format!("`{}`", param.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What every companion is generated from: the original item, its checked
/// signature and its lowered body.
pub struct Source<'a> {
    pub function: &'a ItemFn,
    pub sig: &'a FnSignature,
    pub lowered: &'a LoweredBody,
}

/// `NAME_grad` and `NAME_pullback`. When both differentiate the same values
/// (`wrt` is every differentiable parameter, the default) and the function has
/// no out-parameters, they share one generated sweep, seeded with a named
/// seed that `NAME_grad` binds to 1: the expansion is generated once and
/// cloned, which halves the macro's time on long functions (LLVM sees the
/// same constant as before). A function returning `()` has no `NAME_grad`.
pub fn gradient_and_pullback(
    source: &Source,
    activity: Option<&Activity>,
    pullback_activity: Option<&Activity>,
) -> TokenStream {
    let seed_name = seed();
    let one = source.sig.ret.constant(1.0);
    let outs = !source.lowered.outs.is_empty();
    let pullback_seeds = |lent| Seeds {
        ret: quote!(#seed_name),
        outs,
        lent,
    };
    // `NAME_pullback_lent` adds into its caller's adjoint buffers in place:
    // sweeps of its own where a buffer is read through a shared reference.
    let lent_sweeps = |all: &Activity| {
        (pullback::lent_signature(source.sig).is_some()
            && pullback::in_place_parameters(source.sig).next().is_some())
        .then(|| sweeps(source, all, pullback_seeds(true), false))
    };
    match (activity, pullback_activity) {
        (Some(activity), Some(all)) if all == activity && !outs => {
            let shared = sweeps(source, activity, pullback_seeds(false), false);
            let ty = source.sig.ret.ident();
            let grad = gradient(source, &shared, quote!(let #seed_name: #ty = #one;));
            let lent = lent_sweeps(all);
            let pullback = pullback::pullback(source, shared, lent);
            quote!(#grad #pullback)
        }
        (activity, all) => {
            let grad = activity.map(|activity| {
                let sweeps = sweeps(source, activity, Seeds::of_return(one), false);
                gradient(source, &sweeps, TokenStream::new())
            });
            let pullback = all.map(|all| {
                let lent = lent_sweeps(all);
                pullback::pullback(
                    source,
                    sweeps(source, all, pullback_seeds(false), false),
                    lent,
                )
            });
            quote!(#grad #pullback)
        }
    }
}

/// `NAME_grad`: the value and the gradient with respect to `wrt`, from the
/// sweeps (after `prelude`, which binds their seed where it is a name).
fn gradient(source: &Source, sweeps: &Sweeps, prelude: TokenStream) -> TokenStream {
    let Source { sig, lowered, .. } = *source;
    let name = format_ident!("{}_grad", sig.name);
    let doc = format!(
        " Value and gradient of `{}` with respect to {}, generated by `#[differentiate]`.",
        sig.name,
        wrt_list(sig)
    );
    let Sweeps {
        declarations,
        forward,
        reverse,
        adjoints,
        ..
    } = sweeps;
    let wrt_adjoints: Vec<&TokenStream> = sig.wrt.iter().map(|&i| &adjoints[i]).collect();
    let gradient = match &wrt_adjoints[..] {
        [adjoint] => quote!(#adjoint),
        _ => quote!((#(#wrt_adjoints),*)),
    };
    let value = returned(lowered);
    companion(
        source,
        &name,
        &doc,
        &[],
        gradient_return(sig),
        quote! {
            #prelude
            #declarations
            #forward
            #reverse
            (#value, #gradient)
        },
    )
}

/// `NAME_explain`: the graph of one evaluation, with values, local
/// derivatives and adjoints (see `crate::explain`).
pub fn explain(
    source: &Source,
    activity: &Activity,
    flag: &syn::Ident,
) -> syn::Result<TokenStream> {
    let Source { sig, lowered, .. } = *source;
    let name = format_ident!("{}_explain", sig.name);
    let doc = format!(
        " The computational graph of one evaluation of `{}`: each node's expression, value, local derivatives and adjoint, generated by `#[differentiate(explain)]`.",
        sig.name
    );
    let Sweeps {
        declarations,
        forward,
        reverse,
        value_adjoints,
        types,
        ..
    } = sweeps(
        source,
        activity,
        Seeds::of_return(sig.ret.constant(1.0)),
        true,
    );
    let graph = crate::explain::graph(&crate::explain::Inputs {
        sig,
        lowered,
        activity,
        types: &types,
        adjoints: &value_adjoints,
        flag,
    })?;
    Ok(companion(
        source,
        &name,
        &doc,
        &[],
        quote!(::gradmacro::explain::Graph),
        quote! {
            #declarations
            #forward
            #reverse
            #graph
        },
    ))
}

/// One generated function: the shared attributes, signature and hoisted items
/// around a given body.
pub(super) fn companion(
    source: &Source,
    name: &syn::Ident,
    doc: &str,
    extra_params: &[TokenStream],
    ret: TokenStream,
    body: TokenStream,
) -> TokenStream {
    let Source {
        function,
        sig,
        lowered,
    } = *source;
    // Items declared anywhere in the body (`const`, `use`, nested `fn`) are
    // hoisted: the generated body is flat.
    let items = &lowered.body.items;
    function_item(
        function,
        sig,
        name,
        doc,
        extra_params,
        ret,
        quote!(#(#items)* #body),
    )
}

/// A generated function beside `function`: its attributes, visibility,
/// generics and parameters, then `extra_params`, returning `ret`.
fn function_item(
    function: &ItemFn,
    sig: &FnSignature,
    name: &syn::Ident,
    doc: &str,
    extra_params: &[TokenStream],
    ret: TokenStream,
    body: TokenStream,
) -> TokenStream {
    let allow = allow_attributes();
    let carried = carried_attributes(function);
    let vis = &function.vis;
    let unsafety = &function.sig.unsafety;
    // The original's generics as declared: `<T: Float>`, lifetimes, `const N`.
    let generics = &function.sig.generics;
    let where_clause = &generics.where_clause;
    let params = parameters(sig);
    quote! {
        #[doc = #doc]
        #allow
        #carried
        #vis #unsafety fn #name #generics (#(#params,)* #(#extra_params),*) -> #ret #where_clause {
            #body
        }
    }
}

/// The return type of `NAME_grad`: `(R, G)`, `G` the gradient's shape.
fn gradient_return(sig: &FnSignature) -> TokenStream {
    let ret_ty = sig.ret.ident();
    let wrt_types: Vec<_> = sig
        .wrt
        .iter()
        .filter_map(|&i| sig.params[i].gradient_type())
        .collect();
    match &wrt_types[..] {
        [ty] => quote!((#ret_ty, #ty)),
        _ => quote!((#ret_ty, (#(#wrt_types),*))),
    }
}

/// `NAME_grad` and `NAME_pullback` with their signatures and no body, for a
/// function whose body was rejected: callers then get the one error on the
/// offending token, not a second ``cannot find function`` at each call.
pub fn stubs(function: &ItemFn, sig: &FnSignature) -> TokenStream {
    let body = quote!(::core::unimplemented!(
        "the body was rejected by #[differentiate]"
    ));
    let doc = " Not generated: the body was rejected (see the error on it).";
    let grad = (!sig.unit_return).then(|| {
        let name = format_ident!("{}_grad", sig.name);
        function_item(
            function,
            sig,
            &name,
            doc,
            &[],
            gradient_return(sig),
            body.clone(),
        )
    });
    let (extra_params, ret) = pullback::signature(sig);
    let name = format_ident!("{}_pullback", sig.name);
    let pullback = function_item(function, sig, &name, doc, &extra_params, ret, body.clone());
    let lent = pullback::lent_signature(sig).map(|(extra_params, ret)| {
        let name = format_ident!("{}_pullback_lent", sig.name);
        function_item(function, sig, &name, doc, &extra_params, ret, body)
    });
    quote!(#grad #pullback #lent)
}

mod pullback;

#[cfg(test)]
mod tests;
