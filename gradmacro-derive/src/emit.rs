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
struct Sweeps {
    declarations: TokenStream,
    forward: TokenStream,
    reverse: TokenStream,
    adjoints: Vec<TokenStream>,
    /// Every value's adjoint after the reverse sweep, where it has one.
    value_adjoints: Vec<Option<TokenStream>>,
    types: types::FloatTypes,
}

/// The sweeps of a companion; `explain` names every value and adjoint (its
/// graph reads them all), the others write constants inline.
fn sweeps(source: &Source, activity: &Activity, seed: TokenStream, explain: bool) -> Sweeps {
    let Source { sig, lowered, .. } = *source;
    let body = &lowered.body;
    let types = types::infer(body, sig);
    let fusion = crate::fuse::analyze(body, activity);
    if std::env::var_os("GRADMACRO_DUMP").is_some() && !fusion.to_string().is_empty() {
        eprintln!("gradmacro fusion in `{}`:\n{fusion}", sig.name);
    }
    // A dry run finds what the reverse sweep reads; the real run then restores
    // the values that are saved. Only values of nested blocks are ever saved:
    // straight-line code needs no dry run.
    let saves = if body.blocks.len() == 1 {
        Saves::none()
    } else {
        let dry = reverse::reverse(
            &reverse::Inputs {
                body,
                activity,
                types: &types,
                saves: &Saves::none(),
                fusion: &fusion,
                name_every_adjoint: explain,
            },
            seed.clone(),
        );
        Saves::new(body, &dry.referenced, &fusion, &types)
    };
    let sweep = reverse::reverse(
        &reverse::Inputs {
            body,
            activity,
            types: &types,
            saves: &saves,
            fusion: &fusion,
            name_every_adjoint: explain,
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
    Sweeps {
        declarations: saves.declarations(body, &types),
        forward: forward(&crate::forward::Forward {
            body,
            sig,
            activity,
            saves: &saves,
            fusion: &fusion,
            fused: &sweep.fused,
            inline_constants: !explain,
        }),
        value_adjoints: (0..body.value_count())
            .map(|index| sweep.adjoint(crate::ir::ValueId(index)))
            .collect(),
        reverse: sweep.code,
        adjoints,
        types,
    }
}

/// The returned value as the companions read it (a constant is written out:
/// the forward sweep does not bind constants).
fn returned(lowered: &LoweredBody) -> TokenStream {
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
/// (`wrt` is every differentiable parameter, the default), they share one
/// generated sweep, seeded with a named seed that `NAME_grad` binds to 1:
/// the expansion is generated once and cloned, which halves the macro's
/// time on long functions (LLVM sees the same constant as before).
pub fn gradient_and_pullback(
    source: &Source,
    activity: &Activity,
    pullback_activity: Option<&Activity>,
) -> TokenStream {
    let seed_name = seed();
    match pullback_activity {
        Some(all) if all == activity => {
            let shared = sweeps(source, activity, quote!(#seed_name), false);
            let one = source.sig.ret.constant(1.0);
            let ty = source.sig.ret.ident();
            let grad = gradient(source, &shared, quote!(let #seed_name: #ty = #one;));
            let pullback = pullback(source, shared);
            quote!(#grad #pullback)
        }
        Some(all) => {
            let grad = gradient(
                source,
                &sweeps(source, activity, source.sig.ret.constant(1.0), false),
                TokenStream::new(),
            );
            let pullback = pullback(source, sweeps(source, all, quote!(#seed_name), false));
            quote!(#grad #pullback)
        }
        None => gradient(
            source,
            &sweeps(source, activity, source.sig.ret.constant(1.0), false),
            TokenStream::new(),
        ),
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
    let ret_ty = sig.ret.ident();
    let wrt_adjoints: Vec<&TokenStream> = sig.wrt.iter().map(|&i| &adjoints[i]).collect();
    let wrt_types: Vec<_> = sig
        .wrt
        .iter()
        .filter_map(|&i| sig.params[i].gradient_type())
        .collect();
    let (gradient_ty, gradient) = if let ([ty], [adjoint]) = (&wrt_types[..], &wrt_adjoints[..]) {
        (quote!(#ty), quote!(#adjoint))
    } else {
        (quote!((#(#wrt_types),*)), quote!((#(#wrt_adjoints),*)))
    };
    let value = returned(lowered);
    companion(
        source,
        &name,
        &doc,
        &[],
        quote!((#ret_ty, #gradient_ty)),
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
    } = sweeps(source, activity, sig.ret.constant(1.0), true);
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

/// `NAME_pullback`: the value and the adjoint of every parameter for an
/// output seed, from sweeps seeded with [`seed`].
fn pullback(source: &Source, sweeps: Sweeps) -> TokenStream {
    let Source { sig, lowered, .. } = *source;
    let name = format_ident!("{}_pullback", sig.name);
    let doc = format!(
        " Pullback of `{}`: its value and, for an output adjoint `seed`, the adjoint of every parameter (`()` for constants), generated by `#[differentiate]`.",
        sig.name
    );
    let seed_name = seed();
    let ret_ty = sig.ret.ident();
    let Sweeps {
        declarations,
        forward,
        reverse,
        adjoints,
        ..
    } = sweeps;
    // A method's receiver is not an argument of the call: it gets no adjoint.
    let arguments = || sig.params.iter().map(|param| param.receiver.is_none());
    let adjoint_types = sig
        .params
        .iter()
        .filter(|param| param.receiver.is_none())
        .map(|param| param.gradient_type().unwrap_or_else(|| quote!(())));
    let adjoints = adjoints
        .into_iter()
        .zip(arguments())
        .filter_map(|(adjoint, is_argument)| is_argument.then_some(adjoint));
    let value = returned(lowered);
    companion(
        source,
        &name,
        &doc,
        &[quote!(#seed_name: #ret_ty)],
        quote!((#ret_ty, (#(#adjoint_types,)*))),
        quote! {
            #declarations
            #forward
            #reverse
            (#value, (#(#adjoints,)*))
        },
    )
}

/// One generated function: the shared attributes, signature and hoisted items
/// around a given body.
fn companion(
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
    let allow = allow_attributes();
    let carried = carried_attributes(function);
    let vis = &function.vis;
    let unsafety = &function.sig.unsafety;
    // The original's generics as declared: `<T: Float>`, lifetimes, `const N`.
    let generics = &function.sig.generics;
    let where_clause = &generics.where_clause;
    let params = parameters(sig);
    // Items declared anywhere in the body (`const`, `use`, nested `fn`) are
    // hoisted: the generated body is flat.
    let items = &lowered.body.items;
    quote! {
        #[doc = #doc]
        #allow
        #carried
        #vis #unsafety fn #name #generics (#(#params,)* #(#extra_params)*) -> #ret #where_clause {
            #(#items)*
            #body
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn expand(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        crate::expand::companions(attr, item).unwrap().to_string()
    }

    /// The seeds' graph u = wx, v = u + b, L = v²: the gradient is plain scalar
    /// code, one `let` per adjoint, with the rule's partial reused.
    #[test]
    fn gradient_of_the_seed_graph_is_straight_scalar_code() {
        let code = expand(
            quote!(wrt = [w, b]),
            quote!(
                fn graph(x: f64, w: f64, b: f64) -> f64 {
                    let u = w * x;
                    let v = u + b;
                    v.powi(2)
                }
            ),
        );
        let expected_grad =
            "fn graph_grad (x : f64 , w : f64 , b : f64 ,) -> (f64 , (f64 , f64)) { \
            let __gm_v0 = x ; let __gm_v1 = w ; let __gm_v2 = b ; \
            let __gm_v3 = __gm_v1 * __gm_v0 ; let __gm_v4 = __gm_v3 + __gm_v2 ; \
            let (__gm_v6 , __gm_d6_0) = :: gradmacro :: rules :: powi (__gm_v4 , (2)) ; \
            let __gm_adj_v6 = 1f64 ; \
            let __gm_adj_v4 = :: gradmacro :: __private :: times_partial (__gm_adj_v6 , __gm_d6_0) ; \
            let __gm_adj_v2 = __gm_adj_v4 ; \
            let __gm_adj_v1 = __gm_adj_v4 * __gm_v0 ; (__gm_v6 , (__gm_adj_v1 , __gm_adj_v2)) }";
        assert!(code.contains(expected_grad), "{code}");
        // The pullback also differentiates `x` and takes the seed as a parameter.
        assert!(code.contains("fn graph_pullback (x : f64 , w : f64 , b : f64 , __gm_seed : f64) -> (f64 , (f64 , f64 , f64 ,))"), "{code}");
        assert!(
            code.contains("let __gm_adj_v0 = __gm_adj_v4 * __gm_v1 ;"),
            "{code}"
        );
    }

    /// A square `x * x` contributes once, `adj · (x + x)`: one product on the
    /// adjoint's path, as a hand-written `2x` would be.
    #[test]
    fn squares_contribute_once() {
        let code = expand(
            quote!(),
            quote!(
                fn square(x: f64) -> f64 {
                    x * x
                }
            ),
        );
        assert!(
            code.contains("let __gm_adj_v0 = __gm_seed * (__gm_v0 + __gm_v0) ;"),
            "{code}"
        );
    }

    #[test]
    fn constants_get_unit_adjoints_and_unused_parameters_zero() {
        let code = expand(
            quote!(),
            quote!(
                pub fn f(x: f32, n: u8, _: f64, y: &f64) -> f32 {
                    x * 2.0
                }
            ),
        );
        assert!(code.contains("pub fn f_grad (x : f32 , n : u8 , __gm_unused2 : f64 , y : & f64 ,) -> (f32 , (f32 , f64 , f64))"), "{code}");
        assert!(
            code.contains("(__gm_v5 , (__gm_adj_v0 , 0f64 , 0f64))"),
            "{code}"
        );
        assert!(
            code.contains("-> (f32 , (f32 , () , f64 , f64 ,))"),
            "{code}"
        );
    }
}

#[cfg(test)]
mod loop_tests {
    use quote::quote;

    fn expand(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        crate::expand::companions(attr, item).unwrap().to_string()
    }

    /// A reduction over a read-only slice saves nothing: the element reads, the
    /// index arithmetic, the loop index and the trip count are all recomputed by
    /// the reverse loop, which counts down. (The square root keeps the loop from
    /// being fused: its exit adjoint depends on the sum.)
    #[test]
    fn reductions_over_read_only_slices_save_nothing() {
        let code = expand(
            quote!(),
            quote!(
                fn rosenbrock(x: &[f64]) -> f64 {
                    let mut f = 0.0;
                    for i in 0..x.len() / 2 {
                        let (a, b) = (x[2 * i], x[2 * i + 1]);
                        f += 100.0 * (a * a - b) * (a * a - b) + (a - 1.0) * (a - 1.0);
                    }
                    f.sqrt()
                }
            ),
        );
        assert!(!code.contains("stack"), "{code}");
        assert!(code.contains(". rev ()"), "{code}");
        assert!(code.contains("saturating_sub"), "{code}");
    }

    /// A returned sum is fused: one loop, whose iterations end with their
    /// reverse, and whose strided reads `x[2i]`, `x[2i + 1]` each assign their
    /// entry of the gradient once, as a hand-written gradient does.
    #[test]
    fn returned_sums_fuse_and_assign_each_entry_once() {
        let code = expand(
            quote!(),
            quote!(
                fn rosenbrock(x: &[f64]) -> f64 {
                    let mut f = 0.0;
                    for i in 0..x.len() / 2 {
                        let (a, b) = (x[2 * i], x[2 * i + 1]);
                        f += 100.0 * (a * a - b) * (a * a - b) + (a - 1.0) * (a - 1.0);
                    }
                    f
                }
            ),
        );
        assert!(
            !code.contains("stack") && !code.contains(". rev ()"),
            "{code}"
        );
        assert!(code.contains("let __gm_seed : f64 = 1f64 ;"), "{code}");
        assert!(code.contains("let mut __gm_adj_s0 = __gm_seed ;"), "{code}");
        assert!(code.contains("__gm_adjbuf_v0 [__gm_v11] = "), "{code}");
        assert!(!code.contains("__gm_adjbuf_v0 [__gm_v11] += "), "{code}");
    }

    /// Partials of cheap rules (`powi`) are recomputed with them, not saved.
    #[test]
    fn cheap_rules_in_loops_save_nothing() {
        let code = expand(
            quote!(),
            quote!(
                fn rosenbrock(x: &[f64]) -> f64 {
                    let mut f = 0.0;
                    for i in 0..x.len() - 1 {
                        f += 100.0 * (x[i + 1] - x[i].powi(2)).powi(2) + (1.0 - x[i]).powi(2);
                    }
                    f
                }
            ),
        );
        assert!(!code.contains("stack"), "{code}");
    }

    /// A literal range may be `i32`: its items are saved rather than rebuilt
    /// as `0 + k` (a `usize`).
    #[test]
    fn literal_ranges_keep_their_items() {
        let code = expand(
            quote!(),
            quote!(
                fn f(x: f64) -> f64 {
                    let mut s = 0.0;
                    for i in 0..10 {
                        s += x * (i - 3) as f64;
                    }
                    s
                }
            ),
        );
        assert!(!code.contains("saturating_sub"), "{code}");
        assert!(!code.contains(". rev ()"), "{code}");
    }

    /// A product in a loop that is not fused saves its factor on a tape: a
    /// range's iteration `k` stores it at index `k` of the loop's segment and
    /// reverse iteration `k` reads it back from there, with no push or pop.
    #[test]
    fn range_loops_tape_their_saved_floats() {
        let code = expand(
            quote!(),
            quote!(
                fn horner(x: &[f64], t: f64) -> f64 {
                    let mut acc = 0.0;
                    for i in 0..x.len() {
                        acc = acc * t + x[i];
                    }
                    acc * acc
                }
            ),
        );
        assert!(code.contains("let __gm_tape_start"), "{code}");
        assert!(code.contains("__gm_segment_v"), "{code}");
        assert!(
            !code.contains(". push (") && !code.contains("pop"),
            "{code}"
        );
        // The store is a plain index: no call in the forward loop.
        assert!(!code.contains("__private :: record"), "{code}");
    }

    /// A `while` loop's trip count is unknown before it runs: its tape grows
    /// as it is written.
    #[test]
    fn while_loops_record_into_growing_tapes() {
        let code = expand(
            quote!(),
            quote!(
                fn halvings(x: f64) -> f64 {
                    let mut y = x;
                    let mut n = 0;
                    while n < 10 {
                        y = y * y * 0.5;
                        n += 1;
                    }
                    y
                }
            ),
        );
        assert!(code.contains("__private :: record"), "{code}");
        assert!(!code.contains("pop"), "{code}");
    }
}
